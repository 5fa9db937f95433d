"""Data intake: every problem is found at once and located the way a spreadsheet shows it.

Datasets are built in tmp_path (see helpers_data): companies c1, c2 with four respondents
each, rows 2-5 for c1 and rows 6-9 for c2; respondents alternate customer / internal.
"""

from __future__ import annotations

import pandas as pd
import pytest

import assessment
from assessment import DatasetError, Problem, load_dataset, load_instrument
from assessment.cli import main

from .helpers_data import (
    ITEMS,
    companies_frame,
    good_dataset,
    responses_frame,
    set_cell,
    write_dataset,
)

SCALE = "whole number from 1 to 5"


def problems_of(folder) -> list[Problem]:
    """The problems load_dataset reports for a dataset that must not load."""
    with pytest.raises(DatasetError) as err:
        load_dataset(folder)
    return err.value.problems


def where(p: Problem) -> tuple:
    return (p.file, p.row, p.column, p.value)


def by_place(problems: list[Problem]) -> dict[tuple, Problem]:
    """Problems keyed by (file, row, column, value); fails on two at one place."""
    out = {where(p): p for p in problems}
    assert len(out) == len(problems), problems
    return out


def assert_score_refuses(folder, tmp_path, capsys, problems: list[Problem]) -> None:
    """`score` exits non-zero, lists every problem on stderr and writes nothing."""
    out = tmp_path / "out"
    capsys.readouterr()
    rc = main(["score", str(folder), "--out", str(out)])
    captured = capsys.readouterr()
    assert rc != 0
    assert f"{len(problems)} problem(s)" in captured.err
    for p in problems:
        assert str(p) in captured.err
    assert "wrote" not in captured.out
    assert not out.exists() or not any(out.iterdir())


# 1 -----------------------------------------------------------------------------------


def test_missing_required_columns_in_both_files(tmp_path, capsys):
    companies = companies_frame().drop(columns=["industry"])
    responses = responses_frame().drop(columns=["perspective", "department"])
    folder = write_dataset(tmp_path / "ds", companies, responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("companies.csv", 1, "industry", None),
        ("responses.csv", 1, "perspective", None),
        ("responses.csv", 1, "department", None),
    }
    for (_, _, column, _), p in found.items():
        assert f"a column named {column!r}" in p.expected
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 2 -----------------------------------------------------------------------------------


def test_unknown_item_columns_suggest_the_close_match(tmp_path, capsys):
    responses = responses_frame().rename(columns={"oe_exp_1": "oe_ex_1"})
    responses["oe_exp_99"] = "4"
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("responses.csv", 1, "oe_ex_1", "oe_ex_1"),
        ("responses.csv", 1, "oe_exp_99", "oe_exp_99"),
    }
    assert "did you mean 'oe_exp_1'?" in found["responses.csv", 1, "oe_ex_1", "oe_ex_1"].expected
    hint = found["responses.csv", 1, "oe_exp_99", "oe_exp_99"].expected
    assert "item id" in hint and "did you mean 'oe_exp_" in hint
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 3 -----------------------------------------------------------------------------------


def test_values_outside_the_scale(tmp_path, capsys):
    responses = responses_frame()
    set_cell(responses, 2, "oe_exp_1", "0")
    set_cell(responses, 3, "ci_set_2", "6")
    set_cell(responses, 9, "thr_pl_3", "7")
    set_cell(responses, 9, "pl_exp_7", "5")  # the scale ends are valid
    set_cell(responses, 8, "pl_exp_7", "1")
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("responses.csv", 2, "oe_exp_1", "0"),
        ("responses.csv", 3, "ci_set_2", "6"),
        ("responses.csv", 9, "thr_pl_3", "7"),
    }
    assert all(SCALE in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 4 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";"])
