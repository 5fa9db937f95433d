"""Plotly figures of the report and the portfolio page, and how to show them in a notebook.

Every figure is a pure function of tidy data (rows of ``Scores`` tables or ``Diagnosis``
objects), the instrument (for labels, the scale and the thresholds in force: pass
``scores.instrument``, which carries the dataset's threshold overrides) and a language.

Security: plotly renders a subset of HTML in titles, axis labels, hover text, legends and
annotations. Company names, department names and any other text that comes from data
files (or a user-supplied instrument) pass through :func:`_safe` before they enter a
figure, so a name like ``<img src=x onerror=alert(1)>`` is shown as text, never as markup.

Notebook display: use :func:`show`, never ``fig.show()`` (which imports nbformat and picks
a renderer that nbconvert cannot show). The HTML it leaves in the notebook is a div plus
a ``Plotly.newPlot`` call that expects a global ``Plotly`` (plotly.js is added once per
exported page by the batch).
"""

from __future__ import annotations

import copy
import html
import json
import os
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from .diagnosis import Diagnosis
from .instrument import DISCIPLINES, LENSES, Instrument
from .integration_instrument import IntegrationInstrument
from .report import label

EXPERIENCE_COLOR = "#0072B2"  # Okabe-Ito blue
SETUP_COLOR = "#E69F00"  # Okabe-Ito orange
BLIND_COLOR = "#CC79A7"  # Okabe-Ito purple
OTHERS_COLOR = "#9AA5B1"
GAP_BAND_COLOR = "rgba(120, 120, 120, 0.13)"
LENS_COLORS = {"experience": EXPERIENCE_COLOR, "setup": SETUP_COLOR}
FONT = dict(family="Helvetica, Arial, sans-serif", size=13, color="#222")
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# "0" in the environment: :func:`show` leaves out the plotly JSON bundle (the batch sets it
# for its kernels: the HTML export shows only text/html).
PLOTLY_JSON_ENV = "ASSESSMENT_PLOTLY_JSON"
TEMPLATE = "plotly_white"
TERNARY_KEYS = {"operational_excellence": "a", "customer_intimacy": "b",
                "product_leadership": "c"}


# -- safety and shared helpers ------------------------------------------------------------


def _safe(text: object) -> str:
    """Escape untrusted text for plotly's HTML-like labels (``&``, ``<``, ``>``, quotes).

    ``html.escape``, with the quote entities written as numeric references, which plotly.js
    decodes (it does not know ``&quot;``), so quotes still read as quotes.
    """
    out = html.escape("" if text is None else str(text), quote=True)
    return out.replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


def _t(key: str, lang: str, **fmt: object) -> str:
    """A trusted report text (``report_texts.yaml``), escaped all the same."""
    return _safe(label(key, lang, **fmt))


def _disc(inst: Instrument, discipline: str, lang: str) -> str:
    return _safe(inst.discipline_label(discipline, lang))


def _short(inst: Instrument, discipline: str) -> str:
    return _safe(inst.disciplines[discipline].short)  # type: ignore[index]


def _lens_name(inst: Instrument, lens: str, lang: str, source: str | None = None) -> str:
    key = "lens_experience" if lens == "experience" else "lens_setup"
    name = label(key, lang)
    if lens == "experience" and source == "inside_out":
        name = label("lens_experience_inside_out", lang)
    return _safe(name)


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


@lru_cache(maxsize=4)
def _template_json(name: str) -> str:
    return json.dumps(pio.templates[name].to_plotly_json())


def _set_template(fig: go.Figure, name: str = TEMPLATE) -> None:
    """``fig.update_layout(template=name)`` without plotly validating the registered
    template again (a deep copy of every trace type's defaults: about 15 ms per figure,
    more than the rest of most figures). plotly applies its default template the same
    way (``BaseFigure._initialize_layout_template``); the figure's JSON is the same (a
    test compares them). The template's JSON is parsed anew for every figure: a copy of
    its own, made faster than ``copy.deepcopy`` makes one."""
    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = json.loads(_template_json(name))
    finally:
        layout._validate = validate


def _expand(props: Mapping[str, object]) -> dict:
    """plotly's magic underscores: ``title_text=...`` is ``title=dict(text=...)``."""
    out: dict = {}
    for key, value in props.items():
        *path, last = key.split("_")
        node = out
        for part in path:
            node = node.setdefault(part, {})
        node[last] = value
    return out


