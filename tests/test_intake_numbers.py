"""Answer columns read as numbers: a plain CSV whose answer cells are all blank or whole
numbers on the scale gives them to the validation as float32 without making text of every
cell; anything else in them (a label, a decimal, a number off the scale, a header row) is
read as text, so every problem still names the cell as the file has it.

Each test compares with the text path (``numbers=None``), which the rest of the intake tests
cover cell by cell.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from assessment import DatasetError, load_dataset
from assessment.intake.read import read_table

from .helpers_data import ITEMS, companies_frame, responses_frame, set_cell, write_dataset

NUMBERS = (set(ITEMS), 1, 5)


def _read(path, numbers=NUMBERS):
    problems = []
    table = read_table(path, problems, numbers=numbers)
    assert problems == []
    return table


def _varied(row: int, item: int) -> int:
    return 1 + (row * 7 + item * 3) % 5


def test_whole_answers_come_as_float32_with_nan_for_blank(tmp_path):
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(answer=_varied))
    path = folder / "responses.csv"
    typed, text = _read(path), _read(path, numbers=None)

    assert typed["oe_exp_1"].dtype == np.float32
    assert text["oe_exp_1"].dtype != np.float32
    assert typed["company_id"].dtype == text["company_id"].dtype  # the others stay text
    assert list(typed.index) == list(text.index) == list(range(2, 10))
    for item in ITEMS:  # the same values: blank is NaN, "3" is 3.0
        expected = pd.to_numeric(text[item].replace("", np.nan)).astype(np.float32)
        np.testing.assert_array_equal(typed[item].to_numpy(), expected.to_numpy())
    assert typed["ci_set_1"].isna().sum() == 4  # customers leave set-up items blank


def test_the_dataset_is_the_same_either_way(tmp_path, monkeypatch):
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(answer=_varied))
    typed = load_dataset(folder)
    import assessment.intake.dataset as dataset

    monkeypatch.setattr(dataset, "_answer_columns", lambda *args: None)
    text = load_dataset(folder)
    pdt.assert_frame_equal(typed.responses, text.responses)
    assert typed.warnings == text.warnings


@pytest.mark.parametrize("value, expected", [
    ("07", "07"),      # off the scale: the problem shows the cell as written
    ("0", "0"),
    ("3.5", "3.5"),    # not whole
    ("agree", "agree"),  # a label
    ("+3", None),      # a number pyarrow does not read as one, valid for the text path
])
def test_any_other_answer_is_read_as_text_and_named_as_written(tmp_path, value, expected):
    responses = responses_frame(answer=_varied)
    set_cell(responses, 5, "pl_exp_2", value)
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses)
    table = _read(folder / "responses.csv")
    assert table["pl_exp_2"].dtype != np.float32
    assert table.loc[5, "pl_exp_2"] == value
    if expected is None:
        assert load_dataset(folder).responses.loc[3, "pl_exp_2"] == 3.0
        return
    with pytest.raises(DatasetError) as err:
        load_dataset(folder)
    assert [(p.file, p.row, p.column, p.value) for p in err.value.problems] == [
        ("responses.csv", 5, "pl_exp_2", expected)]


def test_a_row_of_separators_keeps_the_numbering(tmp_path):
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(answer=_varied))
    path = folder / "responses.csv"
    lines = path.read_text().splitlines()
    width = lines[0].count(",")
    lines.insert(3, "," * width)  # row 4 is empty; the respondent after it is on row 5
    path.write_text("\n".join(lines) + "\n")

    typed, text = _read(path), _read(path, numbers=None)
    assert typed["oe_exp_1"].dtype == np.float32
    assert list(typed.index) == list(text.index) == [2, 3, *range(5, 11)]
    assert typed.loc[5, "respondent_id"] == "r3"
    assert load_dataset(path.parent).responses["row"].tolist() == [2, 3, *range(5, 11)]


def test_spaces_around_cells_are_read_as_text_and_stripped(tmp_path):
    folder = write_dataset(tmp_path / "ds", companies_frame(), responses_frame(answer=_varied))
    path = folder / "responses.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(",", ", ")
    path.write_text("\n".join(lines) + "\n")
    table = _read(path)
    assert table["oe_exp_1"].dtype != np.float32
    assert table.loc[2, "company_id"] == "c1"
    expected = load_dataset(folder).responses
    assert expected.loc[0, "oe_exp_1"] == float(_varied(0, ITEMS.index("oe_exp_1")))
