"""The batch: one report per company, a portfolio index and a summary, resilient and parallel.

:func:`run_reports` plans the work (which reports are missing or out of date), has a runner
make them (:mod:`assessment.run.runners`: worker threads on warm local kernels, or a Dask
cluster), exports each executed notebook to HTML (:mod:`assessment.run.export`) and
stores the results in the output folder:

- ``<slug>.html`` and the executed ``<slug>.ipynb`` per company (``<slug>.failed.ipynb``
  when the report failed), the slug coming from :func:`assessment.files.company_slug`;
- ``plotly.min.js``, one copy shared by every page (none with ``self_contained``);
- ``index.html`` (the portfolio page), ``summary.json`` and ``summary.csv``;
- ``.assessment.lock`` (:data:`OUTPUT_LOCK`, not an output): one batch at a time writes
  into a folder, a second one stops at once with an error naming the folder.

A report is up to date when its executed notebook records the same hash of its inputs
(the dataset's files, the notebook, the package files that shape a report: by content,
not modification time) and settings as this run's; the hash is taken once per batch.

Every file is written atomically (temporary file, then rename) by this process only: the
workers return texts, so an interrupted run never leaves a half-written file at a final
path. One company's failure (a cell error, a kernel that dies, a timeout) is recorded and
the batch goes on. Unusable arguments, unknown ids, an output folder that cannot be
written or an unreachable scheduler stop the batch with an :class:`AssessmentError`
before anything is written; the scratch folder (the scored dataset handed to the kernels)
is private (``0700``) and removed on every exit Python sees, SIGTERM included.
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from assessment.diagnosis.diagnose import diagnose
from assessment.exceptions import AssessmentError
from assessment.files import atomic_write_bytes
from assessment.intake.dataset import SETTINGS_FILE, Dataset, find_responses, load_dataset
from assessment.present.brand import Brand
from assessment.present.figures import PLOTLY_JS
from assessment.present.portfolio import write_index
from assessment.present.summary import build_summary
from assessment.run.decks import DeckBuilder, resolve_brand
from assessment.run.export import brand_resources, warm_exporter
from assessment.run.jobs import (
    BATCH_METADATA,
    DEFAULT_TIMEOUT,
    BatchResult,
    CompanyReport,
    ReportJob,
    argument_problems,
    company_names,
    select_companies,
)
from assessment.run.notebook import (
    check_notebook,
    default_notebook,
    inputs_digest,
    kernel_name,
    package_inputs,
)
from assessment.run.pdf import pdf_browser, print_batch_pdfs
from assessment.run.runners import (
    DaskRunner,
    LocalRunner,
    connect_dask,
    cpu_cores,
    export_outcome,
    sized_local_runner,
)
from assessment.run.store import copy_plotly_js, store_outcome, summary_rows, write_summary
from assessment.scoring.cache import dataset_key, save_scored
from assessment.scoring.tables import score

__all__ = ["BatchResult", "CompanyReport", "ReportJob", "default_notebook", "report_inputs",
           "run_reports", "summary_rows", "PLOTLY_JS"]

#: the lock file inside the output folder: one batch at a time writes into a folder
OUTPUT_LOCK = ".assessment.lock"
#: seconds a batch waits for another batch's lock on its output folder before it stops
OUTPUT_LOCK_WAIT = 0.0

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


def report_inputs(dataset: str | Path | Dataset, notebook: Path) -> list[Path]:
    """The files a report depends on.

    The dataset's files (``companies.csv``, the responses file in use, ``settings.yaml``
    when there is one), the notebook, the instrument and texts, the package code the
    notebook calls and the export's template (:func:`~assessment.run.notebook.package_inputs`).

    Examples
    --------
    >>> names = {p.name for p in report_inputs("data/sample", default_notebook())}
    >>> {"companies.csv", "responses.csv", "report.ipynb", "rules.py", "export.py"} <= names
    True
    >>> {"batch.py", "cli.py", "portfolio.py"} & names
    set()
    """
    if isinstance(dataset, Dataset):
        files = list(dataset.files)
    else:
        folder = Path(dataset)
        files = [folder / "companies.csv", find_responses(folder) or folder / "responses.csv"]
        files += [folder / SETTINGS_FILE] if (folder / SETTINGS_FILE).exists() else []
    return files + [Path(notebook)] + package_inputs()


def _up_to_date(out: Path, job: ReportJob) -> bool:
    """The company's report exists and was made from the same inputs (by content: see
    :func:`~assessment.run.notebook.inputs_digest`), parameters, notebook and plotly.js
    mode, as its executed notebook records."""
    html, ipynb = out / f"{job.slug}.html", out / f"{job.slug}.ipynb"
    if not html.exists():
        return False
    try:
        meta = json.loads(ipynb.read_text(encoding="utf-8"))["metadata"].get(BATCH_METADATA)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    return meta == job.batch_metadata()


# -- before anything is written -----------------------------------------------------------


def _write_error(out: Path, exc: OSError) -> str:
    return (f"cannot write into the output folder {str(out)!r}: "
            f"{exc.strerror or exc}")


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """An ``OSError`` while writing into ``out`` (read-only, full) as one clear error."""
    try:
        yield
    except OSError as exc:
        raise AssessmentError(_write_error(out, exc)) from exc


@contextmanager
def _output_lock(out: Path) -> Iterator[None]:
    """Make ``out`` and hold the lock on it (:data:`OUTPUT_LOCK`): a second batch into the
    same folder stops at once (after :data:`OUTPUT_LOCK_WAIT` seconds) with a clear error.
    When the batch fails before writing anything else, a folder it made is removed."""
    made = []
    for folder in (out, *out.parents):
        if folder.exists():
            break
        made.append(folder)
    lock = FileLock(out / OUTPUT_LOCK, timeout=OUTPUT_LOCK_WAIT)
    try:
        out.mkdir(parents=True, exist_ok=True)
        lock.acquire()
    except Timeout:
        raise AssessmentError(f"another batch is writing into {str(out)!r}; run this one "
                              "when it has finished, or into another --out folder") from None
    except OSError as exc:
        raise AssessmentError(_write_error(out, exc)) from exc
    try:
        yield
    except BaseException:
        if made and {p.name for p in out.iterdir()} <= {OUTPUT_LOCK}:
            (out / OUTPUT_LOCK).unlink(missing_ok=True)
            for folder in made:
                with suppress(OSError):
                    folder.rmdir()
        raise
    finally:
        lock.release()


@contextmanager
def _sigterm_as_exit() -> Iterator[None]:
    """While the batch runs, SIGTERM raises ``SystemExit`` (so the scratch files are
    removed and the kernels stopped as after Ctrl-C); the previous handler after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


