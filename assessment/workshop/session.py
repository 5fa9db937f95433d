"""Workshop sessions on disk: answers, participants, notes and target, saved on every change.

Session files live under the dataset, ``<dataset>/workshops/``:

- ``<company-slug>-<YYYY-MM-DD>-<n>.csv``: the answers, in the ``responses.csv`` layout
  (``wave, company_id, respondent_id, perspective, department``, one column per item of
  the core instrument, then one per customer-integration item ``int_*`` in the section's
  order; blank = not answered), one row per participant (one row, the team, in team mode);
- ``<same stem>.json``: everything else (see :data:`SESSION_FORMAT` and the README):
  company, wave, language, mode, participants, the current participant, notes per
  discipline, the target, exports, created/updated times.

Every change rewrites both files atomically (temporary file + rename, answers first), so a
crash loses at most the change being typed. The ``.csv`` name is reserved with ``O_EXCL``
when a session first saves: two sessions never share a file. An open session also holds
an advisory lock (:class:`~assessment.workshop.locks.SessionLock`), so the same session is
not resumed in two browser windows at once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import warnings
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assessment.files import atomic_write_bytes, company_slug
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import DISCIPLINES, LANGS, Instrument, load_instrument
from assessment.intake.dataset import Dataset
from assessment.workshop.answers import (
    DEFAULT_TEAM_DEPARTMENT,
    PERSPECTIVES,
    AnswerSheet,
    Participant,
    merge_answers,
    read_answers,
    session_version,
)
from assessment.workshop.errors import (
    SessionTakenOver,
    SessionWarning,
    WorkshopError,
    check_choice,
    clean_label,
)
from assessment.workshop.locks import (
    SessionLock,
    keep_copy,
    read_settings,
    remove_stale_temps,
    session_summary,
)
from assessment.workshop.target import Target
from assessment.workshop.texts import text

__all__ = ["SESSION_FORMAT", "SessionInfo", "WorkshopState", "default_wave", "list_sessions",
           "sessions_dir"]

SESSION_FORMAT = "value-discipline-workshop"
SESSION_FORMAT_VERSION = 1
SESSIONS_DIR = "workshops"
TEAM = "team"
MAX_TEAM_SIZE = 1000
INDIVIDUAL = "individual"
MODES = (TEAM, INDIVIDUAL)


def now() -> dt.datetime:
    """The local time to the second (what the session files record).

    Examples
    --------
    >>> t = now()
    >>> t.microsecond, t.tzinfo is not None
    (0, True)
    """
    return dt.datetime.now().astimezone().replace(microsecond=0)


@dataclass
class SessionInfo:
    """A saved session, as listed for resuming (:func:`list_sessions`).

    Examples
    --------
    >>> info = SessionInfo(Path("pcmaker-2026-03-05-1.json"), "pcmaker-2026-03-05-1",
    ...                    "pcmaker", "2026-03-05T10:00:00+01:00", "2026-03-05T11:30:00+01:00",
    ...                    "team", "en", answered=12, total=51, participants=1, in_use=False)
    >>> info.csv_path.name
    'pcmaker-2026-03-05-1.csv'
    >>> print(info.label())
    2026-03-05 11:30 · 12/51 answered · Team consensus · pcmaker-2026-03-05-1
    """

    path: Path  # the JSON file
    stem: str
    company_id: str
    created: str
    updated: str
    mode: str
    lang: str
    answered: int
    total: int
    participants: int
    in_use: bool
    problem: str = ""  # what of its settings file cannot be used ("" when all is well)

    @property
    def csv_path(self) -> Path:
        """The session's answers file."""
        return self.path.with_suffix(".csv")

    def label(self, lang: str = "en") -> str:
        """One line for a picker: when, how far, which mode, which file."""
        updated = self.updated.replace("T", " ")[:16]
        mode = text("mode_team" if self.mode == TEAM else "mode_individual", lang)
        out = text("session_label_damaged" if self.problem else "session_label", lang,
                   updated=updated, answered=self.answered, total=self.total, mode=mode,
                   file=self.path.stem)
        return out + (" " + text("session_in_use", lang) if self.in_use else "")


def sessions_dir(dataset: str | Path) -> Path:
    """The folder holding a dataset's workshop sessions.

    Examples
    --------
    >>> sessions_dir("data/sample").as_posix()
    'data/sample/workshops'
    """
    return Path(dataset) / SESSIONS_DIR


