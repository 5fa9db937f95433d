"""Files as they come from the real world: every case is read correctly or refused with a
message naming the file, row (as a spreadsheet numbers it), column or sheet; refused
through the command line with exit code 1, no traceback, and nothing written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from assessment import DatasetError, load_dataset
from assessment.cli import main
from assessment.intake.validate import MAX_SHOWN_PER_KIND

from .helpers_data import ITEMS, SETUP_ITEMS, companies_frame, responses_frame, write_dataset


def snapshot(folder) -> dict:
    return {p: p.stat().st_mtime_ns for p in sorted(folder.rglob("*"))}


def refused(folder, capsys, *extra: str) -> str:
    """validate and score both refuse the dataset: exit 1, no traceback, nothing written;
    returns what validate printed."""
    before = snapshot(folder)
    assert main(["validate", str(folder), *extra]) == 1
    text = capsys.readouterr().err
    out = folder.parent / "out"
    assert main(["score", str(folder), "--out", str(out), *extra]) == 1
    capsys.readouterr()
    assert "Traceback" not in text
    assert snapshot(folder) == before and not out.exists()
    return text


def csv_text(df: pd.DataFrame, sep: str = ",") -> str:
    return df.to_csv(index=False, sep=sep, lineterminator="\n")


def test_utf16_file_reads_like_utf8(tmp_path):
    plain = write_dataset(tmp_path / "plain", companies_frame(), responses_frame())
    folder = tmp_path / "utf16"
    write_dataset(folder, companies_frame(), responses_frame(), encoding="utf-16")
    assert (folder / "responses.csv").read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")
    got, want = load_dataset(folder).responses, load_dataset(plain).responses
    pd.testing.assert_frame_equal(got, want)


def test_utf16_file_with_a_bad_value_names_the_true_column(tmp_path, capsys):
    resp = responses_frame()
    resp.loc[1, "oe_exp_2"] = "7"
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp, encoding="utf-16")
    text = refused(folder, capsys)
    assert "responses.csv, row 3, column 'oe_exp_2': got '7'" in text


def test_trailing_empty_columns_are_left_out(tmp_path):
    plain = write_dataset(tmp_path / "plain", companies_frame(), responses_frame())
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    text = csv_text(responses_frame()).splitlines()
    (folder / "responses.csv").write_text("\n".join(line + ",,," for line in text) + "\n")
    pd.testing.assert_frame_equal(load_dataset(folder).responses,
                                  load_dataset(plain).responses)


def test_unnamed_column_with_values_names_its_cell(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    lines = csv_text(responses_frame()).splitlines()
    lines = [lines[0] + ","] + [ln + ("," if i != 2 else ",oops") for i, ln in
                                enumerate(lines[1:])]
    (folder / "responses.csv").write_text("\n".join(lines) + "\n")
    letter = _letter(4 + len(ITEMS))  # right of the id columns and the items
    text = refused(folder, capsys)
    assert f"responses.csv, row 1; expected a column name in cell {letter}1 (column " \
           f"{letter} has values, e.g. on row 4)" in text


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index + 1)


def test_trailing_delimiter_on_data_rows_does_not_shift_them(tmp_path):
    plain = write_dataset(tmp_path / "plain", companies_frame(), responses_frame())
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    lines = csv_text(responses_frame()).splitlines()
    (folder / "responses.csv").write_text(
        "\n".join([lines[0]] + [ln + "," for ln in lines[1:]]) + "\n")
    pd.testing.assert_frame_equal(load_dataset(folder).responses,
                                  load_dataset(plain).responses)


def test_extra_value_right_of_the_header_names_row_and_column(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    lines = csv_text(responses_frame()).splitlines()
    lines[5] += ",5"  # spreadsheet row 6
    (folder / "responses.csv").write_text("\n".join(lines) + "\n")
    text = refused(folder, capsys)
    last = ITEMS[-1]
    assert (f"responses.csv, row 6: got '5'; expected no value right of the last named "
            f"column ({last!r}, column {_letter(3 + len(ITEMS))})") in text
    assert "1 problem(s)" in text


def test_company_id_differing_only_in_case_suggests_the_listed_id(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(ids=("Shoes", "c2")),
                           responses_frame(company_ids=("shoes", "c2")))
    text = refused(folder, capsys)
    assert ("responses.csv, row 2, column 'company_id': got 'shoes'; expected a company_id "
            "listed in companies.csv (did you mean 'Shoes'? ids are compared exactly: upper "
            "and lower case differ)") in text


def _workbook(path, sheets: dict[str, pd.DataFrame | None], formulas=()) -> None:
    book = Workbook()
    book.remove(book.active)
    for title, frame in sheets.items():
        ws = book.create_sheet(title)
        if frame is None:
            continue
        ws.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            ws.append([int(v) if v.isdigit() else v for v in row])
    for title, cell, formula in formulas:
        book[title][cell] = formula
    book.save(path)


def test_data_on_a_second_sheet_is_named_and_read_with_sheet(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    _workbook(folder / "responses.xlsx", {"Notes": None, "Answers": responses_frame()})
    text = refused(folder, capsys)
    assert ("responses.xlsx; expected at least one data row below the header on sheet "
            "'Notes' (the other sheets, 'Answers', are not read: choose one with --sheet "
            "NAME or 'sheet: NAME' in settings.yaml)") in text
    assert main(["validate", str(folder), "--sheet", "Answers"]) == 0
    assert "8 respondents" in capsys.readouterr().out
    (folder / "settings.yaml").write_text("sheet: Answers\n")
    assert len(load_dataset(folder).responses) == 8


def test_unknown_sheet_lists_the_sheets(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    _workbook(folder / "responses.xlsx", {"Answers": responses_frame()})
    text = refused(folder, capsys, "--sheet", "Data")
    assert "responses.xlsx: got 'Data'; expected the name of a sheet of the workbook: " \
           "'Answers'" in text


def test_problems_in_a_sheet_name_the_sheet(tmp_path, capsys):
    resp = responses_frame()
    resp.loc[2, "oe_exp_3"] = "9"
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    _workbook(folder / "responses.xlsx", {"Notes": None, "Answers": resp})
    text = refused(folder, capsys, "--sheet", "Answers")
    assert "responses.xlsx, sheet 'Answers', row 4, column 'oe_exp_3': got '9'" in text


def test_formula_without_a_stored_result_is_an_error_with_its_cell(tmp_path, capsys):
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    column = _letter(4 + ITEMS.index("oe_exp_2"))
    _workbook(folder / "responses.xlsx", {"Answers": responses_frame()},
              formulas=[("Answers", f"{column}5", "=2+2")])
    text = refused(folder, capsys)
    assert (f"responses.xlsx, sheet 'Answers', row 5, column 'oe_exp_2'; expected a stored "
            f"result for the formula in cell {column}5") in text
    assert "1 problem(s)" in text


def test_header_line_over_131072_characters_is_read(tmp_path):
    extra = [f"tool_column_{k:06d}" for k in range(8000)]
    resp = responses_frame()
    resp = pd.concat([resp, pd.DataFrame("", index=resp.index, columns=extra)], axis=1)
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp, sep=";",
                           settings={"ignore_columns": extra})
    assert len((folder / "responses.csv").read_text().splitlines()[0]) > 131_072
    assert len(load_dataset(folder).responses) == 8


def test_problem_count_is_the_true_count_when_capped(tmp_path, capsys):
    resp = responses_frame(company_ids=("c1",), n=400, answer=9)
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp)
    cells = sum((resp[i] != "").sum() for i in ITEMS)
    assert cells > MAX_SHOWN_PER_KIND
    with pytest.raises(DatasetError) as err:
        load_dataset(folder)
    assert err.value.total == cells
    text = refused(folder, capsys)
    assert text.splitlines()[0] == f"error: {cells} problem(s) in the dataset; nothing was " \
                                   "written."
    assert f"{cells - MAX_SHOWN_PER_KIND:,} more answers outside 1 to 5 are not listed " \
           f"({cells:,} in all)" in text


def test_qualtrics_header_rows_are_named_as_header_rows(tmp_path, capsys):
    resp = responses_frame()
    texts = {c: f"Question text for {c}, as the survey showed it" for c in resp.columns}
    codes = {c: '{"ImportId":"' + c + '"}' for c in resp.columns}
    resp = pd.concat([pd.DataFrame([texts, codes]), resp], ignore_index=True)
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp)
    text = refused(folder, capsys)
    assert "2 problem(s)" in text
    assert ("responses.csv, row 2; expected a respondent's answers; this row holds question "
            "texts, a second header row as Qualtrics exports write it") in text
    assert "responses.csv, row 3; expected a respondent's answers; this row holds ImportId " \
           "codes" in text
    assert "--format qualtrics" in text


def test_tool_metadata_columns_point_to_format_and_ignore_columns(tmp_path, capsys):
    resp = responses_frame()
    resp.insert(0, "StartDate", "2026-01-05 10:00:00")
    resp.insert(1, "ResponseId", [f"R_{k}" for k in range(len(resp))])
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp)
    text = refused(folder, capsys)
    assert ("responses.csv, row 1, column 'StartDate': got 'StartDate'; expected an item id "
            "or one of ['company_id', 'respondent_id', 'perspective', 'department'] / "
            "'wave' ('StartDate' looks like a Qualtrics or LimeSurvey or SurveyMonkey "
            "metadata column: read the export with 'python -m assessment import EXPORT "
            "--into DATASET' --format ..., or list the column under ignore_columns in "
            "settings.yaml)") in text
    assert "column 'ResponseId'" in text and "2 problem(s)" in text


def test_label_answers_point_to_the_label_mapping(tmp_path, capsys):
    resp = responses_frame()
    resp.loc[3, "ci_exp_1"] = "Strongly agree"
    folder = write_dataset(tmp_path / "ds", companies_frame(), resp)
    text = refused(folder, capsys)
    assert ("responses.csv, row 5, column 'ci_exp_1': got 'Strongly agree'; expected a whole "
            "number from 1 to 5, or blank for not answered ('Strongly agree' looks like an "
            "answer label: a survey tool's export with labels is read by 'python -m "
            "assessment import EXPORT --into DATASET', which maps the labels to numbers)"
            ) in text


def test_limesurvey_export_without_item_columns_is_refused_without_traceback(tmp_path,
                                                                              capsys):
    export = pd.DataFrame({
        "id": ["1", "2"], "submitdate": ["2026-01-05 10:00:00"] * 2, "lastpage": ["2"] * 2,
        "startlanguage": ["en"] * 2, "seed": ["123", "456"],
        "Q1[SQ001]": ["A5", "A4"], "Q1[SQ002]": ["A3", "A2"]})
    folder = write_dataset(tmp_path / "ds", companies_frame(), export)
    text = refused(folder, capsys)
    assert ("responses.csv, row 1; expected columns named by item ids (such as 'oe_exp_1'); "
            "none of the file's 7 columns is one") in text
    assert "column 'submitdate': got 'submitdate'" in text and "LimeSurvey" in text


def test_blank_lines_and_spaces_keep_rows_and_values(tmp_path, capsys):
    resp = responses_frame()
    resp.loc[4, "oe_exp_1"] = " 7 "
    folder = write_dataset(tmp_path / "ds", companies_frame(), None)
    lines = csv_text(resp).splitlines()
    lines.insert(3, "")  # spreadsheet row 4 is empty: the next rows keep their numbers
    (folder / "responses.csv").write_text("\n".join(lines) + "\n")
    text = refused(folder, capsys)
    assert "responses.csv, row 7, column 'oe_exp_1': got '7'" in text


def test_fast_and_exact_csv_paths_read_the_same(tmp_path):
    from assessment.intake import read

    resp = responses_frame(answer=lambda r, j: (r * 7 + j) % 5 + 1)
    resp.loc[1, "oe_exp_1"] = "4.0"
    text = csv_text(resp)
    fast = read._read_csv_fast(text.encode(), ",", list(resp.columns))
    exact = read._read_csv_exact(text, ",", "x.csv", [])
    assert fast is not None and exact is not None
    a, b = fast[0], exact[0]
    a.columns = b.columns
    pd.testing.assert_frame_equal(a, b, check_index_type=False)
    assert set(SETUP_ITEMS) <= set(resp.columns)


def test_answers_read_from_arrow_buffers_equal_to_numeric():
    from assessment.intake.answers import _digits

    cells = ["1", "", "5", "0", "9", "3", ""] * 50
    column = pd.Series(cells, dtype="str")
    want = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    got = _digits(column)
    assert got is not None
    assert np.array_equal(got, want, equal_nan=True)
    for other in (["12", "3"], ["a", "3"], [" 3", "4"]):  # left to pandas
        assert _digits(pd.Series(other, dtype="str")) is None
