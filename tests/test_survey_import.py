"""Importing survey-tool exports: every tool's export of the same answers, written the way
the tool writes it (header rows, metadata, labels or numbers, its column naming, the tool
codes the questionnaire export gives), imports to the same scores as the plain dataset."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

import assessment as va
from assessment.cli import main
from assessment.instrument.codes import tool_code
from assessment.intake.survey import SurveyImportError, import_export
from tests.helpers_data import (
    INSTRUMENT,
    ITEMS,
    SETUP_ITEMS,
    companies_frame,
    responses_frame,
    write_dataset,
)

LABELS = {lang: {p: t.get(lang) for p, t in INSTRUMENT.scale.labels.items()}
          for lang in ("en", "de", "nl")}
TABLES = ("company", "profile", "lens_gaps", "blind_spots", "departments", "reliability")


def _answer(row: int, item: int) -> int:
    return 1 + (row * 7 + item * 3 + row * item) % 5


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The answers in the plain contract: company c1, 12 respondents, a few blanks."""
    frame = responses_frame(company_ids=("c1",), n=12, answer=_answer)
    for k, item in enumerate(ITEMS[::7]):
        frame.loc[k % len(frame), item] = ""
    folder = write_dataset(tmp_path_factory.mktemp("plain") / "plain",
                           companies_frame(("c1",)), frame)
    return folder, frame


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    scores = va.score(va.load_dataset(folder))
    out = {}
    for name in TABLES:
        table = getattr(scores, name)
        keys = [c for c in table.columns if table[c].dtype == object]
        out[name] = table.sort_values(keys).reset_index(drop=True) if keys else table
    return out


def assert_same_scores(plain_folder: Path, imported: Path) -> None:
    ours, theirs = _tables(imported), _tables(plain_folder)
    for name in TABLES:
        assert len(ours[name]) > 0 or name in ("departments",), name
        pd.testing.assert_frame_equal(ours[name], theirs[name], check_dtype=False,
                                      obj=name)


def _split(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return frame[frame["perspective"] == "customer"], frame[frame["perspective"] == "internal"]


def _items_of(audience: str) -> list[str]:
    return [i for i in ITEMS if audience == "internal" or i not in SETUP_ITEMS]


def _text(item: str, audience: str, lang: str = "en") -> str:
    return INSTRUMENT.item(item).wording("customer" if audience == "customer" else "staff",
                                         lang)


def _label(value: str, lang: str) -> str:
    return LABELS[lang][int(value)] if value else ""


def _csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8", sep: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    for r in rows:
        book.active.append(r)
    book.save(path)
    return path


def _import(export: Path, into: Path, audience: str, **kwargs) -> va.ImportReport:
    if "perspective_column" not in kwargs:
        kwargs["perspective"] = audience
    if audience == "internal" and (export.suffix == ".xlsx" or "googleforms" in export.name):
        kwargs.setdefault("department_column", "Department")  # Forms: the question's text
    return import_export(export, into, company="c1", company_name="Company c1",
                         industry="machinery", **kwargs)


# -- the tools, writing the same answers as each writes them ---------------------------------

def qualtrics(frame: pd.DataFrame, audience: str, folder: Path, *, labels: bool) -> Path:
    """Three header rows; export tags are the tool codes (one question per item, as the
    questionnaire's Advanced Format TXT makes them); numbers or choice texts."""
    meta = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
            "Finished", "RecordedDate", "ResponseId", "DistributionChannel", "UserLanguage"]
    items = _items_of(audience)
    dept = ["department"] if audience == "internal" else []
    rows = [meta + dept + [tool_code(i) for i in items] + [""],
            ["Start Date", "End Date", "Response Type", "IP Address", "Progress",
             "Duration (in seconds)", "Finished", "Recorded Date", "Response ID",
             "Distribution Channel", "User Language"] + ["Your department"] * len(dept)
            + [_text(i, audience) for i in items] + [""],
            ['{"ImportId":"startDate","timeZone":"Europe/Berlin"}'] * 2
            + [f'{{"ImportId":"{m}"}}' for m in meta[2:]]
            + ['{"ImportId":"QID99_TEXT"}'] * len(dept)
            + [f'{{"ImportId":"QID{k + 1}"}}' for k in range(len(items))] + [""]]
    for k, (_i, r) in enumerate(frame.iterrows()):
        rows.append(["2026-01-05 10:00:00", "2026-01-05 10:07:00",
                     "IP Address" if labels else "0", "10.0.0.1", "100", "420",
                     "True" if labels else "1", "2026-01-05 10:07:01",
                     f"R_{audience[:4]}{k:011d}", "anonymous", "EN"]
                    + [r["department"]] * len(dept)
                    + [_label(r[i], "en") if labels else r[i] for i in items] + [""])
    return _csv(folder / f"qualtrics_{audience}.csv", rows)