def _merge(target: dict, update: Mapping) -> dict:
    """plotly's ``update``: nested dicts merge, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = _merge({}, value)
        else:
            target[key] = value
    return target


class _Figure:
    """A figure under construction, with the part of plotly's ``go.Figure`` API the charts
    use (``add_trace``, ``update_layout``, ``update_xaxes``/``update_yaxes``,
    ``add_hline``, ``add_hrect``, ``add_annotation``), kept as plain dicts until
    :meth:`figure` builds the ``go.Figure`` in one go.

    plotly validates and copies the whole layout on every incremental update (about
    5-10 ms each, 40-120 ms for one of the report's figures); built in one go the same
    figure costs a fraction of that. A test compares the figures with ones built through
    plotly's own API.
    """

    def __init__(self, layout: dict | None = None,
                 grid: dict[tuple[int, int], tuple[str, str]] | None = None):
        self.data: list[dict] = []
        self.layout: dict = layout if layout is not None else {}
        self.grid = grid  # (row, col) -> (x axis, y axis) of a subplot grid
        self.template: str | None = None

    @classmethod
    def subplots(cls, rows: int, cols: int, **kwargs: object) -> _Figure:
        """:func:`plotly.subplots.make_subplots` (its layout made once per arguments)."""
        key = json.dumps([rows, cols, kwargs], sort_keys=True, default=str)
        layout, grid = _subplot_layout(key)
        return cls(copy.deepcopy(layout), dict(grid))

    def add_trace(self, trace: go.Figure | dict, row: int | None = None,
                  col: int | None = None) -> _Figure:
        data = trace if isinstance(trace, dict) else trace.to_plotly_json()
        if row is not None and self.grid:
            data["xaxis"], data["yaxis"] = self.grid[(row, col)]
        self.data.append(data)
        return self

    def update_layout(self, **props: object) -> _Figure:
        _merge(self.layout, _expand(props))
        return self

    def _axes(self, letter: str, row: int | None, col: int | None) -> list[str]:
        if not self.grid:
            return [f"{letter}axis"]
        cells = [self.grid[(row, col)]] if row is not None else list(self.grid.values())
        return [f"{letter}axis{ref[1:]}" for ref in
                (x if letter == "x" else y for x, y in cells)]

    def update_xaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> _Figure:
        for axis in self._axes("x", row, col):
            _merge(self.layout.setdefault(axis, {}), _expand(props))
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> _Figure:
        for axis in self._axes("y", row, col):
            _merge(self.layout.setdefault(axis, {}), _expand(props))
        return self

    def _span(self, shape: dict) -> None:
        """A shape across the whole width of every subplot (plotly's ``add_h*``)."""
        cells = list(self.grid.values()) if self.grid else [("x", "y")]
        for x, y in cells:
            self.layout.setdefault("shapes", []).append(
                {**copy.deepcopy(shape), "x0": 0, "x1": 1, "xref": f"{x} domain",
                 "yref": y})

    def add_hline(self, y: float, **props: object) -> _Figure:
        self._span({**_expand(props), "type": "line", "y0": y, "y1": y})
        return self

    def add_hrect(self, y0: float, y1: float, **props: object) -> _Figure:
        self._span({**_expand(props), "type": "rect", "y0": y0, "y1": y1})
        return self

    def add_annotation(self, **props: object) -> _Figure:
        self.layout.setdefault("annotations", []).append(_expand(props))
        return self

    def figure(self) -> go.Figure:
        """The ``go.Figure`` (validated once), with the template."""
        fig = go.Figure(data=self.data, layout=self.layout)
        if self.template:
            _set_template(fig, self.template)
        return fig


@lru_cache(maxsize=32)
def _subplot_layout(key: str) -> tuple[dict, tuple]:
    """The layout :func:`make_subplots` makes, and its grid: cell k (row-major, from 1)
    has the axes ``x``/``y``, then ``x2``/``y2`` ... (plotly's numbering without specs)."""
    rows, cols, kwargs = json.loads(key)
    layout = make_subplots(rows=rows, cols=cols, **kwargs).to_dict()["layout"]
    layout.pop("template", None)  # plotly's default, replaced by the chart's own
    grid = tuple(((r, c), (f"x{k if k > 1 else ''}", f"y{k if k > 1 else ''}"))
                 for r in range(1, rows + 1) for c in range(1, cols + 1)
                 for k in [(r - 1) * cols + c])
    return layout, grid


def _layout(fig: go.Figure | _Figure, title: str, height: int,
            **extra: object) -> go.Figure | _Figure:
    if isinstance(fig, _Figure):
        fig.template = TEMPLATE
    else:
        _set_template(fig)
    fig.update_layout(
        font=FONT, height=height,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=16)),
        margin=dict(l=60, r=30, t=70, b=60),
        hoverlabel=dict(align="left"),
        **extra,
    )
    return fig


def _note(fig: go.Figure, text: str, y: float = -0.18) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=y, xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font=dict(size=12, color="#555"))


def _empty(title: str, message: str, height: int = 220) -> go.Figure:
    fig = _Figure()
    _layout(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5,
                       showarrow=False, font=dict(size=14, color="#555"))
    return fig.figure()


def _lens_rows(profile: pd.DataFrame, lens: str) -> pd.DataFrame:
    rows = profile[profile["lens"] == lens].set_index("discipline")
    return rows.reindex(list(DISCIPLINES))


def _source(profile: pd.DataFrame) -> str | None:
    src = profile.loc[profile["lens"] == "experience", "source"]
    return str(src.iloc[0]) if len(src) else None


# -- 2. profile ---------------------------------------------------------------------------


