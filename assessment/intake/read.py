"""Reading a data file as text cells: CSV in any common encoding and separator, or Excel.

Every cell stays a string, so ids such as ``007`` or ``NA`` survive unchanged; the
validation (:mod:`assessment.intake.validate`) decides what each cell means.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import warnings
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from assessment.exceptions import Problem
from assessment.intake.workbook import check_workbook, unknown_sheet


def _utf16(raw: bytes) -> str | None:
    """The UTF-16 codec of a file's bytes (a byte-order mark, or NUL bytes in every other
    place of its start), None for any other encoding."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = raw[:4096]
    if len(head) >= 4 and head.count(0) >= len(head) // 4:  # UTF-16 without a BOM
        return "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    return None


def _decode(raw: bytes) -> tuple[str, bool]:
    """The text of a file, and whether it was UTF-8: UTF-16 (:func:`_utf16`), UTF-8 (with
    or without BOM), else Windows-1252 (what Excel writes on Windows)."""
    codec = _utf16(raw)
    if codec is not None:
        try:
            return raw.decode(codec), False
        except UnicodeDecodeError:
            pass
    try:
        return raw.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        try:
            return raw.decode("cp1252"), False
        except UnicodeDecodeError:
            return raw.decode("latin-1"), False


@contextlib.contextmanager
def _field_limit(size: int):
    """Let the csv module read fields of ``size`` characters (its default stops at
    131,072), restoring its limit afterwards."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _split(line: str, sep: str) -> list[str]:
    """The cells of one CSV line."""
    with _field_limit(len(line)):
        return next(csv.reader([line], delimiter=sep), [])


def _utf8_head(raw: bytes) -> str:
    """The text of a file up to the end of its first non-blank line when that part is
    UTF-8 (with or without BOM), else "" (UTF-16, another encoding, nothing but blank
    lines). A line break byte is never part of a longer UTF-8 character, so the cut is
    safe; whether the rest is UTF-8 is checked as it is read."""
    if _utf16(raw) is not None:
        return ""
    start = 0
    while start < len(raw):
        end = raw.find(b"\n", start)
        end = len(raw) if end < 0 else end + 1
        try:
            line = raw[start:end].decode("utf-8-sig" if start == 0 else "utf-8")
        except UnicodeDecodeError:
            return ""
        if line.strip():
            return raw[:end].decode("utf-8-sig")
        start = end
    return ""


def _first_line(text: str) -> str:
    """The first line of ``text`` that is not blank ("" if none), without copying it."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        line = text[start:end].rstrip("\r")
        if line.strip():
            return line
        start = end + 1
    return ""


def _sniff_separator(header_line: str) -> str:
    """The separator of a CSV header line: ``,``, ``;`` or tab, whichever splits it most."""
    counts = {sep: len(_split(header_line, sep)) for sep in ",;\t"}
    return max(counts, key=lambda s: (counts[s], s == ","))


#: what :func:`read_table` may read as numbers: column names, and the smallest and largest
#: value a number may have (a column with anything else is read as text)
Numbers = tuple[Collection[str], float, float]


