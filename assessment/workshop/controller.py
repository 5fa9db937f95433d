"""What the workshop does, without widgets: the dataset and company, the session (new,
resumed, switched), answers, notes, target, participants, survey and export. The app
(:class:`assessment.workshop.app.Workshop`) adds the page and redraws it through the
hooks :meth:`WorkshopBase.refresh`, :meth:`WorkshopBase._rebuild` and
:meth:`WorkshopBase._offer`."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from assessment.exceptions import DatasetError
from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import LANGS, Instrument
from assessment.intake.dataset import Dataset, load_dataset
from assessment.workshop.answers import DEFAULT_TEAM_DEPARTMENT
from assessment.workshop.compare import SurveyReference, compare_items
from assessment.workshop.errors import SessionWarning, WorkshopError, check_choice, clean_label
from assessment.workshop.export import ExportResult, add_company, export_session
from assessment.workshop.live import LiveResult
from assessment.workshop.session import (
    MODES,
    TEAM,
    SessionInfo,
    WorkshopState,
    default_wave,
    list_sessions,
)
from assessment.workshop.target import Move, moves_frame, what_has_to_move
from assessment.workshop.texts import text


class WorkshopBase:
    """A live session for one company of a dataset (see :class:`~assessment.workshop.Workshop`
    for the parameters).

    Examples
    --------
    Without a page, on a copy of the sample data:

    >>> import shutil, tempfile
    >>> data = shutil.copytree("data/sample", Path(tempfile.mkdtemp()) / "sample")
    >>> base = WorkshopBase("en", "team", "new", None, "Management team", dt.date(2026, 3, 5))
    >>> base.choose_dataset(data, "pcmaker")
    >>> base.state.wave, base.progress, base.survey.n
    ('2026-Q1', (0, 51), 46)
    >>> base.state.set_answer("oe_exp_1", 4)
    >>> base.answer("oe_exp_1"), [s.stem for s in base.sessions()]
    (4, ['pcmaker-2026-03-05-1'])
    >>> base.close()
    """

    def __init__(self, lang: str, mode: str, resume: str, wave: str | None, department: str,
                 today: dt.date | None):
        check_choice(lang, LANGS, "language")
        check_choice(mode, MODES, "mode")
        check_choice(resume, ("ask", "last", "new"), "resume policy")
        if wave is not None:
            wave = clean_label(wave, "wave", required=False)
        self.lang, self.mode, self.resume_policy = lang, mode, resume
        self.department, self.today, self._wave_param = department, today, wave
        self.state: WorkshopState | None = None
        self.ds: Dataset | None = None
        self.instrument: Instrument | None = None
        self.company_id: str | None = None
        self.survey: SurveyReference | None = None
        self.result: LiveResult | None = None
        self.pending_sessions: list[SessionInfo] = []
        self.notices: list[str] = []  # what was skipped or ignored opening sessions

    # -- hooks the app fills in ----------------------------------------------------------
    def refresh(self) -> None:
        """Rescore and redraw (the app)."""

    def _rebuild(self) -> None:
        """Rebuild every control (the app)."""

    def _offer(self, found: list[SessionInfo]) -> None:
        """Offer saved sessions (the app)."""

    def _notify(self, message: str) -> None:
        """A session was skipped or opened with something ignored: kept in :attr:`notices`
        (the app shows them)."""
        self.notices.append(message)

    # -- answers, notes, target ------------------------------------------------------------
    def answer(self, item_id: str, respondent_id: str | None = None) -> int | None:
        """The current answer to an item (None: not answered)."""
        return self._require_state().answer(item_id, respondent_id)

    def answers(self, respondent_id: str | None = None) -> dict[str, int | None]:
        """Every item's answer for the current (or given) participant (the core items, then
        the customer-integration items)."""
        state = self._require_state()
        return {i: state.answer(i, respondent_id) for i in state.item_ids + state.int_ids}

    def moves(self) -> pd.DataFrame:
        """What has to move from the current profile to the target (empty without target)."""
        return moves_frame(self._moves(), self._require_state().lang, self.instrument)

    def _moves(self) -> list[Move]:
        if self.state is None or self.result is None:
            return []
        return what_has_to_move(self.result.means, self.state.target,
                                self.instrument.thresholds)

    def comparison(self, reference: str = "all") -> pd.DataFrame:
        """The team's answers beside the survey's, largest disagreement first (see
        :func:`assessment.workshop.compare.compare_items`); empty without survey data."""
        state = self._require_state()
        if self.survey is None or self.survey.n == 0:
            return pd.DataFrame()
        return compare_items(state.team_answers(), self.survey, self.instrument, state.lang,
                             reference)

    def set_target(self, discipline: str | None, profile: Mapping[str, float] | None = None
                   ) -> None:
        """Mark the discipline to lead in and (optionally) the target profile; None clears."""
        self._require_state().set_target(discipline, profile)
        self._rebuild_target()
        self.refresh()

    def _rebuild_target(self) -> None:
        """Show the target on its controls (the app)."""

    def set_team_size(self, size: int) -> None:
        """How many people agreed on the team's consensus (team mode; saved): the verdicts
        then say "team consensus of <size> participants". Raises :class:`WorkshopError`
        in individual mode or for a number outside 1 to ``MAX_TEAM_SIZE``."""
        state = self._require_state()
        if state.mode != TEAM:
            raise WorkshopError(text("team_size_team_only", state.lang))
        state.set_team_size(size)
        self._show_team_size()
        self.refresh()

    def _show_team_size(self) -> None:
        """Show the number of people in the room on its control (the app)."""

    def set_wave(self, wave: str) -> None:
        """The wave the session's answers are exported into."""
        self._require_state().set_wave(wave)  # refused if it starts like a formula
        self._survey_for_state()
        self.refresh()

    # -- sessions and companies ---------------------------------------------------------------
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
        new = WorkshopState.open(path, instrument=self.ds.instrument,
                                 integration=self.ds.integration)
        if new.company_id != self.company_id:
            new.close()
            raise WorkshopError(f"session {path.name} is for company {new.company_id!r}")
        for message in new.warnings:  # already warned by open()
            self._notify(message)
        if new.instrument.version != self.ds.instrument.version:
            self._notify(text("session_other_version", self.lang, file=path.name,
                              version=new.instrument.version,
                              dataset=self.ds.instrument.version))
        self._activate(new)

    def new_session(self) -> None:
        """Start a new session for the company (earlier sessions are kept)."""
        self._activate(WorkshopState.new(
            self.ds.path, self.company_id, instrument=self.ds.instrument,
            company_name=self.ds.company_name(self.company_id), wave=self._default_wave(),
            lang=self.lang, mode=self.mode, department=self.department, today=self.today,
            integration=self.ds.integration))

    def choose_company(self, company_id: str) -> None:
        """Switch to another company of the dataset (its sessions are offered)."""
        if company_id not in set(self.ds.companies["company_id"]):
            raise WorkshopError(f"no company {company_id!r} in {self.ds.path}")
        if self.state is not None:
            self.state.close()
        self.state = None
        self.company_id = company_id
        self._show_companies()
        found = self.sessions()
        free = [s for s in found if not s.in_use]
        if found and self.resume_policy == "ask":
            self.pending_sessions = found
            self._offer(found)
            return
        if self.resume_policy == "last":
            for info in free:  # the most recent one that opens; never an error
                try:
                    self.resume(info.path)
                    return
                except WorkshopError as exc:  # in use meanwhile, damaged, newer version
                    message = text("session_skipped", self.lang, file=info.path.name,
                                   error=exc)
                    warnings.warn(message, SessionWarning, stacklevel=2)
                    self._notify(message)
        self.new_session()

    def _show_companies(self) -> None:
        """Show the dataset's companies (the app)."""

    def create_company(self, name: str, industry: str) -> str:
        """Append a new company to ``companies.csv`` and start a session for it."""
        cid = add_company(self.ds.path, name, industry)
        self._load_dataset(self.ds.path)
        self.choose_company(cid)
        return cid

    def choose_dataset(self, dataset: str | Path, company_id: str | None = None) -> None:
        """Switch to another dataset folder."""
        self._load_dataset(Path(dataset))
        self.choose_company(company_id or self.ds.companies["company_id"].iloc[0])

    def export(self) -> ExportResult:
        """Append the session's respondents to the dataset's responses file (never changing
        existing rows); the survey comparison then leaves them out."""
        result = export_session(self._require_state())
        self.ds = load_dataset(self.ds.path)
        self._survey_for_state()
        self.refresh()
        return result

    def close(self) -> None:
        """Release the session (its files stay; it can be resumed)."""
        if self.state is not None:
            self.state.close()

    @property
    def integration(self) -> IntegrationInstrument:
        """The customer-integration section the session is answered with (the dataset's
        when no session is open)."""
        return self.state.integration if self.state is not None else self.ds.integration

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

    # -- internals --------------------------------------------------------------------------------
    def _load_dataset(self, path: Path) -> None:
        try:
            self.ds = load_dataset(path)
        except DatasetError as exc:
            raise WorkshopError(f"dataset {path} does not validate:\n{exc}") from exc
        self.instrument = self.ds.instrument

    def _default_wave(self) -> str:
        return self._wave_param if self._wave_param is not None else default_wave(
            self.ds, self.company_id)

    def _activate(self, state: WorkshopState) -> None:
        if self.state is not None and self.state is not state:
            self.state.close()
        self.state = state
        self.instrument = state.instrument  # the version the session is answered with
        self.lang, self.mode = state.lang, state.mode
        self.pending_sessions = []
        self._survey_for_state()
        self._rebuild()

    def _survey_for_state(self) -> None:
        state = self.state
        exclude = {p.respondent_id for p in state.participants} if state else set()
        wave = state.wave if state else self._default_wave()
        self.survey = SurveyReference.build(self.ds, self.company_id, wave, exclude)

    def _taken_ids(self) -> set[str]:
        r = self.ds.responses
        sel = (r["company_id"] == self.company_id) & (
            r["wave"] == (self.state.wave if self.state else ""))
        return set(r.loc[sel, "respondent_id"])

    def _require_state(self) -> WorkshopState:
        if self.state is None:
            raise WorkshopError(text("choose_session_first", self.lang))
        return self.state


__all__ = ["DEFAULT_TEAM_DEPARTMENT", "TEAM", "WorkshopBase"]
