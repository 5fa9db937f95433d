"""Reading a data file as text cells: CSV in any common encoding and separator, or Excel.

Every cell stays a string, so ids such as ``007`` or ``NA`` survive unchanged; the
validation (:mod:`assessment.intake.validate`) decides what each cell means.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.exceptions import Problem

# What an Excel sheet may hold: pandas keeps every cell of the first sheet as a Python
# object while it reads (about 100 bytes each), so 10 million cells are about a gigabyte;
# a survey's responses are a few thousand rows of a few hundred columns. A workbook is a
# zip archive of XML: more than MAX_XLSX_UNPACKED bytes unpacked is refused as well.
MAX_XLSX_ROWS = 1_000_000
MAX_XLSX_COLUMNS = 2_000
MAX_XLSX_CELLS = 10_000_000
MAX_XLSX_UNPACKED = 500_000_000
_XLSX_ALLOWED = (f"a sheet of at most {MAX_XLSX_ROWS:,} rows, {MAX_XLSX_COLUMNS:,} columns "
                 f"and {MAX_XLSX_CELLS:,} cells (delete the empty rows and columns below and "
                 "right of the data, or save the sheet as CSV)")


def _over_limits(rows: int, columns: int) -> bool:
    return (rows > MAX_XLSX_ROWS or columns > MAX_XLSX_COLUMNS
            or rows * columns > MAX_XLSX_CELLS)


def check_workbook(path: Path, problems: list[Problem]) -> list[str] | None:
    """Check an xlsx workbook's size before it is read; its sheet names, or None after a
    problem.

    The first sheet (the one read) is refused when its declared size (its ``<dimension>``,
    counted from A1 as pandas reads it) exceeds the limits above; else its rows are
    streamed, one at a time and without their values kept, up to the limits (a declared
    size may be missing or wrong, and pandas reads what is there). The archive is refused
    when it unpacks to more than ``MAX_XLSX_UNPACKED`` bytes.

    Parameters
    ----------
    path : Path
        An ``.xlsx`` or ``.xlsm`` file.
    problems : list of Problem
        Where a reason the workbook is not read is appended.

    Returns
    -------
    list of str or None
        The workbook's sheet names (the first is the one read); None after a problem.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from openpyxl import Workbook
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "responses.xlsx"
    >>> book = Workbook()
    >>> book.active.title = "Answers"
    >>> book.active["XFD1048576"] = 1  # one cell, at the last address Excel has
    >>> book.save(path)
    >>> problems = []
    >>> check_workbook(path, problems) is None
    True
    >>> print(problems[0].value)
    sheet 'Answers' declares cells up to XFD1048576 (1,048,576 rows x 16,384 columns from A1)
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (OSError, zipfile.BadZipFile) as exc:
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    if unpacked > MAX_XLSX_UNPACKED:
        problems.append(Problem(name, None, None, f"{unpacked:,} bytes unpacked",
                                f"a workbook of at most {MAX_XLSX_UNPACKED:,} bytes unpacked"))
        return None
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    try:
        sheet = book.worksheets[0]
        declared_rows, declared_columns = sheet.max_row, sheet.max_column
        if declared_rows and declared_columns and _over_limits(declared_rows,
                                                               declared_columns):
            problems.append(Problem(
                name, None, None,
                f"sheet {sheet.title!r} declares cells up to "
                f"{get_column_letter(declared_columns)}{declared_rows} "
                f"({declared_rows:,} rows x {declared_columns:,} columns from A1)",
                _XLSX_ALLOWED))
            return None
        sheet.reset_dimensions()  # what is there, as pandas reads it
        rows = last = widest = 0
        for values in sheet.iter_rows(values_only=True):
            rows += 1
            width = len(values)
            while width and values[width - 1] in (None, ""):
                width -= 1
            if width:
                last, widest = rows, max(widest, width)
            if _over_limits(rows, 0) or _over_limits(last, widest):
                used = f"{rows:,} rows" if rows > MAX_XLSX_ROWS else (
                    f"{last:,} rows x {widest:,} columns")
                problems.append(Problem(name, None, None,
                                        f"sheet {sheet.title!r} has at least {used}",
                                        _XLSX_ALLOWED))
                return None
        return list(book.sheetnames)
    except Exception as exc:  # a broken sheet inside a readable archive
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    finally:
        book.close()


