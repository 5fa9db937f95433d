"""Reading a data file as text cells: CSV in any common encoding and separator, or Excel.

Every cell stays a string, so ids such as ``007`` or ``NA`` survive unchanged; the
validation (:mod:`assessment.intake.validate`) decides what each cell means.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd

from assessment.exceptions import Problem


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
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
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
        problems.append(Problem(name, None, None, None, "at least one data row below the header"))
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

