"""The departments' set-up profiles as a heatmap (section 5 of the report).

Only departments with at least the minimum group size are shown; the smaller ones are
counted in a note, never named.

    >>> sorted(DEPARTMENT_COLUMNS)
    ['department', 'discipline', 'mean', 'n']
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import escape

from assessment.instrument.models import DISCIPLINES, Instrument
from assessment.present.figures.base import (
    discipline_name,
    empty,
    note,
    number,
    report_text,
    style,
)
from assessment.present.figures.chart import Chart, trace
from assessment.present.numbers import num
from assessment.present.theme import HEATMAP_COLORS

#: the columns of ``Scores.departments`` the heatmap reads
DEPARTMENT_COLUMNS = ("department", "discipline", "mean", "n")


def department_table(departments: pd.DataFrame) -> tuple[list, np.ndarray, list[float]]:
    """The departments (last name first), their mean per discipline (rows; NaN where a
    department has none) and their largest n.

    What ``departments.pivot_table(index="department", columns="discipline",
    values="mean")`` sorted from the last name gives, and the ``n`` column's maximum per
    department, in plain Python (pandas' pivot costs more than the chart). As the pivot:
    rows without a department are left out, and so is a department without any mean.

    >>> rows = pd.DataFrame({"department": ["Ops", "Sales"], "mean": [3.0, 4.0],
    ...                      "discipline": "customer_intimacy", "n": [6, 7]})
    >>> names, z, n = department_table(rows)
    >>> names, z[:, 1].tolist(), n
    (['Sales', 'Ops'], [4.0, 3.0], [7.0, 6.0])
    """
    means: dict = {}
    size: dict = {}
    for dept, disc, mean, n in zip(*(departments[c].tolist() for c in DEPARTMENT_COLUMNS),
                                   strict=True):
        if pd.isna(dept):
            continue
        n = number(n)
        if n == n:
            size[dept] = max(size.get(dept, n), n)
        mean = number(mean)
        if not pd.isna(disc) and mean == mean:
            means.setdefault(dept, {}).setdefault(disc, []).append(mean)
    names = sorted(means, reverse=True)
    z = np.array([[sum(v) / len(v) if (v := means[dept].get(d)) else np.nan
                   for d in DISCIPLINES] for dept in names], dtype=float)
    return names, z.reshape(-1, len(DISCIPLINES)), [size.get(dept, np.nan) for dept in names]


def department_heatmap(departments: pd.DataFrame, hidden: pd.DataFrame | None,
                       instrument: Instrument, lang: str = "en",
                       title: str | None = None) -> Chart:
    """Each shown department's set-up profile (rows) per discipline (columns).

    ``departments``: one company's (one wave's) rows of ``Scores.departments`` (only groups
    of at least the minimum size); ``hidden``: its rows of ``Scores.hidden_departments``,
    counted in a note under the chart, never shown. Department names are untrusted.

    >>> from assessment.instrument.models import load_instrument
    >>> rows = pd.DataFrame({"department": ["<b>Ops</b>"], "mean": [3.0],
    ...                      "discipline": "customer_intimacy", "n": [6]})
    >>> department_heatmap(rows, None, load_instrument()).data[0]["y"]
    ['&lt;b&gt;Ops&lt;/b&gt;']
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = report_text("chart_departments_title", lang) + (f" · {escape(title)}" if title
                                                             else "")
    n_hidden = 0 if hidden is None else len(hidden)
    n_hidden_resp = 0 if hidden is None or hidden.empty else int(hidden["n"].sum())
    text = (report_text("departments_hidden_note", lang, n=n_hidden, min=th.min_group_size,
                        respondents=n_hidden_resp) if n_hidden else "")
    if departments is None or departments.empty:
        msg = report_text("departments_none", lang, min=th.min_group_size)
        return empty(heading, msg + (f"<br>{text}" if text else ""))
    names, z, size = department_table(departments)
    y = [str(escape(d)) for d in names]
    x = [discipline_name(inst, d, lang) for d in DISCIPLINES]
    hover = [[f"{y[i]} (n = {int(size[i])})<br>{x[j]}: "
              + num(z[i, j], ".2f", lang)
              for j in range(len(x))] for i in range(len(y))]
    mid = (th.par - lo) / (hi - lo)
    exc = (th.excellence - lo) / (hi - lo)
    colorscale = [[0.0, HEATMAP_COLORS["low"]], [mid, HEATMAP_COLORS["par"]],
                  [exc, HEATMAP_COLORS["excellence"]], [1.0, HEATMAP_COLORS["high"]]]
    fig = Chart().add_trace(trace("heatmap",
        z=z, x=x, y=y, zmin=lo, zmax=hi, colorscale=colorscale,
        text=[[num(v, ".2f", lang) if np.isfinite(v) else "" for v in row] for row in z],
        texttemplate="%{text}", textfont=dict(size=13), hovertext=hover, hoverinfo="text",
        xgap=3, ygap=3,
        colorbar=dict(title=dict(text=report_text("score_short", lang)), thickness=14,
                      len=0.9),
    ))
    style(fig, heading, max(170 + 46 * len(y), 280))
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=110, b=70 if text else 30))
    if text:
        note(fig, text, y=-0.02)
    return fig
