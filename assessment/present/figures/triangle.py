"""The discipline triangle: where a company's profile leans, as set up and as experienced,
for one company (section 3 of the report) and for the whole portfolio.

A lens profile is placed by its shares (:func:`ternary_shares`): operational excellence on
top, customer intimacy on the left, product leadership on the right.

    >>> ternary_shares({"operational_excellence": 3.0, "customer_intimacy": 3.0,
    ...                 "product_leadership": 1.0}, 1)["customer_intimacy"]
    0.5
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from markupsafe import escape

from assessment.diagnosis.findings import Diagnosis
from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.present.figures.base import (
    discipline_name,
    empty,
    experience_source,
    lens_name,
    lens_rows,
    number,
    report_text,
    style,
)
from assessment.present.figures.chart import Chart, trace
from assessment.present.figures.portfolio import many_num
from assessment.present.theme import (
    ARROW_COLOR,
    ARROW_HEAD_COLOR,
    LENS_COLORS,
    MARK_COLOR,
    OUTLINE_COLOR,
    SMALL_SIZE,
    TERNARY_BG_COLOR,
    TERNARY_GRID_COLOR,
    TEXT_COLOR,
)

#: the ternary axis of each discipline
TERNARY_KEYS = {"operational_excellence": "a", "customer_intimacy": "b",
                "product_leadership": "c"}


def ternary_shares(scores: Mapping[str, float], scale_min: float) -> dict[str, float] | None:
    """Each discipline's share of a lens profile: ``(score - min) / sum(score - min)``.

    Scores are measured from the bottom of the answer scale, not from zero, so that the
    differences between disciplines show (from zero, 4.5 / 3.0 / 3.0 on a 1-5 scale would be
    0.43 / 0.29 / 0.29; from the scale minimum it is 0.47 / 0.27 / 0.27). A profile at the
    scale minimum everywhere sits in the centre. None when a score is missing.

    >>> shares = ternary_shares({"operational_excellence": 4.5, "customer_intimacy": 3.0,
    ...                          "product_leadership": 3.0}, 1)
    >>> [round(v, 2) for v in shares.values()]
    [0.47, 0.27, 0.27]
    """
    vals = {d: number(scores.get(d)) for d in DISCIPLINES}
    if not all(np.isfinite(v) for v in vals.values()):
        return None
    above = {d: max(v - scale_min, 0.0) for d, v in vals.items()}
    total = sum(above.values())
    if total <= 0:
        return dict.fromkeys(DISCIPLINES, 1 / 3)
    return {d: v / total for d, v in above.items()}


def ternary_zoom(shares: list[dict[str, float]]) -> float:
    """The common minimum of the three ternary axes that zooms in on the points.

    Real profiles sit near the centre (shares of 0.2 to 0.5), so the full triangle wastes
    most of its area. All three axes start at the same value ``m`` (a multiple of 0.05,
    at most 0.2, with a margin of 0.05 below the smallest share), which keeps the centre
    in the centre and the corners meaning "this discipline dominates".

    >>> round(ternary_zoom([{"a": 0.3, "b": 0.32, "c": 0.38}]), 2)
    0.2
    """
    lowest = min((min(sh.values()) for sh in shares), default=0.0)
    m = np.floor((lowest - 0.05) / 0.05) * 0.05
    return float(min(max(m, 0.0), 0.2))


def _ternary_layout(fig: Chart, inst: Instrument, lang: str, zoom: float = 0.0) -> None:
    axis = dict(min=zoom, linewidth=1.5, showticklabels=False, ticks="", dtick=0.1,
                gridcolor=TERNARY_GRID_COLOR, showgrid=True)
    fig.update_layout(ternary=dict(
        sum=1, bgcolor=TERNARY_BG_COLOR,
        **{f"{key}axis": dict(title=dict(text=discipline_name(inst, d, lang)), **axis)
           for d, key in TERNARY_KEYS.items()},
    ))


def _xy(shares: dict[str, float]) -> tuple[float, float]:
    """Screen position of ternary shares (a = OE on top, b = CI left, c = PL right)."""
    a, c = shares["operational_excellence"], shares["product_leadership"]
    return 0.5 * a + c, a * np.sqrt(3) / 2


def _away(frm: dict[str, float], to: dict[str, float]) -> str:
    """A text position on the side of ``frm`` that faces away from ``to``."""
    (x0, y0), (x1, y1) = _xy(frm), _xy(to)
    dx, dy = x0 - x1, y0 - y1
    if abs(dy) >= abs(dx) * 0.6:
        return "top center" if dy > 0 else "bottom center"
    return "middle right" if dx > 0 else "middle left"


def _centre_trace(lang: str) -> dict:
    return trace("scatterternary",
        a=[1 / 3], b=[1 / 3], c=[1 / 3], mode="markers", showlegend=False,
        marker=dict(symbol="x-thin", size=12, line=dict(width=2, color=MARK_COLOR)),
        hovertext=[report_text("triangle_centre", lang)], hoverinfo="text", name="centre")


def _share_hover(inst: Instrument, lang: str, shares: dict[str, float],
                 scores: Mapping[str, float]) -> str:
    return "<br>".join(f"{discipline_name(inst, d, lang)}: {many_num(shares[d], '.0%', lang)} "
                       f"({many_num(scores[d], '.2f', lang)})" for d in DISCIPLINES)


def _axes_of(points: list[dict[str, float]]) -> dict[str, list[float]]:
    """Shares as the ternary traces' ``a``, ``b`` and ``c``."""
    return {key: [p[d] for p in points] for d, key in TERNARY_KEYS.items()}


