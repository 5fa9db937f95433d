"""What the deck says, as plain data: the headline, the key figures, the things to discuss
and one :class:`SlideSpec` per key result, built from a company's report data.

Every number is formatted here with :func:`assessment.present.numbers.num` in the
report's language; chart values stay numbers (PowerPoint formats them). A lens without
enough evidence is neither charted nor given a figure: the deck says it is withheld.

>>> from assessment.present.report.core import build_report
>>> content = deck_content(build_report("data/sample", "pcmaker", lang="de"))
>>> print(content.headline)  # doctest: +NORMALIZE_WHITESPACE
Kundinnen und Kunden erleben Kundennähe, das Unternehmen ist aber auf Operative Exzellenz
ausgerichtet.
>>> [f.value for f in content.figures]
['4,41', '4,60', '+1,41']
"""

from __future__ import annotations

import math

from assessment.diagnosis.advice import recommend
from assessment.instrument.models import LENSES
from assessment.instrument.texts import text
from assessment.present.deck.results import (
    departments_slide,
    gaps_slide,
    profile_slide,
    roles_slide,
    triangle_slide,
)
from assessment.present.deck.spec import (
    DeckContent,
    KeyFigure,
    SlideSpec,
    lens_label,
    ranked,
    shown,
    t,
    verdict_phrase,
)
from assessment.present.numbers import num
from assessment.present.report.base import ReportBase
from assessment.scoring.quality import quality_summary

__all__ = ["DeckContent", "deck_content"]

DISCUSS = 3  # things to discuss on the executive summary


def _headline(rep: ReportBase) -> tuple[str, list[str]]:
    """The headline sentence and the caveats said with it (confidence, thin evidence)."""
    d, lang = rep.diagnosis, rep.lang
    if not rep.has_data:
        return t("headline.no_data", lang), []
    exp, setup = d.lenses["experience"], d.lenses["setup"]
    src = d.experience_source or "outside_in"
    experienced_by = text("findings", f"source_clause.{src}", lang)
    if d.lens_mismatch and exp.dominant and setup.dominant:
        head = t("headline.mismatch", lang, experienced_by=experienced_by,
                 experienced=rep.disc(exp.dominant), setup=rep.disc(setup.dominant))
    elif (exp.verdict == setup.verdict == "leader" and exp.leader == setup.leader
          and exp.leader is not None):
        head = t("headline.aligned", lang, experienced_by=experienced_by,
                 discipline=rep.disc(exp.leader))
    else:
        head = t("headline.lenses", lang, experience_lens=lens_label(rep, "experience"),
                 experience=verdict_phrase(rep, exp), setup_lens=rep.lens_name("setup"),
                 setup=verdict_phrase(rep, setup))
    caveats = []
    for lens in LENSES:
        lr = d.lenses[lens]
        if not lr.evidence.enough and lr.verdict != "no_data":
            caveats.append(t("headline.insufficient", lang, lens=lens_label(rep, lens),
                             group=lr.evidence.phrase(lang),
                             min=rep.instrument.thresholds.min_group_size))
        elif lr.tentative:
            caveats.append(t("headline.tentative", lang, lens=lens_label(rep, lens),
                             share=num(lr.confidence, ".0%", lang)))
    if src == "inside_out":
        caveats.append(t("headline.inside_out", lang))
    elif src == "team":
        caveats.append(t("headline.team", lang))
    return head, caveats


def _figures(rep: ReportBase) -> list[KeyFigure]:
    """Three key figures: the strongest discipline of each lens and the largest gap."""
    d, lang = rep.diagnosis, rep.lang
    minimum = rep.instrument.thresholds.min_group_size
    out = []
    for lens in LENSES:
        lr = d.lenses[lens]
        name = lens_label(rep, lens)
        if shown(lr):
            top = ranked(lr)[0]
            out.append(KeyFigure(num(lr.scores[top], ".2f", lang),
                                 t("figures.strongest", lang, discipline=rep.disc(top),
                                   lens=name), lr.evidence.phrase(lang)))
        else:
            out.append(KeyFigure(num(None), t("figures.withheld", lang, lens=name),
                                 t("figures.withheld_group", lang,
                                   group=lr.evidence.phrase(lang), min=minimum)))
    gaps = {k: v for k, v in (d.lens_gaps or {}).items()
            if v is not None and math.isfinite(v)}
    if gaps and all(shown(d.lenses[lens]) for lens in LENSES):
        big = max(gaps, key=lambda k: abs(gaps[k]))
        out.append(KeyFigure(num(gaps[big], "+.2f", lang),
                             t("figures.gap", lang, discipline=rep.disc(big)),
                             t("figures.versus", lang,
                               first=d.lenses["experience"].evidence.phrase(lang),
                               second=d.lenses["setup"].evidence.phrase(lang))))
    else:
        out.append(KeyFigure(num(None), t("figures.no_gap", lang),
                             t("figures.no_gap_value", lang)))
    return out


