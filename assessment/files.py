"""Safe file names, atomic writes and the one CSV writer: no half-written output, no path
from untrusted text, no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory lock, the append stays in place
    fcntl = None  # type: ignore[assignment]

_UNSAFE = re.compile(r"[^a-z0-9]+")
_RESERVED = {"con", "prn", "aux", "nul", "index", "summary", "plotly"} | {
    f"{p}{i}" for p in ("com", "lpt") for i in range(1, 10)}


def _plain_slug(text: str, max_len: int) -> str:
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return _UNSAFE.sub("-", norm.lower()).strip("-")[:max_len].strip("-")


def _digest(text: str) -> str:
    return hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:8]


def slugify(text: str, max_len: int = 60) -> str:
    """A safe, non-empty file-name stem from untrusted text (ASCII letters, digits, '-').

    Parameters
    ----------
    text : str
        Any text, e.g. a company name from a data file.
    max_len : int
        The longest stem returned before a hash suffix.

    Returns
    -------
    str
        Lower-case ASCII letters, digits and dashes; names that a system or this package
        reserves (``con``, ``index``, ...) and texts without a letter or digit get a short
        hash of the text appended.

    Examples
    --------
    >>> slugify("Müller & Söhne GmbH")
    'muller-sohne-gmbh'
    >>> slugify("index")
    'index-e540cdd1'
    """
    slug = _plain_slug(text, max_len)
    if not slug or slug in _RESERVED:
        slug = f"{slug or 'company'}-{_digest(text)}"
    return slug


def company_slug(company_id: str) -> str:
    """The report file stem of a company id: the id itself when it is already a safe slug,
    otherwise its slug plus a short hash of the id, so two different ids never share a file.

    Examples
    --------
    >>> company_slug("pcmaker")
    'pcmaker'
    >>> company_slug("../../etc")
    'etc-7baf5cb6'
    """
    slug = _plain_slug(company_id, 60)
    if slug == company_id and slug not in _RESERVED:
        return slug
    return f"{(slug or 'company')[:51]}-{_digest(company_id)}"


def unique_slugs(ids: Iterable[str]) -> dict[str, str]:
    """Map each id to its :func:`company_slug`, checking that no two ids share one.

    Raises
    ------
    ValueError
        When two ids would write the same file: one line per such file, naming the ids.

    Examples
    --------
    >>> unique_slugs(["shoes", "../b"])
    {'shoes': 'shoes', '../b': 'b-442f02a0'}
    >>> unique_slugs(["index", "index-e540cdd1"])
    Traceback (most recent call last):
    ValueError: company ids 'index' and 'index-e540cdd1' would both be written as \
index-e540cdd1.html; rename one of them in companies.csv
    """
    out = {str(i): company_slug(str(i)) for i in ids}
    by_slug: dict[str, list[str]] = {}
    for cid, slug in out.items():
        by_slug.setdefault(slug, []).append(cid)
    clashes = [f"company ids {' and '.join(map(repr, same))} would both be written as "
               f"{slug}.html; rename one of them in companies.csv"
               for slug, same in by_slug.items() if len(same) > 1]
    if clashes:
        raise ValueError("\n".join(clashes))
    return out


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()  # what open() would give (mkstemp gives 0600)


def _target(path: str | Path) -> Path:
    """The file a write of ``path`` lands in: a symbolic link's target (the link stays)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _write_temp(path: Path, data: bytes) -> Path:
    """``data`` in a new hidden temporary file beside ``path``, flushed to disk, with the
    mode ``path`` has (or what ``open()`` would give a new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = _FILE_MODE
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return Path(tmp)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is flushed to disk before it replaces ``path``, and removed when
    anything fails, so ``path`` holds either its old or its new content, never a part.
    A symbolic link is written through to its target (the link stays a link); an existing
    file keeps its permissions.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write_bytes(target, b"done")
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'done', ['out.bin'])
    """
    atomic_write_files({path: data})


