"""A papermill engine that runs notebooks on warm kernels: ``papermill --engine assessment``.

Starting a Jupyter kernel and importing pandas, plotly and the ``assessment`` package in
it costs seconds; running one company's report costs a fraction of that. This engine
keeps a pool of warm kernels (at most one per worker thread and kernel name) and runs
each notebook in one of them:

- before each run the kernel's user namespace is reset (IPython's ``reset``: every
  variable, ``In``/``Out`` and the output cache go; imported modules stay loaded, and so
  do module-level caches such as :func:`assessment.present.report.build_report`'s dataset cache),
  the execution counter restarts at 1 and the kernel changes to the run's working folder,
  so a notebook sees what it would see in a fresh kernel;
- a run that fails in any way (a cell error, a timeout, a kernel that died) retires its
  kernel: the next run gets a new one, so failures are isolated as strictly as with a
  kernel per run; a kernel is also replaced after ``max_runs`` runs;
- only Python kernels are kept warm (the reset is IPython's); any other kernel, and every
  run with ``fresh_kernel=True``, gets a kernel of its own that is shut down afterwards.

It is registered through papermill's ``papermill.engine`` entry point group (see
``pyproject.toml``), so both ``papermill --engine assessment in.ipynb out.ipynb`` and
``papermill.execute_notebook(..., engine_name="assessment")`` use it. Extra keyword
arguments of ``execute_notebook`` that it understands:

``kernel_pool``
    the :class:`KernelPool` to take kernels from (default: one pool per process, closed
    at exit); the batch owns a pool per run.
``fresh_kernel``
    start a new kernel for this run and shut it down afterwards.
``kernel_env``
    environment variables for the kernel process (a warm kernel is only reused for the
    same variables). ``ASSESSMENT_PLOTLY_JSON=0`` makes :func:`assessment.present.figures.show`
    leave out the plotly JSON bundle (see there).
``failure_path``
    where to save the executed notebook when the run raises (a timeout, a dead kernel),
    so what ran can be inspected.

This module imports only the standard library at load time: papermill loads every
registered engine whenever it is imported, for any notebook.
"""

from __future__ import annotations

import atexit
import copy
import logging
import os
import queue
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ENGINE_NAME = "assessment"
# No IPython history database (parallel kernels would fight over its lock), and no
# kernel log lines on the terminal (a failing cell is reported from the notebook).
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR")
KERNEL_MAX_RUNS = 100  # a warm kernel is replaced after this many runs
START_TIMEOUT = 120.0  # seconds for a kernel to start (a loaded machine is slow)

# Run (silently) before each notebook on a kernel that already ran one. It defines no
# name: the namespace after it is the one a fresh kernel starts with.
# The working folder first: the reset records the current one (``_dh``), and the last
# run's folder may be gone. The reset ends with a full garbage collection (IPython's), which
# then moves what survived it (modules, their caches) out of the collector's view
# (``gc.freeze``): in a kernel with pandas, scipy and plotly loaded a full collection
# costs about 0.1 s, and the collector runs several during a report.
_RESET_CODE = """\
__import__("os").chdir({cwd!r})
get_ipython().reset(new_session=False, aggressive=False)
get_ipython().execution_count = 1
__import__("gc").freeze()
"""

# nbclient logs a dead kernel or a timeout as an error; the caller gets the exception (the
# batch records it in its summary), so this log stays quiet unless someone adds a handler.
LOG = logging.getLogger(__name__)
LOG.addHandler(logging.NullHandler())
LOG.propagate = False


class KernelRunError(RuntimeError):
    """The reset before a run failed on a warm kernel (the kernel is retired).

    Examples
    --------
    >>> isinstance(KernelRunError("could not reset the warm kernel"), RuntimeError)
    True
    """


