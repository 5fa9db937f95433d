"""The batch report runner: one report per company, a portfolio index, resilient and parallel.

``run_reports`` validates and scores the dataset once, then runs the report notebook with
papermill for every company (bounded parallelism: worker threads that each drive papermill
with the ``assessment`` engine on a warm kernel of their own, see :mod:`assessment.run.engine`,
or an existing Dask cluster), exports each executed notebook to HTML without code (one
exporter, in the main thread; on Dask each worker exports), and writes into the output folder:

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
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.diagnosis.findings import Diagnosis, diagnose
from assessment.exceptions import AssessmentError
from assessment.files import atomic_write_bytes, atomic_write_text, unique_slugs
from assessment.instrument.models import DISCIPLINES, LANGS, LENSES
from assessment.intake.dataset import Dataset, load_dataset
from assessment.present.figures import PLOTLY_JS, plotly_head, plotly_js
from assessment.present.portfolio import main_finding, write_index
from assessment.present.summary import build_summary
from assessment.run.engine import START_TIMEOUT, KernelPool, ensure_registered, is_python_kernel
from assessment.scoring.cache import DATASET_FILES, dataset_key, save_scored
from assessment.scoring.tables import score

PACKAGE_DIR = Path(__file__).resolve().parents[1]
REMOVE_CELL_TAGS = ("remove-cell", "parameters", "injected-parameters")
DEFAULT_TIMEOUT = 600.0  # seconds per cell
BATCH_METADATA = "assessment_batch"
# The report kernels' environment: figures without the plotly JSON bundle, which only a
# live JupyterLab shows (the HTML export shows text/html), see assessment.present.figures.show.
KERNEL_ENV = {"ASSESSMENT_PLOTLY_JSON": "0"}
# Package files that do not change what a report shows (the batch's own code and texts).
_NOT_REPORT_INPUTS = {"batch.py", "portfolio.py", "cli.py", "__main__.py", "index_texts.yaml"}

# The nbconvert template: JupyterLab's, minus everything that loads from the internet
# (require.js, MathJax, Mermaid and the widget manager come from CDNs by default), plus
# the plotly.js the report's figures expect as a global ``Plotly``.
_TEMPLATE_NAME = "assessment_report.html.j2"
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}
{{ resources.assessment_head_js }}
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


# -- plain data passed to and from the workers ---------------------------------------------


@dataclass(frozen=True)
class ReportJob:
    """One company's report: everything a worker needs (plain, picklable values)."""

    company_id: str
    slug: str
    name: str
    notebook: str
    parameters: dict[str, Any]
    lang: str = "en"
    self_contained: bool = False
    timeout: float = DEFAULT_TIMEOUT


@dataclass
class ReportOutcome:
    """What a worker hands back: the executed notebook and its HTML, or why it failed."""

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
    """The ``report`` block of one company in ``summary.json``."""

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
    """The outcome of :func:`run_reports`."""

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


# -- the worker side: execute and export one report ----------------------------------------


_local = threading.local()


def _exporter(lang: str):
    """The HTML exporter of this thread (a worker) for ``lang``: made once, its template
    compiled once, its constant blocks (CSS, plotly.js) rendered once (see
    :func:`_exporter_class`)."""
    cache = getattr(_local, "exporters", None)
    if cache is None:
        cache = _local.exporters = {}
    if lang not in cache:
        from jinja2 import DictLoader
        from nbconvert.preprocessors import TagRemovePreprocessor

        exporter = _exporter_class()(
            template_name="lab",
            extra_loaders=[DictLoader({_TEMPLATE_NAME: _TEMPLATE})],
            template_file=_TEMPLATE_NAME,
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            language_code=lang,
            optimistic_validation=True,  # validate once, not after each preprocessor
        )
        exporter.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS), enabled=True), True)
        cache[lang] = exporter
    return cache[lang]


_EXPORTER_CLASS = None


