"""The workshop figure: profile (both lenses, par and excellence lines, survey and target
markers), triangle, lens gaps and what has to move, as one plotly figure whose traces keep
fixed positions (``T_*``), so that a click only sets data (:func:`update_figure`).

Names and texts in hover labels are escaped with ``markupsafe.escape`` (plotly.js renders
labels as HTML-like markup; a company called ``<b>`` stays text).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go
from markupsafe import escape
from plotly.subplots import make_subplots

from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.present.figures import ternary_shares
from assessment.present.theme import (
    EXCELLENCE_COLOR,
    EXPERIENCE_COLOR,
    FONT_FAMILY,
    GAP_BAND_COLOR,
    INK,
    LENS_COLORS,
    MARK_COLOR,
    PAR_COLOR,
    SETUP_COLOR,
    TARGET_COLOR,
    TEMPLATE,
)
from assessment.workshop.live import LiveResult
from assessment.workshop.target import Move
from assessment.workshop.texts import text

__all__ = ["build_figure", "update_figure", "FIG_HEIGHT", "FIG_WIDTH"]

OFFSET = {"experience": -0.2, "setup": 0.2}
FIG_WIDTH = 760  # px: the snapshot's chart (the page sizes it to its column)
FIG_HEIGHT = 700

# trace indices of the workshop figure (see build_figure)
T_BAR = {"experience": 0, "setup": 1}
T_SURVEY_BAR = {"experience": 2, "setup": 3}
T_TARGET = 4
T_TRI = {"experience": 6, "setup": 7}
T_TRI_SURVEY = {"experience": 8, "setup": 9}
T_TRI_TARGET = 10
T_GAP = 11
T_MOVE = {"experience": 12, "setup": 13}


def _short(inst: Instrument, d: str) -> str:
    return inst.disciplines[d].short  # type: ignore[index]


def build_figure(instrument: Instrument, lang: str = "en", company: str = "") -> go.Figure:
    """The workshop figure with empty data: profile (both lenses, par and excellence lines,
    survey and target markers), triangle, lens gaps and what has to move. Trace positions
    are fixed (``T_*``) so :func:`update_figure` only sets data.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> fig = build_figure(load_instrument(), "de", company="<b>Acme</b>")
    >>> len(fig.data), fig.data[T_BAR["setup"]].name, fig.layout.annotations[0].text
    (14, 'Aufgestellt', 'Profil')
    >>> fig.layout.meta["company"]
    '&lt;b&gt;Acme&lt;/b&gt;'
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    lens_name = {"experience": text("trace_experience", lang),
                 "setup": text("trace_setup", lang)}
    fig = make_subplots(
        rows=2, cols=2, specs=[[{"type": "xy"}, {"type": "ternary"}],
                               [{"type": "xy"}, {"type": "xy"}]],
        subplot_titles=[text("chart_profile", lang), text("chart_triangle", lang),
                        text("chart_gaps", lang), text("chart_moves", lang)],
        horizontal_spacing=0.14, vertical_spacing=0.2, column_widths=[0.5, 0.5])
    xs = np.arange(len(DISCIPLINES), dtype=float)
    for lens in LENSES:  # 0, 1: team bars
        fig.add_trace(go.Bar(x=xs + OFFSET[lens], y=[None] * 3, width=0.38,
                             name=lens_name[lens], marker_color=LENS_COLORS[lens],
                             legendgroup=lens, text=[""] * 3, textposition="outside",
                             textangle=0, cliponaxis=False,
                             textfont=dict(color=LENS_COLORS[lens], size=15),
                             hoverinfo="text", hovertext=[""] * 3), row=1, col=1)
    for lens in LENSES:  # 2, 3: survey markers (the legend shows one "Survey" entry)
        fig.add_trace(go.Scatter(x=xs + OFFSET[lens], y=[None] * 3, mode="markers",
                                 name=text("trace_survey", lang),
                                 legendgroup="survey", showlegend=lens == "experience",
                                 marker=dict(symbol="diamond-open", size=12,
                                             color=LENS_COLORS[lens], line=dict(width=2.5)),
                                 hoverinfo="text", hovertext=[""] * 3), row=1, col=1)
    fig.add_trace(go.Scatter(  # 4: target markers over both bars of a discipline
        x=np.repeat(xs, 2) + np.tile([OFFSET["experience"], OFFSET["setup"]], 3),
        y=[None] * 6, mode="markers", name=text("trace_target", lang), legendgroup="target",
        marker=dict(symbol="line-ew", size=26, color=TARGET_COLOR, line=dict(width=3,
                                                                             color=TARGET_COLOR)),
        hoverinfo="text", hovertext=[""] * 6), row=1, col=1)
    fig.add_trace(go.Scatterternary(  # 5: centre of the triangle
        a=[1 / 3], b=[1 / 3], c=[1 / 3], mode="markers", showlegend=False, hoverinfo="skip",
        marker=dict(symbol="x-thin", size=10, line=dict(width=2, color=MARK_COLOR))), row=1, col=2)
    for lens in LENSES:  # 6, 7: team positions
        fig.add_trace(go.Scatterternary(
            a=[], b=[], c=[], mode="markers", name=lens_name[lens], legendgroup=lens,
            showlegend=False, hoverinfo="text",
            marker=dict(size=15, color=LENS_COLORS[lens], line=dict(width=1.5, color="white"),
                        symbol="circle" if lens == "experience" else "square")), row=1, col=2)
    for lens in LENSES:  # 8, 9: survey positions
        fig.add_trace(go.Scatterternary(
            a=[], b=[], c=[], mode="markers", legendgroup="survey", showlegend=False,
            name=f"{text('trace_survey', lang)}: {lens_name[lens]}", hoverinfo="text",
            marker=dict(size=12, color=LENS_COLORS[lens], line=dict(width=2),
                        symbol="circle-open" if lens == "experience" else "square-open")),
            row=1, col=2)
    fig.add_trace(go.Scatterternary(  # 10: target position
        a=[], b=[], c=[], mode="markers", name=text("trace_target", lang), legendgroup="target",
        showlegend=False, hoverinfo="text",
        marker=dict(size=16, symbol="star", color=TARGET_COLOR)), row=1, col=2)
    fig.add_trace(go.Bar(  # 11: lens gaps
        x=xs, y=[None] * 3, showlegend=False, marker_color=[MARK_COLOR] * 3, width=0.5,
        text=[""] * 3, textposition="outside", hoverinfo="text", hovertext=[""] * 3,
        cliponaxis=False), row=2, col=1)
    for lens in LENSES:  # 12, 13: what has to move
        fig.add_trace(go.Bar(x=xs + OFFSET[lens], y=[None] * 3, width=0.38, showlegend=False,
                             name=lens_name[lens], marker_color=LENS_COLORS[lens],
                             legendgroup=lens, hoverinfo="text", hovertext=[""] * 3),
                      row=2, col=2)
    tick = dict(tickmode="array", tickvals=list(xs), ticktext=[_short(inst, d) for d in
                                                                 DISCIPLINES],
                range=[-0.6, 2.6])
    fig.update_xaxes(**tick)
    fig.update_yaxes(range=[lo, hi + 0.1], dtick=1, row=1, col=1)
    fig.update_yaxes(range=[-2, 2], zeroline=True, zerolinecolor="#888", row=2, col=1)
    fig.update_yaxes(range=[-2, 2], zeroline=True, zerolinecolor="#888", row=2, col=2)
    # lines and bands as plain shapes (add_hline trips over the ternary subplot)
    prof, gap = fig.get_subplot(1, 1), fig.get_subplot(2, 1)
    px_, py_ = _ref(prof.xaxis), _ref(prof.yaxis)
    for y, color, dash, key in ((th.par, PAR_COLOR, "dash", "par_line"),
                                (th.excellence, EXCELLENCE_COLOR, "dot", "excellence_line")):
        fig.add_shape(type="line", xref=f"{px_} domain", yref=py_, x0=0, x1=1, y0=y, y1=y,
                      line=dict(color=color, dash=dash, width=1.6))
        fig.add_annotation(xref=f"{px_} domain", yref=py_, x=1.01, y=y, xanchor="left",
                           yanchor="middle", showarrow=False,
                           text=text(key, lang, value=y).replace(" ", "<br>"),
                           font=dict(color=color, size=13), align="left")
    fig.add_shape(type="rect", xref=f"{_ref(gap.xaxis)} domain", yref=_ref(gap.yaxis),
                  x0=0, x1=1, y0=-th.lens_gap, y1=th.lens_gap, line_width=0,
                  fillcolor=GAP_BAND_COLOR, layer="below")
    axis = dict(min=0, linewidth=1, ticks="", showticklabels=False, gridcolor="#e5e5e5")
    fig.update_layout(
        ternary=dict(sum=1, bgcolor="#fbfbfb",
                     aaxis=dict(title=dict(text=_short(inst, "operational_excellence"),
                                           font=dict(size=15)), **axis),
                     baxis=dict(title=dict(text=_short(inst, "customer_intimacy"),
                                           font=dict(size=15)), **axis),
                     caxis=dict(title=dict(text=_short(inst, "product_leadership"),
                                           font=dict(size=15)), **axis)),
        # no fixed size: the page's column sizes the chart (the snapshot sets one)
        template=TEMPLATE, autosize=True, barmode="overlay",
        font=dict(family=FONT_FAMILY, size=15, color=INK),
        margin=dict(l=40, r=20, t=70, b=30),
        legend=dict(orientation="h", x=0, y=1.07, xanchor="left", yanchor="bottom",
                    font=dict(size=15)),
        hoverlabel=dict(align="left"),
    )
    for ann in fig.layout.annotations[:4]:
        ann.font = dict(size=17)
    # keep the triangle's top corner label clear of its subplot title
    dom = fig.layout.ternary.domain
    fig.layout.ternary.domain = dict(x=[dom.x[0] + 0.03, dom.x[1] - 0.01],
                                     y=[dom.y[0] + 0.02, dom.y[1] - 0.08])
    if company:
        fig.layout.meta = {"company": str(escape(company))}
    return fig


