"""The workshop's texts, from the package's one text lookup
(:func:`assessment.instrument.texts.text`, book ``workshop``)."""

from __future__ import annotations

from assessment.instrument import texts
from assessment.instrument.models import LANGS
from assessment.workshop.errors import WorkshopError

__all__ = ["text"]


def text(key: str, lang: str = "en", **fmt: object) -> str:
    """A workshop text in ``lang`` (en, de, nl), with ``fmt`` filled in (plain text: the
    templates escape it).

    Examples
    --------
    >>> text("progress", "nl", answered=3, total=9)
    '3 / 9 beantwoord'
    """
    if lang not in LANGS:
        raise WorkshopError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    return texts.text("workshop", key, lang, **fmt)
