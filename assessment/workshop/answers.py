"""A session's answers in memory: participants and their raw answers to the core items and
to the customer-integration items, what each perspective is asked, progress, and the
answers as a ``responses.csv`` table or an in-memory dataset for scoring; and that table
read back from a session's answers file (:func:`read_answers`), as written or as Excel
re-saved it.

:class:`~assessment.workshop.session.WorkshopState` adds the files, the lock, notes and
target; this part is pure and needs no folder.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.files import FORMULA_START, csv_text
from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import INSTRUMENT_VERSIONS, Instrument
from assessment.intake.dataset import Dataset
from assessment.intake.validate import infer_version
from assessment.workshop.errors import WorkshopError, scale_value

__all__ = ["AnswerSheet", "Participant", "META_COLUMNS", "PERSPECTIVES", "merge_answers",
           "read_answers", "session_rows"]

PERSPECTIVES = ("internal", "customer")
META_COLUMNS = ["wave", "company_id", "respondent_id", "perspective", "department"]
DEFAULT_TEAM_DEPARTMENT = "Management team"


def fmt_answers(values: np.ndarray) -> np.ndarray:
    """:func:`fmt_answer` of every value of an array at once (an array of str).

    Examples
    --------
    >>> fmt_answers(np.array([[4.0, np.nan], [1.0, 5.0]])).tolist()
    [['4', ''], ['1', '5']]
    """
    vals = np.asarray(values, dtype=float)
    given = np.isfinite(vals)
    whole = np.where(given, vals, 0).astype(np.int64).astype(str)
    return np.where(given, whole, "").astype(object)


def fmt_answer(value: float) -> str:
    """An answer as the data files hold it: the whole number, "" for not answered.

    Examples
    --------
    >>> fmt_answer(4.0), fmt_answer(float("nan"))
    ('4', '')
    """
    return "" if not np.isfinite(value) else str(int(value))


@dataclass
class Participant:
    """One respondent of the session: the team (team mode) or one participant.

    Examples
    --------
    >>> Participant("team").to_dict()
    {'respondent_id': 'team', 'perspective': 'internal', 'department': 'Management team'}
    >>> Participant("c01", "customer", "").perspective
    'customer'
    """

    respondent_id: str
    perspective: str = "internal"
    department: str = DEFAULT_TEAM_DEPARTMENT

    def to_dict(self) -> dict:
        """The participant as the session's JSON file holds it."""
        return {"respondent_id": self.respondent_id, "perspective": self.perspective,
                "department": self.department}


def session_rows(raw: bytes) -> list[dict[str, str]]:
    r"""The records of a session's answers file, also after Excel re-saved it: UTF-8 (with or
    without BOM), else Windows-1252; separated by ``,``, ``;`` or tab, whichever splits the
    header most. Column names and cells are stripped; blank lines are skipped.

    Examples
    --------
    >>> session_rows("wave;respondent_id;department\r\n2026;a;Süd\r\n".encode("cp1252"))
    [{'wave': '2026', 'respondent_id': 'a', 'department': 'Süd'}]
    """
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:  # a byte cp1252 leaves undefined
            text = raw.decode("latin-1")
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    sep = max(",;\t", key=lambda c: (len(next(csv.reader([first], delimiter=c))), c == ","))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    header = [h.strip() for h in next(reader, [])]
    return [{h: (_plain(cells[k]) if k < len(cells) else "") for k, h in enumerate(header)}
            for cells in reader if any(c.strip() for c in cells)]


def _plain(cell: str) -> str:
    """A cell as written: without the ``'`` that :func:`assessment.files.csv_safe` puts
    before text starting like a formula."""
    cell = cell.strip()
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def session_version(meta: Mapping, raw: bytes, default: str) -> str:
    r"""The instrument version a saved session was answered with: the one its settings
    record, else the one its answer columns (``raw``, the .csv) carry, else ``default``.

    Examples
    --------
    >>> session_version({"instrument_version": "1.0.0"}, b"", "1.1.0")
    '1.0.0'
    >>> session_version({}, b"company_id,respondent_id,pl_set_2\nacme,team,4\n", "1.1.0")
    '1.0.0'
    >>> session_version({}, b"", "1.1.0"), session_version({"instrument_version": "x"}, b"",
    ...                                                    "1.1.0")
    ('1.1.0', '1.1.0')
    """
    recorded = meta.get("instrument_version")
    if recorded in INSTRUMENT_VERSIONS:
        return str(recorded)
    records = session_rows(raw) if raw.strip() else []
    if not records:
        return default
    version, _mixed = infer_version(list(records[0]), set())
    return version


