"""The consultancy's branding of reports, PDFs and decks, read from a small YAML file.

A brand file names the consultancy, an optional logo (PNG or JPEG, which HTML,
Chromium's PDF and PowerPoint all show), two accent colours and the
confidentiality line printed in every page footer and slide. The package's
default is ``present/brand.yaml``; ``python -m assessment reports --brand FILE``
uses another. Every problem of a file is reported at once, with the file and the
field.

    >>> brand = load_brand()
    >>> brand.accent, brand.logo is None
    ('#1F3A5F', True)
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from assessment.exceptions import AssessmentError

__all__ = ["Brand", "BrandError", "DEFAULT_BRAND", "load_brand"]

DEFAULT_BRAND = Path(__file__).with_name("brand.yaml")
LANGUAGES = ("en", "de", "nl")
LOGO_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
MAX_LOGO_BYTES = 2 * 1024 * 1024
FIELDS = ("consultancy", "logo", "accent", "accent_secondary", "confidentiality")


class BrandError(AssessmentError):
    """A brand file that cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Brand:
    """The branding every deliverable uses.

    Attributes
    ----------
    consultancy : str
        The consultancy's name.
    accent, accent_secondary : str
        Colours as ``#RRGGBB``.
    confidentiality : dict of str to str
        The confidentiality line per language (``en``, ``de``, ``nl``).
    logo : pathlib.Path or None
        A PNG or JPEG file.
    """

    consultancy: str
    accent: str
    accent_secondary: str
    confidentiality: dict[str, str] = field(default_factory=dict)
    logo: Path | None = None

    def confidentiality_line(self, lang: str) -> str:
        """The confidentiality line in ``lang`` (English when that language has none).

        Examples
        --------
        >>> load_brand().confidentiality_line("de").startswith("Vertraulich")
        True
        """
        return self.confidentiality.get(lang) or self.confidentiality.get("en", "")

    @property
    def logo_mime(self) -> str | None:
        """``image/png`` or ``image/jpeg`` for the logo, None without one."""
        if self.logo is None:
            return None
        head = self.logo.read_bytes()[:8]
        return next(mime for magic, mime in LOGO_TYPES.items() if head.startswith(magic))

    def logo_data_uri(self) -> str | None:
        """The logo as a ``data:`` URI for a self-contained HTML page, None without one.

        Examples
        --------
        >>> load_brand().logo_data_uri() is None
        True
        """
        if self.logo is None:
            return None
        data = base64.b64encode(self.logo.read_bytes()).decode("ascii")
        return f"data:{self.logo_mime};base64,{data}"


def _colour(value: Any, name: str, problems: list[str]) -> str:
    text = str(value) if value is not None else ""
    if len(text) == 7 and text[0] == "#" and all(c in "0123456789abcdefABCDEF" for c in text[1:]):
        return text.upper()
    problems.append(f"{name}: {value!r} is not a colour; expected #RRGGBB, e.g. '#1F3A5F'")
    return "#000000"


def _logo(value: Any, base: Path, problems: list[str]) -> Path | None:
    if value is None:
        return None
    path = (base / str(value)).resolve()
    if not path.is_file():
        problems.append(f"logo: {str(value)!r} is not a file (looked for {path})")
        return None
    if path.stat().st_size > MAX_LOGO_BYTES:
        problems.append(f"logo: {path.name} is {path.stat().st_size:,} bytes; expected at "
                        f"most {MAX_LOGO_BYTES:,} (a logo is embedded in every page and slide)")
        return None
    head = path.read_bytes()[:8]
    if not any(head.startswith(magic) for magic in LOGO_TYPES):
        problems.append(f"logo: {path.name} is not a PNG or JPEG file (PowerPoint and PDF "
                        "need one of these)")
        return None
    return path


def _texts(value: Any, name: str, problems: list[str]) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGUAGES, value.strip())
    if isinstance(value, dict) and value:
        unknown = sorted(str(k) for k in value if k not in LANGUAGES)
        if unknown:
            problems.append(f"{name}: unknown language(s) {', '.join(unknown)}; expected "
                            f"{', '.join(LANGUAGES)}")
        bad = sorted(str(k) for k, v in value.items() if not isinstance(v, str) or not v.strip())
        if bad:
            problems.append(f"{name}: the text for {', '.join(bad)} is empty or not text")
        return {str(k): str(v).strip() for k, v in value.items() if k in LANGUAGES}
    problems.append(f"{name}: expected a text or one text per language ({', '.join(LANGUAGES)})")
    return {}


def load_brand(path: str | Path | None = None) -> Brand:
    """Read and check a brand file; the package's default without a path.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A brand YAML file (see ``present/brand.yaml`` for the fields).

    Returns
    -------
    Brand

    Raises
    ------
    BrandError
        Naming the file and every field that is missing, unknown or invalid.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     bad = pathlib.Path(tmp, "brand.yaml")
    ...     _ = bad.write_text("consultancy: Acme\\naccent: blue\\n")
    ...     try:
    ...         load_brand(bad)
    ...     except BrandError as error:
    ...         print(str(error).splitlines()[1])
      accent: 'blue' is not a colour; expected #RRGGBB, e.g. '#1F3A5F'
    """
    file = Path(path) if path is not None else DEFAULT_BRAND
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise BrandError(f"brand file {file}: cannot be read ({error.strerror or error})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise BrandError(f"brand file {file}: not valid YAML ({error})") from None
    if not isinstance(raw, dict):
        raise BrandError(f"brand file {file}: expected the fields {', '.join(FIELDS)}")
    default = yaml.safe_load(DEFAULT_BRAND.read_text(encoding="utf-8"))
    problems: list[str] = []
    unknown = sorted(str(k) for k in raw if k not in FIELDS)
    if unknown:
        problems.append(f"unknown field(s) {', '.join(unknown)}; expected {', '.join(FIELDS)}")
    merged = {**default, **raw}
    consultancy = merged.get("consultancy")
    if not isinstance(consultancy, str) or not consultancy.strip():
        problems.append("consultancy: expected the consultancy's name as text")
        consultancy = ""
    brand = Brand(
        consultancy=consultancy.strip(),
        accent=_colour(merged.get("accent"), "accent", problems),
        accent_secondary=_colour(merged.get("accent_secondary"), "accent_secondary", problems),
        confidentiality=_texts(merged.get("confidentiality"), "confidentiality", problems),
        logo=_logo(raw.get("logo"), file.parent, problems),
    )
    if problems:
        raise BrandError("\n  ".join([f"brand file {file}: {len(problems)} problem(s)"] + problems))
    return brand
