"""Read a dataset folder and validate it, collecting every problem before anything is scored.

A dataset is a folder with ``companies.csv`` and ``responses.csv`` (or ``responses.xlsx``),
and optionally ``settings.yaml`` with threshold overrides. See the README for the contract.
"""

from __future__ import annotations

import csv
import difflib
import io
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from assessment.exceptions import DatasetError, InstrumentError, Problem
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import Instrument, load_instrument, load_yaml

COMPANY_COLUMNS = ("company_id", "name", "industry")
RESPONSE_COLUMNS = ("company_id", "respondent_id", "perspective", "department")
WAVE_COLUMN = "wave"
PERSPECTIVES = ("customer", "internal")
SETTINGS_FILE = "settings.yaml"
MAX_SHOWN_PER_KIND = 10_000  # safety cap on problems of one kind (a wholly wrong file)


@dataclass
class Dataset:
    """A validated dataset.

    ``responses`` has the columns ``wave`` ("" when the file has no wave column),
    ``company_id``, ``respondent_id``, ``perspective``, ``department`` ("" for customers),
    ``row`` (the spreadsheet row), then one float column per instrument item (NaN = not
    answered, raw answers before reverse keying).
    """

    path: Path
    companies: pd.DataFrame
    responses: pd.DataFrame
    instrument: Instrument
    warnings: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    integration: IntegrationInstrument | None = None

    @property
    def name(self) -> str:
        """The dataset's folder name."""
        return self.path.name

    @property
    def waves(self) -> list[str]:
        """The dataset's waves, oldest first ([""] when there is no wave column)."""
        return sorted(self.responses["wave"].unique().tolist()) or [""]

    def company_name(self, company_id: str) -> str:
        """The display name of a company (its id when unknown)."""
        hit = self.companies.loc[self.companies["company_id"] == company_id, "name"]
        return str(hit.iloc[0]) if len(hit) else company_id


# -- reading ---------------------------------------------------------------------


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


def _rows(mask: pd.Series) -> np.ndarray:
    """Spreadsheet row numbers of the True rows of a mask (tables are indexed by row)."""
    return mask.index[np.asarray(mask, dtype=bool)].to_numpy()


# -- validation ------------------------------------------------------------------


def _check_companies(df: pd.DataFrame, name: str, problems: list[Problem]) -> None:
    missing = [c for c in COMPANY_COLUMNS if c not in df.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None, f"a column named {col!r}"))
    if missing:
        return
    for col in ("company_id", "name"):
        for row in _rows(df[col] == ""):
            problems.append(Problem(name, int(row), col, "", f"a non-empty {col}"))
    dup = df["company_id"].duplicated(keep="first") & (df["company_id"] != "")
    first_row = {cid: int(i) for i, cid in reversed(list(df["company_id"].items()))}
    for row in _rows(dup):
        cid = df["company_id"].loc[row]
        problems.append(Problem(name, int(row), "company_id", cid,
                                f"a unique company_id (already on row {first_row[cid]})"))


def _item_hint(column: str, item_ids: list[str]) -> str:
    close = difflib.get_close_matches(column, item_ids, n=1)
    extra = f" (did you mean {close[0]!r}?)" if close else ""
    return f"an item id of the instrument{extra}, or one of {list(RESPONSE_COLUMNS)} / 'wave'"


def _check_answers(
    df: pd.DataFrame, name: str, items: list[str], inst: Instrument, problems: list[Problem]
) -> pd.DataFrame:
    """Convert the item columns to floats, recording every non-scale value."""
    lo, hi = inst.scale.min, inst.scale.max
    block = df[items]
    blank = (block == "").to_numpy()
    values = block.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    nonnum = ~blank & np.isnan(values)
    with np.errstate(invalid="ignore"):
        nonint = ~np.isnan(values) & (values != np.round(values))
        outside = ~np.isnan(values) & ~nonint & ((values < lo) | (values > hi))
    scale = f"a whole number from {lo} to {hi}, or blank for not answered"
    for mask, kind in ((nonnum, "nonnum"), (nonint, "nonint"), (outside, "outside")):
        r_idx, c_idx = np.nonzero(mask)
        for r, c in zip(r_idx[:MAX_SHOWN_PER_KIND], c_idx[:MAX_SHOWN_PER_KIND], strict=False):
            raw = block.iat[r, c]
            expected = scale
            if kind == "nonnum" and "," in raw:
                expected = f"{scale} (a decimal comma is not a scale value)"
            problems.append(Problem(name, int(block.index[r]), items[c], raw, expected))
    values[nonnum | nonint | outside] = np.nan
    return pd.DataFrame(values, columns=items, index=df.index)


