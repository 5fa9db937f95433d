"""The files the package writes: one CSV writer that never lets a cell start like a
spreadsheet formula, and ``score``'s files written all or none."""

from __future__ import annotations

import csv
import errno
import io
import os
import tempfile
from pathlib import Path

import pytest

import assessment as va
from assessment import files
from assessment.files import FORMULA_START, atomic_write_bytes, csv_safe, csv_text
from assessment.present.summary import build_summary, scores_table, write_outputs
from assessment.run.jobs import CompanyReport
from assessment.run.store import write_summary

from .helpers_data import companies_frame, responses_frame, write_dataset

HOSTILE_IDS = ['=HYPERLINK("http://evil.example","click")', "+1", "-cmd", "@x", "plain"]
HOSTILE_NAMES = ["@SUM(A1)", "-2+3+cmd|' /C calc'!A0", "=1+1", "+49 30 123", "Fine GmbH"]
HOSTILE_WAVE = "@2026"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> tuple[va.Dataset, va.Scores, dict]:
    """A valid dataset whose ids, names and one wave start like formulas, with answers
    that give negative lens gaps."""
    folder = tmp_path_factory.mktemp("hostile") / "data"
    responses = responses_frame(HOSTILE_IDS, n=12, waves=[HOSTILE_WAVE, "2026-Q1"],
                                answer=lambda i, j: 1 + (i + j) % 5)
    write_dataset(folder, companies_frame(HOSTILE_IDS, HOSTILE_NAMES), responses,
                  settings={"thresholds": {"min_group_size": 3}})  # 3 staff shown
    ds = va.load_dataset(folder)
    scores = va.score(ds)
    return ds, scores, va.diagnose(scores)


def read_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def assert_no_formula(rows: list[list[str]]) -> None:
    """No text cell starts with a formula character (a number such as -0.42 may)."""
    bad = [c for row in rows for c in row if c.startswith(FORMULA_START) and not is_number(c)]
    assert not bad, bad


def test_score_outputs_hold_no_formula_and_numbers_stay_numbers(hostile, tmp_path):
    ds, scores, diagnoses = hostile
    write_outputs(tmp_path, ds, scores, diagnoses)
    table = read_cells(tmp_path / "scores.csv")
    assert_no_formula(table)
    head, body = table[0], table[1:]
    ids = {r[head.index("company_id")] for r in body}
    assert ids == {csv_safe(i) for i in HOSTILE_IDS}  # the text is kept, only escaped
    assert {r[head.index("wave")] for r in body} == {"'@2026", "2026-Q1"}
    expected = scores_table(scores)
    got = [float(r[head.index("mean")]) if r[head.index("mean")] else None for r in body]
    want = [None if m != m else round(m, 4) for m in expected["mean"]]
    assert got == pytest.approx(want)
    findings = read_cells(tmp_path / "findings.csv")
    assert_no_formula(findings)
    assert {r[0] for r in findings[1:]} >= {"'-cmd", "'+1"}


def test_batch_summary_csv_holds_no_formula_and_negative_gaps_stay_numbers(hostile,
                                                                          tmp_path):
    ds, scores, diagnoses = hostile
    summary = build_summary(ds, scores, diagnoses, "en")
    reports = {c: CompanyReport(c, "s", "failed", error="=ERR()")
               for c in ds.companies["company_id"]}
    _json, path = write_summary(tmp_path, summary, reports, ds, diagnoses, "en",
                                Path("report.ipynb"), False)
    table = read_cells(path)
    assert_no_formula(table)
    head, body = table[0], table[1:]
    names = {r[head.index("name")] for r in body}
    assert names == {csv_safe(n) for n in HOSTILE_NAMES}
    assert {r[head.index("report_error")] for r in body} == {"'=ERR()"}
    gaps = [(entry["lens_gaps"], row) for entry, row in zip(summary["companies"], body,
                                                           strict=True)]
    negative = 0
    for by_discipline, row in gaps:
        for d, value in by_discipline.items():
            cell = row[head.index(f"gap_{d}")]
            assert float(cell) == pytest.approx(value, abs=5e-4)
            negative += cell.startswith("-")
    assert negative  # a real number keeps its minus sign


def test_csv_writer_escapes_text_only():
    text = csv_text(["id", "gap", "n"], [["-cmd", -0.42, 3], ["\rx", None, float("nan")],
                                         ["-1", -1, True], ["\tx", 0.5, 0]])
    rows = list(csv.reader(io.StringIO(text, newline="")))
    # text starting like a formula (a tab, a carriage return, a minus) is escaped, even
    # when it reads as a number; real numbers keep their sign; NaN and None are blank
    assert rows == [["id", "gap", "n"], ["'-cmd", "-0.42", "3"], ["'\rx", "", ""],
                    ["'-1", "-1", "True"], ["'\tx", "0.5", "0"]]


# -- all or none -----------------------------------------------------------------------------


@pytest.fixture
def earlier_run(hostile, tmp_path) -> tuple[Path, dict[str, bytes]]:
    """The files of an earlier run (of another dataset: every file differs from a rerun's)."""
    write_outputs(tmp_path, *hostile, "en")
    return tmp_path, {p.name: p.read_bytes() for p in tmp_path.iterdir()}


def _rerun_in_german(out: Path) -> None:
    ds = va.load_dataset("data/sample")
    scores = va.score(ds)
    write_outputs(out, ds, scores, va.diagnose(scores), "de")


def test_score_writes_all_files_or_none_when_one_cannot_be_written(earlier_run, monkeypatch):
    out, before = earlier_run
    real = tempfile.mkstemp

    def full_disk_for_findings(*args, **kwargs):
        if kwargs.get("prefix", "").startswith(".findings.csv"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(files.tempfile, "mkstemp", full_disk_for_findings)
    with pytest.raises(OSError, match="No space"):
        _rerun_in_german(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no temporaries left
    monkeypatch.undo()
    _rerun_in_german(out)  # and the same call succeeds: every file is new
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(after) == set(before)
    assert all(after[name] != before[name] for name in before)


def test_a_failed_rename_puts_the_files_already_renamed_back(earlier_run, monkeypatch):
    out, before = earlier_run
    real = os.replace

    def refuse_summary(src, dst, *args, **kwargs):
        if Path(dst).name == "summary.json" and str(src).endswith(".tmp"):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(files.os, "replace", refuse_summary)
    with pytest.raises(PermissionError):
        _rerun_in_german(out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_first_run_that_fails_leaves_no_file(tmp_path, monkeypatch):
    def fail(path, data):
        if path.name == "summary.json":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data)

    real = files._write_temp
    monkeypatch.setattr(files, "_write_temp", fail)
    with pytest.raises(OSError):
        _rerun_in_german(tmp_path / "new")
    assert list((tmp_path / "new").iterdir()) == []


def test_a_symbolic_link_is_written_through_and_keeps_its_mode(tmp_path):
    target = tmp_path / "shared" / "data.csv"
    target.parent.mkdir()
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "data.csv"
    link.symlink_to(target)
    atomic_write_bytes(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["data.csv"]
