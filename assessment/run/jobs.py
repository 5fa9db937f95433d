"""The plain data of a batch: what a worker gets, what it hands back, what the summary keeps.

Every value here is picklable (a Dask worker receives a :class:`ReportJob` and returns a
:class:`ReportOutcome`), and none of these classes imports anything heavy.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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

    def batch_metadata(self) -> dict[str, Any]:
        """What the executed notebook records of how it was made (the up-to-date check
        compares it with the next run's job)."""
        return {"parameters": dict(self.parameters), "self_contained": self.self_contained,
                "notebook": self.notebook}


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

    @property
    def failed(self) -> list[CompanyReport]:
        """The companies whose report failed in this run."""
        return [r for r in self.reports.values() if r.status == "failed"]

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """0 when every report succeeded (or was up to date), else 1."""
        return 0 if self.ok else 1

    def line(self) -> str:
        """The final line: N reports, M failed, time taken."""
        n = len(self.reports)
        made = sum(r.status == "ok" for r in self.reports.values())
        skipped = sum(r.status == "skipped" for r in self.reports.values())
        return (f"{n} reports, {len(self.failed)} failed ({made} written, {skipped} skipped), "
                f"{self.seconds:.1f} s")
