"""A workshop session: answers, participants, notes and target, saved on every change.

The files (``<dataset>/workshops/<stem>.csv`` and ``.json``), their listing and reading are
described in :mod:`~assessment.workshop.saved`. Every change rewrites both files
atomically (temporary file + rename, answers first), so a crash loses at most the change
being typed. The ``.csv`` name is reserved with ``O_EXCL`` when a session first saves: two
sessions never share a file. An open session also holds an advisory lock
(:class:`~assessment.workshop.locks.SessionLock`), so the same session is not resumed in
two browser windows at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
import weakref
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from assessment.files import atomic_write_bytes, company_slug
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import DISCIPLINES, LANGS, Instrument
from assessment.intake.dataset import Dataset
from assessment.workshop.answers import (
    DEFAULT_TEAM_DEPARTMENT,
    PERSPECTIVES,
    AnswerSheet,
    Participant,
)
from assessment.workshop.errors import (
    SessionTakenOver,
    SessionWarning,
    WorkshopError,
    check_choice,
    clean_label,
)
from assessment.workshop.locks import SessionLock
from assessment.workshop.saved import (  # listed here too: where they were first defined
    INDIVIDUAL,
    MAX_TEAM_SIZE,
    MODES,
    SESSION_FORMAT,
    SESSION_FORMAT_VERSION,
    TEAM,
    SessionInfo,
    default_wave,
    list_sessions,
    now,
    read_session,
    sessions_dir,
)
from assessment.workshop.target import Target

__all__ = ["INDIVIDUAL", "MAX_TEAM_SIZE", "MODES", "SESSION_FORMAT", "TEAM", "SessionInfo",
           "WorkshopState", "default_wave", "list_sessions", "now", "sessions_dir"]


class WorkshopState(AnswerSheet):
    """The answers, participants, notes and target of one workshop session, saved on every
    change. Create with :meth:`new` (nothing is written until the first change) or open a
    saved session with :meth:`open`.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from assessment.instrument.models import load_instrument
    >>> data = shutil.copytree("data/sample", Path(tempfile.mkdtemp()) / "sample")
    >>> state = WorkshopState.new(data, "pcmaker", instrument=load_instrument(),
    ...                           today=dt.date(2026, 3, 5))
    >>> state.csv_path is None
    True
    >>> state.set_answer("oe_exp_1", 4); state.csv_path.name
    'pcmaker-2026-03-05-1.csv'
    >>> state.close()
    """

    def __init__(self, *, instrument: Instrument, dataset: Path, company_id: str,
                 company_name: str, wave: str, lang: str, mode: str,
                 participants: list[Participant], answers: np.ndarray, current: int = 0,
                 notes: dict[str, str] | None = None, target: Target | None = None,
                 created: str | None = None, stem: str | None = None,
                 exports: list[dict] | None = None, today: dt.date | None = None,
                 integration: IntegrationInstrument | None = None,
                 int_answers: np.ndarray | None = None):
        super().__init__(instrument, integration or load_integration(), company_id,
                         company_name, wave, participants, answers, int_answers, current)
        self.dataset = Path(dataset)
        self.lang = lang
        self.mode = mode
        self.notes = {d: "" for d in DISCIPLINES} | dict(notes or {})
        self.target = target
        self.created = created or now().isoformat()
        self.updated = self.created
        self.stem = stem
        self.exports = list(exports or [])
        #: the number of people behind a team consensus (team mode; 1 until set)
        self.team_size = 1
        self.today = today
        self._lock: SessionLock | None = None
        self.last_saved: dt.datetime | None = None
        self.warnings: list[str] = []  # what was ignored when the session was opened
        if self.stem is not None:
            self._lock = SessionLock.acquire(self.lock_path)
            self._lock.owner = weakref.ref(self)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def new(cls, dataset: str | Path, company_id: str, *, instrument: Instrument,
            company_name: str | None = None, wave: str = "", lang: str = "en",
            mode: str = TEAM, department: str = DEFAULT_TEAM_DEPARTMENT,
            today: dt.date | None = None,
            integration: IntegrationInstrument | None = None) -> WorkshopState:
        """A new, unsaved session (its files are created at the first change)."""
        check_choice(lang, LANGS, "language")
        check_choice(mode, MODES, "mode")
        state = cls(instrument=instrument, dataset=Path(dataset), company_id=company_id,
                    company_name=company_name or company_id, wave=wave, lang=lang, mode=mode,
                    participants=[], answers=np.empty((0, len(instrument.item_ids))),
                    today=today, integration=integration)
        if mode == TEAM:
            state._append(Participant("team", "internal", clean_label(department, "department")))
        return state

    @classmethod
    def open(cls, path: str | Path, *, instrument: Instrument,
             integration: IntegrationInstrument | None = None) -> WorkshopState:
        """Resume a saved session (``path``: its .json or .csv file, or the stem's path).
        Raises :class:`~assessment.workshop.errors.SessionInUse` when another process has
        it open.

        A session keeps the instrument version it was answered with: the one its .json
        records (``instrument_version``), else the one its answer columns carry. When
        that is another packaged version than ``instrument``'s, the session is opened with
        that version (and its customer-integration section; ``instrument``'s thresholds)."""
        saved = read_session(path, instrument, integration)
        state = cls(**saved.settings)
        state.updated, state.team_size = saved.updated, saved.team_size
        state.last_saved = saved.last_saved
        if saved.notice:
            state.warnings.append(saved.notice)
            warnings.warn(saved.notice, SessionWarning, stacklevel=2)
        return state

    # -- files ---------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        """The dataset's sessions folder."""
        return sessions_dir(self.dataset)

    @property
    def csv_path(self) -> Path | None:
        """The answers file (None until the session first saves)."""
        return None if self.stem is None else self.folder / f"{self.stem}.csv"

    @property
    def json_path(self) -> Path | None:
        """The notes/target/settings file (None until the session first saves)."""
        return None if self.stem is None else self.folder / f"{self.stem}.json"

    @property
    def lock_path(self) -> Path:
        """The session's advisory lock file."""
        return self.folder / f".{self.stem}.lock"

    def _reserve(self) -> None:
        """Create this session's files under a name no other session has (O_EXCL)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        slug = company_slug(self.company_id)
        day = (self.today or dt.date.today()).isoformat()
        for n in range(1, 100_000):
            stem = f"{slug}-{day}-{n}"
            if (self.folder / f"{stem}.json").exists():
                continue
            try:
                fd = os.open(self.folder / f"{stem}.csv", os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o666)
            except FileExistsError:
                continue
            os.close(fd)
            self.stem = stem
            break
        else:  # pragma: no cover
            raise WorkshopError(f"no free session file name in {self.folder}")
        self._lock = SessionLock.acquire(self.lock_path)
        self._lock.owner = weakref.ref(self)
        if self.mode == TEAM and self.participants and \
                self.participants[0].respondent_id == "team":
            self.participants[0].respondent_id = self._default_id("team")

    def _default_id(self, suffix: str) -> str:
        # e.g. ws20260305-1-team: unique per company, day and session number
        m = re.search(r"(\d{4})-(\d{2})-(\d{2})-(\d+)$", self.stem or "")
        tag = f"ws{m.group(1)}{m.group(2)}{m.group(3)}-{m.group(4)}" if m else "ws"
        return f"{tag}-{suffix}"

    def check_owner(self) -> None:
        """Raise :class:`SessionTakenOver` if a newer object resumed this session."""
        owner = self._lock.owner if self._lock is not None else None
        if owner is not None and owner() is not self:
            raise SessionTakenOver(f"session {self.stem} was resumed by a newer workshop; "
                                   "this one is read-only now")

    def save(self) -> None:
        """Write the answers (CSV), then everything else (JSON), each atomically."""
        self.check_owner()
        if self.stem is None:
            self._reserve()
        self.updated = now().isoformat()
        atomic_write_bytes(self.csv_path, self.responses_csv().encode("utf-8"))
        atomic_write_bytes(self.json_path, (json.dumps(self.to_json(), indent=2,
                                                       ensure_ascii=False) + "\n").encode())
        self.last_saved = now()

    _changed = save

    def close(self) -> None:
        """Release the session's lock (its files stay)."""
        if self._lock is not None and self._lock.owner is not None \
                and self._lock.owner() is self:
            self._lock.release()
        self._lock = None

    def to_json(self) -> dict:
        """Everything but the answers, as the session's JSON file holds it."""
        return {
            "format": SESSION_FORMAT, "format_version": SESSION_FORMAT_VERSION,
            "session": self.stem, "answers_file": f"{self.stem}.csv",
            "dataset": self.dataset.name, "company_id": self.company_id,
            "company_name": self.company_name, "wave": self.wave, "lang": self.lang,
            "mode": self.mode, "instrument_version": self.instrument.version,
            "created": self.created, "updated": self.updated,
            "participants": [p.to_dict() for p in self.participants],
            "current": self.participant.respondent_id if self.participants else None,
            "answered": self.answers_given(), "total": self.answerable_total(),
            "progress_current": list(self.progress()),
            "integration_version": self.integration.version,
            "integration_answered": int(np.isfinite(self.int_answers).sum()),
            "integration_total": int(sum(self.int_applicable(i).sum()
                                         for i in range(len(self.participants)))),
            "integration_progress_current": list(self.int_progress()),
            "notes": dict(self.notes),
            "target": self.target.to_dict() if self.target else None,
            "exports": self.exports, "team_size": self.team_size,
        }

    # -- participants, mode, language, notes, target ------------------------------------------
    def next_participant_id(self) -> str:
        """A free default id for the next participant (p01, p02, ... tagged by session)."""
        taken = {p.respondent_id for p in self.participants}
        for k in range(1, 10_000):
            rid = self._default_id(f"p{k:02d}") if self.stem else f"p{k:02d}"
            if rid not in taken:
                return rid
        raise WorkshopError("too many participants")  # pragma: no cover

    def add_participant(self, respondent_id: str | None = None, perspective: str = "internal",
                        department: str = "", *, taken: set[str] | None = None) -> Participant:
        """Add a participant (individual mode) and make them current; saves. ``taken``:
        respondent ids the company already has in the session's wave (they must stay
        unique there for the export)."""
        if self.mode != INDIVIDUAL:
            raise WorkshopError("participants are added in individual mode; switch the mode")
        check_choice(perspective, PERSPECTIVES, "perspective")
        if self.stem is None:
            self._reserve()
        rid = clean_label(respondent_id, "respondent id", max_len=40) if respondent_id \
            else self.next_participant_id()
        if any(p.respondent_id == rid for p in self.participants):
            raise WorkshopError(f"respondent id {rid!r} is already in this session")
        if taken and rid in taken:
            raise WorkshopError(f"respondent id {rid!r} is already in the dataset for this "
                                "company and wave")
        dept = clean_label(department, "department", required=perspective == "internal")
        p = Participant(rid, perspective, dept if perspective == "internal" else "")
        self._append(p)
        self.current = len(self.participants) - 1
        self.save()
        return p

    def select(self, respondent_id: str) -> None:
        """Make a participant current (their answers show in the controls); saves."""
        self.current = self.index_of(respondent_id)
        self.save()

    def set_mode(self, mode: str) -> None:
        """Team -> individual keeps the team as the first participant; individual -> team
        needs at most one participant."""
        check_choice(mode, MODES, "mode")
        if mode == self.mode:
            return
        if mode == TEAM and len(self.participants) > 1:
            raise WorkshopError("this session has several participants; start a new session "
                                "for a team consensus")
        self.mode = mode
        if mode == TEAM and not self.participants:
            self._append(Participant("team", "internal", DEFAULT_TEAM_DEPARTMENT))
        self.save()

    def set_lang(self, lang: str) -> None:
        """The session's language (saved once the session has files)."""
        check_choice(lang, LANGS, "language")
        self.lang = lang
        if self.stem is not None:
            self.save()

    def set_wave(self, wave: str) -> None:
        """The wave the answers are exported into ("" for a dataset without waves); saves.
        Refused, before anything is saved, when it starts like a spreadsheet formula."""
        self.wave = clean_label(wave, "wave", required=False)
        self.save()

    def set_note(self, discipline: str, note: str) -> None:
        """The notes of one discipline; saves."""
        check_choice(discipline, DISCIPLINES, "discipline")
        self.notes[discipline] = str(note)
        self.save()

    def set_target(self, discipline: str | None, profile: Mapping[str, float] | None = None
                   ) -> None:
        """Set the discipline to lead in (None clears the target) and the target profile
        (see :meth:`Target.choose`); saves."""
        self.target = Target.choose(self.target, discipline, profile, self.instrument)
        self.save()

    def set_team_size(self, size: int) -> None:
        """The number of participants behind the team's consensus (team mode); saves."""
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or \
                not 1 <= size <= MAX_TEAM_SIZE:
            raise WorkshopError(f"the team size must be a whole number from 1 to "
                                f"{MAX_TEAM_SIZE}, not {size!r}")
        self.team_size = int(size)
        if self.stem is not None:
            self.save()

    def dataset_frame(self) -> Dataset:
        """The session as an in-memory dataset (one company, one wave) for scoring. In team
        mode the one record is the team's consensus (perspective ``team``, with the number
        of participants), a legitimate basis for a verdict however small the team."""
        ds = self.as_dataset(self.dataset)
        if self.mode == TEAM and len(ds.responses):
            ds.responses = ds.responses.assign(perspective="team",
                                               participants=float(self.team_size))
        return ds