def _fit_range(fig: go.Figure, put: _Setter, axis, values: list[float]) -> None:
    """A symmetric range of at least +-2 that shows every value (and its label)."""
    top = max([2.0] + [abs(v) + 0.6 for v in values])
    top = float(np.ceil(top))
    key = ("range", axis.plotly_name)
    if put.cache.get(key) != top:
        axis.range = [-top, top]
        put.cache[key] = top


def _ref(axis) -> str:
    """The reference of a layout axis object: xaxis2 -> x2."""
    return axis.plotly_name.replace("axis", "")


def _fmt(v: float) -> str:
    return f"{v:.2f}" if v is not None and np.isfinite(v) else "–"


class _Setter:
    """Assign trace properties only when they changed (each assignment costs validation and
    a message to the browser)."""

    def __init__(self, fig: go.Figure, sent: dict):
        self.fig = fig
        self.cache = sent

    def __call__(self, index: int, prop: str, value: object) -> None:
        key = (index, prop)
        frozen = repr(value)
        if self.cache.get(key) == frozen:
            return
        obj = self.fig.data[index]
        if prop == "marker.color":
            obj.marker.color = value
        else:
            setattr(obj, prop, value)
        self.cache[key] = frozen


def update_figure(fig: go.Figure, instrument: Instrument, lang: str, live: LiveResult,
                  survey: LiveResult | None, target_profile: Mapping[str, float] | None,
                  moves: list[Move], sent: dict | None = None) -> None:
    """Put the current numbers into a figure made by :func:`build_figure` (one batch).

    ``sent``: the caller's record of what this figure was last given (one dict per
    figure, kept between calls); only properties whose value changed are assigned, since
    each assignment costs validation and a message to the browser.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> from assessment.workshop.live import live_result
    >>> ds = load_dataset("data/sample")
    >>> ds.responses = ds.responses[ds.responses.company_id == "pcmaker"]
    >>> fig = build_figure(ds.instrument)
    >>> update_figure(fig, ds.instrument, "en", live_result(ds, "pcmaker", "2026-Q1"),
    ...               None, None, [], sent={})
    >>> all(v is not None for v in fig.data[T_BAR["experience"]].y)
    True
    """
    inst = instrument
    lo = inst.scale.min
    labels = [inst.discipline_label(d, lang) for d in DISCIPLINES]
    lens_label = {lens: inst.lens_label(lens, lang).split(" (")[0] for lens in LENSES}
    names = {lens: f"{text('trace_survey', lang)}: {text(f'trace_{lens}', lang)}"
             for lens in LENSES}
    names.update({f"team_{lens}": text(f"trace_{lens}", lang) for lens in LENSES})
    put = _Setter(fig, {} if sent is None else sent)
    with fig.batch_update():
        for lens in LENSES:
            y = [live.means[lens][d] for d in DISCIPLINES]
            bi = T_BAR[lens]
            put(bi, "y", [v if np.isfinite(v) else None for v in y])
            put(bi, "text", [_fmt(v) if np.isfinite(v) else "" for v in y])
            put(bi, "hovertext", [f"{escape(labels[k])}<br>{escape(lens_label[lens])}: {_fmt(y[k])}"
                                  for k in range(3)])
            sv = [survey.means[lens][d] for d in DISCIPLINES] if survey else [np.nan] * 3
            si = T_SURVEY_BAR[lens]
            put(si, "y", [v if np.isfinite(v) else None for v in sv])
            put(si, "hovertext", [f"{escape(names[lens])}<br>{escape(labels[k])}: {_fmt(sv[k])}"
                                  for k in range(3)])
            for ti, name, scores in (
                    (T_TRI[lens], names[f"team_{lens}"], live.means[lens]),
                    (T_TRI_SURVEY[lens], names[lens], survey.means[lens] if survey else {})):
                shares = ternary_shares(scores, lo) if scores else None
                if shares is None:
                    for prop in ("a", "b", "c", "hovertext"):
                        put(ti, prop, [])
                    continue
                put(ti, "a", [shares["operational_excellence"]])
                put(ti, "b", [shares["customer_intimacy"]])
                put(ti, "c", [shares["product_leadership"]])
                put(ti, "hovertext", [f"{escape(name)}<br>" + "<br>".join(
                    f"{escape(labels[k])}: {shares[d]:.0%} ({_fmt(scores[d])})"
                    for k, d in enumerate(DISCIPLINES))])
            mv = {m.discipline: m for m in moves if m.lens == lens}
            mi = T_MOVE[lens]
            put(mi, "y", [mv[d].delta if d in mv and np.isfinite(mv[d].delta) else None
                          for d in DISCIPLINES])
            put(mi, "hovertext", [str(escape(mv[d].text(lang, inst))) if d in mv else ""
                                  for d in DISCIPLINES])
        if target_profile:
            put(T_TARGET, "y", [float(target_profile[d]) for d in DISCIPLINES for _ in LENSES])
            name = escape(text("trace_target", lang))
            put(T_TARGET, "hovertext", [f"{name}: {escape(labels[k])} "
                                        f"{float(target_profile[d]):.2f}"
                                        for k, d in enumerate(DISCIPLINES) for _ in LENSES])
            shares = ternary_shares(target_profile, lo)
            put(T_TRI_TARGET, "a", [shares["operational_excellence"]] if shares else [])
            put(T_TRI_TARGET, "b", [shares["customer_intimacy"]] if shares else [])
            put(T_TRI_TARGET, "c", [shares["product_leadership"]] if shares else [])
            put(T_TRI_TARGET, "hovertext", [str(escape(text("trace_target", lang)))])
        else:
            put(T_TARGET, "y", [None] * 6)
            for prop in ("a", "b", "c"):
                put(T_TRI_TARGET, prop, [])
        deltas = [m.delta for m in moves if np.isfinite(m.delta)]
        _fit_range(fig, put, fig.get_subplot(2, 2).yaxis, deltas)
        gaps = [live.lens_gaps.get(d) for d in DISCIPLINES]
        g = [v if v is not None and np.isfinite(v) else None for v in gaps]
        th = inst.thresholds.lens_gap
        _fit_range(fig, put, fig.get_subplot(2, 1).yaxis, [v for v in g if v is not None])
        put(T_GAP, "y", g)
        put(T_GAP, "text", [f"{v:+.2f}" if v is not None else "" for v in g])
        put(T_GAP, "marker.color", [MARK_COLOR if v is None or abs(v) < th - 1e-9 else
                                    (EXPERIENCE_COLOR if v > 0 else SETUP_COLOR) for v in g])
        put(T_GAP, "hovertext", [f"{escape(labels[k])}: {_fmt(v if v is not None else np.nan)}"
                                 for k, v in enumerate(g)])
