"""Warm Python kernels for papermill: a pool of started kernels, one reused per thread.

A kernel runs one notebook after another; the engine (:mod:`assessment.run.engine`) resets
its namespace between runs. A kernel that fails in any way is retired, one that dies while
starting is replaced, and every kernel is shut down when the pool closes or the process
exits. Only the standard library is imported at load time (jupyter_client on first use).
"""
from __future__ import annotations

import atexit
import logging
import os
import queue
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# No IPython history database (parallel kernels would fight over its lock), and no
# kernel log lines on the terminal (a failing cell is reported from the notebook).
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False", "--IPKernelApp.log_level=ERROR")
KERNEL_MAX_RUNS = 100  # a warm kernel is replaced after this many runs
START_TIMEOUT = 120  # seconds for the batch's kernels to start (a loaded machine is slow)

# The pool's own warnings, and nbclient's for a caller that passes it to the engine as
# ``log`` (nbclient logs a dead kernel or a timeout as an error; a caller that records the
# exception itself, as the batch does, wants no such lines): quiet unless someone adds a
# handler.
LOG = logging.getLogger(__name__)
LOG.addHandler(logging.NullHandler())
LOG.propagate = False


class KernelStartTimeout(RuntimeError):
    """A new kernel did not answer within the start timeout (it is shut down; the run fails).

    Examples
    --------
    >>> str(KernelStartTimeout("Kernel didn't respond in 2 seconds"))
    "Kernel didn't respond in 2 seconds"
    """


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
    closed: bool = False  # set by close(): no kernel starts after it

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
        :meth:`close_thread`). From then on no kernel starts: a thread still starting one
        (whose kernel this shuts down) does not start another."""
        self.closed = True
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
            self._discard(kernel)
            if self.closed:  # the pool shut it down: the batch is stopping
                raise RuntimeError("the kernel pool was closed while a kernel started")
            LOG.warning("a new kernel died while starting; starting another")
        return self._start_once(kernel_name, env_key, start_timeout)

    def _start_once(self, kernel_name: str, env_key: tuple,
                    start_timeout: float) -> PooledKernel:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        if self.closed:
            raise RuntimeError("the kernel pool is closed: no kernel starts")
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
            except KernelStartTimeout:  # as nbclient: a kernel that is not ready fails the run
                self._discard(kernel)
                raise
            except Exception as exc:  # the notebook will meet the same problem and say so
                if not self.closed:  # else: the pool shut the kernel down, no problem
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
    try:
        await kc.wait_for_ready(timeout=timeout)
    except RuntimeError as exc:  # not ready in time (a kernel that died is replaced instead)
        kc.stop_channels()
        if await km.is_alive():
            raise KernelStartTimeout(str(exc)) from None
        raise
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
