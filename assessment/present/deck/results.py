"""The key-result slides of the deck, each a headline, one chart and its so-what: the
profile by lens, the triangle, experience minus set-up (with the blind spot), the
departments shown and the customer roles against par. A lens without enough evidence is
never charted.

>>> from assessment.present.report.core import build_report
>>> slide = profile_slide(build_report("data/sample", "pcmaker"), ["experience", "setup"])
>>> slide.chart.kind, [name for name, _, _ in slide.chart.series]
('bar', ['Customer experience', 'Set-up'])
"""

from __future__ import annotations

import math

from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.present.deck.spec import (
    ChartSpec,
    SlideSpec,
    finding_title,
    lens_label,
    t,
    verdict_phrase,
)
from assessment.present.figures.triangle import ternary_shares, ternary_zoom
from assessment.present.numbers import num
from assessment.present.report.base import ReportBase
from assessment.present.theme import BLIND_COLOR, LENS_COLORS, OTHERS_COLOR, PAR_COLOR

__all__ = ["departments_slide", "gaps_slide", "profile_slide", "roles_slide",
           "triangle_slide", "triangle_xy"]

#: departments charted at most (more would not read on a slide)
MAX_DEPARTMENTS = 6
ROOT3 = math.sqrt(3.0) / 2


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


def profile_slide(rep: ReportBase, lenses: list[str]) -> SlideSpec:
    d, lang, th = rep.diagnosis, rep.lang, rep.instrument.thresholds
    series = [(lens_label(rep, lens), [d.lenses[lens].scores[k] for k in DISCIPLINES],
               LENS_COLORS[lens]) for lens in lenses]
    chart = ChartSpec("bar", [rep.disc(k) for k in DISCIPLINES], series,
                      axis_title=t("profile.par_axis", lang, par=num(th.par, ".2f", lang)),
                      minimum=rep.instrument.scale.min, maximum=rep.instrument.scale.max,
                      crosses_at=th.par,
                      flagged={lens_label(rep, lens): [k in d.lenses[lens].below_par
                                                       for k in DISCIPLINES]
                               for lens in lenses})
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
    headline = t("profile.headline", lang, experience_lens=lens_label(rep, "experience"),
                 experience=verdict_phrase(rep, d.lenses["experience"]),
                 setup_lens=rep.lens_name("setup"),
                 setup=verdict_phrase(rep, d.lenses["setup"]))
    return SlideSpec("profile", t("headings.profile", lang), headline, chart, so_what)


def triangle_slide(rep: ReportBase, lenses: list[str]) -> SlideSpec:
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
        name = lens_label(rep, lens)
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


def gaps_slide(rep: ReportBase) -> SlideSpec:
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
    headline = finding_title(rep, ("unbacked_promise", "unnoticed_capability",
                                    "blind_spot_overestimate", "blind_spot_underestimate")
                              ) or t("gaps.none", lang, gap=num(th.lens_gap, ".2f", lang))
    return SlideSpec("gaps", t("headings.gaps", lang), headline, chart, so_what)


def departments_slide(rep: ReportBase) -> SlideSpec | None:
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
    headline = (finding_title(rep, ("department_split",))
                or t("departments.aligned", lang))
    return SlideSpec("departments", t("headings.departments", lang), headline, chart,
                     so_what)


def roles_slide(rep: ReportBase) -> SlideSpec | None:
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
    headline = (finding_title(rep, codes) if codes else None) or t("roles.no_claim", lang)
    return SlideSpec("roles", t("headings.roles", lang), headline, chart, so_what)
