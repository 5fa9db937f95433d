"""The workshop notebook: committed clean and thin, and it runs headless with papermill on a
copy of the sample dataset (nothing is written into data/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "workshop.ipynb"
SAMPLE = ROOT / "data" / "sample"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

import papermill  # noqa: E402


def test_notebook_is_committed_clean_and_thin():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert list(papermill.inspect_notebook(str(NOTEBOOK))) == ["dataset", "company_id", "lang",
                                                               "mode"]
    assert len(code) == 2 and all(len(c.source.splitlines()) <= 6 for c in code)
    assert "Workshop(" in code[1].source


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("company_id", "lang", "mode"), [("pcmaker", "nl", "team"),
                                                          ("", "de", "individual")])
def test_notebook_runs_headless(tmp_path, company_id, lang, mode):
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("workshops", ".*.lock"))
    sample_before = sorted(p.name for p in SAMPLE.iterdir())
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOK), str(out), cwd=str(NOTEBOOK.parent), kernel_name="python3",
        parameters={"dataset": str(data), "company_id": company_id, "lang": lang,
                    "mode": mode},
        progress_bar=False, request_save_on_cell_execute=False)
    nb = json.loads(out.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs)  # the workshop is shown
    # opening the workshop writes nothing until the first answer, and never into data/
    assert not (data / "workshops").exists()
    assert sorted(p.name for p in SAMPLE.iterdir()) == sample_before