def profile_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                  title: str | None = None) -> go.Figure:
    """The three disciplines in both lenses: grouped bars with 95% CI whiskers.

    ``profile``: one company's rows of ``Scores.profile`` (one wave): discipline, lens,
    source, mean, n, ci_low, ci_high. Dashed line at par, dotted line at excellence
    (``instrument.thresholds``). ``title`` is untrusted text (e.g. the company name).
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    heading = _t("chart_profile_title", lang) + (f" · {_safe(title)}" if title else "")
    fig = _Figure()
    source = _source(profile)
    for lens in LENSES:
        rows = _lens_rows(profile, lens)
        mean = rows["mean"].astype(float).to_numpy()
        up = (rows["ci_high"].astype(float) - rows["mean"].astype(float)).to_numpy()
        down = (rows["mean"].astype(float) - rows["ci_low"].astype(float)).to_numpy()
        n = rows["n"].to_numpy()
        hover = [
            f"{x[i]}<br>{_lens_name(inst, lens, lang, source)}<br>"
            + (f"{mean[i]:.2f} ({_t('ci', lang)} {rows['ci_low'].iloc[i]:.2f}–"
               f"{rows['ci_high'].iloc[i]:.2f})<br>n = {int(_num(n[i]))}"
               if np.isfinite(mean[i]) else _t("no_data", lang))
            for i in range(len(DISCIPLINES))
        ]
        fig.add_trace(go.Bar(
            # bars rise from the bottom of the scale, not from zero
            name=_lens_name(inst, lens, lang, source), x=x, y=mean - lo, base=lo,
            marker_color=LENS_COLORS[lens],
            error_y=dict(type="data", array=up, arrayminus=down, visible=True,
                         color="#333", thickness=1.5, width=6),
            text=[f"{m:.2f}" if np.isfinite(m) else "" for m in mean],
            textposition="inside", insidetextanchor="start",
            textfont=dict(color="white", size=12),
            hovertext=hover, hoverinfo="text", offsetgroup=lens,
        ))
    # the par check: each lens's threshold-value score, a dark tick over its bar
    for lens in LENSES:
        rows = _lens_rows(profile, lens)
        if "par_score" not in rows or "par_basis" not in rows:
            continue
        par = np.where(rows["par_basis"].to_numpy() == "threshold",
                       rows["par_score"].astype(float).to_numpy(), np.nan)
        if not np.isfinite(par).any():
            continue
        fig.add_trace(go.Scatter(
            x=x, y=par, mode="markers", offsetgroup=lens, name=_t("par_check", lang),
            legendgroup="par_check", showlegend=lens == "experience",
            marker=dict(symbol="line-ew", size=26, line=dict(width=3, color="#6B1010")),
            hovertext=[f"{x[i]}<br>{_lens_name(inst, lens, lang, source)}<br>"
                       f"{_t('par_check', lang)}: {par[i]:.2f}"
                       for i in range(len(DISCIPLINES))],
            hoverinfo="text", cliponaxis=False,
        ))
    for y, key, color, dash in ((th.par, "par_line", "#B22222", "dash"),
                                (th.excellence, "excellence_line", "#1B7F3B", "dot")):
        # the line's label sits in the right margin, clear of the bars
        fig.add_hline(y=y, line=dict(color=color, dash=dash, width=1.6))
        fig.add_annotation(text=_t(key, lang, value=y), xref="paper", x=1.005, xanchor="left",
                           y=y, yanchor="middle", showarrow=False, align="left",
                           font=dict(color=color, size=12))
    _layout(fig, heading, 440, barmode="group", bargap=0.3, bargroupgap=0.06,
            scattermode="group", scattergap=0.3,
            legend=dict(orientation="h", x=0, y=-0.12, xanchor="left", yanchor="top"))
    fig.update_yaxes(range=[lo, hi + 0.05], dtick=0.5,
                     title_text=_t("score_axis", lang, min=lo, max=hi))
    fig.update_layout(margin=dict(b=80, r=130))
    return fig.figure()


# -- 3. triangle --------------------------------------------------------------------------


def ternary_shares(scores: Mapping[str, float], scale_min: float) -> dict[str, float] | None:
    """Each discipline's share of a lens profile: ``(score - min) / sum(score - min)``.

    Scores are measured from the bottom of the answer scale, not from zero, so that the
    differences between disciplines show (from zero, 4.5 / 3.0 / 3.0 on a 1-5 scale would be
    0.43 / 0.29 / 0.29; from the scale minimum it is 0.47 / 0.27 / 0.27). A profile at the
    scale minimum everywhere sits in the centre. None when a score is missing.
    """
    vals = {d: _num(scores.get(d)) for d in DISCIPLINES}
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
    """
    lowest = min((min(sh.values()) for sh in shares), default=0.0)
    m = np.floor((lowest - 0.05) / 0.05) * 0.05
    return float(min(max(m, 0.0), 0.2))


