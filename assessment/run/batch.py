"""The batch: one report per company, a portfolio index and a summary, resilient and parallel.

:func:`run_reports` plans the work (which reports are missing or out of date), has a runner
make them (:mod:`assessment.run.runners`: worker threads on warm local kernels, or a Dask
cluster), exports each executed notebook to HTML (:mod:`assessment.run.export`) and
stores the results in the output folder:

- ``<slug>.html`` and the executed ``<slug>.ipynb`` per company (``<slug>.failed.ipynb``
  when the report failed), the slug coming from :func:`assessment.files.unique_slugs`;
- ``plotly.min.js``, one copy shared by every page (none with ``self_contained``);
- ``index.html`` (the portfolio page), ``summary.json`` and ``summary.csv``.

Every file is written atomically (temporary file, then rename) by this process only: the
workers return texts, so an interrupted run never leaves a half-written file at a final
path. One company's failure (a cell error, a kernel that dies, a timeout) is recorded and
the batch goes on.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assessment.diagnosis.findings import diagnose
from assessment.exceptions import AssessmentError
from assessment.files import atomic_write_bytes, unique_slugs
from assessment.instrument.models import LANGS
from assessment.intake.dataset import Dataset, load_dataset
from assessment.present.figures import PLOTLY_JS
from assessment.present.portfolio import write_index
from assessment.present.summary import build_summary
from assessment.run.export import warm_exporter
from assessment.run.jobs import (
    BATCH_METADATA,
    DEFAULT_TIMEOUT,
    BatchResult,
    CompanyReport,
    ReportJob,
)
from assessment.run.notebook import PACKAGE_DIR, check_notebook, default_notebook, kernel_name
from assessment.run.runners import DaskRunner, LocalRunner, export_outcome
from assessment.run.store import copy_plotly_js, store_outcome, summary_rows, write_summary
from assessment.scoring.cache import DATASET_FILES, dataset_key, save_scored
from assessment.scoring.tables import score

__all__ = ["BatchResult", "CompanyReport", "ReportJob", "default_notebook", "report_inputs",
           "run_reports", "summary_rows", "PLOTLY_JS"]

# Package files whose change does not change a report: the batch's own code (except the
# export and its template), the command line, the workshop, the portfolio page's code and
# texts. Paths relative to the package folder.
_NOT_REPORT_INPUTS = {"cli.py", "__main__.py", "present/portfolio.py",
                      "instrument/index_texts.yaml", "instrument/workshop_texts.yaml"}
_REPORT_SUFFIXES = (".py", ".yaml", ".j2", ".json")

# Run once in every new warm kernel of a batch: the imports of the report notebook, then
# the dataset into the dataset cache, as the batch scored it. When the batch could not
# hand it over (an empty file: nothing to run, an invalid dataset, an unpicklable one) or
# the files changed meanwhile, the first report loads and scores the dataset itself.
_PRELOAD = """\
import assessment.present.figures
import assessment.present.report.core
import assessment.scoring.cache
assessment.present.figures.warm()
assessment.scoring.cache.prime_dataset_cache({cache!r}, {dataset!r}, wait=20)
"""


# -- deciding what to run ------------------------------------------------------------------


def _is_report_input(path: Path) -> bool:
    rel = path.relative_to(PACKAGE_DIR).as_posix()
    if path.suffix not in _REPORT_SUFFIXES or "__pycache__" in rel:
        return False
    if rel.startswith("run/"):
        return rel == "run/export.py" or rel.startswith("run/templates/")
    return (not rel.startswith(("workshop/", "present/templates/portfolio/"))
            and rel not in _NOT_REPORT_INPUTS)


def _package_inputs() -> list[Path]:
    """The package files a report depends on (code, instrument, texts, templates)."""
    return [p for p in sorted(PACKAGE_DIR.rglob("*")) if p.is_file() and _is_report_input(p)]


def report_inputs(dataset: Dataset, notebook: Path) -> list[Path]:
    """The files a report depends on.

    The dataset's files, the notebook, the instrument and texts, the package code the
    notebook calls and the export's template.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> names = {p.name for p in report_inputs(load_dataset("data/sample"), default_notebook())}
    >>> {"responses.csv", "report.ipynb", "rules.py", "export.py"} <= names
    True
    >>> {"batch.py", "cli.py", "portfolio.py"} & names
    set()
    """
    return list(dataset.files) + [notebook] + _package_inputs()


def _newest_mtime(paths: Iterable[Path]) -> float:
    return max((p.stat().st_mtime for p in paths if p.exists()), default=0.0)


def _worth_starting_kernels(out: Path, dataset: Path, notebook: Path, force: bool) -> bool:
    """Whether some report will probably run, judged before the dataset is read (so the
    kernels can boot meanwhile): ``force``, no report in ``out`` yet, or a report older
    than a dataset file, the notebook or the package. When this guesses wrong the kernels
    are stopped unused, or started once the jobs are known."""
    if force:
        return True
    made = [p for p in out.glob("*.ipynb") if not p.name.endswith(".failed.ipynb")]
    if not made:
        return True
    inputs = [dataset / name for name in DATASET_FILES] + [notebook] + _package_inputs()
    return min(p.stat().st_mtime for p in made) <= _newest_mtime(inputs)


def _up_to_date(out: Path, job: ReportJob, newest_input: float) -> bool:
    """The company's report exists, is newer than every input and was made with the same
    parameters, notebook and plotly.js mode."""
    html, ipynb = out / f"{job.slug}.html", out / f"{job.slug}.ipynb"
    if not (html.exists() and ipynb.exists()):
        return False
    if min(html.stat().st_mtime, ipynb.stat().st_mtime) <= newest_input:
        return False
    try:
        meta = json.loads(ipynb.read_text(encoding="utf-8"))["metadata"].get(BATCH_METADATA)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return meta == job.batch_metadata()


# -- the batch -----------------------------------------------------------------------------


def _sort_out(out: Path, plan: list[ReportJob], selected: set[str], force: bool,
              newest_input: float) -> tuple[dict[str, CompanyReport], list[ReportJob]]:
    """The reports skipped (not selected, or up to date unless ``force``) and the jobs to
    run."""
    reports: dict[str, CompanyReport] = {}
    todo: list[ReportJob] = []
    for job in plan:
        cid, slug = job.company_id, job.slug
        existing = f"{slug}.html" if (out / f"{slug}.html").exists() else None
        existing_nb = f"{slug}.ipynb" if (out / f"{slug}.ipynb").exists() else None
        if cid not in selected:
            reports[cid] = CompanyReport(cid, slug, "skipped", existing, existing_nb,
                                         reason="not selected")
        elif not force and _up_to_date(out, job, newest_input):
            reports[cid] = CompanyReport(cid, slug, "skipped", existing, existing_nb,
                                         reason="up to date")
        else:
            todo.append(job)
    return reports, todo


def _any_selected(companies: Iterable[str] | str | None) -> bool:
    """Whether ``companies`` may select a report (``None``: all of them)."""
    if companies is None:
        return True
    ids = companies.split(",") if isinstance(companies, str) else companies
    return any(str(c).strip() for c in ids)


def _parse_companies(companies: Iterable[str] | str | None, known: list[str]) -> list[str]:
    if companies is None:
        return list(known)
    wanted = [c.strip() for c in companies.split(",")] if isinstance(companies, str) else [
        str(c) for c in companies]
    wanted = [c for c in wanted if c]
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise AssessmentError(f"unknown company id(s): {', '.join(map(repr, unknown))}; "
                              f"the dataset has {len(known)} companies")
    return [c for c in known if c in set(wanted)]


def run_reports(
    dataset: str | Path,
    out: str | Path = "reports",
    jobs: int | None = None,
    lang: str = "en",
    companies: Iterable[str] | str | None = None,
    force: bool = False,
    self_contained: bool = False,
    notebook: str | Path | None = None,
    scheduler: Any = None,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    show_items: bool = True,
    progress: bool = True,
    fresh_kernels: bool = False,
) -> BatchResult:
    """Run the report notebook for every company of ``dataset`` and write the reports, the
    portfolio index and the summary into ``out``.

    Local reports run on ``jobs`` threads that each drive papermill with the
    ``assessment`` engine (:mod:`assessment.run.engine`; the kernels are separate
    processes). Each thread starts its kernel at once, before the dataset is read (unless
    every report is up to date); the kernel imports the report's modules and takes the
    dataset as this process scored and diagnosed it. This process then makes the summary
    and exports each executed notebook to HTML as it comes. Each report runs the whole
    notebook in a reset namespace; a kernel is replaced after any failed report.

    Parameters
    ----------
    dataset : str or Path
        The dataset folder.
    out : str or Path
        The output folder (made when missing).
    jobs : int, optional
        Reports run at the same time (default: the number of cores).
    lang : str
        The reports' language (``en``, ``de``, ``nl``).
    companies : iterable of str or str, optional
        Ids (a list or a comma-separated string) to (re)run; the others keep their report.
    force : bool
        Rerun reports that are up to date.
    self_contained : bool
        Inline plotly.js in every page (single files for e-mail) instead of one shared
        ``plotly.min.js``.
    notebook : str or Path, optional
        A custom report notebook (default: :func:`default_notebook`).
    scheduler : str or distributed.Client, optional
        A Dask scheduler address (``tcp://...``) or client to run the reports on.
    timeout : float
        Seconds a single cell may run.
    show_items : bool
        Show the item-detail section.
    progress : bool
        Show a progress bar (one tick per report) and print the final line.
    fresh_kernels : bool
        Start a new kernel for every report instead of keeping one warm kernel per worker.

    Returns
    -------
    BatchResult
        Each company's :class:`CompanyReport`, the files written, the exit code.

    Raises
    ------
    DatasetError
        The dataset is invalid (nothing is written).
    AssessmentError
        Unusable arguments. A failing report does not raise: see ``BatchResult.failed``.

    Examples
    --------
    With no company selected, only the portfolio page and the summary are written:

    >>> import tempfile
    >>> result = run_reports("data/sample", tempfile.mkdtemp(), companies=[],
    ...                      progress=False)
    >>> result.exit_code, {r.reason for r in result.reports.values()}
    (0, {'not selected'})
    >>> sorted(p.name for p in result.files)
    ['index.html', 'plotly.min.js', 'summary.csv', 'summary.json']
    """
    t0 = time.perf_counter()
    if companies is not None and not isinstance(companies, str):
        companies = list(companies)  # read twice (an iterator would be empty the second time)
    if lang not in LANGS:
        raise AssessmentError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    nb_path = Path(notebook).resolve() if notebook is not None else default_notebook()
    nb_json = check_notebook(nb_path)
    dataset_path = str(Path(dataset).resolve())
    out_dir = Path(out).resolve()
    n_jobs = max(1, int(jobs) if jobs else _cpu_count())
    warm = scheduler is None and not fresh_kernels
    kernel = kernel_name(nb_json)

    # The kernels boot first, while this process reads and scores the dataset; the scored
    # dataset is handed to them (pickled), then the summary is made while they work.
    scratch = tempfile.mkdtemp(prefix="assessment-batch-")
    scored_file = os.path.join(scratch, "dataset.pickle")
    preload = _PRELOAD.format(cache=scored_file, dataset=dataset_path)
    runner: LocalRunner | DaskRunner | None = None
    if warm and _any_selected(companies) and _worth_starting_kernels(
            out_dir, Path(dataset_path), nb_path, force):
        runner = LocalRunner(n_jobs, warm=True, kernel_name=kernel, preload=preload)
    bar = None
    frozen = False
    try:
        files_key = dataset_key(dataset_path)  # before reading them (see save_scored)
        ds = load_dataset(dataset)  # raises DatasetError before anything is written
        all_ids = [str(c) for c in ds.companies["company_id"]]
        selected = set(_parse_companies(companies, all_ids))
        slugs = unique_slugs(all_ids)
        names = dict(zip(all_ids, ds.companies["name"].astype(str), strict=True))

        out_dir.mkdir(parents=True, exist_ok=True)
        newest_input = _newest_mtime(report_inputs(ds, nb_path))

        plan = [ReportJob(
            company_id=cid, slug=slugs[cid], name=names[cid], notebook=str(nb_path),
            parameters={"dataset": dataset_path, "company_id": cid, "lang": lang,
                        "show_items": bool(show_items), "wave": ""},
            lang=lang, self_contained=bool(self_contained), timeout=float(timeout))
            for cid in all_ids]
        reports, todo = _sort_out(out_dir, plan, selected, force, newest_input)

        written: list[Path] = []
        if not self_contained:
            written.append(copy_plotly_js(out_dir))

        if runner is None:
            runner = (DaskRunner(scheduler) if scheduler is not None else
                      LocalRunner(min(n_jobs, len(todo)), warm=warm,
                                   kernel_name=kernel, preload=preload))
        runner.submit(todo)

        # first: the kernels wait for the scores (with every company's diagnosis, which
        # the summary needs too) once they have booted
        scores = score(ds)
        diagnoses = diagnose(scores)
        if warm and todo:
            try:
                save_scored(scored_file, dataset_path, files_key, ds, scores)
            except Exception:  # the kernels load the dataset themselves (no need to wait)
                pass
        if not os.path.exists(scored_file):  # a kernel waiting for it stops waiting
            atomic_write_bytes(Path(scored_file), b"")
        if todo and scheduler is None:  # here, while the kernels boot, not in the workers
            import papermill  # noqa: F401  (with nbformat and jsonschema: seconds)
        summary = build_summary(ds, scores, diagnoses, lang)
        if todo and scheduler is None:  # the exports are made here, in this thread
            try:
                warm_exporter(lang, self_contained)
            except Exception:  # each report's export will fail and say why
                pass
        # what exists now lives until the end: out of the garbage collector's view while
        # the workers allocate (each full collection would walk it again)
        gc.freeze()
        frozen = True

        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), unit="report", desc="reports", file=sys.stderr,
                   disable=not progress or not todo, dynamic_ncols=True)
        for job, outcome in runner:
            outcome = export_outcome(job, outcome)
            reports[job.company_id] = store_outcome(out_dir, job, outcome, written)
            bar.update(1)
            if outcome.status != "ok":
                bar.write(f"failed: {job.company_id!r}: {outcome.error}", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
        if runner is not None:
            if not os.path.exists(scored_file):  # a booting kernel stops waiting for it
                atomic_write_bytes(Path(scored_file), b"")
            runner.close()
        if frozen:
            gc.unfreeze()
        shutil.rmtree(scratch, ignore_errors=True)

    summary_json, summary_csv = write_summary(out_dir, summary, reports, ds, diagnoses, lang,
                                              nb_path, self_contained)
    index = out_dir / "index.html"
    write_index(index, ds, diagnoses, reports, lang=lang, self_contained=self_contained)
    written += [summary_json, summary_csv, index]
    result = BatchResult(out_dir, reports, round(time.perf_counter() - t0, 1), index,
                         summary_json, summary_csv, written)
    if progress:
        print(result.line(), flush=True)
    return result


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
