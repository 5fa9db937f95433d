"""The sessions folder's files besides the answers. Advisory locks (POSIX ``flock``): an
open session is held by one process, and a dataset file is read-modified-written by one
process at a time; elsewhere (Windows) sessions still never share a file, they are just not
guarded against being resumed twice. A session's settings file read back with every field
checked (:func:`read_settings`, :func:`session_summary`; a damaged one is kept as a copy,
:func:`keep_copy`), and the temporary files a killed save left behind removed
(:func:`remove_stale_temps`)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import stat
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

from assessment.files import atomic_write_bytes, file_lock
from assessment.instrument.models import DISCIPLINES, LANGS
from assessment.workshop.answers import META_COLUMNS, PERSPECTIVES, Participant, session_rows
from assessment.workshop.errors import SessionInUse, WorkshopError, check_choice
from assessment.workshop.target import Target

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["STALE_AFTER", "TAKEOVER_WAIT", "SessionLock", "file_lock", "keep_copy",
           "read_settings", "remove_stale_temps", "session_summary"]

STALE_AFTER = 300.0
"""Seconds after which a temporary file of a save is stale (a save takes milliseconds)."""
TAKEOVER_WAIT = 10.0
"""Seconds a take-over waits for the holder to let go (it looks twice a second)."""
_WATCH_EVERY = 0.5


def _nobody() -> None:
    """The owner of a session whose lock was handed over (no object of this process)."""
    return None

# what assessment.files' atomic writes leave when killed: ``.<name>.<8 random>.tmp``
# (tempfile.mkstemp) and ``.<name>.<pid>.old.tmp`` (a rollback link), for the files the
# workshop writes into its folder (session .csv and .json, snapshot .html)
_OUR_TEMP = re.compile(r"\.[^/]+\.(?:csv|json|html)\.(?:[a-z0-9_]{8}|[0-9]+\.old)\.tmp")


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

    A session held by another process (a kernel of a closed or reloaded page) is taken
    over with :meth:`take_over`: the holder sees the request, lets go and its session
    object turns read-only (:class:`~assessment.workshop.errors.SessionTakenOver`).
    """

    _held: weakref.WeakValueDictionary[str, SessionLock] = weakref.WeakValueDictionary()

    def __init__(self, path: Path):
        self.key = str(path.resolve())
        self.fd: int | None = None
        self.owner: weakref.ref | None = None  # the session object holding the lock
        self.since = time.time()
        self.taken_over = False  # handed over to another process (see take_over)
        #: called (from a background thread) when another process took the session over
        self.on_taken: Callable[[], None] | None = None
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
        _watch()

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

    @classmethod
    def held(cls, path: Path) -> SessionLock | None:
        """The lock of ``path`` if this process holds it."""
        return cls._held.get(str(path.resolve()))

    @classmethod
    def take_over(cls, path: Path, wait: float = TAKEOVER_WAIT) -> bool:
        """Ask the process holding ``path`` to let go, and wait (up to ``wait`` seconds) until
        it has; True when the lock is free now (also when nobody held it). The holder checks
        for the request twice a second (:func:`_watch`); a process that is gone has let go
        already.

        Examples
        --------
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / ".s.lock"
        >>> SessionLock.take_over(path, wait=0.1)   # nobody holds it
        True
        """
        request = _request_path(path)
        if cls.held(path) is not None or not cls.in_use(path):
            request.unlink(missing_ok=True)
            return True
        atomic_write_bytes(request, str(os.getpid()).encode())
        deadline = time.monotonic() + wait
        try:
            while cls.in_use(path):
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.1)
            return True
        finally:
            request.unlink(missing_ok=True)

    def _handed_over(self) -> bool:
        """Let go when another process asked for the session after this one took it."""
        try:
            asked = _request_path(Path(self.key)).stat().st_mtime >= self.since - 1
        except OSError:
            return False
        if not asked:
            return False
        self.taken_over = True
        self.owner = _nobody  # the session object refuses further changes
        self.release()
        if self.on_taken is not None:
            with contextlib.suppress(Exception):
                self.on_taken()
        return True

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