def read_answers(raw: bytes, ids: list[str], inst: Instrument
                 ) -> tuple[dict[str, tuple[Participant, np.ndarray]], dict[str, str]]:
    r"""The rows of a session's answers file by respondent id, and its first record (which
    names the company and wave). Values off the scale are dropped: the file may have been
    edited by hand.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> rows, first = read_answers(b"company_id,respondent_id,oe_exp_1\nacme,a,4\nacme,b,9\n",
    ...                            ["oe_exp_1"], load_instrument())
    >>> rows["a"][1].tolist(), rows["b"][1].tolist(), first["company_id"]
    ([4.0], [nan], 'acme')
    """
    rows: dict[str, tuple[Participant, np.ndarray]] = {}
    records = session_rows(raw)
    for rec in records:
        rid = rec.get("respondent_id", "")
        if not rid:
            continue
        vals = np.full(len(ids), np.nan)
        for j, iid in enumerate(ids):
            try:
                v = float(rec.get(iid, ""))
            except ValueError:
                continue
            if inst.scale.min <= v <= inst.scale.max and v == int(v):
                vals[j] = v
        rows[rid] = (Participant(rid, rec.get("perspective") or "internal",
                                 rec.get("department", "")), vals)
    return rows, (records[0] if records else {})


def merge_answers(listed: list[Participant],
                  rows: dict[str, tuple[Participant, np.ndarray]], instrument: Instrument,
                  integration: IntegrationInstrument
                  ) -> tuple[list[Participant], np.ndarray, np.ndarray]:
    r"""A session's participants (those its settings list, then those only its answers file
    has; the answers file's details win) with their core and customer-integration answers
    (:func:`read_answers` of both); an answer not asked of a perspective is dropped.

    Examples
    --------
    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.instrument.models import load_instrument
    >>> inst, integ = load_instrument(), load_integration()
    >>> rows, _ = read_answers(b"respondent_id,oe_exp_1\nb,4\n",
    ...                        inst.item_ids + integ.item_ids, inst)
    >>> people, core, _ = merge_answers([Participant("a")], rows, inst, integ)
    >>> [p.respondent_id for p in people], core[:, 0].tolist()
    (['a', 'b'], [nan, 4.0])
    """
    n_ids = len(instrument.item_ids) + len(integration.item_ids)
    merged: list[Participant] = []
    for p in listed + [r[0] for r in rows.values()]:
        if all(m.respondent_id != p.respondent_id for m in merged):
            merged.append(rows[p.respondent_id][0] if p.respondent_id in rows else p)
    both = np.vstack([rows[p.respondent_id][1] if p.respondent_id in rows
                      else np.full(n_ids, np.nan) for p in merged]) if merged \
        else np.empty((0, n_ids))
    n_core = len(instrument.item_ids)
    answers, int_answers = both[:, :n_core], both[:, n_core:]
    for k, p in enumerate(merged):  # never resume an answer not asked of them
        if p.perspective in PERSPECTIVES:
            int_answers[k, ~np.array([p.perspective in i.answered_by
                                      for i in integration.items], dtype=bool)] = np.nan
    return merged, answers, int_answers


