"""Validation of a dataset's tables: every problem located as a spreadsheet shows it
(file, row, column, value, what was expected), all of them at once."""

from __future__ import annotations

import difflib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml

from assessment.exceptions import Omitted, Problem
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import (
    INSTRUMENT_VERSIONS,
    Instrument,
    load_instrument,
    load_yaml,
)
from assessment.intake.answers import MAX_SHOWN_PER_KIND, any_answer, check_answers
from assessment.intake.hints import IMPORT_COMMAND as _IMPORT
from assessment.intake.hints import drop_header_rows, tool_of
from assessment.intake.read import arrow_data, spreadsheet_rows

COMPANY_COLUMNS = ("company_id", "name", "industry")
RESPONSE_COLUMNS = ("company_id", "respondent_id", "perspective", "department")
WAVE_COLUMN = "wave"
PERSPECTIVES = ("customer", "internal", "team")
#: optional column: the number of workshop participants behind a ``team`` row (a team's
#: consensus record; blank on every other row)
PARTICIPANTS = "participants"
SETTINGS_FILE = "settings.yaml"
SETTINGS_KEYS = ("thresholds", "ignore_columns", "instrument_version", "sheet")



def check_companies(df: pd.DataFrame, name: str, problems: list[Problem]) -> None:
    """Add to ``problems`` what is wrong in the companies table ``df`` (read from file
    ``name``): missing columns, empty or repeated company ids.

    Examples
    --------
    >>> import pandas as pd
    >>> problems = []
    >>> table = pd.DataFrame({"company_id": ["a", "a"], "name": ["A", "B"],
    ...                       "industry": ["x", "x"]}, index=[2, 3])
    >>> check_companies(table, "companies.csv", problems)
    >>> [(p.row, p.column, p.value) for p in problems]
    [(3, 'company_id', 'a')]
    """
    missing = [c for c in COMPANY_COLUMNS if c not in df.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None, f"a column named {col!r}"))
    if missing:
        return
    for col in ("company_id", "name"):
        for row in spreadsheet_rows(df[col] == ""):
            problems.append(Problem(name, int(row), col, "", f"a non-empty {col}"))
    dup = df["company_id"].duplicated(keep="first") & (df["company_id"] != "")
    first_row = {cid: int(i) for i, cid in reversed(list(df["company_id"].items()))}
    for row in spreadsheet_rows(dup):
        cid = df["company_id"].loc[row]
        problems.append(Problem(name, int(row), "company_id", cid,
                                f"a unique company_id (already on row {first_row[cid]})"))


def version_items(version: str) -> list[str]:
    """Every item id of a packaged instrument version: core items, then the
    customer-integration section packaged with it.

    Examples
    --------
    >>> ids = version_items("1.0.0")
    >>> len(ids), "pl_set_2" in ids, "pl_set_8" in ids
    (89, True, False)
    """
    return (load_instrument(version=version).item_ids
            + load_integration(version=version).item_ids)


def infer_version(columns: list[str], ignore: set[str]) -> tuple[str, str | None]:
    """The instrument version whose item ids a responses file's ``columns`` carry, and,
    when no version has them all (a file mixing versions), what is wrong.

    A column that is an item of some version is evidence; the newest version whose items
    cover all of it is chosen (a file with only items every version shares is read as
    the newest: an id keeps its meaning across versions; ``settings.yaml`` can name the
    version instead). When none covers all, the version covering most is returned with a
    message naming the columns only in each version and the chosen version's missing
    core items.

    Examples
    --------
    >>> infer_version(["company_id", "oe_exp_1", "pl_set_2"], set())
    ('1.0.0', None)
    >>> infer_version(["company_id", "oe_exp_1", "pl_set_8"], set())
    ('1.1.0', None)
    >>> infer_version(["company_id", "oe_exp_1"], set())
    ('1.1.0', None)
    >>> version, why = infer_version(["oe_exp_1", "pl_set_2", "pl_set_8"], set())
    >>> version, why.split(" (")[2].split(");")[0]
    ('1.1.0', "items only in 1.0.0: ['pl_set_2']; items only in 1.1.0: ['pl_set_8']")
    """
    meta = set(RESPONSE_COLUMNS) | {WAVE_COLUMN} | ignore
    ids = {v: version_items(v) for v in INSTRUMENT_VERSIONS}
    known = set().union(*map(set, ids.values()))
    evidence = [c for c in columns if c in known and c not in meta]
    cover = {v: sum(c in set(ids[v]) for c in evidence) for v in INSTRUMENT_VERSIONS}
    order = list(reversed(INSTRUMENT_VERSIONS))  # newest first: wins ties
    full = [v for v in order if cover[v] == len(evidence)]
    if full:
        return full[0], None
    best = max(order, key=lambda v: cover[v])
    parts = []
    for v in INSTRUMENT_VERSIONS:
        only = [c for c in evidence if c in set(ids[v])
                and not all(c in set(ids[w]) for w in INSTRUMENT_VERSIONS)]
        if only:
            parts.append(f"items only in {v}: {only}")
    missing = [i for i in load_instrument(version=best).item_ids if i not in columns]
    why = (f"the item columns of one instrument version ({' or '.join(INSTRUMENT_VERSIONS)}); "
           f"this file mixes them ({'; '.join(parts)}); read as {best}, missing "
           f"{missing or 'none'}; or name the version in {SETTINGS_FILE} "
           "(instrument_version)")
    return best, why