def _ternary_layout(fig: go.Figure, inst: Instrument, lang: str, zoom: float = 0.0) -> None:
    axis = dict(min=zoom, linewidth=1.5, showticklabels=False, ticks="", dtick=0.1,
                gridcolor="#e2e2e2", showgrid=True)
    fig.update_layout(ternary=dict(
        sum=1, bgcolor="#fbfbfb",
        aaxis=dict(title=dict(text=_disc(inst, "operational_excellence", lang)), **axis),
        baxis=dict(title=dict(text=_disc(inst, "customer_intimacy", lang)), **axis),
        caxis=dict(title=dict(text=_disc(inst, "product_leadership", lang)), **axis),
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


def _centre_trace(lang: str) -> go.Scatterternary:
    return go.Scatterternary(
        a=[1 / 3], b=[1 / 3], c=[1 / 3], mode="markers", showlegend=False,
        marker=dict(symbol="x-thin", size=12, line=dict(width=2, color="#999")),
        hovertext=[_t("triangle_centre", lang)], hoverinfo="text", name="centre")


def _share_hover(inst: Instrument, lang: str, shares: dict[str, float],
                 scores: Mapping[str, float]) -> str:
    return "<br>".join(f"{_disc(inst, d, lang)}: {shares[d]:.0%} ({_num(scores[d]):.2f})"
                       for d in DISCIPLINES)


def triangle_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                   title: str | None = None) -> go.Figure:
    """A ternary chart: the company as set up and as experienced, an arrow between them.

    Each lens is placed by :func:`ternary_shares` (shares of score minus the scale minimum).
    The arrow runs from the set-up point to the experience point, so a company whose
    customers experience a different discipline than it is built for shows a long arrow
    towards another corner.
    """
    inst = instrument
    lo = inst.scale.min
    source = _source(profile)
    heading = _t("chart_triangle_title", lang) + (f" · {_safe(title)}" if title else "")
    fig = _Figure()
    fig.add_trace(_centre_trace(lang))
    points: dict[str, dict[str, float]] = {}
    scores: dict[str, dict[str, float]] = {}
    for lens in ("setup", "experience"):
        rows = _lens_rows(profile, lens)
        scores[lens] = {d: _num(rows.at[d, "mean"]) for d in DISCIPLINES}
        shares = ternary_shares(scores[lens], lo)
        if shares is not None:
            points[lens] = shares
    if not points:
        return _empty(heading, _t("no_data", lang))
    if len(points) == 2:
        s, e = points["setup"], points["experience"]
        fig.add_trace(go.Scatterternary(
            a=[s["operational_excellence"], e["operational_excellence"]],
            b=[s["customer_intimacy"], e["customer_intimacy"]],
            c=[s["product_leadership"], e["product_leadership"]],
            mode="lines+markers", showlegend=False, hoverinfo="skip", name="arrow",
            line=dict(color="#333", width=2.5),
            marker=dict(symbol=["circle", "arrow"], size=[1, 16], angleref="previous",
                        color="#333", standoff=9),
        ))
    for lens, shares in points.items():
        other = points.get("experience" if lens == "setup" else "setup")
        position = _away(shares, other) if other else "top center"
        text = _t("point_experienced" if lens == "experience" else "point_setup", lang)
        fig.add_trace(go.Scatterternary(
            a=[shares["operational_excellence"]], b=[shares["customer_intimacy"]],
            c=[shares["product_leadership"]], mode="markers+text",
            name=_lens_name(inst, lens, lang, source),
            marker=dict(size=16, color=LENS_COLORS[lens], line=dict(width=1.5, color="white"),
                        symbol="circle" if lens == "experience" else "square"),
            text=[text], textposition=position, cliponaxis=False,
            textfont=dict(color=LENS_COLORS[lens], size=14),
            hovertext=[f"{_lens_name(inst, lens, lang, source)}<br>"
                       + _share_hover(inst, lang, shares, scores[lens])],
            hoverinfo="text",
        ))
    _layout(fig, heading, 540, legend=dict(orientation="h", x=0, y=-0.04,
                                           xanchor="left", yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=100, b=60))
    _ternary_layout(fig, inst, lang, ternary_zoom(list(points.values())))
    return fig.figure()


# -- 4. experience versus set-up ----------------------------------------------------------


def gap_chart(lens_gaps: Mapping[str, float | None], blind_spots: Mapping[str, float] | None,
              instrument: Instrument, lang: str = "en", title: str | None = None) -> go.Figure:
    """Experience minus set-up per discipline, with the band of differences that do not count.

    ``lens_gaps`` and ``blind_spots`` as in :class:`~assessment.diagnosis.Diagnosis`
    (discipline -> value; blind spots = staff's estimate minus customers' answers, only
    where customers answered). The shaded band is +-``lens_gap``; when ``blind_spot_gap``
    differs, dotted lines mark it.
    """
    inst = instrument
    th = inst.thresholds
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    heading = _t("chart_gap_title", lang) + (f" · {_safe(title)}" if title else "")
    gaps = np.array([_num(lens_gaps.get(d)) for d in DISCIPLINES])
    fig = _Figure()

    def reading(g: float, band: float, pos: str, neg: str, mid: str) -> str:
        if not np.isfinite(g):
            return _t("no_data", lang)
        if g >= band - 1e-9:
            return _t(pos, lang)
        if g <= -band + 1e-9:
            return _t(neg, lang)
        return _t(mid, lang)

    fig.add_trace(go.Bar(
        name=_t("lens_gap", lang), x=x, y=gaps, marker_color=EXPERIENCE_COLOR,
        text=[f"{g:+.2f}" if np.isfinite(g) else "" for g in gaps], textposition="outside",
        hovertext=[f"{x[i]}<br>{_t('lens_gap', lang)}: "
                   + (f"{gaps[i]:+.2f}" if np.isfinite(gaps[i]) else "–") + "<br>"
                   + reading(gaps[i], th.lens_gap, "reading_unbacked", "reading_unnoticed",
                             "reading_aligned")
                   for i in range(len(x))],
        hoverinfo="text",
    ))
    values = list(gaps[np.isfinite(gaps)])
    if blind_spots:
        blind = np.array([_num(blind_spots.get(d)) for d in DISCIPLINES])
        values += list(blind[np.isfinite(blind)])
        fig.add_trace(go.Bar(
            name=_t("blind_spot", lang), x=x, y=blind, marker_color=BLIND_COLOR,
            text=[f"{g:+.2f}" if np.isfinite(g) else "" for g in blind],
            textposition="outside",
            hovertext=[f"{x[i]}<br>{_t('blind_spot', lang)}: "
                       + (f"{blind[i]:+.2f}" if np.isfinite(blind[i]) else "–")
                       + "<br>" + reading(blind[i], th.blind_spot_gap, "reading_overestimate",
                                          "reading_underestimate", "reading_close")
                       for i in range(len(x))],
            hoverinfo="text",
        ))
        if abs(th.blind_spot_gap - th.lens_gap) > 1e-9:
            for sign in (1, -1):
                fig.add_hline(y=sign * th.blind_spot_gap,
                              line=dict(color=BLIND_COLOR, dash="dot", width=1))
    if not values:
        return _empty(heading, _t("no_data", lang))
    fig.add_hrect(y0=-th.lens_gap, y1=th.lens_gap, fillcolor=GAP_BAND_COLOR, line_width=0,
                  layer="below")
    fig.add_hline(y=0, line=dict(color="#666", width=1))
    fig.add_annotation(text=_t("band_label", lang, value=th.lens_gap), xref="paper",
                       x=1, xanchor="right", y=th.lens_gap, yanchor="bottom",
                       showarrow=False, font=dict(size=11, color="#666"))
    reach = max([th.lens_gap, th.blind_spot_gap] + [abs(v) for v in values]) + 0.35
    _layout(fig, heading, 420, barmode="group", bargap=0.35,
            legend=dict(orientation="h", x=0, y=-0.12, xanchor="left", yanchor="top"))
    fig.update_yaxes(range=[-reach, reach], title_text=_t("gap_axis", lang), zeroline=False)
    fig.update_layout(margin=dict(b=80))
    return fig.figure()


# -- 5. departments -----------------------------------------------------------------------


def department_heatmap(departments: pd.DataFrame, hidden: pd.DataFrame | None,
                       instrument: Instrument, lang: str = "en",
                       title: str | None = None) -> go.Figure:
    """Each shown department's set-up profile (rows) per discipline (columns).

    ``departments``: one company's (one wave's) rows of ``Scores.departments`` (only groups
    of at least the minimum size); ``hidden``: its rows of ``Scores.hidden_departments``,
    counted in a note under the chart, never shown. Department names are untrusted.
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = _t("chart_departments_title", lang) + (f" · {_safe(title)}" if title else "")
    n_hidden = 0 if hidden is None else len(hidden)
    n_hidden_resp = 0 if hidden is None or hidden.empty else int(hidden["n"].sum())
    note = (_t("departments_hidden_note", lang, n=n_hidden, min=th.min_group_size,
               respondents=n_hidden_resp) if n_hidden else "")
    if departments is None or departments.empty:
        msg = _t("departments_none", lang, min=th.min_group_size)
        fig = _empty(heading, msg + (f"<br>{note}" if note else ""))
        return fig
    wide = departments.pivot_table(index="department", columns="discipline", values="mean")
    wide = wide.reindex(columns=list(DISCIPLINES)).sort_index(ascending=False)
    size = departments.groupby("department")["n"].max().reindex(wide.index)
    y = [_safe(d) for d in wide.index]
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    z = wide.to_numpy(dtype=float)
    hover = [[f"{y[i]} (n = {int(size.iloc[i])})<br>{x[j]}: "
              + (f"{z[i, j]:.2f}" if np.isfinite(z[i, j]) else "–")
              for j in range(len(x))] for i in range(len(y))]
    mid = (th.par - lo) / (hi - lo)
    exc = (th.excellence - lo) / (hi - lo)
    colorscale = [[0.0, "#B2182B"], [mid, "#F7F7F7"], [exc, "#92C5DE"], [1.0, "#2166AC"]]
    fig = _Figure().add_trace(go.Heatmap(
        z=z, x=x, y=y, zmin=lo, zmax=hi, colorscale=colorscale,
        text=[[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in z],
        texttemplate="%{text}", textfont=dict(size=13), hovertext=hover, hoverinfo="text",
        xgap=3, ygap=3,
        colorbar=dict(title=dict(text=_t("score_short", lang)), thickness=14, len=0.9),
    ))
    height = 170 + 46 * len(y)
    _layout(fig, heading, max(height, 280))
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=110, b=50 if note else 30))
    if note:
        _note(fig, note, y=-0.02)
    return fig.figure()


# -- customers as co-producers ------------------------------------------------------------


ROLE_NEEDED_COLOR = "#009E73"  # Okabe-Ito bluish green
ROLE_OTHER_COLOR = OTHERS_COLOR
ROLE_PAR_COLOR = "#B22222"
ROLE_GROUP_SHADE = "rgba(120, 120, 120, 0.07)"
ROLE_MAX_PX = 60  # diameter of a role bubble at the top of the answer scale
ROLE_ROW_PX = 60  # height of a role's row
ROLE_MAP_WIDTH = 820  # two columns (active, passive) need no more
ROLE_CONTEXTS = ("service", "innovation")
ROLE_PARTICIPATION = ("active", "passive")


def role_bubble_sizeref(scale_max: float) -> float:
    """``marker.sizeref`` of the role bubbles (``sizemode="diameter"``): ``marker.size`` is
    the role's score and the bubble's width is proportional to it, ``ROLE_MAX_PX`` at the
    top of the answer scale (plotly draws a bubble ``size / sizeref`` pixels wide).

    Width rather than area: role scores lie close together (mostly 2.5 to 4.5 on a 1-5
    scale), and bubbles whose area follows the score hardly differ; the score is written
    next to every bubble."""
    return scale_max / ROLE_MAX_PX


def _wrap(text: str, width: int = 60) -> str:
    """Plain text broken into lines of about ``width`` characters (joined with <br>)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) if text else ""


