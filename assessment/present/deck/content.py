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
from dataclasses import dataclass, field
from typing import Any

from assessment.diagnosis.advice import recommend
from assessment.diagnosis.findings import LensResult
from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.instrument.texts import text
from assessment.present.figures.triangle import ternary_shares, ternary_zoom
from assessment.present.numbers import num
from assessment.present.report.base import ReportBase
from assessment.present.theme import BLIND_COLOR, LENS_COLORS, OTHERS_COLOR, PAR_COLOR
from assessment.scoring.quality import quality_summary

__all__ = ["ChartSpec", "DeckContent", "KeyFigure", "SlideSpec", "deck_content",
           "triangle_xy"]

DISCUSS = 3  # things to discuss on the executive summary
#: departments charted at most (more would not read on a slide)
MAX_DEPARTMENTS = 6
ROOT3 = math.sqrt(3.0) / 2


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
    colour); ``points`` are the labels of an XY series's points."""

    kind: str
    categories: list[str]
    series: list[tuple[str, list[float | None], str]]
    axis_title: str = ""
    number_format: str = "0.00"
    minimum: float | None = None
    maximum: float | None = None
    crosses_at: float | None = None
    points: dict[str, list[str]] = field(default_factory=dict)


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


def _ranked(lr: LensResult) -> list[str]:
    valid = {d: v for d, v in lr.scores.items() if v is not None and math.isfinite(v)}
    return sorted(valid, key=lambda d: -valid[d])


def shown(lr: LensResult) -> bool:
    """Whether a lens's scores may be shown: enough evidence and all three scores."""
    return lr.evidence.enough and len(_ranked(lr)) == len(DISCIPLINES)


def verdict_phrase(rep: ReportBase, lr: LensResult) -> str:
    """A lens's verdict as a short phrase ("leads with Customer intimacy").

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "mueller")
    >>> verdict_phrase(rep, rep.diagnosis.lenses["setup"])
    'strong in two disciplines, Operational excellence and Product leadership'
    """
    ranked = _ranked(lr)
    verdict = lr.verdict if len(ranked) == len(DISCIPLINES) or lr.verdict in (
        "insufficient_evidence", "no_data") else "no_data"
    vals: dict[str, str] = {}
    if ranked:
        lead = lr.leader or ranked[0]
        vals = {"discipline": rep.disc(lead), "top": rep.disc(ranked[0]),
                "first": rep.disc(ranked[0]),
                "second": rep.disc(ranked[1]) if len(ranked) > 1 else "",
                "below": ", ".join(rep.disc(d) for d in lr.below_par)}
    return t(f"verdict.{verdict}", rep.lang, **vals)


