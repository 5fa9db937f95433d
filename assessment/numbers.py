"""Numbers and dates in the reader's language, through Babel (a leaf module: the text
books format their numbers with it too, :func:`format_text`).

One function formats every number a reader sees (report, portfolio page, deck,
workshop): ``num(3.456, ".2f", "de")`` gives ``'3,46'``. The format spec is the
small subset of Python's format mini-language the pages use (``.2f``, ``+.2f``,
``.0f``, ``.0%``, ``+.1%``); Babel turns it into the locale's decimal sign,
grouping and percent sign (German and Dutch write ``88 %``).

    >>> num(3.456, ".2f", "de"), num(3.456, ".2f", "en"), num(-0.25, "+.2f", "nl")
    ('3,46', '3.46', '-0,25')
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
import string
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent

__all__ = ["MISSING", "num", "num_range", "date", "format_field", "format_text"]

MISSING = "–"  # what a missing number shows

_SPEC = re.compile(r"(?P<sign>\+)?\.(?P<digits>\d)(?P<kind>[f%])")


@lru_cache(maxsize=64)
def _pattern(spec: str, lang: str) -> tuple[str, str]:
    match = _SPEC.fullmatch(spec)
    if match is None:
        raise ValueError(f"unsupported number format {spec!r}: expected for example "
                         "'.2f', '+.2f', '.0%'")
    digits = int(match["digits"])
    body = "#,##0" + ("." + "0" * digits if digits else "")
    if match["kind"] == "%":
        # the locale's own percent pattern (its spacing and sign placement), with
        # the requested number of decimals
        locale_pattern = Locale.parse(lang).percent_formats[None].pattern
        body = locale_pattern.split(";")[0].replace("#,##0", body, 1)
    pattern = f"+{body};-{body}" if match["sign"] else body
    return pattern, match["kind"]


def num(value: object, spec: str = ".2f", lang: str = "en") -> str:
    """Format a number with ``spec`` in language ``lang``; "–" when it is missing.

    Parameters
    ----------
    value : object
        A number (anything ``float()`` accepts); None, NaN, infinities and text
        that is no number give :data:`MISSING`.
    spec : str
        ``.Nf`` (N decimals), ``.N%`` (a share as percent), each optionally with a
        leading ``+`` that signs positive numbers too.
    lang : str
        A Babel locale name, ``"en"``, ``"de"`` or ``"nl"``.

    Returns
    -------
    str
        The formatted number.

    Examples
    --------
    >>> num(0.875, ".0%"), num(0.875, ".0%", "de"), num(1234.5, ".1f", "de")
    ('88%', '88\\xa0%', '1.234,5')
    >>> num(0.1234, "+.2f"), num(float("nan")), num(None), num("x")
    ('+0.12', '–', '–', '–')
    """
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return MISSING
    if not math.isfinite(v):
        return MISSING
    return _formatted(v, math.copysign(1.0, v), spec, lang)


@lru_cache(maxsize=4096)
def _formatted(v: float, sign: float, spec: str, lang: str) -> str:
    """Babel's text of the finite number ``v`` (``sign`` keeps -0.0 apart from 0.0 in the
    cache: Babel writes ``-0.00``): a text names the same numbers several times, and
    Babel takes a tenth of a millisecond per number."""
    pattern, kind = _pattern(spec, lang)
    if kind == "%":
        return format_percent(v, format=pattern, locale=_locale(lang))
    return format_decimal(v, format=pattern, locale=_locale(lang))


@lru_cache(maxsize=16)
def _locale(lang: str) -> Locale:
    """The Babel locale of ``lang``, parsed once (Babel loads a locale's data for each
    locale object)."""
    return Locale.parse(lang)


def num_range(pair: tuple[object, object], spec: str = ".2f", lang: str = "en") -> str:
    """``low – high`` of a pair of numbers; "–" when the low end is missing.

    Examples
    --------
    >>> num_range((2.5, 3.75)), num_range((2.5, 3.75), lang="nl"), num_range((None, 3.0))
    ('2.50 – 3.75', '2,50 – 3,75', '–')
    """
    low, high = pair
    if num(low, spec, lang) == MISSING:
        return MISSING
    return f"{num(low, spec, lang)} – {num(high, spec, lang)}"


def date(value: dt.date, lang: str = "en") -> str:
    """A date written out in the reader's language (Babel's long format).

    Examples
    --------
    >>> import datetime as dt
    >>> day = dt.date(2026, 11, 30)
    >>> date(day), date(day, "de"), date(day, "nl")
    ('November 30, 2026', '30. November 2026', '30 november 2026')
    """
    return format_date(value, format="long", locale=lang)


def format_field(value: Any, spec: str, lang: str = "en") -> str:
    """One ``{placeholder:spec}`` of a text: a number with a spec :func:`num` knows in
    the reader's language, anything else as ``format`` writes it.

    Examples
    --------
    >>> format_field(3.456, ".2f", "de"), format_field(7, "", "de"), format_field("x", "", "nl")
    ('3,46', '7', 'x')
    """
    if (spec and isinstance(value, numbers.Real) and not isinstance(value, bool)
            and _SPEC.fullmatch(spec)):
        return num(value, spec, lang)
    return format(value, spec)


class _Formatter(string.Formatter):
    """``str.format`` whose numbers are written in one language."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        return format_field(value, format_spec, self.lang)


@lru_cache(maxsize=8)
def _formatter(lang: str) -> _Formatter:
    return _Formatter(lang)


_CONVERT = {None: lambda v: v, "s": str, "r": repr, "a": ascii}


@lru_cache(maxsize=1024)
def _plan(template: str) -> tuple[tuple[str, str | None, str, str | None], ...] | None:
    """The template's parts as ``string.Formatter().parse`` gives them, parsed once; None
    when a field is more than a plain name (an index, an attribute, a nested field in its
    spec): those templates go through :class:`string.Formatter` itself."""
    parts = tuple(string.Formatter().parse(template))
    for _, name, spec, conversion in parts:
        if name is not None and (not name.isidentifier() or "{" in spec
                                 or conversion not in _CONVERT):
            return None
    return parts


def format_text(template: str, lang: str = "en", /, **fmt: Any) -> str:
    """``template.format(**fmt)`` with its numbers in the reader's language.

    Examples
    --------
    >>> format_text("{lens}: {score:.2f} ({share:.0%})", "nl", lens="Inrichting",
    ...             score=4.6, share=0.97)
    'Inrichting: 4,60 (97%)'
    >>> format_text("{{n}} = {n!r:>4} of {items[0]}", "en", n=7, items=["x"])
    '{n} =    7 of x'
    """
    plan = _plan(template)
    if plan is None:
        return _formatter(lang).vformat(template, (), fmt)
    out = []
    for literal, name, spec, conversion in plan:
        out.append(literal)
        if name is not None:
            out.append(format_field(_CONVERT[conversion](fmt[name]), spec, lang))
    return "".join(out)