# -- the batch -----------------------------------------------------------------------------


def _sort_out(out: Path, plan: list[ReportJob], selected: set[str],
              force: bool) -> tuple[dict[str, CompanyReport], list[ReportJob]]:
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
        elif not force and _up_to_date(out, job):
            reports[cid] = CompanyReport(cid, slug, "skipped", existing, existing_nb,
                                         reason="up to date")
        else:
            todo.append(job)
    return reports, todo


def _stop(runner: LocalRunner, scored_file: str) -> None:
    if not os.path.exists(scored_file):  # a booting kernel stops waiting for it
        atomic_write_bytes(Path(scored_file), b"")
    runner.close()


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
    pdf: bool = False,
    pptx: bool = False,
    brand: str | Path | Brand | None = None,
) -> BatchResult:
    """Run the report notebook for every company of ``dataset`` and write the reports, the
    portfolio index and the summary into ``out``.

    Local reports run on worker threads that each drive papermill with the
    ``assessment`` engine (:mod:`assessment.run.engine`; the kernels are separate
    processes): ``min(jobs, reports to run, what memory allows)`` of them (see
    :func:`~assessment.run.runners.pool_size`; a line says when ``jobs`` is capped), the
    reports to run counted from ``companies.csv`` first. Each thread starts its kernel at
    once, before the dataset is read; the kernel imports the report's modules and takes
    the dataset as this process scored and diagnosed it. This process then makes the
    summary and exports each executed notebook to HTML as it comes. Each report runs the
    whole notebook in a reset namespace; a kernel is replaced after any failed report.

    Parameters
    ----------
    dataset : str or Path
        The dataset folder.
    out : str or Path
        The output folder (made when missing).
    jobs : int, optional
        Reports run at the same time, at least 1 (default: the number of cores); capped
        by the reports to run and the memory available.
    lang : str
        The reports' language (``en``, ``de``, ``nl``).
    companies : iterable of str or str, optional
        Ids (a list or a comma-separated string) to (re)run; the others keep their report.
        A string must name an id; an empty list runs none (index and summary only).
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
        Seconds a single cell may run (more than 0).
    show_items : bool
        Show the item-detail section.
    progress : bool
        Show a progress bar (one tick per report) and print the final line.
    fresh_kernels : bool
        Start a new kernel for every report instead of keeping one warm kernel per worker.
    pdf : bool
        Also print each report to ``<slug>.pdf`` beside it (A4, headless Chromium:
        :mod:`assessment.run.pdf`); a report whose PDF fails counts as failed.
    pptx : bool
        Also write ``<slug>.pptx``, an editable PowerPoint deck, for every selected
        company (:mod:`assessment.run.decks`; built in this process, no kernel).
    brand : str, Path or Brand, optional
        A brand file (:func:`assessment.present.brand.load_brand`) or a loaded brand:
        logo, accent colours, the consultancy's name on every page and slide, the
        confidentiality line in the PDF footer and on the slides (default: the package's
        ``present/brand.yaml``).

    Returns
    -------
    BatchResult
        Each company's :class:`CompanyReport`, the files written, the exit code.

    Raises
    ------
    DatasetError
        The dataset is invalid (nothing is written).
    AssessmentError
        Unusable arguments, unknown ids, two ids with the same file name, an output folder
        that cannot be written or that another batch is writing into, an unreachable
        scheduler: one line per problem. A failing report does not raise: see
        ``BatchResult.failed``.

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
        companies = [str(c) for c in companies]  # read twice (not an exhausted iterator)
    problems = argument_problems(jobs, timeout, companies, lang)
    if problems:
        raise AssessmentError("\n".join(problems))
    # a bad brand file: every problem (BrandError) before anything is written
    brand_used = resolve_brand(brand)
    decks = DeckBuilder()
    nb_path = Path(notebook).resolve() if notebook is not None else default_notebook()
    kernel = kernel_name(check_notebook(nb_path))
    dataset_path = str(Path(dataset).resolve())
    out_dir = Path(out).resolve()
    n_jobs = jobs if jobs is not None else cpu_cores()
    warm = scheduler is None and not fresh_kernels
    settings = {"lang": lang, "show_items": bool(show_items),
                "self_contained": bool(self_contained)}
    page_brand = brand_resources(brand_used)
    if brand is not None:  # another brand makes other pages
        settings["brand"] = json.dumps(page_brand, sort_keys=True)
    chromium = pdf_browser() if pdf else None

    with ExitStack() as batch:
        batch.enter_context(_sigterm_as_exit())
        dask = connect_dask(scheduler) if scheduler is not None else None
        if dask is not None:
            batch.callback(dask.close)
        names = company_names(Path(dataset_path))
        if names is not None:
            select_companies(companies, list(names))  # unknown ids, clashing file names: now
        batch.enter_context(_output_lock(out_dir))
        # by content, before the files are read (a change meanwhile reruns next time)
        digest = inputs_digest(report_inputs(dataset_path, nb_path), settings)
        scratch = tempfile.mkdtemp(prefix="assessment-batch-")  # private (0700)
        batch.callback(shutil.rmtree, scratch, ignore_errors=True)
        scored_file = os.path.join(scratch, "dataset.pickle")
        preload = _PRELOAD.format(cache=scored_file, dataset=dataset_path)

        def sort_out(names: dict[str, str]) -> tuple[dict[str, CompanyReport],
                                                     list[ReportJob]]:
            slugs, selected = select_companies(companies, list(names))
            plan = [ReportJob(
                company_id=cid, slug=slugs[cid], name=names[cid], notebook=str(nb_path),
                parameters={"dataset": dataset_path, "company_id": cid, "lang": lang,
                            "show_items": bool(show_items), "wave": ""},
                lang=lang, self_contained=bool(self_contained), timeout=float(timeout),
                inputs=digest, brand=page_brand) for cid in names]
            return _sort_out(out_dir, plan, selected, force)

        # the kernels (as many as there are reports to run) boot while this process reads
        # and scores the dataset; the scored dataset is handed to them (pickled), then the
        # summary is made while they work
        runner: LocalRunner | DaskRunner | None = dask
        if names is not None:
            reports, todo = sort_out(names)
            if runner is None and todo:
                runner = sized_local_runner(n_jobs, len(todo), jobs, warm, kernel,
                                            preload, progress)
        with ExitStack() as work:
            if isinstance(runner, LocalRunner):
                work.callback(_stop, runner, scored_file)
            files_key = dataset_key(dataset_path)  # before reading them (see save_scored)
            ds = load_dataset(dataset)  # raises DatasetError before anything is written
            loaded = dict(zip(map(str, ds.companies["company_id"]),
                              ds.companies["name"].astype(str), strict=True))
            if loaded != names:  # companies.csv changed since, or was not readable
                reports, todo = sort_out(loaded)
            if runner is None:
                runner = sized_local_runner(n_jobs, len(todo), jobs, warm, kernel,
                                            preload, progress)
                work.callback(_stop, runner, scored_file)

            written: list[Path] = []
            if not self_contained:
                with _writing(out_dir):
                    written.append(copy_plotly_js(out_dir))
            runner.submit(todo)

            # first: the kernels wait for the scores (with every company's diagnosis,
            # which the summary needs too) once they have booted
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
            if pptx:  # in a background thread while the kernels work
                slugs, selected = select_companies(companies, list(loaded))
                decks.start(out_dir, ds, scores, diagnoses,
                            {cid: slugs[cid] for cid in loaded if cid in selected}, lang,
                            brand_used)
            if todo and scheduler is None:  # the exports are made here, in this thread
                try:
                    warm_exporter(lang, self_contained)
                except Exception:  # each report's export will fail and say why
                    pass
            # what exists now lives until the end: out of the garbage collector's view
            # while the workers allocate (each full collection would walk it again)
            gc.freeze()
            work.callback(gc.unfreeze)

            from tqdm.auto import tqdm

            bar = work.enter_context(tqdm(
                total=len(todo), unit="report", desc="reports", file=sys.stderr,
                disable=not progress or not todo, dynamic_ncols=True))
            for job, outcome in runner:
                outcome = export_outcome(job, outcome)
                with _writing(out_dir):
                    reports[job.company_id] = store_outcome(out_dir, job, outcome, written)
                bar.update(1)
                if outcome.status != "ok":
                    bar.write(f"failed: {job.company_id!r}: {outcome.error}", file=sys.stderr)
            for cid, deck in decks.result().items():
                reports[cid].deck = deck
                if deck["file"]:
                    written.append(out_dir / deck["file"])

        if chromium is not None:
            written += print_batch_pdfs(out_dir, reports, loaded, chromium, brand_used, lang,
                                   n_jobs, progress)
        with _writing(out_dir):
            summary_json, summary_csv = write_summary(
                out_dir, summary, reports, ds, diagnoses, lang, nb_path, self_contained)
            index = out_dir / "index.html"
            write_index(index, ds, diagnoses, reports, lang=lang,
                        self_contained=self_contained)
    written += [summary_json, summary_csv, index]
    result = BatchResult(out_dir, reports, round(time.perf_counter() - t0, 1), index,
                         summary_json, summary_csv, written,
                         workers=len(runner.threads) if isinstance(runner, LocalRunner) else 0)
    if progress:
        print(result.line(), flush=True)
    return result

