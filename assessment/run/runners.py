"""Where the reports run: worker threads on warm local kernels, or a Dask cluster.

A worker runs one :class:`~assessment.run.jobs.ReportJob` with :func:`render_report`
(papermill with the ``assessment`` engine, :mod:`assessment.run.engine`) and hands back a
:class:`~assessment.run.jobs.ReportOutcome`. Both runners share one interface: start,
:meth:`submit` the jobs once, iterate over ``(job, outcome)`` pairs as they finish,
:meth:`close` (also after an interrupt or an error).
"""

from __future__ import annotations

import math
import os
import queue
import shutil
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

from assessment.exceptions import AssessmentError
from assessment.run.engine import START_TIMEOUT, KernelPool, ensure_registered, is_python_kernel
from assessment.run.export import export_html
from assessment.run.jobs import BATCH_METADATA, KERNEL_ENV, ReportJob, ReportOutcome

#: Resident memory one report kernel is counted with when the pool is sized. Measured
#: (psutil RSS, sampled every 0.1 s, Python 3.11, Linux): a warm report kernel peaks at
#: 133 MiB on the sample (10 companies) and 138 MiB on a 60-company portfolio; rounded up
#: to leave room for larger datasets.
KERNEL_MEMORY = 160 * 2**20
#: the share of the available memory the kernels may take (the rest: this process, the
#: exports, everything else on the machine)
KERNEL_MEMORY_SHARE = 0.75
#: kernels per CPU core at most: a report kernel computes while the batch exports another
#: report, so two per core keep the cores busy; more only add memory (each kernel holds
#: the scored dataset) and wait for a core
KERNELS_PER_CORE = 2
#: seconds to reach a Dask scheduler before the batch gives up (nothing written yet)
SCHEDULER_TIMEOUT = 10.0
#: seconds the local workers get to stop their own kernels when the batch closes
CLOSE_WAIT = 5.0

# -- how many kernels ----------------------------------------------------------------------


