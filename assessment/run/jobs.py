"""The plain data of a batch: what a worker gets, what it hands back, what the summary keeps;
and the checks of what a batch is asked to run, made before anything is written.

Every value here is picklable (a Dask worker receives a :class:`ReportJob` and returns a
:class:`ReportOutcome`), and none of these classes imports anything heavy.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assessment.exceptions import AssessmentError, Problem
from assessment.files import unique_slugs
from assessment.instrument.models import LANGS

DEFAULT_TIMEOUT = 600.0  # seconds per cell
#: the key of the notebook metadata that records how a report was made
BATCH_METADATA = "assessment_batch"
#: cells the HTML page leaves out (the setup cells and papermill's parameters)
REMOVE_CELL_TAGS = ("remove-cell", "parameters", "injected-parameters")
# The report kernels' environment: figures without the plotly JSON bundle, which only a
# live JupyterLab shows (the HTML export shows text/html), see assessment.present.figures.show.
KERNEL_ENV = {"ASSESSMENT_PLOTLY_JSON": "0"}


@dataclass(frozen=True)
class ReportJob:
    """One company's report: everything a worker needs (plain, picklable values).

    Examples
    --------
    >>> job = ReportJob("shoes", "shoes", "Stepwise Shoes", "report.ipynb",
    ...                 {"company_id": "shoes"})
    >>> job.batch_metadata()["parameters"]
    {'company_id': 'shoes'}
    """

    company_id: str
    slug: str
    name: str
    notebook: str
    parameters: dict[str, Any]
    lang: str = "en"
    self_contained: bool = False
    timeout: float = DEFAULT_TIMEOUT
    #: the hash of the report's inputs and settings, by content (see
    #: :func:`assessment.run.notebook.inputs_digest`)
    inputs: str = ""
    #: the page's brand (:func:`assessment.run.export.brand_resources`; None: the default)
    brand: dict[str, str] | None = None

    def batch_metadata(self) -> dict[str, Any]:
        """What the executed notebook records of how it was made (the up-to-date check
        compares it with the next run's job)."""
        return {"parameters": dict(self.parameters), "self_contained": self.self_contained,
                "notebook": self.notebook, "inputs": self.inputs}


@dataclass
class ReportOutcome:
    """What a worker hands back: the executed notebook and its HTML, or why it failed.

    Examples
    --------
    >>> ReportOutcome("shoes", "shoes", "failed", 0.4, error="RuntimeError: no").status
    'failed'
    """

    company_id: str
    slug: str
    status: str  # "ok" or "failed"
    seconds: float
    notebook_json: str | None = None
    html: str | None = None
    error: str | None = None
    cell_index: int | None = None
    cell_execution_count: int | None = None
    cell_source: str | None = None
    # the executed notebook when the caller exports it (the local runner: one exporter in
    # the main thread); never pickled to or from a Dask worker, which exports itself
    nb: Any = field(default=None, repr=False, compare=False)


@dataclass
class CompanyReport:
    """The ``report`` block of one company in ``summary.json``.

    Examples
    --------
    >>> CompanyReport("shoes", "shoes", "ok", "shoes.html", "shoes.ipynb").to_dict()["file"]
    'shoes.html'
    """

    company_id: str
    slug: str
    status: str  # ok, failed or skipped
    file: str | None = None
    notebook: str | None = None
    reason: str | None = None  # why a company was skipped
    error: str | None = None
    cell: dict[str, Any] | None = None
    seconds: float | None = None
    #: the PowerPoint deck (``--pptx``): status ok or failed, file, error, seconds
    deck: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (without the company id, which the summary entry already has)."""
        out = asdict(self)
        out.pop("company_id")
        return out


@dataclass
class BatchResult:
    """The outcome of :func:`assessment.run.batch.run_reports`.

    Examples
    --------
    >>> reports = {"a": CompanyReport("a", "a", "ok"), "b": CompanyReport("b", "b", "failed")}
    >>> result = BatchResult(Path("out"), reports, 1.5, Path("out/index.html"),
    ...                      Path("out/summary.json"), Path("out/summary.csv"))
    >>> result.exit_code, result.line()
    (1, '2 reports, 1 failed (1 written, 0 skipped), 1.5 s')
    """

    out: Path
    reports: dict[str, CompanyReport]
    seconds: float
    index: Path
    summary_json: Path
    summary_csv: Path
    files: list[Path] = field(default_factory=list)
    #: reports run at the same time (local kernels; 0 on a Dask cluster or with none to run)
    workers: int = 0

    @property
    def failed(self) -> list[CompanyReport]:
        """The companies whose report failed in this run."""
        return [r for r in self.reports.values() if r.status == "failed"]

    @property
    def failed_decks(self) -> list[CompanyReport]:
        """The companies whose deck (``--pptx``) failed in this run."""
        return [r for r in self.reports.values() if r.deck and r.deck["status"] == "failed"]

    @property
    def ok(self) -> bool:
        """True when no report and no deck failed."""
        return not self.failed and not self.failed_decks

    @property
    def exit_code(self) -> int:
        """0 when every report succeeded (or was up to date), else 1."""
        return 0 if self.ok else 1

    def line(self) -> str:
        """The final line: N reports, M failed, time taken."""
        n = len(self.reports)
        made = sum(r.status == "ok" for r in self.reports.values())
        skipped = sum(r.status == "skipped" for r in self.reports.values())
        decks = [r for r in self.reports.values() if r.deck]
        made_decks = (f", {len(decks)} decks ({len(self.failed_decks)} failed)" if decks
                      else "")
        return (f"{n} reports, {len(self.failed)} failed ({made} written, {skipped} skipped)"
                f"{made_decks}, {self.seconds:.1f} s")


# -- what a batch is asked to run ---------------------------------------------------------


def argument_problems(jobs: Any, timeout: Any, companies: list[str] | str | None,
                      lang: str) -> list[str]:
    """Every unusable argument of a batch, one line each (none: an empty list).

    ``companies`` as a string must name at least one id (``",,,"`` names none); an
    empty list selects no company on purpose (only the index and summary are written).

    Examples
    --------
    >>> argument_problems(2, 600, "shoes", "en")
    []
    >>> for line in argument_problems(0, -1, ",,,", "xx"):
    ...     print(line)
    unknown language 'xx'; expected one of ['en', 'de', 'nl']
    jobs must be a whole number of at least 1, got 0
    timeout must be a positive number of seconds, got -1
    companies names no company id (',,,'); give ids separated by commas
    """
    problems = []
    if lang not in LANGS:
        problems.append(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        problems.append(f"jobs must be a whole number of at least 1, got {jobs!r}")
    try:
        seconds = float(timeout)
    except (TypeError, ValueError):
        seconds = math.nan
    if not 0 < seconds < math.inf:
        problems.append(f"timeout must be a positive number of seconds, got {timeout!r}")
    if companies is not None and (isinstance(companies, str) or companies) and not _wanted(
            companies):
        problems.append(f"companies names no company id ({companies!r}); give ids "
                        "separated by commas")
    return problems


def _wanted(companies: list[str] | str) -> list[str]:
    if isinstance(companies, str):
        return [c.strip() for c in companies.split(",") if c.strip()]
    return [c for c in companies if str(c).strip()]


def company_names(folder: Path) -> dict[str, str] | None:
    """``company_id -> name`` of a dataset's ``companies.csv``, read without checking the
    dataset (cheap: the batch counts the reports to run before any kernel starts);
    ``None`` when it cannot be read (the dataset's check then says why).

    Examples
    --------
    >>> list(company_names(Path("data/sample")))[:2]
    ['pcmaker', 'shoes']
    >>> company_names(Path("no-such-folder")) is None
    True
    """
    from assessment.intake.read import read_table

    problems: list[Problem] = []
    path = folder / "companies.csv"
    table = read_table(path, problems) if path.is_file() else None
    if table is None or problems or not {"company_id", "name"} <= set(table.columns):
        return None
    return dict(zip(table["company_id"], table["name"], strict=True))


def select_companies(companies: list[str] | str | None,
                     known: list[str]) -> tuple[dict[str, str], set[str]]:
    """Each known company's report file stem, and the companies selected (``None``: all).

    Raises
    ------
    AssessmentError
        Every unknown id, and every two ids whose reports would have the same file name,
        one line each.

    Examples
    --------
    >>> select_companies("shoes", ["shoes", "../b"])
    ({'shoes': 'shoes', '../b': 'b-442f02a0'}, {'shoes'})
    >>> try:
    ...     select_companies("nope", ["index", "index-e540cdd1"])
    ... except AssessmentError as err:
    ...     print(err)
    company ids 'index' and 'index-e540cdd1' would both be written as index-e540cdd1.html; \
rename one of them in companies.csv
    unknown company id(s): 'nope'; the dataset has 2 companies
    """
    problems: list[str] = []
    try:
        slugs = unique_slugs(known)
    except ValueError as err:  # two ids, one file name: said with the other problems
        slugs, problems = {}, str(err).splitlines()
    wanted = known if companies is None else _wanted(companies)
    unknown = [c for c in wanted if c not in known]
    if unknown:
        problems.append(f"unknown company id(s): {', '.join(map(repr, unknown))}; "
                        f"the dataset has {len(known)} companies")
    if problems:
        raise AssessmentError("\n".join(problems))
    return slugs, set(wanted)
