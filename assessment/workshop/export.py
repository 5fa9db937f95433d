"""Writing a session into its dataset: respondents appended to the responses file (CSV
or Excel, keeping the file's separator, encoding and line endings, never changing a row
that is there) and new companies appended to ``companies.csv``.

The dataset's files are the user's: a symbolic link is written through to its target, a
file an office program has open (its lock file beside it) is not written, a workbook
holding formulas is not re-saved (openpyxl would drop the results Excel stored for them),
and a value that would start like a spreadsheet formula is refused, not changed."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assessment.exceptions import DatasetError
from assessment.files import (
    append_csv_rows,
    atomic_write_bytes,
    formula_cells,
    office_lock_file,
    slugify,
)
from assessment.intake.append import (
    AppendError,
    appended_bytes,
    csv_layout,
    first_formula,
    norm_answer,
    read_rows,
)
from assessment.intake.dataset import find_responses, load_dataset
from assessment.workshop.answers import META_COLUMNS
from assessment.workshop.errors import WorkshopError, clean_label
from assessment.workshop.locks import file_lock
from assessment.workshop.session import TEAM, WorkshopState, now

__all__ = ["ExportResult", "add_company", "export_session"]


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
    try:
        layout = csv_layout(raw)
    except AppendError as exc:
        raise WorkshopError(str(exc)) from exc
    return layout.text, layout.encoding, layout.sep, layout.header, layout.eol


def _append_rows(path: Path, rows: list[dict[str, str]]) -> None:
    """Append rows to a CSV keeping its bytes, separator, encoding and line endings."""
    _text, enc, sep, header, eol = _read_header(path.read_bytes())
    _check_writable(path, header, rows)
    try:
        append_csv_rows(path, [[row.get(h, "") for h in header] for row in rows],
                        encoding=enc, delimiter=sep, lineterminator=eol)
    except UnicodeEncodeError as exc:
        raise WorkshopError(f"{path.name} is {enc}-encoded and cannot hold "
                            f"{exc.object[exc.start:exc.end]!r}") from exc


def _check_writable(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    """Refuse (before anything is written) a file an office program has open, and new
    cells that a spreadsheet would run as a formula: in the user's own data file they are
    not escaped, which would change the value."""
    lock = office_lock_file(path)
    if lock is not None:
        raise WorkshopError(f"{path.name} is open in an office program (its lock file "
                            f"{lock.name} is beside it): close it there, then export again")
    bad = formula_cells(header, rows)
    if bad:
        _i, col, value = bad[0]
        raise WorkshopError(f"nothing was written to {path.name}: the {col} {value!r} starts "
                            f"with {value[:1]!r}, which a spreadsheet would run as a formula; "
                            "change it in the session (or the dataset) and export again")


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
    a slug of the name made unique among the existing ids.

    Examples
    --------
    >>> import shutil, tempfile
    >>> folder = Path(tempfile.mkdtemp()) / "sample"
    >>> _ = shutil.copytree("data/sample", folder, ignore=shutil.ignore_patterns(".*"))
    >>> add_company(folder, "Müller & Söhne", "machinery")
    'muller-sohne'
    """
    folder = Path(dataset)
    name = clean_label(name, "company name", max_len=120)
    industry = clean_label(industry, "industry", max_len=120)
    path = folder / "companies.csv"
    if not path.exists():
        raise WorkshopError(f"{folder} has no companies.csv")
    with file_lock(folder, "companies.csv"):
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

    The file is the user's: a symbolic link is written through to its target, and
    nothing is written (a :class:`WorkshopError` says why) into a file an office program
    has open, into a workbook holding formulas, or when a new cell (the session's wave,
    the company id) would start like a spreadsheet formula.

    Examples
    --------
    >>> import shutil, tempfile
    >>> from assessment import load_instrument
    >>> folder = Path(tempfile.mkdtemp()) / "sample"
    >>> _ = shutil.copytree("data/sample", folder, ignore=shutil.ignore_patterns(".*"))
    >>> state = WorkshopState.new(folder, "pcmaker", instrument=load_instrument(),
    ...                           wave="2026-Q1")
    >>> state.set_answer("oe_exp_1", 4)
    >>> result = export_session(state)
    >>> len(result.appended), result.file.name
    (1, 'responses.csv')
    >>> state.close()
    """
    folder = state.dataset
    frame = state.responses_frame()
    if state.mode == TEAM:  # the team's one record is its consensus
        frame = frame.assign(perspective="team", participants=str(state.team_size))
    result = ExportResult(folder / "responses.csv")
    with file_lock(folder, "responses"):
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
        state.exports.append({"at": now().isoformat(), **result.to_dict()})
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
            out[r.get("respondent_id", "")] = {k: norm_answer(v) for k, v in r.items()}
    return out


def _excel_rows(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    try:
        header, rows = read_rows(path)
    except AppendError as exc:
        raise WorkshopError(str(exc)) from exc
    return rows, header


def _append_excel(path: Path, rows: list[dict[str, str]], header: list[str]) -> None:
    """Append rows to the first sheet of a workbook that holds no formulas.

    openpyxl keeps a formula but not the result Excel stored for it, so a re-saved
    workbook would read as blank where a formula was (``=6-B2`` recoding an answer);
    such a workbook is refused, with the first formula's cell named.
    """
    _check_writable(path, header, rows)
    where = first_formula(path)
    if where is not None:
        raise WorkshopError(
            f"nothing was written to {path.name}: it holds formulas (the first in {where}), "
            "and re-saving it here would lose the values Excel computed for them. Replace "
            "the formulas by their values (copy, paste values) or save the sheet as "
            "responses.csv, then export again")
    atomic_write_bytes(path, appended_bytes(path, header, rows, set(META_COLUMNS)))