def _discuss(rep: ReportBase) -> list[str]:
    """The recommendations (:func:`assessment.diagnosis.advice.recommend`), then the
    actions of the headline findings no recommendation answers, three at most."""
    d, lang = rep.diagnosis, rep.lang
    recs = recommend(d)
    out = [r.text(lang, rep.instrument) for r in recs]
    answered = {code for r in recs for code in r.based_on}
    for f in d.top_findings():
        if len(out) >= DISCUSS:
            break
        if f.code not in answered:
            action = f.action(lang, rep.instrument)
            if action and action not in out:
                out.append(action)
    return out[:DISCUSS]


def _appendix(rep: ReportBase) -> tuple[list[list[str]], list[str]]:
    d, lang, th = rep.diagnosis, rep.lang, rep.instrument.thresholds
    rows = [[t(f"appendix.columns.{c}", lang) for c in ("lens", "basis", "verdict",
                                                        "confidence")]]
    for lens in LENSES:
        lr = d.lenses[lens]
        basis = lr.evidence.phrase(lang)
        if not lr.evidence.enough:
            basis += " – " + t("appendix.withheld", lang, min=th.min_group_size)
        conf = (t("appendix.no_resampling", lang) if lr.confidence is None
                else num(lr.confidence, ".0%", lang))
        rows.append([lens_label(rep, lens), basis, verdict_phrase(rep, lr), conf])
    quality = quality_summary(rep.rows("flags"), rep.rows("company_reliability"), th)
    dropped = rep.rows("dropped")
    n_dropped = int(dropped["n_dropped"].iloc[0]) if len(dropped) else 0
    notes = [t("appendix.respondents", lang, n=quality.get("respondents", 0),
               dropped=n_dropped),
             t("appendix.flags", lang, straight=quality.get("straight_lining", 0),
               contradictory=quality.get("contradictory", 0),
               excluded=t("appendix.excluded" if quality.get("excluded")
                          else "appendix.kept", lang))]
    low = [f"{lens_label(rep, lens)}: {rep.disc(disc)} ({num(cell['alpha'], '.2f', lang)})"
           for lens, cells in quality.get("alpha", {}).items() if lens in LENSES
           for disc, cell in cells.items()
           if cell.get("alpha") is not None and cell["alpha"] < th.min_alpha]
    notes.append(t("appendix.low_alpha", lang, min=num(th.min_alpha, ".2f", lang),
                   scales="; ".join(low)) if low
                 else t("appendix.alpha_ok", lang, min=num(th.min_alpha, ".2f", lang)))
    hidden = rep.hidden_departments()
    if len(hidden):
        notes.append(t("departments.hidden", lang, n=len(hidden), min=th.min_group_size))
    unsure = d.not_established()
    if unsure:
        notes.append(t("appendix.not_established", lang,
                       confidence=num(th.min_confidence, ".0%", lang),
                       titles="; ".join(dict.fromkeys(f.title(lang) for f in unsure))))
    notes.append(t("appendix.thresholds", lang, par=num(th.par, ".2f", lang),
                   excellence=num(th.excellence, ".2f", lang), min=th.min_group_size,
                   confidence=num(th.min_confidence, ".0%", lang),
                   version=rep.instrument.version))
    return rows, notes


def deck_content(rep: ReportBase) -> DeckContent:
    """Everything a company's deck says, from its report data.

    Parameters
    ----------
    rep : ReportBase
        The company's report (:func:`assessment.present.report.core.report_for`).

    Returns
    -------
    DeckContent

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> content = deck_content(build_report("data/sample", "pcmaker"))
    >>> [s.name for s in content.slides]
    ['profile', 'triangle', 'gaps', 'departments', 'roles']
    >>> content.discuss[0].startswith("Customers experience Customer intimacy")
    True
    """
    headline, caveats = _headline(rep)
    lenses = [lens for lens in LENSES if shown(rep.diagnosis.lenses[lens])]
    slides: list[SlideSpec | None] = []
    if lenses:
        slides += [profile_slide(rep, lenses), triangle_slide(rep, lenses)]
    if len(lenses) == len(LENSES):
        slides.append(gaps_slide(rep))
    if rep.has_data:
        slides += [departments_slide(rep), roles_slide(rep)]
    rows, notes = _appendix(rep)
    return DeckContent(rep.lang, rep.name, rep.wave, headline, caveats, _figures(rep),
                       _discuss(rep), [s for s in slides if s is not None], rows, notes)
