"""The workshop without a browser: session state and files, live scoring, survey comparison,
target moves, export to ``responses.csv`` and new companies.

Everything the widgets in :mod:`assessment.workshop` do goes through this module, so it can
be tested (and used from a script) without Jupyter.

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
an advisory lock (``.<stem>.lock``, released when the process ends, even by a crash), so
the same session is not resumed in two browser windows at once.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import re
import weakref
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Diagnosis, diagnose
from assessment.exceptions import AssessmentError, DatasetError
from assessment.files import atomic_write_bytes, company_slug, slugify
from assessment.instrument import texts
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import (
    DISCIPLINES,
    LANGS,
    LENSES,
    THRESHOLD_LENS,
    Instrument,
    Thresholds,
    load_instrument,
)
from assessment.intake.dataset import Dataset, find_responses, load_dataset
from assessment.scoring.integration import BLOCK_SOURCE
from assessment.scoring.rules import INSIDE_OUT, INTERNAL, OUTSIDE_IN, rwg_j
from assessment.scoring.tables import Scores, score
from assessment.scoring.tdist import t_quantile

try:  # advisory locks (POSIX); elsewhere sessions still never share a file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SESSION_FORMAT = "value-discipline-workshop"
SESSION_FORMAT_VERSION = 1
SESSIONS_DIR = "workshops"
TEAM = "team"
INDIVIDUAL = "individual"
MODES = (TEAM, INDIVIDUAL)
PERSPECTIVES = ("internal", "customer")
META_COLUMNS = ["wave", "company_id", "respondent_id", "perspective", "department"]
DEFAULT_TEAM_DEPARTMENT = "Management team"
TOLERANCE = 0.005  # a score within this of its target is on target (scores show 2 decimals)
_FORMULA_START = ("=", "+", "-", "@")


class WorkshopError(AssessmentError):
    """Something the facilitator asked for cannot be done (the message says why)."""


class SessionInUse(WorkshopError):
    """The session is open in another process (another browser window or kernel)."""


class SessionTakenOver(WorkshopError):
    """This session object was replaced by a newer one in the same process (a resume)."""


# -- texts ------------------------------------------------------------------------------


def text(key: str, lang: str = "en", **fmt: object) -> str:
    """A workshop text in ``lang`` (en, de, nl), with ``fmt`` filled in."""
    if lang not in LANGS:
        raise WorkshopError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    return texts.text("workshop", key, lang, **fmt)


# -- small helpers ----------------------------------------------------------------------


def clean_label(value: object, what: str, *, max_len: int = 80, required: bool = True) -> str:
    """Free text that goes into a data file (a name, industry, department, respondent id):
    one line, no control characters, not starting like a spreadsheet formula."""
    s = "" if value is None else str(value).strip()
    if not s:
        if required:
            raise WorkshopError(f"{what} must not be empty")
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in s):
        raise WorkshopError(f"{what} must be a single line without control characters")
    if s.startswith(_FORMULA_START):
        raise WorkshopError(f"{what} must not start with {' '.join(_FORMULA_START)} "
                            "(a spreadsheet would read it as a formula): {s!r}")
    if len(s) > max_len:
        raise WorkshopError(f"{what} is longer than {max_len} characters")
    return s


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone().replace(microsecond=0)


def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding to append with): UTF-8 with or without BOM, else Windows-1252,
    the same rule as the reader in :mod:`assessment.intake.dataset`."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"


def _sniff_separator(header_line: str) -> str:
    counts = {sep: len(next(csv.reader([header_line], delimiter=sep))) for sep in ",;\t"}
    return max(counts, key=lambda s: (counts[s], s == ","))


def _fmt_answer(value: float) -> str:
    return "" if not np.isfinite(value) else str(int(value))


# -- advisory session locks ---------------------------------------------------------------


class _Lock:
    """An exclusive ``flock`` on a session's lock file, held while the session is open."""

    _held: weakref.WeakValueDictionary[str, _Lock] = weakref.WeakValueDictionary()

    def __init__(self, path: Path):
        self.key = str(path.resolve())
        self.fd: int | None = None
        if fcntl is None:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise SessionInUse(
                f"session {path.name.strip('.').removesuffix('.lock')} is open in another "
                "window or kernel; close it there or start a new session") from exc
        self.fd = fd
        _Lock._held[self.key] = self

    @classmethod
    def acquire(cls, path: Path) -> _Lock:
        """The lock of ``path``: taken over when this process already holds it (a restart
        of the workshop object in the same kernel), else acquired without waiting."""
        held = cls._held.get(str(path.resolve()))
        return held if held is not None else cls(path)

    @classmethod
    def in_use(cls, path: Path) -> bool:
        """True when some process (this one included) holds the lock of ``path``."""
        if str(path.resolve()) in cls._held:
            return True
        if fcntl is None or not path.exists():
            return False
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        else:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return False
        finally:
            os.close(fd)

    def release(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self.fd, fcntl.LOCK_UN)  # type: ignore[union-attr]
                os.close(self.fd)
            self.fd = None
        if _Lock._held.get(self.key) is self:
            del _Lock._held[self.key]

    def __del__(self) -> None:  # the process may live on (a kernel): do not leak the lock
        self.release()


@contextlib.contextmanager
def _file_lock(folder: Path, name: str) -> Iterator[None]:
    """Serialize read-modify-write of a dataset file between processes (POSIX)."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    path = folder / f".{name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# -- participants and sessions -------------------------------------------------------------


@dataclass
class Participant:
    """One respondent of the session: the team (team mode) or one participant."""

    respondent_id: str
    perspective: str = "internal"
    department: str = DEFAULT_TEAM_DEPARTMENT

    def to_dict(self) -> dict:
        return {"respondent_id": self.respondent_id, "perspective": self.perspective,
                "department": self.department}


@dataclass
class SessionInfo:
    """A saved session, as listed for resuming."""

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

    @property
    def csv_path(self) -> Path:
        return self.path.with_suffix(".csv")

    def label(self, lang: str = "en") -> str:
        """One line for a picker: when, how far, which mode, which file."""
        updated = self.updated.replace("T", " ")[:16]
        mode = text("mode_team" if self.mode == TEAM else "mode_individual", lang)
        out = text("session_label", lang, updated=updated, answered=self.answered,
                   total=self.total, mode=mode, file=self.path.stem)
        return out + (" " + text("session_in_use", lang) if self.in_use else "")


def sessions_dir(dataset: str | Path) -> Path:
    """The folder holding a dataset's workshop sessions."""
    return Path(dataset) / SESSIONS_DIR


def list_sessions(dataset: str | Path, company_id: str | None = None) -> list[SessionInfo]:
    """Saved sessions of a dataset (of one company when given), most recently updated first.

    Unreadable or foreign JSON files in the folder are skipped.
    """
    folder = sessions_dir(dataset)
    out: list[SessionInfo] = []
    if not folder.is_dir():
        return out
    for path in folder.glob("*.json"):
        try:
            meta = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(meta, dict) or meta.get("format") != SESSION_FORMAT:
            continue
        if company_id is not None and meta.get("company_id") != company_id:
            continue
        out.append(SessionInfo(
            path=path, stem=path.stem, company_id=str(meta.get("company_id")),
            created=str(meta.get("created", "")), updated=str(meta.get("updated", "")),
            mode=str(meta.get("mode", TEAM)), lang=str(meta.get("lang", "en")),
            answered=int(meta.get("answered", 0)), total=int(meta.get("total", 0)),
            participants=len(meta.get("participants", [])),
            in_use=_Lock.in_use(folder / f".{path.stem}.lock")))
    out.sort(key=lambda s: (s.updated, s.created, s.stem), reverse=True)
    return out