def _exporter_class():
    """nbconvert's ``HTMLExporter``, made cheap for many pages from one template.

    Every page carries the same large blocks: JupyterLab's CSS (about 250 KB, read from
    disk and formatted on every export) and, for self-contained reports, plotly.js
    (3.5 MB). This exporter renders each constant block once, puts a short placeholder in
    the page instead and swaps the block in at the end. nbconvert also parses each whole
    page with BeautifulSoup after rendering it, only to add ``tabindex`` to input and
    output areas and ``alt`` to images, which cost 50 ms of the 60 ms a page took; this
    exporter adds ``tabindex`` to the template's tags itself and leaves pages with images
    to nbconvert. The page is the document nbconvert makes (a test compares them).
    """
    global _EXPORTER_CLASS
    if _EXPORTER_CLASS is not None:
        return _EXPORTER_CLASS
    import secrets

    import markupsafe
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    nonce = secrets.token_hex(8)

    class ReportExporter(HTMLExporter):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            self._blocks: dict[tuple, tuple[str, str]] = {}  # (kind, arg) -> (token, html)
            self.defer_blocks = True
            self.skip_soup = True

        def _block(self, kind: str, arg: Any, render: Any) -> markupsafe.Markup:
            if not self.defer_blocks:
                return markupsafe.Markup(render())  # noqa: S704 - nbconvert's own markup
            if (kind, arg) not in self._blocks:
                token = f"<!--assessment-block-{nonce}-{len(self._blocks)}-->"
                self._blocks[(kind, arg)] = (token, str(render()))
            return markupsafe.Markup(self._blocks[(kind, arg)][0])  # noqa: S704

        def _init_resources(self, resources):
            # called twice per export (HTMLExporter, then Exporter): wrap things once
            resources = super()._init_resources(resources)
            for name in ("include_css", "include_lab_theme"):
                render = resources[name]
                if getattr(render, "deferred", False):
                    continue

                def deferred(arg, _n=name, _r=render):
                    return self._block(_n, arg, lambda: _r(arg))

                deferred.deferred = True
                resources[name] = deferred
            head = resources.get("assessment_head_js")
            if head is not None and not str(head).startswith(f"<!--assessment-block-{nonce}"):
                resources["assessment_head_js"] = self._block("head_js", head, lambda: head)
            return resources

        def from_notebook_node(self, nb, resources=None, **kw):
            html, resources = self._render(nb, resources, **kw)
            for token, block in self._blocks.values():
                html = html.replace(token, block)
            return html, resources

        def _render(self, nb, resources, **kw):
            """``HTMLExporter.from_notebook_node`` without its BeautifulSoup pass, which
            re-serialises the whole page to add ``tabindex="0"`` to input and output
            areas and ``alt`` to images: the attributes are added here to the template's
            own tags. A page with an image takes nbconvert's own way."""
            if not self.skip_soup:
                return super().from_notebook_node(nb, resources, **kw)
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            if _IMG_TAG.search(html):
                return super().from_notebook_node(nb, resources, **kw)
            return _FOCUSABLE_DIV.sub(_focusable, html), resources

    _EXPORTER_CLASS = ReportExporter
    return ReportExporter


_IMG_TAG = re.compile(r"<img\b", re.IGNORECASE)
# a <div> start tag of the template's (double-quoted attributes, no ">" in them)
_FOCUSABLE_DIV = re.compile(r'<div\b[^<>]*\bclass="([^"]*)"[^<>]*>')
_FOCUSABLE_CLASSES = {"jp-Cell-inputWrapper", "jp-OutputArea-output"}


def _focusable(match: re.Match) -> str:
    """nbconvert's ``tabindex="0"`` on input and output areas (the last attribute)."""
    tag = match.group(0)
    if not _FOCUSABLE_CLASSES & set(match.group(1).split()) or " tabindex=" in tag:
        return tag
    end = -2 if tag.endswith("/>") else -1
    return f'{tag[:end]} tabindex="0"{tag[end:]}'