def _check_responses(
    df: pd.DataFrame,
    name: str,
    companies: pd.DataFrame | None,
    inst: Instrument,
    integ: IntegrationInstrument,
    ignore_columns: set[str],
    problems: list[Problem],
    warnings: list[Problem],
) -> pd.DataFrame | None:
    core_ids = inst.item_ids
    item_ids = core_ids + integ.item_ids
    missing = [c for c in RESPONSE_COLUMNS if c not in df.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None, f"a column named {col!r}"))
    known = set(RESPONSE_COLUMNS) | {WAVE_COLUMN} | set(item_ids) | ignore_columns
    for col in df.columns:
        if col not in known:
            problems.append(Problem(name, 1, col, col, _item_hint(col, item_ids)))
    items = [i for i in item_ids if i in df.columns]
    absent = [i for i in item_ids if i not in df.columns]
    absent_core = [i for i in core_ids if i not in df.columns]
    if absent_core:
        warnings.append(Problem(name, 1, None, None,
                                f"columns for every item; missing {absent_core} "
                                "(read as not answered)", severity="warning"))
    if missing:
        return None

    has_wave = WAVE_COLUMN in df.columns
    wave = df[WAVE_COLUMN] if has_wave else pd.Series("", index=df.index)
    if has_wave:
        for row in _rows(wave == ""):
            problems.append(Problem(name, int(row), WAVE_COLUMN, "",
                                    "a wave label such as 2026-Q1"))
    for col in ("company_id", "respondent_id"):
        for row in _rows(df[col] == ""):
            problems.append(Problem(name, int(row), col, "", f"a non-empty {col}"))

    perspective = df["perspective"].str.lower()
    bad = ~perspective.isin(PERSPECTIVES)
    for row in _rows(bad):
        problems.append(Problem(name, int(row), "perspective", df["perspective"].loc[row],
                                "'customer' or 'internal'"))

    if companies is not None and "company_id" in companies.columns:
        unknown = ~df["company_id"].isin(set(companies["company_id"])) & (df["company_id"] != "")
        for row in _rows(unknown)[:MAX_SHOWN_PER_KIND]:
            problems.append(Problem(name, int(row), "company_id", df["company_id"].loc[row],
                                    "a company_id listed in companies.csv"))

    key = pd.DataFrame({"w": wave, "c": df["company_id"], "r": df["respondent_id"]})
    dup = key.duplicated(keep=False) & (df["respondent_id"] != "")
    if dup.any():
        rows = pd.Series(df.index, index=df.index)
        first = rows[dup].groupby([key["w"][dup], key["c"][dup], key["r"][dup]]).transform("min")
        later = first[first != rows[dup]]
        for idx, first_row in later.items():
            r = int(rows[idx])
            problems.append(Problem(
                name, r, "respondent_id", df.at[idx, "respondent_id"],
                f"a respondent_id unique within company {df.at[idx, 'company_id']!r}"
                + (f" and wave {wave[idx]!r}" if has_wave else "")
                + f" (already on row {int(first_row)})"))

    answers = _check_answers(df, name, items, inst, problems)
    for col in absent:
        answers[col] = np.nan
    answers = answers[item_ids]

    department = df["department"].where(perspective == "internal", "")
    stray_dept = (perspective == "customer") & (df["department"] != "")
    if stray_dept.any():
        warnings.append(Problem(name, int(_rows(stray_dept)[0]), "department", None,
                                f"a blank department for customers ({int(stray_dept.sum())} "
                                "customer row(s) have one; ignored)", severity="warning"))
    setup_ids = [i.id for i in inst.items if i.lens == "setup"]
    not_for = {
        "customer": setup_ids + [i.id for i in integ.items if "customer" not in i.answered_by],
        "internal": [i.id for i in integ.items if "internal" not in i.answered_by],
    }
    for persp, ids in not_for.items():
        stray = (perspective == persp) & answers[ids].notna().any(axis=1)
        if stray.any():
            who = "customer" if persp == "customer" else "staff"
            warnings.append(Problem(
                name, int(_rows(stray)[0]), None, None,
                f"no answers from {who} rows to items not asked of them "
                f"({int(stray.sum())} {who} row(s) answered e.g. "
                f"{next(i for i in ids if answers.loc[stray, i].notna().any())}; ignored)",
                severity="warning"))
            answers.loc[stray, ids] = np.nan
    no_dept = (perspective == "internal") & (df["department"] == "")
    if no_dept.any():
        warnings.append(Problem(name, int(_rows(no_dept)[0]), "department", "",
                                f"a department for staff ({int(no_dept.sum())} staff row(s) "
                                "without one are grouped as 'unspecified')", severity="warning"))
        department = department.mask(no_dept, "unspecified")
    empty = answers.isna().all(axis=1)
    if empty.any():
        warnings.append(Problem(name, int(_rows(empty)[0]), None, None,
                                f"answers ({int(empty.sum())} respondent row(s) answered nothing)",
                                severity="warning"))

    meta = pd.DataFrame({
        "wave": wave, "company_id": df["company_id"], "respondent_id": df["respondent_id"],
        "perspective": perspective, "department": department,
        "row": df.index.to_numpy(),
    }, index=df.index)
    return pd.concat([meta, answers], axis=1).reset_index(drop=True)


