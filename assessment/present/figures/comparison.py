"""The company beside the other companies (section 8 of the report): one panel per lens.

    >>> PANEL_TITLES
    ('experience', 'setup')
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import escape

from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.present.figures.base import (
    discipline_name,
    discipline_short,
    empty,
    lens_name,
    note,
    number,
    report_text,
    style,
    threshold_lines,
)
from assessment.present.figures.chart import Chart, trace
from assessment.present.numbers import num
from assessment.present.theme import INK, LENS_COLORS, NOTE_COLOR, OTHERS_COLOR, OUTLINE_COLOR

#: the lens of each panel, left to right
PANEL_TITLES = LENSES
_COLUMNS = ("company_id", "name", "lens", "discipline", "mean")
#: the subplot grid of the chart (:meth:`Chart.subplots`), without its titles
GRID = {"rows": 1, "cols": 2, "shared_yaxes": True, "horizontal_spacing": 0.06}


def _peers(fig: Chart, others: list[tuple], peer_mean: dict, offset: dict, lens: str,
           col: int, inst: Instrument, lang: str) -> None:
    """The other companies as grey dots (a little apart), their mean as a short line."""
    pos = {d: i for i, d in enumerate(DISCIPLINES)}
    fig.add_trace(trace("scatter",
        x=[pos[d] + offset[c] for c, _, _, d, _ in others], y=[m for *_, m in others],
        mode="markers", name=report_text("others", lang), legendgroup="others",
        showlegend=col == 1,
        marker=dict(size=9, color=OTHERS_COLOR, line=dict(width=1, color=OUTLINE_COLOR)),
        hovertext=[f"{escape(n)}<br>{discipline_name(inst, d, lang)}: {num(m, '.2f', lang)}"
                   for _, n, _, d, m in others],
        hoverinfo="text"), row=1, col=col)
    avg = np.array([peer_mean.get((lens, d), np.nan) for d in DISCIPLINES], dtype=float)
    mean_name = report_text("others_mean", lang)
    fig.add_trace(trace("scatter",
        x=list(range(3)), y=avg, mode="markers", name=mean_name, legendgroup="mean",
        showlegend=col == 1,
        marker=dict(symbol="line-ew", size=44, line=dict(width=3, color=NOTE_COLOR)),
        hovertext=[f"{mean_name}<br>{discipline_name(inst, d, lang)}: {num(v, '.2f', lang)}"
                   for d, v in zip(DISCIPLINES, avg, strict=True)],
        hoverinfo="text"), row=1, col=col)


def comparison_chart(table: pd.DataFrame, company_id: str, instrument: Instrument,
                     lang: str = "en", title: str | None = None) -> Chart:
    """The company's lens scores beside the other companies (section 8).

    ``table``: tidy rows company_id, name, lens, discipline, mean (the company and its
    comparison group, e.g. ``Report.comparison_data()``). One panel per lens; grey dots
    are the other companies (hover: name), the short line their mean, the diamond the
    company itself. Names are untrusted (escaped).

    >>> from assessment.instrument.models import load_instrument
    >>> table = pd.DataFrame({"company_id": ["me", "me"], "name": "Acme",
    ...     "lens": list(LENSES), "discipline": "customer_intimacy", "mean": [4.0, 3.5]})
    >>> fig = comparison_chart(table, "me", load_instrument())
    >>> [(t["name"], t["xaxis"]) for t in fig.data]
    [('Acme', 'x'), ('Acme', 'x2')]
    """
    inst = instrument
    lo, hi = inst.scale.min, inst.scale.max
    heading = report_text("chart_comparison_title", lang) + (f" · {escape(title)}" if title
                                                            else "")
    if table is None or table.empty:
        return empty(heading, report_text("no_data", lang))
    fig = Chart.subplots(**GRID, subplot_titles=[lens_name(lens, lang)
                                                 for lens in PANEL_TITLES])
    others_ids = sorted(set(table["company_id"]) - {company_id})
    offset = {cid: (i - (len(others_ids) - 1) / 2) * (0.36 / max(len(others_ids), 1))
              for i, cid in enumerate(others_ids)}
    # plain rows rather than pandas' filters, which cost more than the chart; the others'
    # means are pandas' all the same
    rows = list(zip(*(table[c].tolist() for c in _COLUMNS), strict=True))
    peers = table[table["company_id"] != company_id]
    peer_mean = peers.groupby(["lens", "discipline"])["mean"].mean().to_dict()
    for col, lens in enumerate(PANEL_TITLES, start=1):
        others = [row for row in rows if row[2] == lens and row[0] != company_id]
        own = [row for row in rows if row[2] == lens and row[0] == company_id]
        if others:
            _peers(fig, others, peer_mean, offset, lens, col, inst, lang)
        own_mean = {d: m for _, _, _, d, m in own}
        if len(own_mean) < len(own):
            raise ValueError(f"the comparison table has more than one row of {company_id} "
                             f"per discipline in {lens}")
        own_vals = np.array([number(own_mean.get(d)) for d in DISCIPLINES], dtype=float)
        own_name = str(escape(own[0][1] if own else company_id))
        fig.add_trace(trace("scatter",
            x=list(range(3)), y=own_vals, mode="markers", name=own_name,
            legendgroup="self", showlegend=col == 1,
            marker=dict(symbol="diamond", size=15, color=LENS_COLORS[lens],
                        line=dict(width=1.5, color=INK)),
            hovertext=[f"{own_name}<br>{discipline_name(inst, d, lang)}: "
                       + num(v, ".2f", lang)
                       for d, v in zip(DISCIPLINES, own_vals, strict=True)],
            hoverinfo="text"), row=1, col=col)
        fig.update_xaxes(tickvals=list(range(3)),
                         ticktext=[discipline_short(inst, d) for d in DISCIPLINES],
                         range=[-0.5, 2.5], row=1, col=col)
    threshold_lines(fig, inst.thresholds, lang, width=1.2, yref="y")
    style(fig, heading, 430, legend=dict(orientation="h", x=0, y=-0.14, xanchor="left",
                                         yanchor="top"))
    fig.update_yaxes(range=[lo, hi + 0.05], dtick=0.5)
    fig.update_yaxes(title=dict(text=report_text("score_axis", lang, min=lo, max=hi)),
                     row=1, col=1)
    fig.update_layout(margin=dict(b=90, r=130))
    legend = " · ".join(f"{discipline_short(inst, d)} = {discipline_name(inst, d, lang)}"
                        for d in DISCIPLINES)
    note(fig, legend, y=-0.27)
    return fig