def _lens_label(rep: ReportBase, lens: str) -> str:
    if lens == "experience" and rep.diagnosis.experience_source == "inside_out":
        return rep.t("lens_experience_inside_out")
    return rep.lens_name(lens)


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
        head = t("headline.lenses", lang, experience_lens=_lens_label(rep, "experience"),
                 experience=verdict_phrase(rep, exp), setup_lens=rep.lens_name("setup"),
                 setup=verdict_phrase(rep, setup))
    caveats = []
    for lens in LENSES:
        lr = d.lenses[lens]
        if not lr.evidence.enough and lr.verdict != "no_data":
            caveats.append(t("headline.insufficient", lang, lens=_lens_label(rep, lens),
                             group=lr.evidence.phrase(lang),
                             min=rep.instrument.thresholds.min_group_size))
        elif lr.tentative:
            caveats.append(t("headline.tentative", lang, lens=_lens_label(rep, lens),
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
        name = _lens_label(rep, lens)
        if shown(lr):
            top = _ranked(lr)[0]
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


def triangle_xy(shares: dict[str, float], zoom: float = 0.0) -> tuple[float, float]:
    """A profile's place in the triangle drawn as an XY chart: customer intimacy at the
    bottom left (0, 0), product leadership at the bottom right (1, 0), operational
    excellence on top; ``zoom``: the share every corner starts from (see
    :func:`assessment.present.figures.triangle.ternary_zoom`).

    Examples
    --------
    >>> triangle_xy({"operational_excellence": 1.0, "customer_intimacy": 0.0,
    ...              "product_leadership": 0.0})
    (0.5, 0.866)
    >>> triangle_xy(dict.fromkeys(DISCIPLINES, 1 / 3), zoom=0.2)
    (0.5, 0.2887)
    """
    span = 1 - 3 * zoom
    a, c = ((shares[k] - zoom) / span for k in ("operational_excellence",
                                                  "product_leadership"))
    return round(c + a / 2, 4), round(a * ROOT3, 4)


def _profile_slide(rep: ReportBase, lenses: list[str]) -> SlideSpec:
    d, lang, th = rep.diagnosis, rep.lang, rep.instrument.thresholds
    series = [(_lens_label(rep, lens), [d.lenses[lens].scores[k] for k in DISCIPLINES],
               LENS_COLORS[lens]) for lens in lenses]
    chart = ChartSpec("bar", [rep.disc(k) for k in DISCIPLINES], series,
                      axis_title=t("profile.par_axis", lang, par=num(th.par, ".2f", lang)),
                      minimum=rep.instrument.scale.min, maximum=rep.instrument.scale.max,
                      crosses_at=th.par)
    below = sorted({k for lens in LENSES for k in d.lenses[lens].below_par},
                   key=DISCIPLINES.index)
    unknown = sorted({k for lens in LENSES for k in d.lenses[lens].par_unknown},
                     key=DISCIPLINES.index)
    so_what = [t("profile.how_to_read", lang, par=num(th.par, ".2f", lang),
                 excellence=num(th.excellence, ".2f", lang))]
    so_what.append(t("profile.below_par", lang, disciplines=", ".join(map(rep.disc, below)))
                   if below else t("profile.at_par", lang))
    if unknown:
        so_what.append(t("profile.par_unknown", lang,
                         disciplines=", ".join(map(rep.disc, unknown))))
    headline = t("profile.headline", lang, experience_lens=_lens_label(rep, "experience"),
                 experience=verdict_phrase(rep, d.lenses["experience"]),
                 setup_lens=rep.lens_name("setup"),
                 setup=verdict_phrase(rep, d.lenses["setup"]))
    return SlideSpec("profile", t("headings.profile", lang), headline, chart, so_what)


def _triangle_slide(rep: ReportBase, lenses: list[str]) -> SlideSpec:
    d, lang = rep.diagnosis, rep.lang
    shares = {lens: ternary_shares(d.lenses[lens].scores, rep.instrument.scale.min)
              for lens in lenses}
    zoom = ternary_zoom([s for s in shares.values() if s])
    corners = {"customer_intimacy": (0.0, 0.0), "product_leadership": (1.0, 0.0),
               "operational_excellence": (0.5, round(ROOT3, 4))}
    order = ["customer_intimacy", "product_leadership", "operational_excellence",
             "customer_intimacy"]
    outline = t("triangle.outline", lang)
    series: list[tuple[str, list, str]] = [(outline, [corners[k] for k in order],
                                            OTHERS_COLOR)]
    points = {outline: [rep.disc(k) for k in order[:3]] + [""]}
    for lens in lenses:
        name = _lens_label(rep, lens)
        series.append((name, [triangle_xy(shares[lens], zoom)], LENS_COLORS[lens]))
        points[name] = [name]
    chart = ChartSpec("xy", [], series, minimum=-0.1, maximum=1.1, points=points)
    if len(lenses) < len(LENSES):
        headline = t("triangle.one_lens", lang)
    elif d.lens_mismatch:
        headline = t("triangle.apart", lang)
    else:
        headline = t("triangle.together", lang)
    return SlideSpec("triangle", t("headings.triangle", lang), headline, chart,
                     [t("triangle.how_to_read", lang)])


def _finding_title(rep: ReportBase, codes: tuple[str, ...]) -> str | None:
    for f in rep.diagnosis.top_findings(len(rep.diagnosis.findings)):
        if f.code in codes:
            return f.title(rep.lang)
    return None


def _gaps_slide(rep: ReportBase) -> SlideSpec:
    d, lang, th = rep.diagnosis, rep.lang, rep.instrument.thresholds
    series = [(t("gaps.series_gap", lang), [d.lens_gaps.get(k) for k in DISCIPLINES],
               LENS_COLORS["experience"])]
    so_what = [t("gaps.how_to_read", lang, gap=num(th.lens_gap, ".2f", lang))]
    if d.blind_spots:
        series.append((t("gaps.series_blind", lang),
                       [d.blind_spots.get(k) for k in DISCIPLINES], BLIND_COLOR))
        so_what.append(t("gaps.blind_how_to_read", lang,
                         gap=num(th.blind_spot_gap, ".2f", lang)))
    chart = ChartSpec("bar", [rep.disc(k) for k in DISCIPLINES], series,
                      axis_title=t("gaps.axis", lang), number_format="+0.00;-0.00;0.00")
    headline = _finding_title(rep, ("unbacked_promise", "unnoticed_capability",
                                    "blind_spot_overestimate", "blind_spot_underestimate")
                              ) or t("gaps.none", lang, gap=num(th.lens_gap, ".2f", lang))
    return SlideSpec("gaps", t("headings.gaps", lang), headline, chart, so_what)


def _departments_slide(rep: ReportBase) -> SlideSpec | None:
    dept = rep.departments()
    if dept.empty:
        return None
    lang = rep.lang
    names = rep.department_names[:MAX_DEPARTMENTS]
    means = {(a, b): m for a, b, m in zip(dept["department"], dept["discipline"],
                                          dept["mean"], strict=True)}
    palette = ["#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#0072B2", "#D55E00"]
    series = [(name, [float(means[(name, k)]) if (name, k) in means else None
                      for k in DISCIPLINES], palette[i % len(palette)])
              for i, name in enumerate(names)]
    th = rep.instrument.thresholds
    chart = ChartSpec("bar", [rep.disc(k) for k in DISCIPLINES], series,
                      axis_title=t("profile.par_axis", lang, par=num(th.par, ".2f", lang)),
                      minimum=rep.instrument.scale.min, maximum=rep.instrument.scale.max,
                      crosses_at=th.par)
    so_what = [t("departments.how_to_read", lang)]
    hidden = rep.hidden_departments()
    if len(hidden):
        so_what.append(t("departments.hidden", lang, n=len(hidden), min=th.min_group_size))
    headline = (_finding_title(rep, ("department_split",))
                or t("departments.aligned", lang))
    return SlideSpec("departments", t("headings.departments", lang), headline, chart,
                     so_what)


def _roles_slide(rep: ReportBase) -> SlideSpec | None:
    integ = rep.integration
    if integ is None:
        return None
    roles = {k: v for k, v in integ.roles.items() if v is not None and math.isfinite(v)}
    if len(roles) < 3:
        return None
    lang, par = rep.lang, rep.instrument.thresholds.par
    inst = rep.integration_instrument
    keys = [k for k in inst.roles if k in roles]
    labels = [getattr(inst.roles[k].label, lang) for k in keys]
    chart = ChartSpec("radar", labels, [
        (t("roles.series", lang), [roles[k] for k in keys], LENS_COLORS["experience"]),
        (t("roles.par", lang), [float(par)] * len(keys), PAR_COLOR)],
        minimum=rep.instrument.scale.min, maximum=rep.instrument.scale.max)
    so_what = [t("roles.how_to_read", lang, par=num(par, ".2f", lang))]
    if integ.claimed and integ.needed_roles and integ.needed_score is not None:
        so_what.append(t("roles.needed", lang, discipline=rep.disc(integ.claimed),
                         roles=", ".join(getattr(inst.roles[k].label, lang)
                                         for k in integ.needed_roles if k in inst.roles),
                         score=num(integ.needed_score, ".2f", lang),
                         par=num(par, ".2f", lang)))
    codes = tuple(integ.codes)
    headline = (_finding_title(rep, codes) if codes else None) or t("roles.no_claim", lang)
    return SlideSpec("roles", t("headings.roles", lang), headline, chart, so_what)


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
        rows.append([_lens_label(rep, lens), basis, verdict_phrase(rep, lr), conf])
    quality = quality_summary(rep.rows("flags"), rep.rows("company_reliability"), th)
    dropped = rep.rows("dropped")
    n_dropped = int(dropped["n_dropped"].iloc[0]) if len(dropped) else 0
    notes = [t("appendix.respondents", lang, n=quality.get("respondents", 0),
               dropped=n_dropped),
             t("appendix.flags", lang, straight=quality.get("straight_lining", 0),
               contradictory=quality.get("contradictory", 0),
               excluded=t("appendix.excluded" if quality.get("excluded")
                          else "appendix.kept", lang))]
    low = [f"{_lens_label(rep, lens)}: {rep.disc(disc)} ({num(cell['alpha'], '.2f', lang)})"
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
        slides += [_profile_slide(rep, lenses), _triangle_slide(rep, lenses)]
    if len(lenses) == len(LENSES):
        slides.append(_gaps_slide(rep))
    if rep.has_data:
        slides += [_departments_slide(rep), _roles_slide(rep)]
    rows, notes = _appendix(rep)
    return DeckContent(rep.lang, rep.name, rep.wave, headline, caveats, _figures(rep),
                       _discuss(rep), [s for s in slides if s is not None], rows, notes)
