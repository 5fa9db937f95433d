"""The editable PowerPoint deck of one company (``python -m assessment reports DATASET
--pptx``): a title slide, the executive summary, one slide per key result with a native
chart, and an appendix on what the results rest on.

:func:`deck_bytes` makes the file's bytes, :func:`write_deck` writes ``<slug>.pptx``
atomically. What the deck says comes from the same diagnosis and scores as the report
and ``summary.json``: :mod:`~assessment.present.deck.content` (headline, key figures,
things to discuss, appendix), :mod:`~assessment.present.deck.results` (the key-result
slides) and :mod:`~assessment.present.deck.spec` (their plain data and texts). The slides
(:mod:`~assessment.present.deck.build`) use python-pptx's public API only, with charts
(:mod:`~assessment.present.deck.charts`) PowerPoint can edit.

>>> import tempfile, pathlib
>>> from pptx import Presentation
>>> from assessment.present.report.core import build_report
>>> out = pathlib.Path(tempfile.mkdtemp()) / "shoes.pptx"
>>> write_deck(build_report("data/sample", "shoes", lang="nl"), out) == out
True
>>> len(Presentation(str(out)).slides)
8
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from assessment.files import atomic_write_bytes
from assessment.present.brand import Brand, load_brand
from assessment.present.deck.build import build_deck
from assessment.present.deck.content import DeckContent, deck_content
from assessment.present.report.base import ReportBase

__all__ = ["DeckContent", "build_deck", "deck_bytes", "deck_content", "write_deck"]


def deck_bytes(rep: ReportBase, brand: Brand | None = None, when: dt.date | None = None
               ) -> bytes:
    """The company's deck as the bytes of a ``.pptx`` file.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> deck_bytes(build_report("data/sample", "chips"))[:2]
    b'PK'
    """
    buffer = io.BytesIO()
    build_deck(rep, brand or load_brand(), when).save(buffer)
    return buffer.getvalue()


def write_deck(rep: ReportBase, path: str | Path, brand: Brand | None = None,
               when: dt.date | None = None) -> Path:
    """Write the company's deck to ``path`` (a temporary file, then a rename).

    Parameters
    ----------
    rep : ReportBase
        The company's report data (:func:`assessment.present.report.core.report_for`),
        in the deck's language.
    path : str or pathlib.Path
        The ``.pptx`` file to write.
    brand : Brand, optional
        The branding (default: the package's, :func:`assessment.present.brand.load_brand`).
    when : datetime.date, optional
        The date on the title slide (default: today).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    target = Path(path)
    atomic_write_bytes(target, deck_bytes(rep, brand, when))
    return target