def limesurvey(frame: pd.DataFrame, audience: str, folder: Path) -> Path:
    """UTF-8 with BOM; one array per part, ``PART[code]`` with the tool codes as the
    questionnaire's survey structure names them; answer codes 1-5; the department
    question coded ``department``."""
    items = _items_of(audience)
    meta = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    dept = ["department"] if audience == "internal" else []
    rows = [meta + dept + [f"{i.split('_')[0].upper()}{i.split('_')[1].upper()}"
                           f"[{tool_code(i)}]" for i in items]]
    for k, (_i, r) in enumerate(frame.iterrows()):
        rows.append([str(k + 1), "2026-01-05 10:07:00", "3", "de", "123456",
                     "2026-01-05 10:00:00", "2026-01-05 10:07:00"]
                    + [r["department"]] * len(dept) + [r[i] for i in items])
    return _csv(folder / f"limesurvey_{audience}.csv", rows, encoding="utf-8-sig", sep=";")


def msforms(frame: pd.DataFrame, audience: str, folder: Path) -> Path:
    """xlsx; ID restarts at 1; statement texts as headers (German), label answers,
    columns out of order."""
    items = _items_of(audience)
    random.Random(4).shuffle(items)
    dept = ["Department"] if audience == "internal" else []
    rows: list[list[object]] = [["ID", "Startzeit", "Fertigstellungszeit", "E-Mail", "Name"]
                                + dept + [_text(i, audience, "de") for i in items]]
    for k, (_i, r) in enumerate(frame.iterrows()):
        rows.append([k + 1, "1/5/26 10:00:00", "1/5/26 10:07:00", "anonymous", None]
                    + [r["department"]] * len(dept)
                    + [_label(r[i], "de") or None for i in items])
    return _xlsx(folder / f"msforms_{audience}.xlsx", rows)


def googleforms(frame: pd.DataFrame, audience: str, folder: Path) -> Path:
    """Dutch sheet: Tijdstempel, then ``Title [row]`` grid headers, label answers."""
    items = _items_of(audience)
    dept = ["Department"] if audience == "internal" else []
    rows = [["Tijdstempel", "E-mailadres"] + dept
            + [f"Hoe ervaart u ons? [{_text(i, audience, 'nl')}]" for i in items]]
    for k, (_i, r) in enumerate(frame.iterrows()):
        rows.append([f"2026/01/05 10:{k:02d}:00", ""] + [r["department"]] * len(dept)
                    + [_label(r[i], "nl") for i in items])
    return _csv(folder / f"googleforms_{audience}.csv", rows)


def surveymonkey(frame: pd.DataFrame, folder: Path, *, mangled: bool = False) -> Path:
    """Both groups in one form: a role question decides the perspective. Row 1: metadata
    and each question's text over its first column; row 2: "Response" or the row texts
    (the staff wording, as one form shows one wording); label answers."""
    items = ITEMS
    meta = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
            "Email Address", "First Name", "Last Name", "Custom Data 1"]
    row1 = meta + ["I answer as", "Department", "How far do you agree?"] + [""] * (len(items) - 1)
    row2 = [""] * len(meta) + ["Response", "Response"] + [_text(i, "internal") for i in items]
    rows = [row1, row2]
    for k, (_i, r) in enumerate(frame.iterrows()):
        rid = "1.14628E+11" if mangled else str(114628000000 + k * 37)
        rows.append([rid, "4321", "01/05/2026 10:00:00 AM", "01/05/2026 10:07:00 AM",
                     "10.0.0.1", "", "", "", ""]
                    + ["Customer" if r["perspective"] == "customer" else "Employee",
                       r["department"]] + [_label(r[i], "en") for i in items])
    return _csv(folder / "surveymonkey.csv", rows)


