"""The live workshop: ipywidgets controls built from the instrument, a plotly FigureWidget
redrawn after every change, and nothing lost (every change saved at once).

    >>> from assessment.workshop import Workshop
    >>> ws = Workshop("data/sample", "pcmaker", lang="nl")   # in a notebook: display(ws)
    >>> ws.set_answer("oe_exp_1", 4)                          # what a click does
    >>> ws.set_answer("int_role_co_creator_1", 5)             # the co-producers tab
    >>> ws.result.diagnosis.lenses["setup"].verdict
    >>> ws.result.diagnosis.integration                       # roles, fit, burden
    >>> ws.comparison().head()                               # largest disagreement first
    >>> ws.set_target("customer_intimacy"); ws.moves()
    >>> ws.export(); ws.snapshot()

State, files, scoring, comparison, moves and export live in
:mod:`assessment.workshop.state` (no browser needed); this module only adds the widgets
and the figure. ``notebooks/workshop.ipynb`` creates and displays one :class:`Workshop`.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import time
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from copy import deepcopy
from pathlib import Path

import ipywidgets as w
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from assessment.diagnosis.findings import Diagnosis
from assessment.diagnosis.integration import INTEGRATION_CODES, diagnose_integration
from assessment.exceptions import AssessmentError, DatasetError
from assessment.files import atomic_write_text
from assessment.instrument.models import DISCIPLINES, LANGS, LENSES, THRESHOLD_LENS, Instrument
from assessment.intake.dataset import Dataset, load_dataset
from assessment.present.figures import ternary_shares
from assessment.present.theme import EXPERIENCE_COLOR, LENS_COLORS, SETUP_COLOR, TARGET_COLOR
from assessment.scoring.integration import TAKEOVER_ROLES
from assessment.workshop.state import (
    DEFAULT_TEAM_DEPARTMENT,
    INDIVIDUAL,
    MODES,
    TEAM,
    ExportResult,
    LiveResult,
    Move,
    SessionInfo,
    SessionInUse,
    SurveyReference,
    WorkshopError,
    WorkshopState,
    add_company,
    compare_items,
    default_wave,
    export_session,
    list_sessions,
    live_result,
    moves_frame,
    session_dataset,
    text,
    what_has_to_move,
)

__all__ = ["Workshop", "build_figure", "update_figure", "ternary_shares", "WorkshopError",
           "SessionInUse"]

log = logging.getLogger(__name__)

NA = "na"  # the "not answered" option of every item control (never a scale value)
NEW_COMPANY = "\0new"
OFFSET = {"experience": -0.2, "setup": 0.2}
COMPARE_ROWS = 12
INTEGRATION_TAB = len(DISCIPLINES)  # the customer-integration tab follows the disciplines
FIG_WIDTH = 640  # px: the right column is this wide, the questions take the rest
FIG_HEIGHT = 620

# trace indices of the workshop figure (see build_figure)
T_BAR = {"experience": 0, "setup": 1}
T_SURVEY_BAR = {"experience": 2, "setup": 3}
T_TARGET = 4
T_TRI = {"experience": 6, "setup": 7}
T_TRI_SURVEY = {"experience": 8, "setup": 9}
T_TRI_TARGET = 10
T_GAP = 11
T_MOVE = {"experience": 12, "setup": 13}

CSS = """
<style>
.ws-root { font-family: Helvetica, Arial, sans-serif; }
.ws-root .ws-title h2 { margin: 4px 0 2px 0; }
.ws-item { border-left: 4px solid #d9d9d9; padding: 4px 0 6px 10px; margin: 4px 0 8px 0; }
.ws-item.ws-answered { border-left-color: #1B7F3B; }
.ws-item .ws-item-text { font-size: 14px; line-height: 1.35; }
.ws-item .ws-item-text .ws-id { color: #888; font-size: 11px; margin-left: 4px; }
.ws-item .widget-toggle-buttons { flex-wrap: wrap; height: auto; }
.ws-item .widget-toggle-button { font-size: 12px; padding: 0 8px; margin: 2px 3px 2px 0; }
.ws-item .widget-toggle-button:first-child { font-style: italic; color: #666; }
.ws-item .widget-toggle-button.mod-active { background: #0072B2; color: #fff;
  font-weight: bold; box-shadow: none; }
.ws-item .widget-toggle-button:first-child.mod-active { background: #d0d0d0; color: #333;
  font-weight: normal; }
.ws-item .widget-toggle-button:disabled { opacity: 0.45; }
.ws-section h4 { margin: 12px 0 2px 0; }
.ws-root .lm-TabBar-tab, .ws-root .p-TabBar-tab { max-width: none !important;
  min-width: 0 !important; flex: 0 1 auto !important; }
.ws-root .lm-TabBar-tabLabel, .ws-root .p-TabBar-tabLabel { overflow: visible; }
.ws-root .ws-questions > .lm-TabBar > .lm-TabBar-content,
.ws-root .ws-questions > .p-TabBar > .p-TabBar-content { flex-wrap: wrap; }
.ws-root .ws-questions > .lm-TabBar .lm-TabBar-tab,
.ws-root .ws-questions > .p-TabBar .p-TabBar-tab { flex: 0 0 auto !important; }
.ws-section .ws-hint { color: #555; font-size: 12px; margin-bottom: 4px; }
.ws-section .ws-skip-hint { color: #8a5a00; }
.ws-item.ws-skipped .ws-item-text { color: #888; }
.ws-item .ws-item-text .ws-tag { color: #555; font-size: 11px; font-weight: bold;
  margin-right: 4px; }
.ws-item .ws-item-text .ws-note { color: #8a5a00; font-size: 11px; font-style: italic;
  margin-left: 2px; white-space: nowrap; }
.ws-int-progress { color: #555; font-size: 12px; }

.ws-status { color: #555; font-size: 12px; }
.ws-status .ws-error { color: #B22222; font-weight: bold; }
.ws-root .widget-html-content { line-height: 1.4; }
.ws-findings li { margin-bottom: 4px; }
.ws-sev-critical { color: #B22222; font-weight: bold; }
.ws-sev-warning { color: #A0522D; font-weight: bold; }
.ws-sev-info { color: #1B5E8A; font-weight: bold; }
table.ws-compare { border-collapse: collapse; font-size: 12px; width: 100%; }
table.ws-compare th, table.ws-compare td { border-bottom: 1px solid #e3e3e3; padding: 3px 5px;
  text-align: right; vertical-align: top; line-height: 1.3; }
table.ws-compare td.ws-text, table.ws-compare th.ws-text { text-align: left; }
.ws-offer { background: #FFF8E1; border: 1px solid #E6C200; padding: 6px 10px; }
</style>
"""


# -- figure (pure functions: testable without widgets) --------------------------------------


def _e(s: object) -> str:
    """Escape untrusted text for HTML and plotly labels."""
    return html.escape("" if s is None else str(s), quote=True)


def _short(inst: Instrument, d: str) -> str:
    return inst.disciplines[d].short  # type: ignore[index]


def build_figure(instrument: Instrument, lang: str = "en", company: str = "") -> go.Figure:
    """The workshop figure with empty data: profile (both lenses, par and excellence lines,
    survey and target markers), triangle, lens gaps and what has to move. Trace positions
    are fixed (``T_*``) so :func:`update_figure` only sets data."""
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
                             textfont=dict(color=LENS_COLORS[lens], size=11),
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
        marker=dict(symbol="x-thin", size=10, line=dict(width=2, color="#999"))), row=1, col=2)
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
        x=xs, y=[None] * 3, showlegend=False, marker_color=["#999"] * 3, width=0.5,
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
    for y, color, dash, key in ((th.par, "#B22222", "dash", "par_line"),
                                (th.excellence, "#1B7F3B", "dot", "excellence_line")):
        fig.add_shape(type="line", xref=f"{px_} domain", yref=py_, x0=0, x1=1, y0=y, y1=y,
                      line=dict(color=color, dash=dash, width=1.6))
        fig.add_annotation(xref=f"{px_} domain", yref=py_, x=1.01, y=y, xanchor="left",
                           yanchor="middle", showarrow=False,
                           text=text(key, lang, value=y).replace(" ", "<br>"),
                           font=dict(color=color, size=10), align="left")
    fig.add_shape(type="rect", xref=f"{_ref(gap.xaxis)} domain", yref=_ref(gap.yaxis),
                  x0=0, x1=1, y0=-th.lens_gap, y1=th.lens_gap, line_width=0,
                  fillcolor="rgba(120,120,120,0.13)", layer="below")
    axis = dict(min=0, linewidth=1, ticks="", showticklabels=False, gridcolor="#e5e5e5")
    fig.update_layout(
        ternary=dict(sum=1, bgcolor="#fbfbfb",
                     aaxis=dict(title=dict(text=_short(inst, "operational_excellence"),
                                           font=dict(size=12)), **axis),
                     baxis=dict(title=dict(text=_short(inst, "customer_intimacy"),
                                           font=dict(size=12)), **axis),
                     caxis=dict(title=dict(text=_short(inst, "product_leadership"),
                                           font=dict(size=12)), **axis)),
        template="plotly_white", height=FIG_HEIGHT, width=FIG_WIDTH, barmode="overlay",
        font=dict(family="Helvetica, Arial, sans-serif", size=12, color="#222"),
        margin=dict(l=36, r=16, t=64, b=30),
        legend=dict(orientation="h", x=0, y=1.07, xanchor="left", yanchor="bottom",
                    font=dict(size=11)),
        hoverlabel=dict(align="left"),
    )
    for ann in fig.layout.annotations[:4]:
        ann.font = dict(size=13)
    # keep the triangle's top corner label clear of its subplot title
    dom = fig.layout.ternary.domain
    fig.layout.ternary.domain = dict(x=[dom.x[0] + 0.03, dom.x[1] - 0.01],
                                     y=[dom.y[0] + 0.02, dom.y[1] - 0.08])
    if company:
        fig.layout.meta = {"company": _e(company)}
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

    def __init__(self, fig: go.Figure):
        self.fig = fig
        self.cache: dict = getattr(fig, "_ws_cache", None) or {}
        fig._ws_cache = self.cache  # type: ignore[attr-defined]

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
                  moves: list[Move]) -> None:
    """Put the current numbers into a figure made by :func:`build_figure` (one batch;
    only properties whose value changed are sent)."""
    inst = instrument
    lo = inst.scale.min
    labels = [inst.discipline_label(d, lang) for d in DISCIPLINES]
    lens_label = {lens: inst.lens_label(lens, lang).split(" (")[0] for lens in LENSES}
    names = {lens: f"{text('trace_survey', lang)}: {text(f'trace_{lens}', lang)}"
             for lens in LENSES}
    names.update({f"team_{lens}": text(f"trace_{lens}", lang) for lens in LENSES})
    put = _Setter(fig)
    with fig.batch_update():
        for lens in LENSES:
            y = [live.means[lens][d] for d in DISCIPLINES]
            bi = T_BAR[lens]
            put(bi, "y", [v if np.isfinite(v) else None for v in y])
            put(bi, "text", [_fmt(v) if np.isfinite(v) else "" for v in y])
            put(bi, "hovertext", [f"{_e(labels[k])}<br>{_e(lens_label[lens])}: {_fmt(y[k])}"
                                  for k in range(3)])
            sv = [survey.means[lens][d] for d in DISCIPLINES] if survey else [np.nan] * 3
            si = T_SURVEY_BAR[lens]
            put(si, "y", [v if np.isfinite(v) else None for v in sv])
            put(si, "hovertext", [f"{_e(names[lens])}<br>{_e(labels[k])}: {_fmt(sv[k])}"
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
                put(ti, "hovertext", [f"{_e(name)}<br>" + "<br>".join(
                    f"{_e(labels[k])}: {shares[d]:.0%} ({_fmt(scores[d])})"
                    for k, d in enumerate(DISCIPLINES))])
            mv = {m.discipline: m for m in moves if m.lens == lens}
            mi = T_MOVE[lens]
            put(mi, "y", [mv[d].delta if d in mv and np.isfinite(mv[d].delta) else None
                          for d in DISCIPLINES])
            put(mi, "hovertext", [_e(mv[d].text(lang, inst)) if d in mv else ""
                                  for d in DISCIPLINES])
        if target_profile:
            put(T_TARGET, "y", [float(target_profile[d]) for d in DISCIPLINES for _ in LENSES])
            put(T_TARGET, "hovertext", [f"{_e(text('trace_target', lang))}: {_e(labels[k])} "
                                        f"{float(target_profile[d]):.2f}"
                                        for k, d in enumerate(DISCIPLINES) for _ in LENSES])
            shares = ternary_shares(target_profile, lo)
            put(T_TRI_TARGET, "a", [shares["operational_excellence"]] if shares else [])
            put(T_TRI_TARGET, "b", [shares["customer_intimacy"]] if shares else [])
            put(T_TRI_TARGET, "c", [shares["product_leadership"]] if shares else [])
            put(T_TRI_TARGET, "hovertext", [_e(text("trace_target", lang))])
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
        put(T_GAP, "marker.color", ["#999" if v is None or abs(v) < th - 1e-9 else
                                    (EXPERIENCE_COLOR if v > 0 else SETUP_COLOR) for v in g])
        put(T_GAP, "hovertext", [f"{_e(labels[k])}: {_fmt(v if v is not None else np.nan)}"
                                 for k, v in enumerate(g)])


# -- the workshop ---------------------------------------------------------------------------


def _sync_figure(fig: go.FigureWidget | None) -> None:
    """Copy a FigureWidget's data and layout into its synced state. Updates are sent to
    existing views as messages only; a view created later (the figure is shown inside a
    box, so its own display hook that does this never runs) starts from this state."""
    if isinstance(fig, go.FigureWidget):
        fig._widget_layout = deepcopy(fig._layout_obj._props)
        fig._widget_data = deepcopy(fig._data)


def _guard(method: Callable) -> Callable:
    """Widget callbacks never raise into the void: the error is shown on the page."""
    def wrapper(self: Workshop, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except AssessmentError as exc:
            self._show_error(str(exc))
        except Exception as exc:  # noqa: BLE001 - show, log, keep the session alive
            log.error("workshop callback failed:\n%s", traceback.format_exc())
            self._show_error(f"{type(exc).__name__}: {exc}")
        return None
    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class Workshop:
    """A live value-discipline session for one company of a dataset.

    Parameters
    ----------
    dataset: the dataset folder (``companies.csv``, ``responses.csv``).
    company_id: the company (default: the first in ``companies.csv``).
    lang: ``en``, ``de`` or ``nl`` (a resumed session keeps its own language).
    mode: ``team`` (one consensus respondent, the default) or ``individual``.
    resume: what to do when the company has saved sessions: ``ask`` (show the offer; the
        questions are locked until the facilitator chooses), ``last`` (resume the most
        recent one not open elsewhere) or ``new``. Switching company later always asks.
    session: a session file to open (overrides ``resume``).
    wave: the wave the answers belong to (default: the company's latest wave).
    department: the team's department in team mode.
    """

    def __init__(self, dataset: str | Path = "data/sample", company_id: str | None = None,
                 lang: str = "en", mode: str = TEAM, *, resume: str = "ask",
                 session: str | Path | None = None, wave: str | None = None,
                 department: str = DEFAULT_TEAM_DEPARTMENT, today: dt.date | None = None):
        if lang not in LANGS:
            raise WorkshopError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
        if mode not in MODES:
            raise WorkshopError(f"unknown mode {mode!r}; expected one of {list(MODES)}")
        if resume not in ("ask", "last", "new"):
            raise WorkshopError("resume must be 'ask', 'last' or 'new'")
        self.lang = lang
        self.mode = mode
        self.resume_policy = resume
        self.department = department
        self.today = today
        self._wave_param = wave
        self.state: WorkshopState | None = None
        self.ds: Dataset | None = None
        self.instrument: Instrument | None = None
        self.company_id: str | None = None
        self.survey: SurveyReference | None = None
        self.result: LiveResult | None = None
        self.pending_sessions: list[SessionInfo] = []
        self.last_callback_ms: float | None = None
        self.controls: dict[str, w.ToggleButtons] = {}
        self._rows: dict[str, w.VBox] = {}
        self.notes_widgets: dict[str, w.Textarea] = {}
        self._suppress = False
        self.figure: go.FigureWidget | None = None
        self._build_shell()
        self._load_dataset(Path(dataset))
        self._choose_company(company_id or self.ds.companies["company_id"].iloc[0],
                             session=session)
        self.resume_policy = "ask"  # later company switches offer the company's sessions

    # -- public API (what the controls do) ----------------------------------------------------
    def set_answer(self, item_id: str, value: int | None, respondent_id: str | None = None
                   ) -> None:
        """Answer (or clear, with None) one item for the current (or given) participant;
        saves and rescores. Raises :class:`WorkshopError` for an invalid answer."""
        state = self._require_state()
        t0 = time.perf_counter()
        state.set_answer(item_id, value, respondent_id)
        if respondent_id is None or state.index_of(respondent_id) == state.current:
            ctrl = self.controls.get(item_id)
            if ctrl is not None:
                self._set_control(item_id, value)
        self.refresh()
        self.last_callback_ms = (time.perf_counter() - t0) * 1000

    def answer(self, item_id: str, respondent_id: str | None = None) -> int | None:
        """The current answer to an item (None: not answered)."""
        return self._require_state().answer(item_id, respondent_id)

    def answers(self, respondent_id: str | None = None) -> dict[str, int | None]:
        """Every item's answer for the current (or given) participant (the core items, then
        the customer-integration items)."""
        state = self._require_state()
        return {i: state.answer(i, respondent_id) for i in state.item_ids + state.int_ids}

    def set_note(self, discipline: str, note: str) -> None:
        """Set the notes of one discipline (saved at once)."""
        self._require_state().set_note(discipline, note)
        box = self.notes_widgets.get(discipline)
        if box is not None and box.value != note:
            with self._quiet():
                box.value = note
        self._show_saved()

    def set_target(self, discipline: str | None, profile: Mapping[str, float] | None = None
                   ) -> None:
        """Mark the discipline to lead in and (optionally) the target profile; None clears."""
        self._require_state().set_target(discipline, profile)
        self._sync_target_widgets()
        self.refresh()

    def moves(self) -> pd.DataFrame:
        """What has to move from the current profile to the target (empty without target)."""
        state = self._require_state()
        return moves_frame(self._moves(), state.lang, self.instrument)

    def comparison(self, reference: str = "all") -> pd.DataFrame:
        """The team's answers beside the survey's, largest disagreement first (see
        :func:`assessment.workshop.state.compare_items`); empty without survey data."""
        state = self._require_state()
        if self.survey is None or self.survey.n == 0:
            return pd.DataFrame()
        return compare_items(state.team_answers(), self.survey, self.instrument, state.lang,
                             reference)

    def add_participant(self, respondent_id: str | None = None, perspective: str = "internal",
                        department: str = "") -> str:
        """Add a participant (individual mode) and show their (empty) answers."""
        state = self._require_state()
        p = state.add_participant(respondent_id, perspective, department,
                                  taken=self._taken_ids())
        self._after_participant_change()
        self._status(text("participant_added", state.lang, respondent_id=_e(p.respondent_id)))
        return p.respondent_id

    def select_participant(self, respondent_id: str) -> None:
        """Show (and answer for) another participant."""
        self._require_state().select(respondent_id)
        self._after_participant_change()

    def set_lang(self, lang: str) -> None:
        """Switch the language of every text and chart."""
        if lang not in LANGS:
            raise WorkshopError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
        self.lang = lang
        if self.state is not None:
            self.state.set_lang(lang)
        if self.w_lang.value != lang:
            with self._quiet():
                self.w_lang.value = lang
        self._rebuild_all()

    def set_mode(self, mode: str) -> None:
        """Team consensus or individual participants."""
        if self.state is not None:
            self.state.set_mode(mode)
        self.mode = mode
        if self.w_mode.value != mode:
            with self._quiet():
                self.w_mode.value = mode
        self._rebuild_all()

    def set_wave(self, wave: str) -> None:
        """The wave the session's answers are exported into."""
        state = self._require_state()
        state.wave = str(wave).strip()
        state.save()
        self._survey_for_state()
        self.refresh()

    def sessions(self) -> list[SessionInfo]:
        """The company's saved sessions, most recent first."""
        return list_sessions(self.ds.path, self.company_id)

    def resume(self, session: str | Path | SessionInfo | None = None) -> None:
        """Resume a saved session (default: the most recent one)."""
        if isinstance(session, SessionInfo):
            session = session.path
        if session is None:
            found = self.sessions()
            if not found:
                raise WorkshopError("no saved session to resume for this company")
            session = found[0].path
        path = Path(session)
        if not path.is_absolute() and not path.exists():
            path = self.ds.path / "workshops" / path.name
        new = WorkshopState.open(path, instrument=self.instrument,
                                 integration=self.ds.integration)
        if new.company_id != self.company_id:
            new.close()
            raise WorkshopError(f"session {path.name} is for company {new.company_id!r}")
        self._activate(new)

    def new_session(self) -> None:
        """Start a new session for the company (earlier sessions are kept)."""
        self._activate(WorkshopState.new(
            self.ds.path, self.company_id, instrument=self.instrument,
            company_name=self.ds.company_name(self.company_id), wave=self._default_wave(),
            lang=self.lang, mode=self.mode, department=self.department, today=self.today,
            integration=self.ds.integration))

    def choose_company(self, company_id: str) -> None:
        """Switch to another company of the dataset (its sessions are offered)."""
        self._choose_company(company_id)

    def create_company(self, name: str, industry: str) -> str:
        """Append a new company to ``companies.csv`` and start a session for it."""
        cid = add_company(self.ds.path, name, industry)
        self._load_dataset(self.ds.path)
        self._choose_company(cid)
        self._status(text("company_created", self.lang, name=_e(name), company_id=_e(cid)))
        return cid

    def choose_dataset(self, dataset: str | Path, company_id: str | None = None) -> None:
        """Switch to another dataset folder."""
        self._load_dataset(Path(dataset))
        self._choose_company(company_id or self.ds.companies["company_id"].iloc[0])

    def export(self) -> ExportResult:
        """Append the session's respondents to the dataset's responses file (never changing
        existing rows); the survey comparison then leaves them out."""
        state = self._require_state()
        result = export_session(state)
        self.ds = load_dataset(self.ds.path)
        self._survey_for_state()
        self.refresh()
        msgs = [text("export_done", state.lang, n=len(result.appended),
                     file=_e(result.file.name))]
        if result.skipped:
            msgs.append(text("export_skipped", state.lang, ids=_e(", ".join(result.skipped))))
        if result.changed:
            msgs.append(text("export_changed", state.lang, ids=_e(", ".join(result.changed))))
        if result.left_out:
            msgs.append(text("export_left_out", state.lang, n=len(result.left_out),
                             ids=_e(", ".join(result.left_out))))
        self.w_export_status.value = "<br>".join(msgs)
        return result

    def snapshot(self, path: str | Path | None = None) -> Path:
        """Write the current charts, verdicts, findings, moves, comparison and notes as one
        self-contained HTML file (plotly.js inlined: works offline). Default path:
        ``<dataset>/workshops/<session>-snapshot-<time>.html``."""
        state = self._require_state()
        if state.stem is None:
            state.save()
        if path is None:
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            path = state.folder / f"{state.stem}-snapshot-{stamp}.html"
            k = 2
            while Path(path).exists():
                path = state.folder / f"{state.stem}-snapshot-{stamp}-{k}.html"
                k += 1
        path = Path(path)
        atomic_write_text(path, self.snapshot_html())
        self.w_export_status.value = text("snapshot_done", state.lang, file=_e(path))
        return path

    def snapshot_html(self) -> str:
        """The snapshot page as a string."""
        state = self._require_state()
        lang = state.lang
        fig = go.Figure(self.figure)
        chart = fig.to_html(full_html=False, include_plotlyjs=True,
                            config={"displaylogo": False, "responsive": True})
        answered, total = state.answers_given(), state.answerable_total()
        meta = text("snapshot_meta", lang, session=_e(state.stem),
                    time=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
                    mode=_e(text("mode_team" if state.mode == TEAM else "mode_individual",
                                 lang)), answered=answered, total=total,
                    version=_e(self.instrument.version))
        notes = "".join(
            f"<h3>{_e(self.instrument.discipline_label(d, lang))}</h3>"
            f"<p style='white-space:pre-wrap'>{_e(state.notes.get(d, ''))}</p>"
            for d in DISCIPLINES if state.notes.get(d, "").strip())
        notes_block = (f"<h2>{_e(text('notes', lang, discipline='').split('(')[0])}</h2>"
                       f"{notes}") if notes else ""
        title = text("snapshot_title", lang, company=_e(state.company_name))
        return (
            "<!DOCTYPE html>\n<html lang='" + lang + "'><head><meta charset='utf-8'>"
            f"<title>{title}</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            + CSS.replace("<style>", "<style>body{font-family:Helvetica,Arial,sans-serif;"
                          "max-width:1100px;margin:20px auto;padding:0 16px;color:#222}")
            + f"</head><body class='ws-root'><h1>{title}</h1><p class='ws-status'>{meta}</p>"
            f"{chart}<h2>{_e(text('findings', lang))}</h2>{self.w_findings.value}"
            f"<h2>{_e(text('what_has_to_move', lang))}</h2>{self.w_moves.value}"
            f"<h2>{_e(text('tab_compare', lang))}</h2>{self._compare_html(all_rows=True)}"
            f"{notes_block}</body></html>\n")

    def close(self) -> None:
        """Release the session (its files stay; it can be resumed)."""
        if self.state is not None:
            self.state.close()

    @property
    def widget(self) -> w.Widget:
        """The top-level widget (what the notebook displays)."""
        return self.root

    def _repr_mimebundle_(self, **kwargs):
        _sync_figure(self.figure)
        return self.root._repr_mimebundle_(**kwargs)

    @property
    def progress(self) -> tuple[int, int]:
        """(answered, answerable) discipline items for the current participant."""
        return self.state.progress() if self.state and self.state.participants else (0, 0)

    @property
    def integration_progress(self) -> tuple[int, int]:
        """(answered, answerable) customer-integration items for the current participant
        (apart from :attr:`progress`: they do not make the main progress harder)."""
        return self.state.int_progress() if self.state and self.state.participants \
            else (0, 0)

    # -- loading ------------------------------------------------------------------------------
    def _load_dataset(self, path: Path) -> None:
        try:
            self.ds = load_dataset(path)
        except DatasetError as exc:
            raise WorkshopError(f"dataset {path} does not validate:\n{exc}") from exc
        self.instrument = self.ds.instrument
        root = self.ds.path.resolve().parent
        sets = sorted(p for p in root.iterdir() if (p / "companies.csv").exists()) \
            if root.is_dir() else [self.ds.path]
        with self._quiet():
            try:
                self.w_dataset.options = [(p.name, str(p)) for p in sets]
                self.w_dataset.value = str(self.ds.path.resolve())
            except Exception:  # noqa: BLE001 - a folder outside the list: show it alone
                self.w_dataset.options = [(self.ds.path.name, str(self.ds.path.resolve()))]
                self.w_dataset.value = str(self.ds.path.resolve())

    @contextmanager
    def _quiet(self) -> Iterator[None]:
        """Change widgets without their observers reacting to it."""
        previous, self._suppress = self._suppress, True
        try:
            yield
        finally:
            self._suppress = previous

    def _default_wave(self) -> str:
        return self._wave_param if self._wave_param is not None else default_wave(
            self.ds, self.company_id)

    def _choose_company(self, company_id: str, session: str | Path | None = None) -> None:
        if company_id not in set(self.ds.companies["company_id"]):
            raise WorkshopError(f"no company {company_id!r} in {self.ds.path}")
        if self.state is not None:
            self.state.close()
        self.state = None
        self.company_id = company_id
        with self._quiet():
            self.w_company.options = [(f"{n} ({c})", c) for c, n in zip(
                self.ds.companies["company_id"], self.ds.companies["name"], strict=True)] + [
                (text("new_company_option", self.lang), NEW_COMPANY)]
            self.w_company.value = company_id
        if session is not None:
            self.resume(session)
            return
        found = self.sessions()
        free = [s for s in found if not s.in_use]
        if found and self.resume_policy == "ask":
            self.pending_sessions = found
            self._offer(found)
            return
        if free and self.resume_policy == "last":
            try:
                self.resume(free[0].path)
                return
            except SessionInUse:
                pass
        self.new_session()

    def _activate(self, state: WorkshopState) -> None:
        if self.state is not None and self.state is not state:
            self.state.close()
        self.state = state
        self.lang = state.lang
        self.mode = state.mode
        self.pending_sessions = []
        self._survey_for_state()
        with self._quiet():
            self.w_lang.value = state.lang
            self.w_mode.value = state.mode
            self.w_wave.value = state.wave
        self.w_offer.layout.display = "none"
        self._rebuild_all()

    def _survey_for_state(self) -> None:
        state = self.state
        exclude = {p.respondent_id for p in state.participants} if state else set()
        wave = state.wave if state else self._default_wave()
        self.survey = SurveyReference.build(self.ds, self.company_id, wave, exclude)

    def _taken_ids(self) -> set[str]:
        r = self.ds.responses
        st = self.state
        sel = (r["company_id"] == self.company_id) & (r["wave"] == (st.wave if st else ""))
        return set(r.loc[sel, "respondent_id"])

    def _require_state(self) -> WorkshopState:
        if self.state is None:
            raise WorkshopError(text("choose_session_first", self.lang))
        return self.state

    # -- widgets: shell ---------------------------------------------------------------------
    def _build_shell(self) -> None:
        lang = self.lang
        self.w_css = w.HTML(CSS)
        self.w_title = w.HTML()
        self.w_title.add_class("ws-title")
        wide = {"description_width": "initial"}
        self.w_dataset = w.Dropdown(layout=w.Layout(width="220px"), style=wide)
        self.w_company = w.Dropdown(layout=w.Layout(width="360px"), style=wide)
        self.w_lang = w.ToggleButtons(options=[(x.upper(), x) for x in LANGS], value=lang,
                                      style={"button_width": "42px"})
        self.w_mode = w.ToggleButtons(options=[("", TEAM), ("", INDIVIDUAL)], value=self.mode,
                                      style={"button_width": "auto"})
        self.w_status = w.HTML()
        self.w_status.add_class("ws-status")
        # new company
        self.w_new_name = w.Text(layout=w.Layout(width="260px"))
        self.w_new_industry = w.Text(layout=w.Layout(width="200px"))
        self.w_new_button = w.Button(button_style="primary")
        self.w_new_box = w.HBox([self.w_new_name, self.w_new_industry, self.w_new_button],
                                layout=w.Layout(display="none"))
        # resume offer
        self.w_offer_text = w.HTML()
        self.w_offer_pick = w.Dropdown(layout=w.Layout(width="560px"))
        self.w_offer_resume = w.Button(button_style="primary", icon="history")
        self.w_offer_new = w.Button(icon="plus")
        self.w_offer = w.VBox([self.w_offer_text, w.HBox([self.w_offer_pick,
                                                          self.w_offer_resume,
                                                          self.w_offer_new])],
                              layout=w.Layout(display="none"))
        self.w_offer.add_class("ws-offer")
        # participants (individual mode)
        self.w_part_pick = w.Dropdown(layout=w.Layout(width="220px"))
        self.w_part_id = w.Text(layout=w.Layout(width="170px"))
        self.w_part_persp = w.Dropdown(layout=w.Layout(width="150px"))
        self.w_part_dept = w.Text(layout=w.Layout(width="170px"))
        self.w_part_add = w.Button(icon="user-plus")
        self.w_part_box = w.HBox([self.w_part_pick, self.w_part_id, self.w_part_persp,
                                  self.w_part_dept, self.w_part_add],
                                 layout=w.Layout(display="none", flex_flow="row wrap"))
        self.w_mode_hint = w.HTML()
        self.w_mode_hint.add_class("ws-status")
        # progress
        self.w_progress = w.IntProgress(min=0, max=1, value=0, bar_style="success",
                                        layout=w.Layout(width="260px"))
        self.w_progress_text = w.HTML()
        self.w_int_progress = w.IntProgress(min=0, max=1, value=0, bar_style="info",
                                            layout=w.Layout(width="110px"))
        self.w_int_progress_text = w.HTML()
        self.w_int_progress_text.add_class("ws-int-progress")
        # questions
        self.w_tabs = w.Tab(layout=w.Layout(width="100%"))
        self.w_tabs.add_class("ws-questions")  # four tabs: their titles wrap, never cut
        # results
        self.w_fig_box = w.Box(layout=w.Layout(width="100%"))
        self.w_findings = w.HTML()
        self.w_findings.add_class("ws-findings")
        self.w_target_pick = w.Dropdown(layout=w.Layout(width="340px"), style=wide)
        self.w_target_sliders = {d: w.FloatSlider(min=1, max=5, step=0.1, readout_format=".1f",
                                                  continuous_update=False,
                                                  layout=w.Layout(width="420px"),
                                                  style={"description_width": "200px"})
                                 for d in DISCIPLINES}
        self.w_target_hint = w.HTML()
        self.w_target_hint.add_class("ws-status")
        self.w_moves = w.HTML()
        self.w_moves.add_class("ws-findings")
        self.w_compare_ref = w.Dropdown(layout=w.Layout(width="360px"), style=wide)
        self.w_compare_all = w.Checkbox(value=False, indent=False)
        self.w_compare = w.HTML()
        self.w_wave = w.Text(layout=w.Layout(width="260px"), style=wide, continuous_update=False)
        self.w_export = w.Button(button_style="success", icon="file-export",
                                 layout=w.Layout(width="auto"))
        self.w_snapshot = w.Button(icon="camera", layout=w.Layout(width="auto"))
        self.w_export_hint = w.HTML()
        self.w_export_hint.add_class("ws-status")
        self.w_export_status = w.HTML()
        self.w_results_tabs = w.Tab(children=[
            self.w_findings,
            w.VBox([self.w_target_hint, self.w_target_pick,
                    *self.w_target_sliders.values(), self.w_moves]),
            w.VBox([w.HBox([self.w_compare_ref, self.w_compare_all]), self.w_compare]),
            w.VBox([self.w_export_hint, self.w_wave, w.HBox([self.w_export, self.w_snapshot]),
                    self.w_export_status]),
        ])
        header = w.VBox([
            w.HBox([self.w_title], layout=w.Layout(width="100%")),
            w.HBox([self.w_dataset, self.w_company, self.w_lang, self.w_mode],
                   layout=w.Layout(flex_flow="row wrap", align_items="center",
                                   grid_gap="8px")),
            self.w_new_box, self.w_offer, self.w_mode_hint, self.w_part_box,
            w.HBox([self.w_progress, self.w_progress_text, self.w_int_progress,
                    self.w_int_progress_text, self.w_status],
                   layout=w.Layout(align_items="center", grid_gap="12px",
                                   flex_flow="row wrap")),
        ])
        left = w.VBox([self.w_tabs], layout=w.Layout(min_width="0"))
        right = w.VBox([self.w_fig_box, self.w_results_tabs], layout=w.Layout(min_width="0"))
        body = w.GridBox([left, right], layout=w.Layout(
            grid_template_columns=f"minmax(420px, 1fr) {FIG_WIDTH + 10}px", grid_gap="16px",
            width="100%"))
        self.root = w.VBox([self.w_css, header, body], layout=w.Layout(width="100%"))
        self.root.add_class("ws-root")

        self.w_dataset.observe(self._on_dataset, names="value")
        self.w_company.observe(self._on_company, names="value")
        self.w_lang.observe(self._on_lang, names="value")
        self.w_mode.observe(self._on_mode, names="value")
        self.w_new_button.on_click(self._on_create_company)
        self.w_offer_resume.on_click(self._on_offer_resume)
        self.w_offer_new.on_click(self._on_offer_new)
        self.w_part_pick.observe(self._on_part_pick, names="value")
        self.w_part_add.on_click(self._on_part_add)
        self.w_target_pick.observe(self._on_target_pick, names="value")
        for d, s in self.w_target_sliders.items():
            s.observe(lambda ch, d=d: self._on_target_slider(d, ch), names="value")
        self.w_compare_ref.observe(self._on_compare_opts, names="value")
        self.w_compare_all.observe(self._on_compare_opts, names="value")
        self.w_wave.observe(self._on_wave, names="value")
        self.w_export.on_click(self._on_export)
        self.w_snapshot.on_click(self._on_snapshot)

    def _offer(self, found: list[SessionInfo]) -> None:
        """Show the resume offer; the questions stay locked until a choice is made."""
        lang = self.lang
        self.w_offer_text.value = _e(text("sessions_found", lang, n=len(found),
                                          company=self.ds.company_name(self.company_id)))
        self.w_offer_pick.options = [(s.label(lang), str(s.path)) for s in found]
        free = [s for s in found if not s.in_use]
        self.w_offer_pick.value = str((free or found)[0].path)
        self.w_offer.layout.display = "flex"
        self._rebuild_all()

    # -- widgets: (re)building ------------------------------------------------------------------
    def _relabel_shell(self) -> None:
        lang = self.lang
        inst = self.instrument
        state = self.state
        name = self.ds.company_name(self.company_id) if self.company_id else ""
        self.w_title.value = (f"<h2>{_e(text('title', lang))}: {_e(name)}</h2>")
        self.w_dataset.description = text("dataset", lang)
        self.w_company.description = text("company", lang)
        with self._quiet():
            self.w_mode.options = [(text("mode_team", lang), TEAM),
                                   (text("mode_individual", lang), INDIVIDUAL)]
            self.w_mode.value = self.mode
            opts = list(self.w_company.options)
            if opts and opts[-1][1] == NEW_COMPANY:
                opts[-1] = (text("new_company_option", lang), NEW_COMPANY)
                cur = self.w_company.value
                self.w_company.options = opts
                self.w_company.value = cur
        self.w_new_name.placeholder = text("company_name", lang)
        self.w_new_industry.placeholder = text("industry", lang)
        self.w_new_button.description = text("create_company", lang)
        self.w_offer_resume.description = text("resume", lang)
        self.w_offer_new.description = text("new_session", lang)
        self.w_mode_hint.value = _e(text("mode_team_hint" if self.mode == TEAM else
                                         "mode_individual_hint", lang))
        self.w_part_pick.description = ""
        self.w_part_id.placeholder = text("respondent_id", lang)
        self.w_part_dept.placeholder = text("department", lang)
        with self._quiet():
            self.w_part_persp.options = [(text("perspective_internal", lang), "internal"),
                                         (text("perspective_customer", lang), "customer")]
            self.w_target_pick.options = [(text("target_none", lang), "")] + [
                (inst.discipline_label(d, lang), d) for d in DISCIPLINES]
            ref = self.w_compare_ref.value or "all"
            self.w_compare_ref.options = [(text(f"reference_{r}", lang), r)
                                          for r in ("all", "customer", "internal")]
            self.w_compare_ref.value = ref
        self.w_compare_ref.description = text("compare_reference", lang)
        self.w_compare_all.description = text("show_all_items", lang)
        self.w_part_add.description = text("add_participant", lang)
        for d, s in self.w_target_sliders.items():
            s.description = inst.discipline_label(d, lang)
            s.min, s.max = float(inst.scale.min), float(inst.scale.max)
        self.w_target_pick.description = text("target_discipline", lang)
        self.w_target_hint.value = _e(text("target_hint", lang))
        self.w_wave.description = text("wave", lang)
        self.w_export.description = text("export_button", lang)
        self.w_snapshot.description = text("snapshot_button", lang)
        file = "responses.csv"
        if self.ds is not None:
            from assessment.intake.dataset import find_responses

            found = find_responses(self.ds.path)
            file = found.name if found else file
        self.w_export_hint.value = _e(text("export_hint", lang, file=file))
        for k, key in enumerate(("tab_findings", "tab_target", "tab_compare", "tab_export")):
            self.w_results_tabs.set_title(k, text(key, lang))
        individual = self.mode == INDIVIDUAL and state is not None
        self.w_part_box.layout.display = "flex" if individual else "none"
        self._sync_participants()
        self._sync_target_widgets()
        for wid in (self.w_export, self.w_snapshot, self.w_wave, self.w_target_pick,
                    *self.w_target_sliders.values()):
            wid.disabled = state is None

    def _sync_participants(self) -> None:
        state = self.state
        with self._quiet():
            if state is None or not state.participants:
                self.w_part_pick.options = []
                self.w_part_pick.value = None
            else:
                self.w_part_pick.options = [
                    (f"{p.respondent_id} · "
                     + text("perspective_customer" if p.perspective == "customer"
                            else "perspective_internal", self.lang)
                     + (f" · {p.department}" if p.department else ""), p.respondent_id)
                    for p in state.participants]
                self.w_part_pick.value = state.participant.respondent_id
            self.w_part_id.value = ""

    def _sync_target_widgets(self) -> None:
        state = self.state
        th = self.instrument.thresholds
        with self._quiet():
            tgt = state.target if state is not None else None
            self.w_target_pick.value = (tgt.discipline or "") if tgt else ""
            for d, s in self.w_target_sliders.items():
                s.value = float(tgt.profile[d]) if tgt else th.par
                s.disabled = state is None

    def _rebuild_all(self) -> None:
        self._relabel_shell()
        self._build_questions()
        self._build_figure()
        self.refresh()
        _sync_figure(self.figure)  # a new figure's first view must show the data

    def _build_figure(self) -> None:
        name = self.ds.company_name(self.company_id) if self.company_id else ""
        self.figure = go.FigureWidget(build_figure(self.instrument, self.lang, name))
        self.w_fig_box.children = [self.figure]

    def _build_questions(self) -> None:
        inst = self.instrument
        lang = self.lang
        state = self.state
        na_label = text("not_answered", lang)
        self.controls, self._rows = {}, {}
        tabs = []
        customer = (state is not None and state.participants
                    and state.participant.perspective == "customer")
        no_one = state is None or not state.participants
        for d in DISCIPLINES:
            sections = []
            for lens in (*LENSES, THRESHOLD_LENS):
                items = inst.cell_items(d, lens)
                if not items:
                    continue
                if lens == THRESHOLD_LENS:
                    head = text("section_par", lang,
                                value=inst.threshold_values[d].label.get(lang))  # type: ignore
                    hint = text("section_par_hint", lang)
                else:
                    head = text(f"section_{lens}", lang)
                    hint = text(f"section_{lens}_hint", lang)
                    if lens == "setup" and customer:
                        hint = text("section_setup_customer", lang)
                rows = [w.HTML(f"<h4>{_e(head)}</h4><div class='ws-hint'>{_e(hint)}</div>")]
                for k, item in enumerate(items, start=1):
                    value = state.answer(item.id) if state and state.participants else None
                    ctrl = self._item_control(item.id, value,
                                              bool(no_one or (lens == "setup" and customer)),
                                              na_label)
                    row = w.VBox([w.HTML(f"<div class='ws-item-text'>{k}. "
                                         f"{_e(item.text.get(lang))}"
                                         f" <span class='ws-id'>{_e(item.id)}</span></div>"),
                                  ctrl])
                    row.add_class("ws-item")
                    if value is not None:
                        row.add_class("ws-answered")
                    self.controls[item.id] = ctrl
                    self._rows[item.id] = row
                    rows.append(row)
                box = w.VBox(rows)
                box.add_class("ws-section")
                sections.append(box)
            note = w.Textarea(value=state.notes.get(d, "") if state else "",
                              placeholder=text("notes", lang,
                                               discipline=inst.discipline_label(d, lang)),
                              disabled=state is None, continuous_update=True,
                              layout=w.Layout(width="98%", height="90px"))
            note.observe(lambda ch, d=d: self._on_note(d, ch), names="value")
            self.notes_widgets[d] = note
            sections.append(w.HTML(f"<h4>{_e(text('notes', lang, discipline=inst.discipline_label(d, lang)))}</h4>"))  # noqa: E501
            sections.append(note)
            tabs.append(w.VBox(sections))
        tabs.append(self._integration_tab(na_label))
        self.w_tabs.children = tabs
        self._update_tab_titles()

    def _item_control(self, item_id: str, value: int | None, disabled: bool,
                      na_label: str) -> w.ToggleButtons:
        """One item's answer buttons: "not answered", then the scale with its labels."""
        inst = self.instrument
        labels = inst.scale.labels
        lang = self.lang
        ctrl = w.ToggleButtons(
            options=[(na_label, NA)] + [(f"{v} {labels[v].get(lang)}", v)
                                        for v in range(inst.scale.min, inst.scale.max + 1)],
            value=NA if value is None else value,
            tooltips=[na_label] + [labels[v].get(lang)
                                   for v in range(inst.scale.min, inst.scale.max + 1)],
            style={"button_width": "auto"}, disabled=disabled, layout=w.Layout(width="auto"))
        ctrl.observe(lambda ch, iid=item_id: self._on_control(iid, ch), names="value")
        ctrl.add_class(f"ws-ctrl-{item_id}")
        return ctrl

    def _integration_tab(self, na_label: str) -> w.VBox:
        """The "Customers as co-producers" tab: one control per customer-integration item,
        grouped by block. Items not asked of the current participant's perspective (their
        ``answered_by``) are disabled with a note, as :func:`assessment.load_dataset` ignores
        such answers."""
        integ = self.ds.integration
        lang = self.lang
        state = self.state
        no_one = state is None or not state.participants
        persp = None if no_one else state.participant.perspective
        asked = None if no_one else state.int_applicable()
        sections: list[w.Widget] = [w.HTML(f"<div class='ws-hint'>{_e(text('int_intro', lang))}"
                                           "</div>")]
        for block in integ.blocks:
            items = [(j, i) for j, i in enumerate(integ.items) if i.block == block]
            if not items:
                continue
            head = integ.blocks[block].label.get(lang)
            hint = f"<div class='ws-hint'>{_e(text(f'int_block_{block}_hint', lang))}</div>"
            if asked is not None and not any(asked[j] for j, _i in items):
                hint += (f"<div class='ws-hint ws-skip-hint'>"
                         f"{_e(text(f'int_skip_{persp}', lang))}</div>")
            rows: list[w.Widget] = [w.HTML(f"<h4>{_e(head)}</h4>{hint}")]
            for k, (j, item) in enumerate(items, start=1):
                is_asked = asked is not None and bool(asked[j])
                value = state.answer(item.id) if not no_one else None
                ctrl = self._item_control(item.id, value, no_one or not is_asked, na_label)
                tag = (f"<span class='ws-tag'>{_e(integ.scale_label(block, item.scale, lang))}"
                       "</span>" if block == "roles" else "")
                note = ""
                if not no_one and not is_asked:
                    only = "customer" if "customer" in item.answered_by else "internal"
                    note = f"<span class='ws-note'>{_e(text(f'int_note_{only}', lang))}</span>"
                row = w.VBox([w.HTML(f"<div class='ws-item-text'>{k}. {tag}"
                                     f"{_e(item.text.get(lang))}"
                                     f" <span class='ws-id'>{_e(item.id)}</span> {note}</div>"),
                              ctrl])
                row.add_class("ws-item")
                if value is not None:
                    row.add_class("ws-answered")
                if not no_one and not is_asked:
                    row.add_class("ws-skipped")
                self.controls[item.id] = ctrl
                self._rows[item.id] = row
                rows.append(row)
            box = w.VBox(rows)
            box.add_class("ws-section")
            sections.append(box)
        tab = w.VBox(sections)
        tab.add_class("ws-integration")
        return tab

    def _update_tab_titles(self) -> None:
        state = self.state
        for k, d in enumerate(DISCIPLINES):
            label = self.instrument.discipline_label(d, self.lang)
            if state is not None and state.participants:
                ids = [i.id for lens in (*LENSES, THRESHOLD_LENS)
                       for i in self.instrument.cell_items(d, lens)]
                app = state.applicable()
                idx = [state.col[i] for i in ids if app[state.col[i]]]
                done = int(np.isfinite(state.answers[state.current, idx]).sum())
                label = f"{label} ({done}/{len(idx)})"
            if self.w_tabs.titles[k:k + 1] != (label,):
                self.w_tabs.set_title(k, label)
        label = text("tab_integration", self.lang)
        if state is not None and state.participants:
            done, total = state.int_progress()
            label = f"{label} ({done}/{total})"
        if len(self.w_tabs.children) > INTEGRATION_TAB and \
                self.w_tabs.titles[INTEGRATION_TAB:INTEGRATION_TAB + 1] != (label,):
            self.w_tabs.set_title(INTEGRATION_TAB, label)

    def _set_control(self, item_id: str, value: int | None) -> None:
        ctrl = self.controls[item_id]
        with self._quiet():
            ctrl.value = NA if value is None else value
        row = self._rows[item_id]
        if value is None:
            row.remove_class("ws-answered")
        else:
            row.add_class("ws-answered")

    def _after_participant_change(self) -> None:
        self._sync_participants()
        self._build_questions()
        self.refresh()

    # -- live results -----------------------------------------------------------------------------
    def _moves(self) -> list[Move]:
        state = self.state
        if state is None or self.result is None:
            return []
        return what_has_to_move(self.result.means, state.target, self.instrument.thresholds)

    def refresh(self) -> None:
        """Rescore the session and redraw everything (what every change triggers)."""
        state = self.state
        lang = self.lang
        if state is None:
            ds = session_dataset(WorkshopState.new(
                self.ds.path, self.company_id, instrument=self.instrument, lang=lang,
                integration=self.ds.integration))
            ds.responses = ds.responses.iloc[0:0]
        else:
            ds = state.dataset_frame()
        self.result = live_result(ds, self.company_id, state.wave if state else "")
        moves = self._moves()
        survey_live = self.survey.result if self.survey else None
        update_figure(self.figure, self.instrument, lang, self.result, survey_live,
                      state.target.profile if state and state.target else None, moves)
        self.w_findings.value = self._findings_html(self.result.diagnosis, survey_live)
        self.w_moves.value = self._moves_html(moves)
        self.w_compare.value = self._compare_html(all_rows=self.w_compare_all.value)
        if state is not None and state.participants:
            answered, total = state.progress()
            self._update_tab_titles()
        else:
            answered, total = 0, (self.instrument and len(self.instrument.item_ids)) or 0
        self.w_progress.max = max(total, 1)
        self.w_progress.value = answered
        self.w_progress_text.value = _e(text("progress", lang, answered=answered, total=total))
        int_done, int_total = self.integration_progress
        self.w_int_progress.max = max(int_total, 1)
        self.w_int_progress.value = int_done
        self.w_int_progress_text.value = _e(
            f"{text('tab_integration', lang)}: "
            + text("int_progress", lang, answered=int_done, total=int_total))
        self._show_saved()

    def _show_saved(self) -> None:
        state = self.state
        if state is None:
            self.w_status.value = _e(text("choose_session_first", self.lang))
        elif state.last_saved is None:
            self.w_status.value = _e(text("not_saved_yet", self.lang))
        else:
            self.w_status.value = _e(text("saved", self.lang,
                                          time=state.last_saved.strftime("%H:%M:%S"),
                                          file=f"{state.stem}.csv"))

    def _status(self, message: str) -> None:
        self.w_status.value = message

    def _show_error(self, message: str) -> None:
        self.w_status.value = f"<span class='ws-error'>{_e(message)}</span>"

    def _findings_html(self, diag: Diagnosis, survey: LiveResult | None) -> str:
        lang = self.lang
        inst = self.instrument
        parts = []
        if diag.lenses["experience"].verdict == "no_data" and \
                diag.lenses["setup"].verdict == "no_data":
            parts.append(f"<p>{_e(text('no_findings_yet', lang, share=inst.thresholds.min_answered_share))}</p>")  # noqa: E501
        else:
            parts.append(f"<h4>{_e(text('verdicts', lang))}</h4><ul>")
            for lens in LENSES:
                r = diag.lenses[lens]
                if r.verdict != "no_data":
                    parts.append(f"<li>{_e(r.sentence(lang, inst))}</li>")
            parts.append("</ul>")
            shown = [f for f in diag.findings if f.code not in ("no_respondents",)
                     and f.code not in INTEGRATION_CODES]
            order = {"critical": 0, "warning": 1, "info": 2}
            shown.sort(key=lambda f: order.get(f.severity, 3))
            if shown:
                parts.append(f"<h4>{_e(text('findings', lang))}</h4><ul>")
                for f in shown:
                    parts.append(f"<li><span class='ws-sev-{_e(f.severity)}'>"
                                 f"{_e(f.title(lang))}</span>: {_e(f.text(lang, inst))} "
                                 f"<i>{_e(f.action(lang, inst))}</i></li>")
                parts.append("</ul>")
        parts.append(self._integration_html(diag))
        if survey is not None and self.survey is not None:
            parts.append(f"<h4>{_e(text('survey_says', lang, n=self.survey.n, wave=self.survey.wave or '–'))}</h4><ul>")  # noqa: E501
            for lens in LENSES:
                r = survey.diagnosis.lenses[lens]
                if r.verdict != "no_data":
                    parts.append(f"<li>{_e(r.sentence(lang, inst))}</li>")
            parts.append("</ul>")
        return "".join(parts)

    def _integration_html(self, diag: Diagnosis) -> str:
        """The customer-integration result in words: the claimed discipline and its needed
        roles against par, the roles, self-service as experience or burden, the findings."""
        lang = self.lang
        inst = self.instrument
        integ = self.ds.integration
        par = inst.thresholds.par
        res = diag.integration
        table = self.result.scores.integration if self.result is not None else None
        if res is None and table is not None and len(table):
            # answers on integration but no profile yet (the diagnosis stops at "no
            # respondents"): show the roles, with no discipline to check them against
            res, _raw = diagnose_integration(table, integ, None, par)
        parts = [f"<h4>{_e(text('int_heading', lang))}</h4>"]
        if res is None:
            return parts[0] + f"<p>{_e(text('int_none_yet', lang))}</p>"
        items = []
        if res.claimed is None:
            no_profile = all(diag.lenses[lens].verdict == "no_data" for lens in LENSES)
            items.append(_e(text("int_no_profile" if no_profile else "int_no_claim", lang)))
        else:
            setup = diag.lenses["setup"]
            key = ("int_claimed_setup" if res.claimed in (setup.leader, setup.dominant)
                   else "int_claimed_experience")
            line = _e(text(key, lang, discipline=inst.discipline_label(res.claimed, lang)))
            roles = ", ".join(integ.scale_label("roles", r, lang) for r in res.needed_roles)
            if res.needed_score is None:
                need = text("int_needed_no_data", lang, roles=roles)
            else:
                need = text("int_needed_fits" if res.fits else "int_needed_misfit", lang,
                            roles=roles, score=res.needed_score, par=par)
            items.append(f"{line} {_e(need)}")
        scored = sorted(((r, v) for r, v in res.roles.items() if v is not None),
                        key=lambda rv: (-rv[1], list(integ.roles).index(rv[0])))
        if scored:
            needed = set(res.needed_roles)
            roles_html = " · ".join(
                (f"<b>{_e(integ.scale_label('roles', r, lang))} {v:.2f}</b>" if r in needed
                 else f"{_e(integ.scale_label('roles', r, lang))} {v:.2f}") for r, v in scored)
            head = text("int_roles_needed" if needed else "int_roles", lang)
            items.append(f"{_e(head)} <span class='ws-roles'>{roles_html}"
                         "</span>")
        takeover = [res.roles[r] for r in TAKEOVER_ROLES if res.roles.get(r) is not None]
        if takeover:
            items.append(_e(text("int_takeover", lang, takeover=float(np.mean(takeover)),
                                 par=par)))
        experience = res.blocks["self_service"]["experience"]
        if experience is None:
            items.append(_e(text("int_self_service_hidden", lang,
                                 min=inst.thresholds.min_group_size)))
        else:
            items.append(_e(text("int_self_service_experience" if experience >= par
                                 else "int_self_service_burden", lang,
                                 experience=experience, par=par)))
        parts.append("<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>")
        found = [f for f in diag.findings if f.code in INTEGRATION_CODES]
        order = {"critical": 0, "warning": 1, "info": 2}
        found.sort(key=lambda f: order.get(f.severity, 3))
        parts.append(f"<h4>{_e(text('int_findings', lang))}</h4><ul>")
        if not found:
            parts.append(f"<li>{_e(text('int_no_findings', lang))}</li>")
        for f in found:
            parts.append(f"<li><span class='ws-sev-{_e(f.severity)}'>{_e(f.title(lang))}"
                         f"</span>: {_e(f.text(lang, inst))} "
                         f"<i>{_e(f.action(lang, inst))}</i></li>")
        parts.append("</ul>")
        return "".join(parts)

    def _moves_html(self, moves: list[Move]) -> str:
        lang = self.lang
        if not moves:
            return f"<p>{_e(text('moves_none', lang))}</p>"
        todo = [m for m in moves if m.status in ("raise", "hold_back", "no_data")]
        items = "".join(f"<li>{_e(m.text(lang, self.instrument))}</li>" for m in todo)
        if not todo:
            items = f"<li>{_e(text('moves_all_on_target', lang))}</li>"
        return f"<h4>{_e(text('what_has_to_move', lang))}</h4><ul>{items}</ul>"

    def _compare_html(self, all_rows: bool = False) -> str:
        lang = self.lang
        state = self.state
        if state is None:
            return ""
        if self.survey is None or self.survey.n == 0:
            return f"<p>{_e(text('compare_none', lang))}</p>"
        ref = self.w_compare_ref.value or "all"
        table = self.comparison(ref)
        if not all_rows:
            table = table.iloc[:COMPARE_ROWS]
        inst = self.instrument
        head = (f"<p>{_e(text('compare_intro', lang, wave=self.survey.wave or '–', n=self.survey.n))} "  # noqa: E501
                f"{_e(text('compare_hidden', lang, n=inst.thresholds.min_group_size))}</p>")
        cols = [text("col_item", lang), text("col_team", lang),
                text(f"reference_{ref}", lang) if ref != "all" else text("col_survey", lang),
                text("col_difference", lang), text("col_customers", lang),
                text("col_staff", lang)]
        rows = []
        cols_ = {c: table[c].tolist() for c in ("discipline", "lens", "text", "team", "survey",
                                                 "difference", "customer", "internal")}
        for k in range(len(table)):
            short = _short(inst, cols_["discipline"][k])
            lens = {"experience": "EXP", "setup": "SET"}.get(cols_["lens"][k], "PAR")
            diff = cols_["difference"][k]
            style = ""
            if np.isfinite(diff) and abs(diff) >= 1.0:
                style = " style='font-weight:bold;color:#B22222'"
            rows.append(
                f"<tr><td class='ws-text'><b>{_e(short)}·{lens}</b> {_e(cols_['text'][k])}</td>"
                f"<td>{_fmt(cols_['team'][k])}</td><td>{_fmt(cols_['survey'][k])}</td>"
                f"<td{style}>{(f'{diff:+.2f}' if np.isfinite(diff) else '–')}</td>"
                f"<td>{_fmt(cols_['customer'][k])}</td><td>{_fmt(cols_['internal'][k])}</td>"
                "</tr>")
        header = "".join(f"<th{' class=ws-text' if k == 0 else ''}>{_e(c)}</th>"
                         for k, c in enumerate(cols))
        return (f"{head}<table class='ws-compare'><thead><tr>{header}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")

    # -- widget callbacks ------------------------------------------------------------------------
    @_guard
    def _on_control(self, item_id: str, change: dict) -> None:
        if self._suppress:
            return
        value = None if change["new"] == NA else int(change["new"])
        t0 = time.perf_counter()
        state = self._require_state()
        state.set_answer(item_id, value)
        row = self._rows[item_id]
        if value is None:
            row.remove_class("ws-answered")
        else:
            row.add_class("ws-answered")
        self.refresh()
        self.last_callback_ms = (time.perf_counter() - t0) * 1000

    @_guard
    def _on_note(self, discipline: str, change: dict) -> None:
        if self._suppress:
            return
        self._require_state().set_note(discipline, change["new"])
        self._show_saved()

    @_guard
    def _on_dataset(self, change: dict) -> None:
        if self._suppress or not change["new"]:
            return
        self.choose_dataset(change["new"])

    @_guard
    def _on_company(self, change: dict) -> None:
        if self._suppress:
            return
        if change["new"] == NEW_COMPANY:
            self.w_new_box.layout.display = "flex"
            return
        self.w_new_box.layout.display = "none"
        self._choose_company(change["new"])

    @_guard
    def _on_create_company(self, _button: w.Button) -> None:
        self.create_company(self.w_new_name.value, self.w_new_industry.value)
        self.w_new_name.value = self.w_new_industry.value = ""
        self.w_new_box.layout.display = "none"

    @_guard
    def _on_lang(self, change: dict) -> None:
        if self._suppress:
            return
        self.set_lang(change["new"])

    @_guard
    def _on_mode(self, change: dict) -> None:
        if self._suppress:
            return
        try:
            self.set_mode(change["new"])
        except WorkshopError:
            with self._quiet():
                self.w_mode.value = self.mode
            raise

    @_guard
    def _on_offer_resume(self, _button: w.Button) -> None:
        self.resume(self.w_offer_pick.value)

    @_guard
    def _on_offer_new(self, _button: w.Button) -> None:
        self.new_session()

    @_guard
    def _on_part_pick(self, change: dict) -> None:
        if self._suppress or not change["new"]:
            return
        self.select_participant(change["new"])

    @_guard
    def _on_part_add(self, _button: w.Button) -> None:
        self.add_participant(self.w_part_id.value.strip() or None, self.w_part_persp.value,
                             self.w_part_dept.value)

    @_guard
    def _on_target_pick(self, change: dict) -> None:
        if self._suppress:
            return
        self.set_target(change["new"] or None)

    @_guard
    def _on_target_slider(self, discipline: str, change: dict) -> None:
        if self._suppress:
            return
        state = self._require_state()
        disc = state.target.discipline if state.target else (self.w_target_pick.value or None)
        self.set_target(disc, {discipline: float(change["new"])})

    @_guard
    def _on_compare_opts(self, _change: dict) -> None:
        if self._suppress:
            return
        self.w_compare.value = self._compare_html(all_rows=self.w_compare_all.value)

    @_guard
    def _on_wave(self, change: dict) -> None:
        if self._suppress or self.state is None:
            return
        self.set_wave(change["new"])

    @_guard
    def _on_export(self, _button: w.Button) -> None:
        try:
            self.export()
        except AssessmentError as exc:
            self.w_export_status.value = (f"<span class='ws-error'>"
                                          f"{_e(text('export_failed', self.lang, error=exc))}"
                                          "</span>")

    @_guard
    def _on_snapshot(self, _button: w.Button) -> None:
        self.snapshot()