def default_wave(ds: Dataset, company_id: str) -> str:
    """The wave a session's answers belong to: the company's latest wave, else the dataset's
    latest, else "" (a dataset without a wave column)."""
    waves = ds.responses.loc[ds.responses["company_id"] == company_id, "wave"]
    if len(waves):
        return str(max(waves))
    return str(max(ds.waves)) if ds.waves else ""


@dataclass
class Target:
    """The discipline to lead in and the target score per discipline (both lenses)."""

    discipline: str | None
    profile: dict[str, float]

    @classmethod
    def default(cls, discipline: str, thresholds: Thresholds, scale_max: float) -> Target:
        """Lead at excellence plus the leadership margin, the other two held at par."""
        lead = min(float(scale_max), thresholds.excellence + thresholds.leadership_margin)
        return cls(discipline, {d: (lead if d == discipline else thresholds.par)
                                for d in DISCIPLINES})

    def to_dict(self) -> dict:
        return {"discipline": self.discipline,
                "profile": {d: round(float(v), 3) for d, v in self.profile.items()}}


class WorkshopState:
    """The answers, participants, notes and target of one workshop session, saved on every
    change. Create with :meth:`new` (nothing is written until the first change) or open a
    saved session with :meth:`open`."""

    def __init__(self, *, instrument: Instrument, dataset: Path, company_id: str,
                 company_name: str, wave: str, lang: str, mode: str,
                 participants: list[Participant], answers: np.ndarray, current: int = 0,
                 notes: dict[str, str] | None = None, target: Target | None = None,
                 created: str | None = None, stem: str | None = None,
                 exports: list[dict] | None = None, today: dt.date | None = None,
                 integration: IntegrationInstrument | None = None,
                 int_answers: np.ndarray | None = None):
        self.instrument = instrument
        self.integration = integration or load_integration()
        self.dataset = Path(dataset)
        self.company_id = company_id
        self.company_name = company_name
        self.wave = wave
        self.lang = lang
        self.mode = mode
        self.participants = participants
        self.answers = answers  # participants x items, raw answers, NaN = not answered
        self.current = current
        self.notes = {d: "" for d in DISCIPLINES} | dict(notes or {})
        self.target = target
        self.created = created or _now().isoformat()
        self.updated = self.created
        self.stem = stem
        self.exports = list(exports or [])
        self.today = today
        self.item_ids = instrument.item_ids
        self.col = {iid: j for j, iid in enumerate(self.item_ids)}
        self.setup_items = np.array([getattr(instrument.item(i), "lens", None) == "setup"
                                     for i in self.item_ids])
        # the customer-integration section: its own answers (participants x int items),
        # asked of the perspectives in each item's ``answered_by``
        self.int_ids = self.integration.item_ids
        self.int_col = {iid: j for j, iid in enumerate(self.int_ids)}
        self.int_asked = {p: np.array([p in i.answered_by for i in self.integration.items],
                                      dtype=bool) for p in PERSPECTIVES}
        self.int_answers = (int_answers if int_answers is not None
                            else np.full((len(participants), len(self.int_ids)), np.nan))
        self._lock: _Lock | None = None
        self.last_saved: dt.datetime | None = None
        if self.stem is not None:
            self._lock = _Lock.acquire(self.lock_path)
            self._lock_owner = self
            self._claim()

    # -- construction -------------------------------------------------------------------
    @classmethod
    def new(cls, dataset: str | Path, company_id: str, *, instrument: Instrument,
            company_name: str | None = None, wave: str = "", lang: str = "en",
            mode: str = TEAM, department: str = DEFAULT_TEAM_DEPARTMENT,
            today: dt.date | None = None,
            integration: IntegrationInstrument | None = None) -> WorkshopState:
        """A new, unsaved session (its files are created at the first change)."""
        _check_choice(lang, LANGS, "language")
        _check_choice(mode, MODES, "mode")
        state = cls(instrument=instrument, dataset=Path(dataset), company_id=company_id,
                    company_name=company_name or company_id, wave=wave, lang=lang, mode=mode,
                    participants=[], answers=np.empty((0, len(instrument.item_ids))),
                    today=today, integration=integration)
        if mode == TEAM:
            state._append(Participant("team", "internal",
                                      clean_label(department, "department")))
        return state

    @classmethod
    def open(cls, path: str | Path, *, instrument: Instrument,
             integration: IntegrationInstrument | None = None) -> WorkshopState:
        """Resume a saved session (``path``: its .json or .csv file, or the stem's path).

        Raises :class:`SessionInUse` when another process has it open.
        """
        json_path = Path(path).with_suffix(".json")
        try:
            meta = json.loads(json_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WorkshopError(f"{json_path}: not a readable workshop session ({exc})") from exc
        if not isinstance(meta, dict) or meta.get("format") != SESSION_FORMAT:
            raise WorkshopError(f"{json_path}: not a workshop session file")
        if int(meta.get("format_version", 1)) > SESSION_FORMAT_VERSION:
            raise WorkshopError(f"{json_path}: written by a newer version of the workbook")
        dataset = json_path.parent.parent
        participants = [Participant(str(p["respondent_id"]), str(p.get("perspective",
                                                                         "internal")),
                                    str(p.get("department", "")))
                        for p in meta.get("participants", [])]
        integ = integration or load_integration()
        ids = instrument.item_ids + integ.item_ids  # core, then customer integration
        n_core = len(instrument.item_ids)
        rows: dict[str, tuple[Participant, np.ndarray]] = {}
        csv_path = json_path.with_suffix(".csv")
        if csv_path.exists():
            # the CSV is written first, so it may be one change ahead of the JSON
            with csv_path.open(encoding="utf-8", newline="") as fh:
                for rec in csv.DictReader(fh):
                    rid = (rec.get("respondent_id") or "").strip()
                    if not rid:
                        continue
                    vals = np.full(len(ids), np.nan)
                    for j, iid in enumerate(ids):
                        raw = (rec.get(iid) or "").strip()
                        with contextlib.suppress(ValueError):
                            v = float(raw)
                            if instrument.scale.min <= v <= instrument.scale.max and v == int(v):
                                vals[j] = v
                    rows[rid] = (Participant(rid, (rec.get("perspective") or "internal").strip(),
                                             (rec.get("department") or "").strip()), vals)
        merged: list[Participant] = []
        for p in participants + [r[0] for r in rows.values()]:
            if all(m.respondent_id != p.respondent_id for m in merged):
                merged.append(rows[p.respondent_id][0] if p.respondent_id in rows else p)
        both = np.vstack([rows[p.respondent_id][1] if p.respondent_id in rows
                          else np.full(len(ids), np.nan) for p in merged]) if merged \
            else np.empty((0, len(ids)))
        answers, int_answers = both[:, :n_core], both[:, n_core:]
        for k, p in enumerate(merged):  # never resume an answer not asked of them
            if p.perspective in PERSPECTIVES:
                int_answers[k, ~np.array([p.perspective in i.answered_by
                                          for i in integ.items], dtype=bool)] = np.nan
        target = None
        if meta.get("target"):
            t = meta["target"]
            target = Target(t.get("discipline"), {d: float(v) for d, v in
                                                  (t.get("profile") or {}).items()})
        current = next((i for i, p in enumerate(merged)
                        if p.respondent_id == meta.get("current")), 0)
        state = cls(instrument=instrument, dataset=dataset,
                    company_id=str(meta["company_id"]),
                    company_name=str(meta.get("company_name", meta["company_id"])),
                    wave=str(meta.get("wave", "")), lang=str(meta.get("lang", "en")),
                    mode=str(meta.get("mode", TEAM)), participants=merged, answers=answers,
                    current=current, notes=meta.get("notes"), target=target,
                    created=meta.get("created"), stem=json_path.stem,
                    exports=meta.get("exports"), integration=integ,
                    int_answers=int_answers)
        state.updated = str(meta.get("updated", state.created))
        try:  # what the status line shows until the next change
            state.last_saved = dt.datetime.fromisoformat(state.updated)
        except ValueError:
            state.last_saved = _now()
        return state

    # -- files ---------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
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
        return self.folder / f".{self.stem}.lock"

    def _claim(self) -> None:
        assert self._lock is not None
        self._lock.owner = weakref.ref(self)  # type: ignore[attr-defined]

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
        self._lock = _Lock.acquire(self.lock_path)
        self._claim()
        if self.mode == TEAM and self.participants and self.participants[0].respondent_id \
                == "team":
            self.participants[0].respondent_id = self._default_id("team")

    def _default_id(self, suffix: str) -> str:
        # e.g. ws20260305-1-team: unique per company, day and session number
        m = re.search(r"(\d{4})-(\d{2})-(\d{2})-(\d+)$", self.stem or "")
        tag = f"ws{m.group(1)}{m.group(2)}{m.group(3)}-{m.group(4)}" if m else "ws"
        return f"{tag}-{suffix}"

    def check_owner(self) -> None:
        """Raise :class:`SessionTakenOver` if a newer object resumed this session."""
        if self._lock is not None:
            owner = getattr(self._lock, "owner", None)
            if owner is not None and owner() is not self:
                raise SessionTakenOver(
                    f"session {self.stem} was resumed by a newer workshop; this one is "
                    "read-only now")

    def save(self) -> None:
        """Write the answers (CSV), then everything else (JSON), each atomically."""
        self.check_owner()
        if self.stem is None:
            self._reserve()
        self.updated = _now().isoformat()
        atomic_write_bytes(self.csv_path, self.responses_csv().encode("utf-8"))
        atomic_write_bytes(self.json_path, (json.dumps(self.to_json(), indent=2,
                                                       ensure_ascii=False) + "\n").encode())
        self.last_saved = _now()

    def close(self) -> None:
        """Release the session's lock (its files stay)."""
        if self._lock is not None and getattr(self._lock, "owner", lambda: None)() is self:
            self._lock.release()
        self._lock = None

    def to_json(self) -> dict:
        answered, total = self.progress()
        return {
            "format": SESSION_FORMAT,
            "format_version": SESSION_FORMAT_VERSION,
            "session": self.stem,
            "answers_file": f"{self.stem}.csv",
            "dataset": self.dataset.name,
            "company_id": self.company_id,
            "company_name": self.company_name,
            "wave": self.wave,
            "lang": self.lang,
            "mode": self.mode,
            "instrument_version": self.instrument.version,
            "created": self.created,
            "updated": self.updated,
            "participants": [p.to_dict() for p in self.participants],
            "current": self.participant.respondent_id if self.participants else None,
            "answered": int(self.answers_given()),
            "total": int(self.answerable_total()),
            "progress_current": [answered, total],
            "integration_version": self.integration.version,
            "integration_answered": int(np.isfinite(self.int_answers).sum()),
            "integration_total": int(sum(self.int_applicable(i).sum()
                                         for i in range(len(self.participants)))),
            "integration_progress_current": list(self.int_progress()),
            "notes": dict(self.notes),
            "target": self.target.to_dict() if self.target else None,
            "exports": self.exports,
        }

    def responses_frame(self, only_answered: bool = False) -> pd.DataFrame:
        """The session's answers in the ``responses.csv`` layout (strings, "" = blank)."""
        rows = []
        for i, p in enumerate(self.participants):
            if only_answered and not (np.isfinite(self.answers[i]).any()
                                      or np.isfinite(self.int_answers[i]).any()):
                continue
            row = {"wave": self.wave, "company_id": self.company_id,
                   "respondent_id": p.respondent_id, "perspective": p.perspective,
                   "department": p.department if p.perspective == "internal" else ""}
            row.update({iid: _fmt_answer(v) for iid, v in zip(self.item_ids, self.answers[i],
                                                               strict=True)})
            row.update({iid: _fmt_answer(v) for iid, v in zip(self.int_ids, self.int_answers[i],
                                                               strict=True)})
            rows.append(row)
        return pd.DataFrame(rows, columns=META_COLUMNS + self.item_ids + self.int_ids,
                            dtype=str)

    def responses_csv(self) -> str:
        """The session file's text (written on every change: plain csv, no pandas)."""
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(META_COLUMNS + self.item_ids + self.int_ids)
        for p, vals, ivals in zip(self.participants, self.answers, self.int_answers,
                                  strict=True):
            wr.writerow([self.wave, self.company_id, p.respondent_id, p.perspective,
                         p.department if p.perspective == "internal" else "",
                         *(_fmt_answer(v) for v in vals), *(_fmt_answer(v) for v in ivals)])
        return buf.getvalue()

    # -- participants ---------------------------------------------------------------------
    @property
    def participant(self) -> Participant:
        """The participant whose answers the controls show."""
        if not self.participants:
            raise WorkshopError("add a participant first")
        return self.participants[self.current]

    def index_of(self, respondent_id: str | None) -> int:
        if respondent_id is None:
            if not self.participants:
                raise WorkshopError("add a participant first")
            return self.current
        for i, p in enumerate(self.participants):
            if p.respondent_id == respondent_id:
                return i
        raise WorkshopError(f"no participant {respondent_id!r} in this session")

    def _append(self, p: Participant) -> None:
        self.participants.append(p)
        self.answers = np.vstack([self.answers, np.full((1, len(self.item_ids)), np.nan)])
        self.int_answers = np.vstack([self.int_answers,
                                      np.full((1, len(self.int_ids)), np.nan)])

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
        """Add a participant (individual mode) and make them current; saves.

        ``taken``: respondent ids the company already has in the session's wave (they must
        stay unique there for the export).
        """
        if self.mode != INDIVIDUAL:
            raise WorkshopError("participants are added in individual mode; switch the mode")
        _check_choice(perspective, PERSPECTIVES, "perspective")
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
        _check_choice(mode, MODES, "mode")
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
        _check_choice(lang, LANGS, "language")
        self.lang = lang
        if self.stem is not None:
            self.save()

    # -- answers, notes, target ---------------------------------------------------------------
    def applicable(self, i: int | None = None) -> np.ndarray:
        """Items participant ``i`` answers (customers skip the set-up items)."""
        p = self.participants[self.current if i is None else i]
        return ~self.setup_items if p.perspective == "customer" else np.ones_like(
            self.setup_items)

    def int_applicable(self, i: int | None = None) -> np.ndarray:
        """Customer-integration items participant ``i`` answers: those whose
        ``answered_by`` names their perspective (staff, and a team answering as staff, skip
        the customers' motives and self-service items; customers skip supply-chain CRM)."""
        p = self.participants[self.current if i is None else i]
        return self.int_asked.get(p.perspective, np.zeros(len(self.int_ids), dtype=bool))

    def set_answer(self, item_id: str, value: object, respondent_id: str | None = None) -> None:
        """Set (or clear, with None) one answer (a core or a customer-integration item)
        and save at once."""
        if item_id not in self.col and item_id not in self.int_col:
            raise WorkshopError(f"unknown item {item_id!r}")
        i = self.index_of(respondent_id)
        v = _scale_value(value, self.instrument)
        if item_id in self.int_col:
            j = self.int_col[item_id]
            if np.isfinite(v) and not self.int_applicable(i)[j]:
                who = {"internal": "staff", "customer": "customers"}.get(
                    self.participants[i].perspective, self.participants[i].perspective)
                asked = " and ".join(self.integration.items[j].answered_by)
                raise WorkshopError(f"{item_id} is asked of {asked} respondents only; "
                                    f"{who} do not answer it")
            self.int_answers[i, j] = v
        else:
            j = self.col[item_id]
            if np.isfinite(v) and not self.applicable(i)[j]:
                raise WorkshopError(f"{item_id} is a set-up item; customers do not answer "
                                    "those")
            self.answers[i, j] = v
        self.save()

    def answer(self, item_id: str, respondent_id: str | None = None) -> int | None:
        """The answer to one item (None = not answered)."""
        i = self.index_of(respondent_id)
        if item_id in self.int_col:
            v = self.int_answers[i, self.int_col[item_id]]
        elif item_id in self.col:
            v = self.answers[i, self.col[item_id]]
        else:
            raise WorkshopError(f"unknown item {item_id!r}")
        return None if not np.isfinite(v) else int(v)

    def set_note(self, discipline: str, note: str) -> None:
        _check_choice(discipline, DISCIPLINES, "discipline")
        self.notes[discipline] = str(note)
        self.save()

    def set_target(self, discipline: str | None, profile: Mapping[str, float] | None = None
                   ) -> None:
        """Set the discipline to lead in (None clears the target) and the target profile
        (default: lead at excellence + leadership margin, the others at par)."""
        if discipline is None and profile is None:
            self.target = None
        else:
            if discipline is not None:
                _check_choice(discipline, DISCIPLINES, "discipline")
            th, sc = self.instrument.thresholds, self.instrument.scale
            base = (Target.default(discipline, th, sc.max).profile if discipline
                    else {d: th.par for d in DISCIPLINES})
            if self.target is not None and profile is None and \
                    self.target.discipline == discipline:
                base = dict(self.target.profile)
            for d, v in (profile or {}).items():
                _check_choice(d, DISCIPLINES, "discipline")
                v = float(v)
                if not sc.min <= v <= sc.max:
                    raise WorkshopError(f"target for {d} must be within {sc.min}..{sc.max}")
                base[d] = v
            self.target = Target(discipline, base)
        self.save()

    def progress(self, respondent_id: str | None = None) -> tuple[int, int]:
        """(answered, answerable) items of the current (or given) participant."""
        if not self.participants:
            return 0, 0
        i = self.index_of(respondent_id)
        app = self.applicable(i)
        return int(np.isfinite(self.answers[i][app]).sum()), int(app.sum())

    def int_progress(self, respondent_id: str | None = None) -> tuple[int, int]:
        """(answered, answerable) customer-integration items of the current (or given)
        participant; kept apart from :meth:`progress` (the discipline items)."""
        if not self.participants:
            return 0, 0
        i = self.index_of(respondent_id)
        app = self.int_applicable(i)
        return int(np.isfinite(self.int_answers[i][app]).sum()), int(app.sum())

    def answers_given(self) -> int:
        return int(np.isfinite(self.answers).sum())

    def answerable_total(self) -> int:
        return int(sum(self.applicable(i).sum() for i in range(len(self.participants))))

    def team_answers(self) -> np.ndarray:
        """Per item the team's answer: the consensus, or the participants' mean."""
        if not len(self.answers):
            return np.full(len(self.item_ids), np.nan)
        with np.errstate(invalid="ignore"), _quiet():
            return np.nanmean(self.answers, axis=0)

    def dataset_frame(self) -> Dataset:
        """The session as an in-memory dataset (one company, one wave) for scoring."""
        return session_dataset(self)


def _check_choice(value: object, options: tuple[str, ...], what: str) -> None:
    if value not in options:
        raise WorkshopError(f"unknown {what} {value!r}; expected one of {list(options)}")


def _scale_value(value: object, inst: Instrument) -> float:
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WorkshopError(f"answer {value!r} is not on the scale") from None
    if v != int(v) or not inst.scale.min <= v <= inst.scale.max:
        raise WorkshopError(f"answer {value!r} must be a whole number from {inst.scale.min} "
                            f"to {inst.scale.max}, or None for not answered")
    return v


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def session_dataset(state: WorkshopState) -> Dataset:
    """An in-memory :class:`Dataset` of the session's respondents, core items then
    customer-integration items (answers not asked of a respondent's perspective blanked,
    as :func:`assessment.load_dataset` does)."""
    n = len(state.participants)
    persp = [p.perspective for p in state.participants]
    answers = state.answers.copy()
    cust = np.array([p == "customer" for p in persp], dtype=bool)
    if cust.any():
        answers[np.ix_(cust, state.setup_items)] = np.nan
    int_answers = state.int_answers.copy()
    for k in range(n):
        int_answers[k, ~state.int_applicable(k)] = np.nan
    answers = np.hstack([answers, int_answers])
    item_ids = state.item_ids + state.int_ids
    cols: dict[str, object] = {
        "wave": [state.wave] * n, "company_id": [state.company_id] * n,
        "respondent_id": [p.respondent_id for p in state.participants],
        "perspective": persp,
        "department": [p.department if p.perspective == "internal" else ""
                       for p in state.participants],
        "row": np.arange(2, n + 2),
    }
    resp = pd.concat([pd.DataFrame(cols), pd.DataFrame(answers, columns=item_ids)],
                     axis=1) if n else pd.DataFrame(
        {**cols, **{i: np.array([], dtype=float) for i in item_ids}})
    comp = pd.DataFrame({"company_id": [state.company_id], "name": [state.company_name],
                         "industry": [""]})
    return Dataset(state.dataset, comp, resp, state.instrument,
                   integration=state.integration)


# -- fast scoring of one company ------------------------------------------------------------


def _t975(df: int) -> float:
    return t_quantile(df, 0.975)


_PLANS: dict[int, tuple[Instrument, list]] = {}


def _plan(inst: Instrument) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Per cell: (discipline, lens, item columns, reverse flags); cached per instrument
    object (instruments are not hashable; the cache keeps the object so its id stays)."""
    hit = _PLANS.get(id(inst))
    if hit is not None and hit[0] is inst:
        return hit[1]
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    plan = [(d, lens, np.array([col[i.id] for i in inst.cell_items(d, lens)]),
             np.array([i.reverse for i in inst.cell_items(d, lens)]))
            for d, lens in inst.cells()]
    if len(_PLANS) > 16:
        _PLANS.clear()
    _PLANS[id(inst)] = (inst, plan)
    return plan


TOTAL_LENSES = ("experience", THRESHOLD_LENS)


def quick_score(ds: Dataset) -> Scores:
    """:func:`assessment.score` for a dataset of ONE company and ONE wave, in numpy.

    The same rules and the same tables as ``score`` (tests check they agree), the
    customer-integration table (``integration``, as
    :func:`assessment.scoring.integration.score_integration` makes it) included, but without its
    fixed pandas overhead (``score_integration`` alone takes about 100 ms), so the workshop
    can rescore after every click. ``reliability`` is not computed (alpha NaN).
    Falls back to ``score`` if the ``Scores`` structure is not the one this was written for.
    """
    resp = ds.responses
    keys = resp[["wave", "company_id"]].drop_duplicates()
    if len(keys) > 1:
        raise ValueError("quick_score scores one company and one wave")
    try:
        return _quick_score(ds)
    except (TypeError, KeyError):  # a changed Scores structure: the slow, certain path
        return score(ds)


def _frame(rows: list[dict], cols: list[str]) -> pd.DataFrame:
    """A DataFrame from row dicts, built column-wise (much faster for small tables)."""
    return pd.DataFrame({c: [r[c] for r in rows] for c in cols}, columns=cols)


def _cell(raw: np.ndarray, idx: np.ndarray, rev: np.ndarray, lo: int, hi: int, share: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One cell's respondent scores: (answered, score, kept, kept keyed answers); the rules of
    :func:`assessment.scoring.respondent_scores`."""
    sub = raw[:, idx]
    sub = np.where(rev, lo + hi - sub, sub)
    ok = ~np.isnan(sub)
    answered = ok.sum(axis=1)
    k = len(idx)
    with np.errstate(invalid="ignore", divide="ignore"):
        sc = np.where(ok, sub, 0.0).sum(axis=1) / answered
    kept = (answered > 0) & (answered >= share * k - 1e-9)
    sc = np.where(kept, sc, np.nan)
    kv = np.where(kept[:, None], sub, np.nan)
    return answered, sc, kept, kv


def _group(sc: np.ndarray, kept: np.ndarray, kv: np.ndarray, g: np.ndarray, k: int,
           points: int, min_group_size: int, customers: bool) -> dict | None:
    """mean, n, sd, ci_low, ci_high, rwg, shown of one group (mask ``g``) in one cell; the
    rules of :func:`assessment.scoring.group_stats`. None when no one in it was kept."""
    m = g & kept
    cnt = int(m.sum())
    if cnt == 0:
        return None
    vals = sc[m]
    mean = float(vals.mean())
    sd = float(vals.std(ddof=1)) if cnt >= 2 else np.nan
    if cnt >= 2:
        half = _t975(cnt - 1) * sd / np.sqrt(cnt)
        ci_low, ci_high = mean - half, mean + half
        block = kv[g]
        okb = ~np.isnan(block)
        c = okb.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            colmean = np.where(okb, block, 0.0).sum(axis=0) / c
            ss = (np.where(okb, block - colmean, 0.0) ** 2).sum(axis=0)
            var = np.where(c >= 2, ss / (c - 1), np.nan)
        fin = var[np.isfinite(var)]
        rwg = float(rwg_j(np.array([fin.mean()]), k, points)[0]) if len(fin) else np.nan
    else:
        ci_low = ci_high = rwg = np.nan
    shown = cnt >= min_group_size or not customers
    if not shown:
        mean = sd = ci_low = ci_high = rwg = np.nan
    return {"mean": mean, "n": cnt, "sd": sd, "ci_low": ci_low, "ci_high": ci_high,
            "rwg": rwg, "shown": shown}


_INT_PLANS: dict[int, tuple[IntegrationInstrument, list]] = {}
#: blocks whose company score is everyone's (an ``all`` row, as in score_integration)
INT_TOTAL_BLOCKS = frozenset(b for b, src in BLOCK_SOURCE.items() if src == "all")
INT_COLUMNS = ["wave", "company_id", "block", "scale", "perspective", "mean", "n", "sd",
               "ci_low", "ci_high", "rwg", "shown", "source"]


def _int_plan(integ: IntegrationInstrument) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Per (block, scale) of the integration section: (scale, block, item columns, reverse
    flags), columns counted in ``integ.item_ids``; cached per section object."""
    hit = _INT_PLANS.get(id(integ))
    if hit is not None and hit[0] is integ:
        return hit[1]
    col = {iid: j for j, iid in enumerate(integ.item_ids)}
    plan = []
    for block, scale in integ.cells():
        items = integ.cell_items(block, scale)
        plan.append((scale, block, np.array([col[i.id] for i in items]),
                     np.array([i.reverse for i in items])))
    if len(_INT_PLANS) > 16:
        _INT_PLANS.clear()
    _INT_PLANS[id(integ)] = (integ, plan)
    return plan


def _quick_integration(resp: pd.DataFrame, integ: IntegrationInstrument, inst: Instrument,
                       wave: str, cid: str) -> pd.DataFrame:
    """:func:`assessment.scoring.integration.score_integration` for one company and one wave, in
    numpy (the same rules, rows and order; tests check they agree)."""
    th = inst.thresholds
    ids = integ.item_ids
    present = [i for i in ids if i in resp.columns]
    raw = np.full((len(resp), len(ids)), np.nan)
    if present:
        pos = [ids.index(i) for i in present] if len(present) < len(ids) else slice(None)
        raw[:, pos] = resp[present].to_numpy(dtype=float)
    if not np.isfinite(raw).any():
        return pd.DataFrame(columns=INT_COLUMNS)
    lo, hi, points = inst.scale.min, inst.scale.max, inst.scale.points
    persp = resp["perspective"].to_numpy(dtype=object)
    groups_by = [(p, persp == p) for p in sorted(set(persp.tolist()))]
    everyone = ("all", np.ones(len(resp), dtype=bool))
    rows = []
    for scale, block, idx, rev in _int_plan(integ):
        _answered, sc, kept, kv = _cell(raw, idx, rev, lo, hi, th.min_answered_share)
        groups = groups_by + ([everyone] if block in INT_TOTAL_BLOCKS else [])
        for p, g in groups:
            row = _group(sc, kept, kv, g, len(idx), points, th.min_group_size,
                         p == "customer")
            if row is not None:
                rows.append({"wave": wave, "company_id": cid, "block": block, "scale": scale,
                             "perspective": p, **row, "source": p == BLOCK_SOURCE[block]})
    rows.sort(key=lambda r: (r["scale"], r["block"], r["perspective"]))
    return _frame(rows, INT_COLUMNS)


def _quick_score(ds: Dataset) -> Scores:
    inst = ds.instrument
    th = inst.thresholds
    resp = ds.responses
    lo, hi, points = inst.scale.min, inst.scale.max, inst.scale.points
    share = th.min_answered_share
    n = len(resp)
    wave = str(resp["wave"].iloc[0]) if n else ""
    cid = str(resp["company_id"].iloc[0]) if n else ""
    raw = resp[inst.item_ids].to_numpy(dtype=float)
    persp = resp["perspective"].to_numpy(dtype=object)
    dept = resp["department"].to_numpy(dtype=object)
    rids = resp["respondent_id"].to_numpy(dtype=object)
    persp_values = sorted(set(persp.tolist()))

    long_parts: dict[str, list] = {k: [] for k in (
        "discipline", "lens", "score", "answered", "n_items", "kept")}
    comp_rows: list[dict] = []
    cell_scores: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for d, lens, idx, rev in _plan(inst):
        k = len(idx)
        answered, sc, kept, kv = _cell(raw, idx, rev, lo, hi, share)
        cell_scores[(d, lens)] = (sc, kept)
        long_parts["discipline"].append(np.full(n, d, dtype=object))
        long_parts["lens"].append(np.full(n, lens, dtype=object))
        long_parts["score"].append(sc)
        long_parts["answered"].append(answered)
        long_parts["n_items"].append(np.full(n, k))
        long_parts["kept"].append(kept)
        groups = [(p, persp == p) for p in persp_values]
        if lens in TOTAL_LENSES:
            groups.append(("all", np.ones(n, dtype=bool)))
        for p, g in groups:
            row = _group(sc, kept, kv, g, k, points, th.min_group_size, p == "customer")
            if row is not None:
                comp_rows.append({"wave": wave, "company_id": cid, "discipline": d,
                                  "lens": lens, "perspective": p, **row})
    n_cells = len(long_parts["score"])
    long_answered = np.concatenate(long_parts["answered"]) if n_cells else np.array([])
    long_kept = np.concatenate(long_parts["kept"]) if n_cells else np.array([], dtype=bool)
    long_rids = np.tile(rids, n_cells)
    long = pd.DataFrame({
        "wave": np.full(n * n_cells, wave, dtype=object),
        "company_id": np.full(n * n_cells, cid, dtype=object),
        "respondent_id": np.tile(rids, n_cells),
        "perspective": np.tile(persp, n_cells),
        "department": np.tile(dept, n_cells),
        **{k: (np.concatenate(v) if v else np.array([])) for k, v in long_parts.items()},
    })
    comp_cols = ["wave", "company_id", "discipline", "lens", "perspective", "mean", "n", "sd",
                 "ci_low", "ci_high", "rwg", "shown"]
    comp_rows.sort(key=lambda r: (r["discipline"], r["lens"], r["perspective"]))
    company = _frame(comp_rows, comp_cols)
    by = {(r["discipline"], r["lens"], r["perspective"]): r for r in comp_rows}

    # profile: the experience source, set-up from staff, par scores from threshold items
    cust_kept = np.zeros(n, dtype=bool)
    for (_d, lens), (_sc, kept) in cell_scores.items():
        if lens == "experience":
            cust_kept |= kept & (persp == "customer")
    n_customers = len(set(rids[cust_kept].tolist()))
    source = OUTSIDE_IN if n_customers >= th.min_group_size else INSIDE_OUT
    exp_p = "customer" if source == OUTSIDE_IN else "internal"
    prof_rows = []
    if comp_rows:
        for lens, p, src in (("experience", exp_p, source), ("setup", "internal", INTERNAL)):
            for d in DISCIPLINES:
                r = by.get((d, lens, p))
                if r is None:
                    continue
                thr = by.get((d, THRESHOLD_LENS, exp_p if lens == "experience" else "internal"))
                par = thr["mean"] if thr is not None and thr["shown"] else np.nan
                basis = "threshold" if np.isfinite(par) else "discipline"
                prof_rows.append({
                    "wave": wave, "company_id": cid, "discipline": d, "lens": lens,
                    "source": src, **{k: r[k] for k in ("mean", "n", "sd", "ci_low", "ci_high",
                                                        "rwg")},
                    "par_score": par if np.isfinite(par) else r["mean"], "par_basis": basis})
    prof_cols = ["wave", "company_id", "discipline", "lens", "source", "mean", "n", "sd",
                 "ci_low", "ci_high", "rwg", "par_score", "par_basis"]
    prof_rows.sort(key=lambda r: (r["lens"], r["discipline"]))
    profile = _frame(prof_rows, prof_cols)

    means = {(r["discipline"], r["lens"]): r["mean"] for r in prof_rows}
    gap_rows = []
    for d in sorted({r["discipline"] for r in prof_rows}):
        e, s = means.get((d, "experience"), np.nan), means.get((d, "setup"), np.nan)
        gap_rows.append({"wave": wave, "company_id": cid, "discipline": d, "experience": e,
                         "setup": s, "gap": e - s})
    lens_gaps = _frame(gap_rows, ["wave", "company_id", "discipline", "experience", "setup",
                                  "gap"])

    blind_rows = []
    for d in DISCIPLINES:
        i_r, c_r = by.get((d, "experience", "internal")), by.get((d, "experience", "customer"))
        if i_r is not None and c_r is not None and i_r["shown"] and c_r["shown"] \
                and np.isfinite(i_r["mean"]) and np.isfinite(c_r["mean"]):
            blind_rows.append({"wave": wave, "company_id": cid, "discipline": d,
                               "internal": i_r["mean"], "customer": c_r["mean"],
                               "diff": i_r["mean"] - c_r["mean"]})
    blind = _frame(blind_rows, ["wave", "company_id", "discipline", "internal", "customer",
                                "diff"])

    staff = persp == "internal"
    setup_any = np.zeros(n, dtype=bool)
    for (_d, lens), (_sc, kept) in cell_scores.items():
        if lens == "setup":
            setup_any |= kept & staff
    dept_rows, hidden_rows = [], []
    for dep in sorted(set(dept[setup_any].tolist())):
        members = setup_any & (dept == dep)
        size = len(set(rids[members].tolist()))
        if size < th.min_group_size:
            hidden_rows.append({"wave": wave, "company_id": cid, "department": dep, "n": size})
            continue
        for d in DISCIPLINES:
            sc, kept = cell_scores[(d, "setup")]
            m = kept & staff & (dept == dep)
            if m.any():
                dept_rows.append({"wave": wave, "company_id": cid, "department": dep,
                                  "discipline": d, "mean": float(sc[m].mean()),
                                  "n": int(m.sum())})
    departments = _frame(dept_rows, ["wave", "company_id", "department", "discipline", "mean",
                                     "n"])
    hidden = _frame(hidden_rows, ["wave", "company_id", "department", "n"])

    drop_cols = ["wave", "company_id", "n_scores", "n_dropped", "n_respondents_dropped"]
    ans_mask = long_answered > 0
    if ans_mask.any():
        not_kept = ans_mask & ~long_kept
        dropped = _frame([{"wave": wave, "company_id": cid, "n_scores": int(ans_mask.sum()),
                           "n_dropped": int(not_kept.sum()),
                           "n_respondents_dropped": len(set(long_rids[not_kept].tolist()))}],
                         drop_cols)
    else:
        dropped = _frame([], drop_cols)
    reliability = _frame(
        [{"discipline": d, "lens": lens, "n_items": len(idx), "n_respondents": n,
          "alpha": np.nan} for d, lens, idx, _r in _plan(inst)],
        ["discipline", "lens", "n_items", "n_respondents", "alpha"])
    known = {f.name for f in fields(Scores)}
    required = {f.name for f in fields(Scores)
                if f.default is MISSING and f.default_factory is MISSING}
    integ = ds.integration or load_integration()
    values = dict(instrument=inst, respondents=long, company=company, profile=profile,
                  lens_gaps=lens_gaps, blind_spots=blind, departments=departments,
                  hidden_departments=hidden, dropped=dropped, reliability=reliability,
                  companies=ds.companies,
                  integration=_quick_integration(resp, integ, inst, wave, cid),
                  integration_instrument=integ)
    if not required <= set(values) <= known:
        raise TypeError("Scores has changed")
    return Scores(**values)


# -- live result ----------------------------------------------------------------------------


@dataclass
class LiveResult:
    """What the workshop shows after a change: scores, diagnosis and the profile as dicts."""

    scores: Scores
    diagnosis: Diagnosis
    means: dict[str, dict[str, float]]  # lens -> discipline -> mean (NaN = not enough answers)
    source: str | None

    @property
    def lens_gaps(self) -> dict[str, float | None]:
        return self.diagnosis.lens_gaps


def live_result(ds: Dataset, company_id: str, wave: str) -> LiveResult:
    """Score and diagnose an in-memory dataset of one company (fast)."""
    scores = quick_score(ds)
    diag = diagnose(scores, [company_id], wave=wave)[company_id]
    means = {lens: {d: float(diag.lenses[lens].scores.get(d, np.nan)) for d in DISCIPLINES}
             for lens in LENSES}
    return LiveResult(scores, diag, means, diag.experience_source)


# -- the survey part (scored once) -------------------------------------------------------------


@dataclass
class SurveyReference:
    """The company's survey answers in one wave, prepared once for the comparisons."""

    company_id: str
    wave: str
    n: int
    item_ids: list[str]
    stats: pd.DataFrame  # per item: all, customer, internal mean and n (hidden -> NaN)
    result: LiveResult | None

    @classmethod
    def build(cls, ds: Dataset, company_id: str, wave: str,
              exclude: set[str] | None = None) -> SurveyReference:
        """From ``ds``'s rows of ``company_id`` in ``wave``, leaving out respondent ids in
        ``exclude`` (the session's own, once exported)."""
        inst = ds.instrument
        r = ds.responses
        rows = r[(r["company_id"] == company_id) & (r["wave"] == wave)]
        if exclude:
            rows = rows[~rows["respondent_id"].isin(exclude)]
        ids = inst.item_ids
        vals = rows[ids].to_numpy(dtype=float)
        persp = rows["perspective"].to_numpy()
        out = {}
        min_n = inst.thresholds.min_group_size
        for name, mask in (("all", np.ones(len(rows), dtype=bool)),
                           ("customer", persp == "customer"), ("internal", persp == "internal")):
            sub = vals[mask]
            cnt = (~np.isnan(sub)).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(cnt > 0, np.nansum(sub, axis=0) / cnt, np.nan)
            if name == "customer":  # a customer group is never shown below the minimum size
                mean = np.where(cnt >= min_n, mean, np.nan)
            out[f"{name}_mean"], out[f"{name}_n"] = mean, cnt
        stats_ = pd.DataFrame(out, index=pd.Index(ids, name="item_id"))
        result = None
        if len(rows):
            sub_ds = Dataset(ds.path, ds.companies[ds.companies["company_id"] == company_id],
                             rows.reset_index(drop=True), inst)
            result = live_result(sub_ds, company_id, wave)
        return cls(company_id, wave, len(rows), ids, stats_, result)


def compare_items(team: np.ndarray, survey: SurveyReference, instrument: Instrument,
                  lang: str = "en", reference: str = "all") -> pd.DataFrame:
    """The team's answer beside the survey's, item by item, largest disagreement first.

    ``team``: per item the team's raw answer (or the participants' mean), NaN = not
    answered. ``reference``: which survey group the difference is taken against (``all``,
    ``customer`` or ``internal``). Raw answers are compared (both groups answered the same
    wording, reverse-keyed or not). Columns: item_id, discipline, lens (experience, setup,
    threshold), text, team, survey (the reference mean), survey_n, customer, customer_n,
    internal, internal_n, difference (team - survey), abs_difference. Items without both a
    team answer and a survey mean come last, in instrument order.
    """
    _check_choice(reference, ("all", "customer", "internal"), "reference group")
    ids = instrument.item_ids
    st = survey.stats.reindex(ids)
    ref = st[f"{reference}_mean"].to_numpy(dtype=float)
    diff = team - ref
    missing = ~np.isfinite(diff)
    absd = np.where(missing, 0.0, np.abs(diff))
    order = np.lexsort((np.arange(len(ids)), -absd, missing))
    meta = _item_meta(instrument, lang)
    return pd.DataFrame({
        "item_id": [ids[k] for k in order],
        "discipline": [meta[ids[k]][0] for k in order],
        "lens": [meta[ids[k]][1] for k in order],
        "text": [meta[ids[k]][2] for k in order],
        "team": team[order],
        "survey": ref[order],
        "survey_n": st[f"{reference}_n"].to_numpy(dtype=int)[order],
        "customer": st["customer_mean"].to_numpy(dtype=float)[order],
        "customer_n": st["customer_n"].to_numpy(dtype=int)[order],
        "internal": st["internal_mean"].to_numpy(dtype=float)[order],
        "internal_n": st["internal_n"].to_numpy(dtype=int)[order],
        "difference": diff[order],
        "abs_difference": np.abs(diff)[order],
    })


_ITEM_META: dict[tuple[int, str], tuple[Instrument, dict]] = {}


def _item_meta(inst: Instrument, lang: str) -> dict[str, tuple[str, str, str]]:
    """item id -> (discipline, lens, text in lang), cached per instrument object."""
    hit = _ITEM_META.get((id(inst), lang))
    if hit is not None and hit[0] is inst:
        return hit[1]
    meta = {i: (inst.item(i).discipline, getattr(inst.item(i), "lens", THRESHOLD_LENS),
                inst.item(i).text.get(lang)) for i in inst.item_ids}
    _ITEM_META[(id(inst), lang)] = (inst, meta)
    return meta


# -- target: what has to move ---------------------------------------------------------------


@dataclass
class Move:
    """The distance of one discipline in one lens from its target."""

    lens: str
    discipline: str
    current: float
    target: float
    delta: float  # target - current
    status: str  # raise, hold_back, on_target, no_data
    lead: bool
    lead_discipline: str | None = None
    lead_target: float | None = None
    margin: float = 0.0

    def text(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        inst = instrument or load_instrument()
        fmt = dict(discipline=inst.discipline_label(self.discipline, lang),
                   lens=inst.lens_label(self.lens, lang).split(" (")[0],
                   current=self.current, target=self.target, delta=self.delta,
                   margin=self.margin, lead_target=self.lead_target or 0.0,
                   lead=inst.discipline_label(self.lead_discipline, lang)
                   if self.lead_discipline else "")
        key = {"raise": "move_raise_lead" if self.lead else "move_raise",
               "hold_back": "move_hold_back", "no_data": "move_no_data",
               "on_target": "move_on_target"}[self.status]
        return text(key, lang, **fmt)


STATUS_ORDER = {"raise": 0, "hold_back": 1, "no_data": 2, "on_target": 3}


def what_has_to_move(means: Mapping[str, Mapping[str, float]], target: Target | None,
                     thresholds: Thresholds) -> list[Move]:
    """Per lens and discipline: how far the current profile is from the target.

    - ``raise``: the current score is below its target (delta = target - current > 0);
    - ``hold_back``: a discipline other than the one to lead in is within the leadership
      margin of the lead's target (or above it), so even a lead on target would not lead:
      hold it at its target and put the effort into the lead (delta < 0 is how far it is
      above what leadership allows);
    - ``on_target``: at or above the target (and not crowding the lead);
    - ``no_data``: not enough answers yet.

    Sorted: raise (largest first), hold_back, no_data, on_target; experience before set-up.
    """
    if target is None:
        return []
    lead = target.discipline
    margin = thresholds.leadership_margin
    lead_target = target.profile.get(lead) if lead else None
    out: list[Move] = []
    for lens in LENSES:
        for d in DISCIPLINES:
            cur = float(means.get(lens, {}).get(d, np.nan))
            tgt = float(target.profile[d])
            kw = dict(lead=d == lead, lead_discipline=lead, lead_target=lead_target,
                      margin=margin)
            if not np.isfinite(cur):
                out.append(Move(lens, d, cur, tgt, np.nan, "no_data", **kw))
                continue
            delta = tgt - cur
            if delta > TOLERANCE:
                status = "raise"
            elif lead and d != lead and lead_target is not None \
                    and cur > lead_target - margin + TOLERANCE:
                status, delta = "hold_back", (lead_target - margin) - cur
            else:
                status = "on_target"
            out.append(Move(lens, d, cur, tgt, delta, status, **kw))
    lens_order = {lens: k for k, lens in enumerate(LENSES)}
    out.sort(key=lambda m: (STATUS_ORDER[m.status],
                            -abs(m.delta) if np.isfinite(m.delta) else 0.0,
                            lens_order[m.lens], DISCIPLINES.index(m.discipline)))
    return out


def moves_frame(moves: list[Move], lang: str = "en",
                instrument: Instrument | None = None) -> pd.DataFrame:
    """The moves as a table with their sentence in ``lang``."""
    return pd.DataFrame([{"lens": m.lens, "discipline": m.discipline, "current": m.current,
                          "target": m.target, "delta": m.delta, "status": m.status,
                          "lead": m.lead, "text": m.text(lang, instrument)} for m in moves],
                        columns=["lens", "discipline", "current", "target", "delta", "status",
                                 "lead", "text"])


# -- writing into the dataset -------------------------------------------------------------------


@dataclass
class ExportResult:
    """What an export did."""

    file: Path
    appended: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already in the dataset, not rewritten
    changed: list[str] = field(default_factory=list)  # skipped, and answers differ since
    empty: list[str] = field(default_factory=list)  # nothing answered: not exported
    # customer-integration items answered in the session that the responses file has no
    # column for (its rows are never rewritten to add one): kept in the session file only
    left_out: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"file": self.file.name, "appended": self.appended, "skipped": self.skipped,
                "changed": self.changed, "empty": self.empty, "left_out": self.left_out}


def _read_header(raw: bytes) -> tuple[str, str, str, list[str], str]:
    """(text, encoding, separator, header, line ending) of a CSV file's bytes."""
    text_, enc = _decode(raw)
    first = next((ln for ln in text_.splitlines() if ln.strip()), "")
    if not first:
        raise WorkshopError("the file has no header row")
    sep = _sniff_separator(first)
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    eol = "\r\n" if "\r\n" in text_ else "\n"
    return text_, enc, sep, header, eol


def _append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows to a CSV keeping its bytes, separator, encoding and line endings."""
    raw = path.read_bytes()
    text_, enc, sep, header, eol = _read_header(raw)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=sep, lineterminator=eol)
    for row in rows:
        w.writerow([row.get(h, "") for h in header])
    try:
        added = buf.getvalue().encode(enc)
    except UnicodeEncodeError as exc:
        raise WorkshopError(f"{path.name} is {enc}-encoded and cannot hold "
                            f"{exc.object[exc.start:exc.end]!r}") from exc
    sep_bytes = b"" if not raw or raw.endswith((b"\n", b"\r")) else eol.encode(enc)
    atomic_write_bytes(path, raw + sep_bytes + added)


def _csv_keys(path: Path, cols: tuple[str, ...]) -> list[tuple[str, ...]]:
    text_, _enc, sep, header, _eol = _read_header(path.read_bytes())
    reader = csv.reader(io.StringIO(text_), delimiter=sep)
    head = [h.strip() for h in next(reader)]
    pos = [head.index(c) if c in head else None for c in cols]
    out = []
    for rec in reader:
        if not any(x.strip() for x in rec):
            continue
        out.append(tuple((rec[p].strip() if p is not None and p < len(rec) else "")
                         for p in pos))
    return out


def add_company(dataset: str | Path, name: str, industry: str) -> str:
    """Append a company to ``companies.csv`` (atomically, under a lock); returns its new id,
    a slug of the name made unique among the existing ids."""
    folder = Path(dataset)
    name = clean_label(name, "company name", max_len=120)
    industry = clean_label(industry, "industry", max_len=120)
    path = folder / "companies.csv"
    if not path.exists():
        raise WorkshopError(f"{folder} has no companies.csv")
    with _file_lock(folder, "companies.csv"):
        existing = {k[0] for k in _csv_keys(path, ("company_id",))}
        base = slugify(name, max_len=40)
        cid = base
        k = 2
        while cid in existing:
            cid = f"{base}-{k}"
            k += 1
        _text, _enc, _sep, header, _eol = _read_header(path.read_bytes())
        missing = [c for c in ("company_id", "name", "industry") if c not in header]
        if missing:
            raise WorkshopError(f"companies.csv lacks the column(s) {missing}")
        _append_rows(path, [{"company_id": cid, "name": name, "industry": industry}])
    return cid


def export_session(state: WorkshopState, *, validate: bool = True) -> ExportResult:
    """Append the session's respondents to the dataset's responses file.

    Existing rows are never changed: respondents already in the file (same company, wave
    and respondent id) are skipped (``changed`` lists those whose answers differ now).
    Participants who answered nothing are not exported. Customer-integration answers go
    into the file's ``int_*`` columns; a file without those columns keeps them out (the
    rows are appended without them, ``left_out`` names the items; they stay in the session
    file) rather than having every existing row rewritten. The file keeps its separator,
    encoding and line endings; ``responses.xlsx`` gets rows appended too. With
    ``validate`` the dataset is loaded again afterwards and the file restored if it no
    longer validates (the error says why).
    """
    folder = state.dataset
    frame = state.responses_frame()
    result = ExportResult(folder / "responses.csv")
    with _file_lock(folder, "responses"):
        path = find_responses(folder)
        if path is None:
            path = folder / "responses.csv"
            header = ((META_COLUMNS if state.wave else META_COLUMNS[1:]) + state.item_ids
                      + state.int_ids)
            atomic_write_bytes(path, (",".join(header) + "\n").encode("utf-8"))
        result.file = path
        original = path.read_bytes()
        is_excel = path.suffix.lower() != ".csv"
        if is_excel:
            existing_rows, header = _excel_rows(path)
        else:
            header = _read_header(original)[3]
            existing_rows = None
        _check_header(header, state)
        in_file = np.array([iid in header for iid in state.int_ids], dtype=bool)
        int_given = np.isfinite(state.int_answers)
        result.left_out = [iid for iid, given in zip(state.int_ids, int_given.any(axis=0),
                                                     strict=True) if given and iid not in header]
        answered_any = (np.isfinite(state.answers).any(axis=1)
                        | (int_given & in_file).any(axis=1))
        compared = state.item_ids + [iid for iid in state.int_ids if iid in header]
        key_cols = ("wave", "company_id", "respondent_id")
        keys = (_csv_keys(path, key_cols) if not is_excel else
                [tuple(r.get(c, "") for c in key_cols) for r in existing_rows or []])
        if "wave" not in header:
            keys = [("",) + k[1:] for k in keys]
        present = set(keys)
        existing_answers = _existing_answers(path, state, is_excel) if present else {}
        new_rows = []
        for i, p in enumerate(state.participants):
            if not answered_any[i]:
                result.empty.append(p.respondent_id)
                continue
            key = (state.wave, state.company_id, p.respondent_id)
            row = frame.iloc[i].to_dict()
            if key in present:
                result.skipped.append(p.respondent_id)
                old = existing_answers.get(p.respondent_id)
                if old is not None and any(old.get(c, "") != row[c] for c in compared
                                           if c in header):
                    result.changed.append(p.respondent_id)
                continue
            new_rows.append(row)
            result.appended.append(p.respondent_id)
        if new_rows:
            if is_excel:
                _append_excel(path, new_rows, header)
            else:
                _append_rows(path, new_rows)
            if validate:
                try:
                    load_dataset(folder)
                except DatasetError as exc:
                    atomic_write_bytes(path, original)
                    raise WorkshopError("the dataset would no longer validate, nothing was "
                                        f"exported:\n{exc}") from exc
    if result.appended:
        state.exports.append({"at": _now().isoformat(), **result.to_dict()})
        state.save()
    return result


def _check_header(header: list[str], state: WorkshopState) -> None:
    missing = [c for c in ("company_id", "respondent_id", "perspective", "department")
               if c not in header]
    if missing:
        raise WorkshopError(f"the responses file lacks the column(s) {missing}")
    if "wave" in header and not state.wave:
        raise WorkshopError("the dataset has waves: set the session's wave (e.g. 2026-Q1) "
                            "before exporting")
    if "wave" not in header and state.wave:
        raise WorkshopError("the dataset has no wave column: clear the session's wave "
                            f"({state.wave!r}) before exporting")
    answered = np.isfinite(state.answers).any(axis=0)
    lost = [iid for iid, a in zip(state.item_ids, answered, strict=True)
            if a and iid not in header]
    if lost:
        raise WorkshopError(f"the responses file has no column for the answered item(s) {lost}")


def _existing_answers(path: Path, state: WorkshopState, is_excel: bool
                      ) -> dict[str, dict[str, str]]:
    """Existing rows of this company and wave, by respondent id (answers as text)."""
    if is_excel:
        rows, _h = _excel_rows(path)
    else:
        text_, _enc, sep, _header, _eol = _read_header(path.read_bytes())
        reader = csv.DictReader(io.StringIO(text_), delimiter=sep)
        rows = [{(k or "").strip(): (v or "").strip() for k, v in rec.items()
                 if isinstance(v, str)} for rec in reader]
    out = {}
    for r in rows:
        if r.get("company_id") == state.company_id and r.get("wave", "") == state.wave:
            out[r.get("respondent_id", "")] = {k: _norm_answer(v) for k, v in r.items()}
    return out


def _norm_answer(v: object) -> str:
    s = "" if v is None else str(v).strip()
    with contextlib.suppress(ValueError):
        f = float(s)
        if f == int(f):
            return str(int(f))
    return s


def _excel_rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = [str(h).strip() if h is not None else "" for h in next(it, [])]
    rows = []
    for rec in it:
        if rec is None or all(v in (None, "") for v in rec):
            continue
        rows.append({h: ("" if v is None else _norm_answer(v)) for h, v in zip(header, rec,
                                                                              strict=False)})
    wb.close()
    return rows, header


def _append_excel(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for row in rows:
        ws.append([(int(v) if h not in META_COLUMNS and v not in ("", None) and
                    str(v).isdigit() else (v if v != "" else None))
                   for h, v in ((h, row.get(h, "")) for h in header)])
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(path, buf.getvalue())