def list_sessions(dataset: str | Path, company_id: str | None = None) -> list[SessionInfo]:
    """Saved sessions of a dataset (of one company when given), most recently updated first.
    Foreign JSON files in the folder are skipped; a session whose settings file is damaged
    or missing is listed from its answers file (its ``problem`` says what is wrong). Stale
    temporary files of killed saves are removed (:func:`~.locks.remove_stale_temps`).

    Examples
    --------
    >>> import tempfile
    >>> list_sessions(tempfile.mkdtemp())
    []
    """
    folder = sessions_dir(dataset)
    out: list[SessionInfo] = []
    if not folder.is_dir():
        return out
    remove_stale_temps(folder)
    stems = {p.stem for p in folder.glob("*.json")} | {
        p.stem for p in folder.glob("*.csv") if _STEM.fullmatch(p.stem)}
    for stem in stems:
        info = _session_info(folder / f"{stem}.json")
        if info is not None and company_id in (None, info.company_id):
            out.append(info)
    out.sort(key=lambda s: (s.updated, s.created, s.stem), reverse=True)
    return out


def _session_info(path: Path) -> SessionInfo | None:
    """A session as listed (None for a foreign file, or a damaged one without answers)."""
    try:
        f = session_summary(path, SESSION_FORMAT, MODES)
    except WorkshopError:
        return None
    if f is None:
        return None
    return SessionInfo(
        path=path, stem=path.stem, company_id=f["company_id"], created=f.get("created", ""),
        updated=f["updated"], mode=f.get("mode", TEAM), lang=f.get("lang", "en"),
        answered=f["answered"], total=f.get("total", 0), participants=f["participants"],
        in_use=SessionLock.in_use(path.parent / f".{path.stem}.lock"), problem=f["problem"])


def default_wave(ds: Dataset, company_id: str) -> str:
    """The wave a session's answers belong to: the company's latest wave, else the dataset's
    latest, else "" (a dataset without a wave column).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> default_wave(load_dataset("data/sample"), "pcmaker")
    '2026-Q1'
    """
    waves = ds.responses.loc[ds.responses["company_id"] == company_id, "wave"]
    if len(waves):
        return str(max(waves))
    return str(max(ds.waves)) if ds.waves else ""


_STEM = re.compile(r".+-\d{4}-\d{2}-\d{2}-\d+")  # a session's file name stem
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
        json_path = Path(path).with_suffix(".json")
        csv_path = json_path.with_suffix(".csv")
        remove_stale_temps(json_path.parent)
        meta, ignored = read_settings(json_path, SESSION_FORMAT, MODES)
        if meta.get("format_version", 1) > SESSION_FORMAT_VERSION:
            raise WorkshopError(f"{json_path}: written by a newer version of the workbook")
        # the CSV is written first, so it may be one change ahead of the JSON
        try:
            raw = csv_path.read_bytes() if csv_path.exists() else b""
        except OSError as exc:
            raise WorkshopError(f"{csv_path}: the answers file cannot be read "
                                f"({exc.strerror})") from exc
        version = session_version(meta, raw, instrument.version)
        if version != instrument.version:
            instrument = load_instrument(version=version).model_copy(
                update={"thresholds": instrument.thresholds})
            integration = load_integration(version=version)
        integ = integration or load_integration()
        ids = instrument.item_ids + integ.item_ids  # core, then customer integration
        rows, first = read_answers(raw, ids, instrument)
        company_id = meta.get("company_id") or first.get("company_id")
        if not company_id:
            raise WorkshopError(f"{json_path}: not a readable workshop session "
                                f"({'; '.join(ignored) or 'no company'}; {csv_path.name} "
                                "names no company either)")
        merged, answers, int_answers = merge_answers(meta.get("participants", []), rows,
                                                     instrument, integ)
        current = next((i for i, p in enumerate(merged)
                        if p.respondent_id == meta.get("current")), 0)
        mode = meta.get("mode") or (INDIVIDUAL if len(merged) > 1 or any(
            not p.respondent_id.endswith("team") for p in merged) else TEAM)
        state = cls(instrument=instrument, dataset=json_path.parent.parent,
                    company_id=company_id, company_name=meta.get("company_name", company_id),
                    wave=meta.get("wave", first.get("wave", "")), lang=meta.get("lang", "en"),
                    mode=mode, participants=merged, answers=answers, current=current,
                    notes=meta.get("notes"), target=meta.get("target"),
                    created=meta.get("created"), stem=json_path.stem,
                    exports=meta.get("exports"), integration=integ, int_answers=int_answers)
        state.updated = meta.get("updated", state.created)
        size = meta.get("team_size", 1)
        state.team_size = size if isinstance(size, int) and 1 <= size <= MAX_TEAM_SIZE else 1
        try:  # what the status line shows until the next change
            state.last_saved = dt.datetime.fromisoformat(state.updated)
        except ValueError:
            state.last_saved = now()
        if ignored:
            msg = text("session_ignored", state.lang, file=json_path.name,
                       ignored="; ".join(ignored), answers=csv_path.name)
            backup = keep_copy(json_path)
            if backup is not None:
                msg += " " + text("session_ignored_kept", state.lang, backup=backup.name)
            state.warnings.append(msg)
            warnings.warn(msg, SessionWarning, stacklevel=2)
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