def role_map(roles: pd.DataFrame, integration: IntegrationInstrument, instrument: Instrument,
             lang: str = "en", claimed: str | None = None,
             participation: Mapping[str, float | None] | None = None,
             title: str | None = None) -> go.Figure:
    """The customer roles as a map: how customers take part (active / passive, x) in which
    role (y, grouped by context: service, then product innovation).

    ``roles``: one row per role (e.g. ``Report.integration_roles()``): role, context,
    participation, score (the company's role score, NaN when too few answered), n, and
    optionally customer and internal (each group's score, NaN when hidden or missing).
    The bubble's ``marker.size`` is the score and its width is proportional to it
    (:func:`role_bubble_sizeref`); the red ring on every role is the size of par, so a
    bubble smaller than its ring is below par. Roles the ``claimed`` discipline needs (the fit
    model, ``integration.fit``) are green, the others grey. ``participation``: the
    participation block's scores (active, passive), shown under the x-axis labels.
    Role labels and descriptions come from the integration instrument (escaped all the
    same); ``title`` is untrusted text (e.g. the company name).
    """
    inst = instrument
    th = inst.thresholds
    heading = _t("chart_role_map_title", lang) + (f" · {_safe(title)}" if title else "")
    if roles is None or roles.empty:
        return _empty(heading, _t("no_data", lang))
    ctx_rank = {c: i for i, c in enumerate(ROLE_CONTEXTS)}
    rows = roles.assign(_ctx=roles["context"].map(ctx_rank)).sort_values("_ctx", kind="stable")
    rows = rows.reset_index(drop=True)
    names = [_safe(integration.scale_label("roles", r, lang)) for r in rows["role"]]
    part_names = {p: _safe(integration.scale_label("participation", p, lang))
                  for p in ROLE_PARTICIPATION}
    x = [part_names[p] for p in rows["participation"]]
    score = rows["score"].astype(float).to_numpy()
    needed = set(integration.fit[claimed].needs) if claimed else set()
    sizeref = role_bubble_sizeref(inst.scale.max)

    def group(key: str) -> str:
        return _t("answered_by_" + key, lang)

    def hover(i: int) -> str:
        r = rows.iloc[i]
        role = integration.roles[r["role"]]
        lines = [f"<b>{names[i]}</b>",
                 f"{_t('context_' + r['context'], lang)} · {part_names[r['participation']]}"]
        if np.isfinite(score[i]):
            lines.append(f"{_t('score_short', lang)}: {score[i]:.2f} (n = {int(_num(r['n']))})")
        else:
            lines.append(_t("no_data", lang))
        split = [f"{group(k)}: {_num(r.get(k)):.2f}" for k in ("customer", "internal")
                 if np.isfinite(_num(r.get(k)))]
        if split:
            lines.append(" · ".join(split))
        if r["role"] in needed:
            lines.append(_t("role_needed", lang, discipline=inst.discipline_label(claimed, lang)))
        lines.append(f"<i>{_wrap(_safe(role.description.get(lang)))}</i>")
        return "<br>".join(lines)

    fig = _Figure()
    # the context groups: a shaded band behind the innovation roles, a label at each group
    for ctx in ROLE_CONTEXTS:
        idx = [i for i, c in enumerate(rows["context"]) if c == ctx]
        if not idx:
            continue
        if ctx != ROLE_CONTEXTS[0]:
            fig.add_hrect(y0=min(idx) - 0.5, y1=max(idx) + 0.5, fillcolor=ROLE_GROUP_SHADE,
                          line_width=0, layer="below")
        fig.add_annotation(text=f"<b>{_t('context_' + ctx, lang)}</b>", xref="paper",
                           x=1.0, xanchor="right", y=min(idx) - 0.45, yanchor="top",
                           showarrow=False, font=dict(size=12, color="#666"))
    groups = ([(_t("role_needed", lang, discipline=inst.discipline_label(claimed, lang)),
                ROLE_NEEDED_COLOR, [r in needed for r in rows["role"]]),
               (_t("role_other", lang), ROLE_OTHER_COLOR, [r not in needed for r in rows["role"]])]
              if claimed else [(_t("role_all", lang), EXPERIENCE_COLOR, [True] * len(rows))])
    for name, color, mask in groups:
        idx = [i for i, m in enumerate(mask) if m and np.isfinite(score[i])]
        if not idx:
            continue
        fig.add_trace(go.Scatter(
            x=[x[i] for i in idx], y=[names[i] for i in idx], mode="markers+text", name=name,
            marker=dict(size=[float(score[i]) for i in idx], sizemode="diameter",
                        sizeref=sizeref,
                        sizemin=3, color=color, opacity=0.85,
                        line=dict(width=1, color="white")),
            # an en space keeps the number clear of the par ring around a small bubble
            text=[f"\u2002{score[i]:.2f}" for i in idx], textposition="middle right",
            textfont=dict(size=12, color="#333"), cliponaxis=False,
            hovertext=[hover(i) for i in idx], hoverinfo="text",
        ))
    missing = [i for i in range(len(rows)) if not np.isfinite(score[i])]
    if missing:
        fig.add_trace(go.Scatter(
            x=[x[i] for i in missing], y=[names[i] for i in missing], mode="markers+text",
            name=_t("no_data", lang), text=["–"] * len(missing), textposition="middle right",
            marker=dict(symbol="x-thin", size=10, line=dict(width=1.5, color="#999")),
            hovertext=[hover(i) for i in missing], hoverinfo="text"))
    # par as a ring of the same scale around every role: a bubble inside it is below par
    fig.add_trace(go.Scatter(
        x=x, y=names, mode="markers", name=_t("par_ring", lang, value=th.par),
        marker=dict(symbol="circle-open", size=[th.par] * len(rows), sizemode="diameter",
                    sizeref=sizeref, color=ROLE_PAR_COLOR, line=dict(width=1.5)),
        hoverinfo="skip",
    ))
    part = participation or {}
    ticks = [part_names[p] + (f"<br><span style='font-size:11px;color:#555'>"
                              f"{_t('participation_score', lang, value=part[p])}</span>"
                              if part.get(p) is not None and np.isfinite(_num(part.get(p)))
                              else "")
             for p in ROLE_PARTICIPATION]
    _layout(fig, heading, 200 + ROLE_ROW_PX * len(rows), width=ROLE_MAP_WIDTH,
            legend=dict(orientation="h", x=0, y=-0.03, xanchor="left", yanchor="top",
                        itemsizing="constant"))
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[part_names[p] for p in ROLE_PARTICIPATION],
                     tickvals=[part_names[p] for p in ROLE_PARTICIPATION], ticktext=ticks,
                     range=[-0.5, len(ROLE_PARTICIPATION) - 0.5], side="top", showgrid=True,
                     gridcolor="#e6e6e6")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names,
                     range=[len(names) - 0.5, -0.5], showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=120, b=70, r=40))
    return fig.figure()


