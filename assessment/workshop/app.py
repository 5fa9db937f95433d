"""The live workshop page: ipywidgets controls built from the instrument, a plotly
FigureWidget redrawn after every change, and nothing lost (every change saved at once).

What a session does lives in :mod:`~assessment.workshop.controller` and the modules it
uses (no browser needed); the page's parts are in :mod:`~assessment.workshop.panels`.
``notebooks/workshop.ipynb`` creates and displays one :class:`Workshop` (its example runs
one without a browser).
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import ipywidgets as w
import plotly.graph_objects as go
from markupsafe import Markup

from assessment.instrument.models import LANGS
from assessment.intake.dataset import find_responses
from assessment.workshop.answers import DEFAULT_TEAM_DEPARTMENT
from assessment.workshop.controller import WorkshopBase
from assessment.workshop.errors import SessionInUse, WorkshopError
from assessment.workshop.export import ExportResult
from assessment.workshop.figure import T_BAR, T_MOVE, T_TRI
from assessment.workshop.live import live_result
from assessment.workshop.locks import SessionLock
from assessment.workshop.panels.base import Quiet, guarded
from assessment.workshop.panels.chart import ChartView
from assessment.workshop.panels.events import WidgetEvents
from assessment.workshop.panels.header import Header
from assessment.workshop.panels.html import compare_html, findings_html, moves_html
from assessment.workshop.panels.offer import SessionOffer
from assessment.workshop.panels.questions import NA, Questions
from assessment.workshop.panels.results import Results
from assessment.workshop.panels.room import RoomPanel
from assessment.workshop.render import line, render
from assessment.workshop.session import TEAM, WorkshopState
from assessment.workshop.snapshot import snapshot_page, write_snapshot
from assessment.workshop.texts import text

__all__ = ["NA", "T_BAR", "T_MOVE", "T_TRI", "SessionInUse", "Workshop", "WorkshopError"]


class Workshop(WidgetEvents, SessionOffer, WorkshopBase):
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

    Examples
    --------
    On a copy of the sample data (nothing is written into ``data/``; no browser needed):

    >>> import shutil, tempfile
    >>> data = shutil.copytree("data/sample", Path(tempfile.mkdtemp()) / "sample")
    >>> ws = Workshop(data, "pcmaker", lang="de", resume="new", today=dt.date(2026, 3, 5))
    >>> ws.header.lang.value, ws.progress, len(ws.figure.data)
    ('de', (0, 51), 14)
    >>> ws.set_answer("oe_exp_1", 4)                   # what a click does
    >>> ws.state.csv_path.name, ws.progress
    ('pcmaker-2026-03-05-1.csv', (1, 51))
    >>> ws.result.diagnosis.lenses["setup"].verdict
    'no_data'
    >>> ws.close()
    """

    def __init__(self, dataset: str | Path = "data/sample", company_id: str | None = None,
                 lang: str = "en", mode: str = TEAM, *, resume: str = "ask",
                 session: str | Path | None = None, wave: str | None = None,
                 department: str = DEFAULT_TEAM_DEPARTMENT, today: dt.date | None = None):
        super().__init__(lang, mode, resume, wave, department, today)
        self.last_callback_ms: float | None = None
        self.quiet = Quiet()
        self._score_memo: dict = {}  # the sections last scored (see score_company)
        self.header = Header(lang, mode)
        on = guarded(self._show_error, self.quiet)
        self.questions = Questions(on(self._on_answer), on(self.set_note))
        self.results = Results()
        #: the chart, and the hidden field the page reports the chart box's size in
        self.chart = ChartView(on)
        self.viewport = self.chart.viewport
        #: the room's live picture (participants joined and answered, QR code to join):
        #: filled by the room panel, at the foot of the pinned side column
        self.room_slot = w.VBox()
        self.room_slot.add_class("ws-room-slot")
        main = w.VBox([self.questions.tabs])
        main.add_class("ws-main")
        side = w.VBox([self.chart.box, self.results.tabs, self.room_slot])
        side.add_class("ws-side")
        # the presenter view: questions scroll on the left, the charts, findings and the
        # room stay pinned on the right (workshop.css sizes both to the window)
        body = w.GridBox([main, side])
        body.add_class("ws-body")
        self.root = w.VBox([w.HTML(render("style.html.j2")), self.viewport, self.header.box,
                            body])
        self.root.add_class("ws-root")
        self.root.add_class("ws-presenter")
        self._wire(on)
        self.room = RoomPanel(self)  # participants' phones (shown when the server serves them)
        self.room_slot.children = (self.room.box,)
        self._load_dataset(Path(dataset))
        if session is not None:
            self.company_id = company_id or self.ds.companies["company_id"].iloc[0]
            self._show_companies()
            self.resume(session)
        else:
            self.choose_company(company_id or self.ds.companies["company_id"].iloc[0])
        self.resume_policy = "ask"  # later company switches offer the company's sessions

    # -- what the controls do -------------------------------------------------------------------
    def set_answer(self, item_id: str, value: int | None, respondent_id: str | None = None
                   ) -> None:
        """Answer (or clear, with None) one item for the current (or given) participant;
        saves and rescores. Raises :class:`WorkshopError` for an invalid answer."""
        state = self._require_state()
        t0 = time.perf_counter()
        state.set_answer(item_id, value, respondent_id)
        if respondent_id is None or state.index_of(respondent_id) == state.current:
            self.questions.show_answer(item_id, value, self.quiet)
        self.refresh()
        self.last_callback_ms = (time.perf_counter() - t0) * 1000

    def set_note(self, discipline: str, note: str) -> None:
        """Set the notes of one discipline (saved at once)."""
        self._require_state().set_note(discipline, note)
        box = self.questions.notes.get(discipline)
        if box is not None and box.value != note:
            with self.quiet():
                box.value = note
        self._show_saved()

    def add_participant(self, respondent_id: str | None = None, perspective: str = "internal",
                        department: str = "") -> str:
        """Add a participant (individual mode) and show their (empty) answers."""
        state = self._require_state()
        p = state.add_participant(respondent_id, perspective, department,
                                  taken=self._taken_ids())
        self._after_participant_change()
        self.header.status.value = line(text("participant_added", state.lang,
                                             respondent_id=p.respondent_id))
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
        self._rebuild()

    def set_mode(self, mode: str) -> None:
        """Team consensus or individual participants."""
        if self.state is not None:
            self.state.set_mode(mode)
        self.mode = mode
        self._rebuild()

    def create_company(self, name: str, industry: str) -> str:
        """Append a new company to ``companies.csv`` and start a session for it."""
        cid = super().create_company(name, industry)
        self.header.status.value = line(text("company_created", self.lang, name=name,
                                             company_id=cid))
        return cid

    def export(self) -> ExportResult:
        """Append the session's respondents to the dataset's responses file (never changing
        existing rows); the survey comparison then leaves them out."""
        result = super().export()
        lang = self.state.lang
        msgs = [text("export_done", lang, n=len(result.appended), file=result.file.name)]
        if result.skipped:
            msgs.append(text("export_skipped", lang, ids=", ".join(result.skipped)))
        if result.changed:
            msgs.append(text("export_changed", lang, ids=", ".join(result.changed)))
        if result.left_out:
            msgs.append(text("export_left_out", lang, n=len(result.left_out),
                             ids=", ".join(result.left_out)))
        self.results.export_status.value = line(*msgs)
        return result

    def snapshot(self, path: str | Path | None = None) -> Path:
        """Write the current charts, verdicts, findings, moves, comparison and notes as one
        self-contained HTML file (plotly.js inlined: works offline). Default path:
        ``<dataset>/workshops/<session>-snapshot-<time>.html``."""
        state = self._require_state()
        path = write_snapshot(state, self.snapshot_html(), path)
        self.results.export_status.value = line(text("snapshot_done", state.lang, file=path))
        return path

    def snapshot_html(self) -> str:
        """The snapshot page as a string."""
        return snapshot_page(self._require_state(), self.chart.static(),
                             Markup(self.results.findings.value),
                             Markup(self.results.moves.value), self._compare(all_rows=True))

    def fit_figure(self, size: str) -> None:
        """Lay the chart out for its box in the page (``"<width>x<height>"`` in pixels, as
        the page reports it); an unreadable size is ignored."""
        self.chart.fit(size)

    @property
    def figure(self) -> go.FigureWidget | None:
        """The live chart."""
        return self.chart.figure

    @property
    def widget(self) -> w.Widget:
        """The top-level widget (what the notebook displays)."""
        return self.root

    def _repr_mimebundle_(self, **kwargs):
        self.chart.show()
        return self.root._repr_mimebundle_(**kwargs)

    # -- redrawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rescore the session and redraw everything (what every change triggers)."""
        state, lang = self.state, self.lang
        if state is None:
            empty = WorkshopState.new(self.ds.path, self.company_id, instrument=self.instrument,
                                      lang=lang, integration=self.ds.integration)
            empty.participants = []
            empty.answers = empty.answers[:0]
            empty.int_answers = empty.int_answers[:0]
            ds = empty.dataset_frame()
        else:
            ds = state.dataset_frame()
        self.result = live_result(ds, self.company_id, state.wave if state else "",
                                  self._score_memo)
        moves = self._moves()
        survey = self.survey.result if self.survey else None
        self.chart.update(self.instrument, lang, self.result, survey,
                          state.target.profile if state and state.target else None, moves)
        self.results.findings.value = findings_html(self.result.diagnosis, self.result,
                                                    self.survey, self.instrument,
                                                    self.integration, lang)
        self.results.moves.value = moves_html(moves, self.instrument, lang)
        self._draw_compare()
        if state is not None and state.participants:
            self.questions.update_titles(self.instrument, state, lang)
            done, total = state.progress()
        else:
            done, total = 0, len(self.instrument.item_ids)
        self.header.show_progress(done, total, *self.integration_progress, lang)
        self._show_saved()

    def _compare(self, all_rows: bool) -> Markup:
        if self.state is None:
            return Markup("")
        ref = self.results.reference
        table = self.comparison(ref) if self.survey is not None and self.survey.n else None
        if table is not None and not all_rows:
            table = table.iloc[:12]
        return compare_html(table, self.survey, ref, self.instrument, self.lang)

    def _draw_compare(self) -> None:
        self.results.compare.value = self._compare(self.results.compare_all.value)

    def _rebuild(self) -> None:
        lang, state = self.lang, self.state
        name = self.ds.company_name(self.company_id) if self.company_id else ""
        with self.quiet():
            self.header.lang.value = lang
            self.header.mode.value = self.mode
            if state is not None:
                self.results.wave.value = state.wave
                self.header.offer.layout.display = "none"
            elif self.pending_sessions:  # the offer, in the page's language
                self.header.show_offer(self.pending_sessions, name, lang)
            self.header.relabel(lang, self.mode, name, state is not None)
            found = find_responses(self.ds.path)
            self.results.relabel(self.instrument, lang,
                                 found.name if found else "responses.csv", state is not None)
            self.header.participants(state, lang)
        self._rebuild_target()
        self.questions.build(self.instrument, self.integration, state, lang)
        self.chart.rebuild(self.instrument, lang, name)
        self.refresh()
        self.chart.show()  # a new figure's first view must show the data

    def _rebuild_target(self) -> None:
        with self.quiet():
            self.results.show_target(self.state.target if self.state else None,
                                     self.instrument.thresholds.par, self.state is not None)

    def _show_team_size(self) -> None:
        with self.quiet():
            self.header.team.show(self.state)

    def _after_participant_change(self) -> None:
        with self.quiet():
            self.header.participants(self.state, self.lang)
        self.questions.build(self.instrument, self.integration, self.state, self.lang)
        self.refresh()

    def _show_companies(self) -> None:
        with self.quiet():
            root = self.ds.path.resolve().parent
            sets = sorted(p for p in root.iterdir() if (p / "companies.csv").exists())
            if self.ds.path.resolve() not in sets:
                sets = [self.ds.path.resolve()]
            self.header.dataset.options = [(p.name, str(p)) for p in sets]
            self.header.dataset.value = str(self.ds.path.resolve())
            self.header.companies(self.ds.companies["company_id"].tolist(),
                                  self.ds.companies["name"].tolist(), self.company_id,
                                  self.lang)

    def _show_saved(self) -> None:
        self.header.show_saved(self.state, self.lang, self.notices[-3:])
        state = self.state
        lock = SessionLock.held(state.lock_path) if state and state.stem else None
        if lock is not None and lock.on_taken is None:
            lock.on_taken = lambda stem=state.stem: self._show_error(
                text("session_taken_over", self.lang, session=stem))

    def _show_error(self, message: str) -> None:
        self.header.status.value = line(message, cls="ws-error")
