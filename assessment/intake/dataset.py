"""Read a dataset folder and validate it, collecting every problem before anything is scored.

A dataset is a folder with ``companies.csv`` and ``responses.csv`` (or ``responses.xlsx``),
and optionally ``settings.yaml`` (threshold overrides, columns to ignore, the instrument
version). See the README for the contract.

The instrument version a dataset was answered with is the one ``settings.yaml`` names
(``instrument_version: "1.0.0"``), else the one whose item ids the responses file's columns
carry (:func:`~assessment.intake.validate.infer_version`); the dataset is validated and
scored with that version and its customer-integration section.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from assessment.exceptions import DatasetError, InstrumentError, Problem
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import (
    INSTRUMENT_VERSIONS,
    Instrument,
    check_version,
    load_instrument,
)
from assessment.intake.read import Numbers, read_table
from assessment.intake.validate import (
    COMPANY_COLUMNS,
    MAX_SHOWN_PER_KIND,
    PERSPECTIVES,
    RESPONSE_COLUMNS,
    SETTINGS_FILE,
    WAVE_COLUMN,
    check_companies,
    check_responses,
    infer_version,
    load_settings,
    version_items,
)

__all__ = ["COMPANY_COLUMNS", "MAX_SHOWN_PER_KIND", "PERSPECTIVES", "RESPONSE_COLUMNS",
           "SETTINGS_FILE", "WAVE_COLUMN", "Dataset", "find_responses", "load_dataset"]



@dataclass
class Dataset:
    """A validated dataset.

    ``responses`` has the columns ``wave`` ("" when the file has no wave column),
    ``company_id``, ``respondent_id``, ``perspective``, ``department`` ("" for customers),
    ``participants`` (the number of workshop participants behind a ``team`` row; NaN on
    every other row and where not recorded), ``row`` (the spreadsheet row), then one
    **float32** column per item of the instrument and its customer-integration section, in
    the instrument's order (NaN = not answered; an item the file has no column for is all
    NaN; raw answers before reverse keying). float32 holds every answer of the scale and
    NaN exactly, in half the memory of float64; code that computes with the answers takes
    them as float64 (``responses[ids].to_numpy(dtype=float)``) or sums them with
    ``dtype=np.float64``, so every published number is what float64 answers give. A
    dataset built in memory with float64 answers scores the same.

    Examples
    --------
    >>> ds = load_dataset("data/sample")
    >>> ds.name, ds.waves, ds.company_name("shoes"), ds.company_name("unknown")
    ('sample', ['2025-Q3', '2026-Q1'], 'Stepwise Shoes', 'unknown')
    >>> ds.responses.shape, list(ds.responses.columns[:7])  # doctest: +NORMALIZE_WHITESPACE
    ((463, 96), ['wave', 'company_id', 'respondent_id', 'perspective', 'department',
                 'participants', 'row'])
    >>> str(ds.responses["oe_exp_1"].dtype), float(ds.responses["oe_exp_1"].iloc[0])
    ('float32', 3.0)
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


def _packaged(version: str) -> str | None:
    """``version`` when it is a packaged version (its integration section), else None
    (the newest section, for an instrument file of one's own)."""
    try:
        return check_version(version)
    except InstrumentError:
        return None