def available_memory(meminfo: str = "/proc/meminfo") -> int | None:
    """Bytes of memory available for new processes: ``MemAvailable`` of ``meminfo``
    (Linux), else the free physical pages (``os.sysconf``), else ``None`` (unknown).

    Examples
    --------
    >>> available_memory() is None or available_memory() > 0
    True
    """
    try:
        with open(meminfo, encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (AttributeError, OSError, ValueError):
        return None


def cpu_cores() -> int:
    """CPU cores this process may run on (its affinity on Linux), at least one.

    Examples
    --------
    >>> cpu_cores() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def pool_size(jobs: int, reports: int, available: int | None = None,
              cores: int | None = None) -> tuple[int, str | None]:
    """How many kernels to start: ``min(jobs, reports, what the cores use, what memory
    allows)``.

    The cores use :data:`KERNELS_PER_CORE` kernels each. The memory allows
    :data:`KERNEL_MEMORY_SHARE` of ``available`` (default: :func:`available_memory`) in
    kernels of :data:`KERNEL_MEMORY` each. At least one kernel when there is a report.

    Parameters
    ----------
    jobs : int
        Reports asked to run at the same time.
    reports : int
        Reports to run.
    available : int, optional
        Bytes of available memory.
    cores : int, optional
        CPU cores (default: :func:`cpu_cores`).

    Returns
    -------
    tuple of (int, str or None)
        The number of kernels, and why it is below ``jobs`` (``None`` when it is not).

    Examples
    --------
    >>> pool_size(1000, 2, available=2**40, cores=2)
    (2, '2 reports to run')
    >>> pool_size(16, 60, available=2**40, cores=2)
    (4, '2 CPU cores: more than 4 kernels would wait for a core')
    >>> pool_size(16, 60, available=4 * KERNEL_MEMORY, cores=64)
    (3, 'memory for 3 kernels (0.6 GB available, about 160 MB each)')
    >>> pool_size(2, 60, available=2**40, cores=2)
    (2, None)
    """
    if available is None:
        available = available_memory()
    if cores is None:
        cores = cpu_cores()
    by_memory = (max(1, int(available * KERNEL_MEMORY_SHARE // KERNEL_MEMORY))
                 if available is not None else jobs)
    by_cores = KERNELS_PER_CORE * max(1, cores)
    n = max(0, min(jobs, reports, by_memory, by_cores))
    if n >= jobs:
        return n, None
    if n == reports:
        return n, f"{reports} report{'s' * (reports != 1)} to run"
    if n == by_cores:
        return n, (f"{cores} CPU core{'s' * (cores != 1)}: more than {n} kernels would wait "
                   "for a core")
    return n, (f"memory for {n} kernel{'s' * (n != 1)} ({(available or 0) / 2**30:.1f} GB "
               f"available, about {KERNEL_MEMORY // 2**20} MB each)")


# -- one report ----------------------------------------------------------------------------


def render_report(job: ReportJob, pool: KernelPool | None = None,
                  export: bool = True) -> ReportOutcome:
    """Execute the report notebook for one company with papermill and export it to HTML.

    Runs in a worker (a thread of the local pool or a Dask worker) with the ``assessment``
    papermill engine: on a warm kernel of ``pool`` (its namespace reset first; the kernel
    is retired when this report fails), or on a fresh kernel without a pool. Never raises
    for a failing report: the outcome says what failed, where, and carries the executed
    notebook. Nothing is written outside private scratch folders.

    Parameters
    ----------
    job : ReportJob
        The company, the notebook and its parameters.
    pool : KernelPool, optional
        Warm kernels to run on (``None``: a fresh kernel for this report).
    export : bool
        Export the page here; with ``False`` the outcome carries the executed notebook
        instead, for :func:`export_outcome` in the caller's thread.

    Returns
    -------
    ReportOutcome
        ``status`` ``"ok"`` or ``"failed"``, the notebook's JSON and the page.

    Examples
    --------
    >>> job = ReportJob("x", "x", "X", "no-such-notebook.ipynb", {})
    >>> outcome = render_report(job)
    >>> outcome.status, "no-such-notebook" in outcome.error
    ('failed', True)
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
                # nbclient takes whole seconds: a fraction rounds up, never to 0
                execution_timeout=math.ceil(job.timeout),
                request_save_on_cell_execute=False, failure_path=executed,
                resources={"metadata": {"path": scratch}},  # the kernel's working folder
                kernel_pool=pool, fresh_kernel=pool is None, kernel_env=dict(KERNEL_ENV),
            )
        except Exception as exc:  # a cell error, a dead kernel, a timeout, a bad notebook
            outcome.error = error_text(exc)
            if os.path.exists(executed):
                nb = nbformat.read(executed, as_version=4)
                outcome.cell_index, outcome.cell_execution_count, outcome.cell_source = (
                    failed_cell(nb))
                _stamp(nb, job, f"{job.slug}.failed.ipynb")
                outcome.notebook_json = nbformat.writes(nb)
            return outcome
        _stamp(nb, job, f"{job.slug}.ipynb")
        outcome.notebook_json = nbformat.writes(nb)
        outcome.status = "ok"
        outcome.nb = nb
        return export_outcome(job, outcome) if export else outcome
    except Exception as exc:  # anything else: record it, never stop the batch
        outcome.error = f"{error_text(exc)} ({traceback.format_exc(limit=2)[-300:].strip()})"
        return outcome
    finally:
        outcome.seconds = round(time.perf_counter() - t0, 2)
        shutil.rmtree(scratch, ignore_errors=True)


def export_outcome(job: ReportJob, outcome: ReportOutcome) -> ReportOutcome:
    """Export the executed notebook an outcome carries to HTML.

    The outcome fails when the export does; the notebook object is dropped afterwards.

    Examples
    --------
    >>> job = ReportJob("x", "x", "X", "report.ipynb", {})
    >>> export_outcome(job, ReportOutcome("x", "x", "failed", 1.0)).html is None
    True
    """
    nb, outcome.nb = outcome.nb, None
    if nb is None or outcome.status != "ok":
        return outcome
    try:
        outcome.html = export_html(nb, job.name, job.lang, job.self_contained,
                                   job.brand)
    except Exception as exc:
        outcome.status, outcome.html = "failed", None
        outcome.error = f"HTML export failed: {error_text(exc)}"
    return outcome


