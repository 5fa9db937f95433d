"""The portfolio page's heatmap: every company's scores by lens and discipline.

One row per company, six columns (the three disciplines as customers experience them, then
as the company is set up), coloured as the department heatmap (red below par, white at par,
blue from excellence up). A lens whose group is too small has its scores withheld, as in
``summary.json``: its cells stay empty and a note under the chart says why.

    >>> short_name("Grand Bazaar Department Store", 18)
    'Grand Bazaar Depa…'
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import numpy as np
from markupsafe import escape

from assessment.diagnosis.findings import Diagnosis
from assessment.instrument.models import DISCIPLINES, Instrument
from assessment.instrument.texts import text
from assessment.present.figures.base import (
    discipline_name,
    discipline_short,
    empty,
    lens_name,
    note,
    number,
    report_text,
    style,
)
from assessment.present.figures.chart import Chart, trace
from assessment.present.numbers import num
from assessment.present.theme import HEATMAP_COLORS

#: the heatmap's lenses, left to right
HEATMAP_LENSES = ("experience", "setup")
#: up to this many companies the cells carry their score and the rows their name
LABELLED_ROWS = 40


@lru_cache(maxsize=32)
def _form(spec: str, lang: str) -> tuple[str, str, str]:
    """What :func:`num` writes in ``lang``: the decimal sign, and the text before and
    after the digits of a percentage of ``spec`` (for example ``"", "\xa0%"`` in German),
    read from probe numbers."""
    sign = num(1.5, ".1f", lang)[1]
    if not spec.endswith("%"):
        return sign, "", ""
    probe = num(0.5, ".0%", lang)
    at = probe.index("50")
    return sign, probe[:at], probe[at + 2:]


def many_num(value: object, spec: str = ".2f", lang: str = "en") -> str:
    """:func:`assessment.present.numbers.num` for the thousands of numbers of a large
    portfolio's charts (Babel takes about half a millisecond a number): numbers below
    1,000 in the form Babel gives a probe number in ``spec`` and ``lang`` (its decimal
    sign and percent sign), Python's rounding; any other number through :func:`num`.

    >>> many_num(3.4567, ".2f", "nl"), many_num(0.4567, ".0%", "de"), many_num(None)
    ('3,46', '46\xa0%', '–')
    """
    v = number(value)
    limit = 9.99 if spec.endswith("%") else 999
    if not np.isfinite(v) or abs(v) >= limit or spec.startswith("+"):
        return num(value, spec, lang)
    sign, before, after = _form(spec, lang)
    body = format(abs(v), spec).rstrip("%").replace(".", sign)
    return ("-" if v < 0 or str(v) == "-0.0" else "") + before + body + after


def short_name(name: str, width: int = 22) -> str:
    """``name`` cut to ``width`` characters with an ellipsis (axis labels of long names).

    >>> short_name("Stepwise Shoes")
    'Stepwise Shoes'
    """
    return name if len(name) <= width else name[:width - 1].rstrip() + "…"


def heatmap_rows(diagnoses: Mapping[str, Diagnosis]) -> tuple[list[str], np.ndarray,
                                                                 np.ndarray]:
    """The companies' names, their scores (one row per company: the disciplines of the
    experience lens, then of the set-up) and which cells are withheld (a lens without
    enough evidence, or not surveyed).

    >>> import assessment as va
    >>> diags = va.diagnose(va.score(va.load_dataset("data/sample")), ["pcmaker"])
    >>> names, z, withheld = heatmap_rows(diags)
    >>> names, [round(float(v), 2) for v in z[0]], bool(withheld.any())
    (['Configurix Computers'], [3.46, 4.41, 3.28, 4.6, 3.0, 3.19], False)
    """
    names, rows, gaps = [], [], []
    for diag in diagnoses.values():
        row, gap = [], []
        for lens in HEATMAP_LENSES:
            res = diag.lenses.get(lens)
            shown = res is not None and res.evidence.enough
            for d in DISCIPLINES:
                row.append(number(res.scores.get(d)) if shown else float("nan"))
                gap.append(not shown)
        names.append(diag.name)
        rows.append(row)
        gaps.append(gap)
    width = len(HEATMAP_LENSES) * len(DISCIPLINES)
    return (names, np.array(rows, dtype=float).reshape(-1, width),
            np.array(gaps, dtype=bool).reshape(-1, width))


def portfolio_heatmap(diagnoses: Mapping[str, Diagnosis], instrument: Instrument,
                      lang: str = "en", title: str | None = None) -> Chart:
    """All companies' scores by lens and discipline as one heatmap.

    Company names are untrusted (escaped); long names are shortened on the axis and shown
    whole on hover. Numbers are in the reader's language. With more than
    :data:`LABELLED_ROWS` companies the rows carry no names and the cells no numbers
    (hover shows both). Withheld scores are gaps, explained in a note.

    >>> from assessment.instrument.models import load_instrument
    >>> portfolio_heatmap({}, load_instrument()).layout["annotations"][0]["text"]
    'not enough answers'
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = str(escape(title)) if title else str(escape(text("portfolio",
                                                               "heatmap_title", lang)))
    names, z, withheld = heatmap_rows(diagnoses)
    if not names:
        return empty(heading, report_text("no_data", lang))
    labelled = len(names) <= LABELLED_ROWS
    # the companies from the top down, as in the table
    z, withheld = z[::-1], withheld[::-1]
    full = [str(escape(n)) for n in names[::-1]]
    y = [f"{i}" for i in range(len(full))]  # positions: names may repeat
    columns = [(lens, d) for lens in HEATMAP_LENSES for d in DISCIPLINES]
    x = [[lens_name(lens, lang) for lens, _ in columns],
         [discipline_short(inst, d) for _, d in columns]]
    cell = [[many_num(v, ".2f", lang) for v in row] for row in z]
    hover = [[f"<b>{full[i]}</b><br>{lens_name(lens, lang)}<br>"
              f"{discipline_name(inst, d, lang)}: "
              + (cell[i][j] if not withheld[i, j]
                 else str(escape(text("portfolio", "heatmap_withheld_cell", lang))))
              for j, (lens, d) in enumerate(columns)] for i in range(len(full))]
    mid = (th.par - lo) / (hi - lo)
    exc = (th.excellence - lo) / (hi - lo)
    colorscale = [[0.0, HEATMAP_COLORS["low"]], [mid, HEATMAP_COLORS["par"]],
                  [exc, HEATMAP_COLORS["excellence"]], [1.0, HEATMAP_COLORS["high"]]]
    heat = trace("heatmap",
        z=z, x=x, y=y, zmin=lo, zmax=hi, colorscale=colorscale, hoverongaps=False,
        hovertext=hover, hoverinfo="text", xgap=2, ygap=1 if labelled else 0,
        colorbar=dict(title=dict(text=report_text("score_short", lang)), thickness=12,
                      len=0.8),
    )
    if labelled:
        heat.update(text=[[v if v != "–" else "" for v in row] for row in cell],
                    texttemplate="%{text}", textfont=dict(size=12))
    fig = Chart().add_trace(heat)
    row_px = 30 if labelled else max(900 / len(names), 0.6)
    style(fig, heading, int(min(max(150 + row_px * len(names), 300), 1050)))
    fig.update_xaxes(side="top", showgrid=False, fixedrange=True)
    fig.update_yaxes(showgrid=False, automargin=True, fixedrange=True,
                     showticklabels=labelled, tickmode="array", tickvals=y,
                     ticktext=[str(escape(short_name(n))) for n in names[::-1]])
    # shorter names for a phone (the page's script swaps them in)
    fig.update_layout(meta=dict(narrow_ticktext=[str(escape(short_name(n, 14)))
                                                 for n in names[::-1]]))
    notes = []
    if withheld.any():
        notes.append(text("portfolio", "heatmap_withheld_note", lang,
                          min=th.min_group_size))
    if not labelled:
        notes.append(text("portfolio", "heatmap_hover_note", lang))
    fig.update_layout(margin=dict(l=10, r=10, t=90, b=20 + 34 * len(notes)))
    if notes:
        note(fig, "<br>".join(str(escape(n)) for n in notes), y=0)
        fig.layout["annotations"][-1].update(yshift=-12)
    return fig