# -- round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("tool", ["qualtrics", "qualtrics-labels", "limesurvey", "msforms",
                                  "googleforms"])
def test_round_trip_per_audience_form(tool, plain, tmp_path):
    plain_folder, frame = plain
    into = tmp_path / "imported"
    reports = []
    for audience, part in zip(("customer", "internal"), _split(frame), strict=True):
        if tool.startswith("qualtrics"):
            export = qualtrics(part, audience, tmp_path, labels=tool.endswith("labels"))
        else:
            export = globals()[tool](part, audience, tmp_path)
        reports.append(_import(export, into, audience))
    assert [r.format for r in reports] == [tool.split("-")[0]] * 2
    assert all(r.detected for r in reports)
    assert sum(len(r.appended) for r in reports) == len(frame)
    assert_same_scores(plain_folder, into)
    ids = va.load_dataset(into).responses["respondent_id"]
    assert ids.str.startswith(f"{tool.split('-')[0]}-").all()


def test_round_trip_surveymonkey_with_role_column(plain, tmp_path):
    plain_folder, frame = plain
    into = tmp_path / "imported"
    export = surveymonkey(frame, tmp_path)
    report = import_export(export, into, company="c1", company_name="Company c1",
                           perspective_column="I answer as", department_column="Department")
    assert report.format == "surveymonkey"
    assert "Respondent ID" in report.dropped and "IP Address" in report.dropped
    assert_same_scores(plain_folder, into)


def test_round_trip_generic_plain_table(plain, tmp_path):
    plain_folder, frame = plain
    export = tmp_path / "plain_export.csv"
    frame.to_csv(export, index=False)
    report = import_export(export, tmp_path / "imported", company_name="Company c1",
                           company="c1")
    assert report.format == "generic" and report.form_id == ""
    assert_same_scores(plain_folder, tmp_path / "imported")
    assert set(va.load_dataset(tmp_path / "imported").responses["respondent_id"]) == set(
        frame["respondent_id"])


# -- identity, idempotence, changes ---------------------------------------------------------

def test_same_export_twice_adds_nothing(plain, tmp_path):
    _plain, frame = plain
    customers, _staff = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    first = _import(export, tmp_path / "d", "customer")
    before = (tmp_path / "d" / "responses.csv").read_bytes()
    second = _import(export, tmp_path / "d", "customer")
    assert len(first.appended) == len(customers) and second.appended == []
    assert len(second.skipped) == len(customers) and second.changed == {}
    assert (tmp_path / "d" / "responses.csv").read_bytes() == before
    assert "hash" in first.identity and "Tijdstempel" in first.identity


def test_an_import_waits_for_the_dataset_lock_and_keeps_rows_added_meanwhile(plain,
                                                                               tmp_path):
    """The import takes the same lock as the workshop's export: while another process
    holds it, the import waits, and the row that process appends is still there after."""
    import threading

    from assessment.files import append_csv_rows, file_lock

    plain_folder, frame = plain
    folder = tmp_path / "d"
    customers, staff = _split(frame)
    _import(googleforms(customers, "customer", tmp_path), folder, "customer")
    (tmp_path / "staff").mkdir()
    export = googleforms(staff, "internal", tmp_path / "staff")
    path = folder / "responses.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    done: list[object] = []
    with file_lock(folder, "responses"):
        worker = threading.Thread(
            target=lambda: done.append(_import(export, folder, "internal")))
        worker.start()
        worker.join(timeout=3)
        assert worker.is_alive() and not done  # it waits for the lock
        row = {h: "" for h in header} | {"company_id": "c1", "respondent_id": "meanwhile",
                                          "perspective": "internal", ITEMS[0]: "3",
                                          "department": staff["department"].iloc[0]}
        append_csv_rows(path, [[row[h] for h in header]])
    worker.join(timeout=120)
    assert len(done[0].appended) == len(staff)
    ids = set(va.load_dataset(folder).responses["respondent_id"])
    assert "meanwhile" in ids and len(ids) == len(customers) + len(staff) + 1


def test_a_failed_import_into_a_new_folder_leaves_no_folder(plain, tmp_path):
    _plain, frame = plain
    export = tmp_path / "plain_export.csv"
    frame.to_csv(export, index=False)
    with pytest.raises(SurveyImportError):
        import_export(export, tmp_path / "new", company="nonexistent-company")
    assert not (tmp_path / "new").exists()