def error_text(exc: BaseException, limit: int = 2000) -> str:
    """``ExceptionName: message`` of a failed report (a cell's error as the cell raised it).

    Examples
    --------
    >>> error_text(ValueError("bad value\\nmore detail"))
    'ValueError: bad value'
    """
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        text = f"{exc.ename}: {exc.evalue}".strip().rstrip(":")
    else:
        lines = str(exc).strip().splitlines()
        text = f"{type(exc).__name__}: {lines[0] if lines else ''}".strip().rstrip(":")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def failed_cell(nb: Any) -> tuple[int | None, int | None, str | None]:
    """Where an executed notebook failed.

    Returns (index in the report notebook, execution count, first source line) of the
    cell with an error output, else of the last cell that started running (a timeout or a
    dead kernel leaves no error output).

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> bad = new_code_cell("x = 1\\nraise ValueError", execution_count=2)
    >>> bad.outputs = [new_output("error", ename="ValueError", evalue="", traceback=[])]
    >>> failed_cell(new_notebook(cells=[new_code_cell("ok"), bad]))
    (1, 2, 'x = 1')
    """
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


def _first_line(source: str) -> str:
    lines = [ln for ln in str(source).splitlines() if ln.strip()]
    return lines[0].strip()[:200] if lines else ""


def _stamp(nb: Any, job: ReportJob, file_name: str) -> None:
    """Record how the report was made (for the up-to-date check) and where it is kept."""
    nb.metadata[BATCH_METADATA] = job.batch_metadata()
    if "papermill" in nb.metadata:
        nb.metadata["papermill"]["output_path"] = file_name  # not the scratch folder


def _crashed(job: ReportJob, exc: BaseException) -> ReportOutcome:
    return ReportOutcome(job.company_id, job.slug, "failed", 0.0,
                         error=f"worker failed: {error_text(exc)}")


# -- the runners ---------------------------------------------------------------------------


class LocalRunner:
    """Reports on ``n_jobs`` worker threads, each driving papermill (the kernels are
    separate processes, so the threads run in parallel), with one warm kernel each from a
    shared :class:`~assessment.run.engine.KernelPool` unless ``warm`` is false.

    The threads start at once and each starts its kernel first (running ``preload`` in
    it), so the kernels boot while the caller reads and scores the dataset; then
    :meth:`submit` the jobs, iterate to get the outcomes as they come (the HTML export is
    the caller's: see :func:`export_outcome`), and :meth:`close` to stop.
    """

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
        """Stop: no new reports; the threads stop their kernels (a few seconds at most,
        together), then every kernel left is stopped, the kernels of reports still running
        (after an interrupt or an error) included."""
        self.stop.set()
        for _ in self.threads:
            self.todo.put(None)
        for wait in (CLOSE_WAIT, 2.0):
            deadline = time.monotonic() + wait  # for all threads together
            for t in self.threads:
                t.join(timeout=max(0.0, deadline - time.monotonic()))
            if self.pool is not None:
                self.pool.close()  # what a thread that did not finish left behind


def sized_local_runner(jobs: int, todo: int, asked: int | None, warm: bool, kernel: str,
                       preload: str, say: bool) -> LocalRunner:
    """A :class:`LocalRunner` for ``todo`` reports with :func:`pool_size` workers; with
    ``say``, a line on stderr when ``jobs`` is capped (when it was ``asked`` for, or by
    memory)."""
    n, why = pool_size(jobs, todo)
    if say and why and todo and (asked is not None or not why.endswith("to run")):
        print(f"jobs: {n} instead of {jobs} ({why})", file=sys.stderr, flush=True)
    return LocalRunner(n, warm=warm, kernel_name=kernel, preload=preload)


def connect_dask(scheduler: Any) -> DaskRunner:
    """A :class:`DaskRunner` on ``scheduler``, or an error that says it cannot be reached
    (after :data:`SCHEDULER_TIMEOUT` seconds)."""
    try:
        return DaskRunner(scheduler, timeout=SCHEDULER_TIMEOUT)
    except Exception as exc:
        raise AssessmentError(f"cannot reach the Dask scheduler {scheduler!r}: "
                              f"{error_text(exc)}; nothing was written") from exc


class DaskRunner:
    """The jobs on a Dask cluster, a fresh kernel per report (the workers are shared, so no
    kernel is kept waiting on them); each worker exports its page itself."""

    def __init__(self, scheduler: Any, timeout: float = SCHEDULER_TIMEOUT):
        from distributed import Client

        self.own = isinstance(scheduler, str)
        self.client = Client(scheduler, timeout=timeout) if self.own else scheduler
        self.futures: dict[Any, ReportJob] = {}

    def submit(self, jobs: list[ReportJob]) -> None:
        """Send every job to the cluster at once."""
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
        """Close the client when this runner made it."""
        if self.own:
            self.client.close()