def _read_csv_fast(data: bytes, sep: str, header: list[str], numbers: Numbers | None = None
                   ) -> tuple[pd.DataFrame, bool, bool] | None:
    """The table of UTF-8 ``data`` through pyarrow's CSV reader, whether a cell may
    have spaces around it and whether a row may be empty (both are rare: the checks for
    them cost more than the reading); None when the file is not plain enough for the
    engine (blank lines, line breaks inside quotes, rows wider or narrower than the
    header, unnamed or repeated columns): :func:`_read_csv_exact` reads those. The
    ``numbers`` columns come as float32 (NaN for blank) when every cell of them is blank
    or a whole number in the range (no text is made of them: most of a large file's
    cells), as text otherwise."""
    names = [h.strip() for h in header]
    if not data or "" in names or len(set(names)) != len(names):
        return None
    # the file's bytes as numbers: a look at every line break and space costs a few
    # vectorised passes (a regular expression or a substring search over the file would
    # cost more than reading it)
    octets = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(octets == 10)
    after = octets[np.minimum(breaks + 1, len(octets) - 1)]
    after[breaks + 1 >= len(octets)] = 0
    after2 = octets[np.minimum(breaks + 2, len(octets) - 1)]
    if octets[0] in (10, 13) or (after == 10).any() or ((after == 13) & (after2 == 10)).any():
        return None  # an empty line: pyarrow would skip it and lose the row numbering
    edge = {ord(sep), 10, 13}
    spaced = False
    for blank in (32, 9) if sep != "\t" else (32,):
        at = np.flatnonzero(octets == blank)
        if len(at):
            before = octets[np.maximum(at - 1, 0)]
            nxt = octets[np.minimum(at + 1, len(octets) - 1)]
            spaced = spaced or bool(np.isin(before, list(edge)).any() or at[0] == 0
                                    or np.isin(nxt, list(edge)).any() or at[-1] == len(octets) - 1)
    # a row of nothing but separators (or spaces) begins with one
    empty_row = spaced or bool((after == ord(sep)).any())
    df = None
    if numbers is not None and not spaced:
        df = _read_arrow(data, sep, header, numbers)
    if df is None:
        try:
            df = pd.read_csv(io.BytesIO(data), engine="pyarrow", sep=sep, dtype=str,
                             keep_default_na=False)
        except Exception:  # pyarrow's CSV errors: ragged rows, quoted line breaks, ...
            return None
    if len(df.columns) != len(header):
        return None
    df.index = pd.RangeIndex(2, len(df) + 2)  # one line per record: the spreadsheet row
    return df, spaced, empty_row


def _read_arrow(data: bytes, sep: str, header: list[str], numbers: Numbers
                ) -> pd.DataFrame | None:
    """The table with the ``numbers`` columns parsed as whole numbers (float32, NaN for
    blank) and the others as text, or None when a cell of those columns is anything else
    (a label, a decimal, a number outside the range) or the file does not parse."""
    wanted, lo, hi = numbers
    typed = {h for h in header if h.strip() in set(wanted)}
    if not typed:
        return None
    types = {h: (pa.int16() if h in typed else pa.string()) for h in header}
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data), parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(column_types=types, null_values=[""],
                                                 strings_can_be_null=False))
    except pa.ArrowException:  # a text cell in a number column, ragged rows, ...
        return None
    if table.num_columns != len(header) or not table.num_rows:
        return None
    numeric = [j for j, field in enumerate(table.schema) if field.name in typed]
    block = np.empty((len(numeric), table.num_rows), dtype=np.float32)  # one piece
    for k, j in enumerate(numeric):
        block[k] = table.column(j).to_numpy()  # NaN for blank
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-blank column has no min
        low, high = np.nanmin(block, axis=1), np.nanmax(block, axis=1)
    if (low < lo).any() or (high > hi).any():
        return None  # read as text: the check names each such cell as written
    text = pd.StringDtype("pyarrow", na_value=np.nan)  # what pandas reads text as
    where = {j: k for k, j in enumerate(numeric)}
    columns = {j: block[where[j]] if j in where else pd.array(table.column(j), dtype=text)
               for j in range(table.num_columns)}
    # copy=False: each answer column stays a view of the block (no second copy)
    return pd.DataFrame(columns, copy=False).set_axis(list(table.column_names), axis=1)


def _read_csv_exact(text: str, sep: str, name: str,
                    problems: list[Problem]) -> tuple[pd.DataFrame, list[str]] | None:
    """The table through the csv module: blank lines keep the numbering, a row with more
    cells than the header is cut back when the extra cells are empty (a separator at the
    end of every data row) and a problem otherwise, a shorter row is filled with blanks."""
    with _field_limit(len(text)):
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    first = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if first is None:
        problems.append(Problem(name, None, None, None, "a header row and data rows"))
        return None
    header = records[first]
    width = len(header)
    rows, index = [], []
    for offset, record in enumerate(records[first + 1:], start=2):
        if len(record) > width:
            extra = [(j, c) for j, c in enumerate(record[width:], start=width) if c.strip()]
            if extra:
                j, value = extra[0]
                problems.append(Problem(
                    name, offset, None, value.strip(),
                    f"no value right of the last named column ({header[-1].strip()!r}, "
                    f"column {_letter(width - 1)}): this row has {len(record)} cells, the "
                    f"header {width} (a separator too many shifts the row's values; the "
                    f"first extra value is in column {_letter(j)})"))
            record = record[:width]
        elif len(record) < width:
            record = record + [""] * (width - len(record))
        rows.append(record)
        index.append(offset)
    df = pd.DataFrame(rows, columns=list(range(width)), dtype=str)
    if not rows:
        df = pd.DataFrame({j: pd.Series([], dtype=str) for j in range(width)})
    df.index = pd.Index(index, dtype=np.int64)
    return df, header