def export_html(nb, title: str, lang: str = "en", self_contained: bool = False) -> str:
    """The executed notebook ``nb`` as an HTML page without code (the ``--no-input``
    equivalent), cells tagged ``remove-cell`` dropped, plotly.js referenced or inlined."""
    resources = {
        "metadata": {"name": title},
        "assessment_head_js": plotly_head(self_contained),
    }
    html, _ = _exporter(lang).from_notebook_node(_export_copy(nb), resources=resources)
    return html


def _export_copy(nb):
    """What the export reads of ``nb``: the cells it keeps (not tagged ``remove-cell`` and
    the like), each output's data without the types the page never shows (the plotly
    JSON bundle beside its HTML). The exporter deep-copies what it gets: less to copy."""
    from nbformat import NotebookNode

    shown = set(_exporter_priority())
    cells = []
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & set(REMOVE_CELL_TAGS):
            continue
        outputs = cell.get("outputs")
        if outputs:
            slim = []
            for out in outputs:
                data = out.get("data")
                if data and set(data) - shown and set(data) & shown:
                    out = NotebookNode({**out, "data": NotebookNode(
                        {k: v for k, v in data.items() if k in shown})})
                slim.append(out)
            cell = NotebookNode({**cell, "outputs": slim})
        cells.append(cell)
    return NotebookNode({**nb, "cells": cells})


@lru_cache(maxsize=1)
def _exporter_priority() -> tuple[str, ...]:
    """The output types an HTML export can show (nbconvert's ``display_data_priority``)."""
    from nbconvert import HTMLExporter

    return tuple(HTMLExporter().default_config.NbConvertBase.display_data_priority)


def _first_line(source: str) -> str:
    lines = [ln for ln in str(source).splitlines() if ln.strip()]
    return lines[0].strip()[:200] if lines else ""


def _failed_cell(nb) -> tuple[int | None, int | None, str | None]:
    """(index in the report notebook, execution count, first source line) of the cell that
    failed: the one with an error output, else the last cell that started running (a
    timeout or a dead kernel leaves no error output)."""
    template_index = -1
    found = None
    last_started = None
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "papermill-error-cell-tag" in tags:
            continue
        if "injected-parameters" not in tags:
            template_index += 1
        if cell.get("cell_type") != "code":
            continue
        pm_meta = cell.get("metadata", {}).get("papermill", {})
        here = (template_index, cell.get("execution_count"), _first_line(cell.get("source", "")))
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])) or (
                pm_meta.get("exception") is True):
            found = here
            break
        if pm_meta.get("start_time"):
            last_started = here
    return found or last_started or (None, None, None)


