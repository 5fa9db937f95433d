"""A small hostile dataset and one shared batch run for the batch and browser tests.

The dataset copies three sample companies and adds companies with hostile names and ids
(``<img src=x onerror=alert(1)>``, ``</script><script>alert(1)</script>``, ``../../etc``,
``!!!``) and one whose report fails on purpose: a copy of the real report notebook with an
injected cell that raises for that company only.

The batch runs once per test session (through the command line, as a user runs it) and
both test modules read its output folder.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pandas as pd

from assessment.cli import main

from .conftest import ROOT, SAMPLE

NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
HOSTILE_IMG = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
HOSTILE_INDUSTRY = "<svg onload=alert(2)>"
HOSTILE_FORMULA = "=HYPERLINK(\"http://example.invalid\",\"click\")"  # a spreadsheet formula
FAIL_ID = "failco"
FAIL_MESSAGE = "report failed on purpose for <b>failco</b>"
FAIL_LINE = f"if company_id == {FAIL_ID!r}:  # injected by the tests"
# company_id -> (name, industry, sample company whose answers it copies)
COMPANIES = {
    "pcmaker": None,
    "shoes": None,
    "airline": None,
    "../../etc": (HOSTILE_IMG, HOSTILE_INDUSTRY, "shoes"),
    "!!!": (HOSTILE_SCRIPT, "Retail", "airline"),
    FAIL_ID: ("Failing & Sons", HOSTILE_FORMULA, "pcmaker"),
}
OK_IDS = [c for c in COMPANIES if c != FAIL_ID]


def write_small_dataset(folder: Path, companies: dict = COMPANIES) -> Path:
    """Copy sample companies (and copies of them under new ids and names) into ``folder``."""
    comp = pd.read_csv(SAMPLE / "companies.csv", dtype=str, keep_default_na=False)
    resp = pd.read_csv(SAMPLE / "responses.csv", dtype=str, keep_default_na=False)
    comp_rows, resp_parts = [], []
    for cid, spec in companies.items():
        source = cid if spec is None else spec[2]
        row = comp[comp["company_id"] == source].iloc[0].copy()
        row["company_id"] = cid
        if spec is not None:
            row["name"], row["industry"] = spec[0], spec[1]
        comp_rows.append(row)
        resp_parts.append(resp[resp["company_id"] == source].assign(company_id=cid))
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(comp_rows).to_csv(folder / "companies.csv", index=False)
    pd.concat(resp_parts).to_csv(folder / "responses.csv", index=False)
    return folder


def write_failing_notebook(path: Path, fail_id: str = FAIL_ID) -> tuple[Path, int]:
    """A copy of the report notebook that raises for ``fail_id``; returns the path and the
    index of the injected cell (right after the setup cells)."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    position = 1 + max(i for i, c in enumerate(nb.cells)
                       if "remove-cell" in c.metadata.get("tags", []) or
                       "parameters" in c.metadata.get("tags", []))
    cell = nbformat.v4.new_code_cell(
        f"if company_id == {fail_id!r}:  # injected by the tests\n"
        f"    raise RuntimeError({FAIL_MESSAGE!r})")
    nb.cells.insert(position, cell)
    nbformat.write(nb, path)
    return path, position


def write_tiny_notebook(path: Path, body: str = "print(company_id)") -> Path:
    """A fast report notebook: the parameters cell and one cell of ``body``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell(
        'dataset = ""\ncompany_id = ""\nlang = "en"\nshow_items = True\nwave = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(body)]
    nbformat.write(nb, path)
    return path


@dataclass
class BatchRun:
    """The shared run: its inputs, output folder, exit code and printed output."""

    base: Path
    dataset: Path
    notebook: Path
    fail_cell: int
    out: Path
    exit_code: int
    stdout: str
    stderr: str


_RUNS: dict[str, BatchRun] = {}


def shared_batch_run(tmp_path_factory) -> BatchRun:
    """Run ``python -m assessment reports`` once per session on the small hostile dataset."""
    if "run" not in _RUNS:
        base = tmp_path_factory.mktemp("batch")
        dataset = write_small_dataset(base / "data")
        notebook, fail_cell = write_failing_notebook(base / "failing_report.ipynb")
        out = base / "reports"
        stdout, stderr = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["reports", str(dataset), "--out", str(out), "--notebook",
                         str(notebook), "--jobs", "2"])
        _RUNS["run"] = BatchRun(base, dataset, notebook, fail_cell, out, code,
                                stdout.getvalue(), stderr.getvalue())
    return _RUNS["run"]