def _cell_text(value: object) -> str:
    """A calamine cell as the text a CSV export of it would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _read_xlsx(path: Path, sheet: str | None, problems: list[Problem]
               ) -> tuple[pd.DataFrame, list[str], list[str]] | None:
    """An Excel sheet through calamine: the table (one column per header cell, indexed
    by spreadsheet row), its header and the workbook's sheets (the one read first)."""
    from python_calamine import CalamineWorkbook

    name = path.name
    sheets: list[str] | None = None
    formulas: list[tuple[int, int]] = []
    if path.suffix.lower() != ".xls":  # openpyxl's formats: sized before they are read
        sheets = check_workbook(path, problems, sheet=sheet, formulas=formulas)
        if sheets is None:
            return None
    try:
        book = CalamineWorkbook.from_path(str(path))
        names = list(book.sheet_names)
        if sheet is not None and sheet not in names:
            problems.append(unknown_sheet(name, sheet, names))
            return None
        chosen = sheet if sheet is not None else names[0]
        cells = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        book.close()
    except Exception as exc:  # calamine raises several kinds
        problems.append(Problem(name, None, None, None, f"a readable Excel file ({exc})"))
        return None
    sheets = [chosen] + [n for n in names if n != chosen]
    first = next((i for i, r in enumerate(cells) if any(_cell_text(c).strip() for c in r)),
                 None)
    if first is None:
        return pd.DataFrame(), [], sheets
    header = [_cell_text(c) for c in cells[first]]
    width = max(len(header), *(len(r) for r in cells)) if cells else len(header)
    header += [""] * (width - len(header))
    body = [[_cell_text(c) for c in r] + [""] * (width - len(r)) for r in cells[first + 1:]]
    df = pd.DataFrame(body, columns=list(range(width)), dtype=str)
    if not body:
        df = pd.DataFrame({j: pd.Series([], dtype=str) for j in range(width)})
    df.index = pd.Index(np.arange(first + 2, first + 2 + len(body)), dtype=np.int64)
    # a formula without a stored result (a file written by a program, never opened and
    # saved in a spreadsheet) reads as an empty cell: say so instead of "not answered"
    where = f"{name}, sheet {chosen!r}"
    for row, j in formulas:
        if row <= first + 1 or j >= width or df.at[row, j] != "":
            continue
        problems.append(Problem(
            where, row, header[j].strip() or None, None,
            f"a stored result for the formula in cell {_letter(j)}{row} (the file was "
            "saved without formula results: open it in a spreadsheet program and save it, "
            "or paste the values)"))
    return df, header, sheets