def _error_text(exc: BaseException, limit: int = 2000) -> str:
    """``ExceptionName: message`` of a failed report (a cell's error as the cell raised it)."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        text = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
    else:
        lines = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip().rstrip(":")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_report(job: ReportJob, pool: KernelPool | None = None,
                  export: bool = True) -> ReportOutcome:
    """Execute the report notebook for one company with papermill and export it to HTML
    (with ``export=False`` the outcome carries the executed notebook instead, for
    :func:`export_outcome`).

    Runs in a worker (a thread of the local pool or a Dask worker) with the ``assessment``
    papermill engine (:mod:`assessment.run.engine`): on a warm kernel of ``pool`` (its
    namespace reset first; the kernel is retired when this report fails), or on a fresh
    kernel without a pool. Never raises for a failing report: the outcome says what failed,
    where, and carries the executed notebook. Nothing is written outside private scratch
    folders.
    """
    import nbformat
    import papermill as pm

    t0 = time.perf_counter()
    scratch = tempfile.mkdtemp(prefix="assessment-report-")
    executed = os.path.join(scratch, "executed.ipynb")
    outcome = ReportOutcome(job.company_id, job.slug, "failed", 0.0)
    try:
        try:
            nb = pm.execute_notebook(
                job.notebook, executed, parameters=dict(job.parameters),
                engine_name=ensure_registered(),
                progress_bar=False, log_output=False, start_timeout=START_TIMEOUT,
                execution_timeout=job.timeout,
                request_save_on_cell_execute=False, failure_path=executed,
                resources={"metadata": {"path": scratch}},  # the kernel's working folder
                kernel_pool=pool, fresh_kernel=pool is None, kernel_env=dict(KERNEL_ENV),
            )
        except Exception as exc:  # a cell error, a dead kernel, a timeout, a bad notebook
            outcome.error = _error_text(exc)
            if os.path.exists(executed):
                nb = nbformat.read(executed, as_version=4)
                outcome.cell_index, outcome.cell_execution_count, outcome.cell_source = (
                    _failed_cell(nb))
                _stamp(nb, job, f"{job.slug}.failed.ipynb")
                outcome.notebook_json = nbformat.writes(nb)
            return outcome
        _stamp(nb, job, f"{job.slug}.ipynb")
        outcome.notebook_json = nbformat.writes(nb)
        outcome.status = "ok"
        outcome.nb = nb
        return export_outcome(job, outcome) if export else outcome
    except Exception as exc:  # anything else: record it, never stop the batch
        outcome.error = f"{_error_text(exc)} ({traceback.format_exc(limit=2)[-300:].strip()})"
        return outcome
    finally:
        outcome.seconds = round(time.perf_counter() - t0, 2)
        shutil.rmtree(scratch, ignore_errors=True)


def export_outcome(job: ReportJob, outcome: ReportOutcome) -> ReportOutcome:
    """Export the executed notebook an outcome carries to HTML (the outcome fails when
    the export does); the notebook object is dropped afterwards."""
    nb, outcome.nb = outcome.nb, None
    if nb is None or outcome.status != "ok":
        return outcome
    try:
        outcome.html = export_html(nb, _title(job), job.lang, job.self_contained)
    except Exception as exc:
        outcome.status, outcome.html = "failed", None
        outcome.error = f"HTML export failed: {_error_text(exc)}"
    return outcome


def warm_exporter(lang: str, self_contained: bool) -> None:
    """Make this thread's exporter and compile its templates (an empty page), so that
    the first report's export is as quick as the others."""
    from nbformat.v4 import new_notebook

    export_html(new_notebook(), "", lang, self_contained)


def _title(job: ReportJob) -> str:
    return job.name


def _stamp(nb, job: ReportJob, file_name: str) -> None:
    """Record how the report was made (for the up-to-date check) and where it is kept."""
    nb.metadata[BATCH_METADATA] = _batch_metadata(job)
    if "papermill" in nb.metadata:
        nb.metadata["papermill"]["output_path"] = file_name  # not the scratch folder


def _batch_metadata(job: ReportJob) -> dict[str, Any]:
    return {"parameters": dict(job.parameters), "self_contained": job.self_contained,
            "notebook": job.notebook}


# -- running the jobs: local worker threads or a Dask cluster -------------------------------


def _crashed(job: ReportJob, exc: BaseException) -> ReportOutcome:
    return ReportOutcome(job.company_id, job.slug, "failed", 0.0,
                         error=f"worker failed: {_error_text(exc)}")