def _decode(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Excel writes on Windows)."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")


def _sniff_separator(header_line: str) -> str:
    """The separator of a CSV header line: ``,``, ``;`` or tab, whichever splits it most."""
    counts = {sep: len(next(csv.reader([header_line], delimiter=sep))) for sep in ",;\t"}
    return max(counts, key=lambda s: (counts[s], s == ","))


def read_table(path: Path, problems: list[Problem]) -> pd.DataFrame | None:
    """Read a CSV or Excel file as strings ("" for empty cells), or record why not.

    Every cell is kept as text so ids such as ``007`` or ``NA`` survive unchanged.

    Parameters
    ----------
    path : Path
        A ``.csv`` (UTF-8 or Windows-1252; ``,``, ``;`` or tab separated) or Excel file.
    problems : list of Problem
        Where a reason the file cannot be read is appended.

    Returns
    -------
    DataFrame or None
        One string column per header cell, indexed by spreadsheet row (the header is row
        1; blank lines are skipped but keep the numbering); None after a problem.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "companies.csv"
    >>> _ = path.write_bytes("company_id;name\\n007;Müller\\n\\nNA;Nobody\\n".encode("cp1252"))
    >>> problems = []
    >>> table = read_table(path, problems)
    >>> table.index.tolist(), table["company_id"].tolist(), table["name"].iloc[0], problems
    ([2, 4], ['007', 'NA'], 'Müller', [])
    """
    name = path.name
    sheets: list[str] = []
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        if path.suffix.lower() != ".xls":  # openpyxl's formats: sized before they are read
            sheets = check_workbook(path, problems)
            if sheets is None:
                return None
        try:
            df = pd.read_excel(path, dtype=str, keep_default_na=False, na_filter=False)
        except Exception as exc:  # openpyxl raises many kinds
            problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
            return None
        df = df.fillna("")
        header = [str(c) for c in df.columns]
    else:
        try:
            text = _decode(path.read_bytes())
        except OSError as exc:
            problems.append(Problem(name, None, None, None, f"a readable file ({exc.strerror})"))
            return None
        lines = text.splitlines()
        first = next((ln for ln in lines if ln.strip()), "")
        if not first:
            problems.append(Problem(name, None, None, None, "a header row and data rows"))
            return None
        sep = _sniff_separator(first)
        header = next(csv.reader([first], delimiter=sep))
        try:
            df = pd.read_csv(
                io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                na_filter=False, skip_blank_lines=False,
            )
        except (pd.errors.ParserError, ValueError) as exc:
            problems.append(Problem(name, None, None, None, f"a well-formed CSV file ({exc})"))
            return None
    header = [h.strip() for h in header]
    dupes = sorted({h for h in header if header.count(h) > 1})
    for h in dupes:
        problems.append(Problem(name, 1, h, h, "each column name once"))
    if dupes:
        return None
    df.columns = header
    df = df.apply(lambda s: s.astype(str).str.strip())
    df.index = pd.RangeIndex(2, len(df) + 2)  # the spreadsheet row of each record
    df = df[(df != "").any(axis=1)]  # blank lines are skipped but keep the numbering
    if df.empty:
        expected = "at least one data row below the header"
        if sheets:  # only the first sheet is read: say which, and that the others are not
            expected += f" on the first sheet, {sheets[0]!r}"
            if len(sheets) > 1:
                others = ", ".join(repr(s) for s in sheets[1:])
                expected += f" (the other sheets, {others}, are not read)"
        problems.append(Problem(name, None, None, None, expected))
        return None
    return df


def spreadsheet_rows(mask: pd.Series) -> np.ndarray:
    """Spreadsheet row numbers of the True rows of a mask (tables are indexed by row).

    Examples
    --------
    >>> import pandas as pd
    >>> spreadsheet_rows(pd.Series([False, True, True], index=[2, 3, 5])).tolist()
    [3, 5]
    """
    return mask.index[np.asarray(mask, dtype=bool)].to_numpy()

