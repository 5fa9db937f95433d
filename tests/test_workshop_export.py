"""The workshop's export into the user's own dataset files: nothing there is lost or
changed. Existing rows keep their bytes, a symbolic link stays a link, a file open in an
office program or a workbook with formulas is not written, and a value that a spreadsheet
would run as a formula is refused (not escaped, which would change it)."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

import assessment as va
from assessment.files import FORMULA_START
from assessment.workshop.app import Workshop
from assessment.workshop.errors import WorkshopError

from .helpers_data import companies_frame, responses_frame, write_dataset


def cells_of(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def test_appended_rows_keep_the_bytes_before_them_and_hold_no_formula(tmp_path):
    responses = responses_frame(["c1"], n=2, waves=["2026-Q1"])
    responses.loc[1, "department"] = "-Sales, \"North\""  # the user's own text stays as is
    folder = write_dataset(tmp_path / "d", companies_frame(["c1"]), responses)
    path = folder / "responses.csv"
    before = path.read_bytes().rstrip(b"\n")  # no final line break: one is added first
    path.write_bytes(before)
    ws = Workshop(folder, "c1", resume="new", department="Vertrieb")
    ws.set_answer("oe_exp_1", 4)
    assert ws.export().appended
    after = path.read_bytes()
    assert after.startswith(before + b"\n")
    new = cells_of(after[len(before) + 1:])
    assert len(new) == 1 and not [c for c in new[0] if c.startswith(FORMULA_START)]
    table = cells_of(after)
    assert table[2][table[0].index("department")] == "-Sales, \"North\""
    ws.close()


def test_a_team_consensus_is_exported_with_its_number_of_participants(tmp_path):
    with_column = responses_frame(["c1"], n=2, waves=["2026-Q1"]).assign(participants="")
    for responses in (with_column, responses_frame(["c1"], n=2, waves=["2026-Q1"])):
        folder = write_dataset(tmp_path / str(len(responses.columns)), companies_frame(["c1"]),
                               responses)
        path = folder / "responses.csv"
        before = path.read_bytes()
        ws = Workshop(folder, "c1", resume="new")
        ws.set_answer("oe_exp_1", 4)
        ws.set_team_size(7)
        assert len(ws.export().appended) == 1
        after = path.read_bytes()
        assert after.startswith(before)  # the header and the rows before stay as they were
        table = cells_of(after)
        assert table[0] == list(responses.columns) and len(table[-1]) == len(table[0])
        new = dict(zip(table[0], table[-1], strict=True))
        assert new["perspective"] == "team" and new["oe_exp_1"] == "4"
        assert new.get("participants", "no column") == (
            "7" if "participants" in responses else "no column")
        assert va.load_dataset(folder).responses["participants"].iloc[-1] == (
            7 if "participants" in responses else pytest.approx(float("nan"), nan_ok=True))
        ws.close()


def test_a_wave_or_company_id_that_starts_like_a_formula_is_refused(tmp_path):
    folder = write_dataset(tmp_path / "d", companies_frame(["c1", "-cmd"]),
                           responses_frame(["c1"], n=2, waves=["2026-Q1"]))
    path = folder / "responses.csv"
    before = path.read_bytes()
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    with pytest.raises(WorkshopError, match=r"wave must not start with .*formula"):
        ws.set_wave("@2026")  # refused when it is typed, before anything is saved
    assert ws.state.wave != "@2026"
    assert path.read_bytes() == before
    ws.set_wave("2026-Q2")
    assert ws.export().appended  # the answers were kept: exported once the wave is fixed
    ws.close()
    before = path.read_bytes()
    ws = Workshop(folder, "-cmd", resume="new")
    ws.set_answer("oe_exp_1", 4)
    with pytest.raises(WorkshopError, match=r"company_id '-cmd'.*formula"):
        ws.export()
    assert path.read_bytes() == before
    assert not [c for row in cells_of(before) for c in row if c.startswith(FORMULA_START)]
    ws.close()


def test_a_symlinked_responses_file_is_written_through_to_its_target(tmp_path):
    folder = write_dataset(tmp_path / "d", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2))
    shared = tmp_path / "shared" / "responses.csv"
    shared.parent.mkdir()
    (folder / "responses.csv").rename(shared)
    (folder / "responses.csv").symlink_to(shared)
    before = shared.read_bytes()
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    assert ws.export().appended
    assert (folder / "responses.csv").is_symlink()
    assert (folder / "responses.csv").resolve() == shared.resolve()
    after = shared.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == before.count(b"\n") + 1
    assert sorted(p.name for p in shared.parent.iterdir()) == ["responses.csv"]
    assert len(va.load_dataset(folder).responses) == 3
    ws.close()


@pytest.mark.parametrize(("excel", "lock_name"), [(False, ".~lock.responses.csv#"),
                                                  (True, "~$responses.xlsx")])
def test_a_file_open_in_an_office_program_is_not_written(tmp_path, excel, lock_name):
    folder = write_dataset(tmp_path / "d", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2), excel=excel)
    path = folder / ("responses.xlsx" if excel else "responses.csv")
    before = path.read_bytes()
    (folder / lock_name).write_bytes(b"someone,host,time;")
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    with pytest.raises(WorkshopError, match=rf"{path.name} is open in an office program"):
        ws.export()
    assert path.read_bytes() == before
    (folder / lock_name).unlink()  # closed in the office program: the export goes through
    assert ws.export().appended
    ws.close()


def _with_cached_result(path: Path, formula: str, value: str) -> None:
    """Store the result Excel would have computed for ``formula`` (openpyxl writes none)."""
    with zipfile.ZipFile(path) as zin:
        parts = {name: zin.read(name) for name in zin.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    # an empty value element, as the standard library's XML writer ("<v />") or lxml's
    # ("<v></v>") writes it: openpyxl uses whichever is installed
    empty = re.compile(rf"<f>{re.escape(formula)}</f>(<v ?/>|<v></v>)".encode())
    parts[sheet], found = empty.subn(f"<f>{formula}</f><v>{value}</v>".encode(), parts[sheet])
    assert found == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in parts.items():
            zout.writestr(name, data)


def test_a_workbook_with_formulas_is_refused_and_keeps_their_values(tmp_path):
    folder = write_dataset(tmp_path / "d", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2), excel=True)
    path = folder / "responses.xlsx"
    wb = load_workbook(path)
    sheet = wb.worksheets[0]
    header = [c.value for c in sheet[1]]
    source = sheet.cell(3, header.index("oe_exp_1") + 1).coordinate
    target = sheet.cell(3, header.index("oe_exp_2") + 1)
    target.value = f"=6-{source}"  # how a user recodes a reverse-keyed answer
    wb.save(path)
    _with_cached_result(path, f"6-{source}", "2")
    assert va.load_dataset(folder).responses["oe_exp_2"].tolist()[1] == 2
    before = path.read_bytes()
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    where = f"Sheet1!{target.coordinate}"
    with pytest.raises(WorkshopError, match=rf"responses.xlsx.*formulas.*{where}"):
        ws.export()
    assert path.read_bytes() == before
    assert va.load_dataset(folder).responses["oe_exp_2"].tolist()[1] == 2
    ws.close()


def test_a_workbook_too_large_to_read_is_refused_before_it_is_loaded(tmp_path):
    """A small file declaring a cell at XFD1048576 would grow to gigabytes in memory."""
    from openpyxl import Workbook

    from assessment.workshop.export import _excel_rows

    wb = Workbook()
    wb.active.append(["company_id", "respondent_id"])
    wb.active["XFD1048576"] = 1
    path = tmp_path / "responses.xlsx"
    wb.save(path)
    with pytest.raises(WorkshopError, match="nothing was written to responses.xlsx: .*XFD1048576"):
        _excel_rows(path)


def test_a_program_holding_the_csv_open_keeps_writing_into_it(tmp_path):
    folder = write_dataset(tmp_path / "d", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2))
    path = folder / "responses.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    other = path.open("a", encoding="utf-8", newline="")  # e.g. a sync client's handle
    link = tmp_path / "hard-link.csv"
    link.hardlink_to(path)
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    assert ws.export().appended
    row = dict.fromkeys(header, "")
    row.update(respondent_id="later", company_id="c1", perspective="internal", oe_exp_1="2")
    other.write(",".join(row[h] for h in header) + "\n")
    other.close()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 2 + 1 + 1  # header, the two rows, the workshop's, the later one
    assert "later" in lines[-1].split(",")
    assert link.read_bytes() == path.read_bytes()  # still one file
    assert len(va.load_dataset(folder).responses) == 4
    ws.close()


def test_a_failed_append_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    from assessment import files as files_mod

    path = tmp_path / "t.csv"
    path.write_bytes(b"id,n\na,1")  # no final line break
    before = path.read_bytes()
    real_write = files_mod.os.write

    def half_then_full_disk(fd, data):
        real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files_mod.os, "write", half_then_full_disk)
    with pytest.raises(OSError, match="No space left"):
        files_mod.append_csv_rows(path, [["b", "2"], ["c", "3"]])
    monkeypatch.undo()
    assert path.read_bytes() == before