class _LocalRunner:
    """Reports on ``n_jobs`` worker threads, each driving papermill (the kernels are
    separate processes, so the threads run in parallel), with one warm kernel each from a
    shared :class:`~assessment.run.engine.KernelPool` unless ``warm`` is false.

    The threads start at once and each starts its kernel first (running ``preload`` in
    it), so the kernels boot while the caller reads and scores the dataset; then
    :meth:`submit` the jobs, iterate to get the outcomes as they come (the HTML export is
    the caller's: see :func:`export_outcome`), and :meth:`close` (also after an
    interrupt or an error) to stop."""

    def __init__(self, n_jobs: int, warm: bool, kernel_name: str | None = None,
                 preload: str | None = None):
        self.jobs: list[ReportJob] = []
        self.todo: queue.Queue[ReportJob | None] = queue.Queue()
        self.done: queue.Queue[tuple[ReportJob, ReportOutcome]] = queue.Queue()
        self.stop = threading.Event()
        self.pool = KernelPool(preload=preload) if warm else None
        self.kernel_name = kernel_name
        # what the threads import first, imported here: two threads importing one package
        # at once can meet it half initialized (jupyter_client imports itself circularly)
        import jupyter_client.kernelspec  # noqa: F401
        import jupyter_client.manager  # noqa: F401
        import jupyter_core.utils  # noqa: F401
        self.threads = [threading.Thread(target=self._work, name=f"assessment-report-{i}",
                                         daemon=True) for i in range(max(0, n_jobs))]
        for t in self.threads:
            t.start()

    def submit(self, jobs: list[ReportJob]) -> None:
        """The reports to make (once); threads beyond their number stop."""
        self.jobs = list(jobs)
        for job in self.jobs:
            self.todo.put(job)
        for _ in self.threads:
            self.todo.put(None)

    def _work(self) -> None:
        pool = self.pool
        try:
            if pool is not None and self.kernel_name and is_python_kernel(self.kernel_name):
                try:
                    pool.warm(self.kernel_name, dict(KERNEL_ENV), START_TIMEOUT)
                except Exception:  # the first report starts a kernel and says what fails
                    pass
            while not self.stop.is_set():
                job = self.todo.get()
                if job is None:
                    return
                try:
                    outcome = render_report(job, pool, export=False)
                except BaseException as exc:  # never lose a job's place in the results
                    outcome = _crashed(job, exc)
                self.done.put((job, outcome))
        finally:
            if pool is not None:
                pool.close_thread()  # this worker's kernel, from the thread that started it

    def __iter__(self) -> Iterator[tuple[ReportJob, ReportOutcome]]:
        for _ in self.jobs:
            yield self.done.get()

    def close(self) -> None:
        self.stop.set()  # on an interrupt: no new reports; running ones finish or die with us
        for _ in self.threads:
            self.todo.put(None)
        for t in self.threads:
            t.join(timeout=30)
        if self.pool is not None:
            self.pool.close()  # whatever a thread that did not finish left behind


class _DaskRunner:
    """The jobs on a Dask cluster, a fresh kernel per report (the workers are shared, so no
    kernel is kept waiting on them); submitted at once, iterate for the outcomes."""

    def __init__(self, scheduler: Any):
        from distributed import Client

        self.own = isinstance(scheduler, str)
        self.client = Client(scheduler) if self.own else scheduler
        self.futures: dict[Any, ReportJob] = {}

    def submit(self, jobs: list[ReportJob]) -> None:
        self.futures = {self.client.submit(render_report, job, pure=False,
                                           key=f"report-{job.slug}-{time.time_ns()}"): job
                        for job in jobs}

    def __iter__(self) -> Iterator[tuple[ReportJob, ReportOutcome]]:
        from distributed import as_completed

        for fut in as_completed(list(self.futures)):
            job = self.futures[fut]
            try:
                yield job, fut.result()
            except Exception as exc:  # a worker that died, a lost connection
                yield job, _crashed(job, exc)

    def close(self) -> None:
        if self.own:
            self.client.close()


# -- deciding what to run ------------------------------------------------------------------


def _import_jsonschema_without_iri_checker() -> None:
    """Import jsonschema (which papermill and nbconvert import through nbformat) without
    its optional ``iri`` format checker: that checker's package, ``rfc3987_syntax``,
    compiles a grammar when imported (about 2 s here, longer than all other imports of the
    batch together). nbformat's schemas use no ``iri`` format and nbformat checks no
    formats; nothing else in this process validates formats. A no-op when jsonschema is
    already imported (a session that uses it keeps it as it is)."""
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        return
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment] - import fails
    try:
        import jsonschema  # noqa: F401
    except ImportError:  # pragma: no cover - jsonschema missing: nbformat will say so
        pass
    finally:
        if sys.modules.get("rfc3987_syntax", "") is None:
            del sys.modules["rfc3987_syntax"]


