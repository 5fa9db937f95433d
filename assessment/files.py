"""Safe file names and atomic writes: no half-written output, no path from untrusted text."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path

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
        When two ids would write the same file.

    Examples
    --------
    >>> unique_slugs(["shoes", "../b"])
    {'shoes': 'shoes', '../b': 'b-442f02a0'}
    """
    out = {str(i): company_slug(str(i)) for i in ids}
    if len(set(out.values())) != len(out):
        raise ValueError("two company ids map to the same report file name")
    return out


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_FILE_MODE = 0o666 & ~_current_umask()  # what open() would give (mkstemp gives 0600)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename.

    The temporary file is flushed to disk before it replaces ``path``, and removed when
    anything fails, so ``path`` holds either its old or its new content, never a part.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.bin"
    >>> atomic_write_bytes(target, b"done")
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'done', ['out.bin'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), _FILE_MODE)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
