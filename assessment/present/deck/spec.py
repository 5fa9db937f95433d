"""The deck's plain data and shared wording: what a slide holds (:class:`SlideSpec`,
:class:`ChartSpec`), the deck as a whole (:class:`DeckContent`), the deck's texts (:func:`t`)
and a lens's verdict as a short phrase.

>>> t("headings.summary", "de")
'Das Wichtigste in Kürze'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from assessment.diagnosis.findings import LensResult
from assessment.instrument.models import DISCIPLINES
from assessment.instrument.texts import text
from assessment.present.report.base import ReportBase

__all__ = ["ChartSpec", "DeckContent", "KeyFigure", "SlideSpec", "finding_title",
           "lens_label", "ranked", "shown", "t", "verdict_phrase"]


def t(key: str, lang: str, **fmt: Any) -> str:
    """A deck text (``instrument/deck_texts.yaml``) in ``lang``.

    Examples
    --------
    >>> t("headings.summary", "nl")
    'Managementsamenvatting'
    """
    return text("deck", key, lang, **fmt)


@dataclass
class KeyFigure:
    """A number on the executive summary with what it is and the group it rests on."""

    value: str
    label: str
    group: str


@dataclass
class ChartSpec:
    """A native chart: ``kind`` ``bar``, ``xy`` or ``radar``; series are (name, values,
    colour); ``points`` are the labels of an XY series's points, ``flagged`` the bars
    outlined in the par colour."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float | None], str]]
    axis_title: str = ""
    number_format: str = "0.00"
    minimum: float | None = None
    maximum: float | None = None
    crosses_at: float | None = None
    points: dict[str, list[str]] = field(default_factory=dict)
    #: series name -> per category, whether the bar is outlined as flagged (below par)
    flagged: dict[str, list[bool]] = field(default_factory=dict)


@dataclass
class SlideSpec:
    """A key-result slide: title, headline (the message), chart and so-what lines."""

    name: str
    title: str
    headline: str
    chart: ChartSpec
    so_what: list[str]


@dataclass
class DeckContent:
    """Everything one company's deck says, texts in ``lang``."""

    lang: str
    company: str
    wave: str
    headline: str
    caveats: list[str]
    figures: list[KeyFigure]
    discuss: list[str]
    slides: list[SlideSpec]
    appendix_rows: list[list[str]]
    appendix_notes: list[str]


def ranked(lr: LensResult) -> list[str]:
    valid = {d: v for d, v in lr.scores.items() if v is not None and math.isfinite(v)}
    return sorted(valid, key=lambda d: -valid[d])


def shown(lr: LensResult) -> bool:
    """Whether a lens's scores may be shown: enough evidence and all three scores."""
    return lr.evidence.enough and len(ranked(lr)) == len(DISCIPLINES)


def verdict_phrase(rep: ReportBase, lr: LensResult) -> str:
    """A lens's verdict as a short phrase ("leads with Customer intimacy").

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "mueller")
    >>> verdict_phrase(rep, rep.diagnosis.lenses["setup"])
    'strong in two disciplines, Operational excellence and Product leadership'
    """
    order = ranked(lr)
    verdict = lr.verdict if len(order) == len(DISCIPLINES) or lr.verdict in (
        "insufficient_evidence", "no_data") else "no_data"
    vals: dict[str, str] = {}
    if order:
        lead = lr.leader or order[0]
        vals = {"discipline": rep.disc(lead), "top": rep.disc(order[0]),
                "first": rep.disc(order[0]),
                "second": rep.disc(order[1]) if len(order) > 1 else "",
                "below": ", ".join(rep.disc(d) for d in lr.below_par)}
    return t(f"verdict.{verdict}", rep.lang, **vals)


def lens_label(rep: ReportBase, lens: str) -> str:
    if lens == "experience" and rep.diagnosis.experience_source == "inside_out":
        return rep.t("lens_experience_inside_out")
    return rep.lens_name(lens)



def finding_title(rep: ReportBase, codes: tuple[str, ...]) -> str | None:
    """The title of the most important established finding with one of ``codes``.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> finding_title(build_report("data/sample", "pcmaker"), ("unbacked_promise",))
    'Promise not backed by the set-up'
    """
    for f in rep.diagnosis.top_findings(len(rep.diagnosis.findings)):
        if f.code in codes:
            return f.title(rep.lang)
    return None
