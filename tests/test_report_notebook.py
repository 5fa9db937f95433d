"""The report notebook, executed with papermill in each language and exported without code.

These tests start a Jupyter kernel each (a few seconds per language); they stay in the
default run because the notebook is what every report is made from.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "report.ipynb"
SAMPLE = ROOT / "data" / "sample"
SETUP_TAG = "remove-cell"

import papermill  # noqa: E402


def _export(nb: nbformat.NotebookNode) -> str:
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={SETUP_TAG, "injected-parameters"},
                              enabled=True), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def test_the_packaged_notebook_is_the_one_users_open():
    """``assessment/notebooks/report.ipynb`` ships in the package (an installed package
    makes reports without the repository); ``notebooks/report.ipynb`` is the copy users open.
    They must stay byte for byte equal: copy the one you edited over the other."""
    from assessment.run.notebook import PACKAGED_NOTEBOOK

    assert PACKAGED_NOTEBOOK == ROOT / "assessment" / "notebooks" / "report.ipynb"
    assert PACKAGED_NOTEBOOK.read_bytes() == NOTEBOOK.read_bytes(), (
        "cp notebooks/report.ipynb assessment/notebooks/report.ipynb")


def test_default_notebook_is_the_packaged_one_without_a_checkout(tmp_path, monkeypatch):
    from assessment.run import notebook as notebook_mod

    assert notebook_mod.default_notebook() == NOTEBOOK  # a checkout: the one users edit
    monkeypatch.setattr(notebook_mod, "CHECKOUT_NOTEBOOK", tmp_path / "missing.ipynb")
    assert notebook_mod.default_notebook() == notebook_mod.PACKAGED_NOTEBOOK


def test_notebook_is_committed_clean_and_thin():
    raw = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    ids = [c.get("id") for c in raw["cells"]]  # nbformat 4.5: every cell has a unique id
    assert all(ids) and len(set(ids)) == len(ids)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(params) == 1 and nb.cells[0] is params[0]  # cell 1: the parameters
    lines = [ln for ln in params[0].source.splitlines() if ln.strip()]
    names = [re.match(r"(\w+)\s*:\s*\w+\s*=", ln).group(1) for ln in lines]
    assert names == ["dataset", "company_id", "lang", "show_items", "wave"]
    assert all("# help:" in ln for ln in lines)
    inspected = papermill.inspect_notebook(str(NOTEBOOK))
    assert inspected["lang"]["inferred_type_name"] == "str"
    assert inspected["show_items"]["default"] == "True"
    assert all(len(c.source.splitlines()) <= 6 for c in code)  # logic lives in the package


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("company_id", "lang", "name", "heading", "relative"), [
    ("pcmaker", "en", "Configurix Computers", "What to discuss", False),
    ("shoes", "de", "Stepwise Shoes", "Was zu besprechen ist", False),
    ("chips", "nl", "Nanoforge Semiconductors", "Wat te bespreken", True),
])
def test_notebook_runs_and_exports_without_code(tmp_path, company_id, lang, name, heading,
                                                relative):
    out = tmp_path / f"{company_id}.ipynb"
    if relative:  # papermill's usual cwd: the dataset path falls back to the repository
        params = dict(dataset="data/sample", company_id=company_id, lang=lang)
        cwd = ROOT / "notebooks"
    else:
        params = dict(dataset=str(SAMPLE), company_id=company_id, lang=lang)
        cwd = ROOT
    papermill.execute_notebook(str(NOTEBOOK), str(out), parameters=params,
                               kernel_name="python3", cwd=str(cwd), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    text = json.dumps([o.get("data", {}).get("text/html", "") for o in outputs])
    assert name in text and heading in text

    page = _export(nb)
    for cell in nb.cells:  # no source line of any cell reaches the page
        for line in cell.source.splitlines():
            if len(line.strip()) > 12 and cell.cell_type == "code":
                assert line.strip() not in page, line
    for needle in ("build_report(", "charts.show(", "display(HTML", "import "):
        assert needle not in page
    assert f"<h1>{name}</h1>" in page and f"<h2>{heading}</h2>" in page
    n_divs = page.count('class="plotly-graph-div"')
    assert n_divs == 6  # profile, triangle, gaps, departments, role map, comparison
    assert page.count("Plotly.newPlot(") == n_divs
    assert "plotly.min.js" not in page and len(page) < 500_000
    assert f"<h2>{INTEGRATION_HEADINGS[lang]}</h2>" in page  # every company here has one


INTEGRATION_HEADINGS = {"en": "Customers as co-producers",
                        "de": "Kundinnen und Kunden als Ko-Produzenten",
                        "nl": "Klanten als coproducenten"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("company_id", "lang", "name", "expected", "n_figures"), [
    # self-service experienced as a burden: the critical finding and the role map
    ("energyco", "en", "Voltaro Energy", "Self-service experienced as a burden", 6),
    # no integration answers: the section says so, without a role map
    ("mueller", "nl", "Müller Präzisionsteile",
     "De respondenten van dit bedrijf hebben de vragen over klantintegratie", 5),
])
def test_notebook_shows_the_customer_integration_section(tmp_path, company_id, lang, name,
                                                          expected, n_figures):
    out = tmp_path / f"{company_id}.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), out, kernel_name="python3", cwd=str(ROOT),
                               parameters=dict(dataset=str(SAMPLE), company_id=company_id,
                                               lang=lang), progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    page = _export(nb)
    assert f"<h1>{name}</h1>" in page
    heading = f"<h2>{INTEGRATION_HEADINGS[lang]}</h2>"
    assert heading in page and expected in page
    assert page.index(heading) < page.index("<h2>" + {"en": "Item detail",
                                                      "nl": "Detail per stelling"}[lang])
    assert page.count('class="plotly-graph-div"') == n_figures
