"""The command line on the sample data: files, columns, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

import assessment as va
from assessment.cli import main

from .conftest import ROOT, SAMPLE


def test_score_writes_scores_findings_and_summary(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["score", str(SAMPLE), "--out", str(out), "--lang", "de"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "scores.csv",
                                                     "summary.json"]
    scores = pd.read_csv(out / "scores.csv", dtype={"company_id": str, "wave": str})
    for col in ["company_id", "discipline", "lens", "perspective", "mean", "n", "sd",
                "ci_low", "ci_high", "rwg", "instrument_version"]:
        assert col in scores.columns
    core = scores[scores["section"] == "disciplines"]
    assert set(core["lens"]) == {"experience", "setup", "threshold"}
    integration = scores[scores["section"] == "integration"]
    assert {"roles", "participation", "motives", "self_service", "crm"} <= set(integration["lens"])
    assert "co_developer" in set(integration["discipline"])
    shown = scores[scores["shown"]]
    assert ((shown["mean"] >= 1) & (shown["mean"] <= 5)).all()
    assert (shown["ci_low"] <= shown["mean"]).all() and (shown["mean"] <= shown["ci_high"]).all()

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    version = va.load_dataset(SAMPLE).instrument.version  # the version the sample carries
    assert version == "1.0.0"
    assert summary["instrument_version"] == version and summary["lang"] == "de"
    companies = {c["company_id"]: c for c in summary["companies"]}
    assert len(companies) >= 7
    pc = companies["pcmaker"]
    assert pc["instrument_version"] == version
    assert pc["lenses"]["experience"]["leader"] == "customer_intimacy"
    assert pc["lenses"]["setup"]["verdict"] == "leader"
    assert pc["lens_mismatch"] is True
    assert pc["experience_source"] == "outside_in"
    assert set(pc["lens_gaps"]) == set(va.DISCIPLINES)
    assert pc["department_alignment"] is True
    assert companies["splitco"]["department_alignment"] is False
    assert companies["chips"]["experience_source"] == "inside_out"
    assert {"lens_mismatch", "unbacked_promise"} <= {f["code"] for f in pc["findings"]}
    assert pc["integration"]["claimed_discipline"] == "operational_excellence"
    assert "co_developer" in pc["integration"]["roles"]
    assert "Kundennähe" in json.dumps(pc["findings"], ensure_ascii=False)
    findings = pd.read_csv(out / "findings.csv")
    assert (findings["instrument_version"].astype(str) == version).all()
    assert "pcmaker: experience leader" in capsys.readouterr().out


def test_validate_prints_summary(capsys):
    assert main(["validate", str(SAMPLE)]) == 0
    assert "valid" in capsys.readouterr().out


def test_module_entry_point_runs():
    res = subprocess.run([sys.executable, "-m", "assessment", "--help"], capture_output=True,
                         text=True, cwd=ROOT, check=False)
    assert res.returncode == 0 and "validate" in res.stdout and "score" in res.stdout


def test_missing_dataset_is_a_clear_error(tmp_path, capsys):
    assert main(["score", str(tmp_path / "nope"), "--out", str(tmp_path / "o")]) == 1
    assert "a dataset folder" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_an_output_folder_that_cannot_be_written_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for command in ("score", "reports"):
        code = main([command, str(SAMPLE), "--out", str(blocker / "out")])
        err = capsys.readouterr().err
        assert code == 1, command
        assert "Traceback" not in err
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: ") and "a-file" in lines[0]
    assert blocker.read_text() == "not a folder"


def test_several_argument_problems_are_one_line_each(capsys):
    code = main(["reports", str(SAMPLE), "--jobs", "-2", "--timeout", "0",
                 "--companies", ",,,"])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert [ln.split(":")[1].split()[0] for ln in err.splitlines()] == [
        "jobs", "timeout", "companies"]