def test_non_numeric_and_non_whole_values(tmp_path, capsys, sep):
    responses = responses_frame()
    set_cell(responses, 2, "oe_exp_2", "abc")
    set_cell(responses, 5, "ci_exp_3", "3,5")
    set_cell(responses, 7, "pl_set_1", "3.5")
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses, sep=sep)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("responses.csv", 2, "oe_exp_2", "abc"),
        ("responses.csv", 5, "ci_exp_3", "3,5"),
        ("responses.csv", 7, "pl_set_1", "3.5"),
    }
    assert all(SCALE in p.expected for p in problems)
    assert "decimal comma" in found["responses.csv", 5, "ci_exp_3", "3,5"].expected
    assert "decimal comma" not in found["responses.csv", 2, "oe_exp_2", "abc"].expected
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 5 -----------------------------------------------------------------------------------


def test_duplicate_respondent_id_within_a_company(tmp_path, capsys):
    responses = responses_frame()  # c2 also has r1..r4: the same ids in another company
    set_cell(responses, 4, "respondent_id", "r1")
    set_cell(responses, 5, "respondent_id", "r2")
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("responses.csv", 4, "respondent_id", "r1"),
        ("responses.csv", 5, "respondent_id", "r2"),
    }
    assert "already on row 2" in found["responses.csv", 4, "respondent_id", "r1"].expected
    assert "already on row 3" in found["responses.csv", 5, "respondent_id", "r2"].expected
    assert all("unique within company 'c1'" in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


def test_same_respondent_id_in_another_company_or_wave_is_fine(tmp_path):
    responses = responses_frame(waves=["2025-Q4", "2026-Q1"])
    ds = load_dataset(write_dataset(tmp_path / "ds", companies_frame(), responses))

    r1 = ds.responses[ds.responses["respondent_id"] == "r1"]
    assert sorted(zip(r1["wave"], r1["company_id"], strict=True)) == [
        ("2025-Q4", "c1"), ("2025-Q4", "c2"), ("2026-Q1", "c1"), ("2026-Q1", "c2")]

    set_cell(responses, 13, "respondent_id", "r2")  # 2026-Q1, c1: r4 -> r2 (r2 is row 11)
    problems = problems_of(write_dataset(tmp_path / "dup", companies_frame(), responses))
    assert [where(p) for p in problems] == [("responses.csv", 13, "respondent_id", "r2")]
    assert "wave '2026-Q1'" in problems[0].expected
    assert "already on row 11" in problems[0].expected


# 6 -----------------------------------------------------------------------------------


def test_responses_for_a_company_missing_from_companies_csv(tmp_path, capsys):
    responses = responses_frame(company_ids=("c1", "c9"))
    folder = write_dataset(tmp_path / "ds", companies_frame(ids=("c1",)), responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {("responses.csv", row, "company_id", "c9") for row in range(6, 10)}
    assert all("companies.csv" in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 7 -----------------------------------------------------------------------------------


def test_unknown_perspective(tmp_path, capsys):
    responses = responses_frame()
    set_cell(responses, 2, "perspective", "Kunde")
    set_cell(responses, 3, "perspective", "staff")
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {
        ("responses.csv", 2, "perspective", "Kunde"),
        ("responses.csv", 3, "perspective", "staff"),
    }
    assert all("'customer', 'internal' or 'team'" in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


def test_team_rows_need_their_number_of_participants(tmp_path, capsys):
    responses = responses_frame()
    responses["participants"] = ""
    set_cell(responses, 2, "perspective", "team")
    set_cell(responses, 2, "participants", "7")
    set_cell(responses, 3, "perspective", "team")
    set_cell(responses, 3, "participants", "0")
    set_cell(responses, 4, "perspective", "team")
    set_cell(responses, 4, "participants", "2.5")
    set_cell(responses, 5, "perspective", "team")  # blank: not recorded, accepted
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)
    problems = problems_of(folder)
    assert set(by_place(problems)) == {("responses.csv", 3, "participants", "0"),
                                       ("responses.csv", 4, "participants", "2.5")}
    assert all("whole number of at least 1" in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


def test_team_consensus_row_is_read(tmp_path):
    responses = responses_frame()
    responses["participants"] = ""
    set_cell(responses, 2, "perspective", "team")
    set_cell(responses, 2, "participants", "7")
    set_cell(responses, 3, "participants", "3")  # a staff row: ignored, with a warning
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)
    ds = load_dataset(folder)
    team = ds.responses[ds.responses["perspective"] == "team"]
    assert team["participants"].tolist() == [7.0]
    assert ds.responses["participants"].notna().sum() == 1
    assert any("participants" in str(w) for w in ds.warnings)


def test_perspective_in_any_case_is_accepted(tmp_path):
    responses = responses_frame()
    for row, text in ((2, "Customer"), (4, "CUSTOMER"), (6, "cUsToMeR"), (3, "Internal")):
        set_cell(responses, row, "perspective", text)
    ds = load_dataset(write_dataset(tmp_path / "ds", companies_frame(), responses))
    assert ds.responses["perspective"].tolist() == ["customer", "internal"] * 4


# 8 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("broken", ["companies.csv", "responses.csv"])
@pytest.mark.parametrize("header_only, expected", [(False, "header"), (True, "data row")],
                         ids=["empty", "header-only"])
def test_empty_and_header_only_files(tmp_path, capsys, broken, header_only, expected):
    companies, responses = companies_frame(), responses_frame()
    # an error in the other file must be reported too
    if broken == "companies.csv":
        set_cell(responses, 2, "oe_exp_1", "7")
        other = ("responses.csv", 2, "oe_exp_1", "7")
    else:
        set_cell(companies, 3, "name", "")
        other = ("companies.csv", 3, "name", "")
    folder = write_dataset(tmp_path / "ds", companies, responses)
    path = folder / broken
    path.write_bytes(path.read_bytes().splitlines(keepends=True)[0] if header_only else b"")

    problems = problems_of(folder)
    found = by_place(problems)
    assert set(found) == {(broken, None, None, None), other}
    assert expected in found[broken, None, None, None].expected
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 9 -----------------------------------------------------------------------------------


def varied(row: int, item: int) -> int:
    return 1 + (row * 7 + item * 3) % 5


def test_semicolon_separated_csv_reads_like_comma(tmp_path):
    companies, responses = companies_frame(), responses_frame(answer=varied)
    comma = load_dataset(write_dataset(tmp_path / "comma", companies, responses))
    folder = write_dataset(tmp_path / "semi", companies, responses, sep=";")
    assert (folder / "responses.csv").read_text().startswith("company_id;respondent_id;")
    semi = load_dataset(folder)

    assert list(semi.companies.columns) == ["company_id", "name", "industry"]
    assert set(ITEMS) <= set(semi.responses.columns)
    pd.testing.assert_frame_equal(semi.responses, comma.responses)
    pd.testing.assert_frame_equal(assessment.score(semi).company,
                                  assessment.score(comma).company)


# 10 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
@pytest.mark.parametrize("sep", [",", ";"])
def test_bom_and_cp1252_files(tmp_path, encoding, sep):
    names = ["Müller Präzisionsteile", "Café Noël – Pâtisserie"]  # "–" is cp1252, not latin-1
    folder = write_dataset(tmp_path / "ds", companies_frame(names=names), responses_frame(),
                           encoding=encoding, sep=sep)
    raw = (folder / "companies.csv").read_bytes()
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf")
    else:
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")

    ds = load_dataset(folder)
    assert ds.companies.columns[0] == "company_id"
    assert "company_id" in ds.responses.columns
    assert ds.company_name("c1") == "Müller Präzisionsteile"
    assert ds.company_name("c2") == "Café Noël – Pâtisserie"
    assert sorted(ds.responses["company_id"].unique()) == ["c1", "c2"]


# 11 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("excel", [False, True])
def test_ids_like_007_and_na_stay_strings(tmp_path, excel):
    responses = responses_frame(company_ids=("007", "7"))
    for row, rid in ((2, "NA"), (3, "N/A"), (4, "null"), (5, "007")):
        set_cell(responses, row, "respondent_id", rid)
    folder = write_dataset(tmp_path / "ds", companies_frame(ids=("007", "7")), responses,
                           excel=excel)
    ds = load_dataset(folder)

    assert ds.companies["company_id"].tolist() == ["007", "7"]
    assert ds.responses["company_id"].tolist() == ["007"] * 4 + ["7"] * 4
    assert ds.responses["respondent_id"].tolist()[:4] == ["NA", "N/A", "null", "007"]
    assert sorted(assessment.score(ds).company["company_id"].unique()) == ["007", "7"]


# 12 ----------------------------------------------------------------------------------


def test_company_without_respondents_is_a_warning(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(ids=("c1", "c2", "c3")),
                           responses_frame())
    ds = load_dataset(folder)

    assert [(where(w), w.severity) for w in ds.warnings] == [
        (("companies.csv", 4, "company_id", "c3"), "warning")]
    assert "respondents" in ds.warnings[0].expected
    scores = assessment.score(ds)
    assert sorted(scores.company["company_id"].unique()) == ["c1", "c2"]

    out = tmp_path / "out"
    assert main(["score", str(folder), "--out", str(out)]) == 0
    assert "c3" in capsys.readouterr().err
    assert (out / "scores.csv").exists()


# 13 ----------------------------------------------------------------------------------


def test_xlsx_loads_like_csv(tmp_path):
    companies, responses = companies_frame(), responses_frame(answer=varied)
    set_cell(responses, 3, "oe_exp_4", "")  # a blank answer in Excel is an empty cell
    from_csv = load_dataset(write_dataset(tmp_path / "csv", companies, responses))
    folder = write_dataset(tmp_path / "xlsx", companies, responses, excel=True)
    assert not (folder / "responses.csv").exists()
    from_xlsx = load_dataset(folder)

    assert from_xlsx.files[1].name == "responses.xlsx"
    pd.testing.assert_frame_equal(from_xlsx.responses, from_csv.responses)
    assert pd.isna(from_xlsx.responses.at[1, "oe_exp_4"])


def test_xlsx_with_bad_values_reports_the_right_rows(tmp_path, capsys):
    responses = responses_frame()
    set_cell(responses, 5, "ci_exp_1", "7")
    set_cell(responses, 8, "pl_exp_2", "abc")
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses, excel=True)

    problems = problems_of(folder)
    assert set(by_place(problems)) == {  # problems in a workbook name the sheet
        ("responses.xlsx, sheet 'Sheet1'", 5, "ci_exp_1", "7"),
        ("responses.xlsx, sheet 'Sheet1'", 8, "pl_exp_2", "abc"),
    }
    assert all(SCALE in p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 14 ----------------------------------------------------------------------------------


def test_settings_override_thresholds(tmp_path):
    ds = load_dataset(good_dataset(tmp_path / "ds", settings={"thresholds": {"par": 2.5}}))
    assert ds.instrument.thresholds.par == 2.5
    assert ds.instrument.thresholds.excellence == load_instrument().thresholds.excellence
    assert load_instrument().thresholds.par == 3.0  # the packaged instrument is untouched
    assert ds.files[-1].name == "settings.yaml"


@pytest.mark.parametrize("thresholds, mentions", [
    ({"par": 4.5}, ["excellence", "par", "4.5"]),
    ({"excellence": 2.0}, ["excellence", "par", "2.0"]),
    ({"par": "high"}, ["par"]),
    (2.5, []),  # not a mapping at all
], ids=["par-above-excellence", "excellence-below-par", "par-not-a-number", "not-a-mapping"])
def test_invalid_threshold_override_is_a_problem(tmp_path, capsys, thresholds, mentions):
    responses = responses_frame()
    set_cell(responses, 2, "oe_exp_1", "9")  # reported alongside
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses,
                           settings={"thresholds": thresholds})

    problems = problems_of(folder)
    found = {(p.file, p.row, p.column): p for p in problems}
    assert set(found) == {("settings.yaml", None, "thresholds"),
                          ("responses.csv", 2, "oe_exp_1")}
    assert found["responses.csv", 2, "oe_exp_1"].value == "9"
    setting = found["settings.yaml", None, "thresholds"]
    expected = setting.expected
    if not isinstance(thresholds, dict):
        assert setting.value == str(thresholds) and "mapping" in expected
    for word in mentions:
        assert word in expected
    assert_score_refuses(folder, tmp_path, capsys, problems)


# 15 ----------------------------------------------------------------------------------


def test_cli_validate(tmp_path, capsys):
    good = good_dataset(tmp_path / "good")
    assert main(["validate", str(good)]) == 0
    assert "valid" in capsys.readouterr().out

    responses = responses_frame()
    set_cell(responses, 4, "perspective", "Kunde")
    bad = write_dataset(tmp_path / "bad", companies_frame(), responses)
    assert main(["validate", str(bad)]) == 1
    captured = capsys.readouterr()
    assert "valid" not in captured.out
    assert "responses.csv, row 4, column 'perspective': got 'Kunde'" in captured.err


# all at once and row numbering ---------------------------------------------------------


def test_every_problem_is_collected_at_once(tmp_path, capsys):
    companies = companies_frame(ids=("c1", "c2", "c2"))
    set_cell(companies, 2, "name", "")
    responses = responses_frame()
    set_cell(responses, 2, "oe_exp_1", "6")
    set_cell(responses, 2, "oe_exp_2", "abc")
    set_cell(responses, 3, "perspective", "staff")
    set_cell(responses, 4, "respondent_id", "r1")
    set_cell(responses, 6, "company_id", "c9")
    set_cell(responses, 7, "respondent_id", "")
    set_cell(responses, 9, "thr_oe_1", "2.5")
    folder = write_dataset(tmp_path / "ds", companies, responses)

    problems = problems_of(folder)
    assert set(by_place(problems)) == {
        ("companies.csv", 2, "name", ""),
        ("companies.csv", 4, "company_id", "c2"),
        ("responses.csv", 2, "oe_exp_1", "6"),
        ("responses.csv", 2, "oe_exp_2", "abc"),
        ("responses.csv", 3, "perspective", "staff"),
        ("responses.csv", 4, "respondent_id", "r1"),
        ("responses.csv", 6, "company_id", "c9"),
        ("responses.csv", 7, "respondent_id", ""),
        ("responses.csv", 9, "thr_oe_1", "2.5"),
    }
    assert all(p.expected for p in problems)
    assert_score_refuses(folder, tmp_path, capsys, problems)


def test_row_numbers_count_blank_lines_like_a_spreadsheet(tmp_path):
    folder = good_dataset(tmp_path / "ds")
    path = folder / "responses.csv"
    lines = path.read_text().splitlines(keepends=True)
    lines.insert(3, "\n")  # a spreadsheet shows this as an empty row 4
    lines[5] = lines[5].replace(",4,", ",9,", 1)  # r4 of c1, spreadsheet row 6
    path.write_text("".join(lines))

    problems = problems_of(folder)
    assert [where(p) for p in problems] == [("responses.csv", 6, "oe_exp_1", "9")]


# An xlsx is sized before pandas reads it: a sheet too large to hold is refused with its
# file, sheet and size, and never read (pandas.read_excel is watched, not run).


@pytest.fixture()
def read_excel_calls(monkeypatch):
    """The calls of pandas.read_excel (each one recorded; the call then fails)."""
    calls = []

    def watched(*args, **kwargs):
        calls.append(args)
        raise AssertionError("pandas.read_excel was called")

    monkeypatch.setattr(pd, "read_excel", watched)
    return calls


def _xlsx_dataset(tmp_path, *cells: str):
    """The good dataset with responses.xlsx, with a 1 written at each of ``cells``."""
    from openpyxl import load_workbook

    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(), excel=True)
    path = folder / "responses.xlsx"
    book = load_workbook(path)
    for cell in cells:
        book.active[cell] = 1
    book.save(path)
    return folder, path


def _set_dimension(path, ref: str | None) -> None:
    """Rewrite the first sheet's ``<dimension>`` element (``None``: remove it)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    xml, n = re.subn(r'<dimension ref="[^"]*"\s*/>',
                     "" if ref is None else f'<dimension ref="{ref}"/>', xml)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part, data in parts.items():
            archive.writestr(part, data)


def test_an_xlsx_declaring_a_far_cell_is_refused_unread(tmp_path, read_excel_calls):
    folder, path = _xlsx_dataset(tmp_path, "XFD1048576")
    size = path.stat().st_size
    problems = problems_of(folder)
    [p] = [p for p in problems if p.file == "responses.xlsx"]
    assert p.value == ("sheet 'Sheet1' declares cells up to XFD1048576 "
                       "(1,048,576 rows x 16,384 columns from A1)")
    assert "at most 1,000,000 rows, 2,000 columns and 10,000,000 cells" in p.expected
    assert read_excel_calls == []  # never read
    assert path.stat().st_size == size  # and the user's file is left as it was


@pytest.mark.parametrize("dimension", [None, "A1:B2"], ids=["missing", "wrong"])
@pytest.mark.parametrize("cell,value", [
    ("XFD1048576", "sheet 'Sheet1' has at least 1,000,001 rows"),
    ("XFD2", "sheet 'Sheet1' has at least 2 rows x 16,384 columns"),
    ("BXZ2", "sheet 'Sheet1' has at least 2 rows x 2,002 columns"),  # column 2,002
    # column 1,999 of row 5,100: within both, but 10,194,900 cells
    ("BXW5100", "sheet 'Sheet1' has at least 5,100 rows x 1,999 columns"),
])
def test_an_xlsx_whose_dimension_is_missing_or_wrong_is_sized_by_streaming(
        tmp_path, read_excel_calls, dimension, cell, value):
    folder, path = _xlsx_dataset(tmp_path, cell)
    _set_dimension(path, dimension)
    [p] = [p for p in problems_of(folder) if p.file == "responses.xlsx"]
    assert p.value == value and "at most" in p.expected
    assert read_excel_calls == []


def test_an_xlsx_within_the_limits_is_read_as_before(tmp_path):
    folder, path = _xlsx_dataset(tmp_path)
    _set_dimension(path, None)  # sized by streaming: small, so read
    assert load_dataset(folder).responses.shape[0] == 8


def test_an_xlsx_that_unpacks_too_large_is_refused_unread(tmp_path, read_excel_calls,
                                                          monkeypatch):
    from assessment.intake import workbook

    folder, path = _xlsx_dataset(tmp_path)
    monkeypatch.setattr(workbook, "MAX_XLSX_UNPACKED", 1000)  # as a zip bomb meets 500 MB
    [p] = [p for p in problems_of(folder) if p.file == "responses.xlsx"]
    assert p.value.endswith(" bytes unpacked") and "at most 1,000 bytes" in p.expected
    assert read_excel_calls == []


def test_data_on_another_sheet_than_the_first_names_the_sheets(tmp_path):
    from openpyxl import load_workbook

    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(), excel=True)
    path = folder / "responses.xlsx"
    book = load_workbook(path)
    book.active.title = "Answers"
    book.create_sheet("Notes", 0)  # an empty first sheet, the data second
    book.save(path)
    [p] = [p for p in problems_of(folder) if p.file == "responses.xlsx"]
    assert p.expected == ("at least one data row below the header on sheet 'Notes' (the "
                          "other sheets, 'Answers', are not read: choose one with --sheet "
                          "NAME or 'sheet: NAME' in settings.yaml)")
