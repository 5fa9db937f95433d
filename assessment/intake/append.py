"""Appending rows to a dataset's own files (``responses.csv``/``.xlsx``,
``companies.csv``) without changing anything that is there: the new content is computed
in memory (the file's separator, encoding and line endings kept; an xlsx re-saved with
rows added), so a caller can validate it before writing it atomically.

The files are the user's: a file an office program has open (its lock file beside it)
is refused, a workbook holding formulas is not re-saved (openpyxl would drop the results
Excel stored for them), and a new cell that would start like a spreadsheet formula is
refused, not changed."""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from pathlib import Path

from assessment.exceptions import AssessmentError, Problem
from assessment.files import csv_text, formula_cells, office_lock_file
from assessment.intake.workbook import check_workbook

__all__ = ["AppendError", "CsvLayout", "appended_bytes", "csv_layout", "first_formula",
           "norm_answer", "read_rows", "refusal"]


class AppendError(AssessmentError):
    """A dataset file cannot take new rows (the message says why; nothing was written).

    Examples
    --------
    >>> str(AppendError("responses.csv is open in an office program"))
    'responses.csv is open in an office program'
    """


@dataclass(frozen=True)
class CsvLayout:
    """What a CSV file looks like: its text, encoding, separator, header, line ending."""

    text: str
    encoding: str
    sep: str
    header: list[str]
    eol: str


def _decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding to append with): UTF-8 with or without BOM, else Windows-1252,
    the same rule as the reader in :mod:`assessment.intake.read`."""
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            return raw.decode("latin-1"), "latin-1"


def csv_layout(raw: bytes) -> CsvLayout:
    """The layout of a CSV file's bytes.

    Examples
    --------
    >>> layout = csv_layout(b"id;n\\r\\na;1\\r\\n")
    >>> layout.sep, layout.header, layout.eol, layout.encoding
    (';', ['id', 'n'], '\\r\\n', 'utf-8')
    """
    text, enc = _decode(raw)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        raise AppendError("the file has no header row")
    counts = {s: len(next(csv.reader([first], delimiter=s))) for s in ",;\t"}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    header = [h.strip() for h in next(csv.reader([first], delimiter=sep))]
    eol = "\r\n" if "\r\n" in text else "\n"
    return CsvLayout(text, enc, sep, header, eol)


def norm_answer(value: object) -> str:
    """A cell as text for comparing answers: ``4.0`` and ``4`` are both ``'4'``.

    Examples
    --------
    >>> norm_answer(4.0), norm_answer(" 3 "), norm_answer(None), norm_answer("x")
    ('4', '3', '', 'x')
    """
    s = "" if value is None else str(value).strip()
    with contextlib.suppress(ValueError, OverflowError):
        f = float(s)
        if f == int(f):
            return str(int(f))
    return s


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """(header, rows) of a CSV or the first sheet of a workbook; cells as
    :func:`norm_answer` gives them, blank rows left out.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = path.write_text("id,n\\na,4.0\\n\\n")
    >>> read_rows(path)
    (['id', 'n'], [{'id': 'a', 'n': '4'}])
    """
    if path.suffix.lower() == ".csv":
        layout = csv_layout(path.read_bytes())
        reader = csv.reader(io.StringIO(layout.text), delimiter=layout.sep)
        next(reader, None)
        recs = [rec for rec in reader if any(x.strip() for x in rec)]
        header = layout.header
    else:
        from openpyxl import load_workbook

        problems: list[Problem] = []
        if check_workbook(path, problems) is None:  # too large to read (or not a workbook)
            raise AppendError(f"nothing was written to {path.name}: {problems[0]}")
        wb = load_workbook(path, read_only=True)
        try:
            it = wb.worksheets[0].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(it, [])]
            recs = [list(rec) for rec in it
                    if rec is not None and not all(v in (None, "") for v in rec)]
        finally:
            wb.close()
    rows = [{h: norm_answer(v) for h, v in zip(header, rec, strict=False)} for rec in recs]
    return header, rows


def first_formula(path: Path) -> str | None:
    """Where a workbook's first formula is (``Sheet!B2``), or None."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if getattr(cell, "data_type", None) == "f":
                        return f"{ws.title}!{cell.coordinate}"
    finally:
        wb.close()
    return None


def refusal(path: Path, header: list[str], rows: list[dict[str, str]]) -> str | None:
    """Why new ``rows`` must not be written to ``path`` (an office program has it open, a
    new cell starts like a formula, a workbook holds formulas), or None.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "responses.csv"
    >>> print(refusal(path, ["wave"], [{"wave": "=1+1"}]))
    the wave '=1+1' starts with '=', which a spreadsheet would run as a formula
    """
    lock = office_lock_file(path)
    if lock is not None:
        return (f"{path.name} is open in an office program (its lock file {lock.name} is "
                "beside it): close it there")
    bad = formula_cells(header, rows)
    if bad:
        _i, col, value = bad[0]
        return (f"the {col} {value!r} starts with {value[:1]!r}, which a spreadsheet would "
                "run as a formula")
    if path.suffix.lower() != ".csv" and path.exists():
        where = first_formula(path)
        if where is not None:
            return (f"{path.name} holds formulas (the first in {where}), and re-saving it "
                    "would lose the values Excel computed for them. Replace the formulas by "
                    "their values (copy, paste values) or save the sheet as responses.csv")
    return None


def appended_bytes(path: Path, header: list[str], rows: list[dict[str, str]],
                   text_columns: set[str] = frozenset()) -> bytes:
    """The content of ``path`` with ``rows`` appended (nothing is written): a CSV's bytes
    unchanged before the new rows, which get its encoding, separator and line ending; a
    workbook's first sheet with the rows added (digits as numbers except in
    ``text_columns``).

    Raises
    ------
    AppendError
        When :func:`refusal` gives a reason, or a cell cannot be written in the CSV's
        encoding.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_bytes(b"id;n\\r\\na;1")
    >>> appended_bytes(path, ["id", "n"], [{"id": "b", "n": "2"}])
    b'id;n\\r\\na;1\\r\\nb;2\\r\\n'
    """
    why = refusal(path, header, rows)
    if why is not None:
        raise AppendError(f"nothing was written to {path.name}: {why}")
    if path.suffix.lower() == ".csv":
        raw = path.read_bytes()
        layout = csv_layout(raw)
        added = csv_text(None, [[row.get(h, "") for h in layout.header] for row in rows],
                         delimiter=layout.sep, lineterminator=layout.eol)
        sep = b"" if not raw or raw.endswith((b"\n", b"\r")) else layout.eol.encode()
        try:
            return raw + sep + added.encode(layout.encoding)
        except UnicodeEncodeError as exc:
            raise AppendError(f"{path.name} is {layout.encoding}-encoded and cannot hold "
                              f"{exc.object[exc.start:exc.end]!r}") from exc
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.worksheets[0]
    for row in rows:
        ws.append([(int(v) if h not in text_columns and v not in ("", None)
                    and str(v).isdigit() else (v if v != "" else None))
                   for h, v in ((h, row.get(h, "")) for h in header)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