def default_notebook() -> Path:
    """The report notebook: ``notebooks/report.ipynb`` of the project (or the package)."""
    for candidate in (PACKAGE_DIR.parent / "notebooks" / "report.ipynb",
                      PACKAGE_DIR / "notebooks" / "report.ipynb"):
        if candidate.exists():
            return candidate
    raise AssessmentError("no report notebook found (notebooks/report.ipynb); pass --notebook")


def check_notebook(path: Path) -> dict:
    """Refuse a report notebook that papermill cannot parameterize (before any work);
    returns the notebook's JSON. Plain JSON: importing nbformat costs seconds (jsonschema's
    format checkers), and the kernels can start meanwhile."""
    if not path.is_file():
        raise AssessmentError(f"report notebook not found: {path}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if "worksheets" in nb:  # nbformat 3: let nbformat convert it
            import nbformat

            nb = nbformat.read(path, as_version=4)
        cells = list(nb["cells"])
        tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    except Exception as exc:
        raise AssessmentError(f"{path}: not a readable notebook ({exc})") from exc
    if not any("parameters" in t for t in tags if isinstance(t, list)):
        raise AssessmentError(f"{path}: no cell is tagged 'parameters' (papermill puts the "
                              "dataset, company_id, lang, show_items and wave after it)")
    return nb


def _kernel_name(nb: dict) -> str:
    return (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"


# Run once in every new warm kernel of a batch: the imports of the report notebook, then
# the dataset into the dataset cache, as the batch scored it. When the batch could not
# hand it over (an empty file: nothing to run, an invalid dataset, an unpicklable one) or
# the files changed meanwhile, the first report loads and scores the dataset itself.
_PRELOAD = """\
import assessment.present.report.core
import assessment.scoring.cache
assessment.scoring.cache.prime_dataset_cache({cache!r}, {dataset!r}, wait=20)
"""


def report_inputs(dataset: Dataset, notebook: Path) -> list[Path]:
    """The files a report depends on: the dataset's files, the notebook, the instrument and
    texts, and the package code the notebook calls."""
    files = list(dataset.files) + [notebook]
    for path in sorted(PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".yaml") and path.name not in _NOT_REPORT_INPUTS:
            files.append(path)
    return files


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
    inputs = [dataset / name for name in DATASET_FILES] + [notebook] + [
        p for p in PACKAGE_DIR.rglob("*")
        if p.suffix in (".py", ".yaml") and p.name not in _NOT_REPORT_INPUTS]
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
    return meta == _batch_metadata(job)


def _copy_plotly_js(out: Path) -> Path:
    """plotly.js next to the reports, written again when the installed plotly's differs."""
    dst, code = out / PLOTLY_JS, plotly_js().encode("utf-8")
    if not dst.exists() or dst.stat().st_size != len(code) or dst.read_bytes() != code:
        atomic_write_bytes(dst, code)
    return dst


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


# -- summary -------------------------------------------------------------------------------


def summary_rows(summary: dict, companies: pd.DataFrame,
                 diagnoses: dict[str, Diagnosis], lang: str) -> pd.DataFrame:
    """``summary.csv``: one row per company with verdicts, scores, gaps, main finding and the
    report's status."""
    industry = dict(zip(companies["company_id"], companies.get("industry", ""), strict=False))
    rows = []
    for entry in summary["companies"]:
        cid = entry["company_id"]
        diag = diagnoses[cid]
        top = main_finding(diag)
        row: dict[str, Any] = {"company_id": cid, "name": entry["name"],
                               "industry": industry.get(cid, ""), "wave": entry["wave"] or ""}
        for lens in LENSES:
            block = entry["lenses"][lens]
            row[f"{lens}_verdict"] = block["verdict"]
            row[f"{lens}_leader"] = block["leader"] or ""
            for d in DISCIPLINES:
                row[f"{lens}_{d}"] = block["scores"].get(d)
        row["lens_mismatch"] = entry["lens_mismatch"]
        for d in DISCIPLINES:
            row[f"gap_{d}"] = entry["lens_gaps"].get(d)
        row["n_findings"] = len(entry["findings"])
        row["main_finding"] = top.text(lang, diag.instrument) if top else ""
        rep = entry["report"]
        row.update(report_status=rep["status"], report_file=rep["file"] or "",
                   report_error=rep["error"] or "", report_seconds=rep["seconds"])
        rows.append({k: _csv_safe(v) for k, v in row.items()})
    return pd.DataFrame(rows)


def _csv_safe(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first)
    gets a leading apostrophe: names and findings come from untrusted files."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# -- the batch -----------------------------------------------------------------------------


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

    ``jobs``: reports run at the same time (default: the number of cores); ``companies``:
    ids (a list or a comma-separated string) to (re)run, the others keep their report;
    ``force``: rerun reports that are up to date; ``self_contained``: inline plotly.js in
    every page (single files for e-mail) instead of one shared ``plotly.min.js``;
    ``notebook``: a custom report notebook; ``scheduler``: a Dask scheduler address
    (``tcp://...``) or a ``distributed.Client`` to run the reports on; ``timeout``: seconds
    a single cell may run; ``fresh_kernels``: start a new kernel for every report instead
    of keeping one warm kernel per worker. Local reports run on ``jobs`` threads that each
    drive papermill with the ``assessment`` engine (:mod:`assessment.run.engine`; the kernels
    are separate processes); each thread starts its kernel at once, before the dataset is
    read (unless every report is up to date), which imports the report's modules and takes
    the dataset as this process scored and diagnosed it; this process then makes the
    summary and exports each executed notebook to HTML as it comes. Each report runs the
    whole notebook in a reset namespace; a kernel is replaced after any failed report.
    ``progress``: show a progress bar (one tick per report) and print the final line (N
    reports, M failed, time taken).

    Raises :class:`DatasetError` (nothing written) when the dataset is invalid and
    :class:`AssessmentError` for unusable arguments. A failing report does not raise: see
    ``BatchResult.failed`` and ``BatchResult.exit_code``.
    """
    t0 = time.perf_counter()
    if lang not in LANGS:
        raise AssessmentError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    nb_path = Path(notebook).resolve() if notebook is not None else default_notebook()
    nb_json = check_notebook(nb_path)
    dataset_path = str(Path(dataset).resolve())
    out_dir = Path(out).resolve()
    n_jobs = max(1, int(jobs) if jobs else _cpu_count())
    warm = scheduler is None and not fresh_kernels
    kernel_name = _kernel_name(nb_json)

    # The kernels boot first, while this process reads and scores the dataset; the scored
    # dataset is handed to them (pickled), then the summary is made while they work.
    scratch = tempfile.mkdtemp(prefix="assessment-batch-")
    scored_file = os.path.join(scratch, "dataset.pickle")
    preload = _PRELOAD.format(cache=scored_file, dataset=dataset_path)
    runner: _LocalRunner | _DaskRunner | None = None
    if warm and _worth_starting_kernels(out_dir, Path(dataset_path), nb_path, force):
        runner = _LocalRunner(n_jobs, warm=True, kernel_name=kernel_name, preload=preload)
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

        reports: dict[str, CompanyReport] = {}
        todo: list[ReportJob] = []
        for cid in all_ids:
            slug = slugs[cid]
            job = ReportJob(
                company_id=cid, slug=slug, name=names[cid], notebook=str(nb_path),
                parameters={"dataset": dataset_path, "company_id": cid, "lang": lang,
                            "show_items": bool(show_items), "wave": ""},
                lang=lang, self_contained=bool(self_contained), timeout=float(timeout))
            html = out_dir / f"{slug}.html"
            existing = f"{slug}.html" if html.exists() else None
            existing_nb = f"{slug}.ipynb" if (out_dir / f"{slug}.ipynb").exists() else None
            if cid not in selected:
                reports[cid] = CompanyReport(cid, slug, "skipped", existing, existing_nb,
                                             reason="not selected")
            elif not force and _up_to_date(out_dir, job, newest_input):
                reports[cid] = CompanyReport(cid, slug, "skipped", existing, existing_nb,
                                             reason="up to date")
            else:
                todo.append(job)

        written: list[Path] = []
        if not self_contained:
            written.append(_copy_plotly_js(out_dir))

        if runner is None:
            runner = (_DaskRunner(scheduler) if scheduler is not None else
                      _LocalRunner(min(n_jobs, len(todo)), warm=warm,
                                   kernel_name=kernel_name, preload=preload))
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
        if scheduler is None:  # here, while the kernels boot, not in the workers
            _import_jsonschema_without_iri_checker()
            import papermill  # noqa: F401
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
            reports[job.company_id] = _store(out_dir, job, outcome, written)
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

    for entry in summary["companies"]:
        entry["report"] = reports[entry["company_id"]].to_dict()
    summary["reports"] = {
        "lang": lang, "notebook": str(nb_path), "self_contained": bool(self_contained),
        "ok": sum(r.status == "ok" for r in reports.values()),
        "failed": sum(r.status == "failed" for r in reports.values()),
        "skipped": sum(r.status == "skipped" for r in reports.values()),
    }
    summary_json = out_dir / "summary.json"
    summary_csv = out_dir / "summary.csv"
    atomic_write_text(summary_json, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    atomic_write_text(summary_csv, summary_rows(summary, ds.companies, diagnoses, lang)
                      .to_csv(index=False, float_format="%.3f"))
    index = out_dir / "index.html"
    write_index(index, ds, diagnoses, reports, lang=lang, self_contained=self_contained)
    written += [summary_json, summary_csv, index]
    result = BatchResult(out_dir, reports, round(time.perf_counter() - t0, 1), index,
                         summary_json, summary_csv, written)
    if progress:
        print(result.line(), flush=True)
    return result


def _store(out: Path, job: ReportJob, outcome: ReportOutcome,
           written: list[Path]) -> CompanyReport:
    """Write one outcome's files atomically and return its summary block."""
    html, ipynb, failed_nb = (out / f"{job.slug}.html", out / f"{job.slug}.ipynb",
                              out / f"{job.slug}.failed.ipynb")
    if outcome.status == "ok" and outcome.html is not None and outcome.notebook_json:
        # the notebook first: a report whose html exists always has its notebook
        atomic_write_text(ipynb, outcome.notebook_json)
        atomic_write_text(html, outcome.html)
        _remove(failed_nb)
        written += [ipynb, html]
        return CompanyReport(job.company_id, job.slug, "ok", html.name, ipynb.name,
                             seconds=outcome.seconds)
    # a failed report: keep the executed notebook for inspection, drop the stale report
    _remove(html, ipynb)
    kept = None
    if outcome.notebook_json:
        atomic_write_text(failed_nb, outcome.notebook_json)
        written.append(failed_nb)
        kept = failed_nb.name
    else:
        _remove(failed_nb)
    cell = None
    if outcome.cell_index is not None or outcome.cell_source:
        cell = {"index": outcome.cell_index, "execution_count": outcome.cell_execution_count,
                "source": outcome.cell_source}
    return CompanyReport(job.company_id, job.slug, "failed", None, kept,
                         error=outcome.error or "unknown error", cell=cell,
                         seconds=outcome.seconds)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1