def _item_hint(column: str, item_ids: list[str], version: str) -> str:
    other = [v for v in INSTRUMENT_VERSIONS if v != version and column in version_items(v)]
    if other:
        return (f"an item id of instrument {version}, the version of this file "
                f"({column!r} is an item of instrument {', '.join(other)}: a responses file "
                "holds the items of one version)")
    tool = tool_of(column)
    if tool:
        return (f"an item id or one of {list(RESPONSE_COLUMNS)} / 'wave' ({column!r} looks "
                f"like a {tool} metadata column: read the export with {_IMPORT} "
                "--format ..., or list the column under ignore_columns in settings.yaml)")
    close = difflib.get_close_matches(column, item_ids, n=1)
    extra = f" (did you mean {close[0]!r}?)" if close else ""
    return f"an item id of the instrument{extra}, or one of {list(RESPONSE_COLUMNS)} / 'wave'"


def _omitted(problems: list[Problem], name: str, found: int, what: str) -> None:
    """Count the problems of one kind beyond the ``MAX_SHOWN_PER_KIND`` listed."""
    if found > MAX_SHOWN_PER_KIND:
        more = found - MAX_SHOWN_PER_KIND
        problems.append(Omitted(name, None, None, None,
                                f"no more of these: {more:,} more {what} are not listed "
                                f"({found:,} in all)", count=more))