def _letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column index (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_table(path: Path, problems: list[Problem], sheet: str | None = None,
               numbers: Numbers | None = None) -> pd.DataFrame | None:
    """Read a CSV or Excel file as strings ("" for empty cells; answer columns may come as
    numbers, see ``numbers``), or record why not.

    Every cell is kept as text so ids such as ``007`` or ``NA`` survive unchanged. A
    plain CSV is read through pandas' pyarrow engine; one with blank lines, line breaks
    inside quotes or rows of another width than the header through the csv module (a
    separator at the end of every data row is not a shifted row). Columns without a
    name and without values (what a spreadsheet leaves right of the data) are left out;
    an unnamed column with values is a problem. An Excel sheet is read through calamine;
    a formula cell without a stored result is a problem with its cell address.

    Parameters
    ----------
    path : Path
        A ``.csv`` (UTF-8, UTF-16 or Windows-1252; ``,``, ``;`` or tab separated) or Excel
        file.
    problems : list of Problem
        Where a reason the file cannot be read is appended.
    sheet : str, optional
        The sheet of an Excel file to read (default: the first); the table's
        ``attrs["sheet"]`` names the sheet read.
    numbers : tuple, optional
        ``(columns, low, high)``: columns a plain CSV may deliver as float32 numbers (NaN
        for blank) instead of text, when every cell of them is blank or a whole number
        from ``low`` to ``high``; with anything else in them they come as text, like
        every other column (reading the answers as numbers saves making text of most of
        a large file's cells).

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

    A separator at the end of every data row, and an empty column right of the data:

    >>> _ = path.write_text("company_id,name,\\nx,X,,\\ny,Y,,\\n", encoding="utf-16")
    >>> table = read_table(path, problems)
    >>> list(table.columns), table["name"].tolist(), problems
    (['company_id', 'name'], ['X', 'Y'], [])
    """
    name = path.name
    sheets: list[str] = []
    spaced = empty_rows = True  # unless the fast CSV path shows there are none
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
        got = _read_xlsx(path, sheet, problems)
        if got is None:
            return None
        df, header, sheets = got
        if not header:
            _no_rows(name, sheets, problems)
            return None
        where = f"{name}, sheet {sheets[0]!r}"
    else:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            problems.append(Problem(name, None, None, None, f"a readable file ({exc.strerror})"))
            return None
        fast = None
        head = _utf8_head(raw)
        if head:  # most files: UTF-8, read as bytes without a decoded copy of the whole text
            first = _first_line(head)
            sep = _sniff_separator(first)
            header = _split(first, sep)
            fast = _read_csv_fast(raw.removeprefix(codecs.BOM_UTF8), sep, header, numbers)
        if fast is None:
            text, utf8 = _decode(raw)
            first = _first_line(text)
            if not first:
                problems.append(Problem(name, None, None, None, "a header row and data rows"))
                return None
            sep = _sniff_separator(first)
            header = _split(first, sep)
            if not utf8:
                fast = _read_csv_fast(text.encode("utf-8"), sep, header, numbers)
        del raw
        if fast is not None:
            df, spaced, empty_rows = fast
        else:
            got_csv = _read_csv_exact(text, sep, name, problems)
            if got_csv is None:
                return None
            df, header = got_csv
        where = name
    header = [h.strip() for h in header]
    df.columns = list(range(len(header)))
    if spaced:
        df = df.apply(lambda s: s.str.strip())
    keep = []
    for j, h in enumerate(header):
        if h:
            keep.append(j)
            continue
        filled = spreadsheet_rows(df[j] != "")
        if len(filled):  # an unnamed column with values
            problems.append(Problem(where, 1, None, None,
                                    f"a column name in cell {_letter(j)}1 (column "
                                    f"{_letter(j)} has values, e.g. on row {filled[0]})"))
            keep.append(j)
    if len(keep) != len(header):
        df, header = df[keep], [header[j] for j in keep]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    for h in dupes:
        problems.append(Problem(where, 1, h, h, "each column name once"))
    if dupes or "" in header:
        return None
    df.columns = header
    if empty_rows:  # blank lines are skipped but keep the numbering
        df = df[pd.DataFrame({c: (df[c] != "") if df[c].dtype != np.float32 else df[c].notna()
                              for c in df.columns}).any(axis=1)]
    if df.empty:
        _no_rows(name, sheets, problems)
        return None
    if sheets:
        df.attrs["sheet"] = sheets[0]
    return df


def _no_rows(name: str, sheets: list[str], problems: list[Problem]) -> None:
    """The problem of a table without data rows (naming the sheet read and the others)."""
    expected = "at least one data row below the header"
    if sheets:  # only one sheet is read: say which, and that the others are not
        expected += f" on sheet {sheets[0]!r}"
        if len(sheets) > 1:
            others = ", ".join(repr(s) for s in sheets[1:])
            expected += (f" (the other sheets, {others}, are not read: choose one with "
                         "--sheet NAME or 'sheet: NAME' in settings.yaml)")
    problems.append(Problem(name, None, None, None, expected))


def arrow_data(column: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow data of a text column as the readers give it (no copy), None for a column
    of another kind.

    Examples
    --------
    >>> arrow_data(pd.Series(["a", "b"], dtype="str")).to_pylist()
    ['a', 'b']
    """
    try:
        return pa.array(column.array)
    except (TypeError, ValueError, pa.ArrowException):
        return None


def spreadsheet_rows(mask: pd.Series) -> np.ndarray:
    """Spreadsheet row numbers of the True rows of a mask (tables are indexed by row).

    Examples
    --------
    >>> import pandas as pd
    >>> spreadsheet_rows(pd.Series([False, True, True], index=[2, 3, 5])).tolist()
    [3, 5]
    """
    return mask.index[np.asarray(mask, dtype=bool)].to_numpy()

