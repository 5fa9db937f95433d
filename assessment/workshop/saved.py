"""Saved workshop sessions on disk: the files' names and format, the listing offered for
resuming (:func:`list_sessions`) and the reading of one session (:func:`read_session`).

Session files live under the dataset, ``<dataset>/workshops/``:

- ``<company-slug>-<YYYY-MM-DD>-<n>.csv``: the answers, in the ``responses.csv`` layout
  (``wave, company_id, respondent_id, perspective, department``, one column per item of
  the core instrument, then one per customer-integration item ``int_*`` in the section's
  order; blank = not answered), one row per participant (one row, the team, in team mode);
- ``<same stem>.json``: everything else (see :data:`SESSION_FORMAT` and the README):
  company, wave, language, mode, participants, the current participant, notes per
  discipline, the target, exports, created/updated times.

:class:`~assessment.workshop.session.WorkshopState` writes them on every change.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import Instrument, load_instrument
from assessment.intake.dataset import Dataset
from assessment.workshop.answers import merge_answers, read_answers, session_version
from assessment.workshop.errors import WorkshopError
from assessment.workshop.locks import (
    SessionLock,
    keep_copy,
    read_settings,
    remove_stale_temps,
    session_summary,
)
from assessment.workshop.texts import text

__all__ = ["INDIVIDUAL", "MAX_TEAM_SIZE", "MODES", "SESSION_FORMAT", "TEAM", "SavedSession",
           "SessionInfo", "default_wave", "list_sessions", "now", "read_session",
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


@dataclass
class SavedSession:
    """What a saved session's files hold, read by :func:`read_session`: ``settings``, the
    keyword arguments of :class:`~assessment.workshop.session.WorkshopState`, and what is
    set on it afterwards."""

    settings: dict
    updated: str
    team_size: int
    last_saved: dt.datetime
    #: what of the settings file was ignored, in the session's language ("" when nothing)
    notice: str = ""
    problems: list[str] = field(default_factory=list)


def read_session(path: str | Path, instrument: Instrument,
                 integration: IntegrationInstrument | None = None) -> SavedSession:
    """Read a saved session (``path``: its .json or .csv file, or the stem's path), in the
    instrument version it was answered with (see ``WorkshopState.open``). A damaged
    settings file is kept as a copy and what was ignored is said in ``notice``.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from assessment.workshop.session import WorkshopState
    >>> data = shutil.copytree("data/sample", Path(tempfile.mkdtemp()) / "sample")
    >>> state = WorkshopState.new(data, "pcmaker", instrument=load_instrument(),
    ...                           today=dt.date(2026, 3, 5))
    >>> state.set_answer("oe_exp_1", 4); state.close()
    >>> saved = read_session(state.json_path, load_instrument())
    >>> saved.settings["company_id"], float(saved.settings["answers"][0, 0]), saved.notice
    ('pcmaker', 4.0, '')
    """
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
    settings = dict(
        instrument=instrument, dataset=json_path.parent.parent, company_id=company_id,
        company_name=meta.get("company_name", company_id),
        wave=meta.get("wave", first.get("wave", "")), lang=meta.get("lang", "en"), mode=mode,
        participants=merged, answers=answers, current=current, notes=meta.get("notes"),
        target=meta.get("target"), created=meta.get("created"), stem=json_path.stem,
        exports=meta.get("exports"), integration=integ, int_answers=int_answers)
    created = meta.get("created") or now().isoformat()
    updated = meta.get("updated", created)
    size = meta.get("team_size", 1)
    try:  # what the status line shows until the next change
        last_saved = dt.datetime.fromisoformat(updated)
    except ValueError:
        last_saved = now()
    notice = ""
    if ignored:
        lang = settings["lang"]
        notice = text("session_ignored", lang, file=json_path.name,
                      ignored="; ".join(ignored), answers=csv_path.name)
        backup = keep_copy(json_path)
        if backup is not None:
            notice += " " + text("session_ignored_kept", lang, backup=backup.name)
    return SavedSession(settings, updated,
                        size if isinstance(size, int) and 1 <= size <= MAX_TEAM_SIZE else 1,
                        last_saved, notice, list(ignored))
