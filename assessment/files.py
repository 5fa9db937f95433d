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


def slugify(text: str, max_len: int = 60) -> str:
    """A safe, non-empty file-name stem from untrusted text (ASCII letters, digits, '-')."""
    norm = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", norm.lower()).strip("-")[:max_len].strip("-")
    if not slug or slug in _RESERVED:
        digest = hashlib.sha1(str(text).encode("utf-8")).hexdigest()[:8]
        slug = f"{slug or 'company'}-{digest}"
    return slug


def company_slug(company_id: str) -> str:
    """The report file stem of a company id: the id itself when it is already a safe slug,
    otherwise its slug plus a short hash of the id, so two different ids never share a file."""
    slug = slugify(company_id)
    if slug == company_id:
        return slug
    return f"{slug[:51]}-{hashlib.sha1(str(company_id).encode('utf-8')).hexdigest()[:8]}"


def unique_slugs(ids: Iterable[str]) -> dict[str, str]:
    """Map each id to its :func:`company_slug`, checking that no two ids share one."""
    out = {str(i): company_slug(str(i)) for i in ids}
    if len(set(out.values())) != len(out):
        raise ValueError("two company ids map to the same report file name")
    return out


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))
