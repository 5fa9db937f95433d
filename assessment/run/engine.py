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
``log``
    the logger nbclient reports to (default: papermill's, as with papermill's own engine;
    a caller that reports failures itself, as the batch does, can pass the quiet
    ``assessment.run.kernels.LOG``).

papermill's own options mean what they mean with papermill's engine: ``log_output`` sends
each cell's output (and the "Executing notebook with kernel" line) to papermill's logger,
``execution_timeout`` (else ``timeout``) stops a cell that runs longer with nbclient's
``CellTimeoutError``, and a kernel that is not ready within ``start_timeout`` seconds fails
the run.

This module imports only the standard library at load time: papermill loads every
registered engine whenever it is imported, for any notebook.
"""

from __future__ import annotations

import copy
import os

from assessment.run.kernels import (  # noqa: F401 - the pool is part of the engine's API
    KERNEL_ARGUMENTS,
    KERNEL_MAX_RUNS,
    LOG,
    START_TIMEOUT,
    KernelPool,
    KernelRunError,
    PooledKernel,
    default_pool,
    is_python_kernel,
)

ENGINE_NAME = "assessment"
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
                    self.log.info(f"Executing notebook with kernel: {self.kernel_name}")
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
                                 failure_path: str | None = None, log=None, **kwargs):
        """papermill's ``NBClientEngine.execute_managed_notebook`` (the same arguments,
        meaning the same) on a warm kernel; see the module docstring for the extra ones."""
        from papermill.log import logger
        from papermill.utils import merge_kwargs, remove_args

        kwargs = remove_args(["input_path"], **kwargs)
        # as papermill's engine: execution_timeout, else timeout; startup_timeout is ours
        timeout = execution_timeout if execution_timeout else kwargs.get("timeout")
        kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        resources = kwargs.get("resources") or {}
        cwd = resources.get("metadata", {}).get("path") or os.getcwd()
        final = merge_kwargs(kwargs, timeout=timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=log if log is not None else logger,
                             log_output=log_output, stdout_file=stdout_file,
                             stderr_file=stderr_file, failure_path=failure_path, run_cwd=cwd)
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