def test_changed_answer_in_reexport_is_reported_and_kept(plain, tmp_path):
    _plain, frame = plain
    _c, staff = _split(frame)
    export = limesurvey(staff, "internal", tmp_path)
    _import(export, tmp_path / "d", "internal")
    before = (tmp_path / "d" / "responses.csv").read_bytes()
    text = export.read_text(encoding="utf-8-sig").splitlines()
    cells = text[1].split(";")
    col = 8  # the first item column after the metadata and Department
    cells[col] = "1" if cells[col] != "1" else "2"
    text[1] = ";".join(cells)
    export.write_text("\r\n".join(text) + "\r\n", encoding="utf-8-sig")
    again = _import(export, tmp_path / "d", "internal")
    rid = f"{again.form_id}-1"
    assert again.appended == [] and list(again.changed) == [rid]
    assert again.changed[rid] == [ITEMS[0]]
    assert (tmp_path / "d" / "responses.csv").read_bytes() == before
    assert any("changed since the last import" in line for line in again.lines())


def test_forms_restarting_ids_do_not_collide(plain, tmp_path):
    """Two Microsoft Forms (customer and staff) both number their responses from 1."""
    _plain, frame = plain
    customers, staff = _split(frame)
    a = _import(msforms(customers, "customer", tmp_path), tmp_path / "d", "customer")
    b = _import(msforms(staff, "internal", tmp_path), tmp_path / "d", "internal")
    assert a.form_id != b.form_id and len(b.appended) == len(staff)
    assert a.appended[0] == f"{a.form_id}-1" and b.appended[0] == f"{b.form_id}-1"


def test_mangled_surveymonkey_ids_are_reported(plain, tmp_path):
    _plain, frame = plain
    export = surveymonkey(frame, tmp_path, mangled=True)
    report = import_export(export, tmp_path / "d", company="c1", company_name="C1",
                           perspective_column="I answer as", department_column="Department",
                           dry_run=True)
    assert "'1.14628E+11' on row 3" in report.identity and "hash" in report.identity
    assert len(set(report.appended)) == len(frame)
    assert not (tmp_path / "d").exists()


# -- problems: clear, all at once, nothing written ------------------------------------------

def test_unknown_label_and_column_listed_with_candidates(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    rows = list(csv.reader(io.StringIO(export.read_text())))
    rows[0][2] = "Hoe ervaart u ons? [Ik krijg wat ik bestel op tijd compleet]"
    rows[3][3] = "Beetje eens"
    _csv(export, rows)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer")
    text = "\n".join(err.value.report.lines())
    assert "closest: oe_exp_1" in text
    assert not (tmp_path / "d").exists()
    rows[0][2] = f"Hoe ervaart u ons? [{_text(ITEMS[0], 'customer', 'nl')}]"
    _csv(export, rows)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer")
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.value) == (export.name, 4, "Beetje eens")
    assert "'mee eens'=4" in problem.expected
    assert not (tmp_path / "d").exists()