# -- portfolio: all companies, and section 8 ----------------------------------------------


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


def portfolio_triangle(diagnoses: Mapping[str, Diagnosis], instrument: Instrument,
                       lang: str = "en", title: str | None = None) -> go.Figure:
    """All companies in the discipline triangle, as set up (squares) and as experienced
    (circles), each joined by an arrow from set-up to experience.

    Uses ``LensResult.scores`` of each diagnosis; a company missing a lens is shown with
    the lens it has. Company names are untrusted (escaped). Names are written next to the
    experience points for portfolios of up to 12 companies; hover shows them always.
    """
    inst = instrument
    lo = inst.scale.min
    heading = _safe(title) if title else _t("chart_portfolio_title", lang)
    pts: dict[str, list] = {lens: [] for lens in LENSES}
    arrows: dict[str, list] = {"a": [], "b": [], "c": [], "symbol": [], "size": []}
    for diag in diagnoses.values():
        name = _safe(diag.name)
        shares = {}
        for lens in LENSES:
            res = diag.lenses.get(lens)
            if res is None:
                continue
            sh = ternary_shares(res.scores, lo)
            if sh is None:
                continue
            shares[lens] = sh
            pts[lens].append((name, sh, res.scores))
        if len(shares) == 2:
            for key, disc in TERNARY_KEYS.items():
                arrows[disc] += [shares["setup"][key], shares["experience"][key], None]
            arrows["symbol"] += ["circle", "arrow", "circle"]
            arrows["size"] += [1, 11, 1]
    if not pts["experience"] and not pts["setup"]:
        return _empty(heading, _t("no_data", lang))
    fig = go.Figure()
    fig.add_trace(_centre_trace(lang))
    if arrows["a"]:
        fig.add_trace(go.Scatterternary(
            a=arrows["a"], b=arrows["b"], c=arrows["c"], mode="lines+markers",
            connectgaps=False, showlegend=False, hoverinfo="skip", name="arrows",
            line=dict(color="rgba(60,60,60,0.55)", width=1.5),
            marker=dict(symbol=arrows["symbol"], size=arrows["size"], angleref="previous",
                        color="rgba(60,60,60,0.8)", standoff=6)))
    label_names = len(diagnoses) <= 12
    positions = _label_positions([_xy(r[1]) for r in pts["experience"]],
                                 [_xy(r[1]) for r in pts["setup"]])
    for lens in ("setup", "experience"):
        rows = pts[lens]
        if not rows:
            continue
        fig.add_trace(go.Scatterternary(
            a=[r[1]["operational_excellence"] for r in rows],
            b=[r[1]["customer_intimacy"] for r in rows],
            c=[r[1]["product_leadership"] for r in rows],
            mode="markers+text" if (label_names and lens == "experience") else "markers",
            name=_t("point_experienced" if lens == "experience" else "point_setup", lang),
            text=[r[0] for r in rows], cliponaxis=False,
            textposition=positions if lens == "experience" else "top center",
            textfont=dict(size=11, color="#333"),
            marker=dict(size=12, color=LENS_COLORS[lens], line=dict(width=1, color="white"),
                        symbol="circle" if lens == "experience" else "square"),
            hovertext=[f"<b>{r[0]}</b><br>{_lens_name(inst, lens, lang)}<br>"
                       + _share_hover(inst, lang, r[1], r[2]) for r in rows],
            hoverinfo="text",
        ))
    _layout(fig, heading, 600, legend=dict(orientation="h", x=0, y=-0.06,
                                           xanchor="left", yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=90, b=70))
    _ternary_layout(fig, inst, lang,
                    ternary_zoom([r[1] for lens in LENSES for r in pts[lens]]))
    return fig


