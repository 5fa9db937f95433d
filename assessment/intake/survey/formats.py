"""Reading a survey tool's export as it comes: its cells as text, its header rows, its
format (Qualtrics, LimeSurvey, Microsoft Forms, Google Forms, SurveyMonkey or a plain
table) told from the file's shape, and the tool's facts from ``survey_tools.yaml``."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from assessment.exceptions import Problem
from assessment.instrument.survey_tools import tool_facts
from assessment.intake.workbook import check_workbook

FORMATS = ("qualtrics", "limesurvey", "msforms", "googleforms", "surveymonkey", "generic")
_PUNCT = re.compile(r"[^\w]+")


def norm(text: str) -> str:
    """Text as matching sees it: lower case, accents and letters kept, punctuation and
    repeated white space as one space.

    Examples
    --------
    >>> norm("  Strongly   agree. "), norm("Teils, teils"), norm("Weiß nicht!")
    ('strongly agree', 'teils teils', 'weiß nicht')
    """
    text = unicodedata.normalize("NFC", str(text)).replace("_", " ").lower()
    return _PUNCT.sub(" ", text).strip()


@dataclass
class Export:
    """A survey export's cells as text.

    ``header`` is the first row; ``header_rows`` the further header rows a tool writes
    (Qualtrics' question texts and import ids, SurveyMonkey's row texts); ``rows`` the
    answers, each with its row number as a spreadsheet shows it (``row_numbers``).
    """

    path: Path
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    sheet: str | None = None
    header_rows: list[list[str]] = field(default_factory=list)

    def column(self, index: int) -> list[str]:
        """The cells of one column, blank where a row is short."""
        return [r[index] if index < len(r) else "" for r in self.rows]


def _decode(raw: bytes) -> str:
    """UTF-16 or UTF-8 by their byte-order marks, else UTF-8, else Windows-1252."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value).strip()


def _grid_csv(path: Path) -> list[list[str]]:
    text = _decode(path.read_bytes())
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: len(next(csv.reader([first], delimiter=sep))) for sep in ",;\t"}
    sep = max(counts, key=lambda s: (counts[s], s == ","))
    csv.field_size_limit(2**31 - 1)  # a tool's question texts make long header cells
    return [[c.strip() for c in rec] for rec in csv.reader(io.StringIO(text), delimiter=sep)]


def _at(grid: list[list[str]], row: int, column: int) -> str:
    cells = grid[row - 1] if 0 < row <= len(grid) else []
    return cells[column - 1] if 0 < column <= len(cells) else ""


def _grid_xlsx(path: Path, sheet: str | None, problems: list[Problem]
               ) -> tuple[list[list[str]], str | None]:
    from openpyxl import load_workbook

    names = check_workbook(path, problems)
    if names is None:
        return [], None
    if sheet is not None and sheet not in names:
        problems.append(Problem(path.name, None, None, sheet,
                                f"the name of a sheet of the workbook: {names}"))
        return [], None
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        grid = [[_cell(v) for v in rec] for rec in ws.iter_rows(values_only=True)]
        title = ws.title
    finally:
        book.close()
    book = load_workbook(path, read_only=True)  # formulas: is a result stored for each?
    try:
        for rec in book[title].iter_rows():
            for c in rec:
                if getattr(c, "data_type", None) == "f" and not _at(grid, c.row, c.column):
                    problems.append(Problem(
                        path.name, c.row, None, str(c.value),
                        f"a value in cell {title}!{c.coordinate}, not a formula without a "
                        "stored result (open and save the file in Excel, or paste the "
                        "values)"))
    finally:
        book.close()
    return grid, title