def _request_path(lock_path: Path) -> Path:
    """Where a take-over request for a session's lock is left (``<lock>.takeover``)."""
    return lock_path.with_name(lock_path.name + ".takeover")


_watcher: threading.Thread | None = None


def _watch() -> None:
    """Start (once per process) the thread that hands held sessions over on request."""
    global _watcher
    if _watcher is not None and _watcher.is_alive():
        return

    def loop() -> None:
        while True:
            time.sleep(_WATCH_EVERY)
            for lock in list(SessionLock._held.values()):
                lock._handed_over()

    _watcher = threading.Thread(target=loop, name="workshop-session-handover", daemon=True)
    _watcher.start()


def remove_stale_temps(folder: Path, older_than: float = STALE_AFTER) -> list[Path]:
    """Remove the temporary files that killed saves left in ``folder``: only files named as
    this package's atomic writes name them (``.<file>.<random>.tmp``, see
    :func:`assessment.files.atomic_write_bytes`) and not changed for ``older_than`` seconds
    (a save in progress elsewhere is left alone); never links, folders or other files.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in (".s-1.csv.k3j_9x2a.tmp", "notes.tmp"):
    ...     _ = (folder / name).write_text("x")
    ...     os.utime(folder / name, (0, 0))
    >>> [p.name for p in remove_stale_temps(folder)], sorted(p.name for p in folder.iterdir())
    (['.s-1.csv.k3j_9x2a.tmp'], ['notes.tmp'])
    """
    removed: list[Path] = []
    cutoff = time.time() - older_than
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        if not _OUR_TEMP.fullmatch(name):
            continue
        path = Path(folder) / name
        try:
            st = path.lstat()
            if stat.S_ISREG(st.st_mode) and st.st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:  # gone already, or not ours to remove
            continue
    return removed


# -- a session's settings file read back ---------------------------------------------------


_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "company_id": ((str,), "a text"), "company_name": ((str,), "a text"),
    "wave": ((str,), "a text"), "lang": ((str,), f"one of {', '.join(LANGS)}"),
    "mode": ((str,), "a mode"), "created": ((str,), "a text"),
    "updated": ((str,), "a text"), "participants": ((list,), "a list"),
    "current": ((str, type(None)), "a text"), "notes": ((dict,), "a mapping"),
    "target": ((dict, type(None)), "a mapping"), "exports": ((list,), "a list"),
    "answered": ((int,), "a whole number"), "total": ((int,), "a whole number"),
    "format_version": ((int,), "a whole number"),
    "team_size": ((int,), "a whole number of participants")}


def _bad(key: str, value: object, expected: str) -> str:
    shown = json.dumps(value, ensure_ascii=False, default=str)
    return f"{key} ({shown[:40]}{'…' if len(shown) > 40 else ''}: {expected} expected)"


