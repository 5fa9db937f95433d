"""The dataset side of an import: the instrument version it was answered with, the
companies to add, the rows to append (respondents already there skipped, changed ones
listed), and the validation of those rows with the dataset's own intake before anything
is written."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from assessment.exceptions import DatasetError, Problem
from assessment.files import csv_text, formula_cells
from assessment.instrument.models import INSTRUMENT_VERSIONS, load_instrument
from assessment.intake.append import AppendError, appended_bytes, read_rows
from assessment.intake.dataset import find_responses, load_dataset
from assessment.intake.survey.formats import Export
from assessment.intake.survey.report import ImportReport
from assessment.intake.validate import (
    RESPONSE_COLUMNS,
    SETTINGS_FILE,
    WAVE_COLUMN,
    infer_version,
    load_settings,
)

COMPANY_HEADER = ["company_id", "name", "industry"]


@dataclass
class Options:
    """What the user said about the export beyond its content (the command line's
    ``--company``, ``--company-column``, ``--company-name``, ``--industry``,
    ``--perspective``, ``--perspective-column``, ``--department-column``, ``--wave``,
    ``--form-id``).

    Examples
    --------
    >>> Options(company="shoes", perspective="customer").wave is None
    True
    """

    company: str | None = None
    company_column: str | None = None
    company_name: str | None = None
    industry: str = ""
    perspective: str | None = None
    perspective_column: str | None = None
    department_column: str | None = None
    wave: str | None = None
    form_id: str | None = None


def dataset_version(folder: Path, problems: list[Problem]) -> str:
    """The instrument version of the dataset: settings.yaml's, else its responses
    file's columns', else the newest (a dataset still to be made).

    Examples
    --------
    >>> from pathlib import Path
    >>> dataset_version(Path("data/sample"), []), dataset_version(Path("nowhere"), [])
    ('1.0.0', '1.1.0')
    """
    settings = load_settings(folder, problems) if folder.is_dir() else {}
    if settings.get("instrument_version") in INSTRUMENT_VERSIONS:
        return settings["instrument_version"]
    path = find_responses(folder) if folder.is_dir() else None
    if path is not None:
        header, _rows = read_rows(path)
        return infer_version(header, set(settings.get("ignore_columns") or []))[0]
    return INSTRUMENT_VERSIONS[-1]


def plan_companies(folder: Path, rows: list[dict[str, str]], opts: Options,
                   report: ImportReport, export_name: str) -> tuple[bytes | None, list[str]]:
    """The new content of companies.csv (None: unchanged) and its header; an unknown
    company is added only when ``--company`` and ``--company-name`` say what it is, else
    it is a problem (naming the id differing only in case, if there is one).

    Examples
    --------
    >>> from pathlib import Path
    >>> report = ImportReport(Path("x.csv"), Path("data/sample"))
    >>> plan_companies(Path("data/sample"), [{"company_id": "Shoes"}], Options("Shoes"),
    ...                report, "x.csv")[0] is None
    True
    >>> report.problems[0].expected.split(";")[0]  # doctest: +ELLIPSIS
    "a company listed in data/sample/companies.csv (did you mean 'shoes'? ...)"
    """
    path = folder / "companies.csv"
    if path.exists():
        header, existing = read_rows(path)
        known = {r.get("company_id", "") for r in existing}
    else:
        header, known = COMPANY_HEADER, set()
    wanted = sorted({r.get("company_id", "") for r in rows} - known - {""})
    if not wanted:
        return None, header
    if opts.company is not None and opts.company_name and wanted == [opts.company]:
        new = [{"company_id": opts.company, "name": opts.company_name,
                "industry": opts.industry}]
        report.companies_added = [opts.company]
        try:
            if path.exists():
                return appended_bytes(path, header, new), header
            return new_csv_bytes(COMPANY_HEADER, new), header
        except AppendError as exc:
            report.problems.append(Problem("companies.csv", None, None, None, str(exc)))
            return None, header
    lower = {k.lower(): k for k in known}
    for cid in wanted:
        hint = (f" (did you mean {lower[cid.lower()]!r}? ids are case-sensitive)"
                if cid.lower() in lower else "")
        report.problems.append(Problem(
            export_name if opts.company is None else "companies.csv", None,
            None if opts.company is not None else opts.company_column, cid,
            f"a company listed in {path}{hint}; give --company-name NAME (and --industry) "
            "with --company ID to add it"))
    return None, header


def new_csv_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    """A new CSV file's bytes: ``header`` and ``rows`` (UTF-8); a cell starting like a
    formula is refused (:class:`AppendError`), not changed.

    Examples
    --------
    >>> new_csv_bytes(["id", "n"], [{"id": "a", "n": "4"}])
    b'id,n\\na,4\\n'
    """
    bad = formula_cells(header, rows)
    if bad:
        _i, col, value = bad[0]
        raise AppendError(f"the {col} {value!r} starts with {value[:1]!r}, which a "
                          "spreadsheet would run as a formula")
    return csv_text(header, [[r.get(h, "") for h in header] for r in rows]).encode("utf-8")


def plan_responses(folder: Path, rows: list[dict[str, str]], items: list[str],
                   integ_ids: list[str], opts: Options, report: ImportReport
                   ) -> tuple[Path, list[str], list[dict[str, str]]]:
    """(responses file, its header, the rows to append): respondents already in the
    dataset (same wave, company and respondent id) are skipped, those whose answers
    differ listed in ``report.changed`` with the items that differ; a new dataset's file
    gets the contract's columns and the version's items.

    Examples
    --------
    >>> from pathlib import Path
    >>> report = ImportReport(Path("x.csv"), Path("data/sample"))
    >>> row = {"wave": "2026-Q1", "company_id": "pcmaker", "respondent_id": "c001",
    ...        "oe_exp_1": "1"}
    >>> path, header, new = plan_responses(Path("data/sample"), [row], ["oe_exp_1"], [],
    ...                                    Options(), report)
    >>> path.name, new, report.skipped, report.changed
    ('responses.csv', [], ['c001'], {'c001': ['oe_exp_1']})
    """
    path = find_responses(folder) if folder.is_dir() else None
    if path is None:
        path = folder / "responses.csv"
        wave = [WAVE_COLUMN] if any(r.get("wave") for r in rows) else []
        core = load_instrument(version=dataset_version(folder, [])).item_ids
        extra = [i for i in integ_ids if i in items]
        return path, wave + list(RESPONSE_COLUMNS) + core + extra, rows
    header, existing = read_rows(path)
    has_wave = WAVE_COLUMN in header
    if has_wave and not any(r.get("wave") for r in rows):
        report.problems.append(Problem(path.name, 1, WAVE_COLUMN, None,
                                       "a wave for the imported respondents: the dataset "
                                       "has waves, give --wave LABEL (e.g. 2026-Q1)"))
    if not has_wave and any(r.get("wave") for r in rows):
        report.problems.append(Problem(path.name, 1, None, None,
                                       "no --wave: the dataset has no wave column (add one "
                                       "to its responses file first to keep waves apart)"))
    lost = [i for i in items if i not in header and any(r.get(i) for r in rows)]
    if lost:
        report.problems.append(Problem(path.name, 1, None, None,
                                       f"a column for each answered item; the file has none "
                                       f"for {lost} (add them, blank for the rows there, and "
                                       "import again)"))

    def key(r: dict[str, str]) -> tuple[str, str, str]:
        return (r.get("wave", "") if has_wave else "", r.get("company_id", ""),
                r.get("respondent_id", ""))

    there = {key(r): r for r in existing}
    new = []
    for r in rows:
        old = there.get(key(r))
        if old is None:
            new.append(r)
            continue
        report.skipped.append(r["respondent_id"])
        differ = [i for i in items if i in header and old.get(i, "") != r.get(i, "")]
        if differ:
            report.changed[r["respondent_id"]] = differ
    return path, header, new


def validate_rows(folder: Path, companies: bytes | None, path: Path, header: list[str],
                  new: list[dict[str, str]], export: Export, export_rows: dict[str, int],
                  report: ImportReport) -> bytes | None:
    """The responses file's new content once the imported rows validate with the
    dataset's intake, in a temporary copy of the dataset: first alone (a problem is
    located in the export, by its row there), then appended to the dataset's file; None
    after a problem (in ``report.problems``).

    Examples
    --------
    >>> from pathlib import Path
    >>> export = Export(Path("x.csv"), [], [], [])
    >>> report = ImportReport(Path("x.csv"), Path("data/sample"))
    >>> row = {"company_id": "pcmaker", "respondent_id": "new1", "perspective": "customer",
    ...        "wave": "2026-Q1", "oe_exp_1": "9"}
    >>> header = ["wave", "company_id", "respondent_id", "perspective", "department",
    ...           "oe_exp_1"]
    >>> validate_rows(Path("data/sample"), None, Path("data/sample/responses.csv"), header,
    ...               [row], export, {"new1": 7}, report) is None
    True
    >>> print(report.problems[0])  # doctest: +ELLIPSIS
    x.csv, row 7, column 'oe_exp_1': got '9'; expected a whole number from 1 to 5...
    """
    with tempfile.TemporaryDirectory(prefix="assessment-import-") as tmp:
        trial = Path(tmp)
        if (folder / SETTINGS_FILE).exists():
            shutil.copyfile(folder / SETTINGS_FILE, trial / SETTINGS_FILE)
        comp = companies if companies is not None else (
            (folder / "companies.csv").read_bytes() if (folder / "companies.csv").exists()
            else new_csv_bytes(COMPANY_HEADER, []))
        (trial / "companies.csv").write_bytes(comp)
        alone = trial / "responses.csv"
        alone.write_bytes(new_csv_bytes(header, new))
        try:
            load_dataset(trial)
        except DatasetError as err:
            for p in err.problems:
                if p.file == "responses.csv" and p.row is not None and p.row >= 2:
                    rid = new[p.row - 2].get("respondent_id", "")
                    p = Problem(export.path.name, export_rows.get(rid), p.column, p.value,
                                p.expected)
                report.problems.append(p)
            return None
        try:
            data = appended_bytes(path, header, new) if path.exists() else alone.read_bytes()
        except AppendError as exc:
            report.problems.append(Problem(path.name, None, None, None, str(exc)))
            return None
        alone.unlink()
        (trial / path.name).write_bytes(data)
        try:
            load_dataset(trial)
        except DatasetError as err:
            report.problems += [Problem(f"{p.file} (with the imported rows)", p.row, p.column,
                                        p.value, p.expected) for p in err.problems]
            return None
        return data