def read_export(path: str | Path, problems: list[Problem], sheet: str | None = None
                ) -> Export | None:
    """Read an export (CSV in UTF-8, UTF-16 or Windows-1252 with any common separator, or
    an xlsx sheet) as text cells; None after a problem.

    Trailing empty columns (a trailing separator on every line, Qualtrics' empty last
    column) are dropped; blank lines are skipped but keep their row number.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_text("Timestamp,Q [A],\\n2026/01/05 10:00,Agree,\\n\\n", "utf-16")
    >>> export = read_export(path, [])
    >>> export.header, export.rows, export.row_numbers
    (['Timestamp', 'Q [A]'], [['2026/01/05 10:00', 'Agree']], [2])
    """
    path = Path(path)
    if not path.is_file():
        problems.append(Problem(str(path), None, None, None, "an export file"))
        return None
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        grid, title = _grid_xlsx(path, sheet, problems)
    else:
        if sheet is not None:
            problems.append(Problem(path.name, None, None, sheet,
                                    "--sheet only for an xlsx workbook"))
            return None
        grid, title = _grid_csv(path), None
    if problems:
        return None
    numbered = [(i + 1, r) for i, r in enumerate(grid) if any(c for c in r)]
    if len(numbered) < 2:
        where = f" on sheet {title!r}" if title else ""
        problems.append(Problem(path.name, None, None, None,
                                f"a header row and at least one response{where}"))
        return None
    width = max(len(r) for _n, r in numbered)
    while width and not any(len(r) >= width and r[width - 1] for _n, r in numbered):
        width -= 1
    cells = [(n, (r + [""] * width)[:width]) for n, r in numbered]
    return Export(path, cells[0][1], [r for _n, r in cells[1:]], [n for n, _r in cells[1:]],
                  title)


def _has(header: list[str], *names: str) -> bool:
    keys = {norm(h) for h in header}
    return all(norm(n) in keys for n in names)


def detect_format(export: Export) -> str:
    """The tool that wrote ``export``, told from its columns and header rows.

    Examples
    --------
    >>> from pathlib import Path
    >>> detect_format(Export(Path("x.csv"), ["id", "submitdate", "lastpage", "A[oeexp1]"],
    ...                      [], []))
    'limesurvey'
    >>> detect_format(Export(Path("x.csv"), ["company_id", "oe_exp_1"], [], []))
    'generic'
    """
    h = export.header
    first = export.rows[1] if len(export.rows) > 1 else []
    if (_has(h, "ResponseId") or _has(h, "StartDate", "Finished")
            or any(c.startswith('{"ImportId"') for c in first)):
        return "qualtrics"
    if _has(h, "Respondent ID", "Collector ID"):
        return "surveymonkey"
    if _has(h, "id", "submitdate") or _has(h, "id", "lastpage", "startlanguage"):
        return "limesurvey"
    if _has(h, "ID") and (_has(h, "Start time", "Completion time")
                          or _has(h, "Startzeit", "Fertigstellungszeit")
                          or _has(h, "Begintijd", "Tijd van voltooien")):
        return "msforms"
    if h and norm(h[0]) in {norm(t) for t in tool_facts()["tools"]["googleforms"]["timestamp"]}:
        return "googleforms"
    return "generic"


def split_header_rows(export: Export, fmt: str) -> None:
    """Move the header rows a tool writes below the first (Qualtrics: question texts and
    import ids; SurveyMonkey: row texts) from ``rows`` to ``header_rows``. Qualtrics'
    rows are moved only when they are there (an export saved without them has none).

    Examples
    --------
    >>> from pathlib import Path
    >>> e = Export(Path("x.csv"), ["ResponseId", "Q1_1"],
    ...            [["Response ID", "Q1 - Fast"], ['{"ImportId":"_recordId"}', '{}'],
    ...             ["R_1", "4"]], [2, 3, 4])
    >>> split_header_rows(e, "qualtrics")
    >>> e.header_rows[0], e.rows, e.row_numbers
    (['Response ID', 'Q1 - Fast'], [['R_1', '4']], [4])
    """
    n = tool_facts()["tools"][fmt]["header_rows"]
    if fmt == "qualtrics":
        n = 0
        for k, rec in enumerate(export.rows[:2]):
            if any(c.startswith('{"ImportId"') for c in rec):
                n = k + 1
                break
        else:  # a texts row only: its id column reads "Response ID", not an id
            idx = [i for i, h in enumerate(export.header) if norm(h) == "responseid"]
            if export.rows and idx and norm(export.rows[0][idx[0]]) == "response id":
                n = 1
    n = min(n, len(export.rows))
    export.header_rows = export.rows[:n]
    export.rows = export.rows[n:]
    export.row_numbers = export.row_numbers[n:]