def _load_settings(folder: Path, problems: list[Problem]) -> dict:
    path = folder / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem(SETTINGS_FILE, None, None, None, f"valid YAML ({exc})"))
        return {}
    if not isinstance(raw, dict) or not set(raw) <= {"thresholds", "ignore_columns"}:
        problems.append(Problem(SETTINGS_FILE, None, None, str(raw)[:80],
                                "a mapping with 'thresholds' and/or 'ignore_columns'"))
        return {}
    return raw


def find_responses(folder: Path) -> Path | None:
    """The responses file of a dataset folder (CSV preferred over Excel), or None.

    Examples
    --------
    >>> from pathlib import Path
    >>> find_responses(Path("data/sample")).name
    'responses.csv'
    """
    for name in ("responses.csv", "responses.xlsx"):
        if (folder / name).exists():
            return folder / name
    return None


def load_dataset(path: str | Path, instrument: Instrument | None = None,
                 integration: IntegrationInstrument | None = None) -> Dataset:
    """Read and validate a dataset folder (``companies.csv``, ``responses.csv`` or
    ``responses.xlsx``, optional ``settings.yaml``).

    Parameters
    ----------
    path : str or Path
        The dataset folder.
    instrument, integration : optional
        The instrument and customer-integration section to validate against (the packaged
        ones by default).

    Returns
    -------
    Dataset
        The validated tables; problems that do not stop scoring (a company without
        respondents, say) are in ``Dataset.warnings``.

    Raises
    ------
    DatasetError
        Every problem at once, each with file, spreadsheet row, column, value and what was
        expected.

    Examples
    --------
    >>> ds = load_dataset("data/sample")
    >>> len(ds.companies), ds.companies["company_id"].iloc[0]
    (10, 'pcmaker')

    A file with problems names each of them, as a spreadsheet numbers its rows:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "companies.csv").write_text("company_id,name,industry\\nx,X,retail\\n")
    >>> _ = (folder / "responses.csv").write_text(
    ...     "company_id,respondent_id,perspective,department,wave,oe_exp_1\\n"
    ...     "x,r1,customer,,2026,9\\n")
    >>> try:
    ...     load_dataset(folder)
    ... except DatasetError as err:
    ...     print(err.problems[0])  # doctest: +ELLIPSIS
    responses.csv, row 2, column 'oe_exp_1': got '9'; expected a whole number from 1 to 5...
    """
    folder = Path(path)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not folder.is_dir():
        raise DatasetError([Problem(str(folder), None, None, None, "a dataset folder")])
    inst = instrument or load_instrument()
    integ = integration or load_integration()
    settings = _load_settings(folder, problems)
    overrides = settings.get("thresholds")
    if overrides is not None and not isinstance(overrides, dict):
        problems.append(Problem(SETTINGS_FILE, None, "thresholds", str(overrides)[:80],
                                "a mapping of threshold names to numbers, e.g. 'par: 3.0'"))
    else:
        try:
            inst = inst.with_thresholds(overrides)
        except InstrumentError as exc:
            problems.append(Problem(SETTINGS_FILE, None, "thresholds", None, str(exc)))
    ignore_columns = settings.get("ignore_columns") or []
    if isinstance(ignore_columns, str):
        ignore_columns = [ignore_columns]
    if not isinstance(ignore_columns, list):
        problems.append(Problem(SETTINGS_FILE, None, "ignore_columns", str(ignore_columns)[:80],
                                "a list of column names"))
        ignore_columns = []

    comp_path = folder / "companies.csv"
    companies = None
    if not comp_path.exists():
        problems.append(Problem("companies.csv", None, None, None, "a companies.csv file"))
    else:
        companies = read_table(comp_path, problems)
        if companies is not None:
            _check_companies(companies, comp_path.name, problems)

    resp_path = find_responses(folder)
    responses = None
    if resp_path is None:
        problems.append(Problem("responses.csv", None, None, None,
                                "a responses.csv or responses.xlsx file"))
    else:
        table = read_table(resp_path, problems)
        if table is not None:
            ignore = {str(c) for c in ignore_columns}
            responses = _check_responses(table, resp_path.name, companies, inst, integ,
                                         ignore, problems, warnings)
    if problems:
        raise DatasetError(problems)
    assert companies is not None and responses is not None and resp_path is not None

    present = set(responses["company_id"])
    for row, cid in companies["company_id"].items():
        if cid not in present:
            warnings.append(Problem(comp_path.name, int(row), "company_id", cid,
                                    "respondents for this company (it has none; not scored)",
                                    severity="warning"))
    files = [comp_path, resp_path] + ([folder / SETTINGS_FILE]
                                      if (folder / SETTINGS_FILE).exists() else [])
    return Dataset(folder, companies.reset_index(drop=True), responses, inst, warnings, files,
                   integ)