def _answer_columns(instrument: Instrument | None, integration: IntegrationInstrument | None,
                    ignore: set[str]) -> Numbers | None:
    """The columns a responses file may hold answers in (the items of ``instrument``, or of
    every packaged version when the file's version is not known yet) and the scale they
    are on; None when the versions' scales differ."""
    if instrument is not None:
        integ = integration or load_integration(version=_packaged(instrument.version))
        ids = set(instrument.item_ids) | set(integ.item_ids)
        scales = {(instrument.scale.min, instrument.scale.max)}
    else:
        ids = set().union(*(version_items(v) for v in INSTRUMENT_VERSIONS))
        scales = {(s.min, s.max) for s in
                  (load_instrument(version=v).scale for v in INSTRUMENT_VERSIONS)}
    if len(scales) != 1:
        return None
    (lo, hi), = scales
    return ids - ignore, lo, hi


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
                 integration: IntegrationInstrument | None = None,
                 sheet: str | None = None) -> Dataset:
    """Read and validate a dataset folder (``companies.csv``, ``responses.csv`` or
    ``responses.xlsx``, optional ``settings.yaml``).

    Parameters
    ----------
    path : str or Path
        The dataset folder.
    instrument, integration : optional
        The instrument and customer-integration section to validate against. By default
        the packaged version the dataset was answered with: ``instrument_version`` in
        ``settings.yaml``, else inferred from the item columns of the responses file;
        the integration section is the one packaged with the instrument's version.
    sheet : str, optional
        The sheet of ``responses.xlsx`` to read (default: ``sheet`` in ``settings.yaml``,
        else the first); problems in it name the sheet.

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
    >>> len(ds.companies), ds.companies["company_id"].iloc[0], ds.instrument.version
    (10, 'pcmaker', '1.0.0')

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
    settings = load_settings(folder, problems)
    version = settings.get("instrument_version")
    if version is not None:
        try:
            version = check_version(version)
        except InstrumentError as exc:
            problems.append(Problem(SETTINGS_FILE, None, "instrument_version",
                                    str(version)[:80], f"a packaged instrument version ({exc})"))
            version = None
    ignore_columns = settings.get("ignore_columns") or []
    if isinstance(ignore_columns, str):
        ignore_columns = [ignore_columns]
    if not isinstance(ignore_columns, list):
        problems.append(Problem(SETTINGS_FILE, None, "ignore_columns", str(ignore_columns)[:80],
                                "a list of column names"))
        ignore_columns = []

    if sheet is None and settings.get("sheet") is not None:
        sheet = str(settings["sheet"])
    comp_path = folder / "companies.csv"
    companies = None
    if not comp_path.exists():
        problems.append(Problem("companies.csv", None, None, None, "a companies.csv file"))
    else:
        companies = read_table(comp_path, problems)
        if companies is not None:
            check_companies(companies, comp_path.name, problems)

    resp_path = find_responses(folder)
    responses = table = None
    ignore = {str(c) for c in ignore_columns}
    if resp_path is None:
        problems.append(Problem("responses.csv", None, None, None,
                                "a responses.csv or responses.xlsx file"))
    else:
        table = read_table(resp_path, problems, sheet=sheet,
                           numbers=_answer_columns(instrument, integration, ignore))
    resp_name = resp_path.name if resp_path is not None else "responses.csv"
    if table is not None and table.attrs.get("sheet") is not None:
        resp_name = f"{resp_name}, sheet {table.attrs['sheet']!r}"
    if instrument is None and version is None and table is not None:
        version, mixed = infer_version(list(table.columns), ignore)
        if mixed:
            problems.append(Problem(resp_name, 1, None, None, mixed))
    inst = instrument or load_instrument(version=version)
    integ = integration or load_integration(version=_packaged(inst.version))
    overrides = settings.get("thresholds")
    if overrides is not None and not isinstance(overrides, dict):
        problems.append(Problem(SETTINGS_FILE, None, "thresholds", str(overrides)[:80],
                                "a mapping of threshold names to numbers, e.g. 'par: 3.0'"))
    else:
        try:
            inst = inst.with_thresholds(overrides)
        except InstrumentError as exc:
            problems.append(Problem(SETTINGS_FILE, None, "thresholds", None, str(exc)))
    if table is not None:
        assert resp_path is not None
        responses = check_responses(table, resp_name, companies, inst, integ,
                                    ignore, problems, warnings)
    if problems:
        raise DatasetError(problems)
    assert companies is not None and responses is not None and resp_path is not None

    present = set(responses["company_id"].unique())
    for row, cid in companies["company_id"].items():
        if cid not in present:
            warnings.append(Problem(comp_path.name, int(row), "company_id", cid,
                                    "respondents for this company (it has none; not scored)",
                                    severity="warning"))
    # the text cells read are gone: Arrow's allocator gives their memory back to the
    # system (it keeps freed memory for reuse otherwise; a large file's cells are hundreds
    # of megabytes)
    pa.default_memory_pool().release_unused()
    files = [comp_path, resp_path] + ([folder / SETTINGS_FILE]
                                      if (folder / SETTINGS_FILE).exists() else [])
    return Dataset(folder, companies.reset_index(drop=True), responses, inst, warnings, files,
                   integ)