def read_settings(json_path: Path, fmt: str, modes: tuple[str, ...]) -> tuple[dict, list[str]]:
    """A session's settings file (JSON, format ``fmt``) with every field checked: (the
    usable fields, what was ignored and why). A missing or unreadable file is ignored as a
    whole; a JSON file of another program raises :class:`WorkshopError`.

    Examples
    --------
    >>> import json, tempfile
    >>> path = Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text(json.dumps({"format": "ws", "wave": "2026", "notes": "x"}))
    >>> read_settings(path, "ws", ("team",))
    ({'wave': '2026'}, ['notes ("x": a mapping expected)'])
    >>> read_settings(path.with_name("gone.json"), "ws", ("team",))
    ({}, ['the settings file gone.json (missing)'])
    """
    try:
        meta = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}, [f"the settings file {json_path.name} (missing)"]
    except OSError as exc:
        return {}, [f"the settings file {json_path.name} (unreadable: {exc.strerror})"]
    except ValueError as exc:  # UnicodeDecodeError included
        return {}, [f"the whole settings file {json_path.name} (not valid JSON: {exc})"]
    if not isinstance(meta, dict):
        return {}, [f"the whole settings file {json_path.name} (not a JSON object)"]
    if meta.get("format") != fmt:
        raise WorkshopError(f"{json_path}: not a workshop session file")
    out: dict = {}
    ignored: list[str] = []
    choices = {"lang": LANGS, "mode": modes}
    for key, (kinds, expected) in _KINDS.items():
        if key not in meta:
            continue
        value = meta[key]
        if key == "mode":
            expected = f"one of {', '.join(modes)}"
        if not isinstance(value, kinds) or isinstance(value, bool) or \
                value not in choices.get(key, (value,)):
            ignored.append(_bad(key, value, expected))
        elif key == "participants":
            out[key] = [Participant(p["respondent_id"].strip(), p.get("perspective", "internal"),
                                    p.get("department", "")) for p in value if _is_participant(p)]
            ignored += [_bad(f"participants[{k}]", p, "a participant")
                        for k, p in enumerate(value) if not _is_participant(p)]
        elif key == "notes":
            out[key] = {d: v for d, v in value.items() if d in DISCIPLINES and isinstance(v, str)}
            ignored += [_bad(f"notes[{d!r}]", v, "a text for a discipline")
                        for d, v in value.items() if d not in out[key]]
        elif key == "target" and value is not None:
            try:
                disc = value.get("discipline")
                if disc is not None:
                    check_choice(disc, DISCIPLINES, "discipline")
                out[key] = Target(disc, {d: float(v) for d, v in
                                         (value.get("profile") or {}).items()
                                         if check_choice(d, DISCIPLINES, "discipline") is None})
            except (WorkshopError, TypeError, ValueError, AttributeError):
                ignored.append(_bad(key, value, "a discipline and a profile"))
        else:
            out[key] = value
    return out, ignored


def _is_participant(p: object) -> bool:
    return isinstance(p, dict) and isinstance(p.get("respondent_id"), str) \
        and bool(p["respondent_id"].strip()) \
        and p.get("perspective", "internal") in PERSPECTIVES \
        and isinstance(p.get("department", ""), str)


def session_summary(json_path: Path, fmt: str, modes: tuple[str, ...]) -> dict | None:
    r"""What a list of sessions shows of one (:func:`read_settings`'s fields, with company,
    last change, answers and participants taken from the answers file where the settings
    do not say, and ``problem``: what was ignored); None without a company.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "s.csv").write_text("company_id,respondent_id,oe_exp_1\nacme,a,4\n")
    >>> f = session_summary(folder / "s.json", "ws", ("team",))
    >>> f["company_id"], f["answered"], f["participants"], f["problem"]
    ('acme', 1, 1, 'the settings file s.json (missing)')
    """
    meta, ignored = read_settings(json_path, fmt, modes)
    csv_path = json_path.with_suffix(".csv")
    records: list[dict[str, str]] = []
    if ignored:  # what the settings do not say, from the answers file
        with contextlib.suppress(OSError):
            records = session_rows(csv_path.read_bytes())
    company = meta.get("company_id") or next(
        (r["company_id"] for r in records if r.get("company_id")), None)
    if not company:
        return None
    updated = meta.get("updated", "")
    with contextlib.suppress(OSError):
        updated = updated or dt.datetime.fromtimestamp(csv_path.stat().st_mtime).astimezone(
        ).replace(microsecond=0).isoformat()
    answered = meta.get("answered", sum(1 for r in records for k, v in r.items()
                                        if v and k not in META_COLUMNS))
    participants = len(meta["participants"]) if "participants" in meta else len(records)
    return meta | {"company_id": company, "updated": updated, "answered": answered,
                   "participants": participants, "problem": "; ".join(ignored)}


def keep_copy(json_path: Path) -> Path | None:
    """A copy of a damaged settings file beside it (``<name>.<time>.broken``, once per
    content) before the next save rewrites it; None without a file (or a writable folder).

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "s.json"
    >>> _ = path.write_text("{")
    >>> copy = keep_copy(path); copy.read_text(), keep_copy(path) == copy
    ('{', True)
    """
    try:
        raw = json_path.read_bytes()
        for old in json_path.parent.glob(f"{json_path.name}.*.broken"):
            if old.read_bytes() == raw:
                return old
        backup = json_path.with_name(f"{json_path.name}.{dt.datetime.now():%Y%m%d-%H%M%S}.broken")
        atomic_write_bytes(backup, raw)
    except OSError:
        return None
    return backup