@dataclass(eq=False)
class PooledKernel:
    """One warm kernel: its manager, what it was started for, and how often it ran.

    Examples
    --------
    >>> kernel = PooledKernel(km=None, kernel_name="python3", env=(("LANG", "C"),), folder="")
    >>> kernel.key, kernel.runs
    (('python3', (('LANG', 'C'),)), 0)
    """

    km: Any
    kernel_name: str
    env: tuple[tuple[str, str], ...]
    folder: str
    runs: int = 0
    kc: Any = None  # the client of the last run, kept: a new one waits 0.2 s for IOPub
    language_info: dict | None = None  # the kernel's, asked once

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return self.kernel_name, self.env

    def alive(self) -> bool:
        from jupyter_core.utils import run_sync

        try:
            return bool(run_sync(self.km.is_alive)())
        except Exception:
            return False

    def shutdown(self) -> None:
        """Stop the kernel at once (nothing in it is worth a graceful shutdown)."""
        from jupyter_core.utils import run_sync

        kc, self.kc = self.kc, None
        if kc is not None:
            try:
                kc.stop_channels()
            except Exception:
                pass
        try:
            run_sync(self.km.shutdown_kernel)(now=True)
        except Exception:  # already dead, or its event loop is gone: kill the process
            process = getattr(getattr(self.km, "provisioner", None), "process", None)
            if process is not None:
                try:
                    process.kill()
                except OSError:
                    pass
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass(eq=False)
class KernelPool:
    """Warm kernels, at most one per thread, kernel name and environment.

    A kernel belongs to the thread that started it (its manager lives in that thread's
    event loop): :meth:`acquire` hands a thread its own idle kernel or starts one, and
    :meth:`release` puts it back (or shuts it down after a failed run or ``max_runs``
    runs). :meth:`close_thread` stops the calling thread's kernels, :meth:`close` all.

    Examples
    --------
    >>> with KernelPool(max_runs=10) as pool:
    ...     len(pool), pool.started, pool.max_runs
    (0, 0, 10)
    """

    max_runs: int = KERNEL_MAX_RUNS
    extra_arguments: tuple[str, ...] = KERNEL_ARGUMENTS
    #: code run once in every new kernel (e.g. imports), before its first run's reset
    preload: str | None = None
    _local: threading.local = field(default_factory=threading.local, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _kernels: set[PooledKernel] = field(default_factory=set, repr=False)
    started: int = 0  # kernels started so far (for tests and benchmarks)

    def _idle(self) -> dict[tuple, PooledKernel]:
        idle = getattr(self._local, "idle", None)
        if idle is None:
            idle = self._local.idle = {}
        return idle

    def acquire(self, kernel_name: str, env: dict[str, str] | None = None,
                start_timeout: float = START_TIMEOUT) -> PooledKernel:
        """This thread's idle kernel for ``kernel_name`` and ``env`` (started if needed)."""
        env_key = tuple(sorted((env or {}).items()))
        kernel = self._idle().pop((kernel_name, env_key), None)
        if kernel is not None and (kernel.runs >= self.max_runs or not kernel.alive()):
            self._discard(kernel)
            kernel = None
        if kernel is None:
            kernel = self._start(kernel_name, env_key, start_timeout)
        kernel.runs += 1
        return kernel

    def warm(self, kernel_name: str, env: dict[str, str] | None = None,
             start_timeout: float = START_TIMEOUT) -> None:
        """Start this thread's kernel now (and run :attr:`preload` in it), so that it is
        ready when the first notebook comes."""
        kernel = self.acquire(kernel_name, env, start_timeout)
        kernel.runs -= 1
        self.release(kernel, reusable=True)

    def release(self, kernel: PooledKernel, reusable: bool) -> None:
        """Give ``kernel`` back after a run: kept for the next run when ``reusable``."""
        idle = self._idle()
        if not reusable or kernel.runs >= self.max_runs or kernel.key in idle:
            self._discard(kernel)
        else:
            idle[kernel.key] = kernel

    def close_thread(self) -> None:
        """Shut down the calling thread's idle kernels."""
        idle = self._idle()
        while idle:
            self._discard(idle.popitem()[1])

    def close(self) -> None:
        """Shut down every kernel of the pool (best from the threads that own them: see
        :meth:`close_thread`)."""
        self.close_thread()
        with self._lock:
            rest = list(self._kernels)
        for kernel in rest:
            self._discard(kernel)

    def __enter__(self) -> KernelPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        with self._lock:
            return len(self._kernels)

    def _start(self, kernel_name: str, env_key: tuple, start_timeout: float,
               attempts: int = 3) -> PooledKernel:
        """A new kernel, with :attr:`preload` run in it. A kernel that dies while it
        starts (e.g. another process took one of the ports it was given) is replaced, up
        to ``attempts`` times in all."""
        for _ in range(attempts - 1):
            kernel = self._start_once(kernel_name, env_key, start_timeout)
            if not self.preload or kernel.alive():
                return kernel
            LOG.warning("a new kernel died while starting; starting another")
            self._discard(kernel)
        return self._start_once(kernel_name, env_key, start_timeout)

    def _start_once(self, kernel_name: str, env_key: tuple,
                    start_timeout: float) -> PooledKernel:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        folder = tempfile.mkdtemp(prefix="assessment-kernel-")
        km = AsyncKernelManager(kernel_name=kernel_name)
        km.shutdown_wait_time = 1.0
        env = {**os.environ, **dict(env_key)}
        try:
            run_sync(km.start_kernel)(extra_arguments=list(self.extra_arguments), cwd=folder,
                                     env=env)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        kernel = PooledKernel(km, kernel_name, env_key, folder)
        with self._lock:
            self._kernels.add(kernel)
            self.started += 1
        if self.preload:
            try:
                kernel.kc = run_sync(_preload)(km, self.preload, start_timeout)
            except Exception as exc:  # the notebook will meet the same problem and say so
                LOG.warning("preload failed in a new kernel: %s", exc)
        return kernel

    def _discard(self, kernel: PooledKernel) -> None:
        with self._lock:
            if kernel not in self._kernels:
                return
            self._kernels.discard(kernel)
        kernel.shutdown()


async def _preload(km: Any, code: str, timeout: float) -> Any:
    """Run ``code`` silently in a new kernel; returns the (ready) client for later runs."""
    import time

    kc = km.client()
    kc.start_channels()
    await kc.wait_for_ready(timeout=timeout)
    msg_id = kc.execute(code, silent=True, store_history=False)
    deadline = time.monotonic() + timeout
    while True:  # a second at a time: a kernel that dies meanwhile never replies
        try:
            reply = await kc.get_shell_msg(
                timeout=min(max(deadline - time.monotonic(), 0.01), 1.0))
        except queue.Empty:
            if not await km.is_alive():
                raise RuntimeError("the kernel died while running the preload") from None
            if time.monotonic() > deadline:
                raise
            continue
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            break
    if reply["content"].get("status") != "ok":
        LOG.warning("preload raised %s: %s", reply["content"].get("ename"),
                    reply["content"].get("evalue"))
    return kc


_DEFAULT_POOL: KernelPool | None = None
_DEFAULT_LOCK = threading.Lock()


def default_pool() -> KernelPool:
    """The process-wide pool used when ``execute_notebook`` passes none (closed at exit).

    Examples
    --------
    >>> default_pool() is default_pool(), isinstance(default_pool(), KernelPool)
    (True, True)
    """
    global _DEFAULT_POOL
    with _DEFAULT_LOCK:
        if _DEFAULT_POOL is None:
            _DEFAULT_POOL = KernelPool()
            atexit.register(_DEFAULT_POOL.close)
        return _DEFAULT_POOL


@lru_cache(maxsize=32)
def is_python_kernel(kernel_name: str) -> bool:
    """Whether ``kernel_name`` is an IPython kernel (the only kind kept warm).

    Examples
    --------
    >>> is_python_kernel("python3"), is_python_kernel("no-such-kernel")
    (True, False)
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        return False
    return spec.language.lower() == "python" and any(
        "ipykernel" in part for part in spec.argv)


_CLIENT_CLASS = None


def client_class():
    """papermill's notebook client, able to run on a kernel it does not own (reset first,
    its own connection closed afterwards) and to save the notebook when a run raises.

    Examples
    --------
    >>> client_class().__name__, client_class() is client_class()
    ('WarmKernelClient', True)
    """
    global _CLIENT_CLASS
    if _CLIENT_CLASS is not None:
        return _CLIENT_CLASS
    import nbformat
    from papermill.clientwrap import PapermillNotebookClient
    from traitlets import Unicode

    class WarmKernelClient(PapermillNotebookClient):
        failure_path = Unicode(None, allow_none=True)
        run_cwd = Unicode(None, allow_none=True)

        pooled_kernel: PooledKernel | None = None  # set by the engine: reuse its client

        def execute(self, **kwargs):
            self.reset_execution_trackers()
            pooled = self.pooled_kernel
            if pooled is not None and pooled.kc is not None:
                self.kc = pooled.kc
            try:
                with self.setup_kernel(**kwargs):
                    try:
                        if not self.owns_km:
                            self._reset_kernel()
                        self.papermill_execute_cells()
                        self.nb.metadata["language_info"] = self._language_info(pooled)
                        self.set_widgets_metadata()
                    finally:
                        if not self.owns_km and self.kc is not None:
                            if pooled is not None:
                                pooled.kc = self.kc  # closed when the kernel is retired
                            else:
                                self.kc.stop_channels()
                            self.kc = None
            except BaseException:  # a timeout, a dead kernel: keep what ran for inspection
                if self.failure_path:
                    nbformat.write(self.nb, self.failure_path)
                raise
            return self.nb

        def _language_info(self, pooled: PooledKernel | None) -> dict:
            """The kernel's ``language_info`` (asked once per warm kernel: it does not
            change while the kernel lives)."""
            if pooled is not None and pooled.language_info is not None:
                return copy.deepcopy(pooled.language_info)
            info = self.wait_for_reply(self.kc.kernel_info())["content"]["language_info"]
            if pooled is not None:
                pooled.language_info = copy.deepcopy(info)
            return info

        def _reset_kernel(self) -> None:
            code = _RESET_CODE.format(cwd=self.run_cwd or os.getcwd())
            reply = self.wait_for_reply(self.kc.execute(code, silent=True, store_history=False))
            content = (reply or {}).get("content", {})
            if content.get("status") != "ok":
                raise KernelRunError("could not reset the warm kernel: "
                                     f"{content.get('ename')}: {content.get('evalue')}")

    _CLIENT_CLASS = WarmKernelClient
    return WarmKernelClient


def _failed(nb) -> bool:
    """Whether a cell of the executed notebook raised (papermill stops there)."""
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        if cell.get("metadata", {}).get("papermill", {}).get("exception"):
            return True
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return True
    return False


class AssessmentEngine:
    """papermill's nbclient engine on warm kernels (see the module docstring).

    It implements papermill's engine interface without subclassing papermill's ``Engine``
    at import time: papermill imports every registered engine while it is itself being
    imported, so this module must not import papermill when it is loaded.

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.read("notebooks/report.ipynb", as_version=4)
    >>> AssessmentEngine.nb_kernel_name(nb), AssessmentEngine.nb_language(nb)
    ('python3', 'python')
    """

    @classmethod
    def execute_notebook(cls, nb, kernel_name, **kwargs):
        """papermill's ``Engine.execute_notebook`` (execution manager, progress, timing)
        with this engine's :meth:`execute_managed_notebook`."""
        from papermill.engines import Engine

        return Engine.execute_notebook.__func__(cls, nb, kernel_name, **kwargs)

    @classmethod
    def nb_kernel_name(cls, nb, name=None):
        from papermill.utils import nb_kernel_name

        return nb_kernel_name(nb, name)

    @classmethod
    def nb_language(cls, nb, language=None):
        from papermill.utils import nb_language

        return nb_language(nb, language)

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                 stderr_file=None, start_timeout=60, execution_timeout=None,
                                 kernel_pool: KernelPool | None = None,
                                 fresh_kernel: bool = False,
                                 kernel_env: dict[str, str] | None = None,
                                 failure_path: str | None = None, **kwargs):
        from papermill.utils import merge_kwargs, remove_args

        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        resources = kwargs.get("resources") or {}
        cwd = resources.get("metadata", {}).get("path") or os.getcwd()
        start_timeout = max(float(start_timeout or 0), START_TIMEOUT)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=LOG, log_output=log_output,
                             stdout_file=stdout_file, stderr_file=stderr_file,
                             failure_path=failure_path, run_cwd=cwd)
        client = client_class()
        if final.get("km") is not None:  # the caller's own running kernel: reset, then run
            return client(nb_man, **final).execute()
        final.pop("km", None)
        env = {str(k): str(v) for k, v in (kernel_env or {}).items()}
        if fresh_kernel or not is_python_kernel(kernel_name):
            final.setdefault("extra_arguments", list(KERNEL_ARGUMENTS))
            final.setdefault("shutdown_kernel", "immediate")
            start = {"env": {**os.environ, **env}} if env else {}
            return client(nb_man, **final).execute(**start)

        pool = kernel_pool if kernel_pool is not None else default_pool()
        kernel = pool.acquire(kernel_name, env, start_timeout)
        ok = False
        try:
            runner = client(nb_man, km=kernel.km, **final)
            runner.pooled_kernel = kernel
            nb = runner.execute()
            ok = not _failed(nb)
            return nb
        finally:
            pool.release(kernel, reusable=ok)


def ensure_registered() -> str:
    """Register the engine with papermill in this process if its entry point is missing
    (a source checkout that was not installed); returns the engine's name.

    Examples
    --------
    >>> from papermill.engines import papermill_engines
    >>> ensure_registered(), papermill_engines.get_engine(ENGINE_NAME) is AssessmentEngine
    ('assessment', True)
    """
    from papermill.engines import papermill_engines
    from papermill.exceptions import PapermillException

    try:
        papermill_engines.get_engine(ENGINE_NAME)
    except PapermillException:
        papermill_engines.register(ENGINE_NAME, AssessmentEngine)
    return ENGINE_NAME