class AnswerSheet:
    """The answers of one company's participants in one wave (raw answers, NaN = not
    answered): ``answers`` is participants x core items, ``int_answers`` participants x
    customer-integration items. ``current`` is the participant the controls show.

    Examples
    --------
    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.instrument.models import load_instrument
    >>> sheet = AnswerSheet(load_instrument(), load_integration(), "acme", "Acme", "2026-Q1",
    ...                     [Participant("team")])
    >>> sheet.set_answer("oe_exp_1", 4); sheet.progress()
    (1, 57)
    """

    def __init__(self, instrument: Instrument, integration: IntegrationInstrument,
                 company_id: str, company_name: str, wave: str,
                 participants: list[Participant], answers: np.ndarray | None = None,
                 int_answers: np.ndarray | None = None, current: int = 0):
        self.instrument = instrument
        self.integration = integration
        self.company_id = company_id
        self.company_name = company_name
        self.wave = wave
        self.participants = participants
        self.current = current
        self.item_ids = instrument.item_ids
        self.col = {iid: j for j, iid in enumerate(self.item_ids)}
        self.setup_items = np.array([getattr(instrument.item(i), "lens", None) == "setup"
                                     for i in self.item_ids])
        # the customer-integration section: asked of the perspectives in ``answered_by``
        self.int_ids = integration.item_ids
        self.int_col = {iid: j for j, iid in enumerate(self.int_ids)}
        self.int_asked = {p: np.array([p in i.answered_by for i in integration.items],
                                      dtype=bool) for p in PERSPECTIVES}
        n = len(participants)
        self.answers = (answers if answers is not None
                        else np.full((n, len(self.item_ids)), np.nan))
        self.int_answers = (int_answers if int_answers is not None
                            else np.full((n, len(self.int_ids)), np.nan))
        #: the CSV line of each row as last written (a click changes one row: the others'
        #: lines are reused), by the row's cells
        self._csv_lines: dict[tuple[str, ...], str] = {}

    def _changed(self) -> None:
        """Called after every change (a saved session writes its files)."""

    # -- participants ---------------------------------------------------------------------
    @property
    def participant(self) -> Participant:
        """The participant whose answers the controls show."""
        if not self.participants:
            raise WorkshopError("add a participant first")
        return self.participants[self.current]

    def index_of(self, respondent_id: str | None) -> int:
        """The row of a participant (the current one for None)."""
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

    # -- what is asked, what is answered -------------------------------------------------
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
        """Set (or clear, with None) one answer to a core or a customer-integration item."""
        if item_id not in self.col and item_id not in self.int_col:
            raise WorkshopError(f"unknown item {item_id!r}")
        i = self.index_of(respondent_id)
        v = scale_value(value, self.instrument)
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
        self._changed()

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
        """Core answers given by everyone."""
        return int(np.isfinite(self.answers).sum())

    def answerable_total(self) -> int:
        """Core items asked of everyone."""
        return int(sum(self.applicable(i).sum() for i in range(len(self.participants))))

    def team_answers(self) -> np.ndarray:
        """Per item the team's answer: the consensus, or the participants' mean."""
        given = np.isfinite(self.answers)
        count = given.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(given, self.answers, 0.0).sum(axis=0) / count

    # -- as data ------------------------------------------------------------------------------
    def _rows(self, only_answered: bool = False) -> list[list[str]]:
        rows = []
        cells = fmt_answers(np.hstack([self.answers, self.int_answers])).tolist()
        for p, vals, ivals, text in zip(self.participants, self.answers, self.int_answers,
                                        cells, strict=True):
            if only_answered and not (np.isfinite(vals).any() or np.isfinite(ivals).any()):
                continue
            rows.append([self.wave, self.company_id, p.respondent_id, p.perspective,
                         p.department if p.perspective == "internal" else "", *text])
        return rows

    def responses_frame(self, only_answered: bool = False) -> pd.DataFrame:
        """The answers in the ``responses.csv`` layout (strings, "" = blank)."""
        return pd.DataFrame(self._rows(only_answered),
                            columns=META_COLUMNS + self.item_ids + self.int_ids, dtype=str)

    def responses_csv(self) -> str:
        """The session file's text (written on every change: the package's one CSV
        writer, no pandas; a text starting like a formula gets a ``'``, which the reader,
        :func:`session_rows`, takes off again). A row that did not change since the
        last call keeps its line (a click changes one row)."""
        header = csv_text(META_COLUMNS + self.item_ids + self.int_ids, [])
        rows = [tuple(row) for row in self._rows()]
        lines = {row: self._csv_lines.get(row) or csv_text(None, [row]) for row in rows}
        self._csv_lines = lines  # only the rows written now are kept
        return header + "".join(lines[row] for row in rows)

    def as_dataset(self, path: Path) -> Dataset:
        """The answers as an in-memory :class:`Dataset` (one company, one wave), core items
        then customer-integration items, answers not asked of a respondent's perspective
        blanked as :func:`assessment.load_dataset` does."""
        n = len(self.participants)
        persp = [p.perspective for p in self.participants]
        answers = self.answers.copy()
        cust = np.array([p == "customer" for p in persp], dtype=bool)
        if cust.any():
            answers[np.ix_(cust, self.setup_items)] = np.nan
        int_answers = self.int_answers.copy()
        for k in range(n):
            int_answers[k, ~self.int_applicable(k)] = np.nan
        item_ids = self.item_ids + self.int_ids
        cols: dict[str, object] = {
            "wave": [self.wave] * n, "company_id": [self.company_id] * n,
            "respondent_id": [p.respondent_id for p in self.participants],
            "perspective": persp,
            "department": [p.department if p.perspective == "internal" else ""
                           for p in self.participants],
            "row": np.arange(2, n + 2),
        }
        values = np.hstack([answers, int_answers]) if n else np.empty((0, len(item_ids)))
        resp = pd.concat([pd.DataFrame(cols), pd.DataFrame(values, columns=item_ids)], axis=1)
        comp = pd.DataFrame({"company_id": [self.company_id], "name": [self.company_name],
                             "industry": [""]})
        return Dataset(path, comp, resp, self.instrument, integration=self.integration)