def test_mapping_file_maps_columns_and_labels_and_is_checked(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    rows = list(csv.reader(io.StringIO(export.read_text())))
    rows[0][2] = "Speed"
    rows[3][3] = "Beetje eens"
    rows[0].append("Comments")
    for r in rows[1:]:
        r.append("nice people")
    _csv(export, rows)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns:\n  Speed: oe_exp_9x\nlabels:\n  Beetje eens: 6\n")
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer", mapping=mapping)
    assert [(p.file, p.column, p.value) for p in err.value.problems][:2] == [
        ("mapping.yaml", "Speed", "oe_exp_9x"), ("mapping.yaml", "Beetje eens", "6")]
    assert "did you mean 'oe_exp_7'?" in err.value.problems[0].expected
    mapping.write_text("columns:\n  Speed: oe_exp_1\nlabels:\n  Beetje eens: 4\n")
    report = _import(export, tmp_path / "d", "customer", mapping=mapping)
    assert report.items["Speed"] == "oe_exp_1"
    assert next(c.how for c in report.columns if c.header == "Comments") == (
        "free text, not an item")
    responses = va.load_dataset(tmp_path / "d").responses
    assert responses["oe_exp_1"].iloc[2] == 4.0


def test_unknown_company_is_an_error_with_case_hint(plain, tmp_path):
    plain_folder, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    with pytest.raises(SurveyImportError) as err:
        import_export(export, plain_folder, company="C1", perspective="customer",
                      dry_run=False)
    assert "did you mean 'c1'?" in err.value.problems[0].expected


def test_formula_leading_wave_is_refused_not_changed(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer", wave="=2026")
    assert "formula" in str(err.value)
    assert not (tmp_path / "d" / "responses.csv").exists()


def test_open_file_is_refused(plain, tmp_path):
    plain_folder, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    folder = tmp_path / "d"
    _import(export, folder, "customer")
    before = (folder / "responses.csv").read_bytes()
    (folder / ".~lock.responses.csv#").write_text("x")
    rows = list(csv.reader(io.StringIO(export.read_text())))
    rows[1][0] = "2026/02/01 09:00:00"
    _csv(export, rows)
    with pytest.raises(SurveyImportError) as err:
        _import(export, folder, "customer")
    assert "open in an office program" in str(err.value)
    assert (folder / "responses.csv").read_bytes() == before


def test_cli_dry_run_prints_mapping_and_writes_nothing(plain, tmp_path, capsys):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = qualtrics(customers, "customer", tmp_path, labels=False)
    code = main(["import", str(export), "--into", str(tmp_path / "d"), "--company", "c1",
                 "--company-name", "C1", "--perspective", "customer", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Qualtrics export (detected from its columns)" in out
    assert "oeexp1" in out and "-> oe_exp_1" in out and "(tool code)" in out
    assert "dropped: StartDate, EndDate" in out
    assert "would append 6 respondent(s)" in out
    assert not (tmp_path / "d").exists()
    code = main(["import", str(export), "--into", str(tmp_path / "d"), "--company", "c1",
                 "--perspective", "customer"])
    err = capsys.readouterr().err
    assert code == 1 and "give --company-name NAME" in err and "Traceback" not in err


# -- more shapes: text-only Qualtrics tags, sheets, xlsx datasets, waves --------------------

def test_qualtrics_default_tags_matched_by_statement_text(plain, tmp_path):
    """Default export tags (Q1, Q2, ...) carry no item: row 2's text does ("Question -
    Statement" for a matrix), in German here."""
    _plain, frame = plain
    customers, _s = _split(frame)
    export = qualtrics(customers, "customer", tmp_path, labels=False)
    rows = list(csv.reader(io.StringIO(export.read_text())))
    items = _items_of("customer")
    start = 11
    for k, item in enumerate(items):
        rows[0][start + k] = f"Q{k + 1}"
        rows[1][start + k] = f"Wie sehr stimmen Sie zu? - {_text(item, 'customer', 'de')}"
    _csv(export, rows)
    report = _import(export, tmp_path / "d", "customer", dry_run=True)
    assert report.problems == []
    assert report.items == {f"Q{k + 1}": item for k, item in enumerate(items)}
    assert {c.how for c in report.columns if c.target in items} == {"text"}


def test_xlsx_export_on_a_named_sheet_and_formula_without_result(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = msforms(customers, "customer", tmp_path)
    from openpyxl import load_workbook

    book = load_workbook(export)
    book.active.title = "Form1"
    cover = book.create_sheet("About", 0)
    cover["A1"] = "Exported from Microsoft Forms"
    book.save(export)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer")  # the first sheet is the cover
    assert "sheet 'About'" in err.value.problems[0].expected
    report = _import(export, tmp_path / "d", "customer", sheet="Form1", dry_run=True)
    assert report.sheet == "Form1" and len(report.appended) == len(customers)
    book = load_workbook(export)
    book["Form1"]["F2"] = "=5-1"  # no stored result: openpyxl writes none
    book.save(export)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer", sheet="Form1")
    (problem,) = err.value.problems
    assert problem.row == 2 and "Form1!F2" in problem.expected
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer", sheet="Nope")
    assert "['About', 'Form1']" in err.value.problems[0].expected


def test_appends_to_an_xlsx_dataset_with_waves(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    folder = write_dataset(tmp_path / "d", companies_frame(("c1",)),
                           responses_frame(("c1",), n=2, waves=["2025-Q4"]), excel=True)
    export = googleforms(customers, "customer", tmp_path)
    with pytest.raises(SurveyImportError) as err:
        _import(export, folder, "customer")
    assert "give --wave LABEL" in err.value.problems[0].expected
    report = _import(export, folder, "customer", wave="2026-Q1")
    assert report.written == [folder / "responses.xlsx"]
    ds = va.load_dataset(folder)
    assert ds.waves == ["2025-Q4", "2026-Q1"] and len(ds.responses) == 2 + len(customers)
    imported = ds.responses[ds.responses["wave"] == "2026-Q1"]
    expected = customers[ITEMS[1]].replace("", "nan").astype(float).tolist()
    assert imported[ITEMS[1]].tolist() == pytest.approx(expected, nan_ok=True)


def test_a_value_the_intake_refuses_is_located_in_the_export(plain, tmp_path):
    _plain, frame = plain
    _c, staff = _split(frame)
    export = limesurvey(staff, "internal", tmp_path)
    text = export.read_text(encoding="utf-8-sig").splitlines()
    cells = text[2].split(";")
    cells[9] = "7"
    text[2] = ";".join(cells)
    export.write_text("\r\n".join(text) + "\r\n", encoding="utf-8-sig")
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "internal")
    (problem,) = err.value.problems
    assert (problem.file, problem.row, problem.column, problem.value) == (
        export.name, 3, ITEMS[1], "7")
    assert not (tmp_path / "d").exists()


def test_trailing_separators_and_utf16_are_read(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = googleforms(customers, "customer", tmp_path)
    lines = export.read_text().splitlines()
    export.write_text("\r\n".join([lines[0]] + [ln + ",," for ln in lines[1:]]) + "\r\n",
                      encoding="utf-16")
    report = _import(export, tmp_path / "d", "customer", dry_run=True)
    assert report.problems == [] and len(report.appended) == len(customers)


def test_code_and_wording_that_disagree_are_not_guessed(plain, tmp_path):
    _plain, frame = plain
    customers, _s = _split(frame)
    export = qualtrics(customers, "customer", tmp_path, labels=False)
    rows = list(csv.reader(io.StringIO(export.read_text())))
    rows[1][11] = _text(ITEMS[1], "customer")  # tag oeexp1, text of oe_exp_2
    _csv(export, rows)
    with pytest.raises(SurveyImportError) as err:
        _import(export, tmp_path / "d", "customer")
    problems = [p for p in err.value.problems if p.column == "oeexp1"]
    assert "its tool code says oe_exp_1, its wording oe_exp_2" in problems[0].expected


def test_label_variants_mean_one_scale_point_each():
    from assessment.intake.survey.formats import norm, tool_facts

    seen: dict[str, int] = {}
    for point, text in INSTRUMENT.scale.labels.items():
        for lang in ("en", "de", "nl"):
            seen[norm(text.get(lang))] = point
    for point, by_lang in tool_facts()["label_variants"].items():
        assert set(by_lang) == {"en", "de", "nl"}
        for words in by_lang.values():
            for w in words:
                assert seen.setdefault(norm(w), point) == point, w
    for words in tool_facts()["not_answered"].values():
        assert not {norm(w) for w in words} & set(seen)


def test_customer_integration_items_get_a_column_only_where_the_file_can_hold_it(plain,
                                                                                tmp_path):
    plain_folder, frame = plain
    _c, staff = _split(frame)
    item = "int_role_co_creator_1"
    export = tmp_path / "export.csv"
    rows = [["Timestamp", "Department", tool_code(item), tool_code(ITEMS[0])]]
    rows += [[f"2026/01/05 10:0{k}:00", "sales", "4", "3"] for k in range(3)]
    _csv(export, rows)
    report = _import(export, tmp_path / "new", "internal", department_column="Department")
    assert report.items == {tool_code(item): item, tool_code(ITEMS[0]): ITEMS[0]}
    assert va.load_dataset(tmp_path / "new").responses[item].tolist() == [4.0] * 3
    with pytest.raises(SurveyImportError) as err:  # the plain dataset has no int_ columns
        _import(export, plain_folder, "internal", department_column="Department")
    assert f"the file has none for ['{item}']" in err.value.problems[0].expected