def triangle_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                   title: str | None = None) -> Chart:
    """A ternary chart: the company as set up and as experienced, an arrow between them.

    Each lens is placed by :func:`ternary_shares` (shares of score minus the scale minimum).
    The arrow runs from the set-up point to the experience point, so a company whose
    customers experience a different discipline than it is built for shows a long arrow
    towards another corner. ``title`` is untrusted text (e.g. the company name).

    >>> from assessment.instrument.models import load_instrument
    >>> profile = pd.DataFrame({"lens": ["experience"] * 3, "source": "outside_in",
    ...                         "discipline": list(TERNARY_KEYS), "mean": [3.0, 3.0, 1.0]})
    >>> point = triangle_chart(profile, load_instrument()).data[-1]
    >>> point["name"], point["b"]
    ('Customer experience', [0.5])
    """
    inst = instrument
    lo = inst.scale.min
    source = experience_source(profile)
    heading = report_text("chart_triangle_title", lang) + (f" · {escape(title)}" if title
                                                          else "")
    fig = Chart()
    fig.add_trace(_centre_trace(lang))
    points: dict[str, dict[str, float]] = {}
    scores: dict[str, dict[str, float]] = {}
    table = lens_rows(profile, ("mean",))
    for lens in ("setup", "experience"):
        scores[lens] = {d: number(m) for d, m in zip(DISCIPLINES, table[lens]["mean"],
                                                     strict=True)}
        shares = ternary_shares(scores[lens], lo)
        if shares is not None:
            points[lens] = shares
    if not points:
        return empty(heading, report_text("no_data", lang))
    if len(points) == 2:
        fig.add_trace(trace("scatterternary",
            **_axes_of([points["setup"], points["experience"]]),
            mode="lines+markers", showlegend=False, hoverinfo="skip", name="arrow",
            line=dict(color=TEXT_COLOR, width=2.5),
            marker=dict(symbol=["circle", "arrow"], size=[1, 16], angleref="previous",
                        color=TEXT_COLOR, standoff=9),
        ))
    for lens, shares in points.items():
        other = points.get("experience" if lens == "setup" else "setup")
        position = _away(shares, other) if other else "top center"
        text = report_text("point_experienced" if lens == "experience" else "point_setup",
                           lang)
        name = lens_name(lens, lang, source)
        fig.add_trace(trace("scatterternary",
            **_axes_of([shares]), mode="markers+text", name=name,
            marker=dict(size=16, color=LENS_COLORS[lens],
                        line=dict(width=1.5, color=OUTLINE_COLOR),
                        symbol="circle" if lens == "experience" else "square"),
            text=[text], textposition=position, cliponaxis=False,
            textfont=dict(color=LENS_COLORS[lens], size=14),
            hovertext=[f"{name}<br>" + _share_hover(inst, lang, shares, scores[lens])],
            hoverinfo="text",
        ))
    style(fig, heading, 540, legend=dict(orientation="h", x=0, y=-0.04, xanchor="left",
                                         yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=100, b=60))
    _ternary_layout(fig, inst, lang, ternary_zoom(list(points.values())))
    return fig


# -- the portfolio ------------------------------------------------------------------------


#: up to this many companies the experience points carry the company's name (a page
#: showing the chart hides the names that would overlap; hover shows every name)
LABELLED_COMPANIES = 30
LABEL_SPOTS = {"top center": (0.0, 0.035), "bottom center": (0.0, -0.035),
               "middle right": (0.09, 0.0), "middle left": (-0.09, 0.0)}


def _label_positions(points: list[tuple[float, float]],
                     avoid: list[tuple[float, float]] = ()) -> list[str]:
    """Greedy text positions for labelled points: each label goes to the side (above,
    below, right, left) whose label centre is farthest from every point and every label
    placed before it (screen coordinates of :func:`_xy`, a unit-wide triangle)."""
    placed: list[tuple[float, float]] = []
    others = list(points) + list(avoid)
    out = []
    for x, y in points:
        best, best_d = "top center", -1.0
        for name, (dx, dy) in LABEL_SPOTS.items():
            cx, cy = x + dx, y + dy
            near = [(px, py) for px, py in others if (px, py) != (x, y)] + placed
            # labels are wide: horizontal distance counts for less than vertical
            d = min((((cx - px) / 2.5) ** 2 + (cy - py) ** 2 for px, py in near),
                    default=1.0)
            if d > best_d + 1e-12:
                best, best_d = name, d
        dx, dy = LABEL_SPOTS[best]
        placed.append((x + dx, y + dy))
        out.append(best)
    return out


