"""Advisory locks (POSIX ``flock``): an open session is held by one process, and a dataset
file is read-modified-written by one process at a time. Elsewhere (Windows) sessions still
never share a file, they are just not guarded against being resumed twice."""

from __future__ import annotations

import contextlib
import os
import weakref
from collections.abc import Iterator
from pathlib import Path

from assessment.workshop.errors import SessionInUse

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["SessionLock", "file_lock"]


class SessionLock:
    """An exclusive ``flock`` on a session's lock file, held while the session is open
    (released when the process ends, even by a crash).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / ".s.lock"
    >>> lock = SessionLock.acquire(path)
    >>> SessionLock.in_use(path), SessionLock.acquire(path) is lock
    (True, True)
    >>> lock.release(); SessionLock.in_use(path)
    False
    """

    _held: weakref.WeakValueDictionary[str, SessionLock] = weakref.WeakValueDictionary()

    def __init__(self, path: Path):
        self.key = str(path.resolve())
        self.fd: int | None = None
        self.owner: weakref.ref | None = None  # the session object holding the lock
        if fcntl is None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise SessionInUse(
                f"session {path.name.strip('.').removesuffix('.lock')} is open in another "
                "window or kernel; close it there or start a new session") from exc
        self.fd = fd
        SessionLock._held[self.key] = self

    @classmethod
    def acquire(cls, path: Path) -> SessionLock:
        """The lock of ``path``: taken over when this process already holds it (a restart
        of the workshop object in the same kernel), else acquired without waiting."""
        held = cls._held.get(str(path.resolve()))
        return held if held is not None else cls(path)

    @classmethod
    def in_use(cls, path: Path) -> bool:
        """True when some process (this one included) holds the lock of ``path``."""
        if str(path.resolve()) in cls._held:
            return True
        if fcntl is None or not path.exists():
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def release(self) -> None:
        """Give the lock up (its file stays)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)  # type: ignore[union-attr]
                os.close(self.fd)
            self.fd = None
        if SessionLock._held.get(self.key) is self:
            del SessionLock._held[self.key]

    def __del__(self) -> None:  # the process may live on (a kernel): do not leak the lock
        self.release()


@contextlib.contextmanager
def file_lock(folder: Path, name: str) -> Iterator[None]:
    """Serialize read-modify-write of a dataset file between processes (POSIX).

    Examples
    --------
    >>> import tempfile
    >>> with file_lock(Path(tempfile.mkdtemp()), "companies.csv"):
    ...     pass
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = folder / f".{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
