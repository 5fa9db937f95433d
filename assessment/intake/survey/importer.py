"""Importing a survey tool's export into a dataset: read and map it, turn its rows into
the data contract, validate them with the dataset's intake, then append them (all files
or none) without changing a row that is there."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from assessment.exceptions import Problem
from assessment.files import atomic_write_files, file_lock, formula_cells
from assessment.instrument.integration import load_integration
from assessment.instrument.models import load_instrument
from assessment.intake.survey.formats import (
    FORMATS,
    Export,
    detect_format,
    norm,
    read_export,
    split_header_rows,
    tool_facts,
)
from assessment.intake.survey.mapping import (
    IGNORE,
    META_TARGETS,
    ColumnMatch,
    ColumnMatcher,
    LabelMatcher,
    load_mapping,
)
from assessment.intake.survey.report import ImportReport, SurveyImportError
from assessment.intake.survey.target import (
    Options,
    dataset_version,
    plan_companies,
    plan_responses,
    validate_rows,
)

_MANGLED = re.compile(r"^\d(\.\d+)?E\+\d+$", re.I)


def _columns(export: Export, fmt: str, opts: Options, user_columns: dict[str, str],
             matcher: ColumnMatcher, labels: LabelMatcher) -> list[ColumnMatch]:
    """What every column of the export is."""
    facts = tool_facts()["tools"][fmt]
    metadata = {norm(m) for m in facts["metadata"]}
    named = {opts.company_column: "company_id", opts.perspective_column: "perspective",
             opts.department_column: "department"}
    user = {norm(k): v for k, v in user_columns.items()}
    out = []
    question = ""
    for i, header in enumerate(export.header):
        texts = [header] + [r[i] for r in export.header_rows if r[i]]
        if fmt == "surveymonkey":  # the question text stands over its first column only
            question = header or question
            texts = ([export.header_rows[0][i]] if export.header_rows else []) + [question]
            texts = [t for t in texts if t and norm(t) not in ("response",
                                                               "open ended response")]
            header = texts[0] if texts else f"column {i + 1}"  # the row text, if any
        key = norm(header)
        if header in user or key in user:
            target = user.get(header, user.get(key))
            out.append(ColumnMatch(i, header, None if target == IGNORE else target,
                                   "mapping file"))
        elif header in named:
            out.append(ColumnMatch(i, header, named[header], "dataset column"))
        elif key in metadata and fmt != "generic":
            out.append(ColumnMatch(i, header, None, "metadata"))
        elif header.lower() in META_TARGETS:  # the questionnaire's department question
            out.append(ColumnMatch(i, header, header.lower(), "dataset column"))
        else:
            item, how = matcher.match(texts)
            if item is not None:
                out.append(ColumnMatch(i, header, item, how))
                continue
            cells = [c for c in export.column(i) if c]
            answers = bool(cells) and all(labels.value(c) is not None for c in cells)
            if not cells:  # nothing in it to lose
                out.append(ColumnMatch(i, header, None, "empty, not an item"))
            elif answers or how != "unmatched":
                why = "unmatched" if how == "unmatched" else f"unmatched: {how}"
                out.append(ColumnMatch(i, header, None, why, matcher.candidates(texts)))
            else:  # free text (comments, names): not an answer to an item
                out.append(ColumnMatch(i, header, None, "free text, not an item"))
    return out


def _identity(export: Export, fmt: str, columns: list[ColumnMatch], opts: Options,
              report: ImportReport) -> list[str]:
    """One respondent id per export row (see the README's "Bring your survey data")."""
    facts = tool_facts()["tools"][fmt]
    # the form's question set: every column header but the tool's metadata, whatever it
    # was mapped to (a mapping file changed later does not change the ids), sorted
    # (Microsoft Forms may write its columns in another order next time)
    questions = sorted(c.header for c in columns if c.how != "metadata")
    digest = hashlib.sha1("\x1f".join([fmt, *questions]).encode()).hexdigest()[:6]
    prefix = opts.form_id or (f"{fmt}-{digest}" if fmt != "generic" else "")
    report.form_id = prefix
    id_name = "respondent_id" if fmt == "generic" else facts["response_id"]
    idx = next((c.index for c in columns if id_name and norm(c.header) == norm(id_name)), None)
    values = export.column(idx) if idx is not None else []
    why = None
    if idx is None:
        why = f"the export has no response-id column{f' ({id_name})' if id_name else ''}"
    elif any(_MANGLED.match(v) for v in values):
        bad = next(k for k, v in enumerate(values) if _MANGLED.match(v))
        why = (f"its {id_name} column reads {values[bad]!r} on row "
               f"{export.row_numbers[bad]}: the ids were turned into rounded numbers "
               "(opened and saved in Excel?); export again from the tool to keep them")
    elif any(not v for v in values) or len(set(values)) < len(values):
        why = f"its {id_name} column has blank or repeated ids"
    stem = f"{prefix}-" if prefix else ""
    if why is None:
        where = "the form's question set" if not opts.form_id else "--form-id"
        report.identity = (f"the tool's {id_name!r}"
                           + (f" prefixed with {prefix!r} (from {where}, so ids of "
                              "different forms never collide)" if prefix else ""))
        return [f"{stem}{v}" for v in values]
    stamp_names = {norm(t) for t in facts["timestamp"]}
    stamp = next((c.index for c in columns if norm(c.header) in stamp_names), None)
    answer_cols = [c.index for c in columns if c.target in report.items.values()]
    seen: dict[str, int] = {}
    ids = []
    for row in export.rows:
        basis = [row[stamp] if stamp is not None else ""] + [row[i] for i in answer_cols]
        h = hashlib.sha1("\x1f".join(basis).encode()).hexdigest()[:10]
        seen[h] = seen.get(h, 0) + 1
        ids.append(f"{stem}h{h}" + (f"-{seen[h]}" if seen[h] > 1 else ""))
    what = f"its {export.header[stamp]!r} and " if stamp is not None else ""
    report.identity = (f"a hash of {what}the answers, prefixed with {prefix!r}, because {why} "
                       "(a respondent whose answers change in a re-export counts as new)")
    return ids


def _perspective(value: str) -> str:
    words = tool_facts()["perspectives"]
    key = norm(value)
    for target in ("customer", "internal"):
        if key == target or key in {norm(w) for w in words[target]}:
            return target
    return value  # the validation names what is wrong with it


def _rows(export: Export, columns: list[ColumnMatch], ids: list[str], opts: Options,
          labels: LabelMatcher, report: ImportReport) -> list[dict[str, str]]:
    """The export's rows in the data contract; unknown answer labels to ``problems``."""
    name = export.path.name
    unknown: dict[tuple[int, str], list[int]] = {}
    out = []
    by_target = {c.target: c.index for c in columns if c.target in META_TARGETS}
    items = [c for c in columns if c.target in report.items.values()]
    for k, rec in enumerate(export.rows):
        row = {t: rec[i] for t, i in by_target.items()}
        row["respondent_id"] = ids[k]
        if opts.company is not None:
            row["company_id"] = opts.company
        if opts.perspective is not None:
            row["perspective"] = opts.perspective
        row["perspective"] = _perspective(row.get("perspective", ""))
        row.setdefault("department", "")
        if row["perspective"] == "customer":
            row["department"] = ""
        if opts.wave is not None:
            row["wave"] = opts.wave
        for c in items:
            value = labels.value(rec[c.index])
            if value is None:
                unknown.setdefault((c.index, rec[c.index]), []).append(export.row_numbers[k])
                value = ""
            row[c.target] = value
        out.append(row)
    for (i, label), rows in unknown.items():
        more = f" (and {len(rows) - 1} more row(s))" if len(rows) > 1 else ""
        close = labels.candidates(label)
        report.problems.append(Problem(
            name, rows[0], export.header[i] or columns[i].header, label,
            f"a scale label or a number{more}"
            + (f"; closest known labels: {', '.join(close)}" if close else "")
            + "; map it in a --mapping file (labels: {label: number})"))
    return out


def _check_columns(columns: list[ColumnMatch], report: ImportReport, opts: Options,
                   export: Export) -> None:
    name = export.path.name
    seen: dict[str, str] = {}
    for c in columns:
        if c.how.startswith("unmatched"):
            close = f" (closest: {', '.join(c.candidates)})" if c.candidates else ""
            why = f"; {c.how[11:]}" if c.how != "unmatched" else ""
            report.problems.append(Problem(
                name, 1, c.header, None,
                f"a column that names an item (its id, tool code or wording){why}{close}; map "
                f"it in a --mapping file (columns: {{column: item id or '{IGNORE}'}})"))
        elif c.target is not None and c.target in seen:
            report.problems.append(Problem(name, 1, c.header, c.target,
                                           f"one column per item ({c.target} is also read "
                                           f"from column {seen[c.target]!r})"))
        elif c.target is not None:
            seen[c.target] = c.header
    for flag, col in (("--company-column", opts.company_column),
                      ("--perspective-column", opts.perspective_column),
                      ("--department-column", opts.department_column)):
        if col is not None and col not in export.header:
            report.problems.append(Problem(name, 1, col, None,
                                           f"a column named as given by {flag}"))
    for target, flag in (("company_id", "--company ID or --company-column COL"),
                         ("perspective", "--perspective customer|internal or "
                                         "--perspective-column COL")):
        given = opts.company if target == "company_id" else opts.perspective
        if given is None and target not in seen:
            report.problems.append(Problem(name, None, None, None,
                                           f"the {target.split('_')[0]} of the respondents: "
                                           f"give {flag}"))
    if not report.items:
        report.problems.append(Problem(name, 1, None, None,
                                       "at least one column answering an item"))


def import_export(export: str | Path, into: str | Path, *, fmt: str = "auto",
                  mapping: str | Path | None = None, sheet: str | None = None,
                  dry_run: bool = False, **options: str | None) -> ImportReport:
    """Import a survey tool's export into a dataset (created when missing).

    Parameters
    ----------
    export : str or Path
        The export as the tool wrote it (CSV or xlsx).
    into : str or Path
        The dataset folder.
    fmt : str
        ``auto`` (told from the file's shape) or one of ``qualtrics``, ``limesurvey``,
        ``msforms``, ``googleforms``, ``surveymonkey``, ``generic``.
    mapping : str or Path, optional
        A YAML file: ``columns: {header: item id or ignore}``, ``labels: {label: number}``.
    sheet : str, optional
        The sheet of an xlsx export (default: the first).
    dry_run : bool
        Map and validate, write nothing.
    **options
        ``company``, ``company_column``, ``company_name``, ``industry``, ``perspective``,
        ``perspective_column``, ``department_column``, ``wave``, ``form_id`` (see
        :class:`Options`).

    Returns
    -------
    ImportReport
        The mapping, what identifies a respondent, what was appended, skipped, changed.

    Raises
    ------
    SurveyImportError
        Every problem at once, with the report; nothing was written. A dry run returns
        the report with its problems instead.

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "mine"
    >>> _ = shutil.copytree("data/sample", folder, ignore=shutil.ignore_patterns(".*"))
    >>> export = folder.parent / "forms.csv"
    >>> _ = export.write_text('Timestamp,"Speed [I get what I ordered on time, complete and '
    ...                       'without errors.]"\\n2026/01/05 10:00:00,Agree\\n')
    >>> report = import_export(export, folder, company="shoes", perspective="customer",
    ...                        wave="2026-Q1")
    >>> report.format, report.items, len(report.appended)
    ('googleforms', {'Speed [I get what I ordered on time, complete and without errors.]': \
'oe_exp_1'}, 1)
    >>> len(import_export(export, folder, company="shoes", perspective="customer",
    ...                   wave="2026-Q1").skipped)
    1
    """
    opts = Options(**options)
    folder = Path(into)
    report = ImportReport(Path(export), folder, dry_run=dry_run)
    problems = report.problems
    if fmt not in ("auto", *FORMATS):
        problems.append(Problem(Path(export).name, None, None, fmt,
                                f"a format: auto or one of {list(FORMATS)}"))
        return _finish(report)
    data = read_export(export, problems, sheet)
    if data is None:
        return _finish(report)
    report.sheet = data.sheet
    report.detected = fmt == "auto"
    report.format = detect_format(data) if fmt == "auto" else fmt
    split_header_rows(data, report.format)
    version = dataset_version(folder, problems)
    inst = load_instrument(version=version)
    integ = load_integration(version=version)
    user = load_mapping(mapping, inst.item_ids + integ.item_ids, inst.scale.min,
                        inst.scale.max, problems)
    labels = LabelMatcher(inst, user.labels)
    report.columns = _columns(data, report.format, opts, user.columns,
                              ColumnMatcher(inst, integ), labels)
    _check_columns(report.columns, report, opts, data)
    if not report.items:
        return _finish(report)
    ids = _identity(data, report.format, report.columns, opts, report)
    rows = _rows(data, report.columns, ids, opts, labels, report)  # its labels, too
    if problems:
        return _finish(report)
    export_rows = dict(zip(ids, data.row_numbers, strict=True))
    with _dataset_locks(folder, write=not dry_run):
        _plan_and_write(folder, data, rows, export_rows, opts, integ.item_ids, report,
                        dry_run)
    return _finish(report)


@contextlib.contextmanager
def _dataset_locks(folder: Path, *, write: bool) -> Iterator[None]:
    """Hold the dataset's ``companies.csv`` and ``responses`` locks (the workshop's export
    takes the latter) from reading the files to writing them, so two imports, or an import
    and an export, never write over each other's rows. A dataset folder created only to
    hold the locks is removed again when nothing was written."""
    if not write:
        yield
        return
    created = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with file_lock(folder, "companies.csv"), file_lock(folder, "responses"):
            yield
    finally:
        if created and not any(p.suffix.lower() != ".lock" for p in folder.iterdir()):
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()


def _plan_and_write(folder: Path, data: Export, rows: list[dict[str, str]],
                    export_rows: dict[str, int], opts: Options, int_ids: list[str],
                    report: ImportReport, dry_run: bool) -> None:
    """Plan the new rows against the dataset's files, validate them, write them."""
    problems = report.problems
    items = list(report.items.values())
    companies, _header = plan_companies(folder, rows, opts, report, data.path.name)
    path, header, new = plan_responses(folder, rows, items, int_ids, opts, report)
    if problems:
        return
    for k, col, value in formula_cells(header, new):
        problems.append(Problem(
            data.path.name, export_rows.get(new[k]["respondent_id"]), col, value,
            "a value that does not start like a spreadsheet formula (=, +, -, @): it is "
            "refused, not changed, in the dataset's own file"))
    if problems:
        return
    report.appended = [r["respondent_id"] for r in new]
    content = validate_rows(folder, companies, path, header, new, data, export_rows,
                            report) if new else None
    if problems or dry_run or not new:
        return
    files = {path: content} if content is not None else {}
    if companies is not None:
        files[folder / "companies.csv"] = companies
    atomic_write_files(files)
    report.written = sorted(files)


def _finish(report: ImportReport) -> ImportReport:
    if report.problems and not report.dry_run:
        report.appended = []
        raise SurveyImportError(report)
    return report