def _portfolio_points(diagnoses: Mapping[str, Diagnosis], lo: float
                      ) -> tuple[dict[str, list], dict[str, list]]:
    """Each lens's points (escaped name, shares, scores) and the arrows' coordinates from
    set-up to experience (None between two arrows)."""
    pts: dict[str, list] = {lens: [] for lens in LENSES}
    arrows: dict[str, list] = {"a": [], "b": [], "c": [], "symbol": [], "size": []}
    for diag in diagnoses.values():
        name = str(escape(diag.name))
        shares = {}
        for lens in LENSES:
            res = diag.lenses.get(lens)
            sh = None if res is None else ternary_shares(res.scores, lo)
            if sh is not None:
                shares[lens] = sh
                pts[lens].append((name, sh, res.scores))
        if len(shares) == 2:
            for d, key in TERNARY_KEYS.items():
                arrows[key] += [shares["setup"][d], shares["experience"][d], None]
            arrows["symbol"] += ["circle", "arrow", "circle"]
            arrows["size"] += [1, 11, 1]
    return pts, arrows


def portfolio_triangle(diagnoses: Mapping[str, Diagnosis], instrument: Instrument,
                       lang: str = "en", title: str | None = None) -> Chart:
    """All companies in the discipline triangle, as set up (squares) and as experienced
    (circles), each joined by an arrow from set-up to experience.

    Uses ``LensResult.scores`` of each diagnosis; a company missing a lens is shown with
    the lens it has. Company names are untrusted (escaped). Names are written next to the
    experience points for portfolios of up to :data:`LABELLED_COMPANIES` companies; hover
    shows them always. Numbers in the hover are in the reader's language.

    >>> from assessment.instrument.models import load_instrument
    >>> fig = portfolio_triangle({}, load_instrument())
    >>> fig.layout["annotations"][0]["text"]
    'not enough answers'
    """
    inst = instrument
    heading = str(escape(title)) if title else report_text("chart_portfolio_title", lang)
    pts, arrows = _portfolio_points(diagnoses, inst.scale.min)
    if not pts["experience"] and not pts["setup"]:
        return empty(heading, report_text("no_data", lang))
    fig = Chart()
    fig.add_trace(_centre_trace(lang))
    if arrows["a"]:
        fig.add_trace(trace("scatterternary",
            a=arrows["a"], b=arrows["b"], c=arrows["c"], mode="lines+markers",
            connectgaps=False, showlegend=False, hoverinfo="skip", name="arrows",
            line=dict(color=ARROW_COLOR, width=1.5),
            marker=dict(symbol=arrows["symbol"], size=arrows["size"], angleref="previous",
                        color=ARROW_HEAD_COLOR, standoff=6)))
    label_names = len(diagnoses) <= LABELLED_COMPANIES
    positions = (_label_positions([_xy(r[1]) for r in pts["experience"]],
                                  [_xy(r[1]) for r in pts["setup"]])
                 if label_names else "top center")
    for lens in ("setup", "experience"):
        rows = pts[lens]
        if not rows:
            continue
        fig.add_trace(trace("scatterternary",
            **_axes_of([r[1] for r in rows]),
            mode="markers+text" if (label_names and lens == "experience") else "markers",
            name=report_text("point_experienced" if lens == "experience" else "point_setup",
                             lang),
            text=[r[0] for r in rows], cliponaxis=False,
            textposition=positions if lens == "experience" else "top center",
            textfont=dict(size=SMALL_SIZE, color=TEXT_COLOR),
            # many companies: smaller, see-through marks, so that a crowd shows its density
            marker=dict(size=12 if label_names else 7, color=LENS_COLORS[lens],
                        opacity=1.0 if label_names else 0.6,
                        line=dict(width=1 if label_names else 0.5, color=OUTLINE_COLOR),
                        symbol="circle" if lens == "experience" else "square"),
            hovertext=[f"<b>{r[0]}</b><br>{lens_name(lens, lang)}<br>"
                       + _share_hover(inst, lang, r[1], r[2]) for r in rows],
            hoverinfo="text",
        ))
    style(fig, heading, 600, legend=dict(orientation="h", x=0, y=-0.06, xanchor="left",
                                         yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=90, b=70))
    _ternary_layout(fig, inst, lang, ternary_zoom([r[1] for lens in LENSES
                                                   for r in pts[lens]]))
    return fig
