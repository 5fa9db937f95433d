"""Report labels: :func:`assessment.instrument.texts.text` on the report book, where a key
without a dot names an entry under ``labels``.

    >>> label("headings.profile", "en")
    'Value-discipline profile'
"""

from __future__ import annotations

from typing import Any

from assessment.instrument.texts import text


def label(key: str, lang: str = "en", **fmt: Any) -> str:
    """A report text in ``lang``, formatted with ``fmt`` (plain text, not escaped).

    ``key`` is a dotted path into ``report_texts.yaml`` (``"headings.profile"``); a key
    without a dot is looked up under ``labels``.

    >>> label("lens_setup", "de")
    'Aufstellung'
    """
    return text("report", key if "." in key else f"labels.{key}", lang, **fmt)