def check_responses(
    df: pd.DataFrame,
    name: str,
    companies: pd.DataFrame | None,
    inst: Instrument,
    integ: IntegrationInstrument,
    ignore_columns: set[str],
    problems: list[Problem],
    warnings: list[Problem],
) -> pd.DataFrame | None:
    """The responses table with answers as float32 numbers (blanks and wrong values as NaN), or
    None when a required column is missing; every error goes to ``problems`` (the table is
    valid only when none was added), every remark that does not stop scoring (an answer to
    an item not asked of that perspective, say) to ``warnings``. Columns in
    ``ignore_columns`` (a survey tool's metadata) are left out.

    Examples
    --------
    >>> import pandas as pd
    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.instrument.models import load_instrument
    >>> table = pd.DataFrame({"company_id": ["shoes", "shoes"], "respondent_id": ["c1", "c2"],
    ...                       "perspective": ["customer", "Kunde"], "department": ["", ""],
    ...                       "oe_exp_1": ["4", "4,5"]}, index=[2, 3])
    >>> problems, warnings = [], []
    >>> out = check_responses(table, "responses.csv", None, load_instrument(),
    ...                       load_integration(), set(), problems, warnings)
    >>> out["oe_exp_1"].tolist(), [(p.row, p.column, p.value) for p in problems]
    ([4.0, nan], [(3, 'perspective', 'Kunde'), (3, 'oe_exp_1', '4,5')])
    """
    core_ids = inst.item_ids
    item_ids = core_ids + integ.item_ids
    missing = [c for c in RESPONSE_COLUMNS if c not in df.columns]
    for col in missing:
        problems.append(Problem(name, 1, col, None, f"a column named {col!r}"))
    known = set(RESPONSE_COLUMNS) | {WAVE_COLUMN, PARTICIPANTS} | set(item_ids) | ignore_columns
    for col in df.columns:
        if col not in known:
            problems.append(Problem(name, 1, col, col, _item_hint(col, item_ids, inst.version)))
    items = [i for i in item_ids if i in df.columns]
    if not items:
        problems.append(Problem(
            name, 1, None, None,
            f"columns named by item ids (such as {item_ids[0]!r}); none of the file's "
            f"{len(df.columns)} columns is one (a survey tool's export, with its own "
            f"question codes or texts as column names, is read by {_IMPORT})"))
    df = drop_header_rows(df, name, items, problems)
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
        for row in spreadsheet_rows(wave == ""):
            problems.append(Problem(name, int(row), WAVE_COLUMN, "",
                                    "a wave label such as 2026-Q1"))
    for col in ("company_id", "respondent_id"):
        rows = spreadsheet_rows(df[col] == "")
        for row in rows[:MAX_SHOWN_PER_KIND]:
            problems.append(Problem(name, int(row), col, "", f"a non-empty {col}"))
        _omitted(problems, name, len(rows), f"empty {col} cells")

    perspective = df["perspective"].str.lower()
    bad = ~perspective.isin(PERSPECTIVES)
    rows = spreadsheet_rows(bad)
    for row in rows[:MAX_SHOWN_PER_KIND]:
        problems.append(Problem(name, int(row), "perspective", df["perspective"].loc[row],
                                "'customer', 'internal' or 'team'"))
    _omitted(problems, name, len(rows), "perspectives that are not 'customer', "
             "'internal' or 'team'")
    participants = _check_participants(df, name, perspective, problems, warnings)

    if companies is not None and "company_id" in companies.columns:
        listed = list(dict.fromkeys(companies["company_id"]))
        unknown = ~df["company_id"].isin(set(listed)) & (df["company_id"] != "")
        by_case = {c.casefold(): c for c in reversed(listed)}
        rows = spreadsheet_rows(unknown)
        for row in rows[:MAX_SHOWN_PER_KIND]:
            cid = df["company_id"].loc[row]
            hint = ""
            if cid.strip().casefold() in by_case:
                hint = (f" (did you mean {by_case[cid.strip().casefold()]!r}? ids are "
                        "compared exactly: upper and lower case differ)")
            else:
                close = difflib.get_close_matches(cid, listed, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(Problem(name, int(row), "company_id", cid,
                                    f"a company_id listed in companies.csv{hint}"))
        _omitted(problems, name, len(rows), "company ids not listed in companies.csv")

    # the answers are checked while another thread counts the respondent ids (Arrow lets
    # go of the interpreter lock); their problems are listed after the ids'
    answer_problems: list[Problem] = []
    with ThreadPoolExecutor(1) as pool:
        distinct = pool.submit(_all_distinct, arrow_data(df["respondent_id"]))
        answers = check_answers(df, name, items, inst, answer_problems, item_ids)
        all_distinct = distinct.result()
    key = pd.DataFrame({"w": wave, "c": df["company_id"], "r": df["respondent_id"]})
    # ids unique over the whole file (a survey tool's response ids) are unique within
    # every company and wave: one count instead of matching three columns
    dup = (pd.Series(False, index=df.index) if all_distinct
           else key.duplicated(keep=False) & (df["respondent_id"] != ""))
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

    problems.extend(answer_problems)

    # a team's department (the management team, say) is kept as a label; only staff are
    # grouped by department
    department = df["department"].where(perspective.isin(["internal", "team"]), "")
    stray_dept = (perspective == "customer") & (df["department"] != "")
    if stray_dept.any():
        warnings.append(Problem(name, int(spreadsheet_rows(stray_dept)[0]), "department", None,
                                f"a blank department for customers ({int(stray_dept.sum())} "
                                "customer row(s) have one; ignored)", severity="warning"))
    setup_ids = [i.id for i in inst.items if i.lens == "setup"]
    not_for = {
        "customer": setup_ids + [i.id for i in integ.items if "customer" not in i.answered_by],
        "internal": [i.id for i in integ.items if "internal" not in i.answered_by],
        "team": [i.id for i in integ.items if "internal" not in i.answered_by],
    }
    for persp, ids in not_for.items():
        stray = (perspective == persp) & any_answer(answers, ids)
        if stray.any():
            who = {"customer": "customer", "internal": "staff", "team": "team"}[persp]
            warnings.append(Problem(
                name, int(spreadsheet_rows(stray)[0]), None, None,
                f"no answers from {who} rows to items not asked of them "
                f"({int(stray.sum())} {who} row(s) answered e.g. "
                f"{next(i for i in ids if answers.loc[stray, i].notna().any())}; ignored)",
                severity="warning"))
            answers.loc[stray, ids] = np.nan
    no_dept = (perspective == "internal") & (df["department"] == "")
    if no_dept.any():
        warnings.append(Problem(name, int(spreadsheet_rows(no_dept)[0]), "department", "",
                                f"a department for staff ({int(no_dept.sum())} staff row(s) "
                                "without one are grouped as 'unspecified')", severity="warning"))
        department = department.mask(no_dept, "unspecified")
    empty = ~any_answer(answers, list(answers.columns))
    if empty.any():
        warnings.append(Problem(name, int(spreadsheet_rows(empty)[0]), None, None,
                                f"answers ({int(empty.sum())} respondent row(s) answered nothing)",
                                severity="warning"))

    meta = pd.DataFrame({
        "wave": _one_chunk(wave), "company_id": _one_chunk(df["company_id"]),
        "respondent_id": _one_chunk(df["respondent_id"]),
        "perspective": _one_chunk(perspective), "department": _one_chunk(department),
        PARTICIPANTS: participants, "row": df.index.to_numpy(),
    }, index=df.index)
    return pd.concat([meta, answers], axis=1).reset_index(drop=True)


def _all_distinct(arrow: pa.Array | pa.ChunkedArray | None) -> bool:
    """Whether no two cells of a text column's Arrow data are the same (False when there
    is no Arrow data: the column's cells are then matched by :meth:`DataFrame.duplicated`)."""
    return arrow is not None and len(pc.unique(arrow)) == len(arrow)


def _one_chunk(column: pd.Series) -> pd.Series:
    """A text column with its Arrow data in one piece (the CSV reader hands it over in
    blocks; taking rows from one piece, per company say, is several times faster); any
    other column as it is."""
    if not isinstance(column.dtype, pd.StringDtype):
        return column
    arrow = arrow_data(column)
    if not isinstance(arrow, pa.ChunkedArray) or arrow.num_chunks <= 1:
        return column
    return pd.Series(pd.array(arrow.combine_chunks(), dtype=column.dtype),
                     index=column.index, name=column.name)


def _check_participants(df: pd.DataFrame, name: str, perspective: pd.Series,
                        problems: list[Problem], warnings: list[Problem]) -> pd.Series:
    """The ``participants`` column as numbers: on ``team`` rows a whole number of at least 1
    or blank (not recorded), ignored with a warning elsewhere; NaN where it does not apply
    or was not recorded."""
    if PARTICIPANTS not in df.columns:  # nothing recorded (no column to read)
        return pd.Series(np.nan, index=df.index)
    team = perspective == "team"
    raw = df[PARTICIPANTS]
    value = pd.to_numeric(raw, errors="coerce")
    with np.errstate(invalid="ignore"):
        bad = team & (raw != "") & ~((value >= 1) & (value == np.round(value)))
    for row in spreadsheet_rows(bad)[:MAX_SHOWN_PER_KIND]:
        problems.append(Problem(name, int(row), PARTICIPANTS, raw.loc[row],
                                "the number of workshop participants behind the team's "
                                "consensus, a whole number of at least 1 (or blank)"))
    stray = ~team & (raw != "")
    if stray.any():
        warnings.append(Problem(name, int(spreadsheet_rows(stray)[0]), PARTICIPANTS, None,
                                f"a blank participants cell on customer and staff rows "
                                f"({int(stray.sum())} row(s) have one; ignored)",
                                severity="warning"))
    return value.where(team & ~bad)


def load_settings(folder: Path, problems: list[Problem]) -> dict:
    """The dataset's ``settings.yaml`` (threshold overrides, ``ignore_columns``,
    ``instrument_version``) as a mapping, ``{}`` when there is none; a broken file is a
    problem, not an exception.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder, problems = pathlib.Path(tempfile.mkdtemp()), []
    >>> load_settings(folder, problems)
    {}
    >>> _ = (folder / "settings.yaml").write_text("thresholds: {par: 2.5}\\n")
    >>> load_settings(folder, problems), problems
    ({'thresholds': {'par': 2.5}}, [])
    """
    path = folder / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        problems.append(Problem(SETTINGS_FILE, None, None, None, f"valid YAML ({exc})"))
        return {}
    if not isinstance(raw, dict) or not set(raw) <= set(SETTINGS_KEYS):
        problems.append(Problem(SETTINGS_FILE, None, None, str(raw)[:80],
                                "a mapping with any of "
                                + ", ".join(repr(k) for k in SETTINGS_KEYS)))
        return {}
    return raw