def comparison_chart(table: pd.DataFrame, company_id: str, instrument: Instrument,
                     lang: str = "en", title: str | None = None) -> go.Figure:
    """The company's lens scores beside the other companies (section 8).

    ``table``: tidy rows company_id, name, lens, discipline, mean (the company and its
    comparison group, e.g. ``Report.comparison_data()``). One panel per lens; grey dots
    are the other companies (hover: name), the short line their mean, the diamond the
    company itself.
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = _t("chart_comparison_title", lang) + (f" · {_safe(title)}" if title else "")
    if table is None or table.empty:
        return _empty(heading, _t("no_data", lang))
    fig = _Figure.subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
                           subplot_titles=[_lens_name(inst, lens, lang) for lens in LENSES])
    others_ids = sorted(set(table["company_id"]) - {company_id})
    offset = {cid: (i - (len(others_ids) - 1) / 2) * (0.36 / max(len(others_ids), 1))
              for i, cid in enumerate(others_ids)}
    for col, lens in enumerate(LENSES, start=1):
        sub = table[table["lens"] == lens]
        others = sub[sub["company_id"] != company_id]
        own = sub[sub["company_id"] == company_id].set_index("discipline")
        pos = {d: i for i, d in enumerate(DISCIPLINES)}
        if len(others):
            xs = [pos[d] + offset[c] for d, c in zip(others["discipline"], others["company_id"],
                                                     strict=True)]
            fig.add_trace(go.Scatter(
                x=xs, y=others["mean"], mode="markers", name=_t("others", lang),
                legendgroup="others", showlegend=col == 1,
                marker=dict(size=9, color=OTHERS_COLOR, line=dict(width=1, color="white")),
                hovertext=[f"{_safe(n)}<br>{_disc(inst, d, lang)}: {m:.2f}"
                           for n, d, m in zip(others["name"], others["discipline"],
                                              others["mean"], strict=True)],
                hoverinfo="text"), row=1, col=col)
            avg = others.groupby("discipline")["mean"].mean().reindex(list(DISCIPLINES))
            fig.add_trace(go.Scatter(
                x=list(range(3)), y=avg.to_numpy(), mode="markers", name=_t("others_mean", lang),
                legendgroup="mean", showlegend=col == 1,
                marker=dict(symbol="line-ew", size=44, line=dict(width=3, color="#555")),
                hovertext=[f"{_t('others_mean', lang)}<br>{_disc(inst, d, lang)}: {v:.2f}"
                           for d, v in zip(DISCIPLINES, avg.to_numpy(), strict=True)],
                hoverinfo="text"), row=1, col=col)
        own_vals = own["mean"].reindex(list(DISCIPLINES)).to_numpy(dtype=float)
        own_name = _safe(own["name"].iloc[0]) if len(own) else _safe(company_id)
        fig.add_trace(go.Scatter(
            x=list(range(3)), y=own_vals, mode="markers", name=own_name,
            legendgroup="self", showlegend=col == 1,
            marker=dict(symbol="diamond", size=15, color=LENS_COLORS[lens],
                        line=dict(width=1.5, color="#222")),
            hovertext=[f"{own_name}<br>{_disc(inst, d, lang)}: "
                       + (f"{v:.2f}" if np.isfinite(v) else "–")
                       for d, v in zip(DISCIPLINES, own_vals, strict=True)],
            hoverinfo="text"), row=1, col=col)
        fig.update_xaxes(tickvals=list(range(3)),
                         ticktext=[_short(inst, d) for d in DISCIPLINES],
                         range=[-0.5, 2.5], row=1, col=col)
    for y, key, color, dash in ((th.par, "par_line", "#B22222", "dash"),
                                (th.excellence, "excellence_line", "#1B7F3B", "dot")):
        fig.add_hline(y=y, line=dict(color=color, dash=dash, width=1.2))
        fig.add_annotation(text=_t(key, lang, value=y), xref="paper", x=1.005, xanchor="left",
                           y=y, yref="y", yanchor="middle", showarrow=False, align="left",
                           font=dict(color=color, size=12))
    _layout(fig, heading, 430, legend=dict(orientation="h", x=0, y=-0.14, xanchor="left",
                                           yanchor="top"))
    fig.update_yaxes(range=[lo, hi + 0.05], dtick=0.5)
    fig.update_yaxes(title_text=_t("score_axis", lang, min=lo, max=hi), row=1, col=1)
    fig.update_layout(margin=dict(b=90, r=130))
    legend_note = " · ".join(f"{_short(inst, d)} = {_disc(inst, d, lang)}" for d in DISCIPLINES)
    _note(fig, legend_note, y=-0.27)
    return fig.figure()


# -- display ------------------------------------------------------------------------------


def figure_html(fig: go.Figure, include_plotlyjs: bool | str = False) -> str:
    """A div and a ``Plotly.newPlot`` script for the figure (no plotly.js by default)."""
    return fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs,
                       config=PLOTLY_CONFIG)


def show(fig: go.Figure | None) -> None:
    """Display a figure in a notebook without ``fig.show()`` (nothing for None), which
    imports nbformat and jsonschema and picks a renderer nbconvert cannot show.

    The output carries ``text/html`` from :func:`figure_html` (what nbconvert's HTML export
    keeps) and the plotly JSON mime bundle, which JupyterLab renders live even in an
    untrusted notebook. With ``ASSESSMENT_PLOTLY_JSON=0`` in the environment (the batch's
    kernels) the JSON bundle is left out: it doubles the notebook's size and its cost in
    the kernel, the notebook client and the export, and the HTML is the same without it.
    """
    from IPython.display import display

    if fig is None:
        return
    bundle: dict[str, object] = {"text/html": figure_html(fig)}
    if os.environ.get(PLOTLY_JSON_ENV, "1").strip() != "0":
        bundle[PLOTLY_MIME] = json.loads(fig.to_json())
    display(bundle, raw=True)