def atomic_write_files(files: Mapping[str | Path, bytes]) -> None:
    """Write several files all or none: each to a temporary name beside it first, then
    all renamed into place.

    When writing any of them fails, the temporary files are removed and every file keeps
    its old content (a file that did not exist is not created). Should a rename itself
    fail, the files already renamed get their old content back (kept as hard links while
    renaming, where the file system allows them). Symbolic links are written through.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write_files({folder / "a.txt": b"A", folder / "b.txt": b"B"})
    >>> sorted((p.name, p.read_bytes()) for p in folder.iterdir())
    [('a.txt', b'A'), ('b.txt', b'B')]
    """
    targets = {_target(p): data for p, data in files.items()}
    temps: dict[Path, Path] = {}
    try:
        for path, data in targets.items():
            temps[path] = _write_temp(path, data)
    except BaseException:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    backups: dict[Path, Path | None] = {}
    try:
        for path, tmp in temps.items():
            backups[path] = _hard_link_backup(path) if len(temps) > 1 else None
            os.replace(tmp, path)
    except BaseException:
        for path, backup in backups.items():
            if backup is not None and not temps[path].exists():  # already renamed
                os.replace(backup, path)
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                backup.unlink(missing_ok=True)


def _hard_link_backup(path: Path) -> Path | None:
    """A hidden hard link to ``path`` (its old content, for a rollback), or None."""
    if not path.exists():
        return None
    backup = path.with_name(f".{path.name}.{os.getpid()}.old.tmp")
    try:
        backup.unlink(missing_ok=True)
        os.link(path, backup)
    except OSError:
        return None
    return backup


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically (:func:`atomic_write_bytes`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> atomic_write_text(target, "Grüße")
    >>> target.read_text(encoding="utf-8")
    'Grüße'
    """
    atomic_write_bytes(path, text.encode("utf-8"))


# -- CSV -------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a text cell must not start with (OWASP, CSV injection): a spreadsheet runs it."""


def csv_safe(value: Any) -> Any:
    """A cell as a CSV may hold it: text starting like a formula gets a leading ``'``;
    numbers (a gap of -0.42) and everything else stay as they are.

    Examples
    --------
    >>> csv_safe("=HYPERLINK(1)"), csv_safe("@2026"), csv_safe("shoes"), csv_safe(-0.42)
    ("'=HYPERLINK(1)", "'@2026", 'shoes', -0.42)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def formula_cells(header: Sequence[str], rows: Iterable[Mapping[str, Any]]
                  ) -> list[tuple[int, str, str]]:
    """(row index, column, text) of every text cell of ``rows`` that starts like a
    formula: for a writer that must refuse rather than change a value.

    Examples
    --------
    >>> formula_cells(["id", "wave"], [{"id": "a", "wave": "@2026"}])
    [(0, 'wave', '@2026')]
    """
    return [(i, h, row[h]) for i, row in enumerate(rows) for h in header
            if isinstance(row.get(h), str) and row[h].startswith(FORMULA_START)]


def _csv_cell(value: Any, float_format: str | None) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float_format is not None and isinstance(value, float):
        return float_format % value
    return csv_safe(value)


def csv_text(header: Sequence[str] | None, rows: Iterable[Sequence[Any]], *,
             delimiter: str = ",", lineterminator: str = "\n",
             float_format: str | None = None) -> str:
    """The text of a CSV file (``header`` first unless None), every text cell through
    :func:`csv_safe`; empty and NaN cells are blank, floats written with ``float_format``.

    Examples
    --------
    >>> print(csv_text(["id", "gap"], [["-cmd", -0.42], ["b", float("nan")]],
    ...                float_format="%.2f"), end="")
    id,gap
    '-cmd,-0.42
    b,
    """
    buf = io.StringIO()
    if header is not None:
        buf.write(_csv_line([csv_safe(h) for h in header], delimiter, lineterminator))
    for row in rows:
        buf.write(_csv_line([_csv_cell(v, float_format) for v in row], delimiter,
                            lineterminator))
    return buf.getvalue()


def _csv_line(cells: Sequence[Any], delimiter: str, lineterminator: str) -> str:
    """One CSV record: a cell with the separator, a quote or a line break (``\r`` as well
    as ``\n``, whatever the line ending; :mod:`csv` quotes only the line ending's own
    characters) is quoted, quotes doubled."""
    out = []
    for cell in cells:
        text = str(cell)
        if any(c in text for c in (delimiter, '"', "\r", "\n")):
            text = '"' + text.replace('"', '""') + '"'
        out.append(text)
    if out == [""]:
        out = ['""']  # a lone blank cell, not a blank line
    return delimiter.join(out) + lineterminator


def frame_csv_text(frame: Any, *, float_format: str | None = None) -> str:
    """A pandas DataFrame as CSV text (no index) through :func:`csv_text`.

    Examples
    --------
    >>> import pandas as pd
    >>> print(frame_csv_text(pd.DataFrame({"id": ["@2026"], "n": [3]})), end="")
    id,n
    '@2026,3
    """
    plain = frame.astype(object).where(frame.notna(), None)  # NaN, NA, NaT: blank
    rows = (tuple(v.item() if hasattr(v, "item") else v for v in rec)
            for rec in plain.itertuples(index=False, name=None))
    return csv_text([str(c) for c in frame.columns], rows, float_format=float_format)


def write_csv(path: str | Path, frame: Any, *, float_format: str | None = None) -> Path:
    r"""Write a pandas DataFrame as a UTF-8 CSV file atomically (:func:`frame_csv_text`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> write_csv(path, pd.DataFrame({"id": ["=1+1"], "gap": [-0.42]})).read_text()
    "id,gap\n'=1+1,-0.42\n"
    """
    atomic_write_text(path, frame_csv_text(frame, float_format=float_format))
    return Path(path)


def append_csv_rows(path: str | Path, rows: Iterable[Sequence[Any]], *, encoding: str = "utf-8",
                    delimiter: str = ",", lineterminator: str = "\n") -> None:
    r"""Append rows to the end of an existing CSV file, in place: the file's bytes before
    them stay exactly as they were (a missing final line break is added first), the new
    rows are written by :func:`csv_text` in the file's ``encoding``, separator and line
    ending.

    The file is appended to, not replaced: it stays the same file, so a symbolic or hard
    link still points at it and a program that holds it open (a logger, a sync client,
    another process appending rows) keeps writing into it; nothing it writes before or
    after is lost. The rows go out in one write on a descriptor opened for appending,
    under an exclusive advisory lock (``fcntl.flock``, where the system has it) and are
    flushed to disk. Should the write fail (a full disk), the file is cut back to its
    size before the write, so no half row remains.

    Raises
    ------
    UnicodeEncodeError
        When a new cell cannot be written in ``encoding`` (nothing is written).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes(b"id;n\r\na;1")
    >>> append_csv_rows(path, [["b", "2"]], delimiter=";", lineterminator="\r\n")
    >>> path.read_bytes()
    b'id;n\r\na;1\r\nb;2\r\n'
    """
    added = csv_text(None, rows, delimiter=delimiter, lineterminator=lineterminator)
    data = added.encode(encoding)
    fd = os.open(_target(path), os.O_RDWR | os.O_APPEND)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        size = os.fstat(fd).st_size
        last = os.pread(fd, 1, size - 1) if size else b"\n"
        if last not in (b"\n", b"\r"):
            data = lineterminator.encode(encoding) + data
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            os.ftruncate(fd, size)
            raise
    finally:
        os.close(fd)  # also releases the lock


@contextlib.contextmanager
def file_lock(folder: str | Path, name: str) -> Iterator[None]:
    """Hold an exclusive advisory lock for the read-modify-write of one of a dataset's
    files (``name``, e.g. ``"responses"`` or ``"companies.csv"``) between processes and
    threads: the import and the workshop's export take the same lock, so neither writes
    over rows the other has just added. The lock is ``fcntl.flock`` on the hidden file
    ``.<name>.lock`` in ``folder`` (created when missing, left in place); a second holder
    waits until the first lets go. Where the system has no ``flock`` (Windows) nothing is
    locked.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> with file_lock(folder, "companies.csv"):
    ...     sorted(p.name for p in folder.iterdir())
    ['.companies.csv.lock']
    """
    if fcntl is None:  # pragma: no cover
        yield
        return
    fd = os.open(Path(folder) / f".{name}.lock", os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def office_lock_file(path: str | Path) -> Path | None:
    """The lock file an office program keeps beside ``path`` while it has the file open
    (Microsoft Office's ``~$name``, LibreOffice's ``.~lock.name#``), or None.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "responses.xlsx"
    >>> office_lock_file(path) is None
    True
    >>> _ = (path.parent / "~$responses.xlsx").write_bytes(b"")
    >>> office_lock_file(path).name
    '~$responses.xlsx'
    """
    path = Path(path)
    places = [path] + ([_target(path)] if path.is_symlink() else [])
    for p in places:
        names = [f"~${p.name}", f".~lock.{p.name}#"]
        if len(p.name) > 2:
            names.append(f"~${p.name[2:]}")  # Word's form for long names
        for name in names:
            if (p.parent / name).exists():
                return p.parent / name
    return None
