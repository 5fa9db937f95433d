"""The size guard for Excel workbooks: a workbook's declared and streamed sheet size and
its unpacked size are checked before pandas reads it, so a file that would take gigabytes
of memory is refused with a message instead."""

from __future__ import annotations

import zipfile
from pathlib import Path

from assessment.exceptions import Problem

__all__ = ["MAX_XLSX_CELLS", "MAX_XLSX_COLUMNS", "MAX_XLSX_ROWS", "MAX_XLSX_UNPACKED",
           "check_workbook", "unknown_sheet"]

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


def unknown_sheet(name: str, sheet: str, names: list[str]) -> Problem:
    """The problem of a sheet name the workbook ``name`` has not, listing its sheets.

    Examples
    --------
    >>> print(unknown_sheet("responses.xlsx", "Data", ["Sheet1", "Notes"]))
    responses.xlsx: got 'Data'; expected the name of a sheet of the workbook: 'Sheet1', 'Notes'
    """
    return Problem(name, None, None, sheet, "the name of a sheet of the workbook: "
                   + ", ".join(repr(n) for n in names))


def check_workbook(path: Path, problems: list[Problem], sheet: str | None = None,
                   formulas: list[tuple[int, int]] | None = None) -> list[str] | None:
    """Check an xlsx workbook's size before it is read; its sheet names, or None after a
    problem.

    The sheet to read (``sheet``, else the first) is refused when its declared size (its
    ``<dimension>``, counted from A1) exceeds the limits above; else its rows are
    streamed, one at a time and without their values kept, up to the limits (a declared
    size may be missing or wrong). The archive is refused when it unpacks to more than
    ``MAX_XLSX_UNPACKED`` bytes; a ``sheet`` the workbook does not have is a problem
    naming the sheets it has.

    Parameters
    ----------
    path : Path
        An ``.xlsx`` or ``.xlsm`` file.
    problems : list of Problem
        Where a reason the workbook is not read is appended.
    sheet : str, optional
        The name of the sheet to read (default: the first).
    formulas : list of (int, int), optional
        Where the (spreadsheet row, 0-based column) of every formula cell of that sheet
        is appended (a formula's stored result is what is read; see :func:`read_table`).

    Returns
    -------
    list of str or None
        The workbook's sheet names, the one to read first; None after a problem.

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
    >>> check_workbook(path, problems, sheet="Data") is None
    True
    >>> print(problems[1])
    responses.xlsx: got 'Data'; expected the name of a sheet of the workbook: 'Answers'
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
        # formulas as written (data_only=False): a formula cell is told from a value
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    try:
        names = list(book.sheetnames)
        if sheet is not None and sheet not in names:
            problems.append(unknown_sheet(name, sheet, names))
            return None
        ws = book[sheet] if sheet is not None else book.worksheets[0]
        declared_rows, declared_columns = ws.max_row, ws.max_column
        if declared_rows and declared_columns and _over_limits(declared_rows,
                                                               declared_columns):
            problems.append(Problem(
                name, None, None,
                f"sheet {ws.title!r} declares cells up to "
                f"{get_column_letter(declared_columns)}{declared_rows} "
                f"({declared_rows:,} rows x {declared_columns:,} columns from A1)",
                _XLSX_ALLOWED))
            return None
        ws.reset_dimensions()  # what is there
        rows = last = widest = 0
        for cells in ws.iter_rows():
            rows += 1
            width = len(cells)
            while width and getattr(cells[width - 1], "value", None) in (None, ""):
                width -= 1
            if width:
                last, widest = rows, max(widest, width)
            if formulas is not None:
                formulas.extend((rows, j) for j, c in enumerate(cells[:width])
                                if getattr(c, "data_type", None) == "f")
            if _over_limits(rows, 0) or _over_limits(last, widest):
                used = f"{rows:,} rows" if rows > MAX_XLSX_ROWS else (
                    f"{last:,} rows x {widest:,} columns")
                problems.append(Problem(name, None, None,
                                        f"sheet {ws.title!r} has at least {used}",
                                        _XLSX_ALLOWED))
                return None
        return [ws.title] + [n for n in names if n != ws.title]
    except Exception as exc:  # a broken sheet inside a readable archive
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    finally:
        book.close()
