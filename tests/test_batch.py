"""The batch report runner: resilient, atomic, incremental, safe with hostile names and ids.

Most tests read one shared run of ``python -m assessment reports`` over a small dataset
with hostile names and ids and a company whose report fails on purpose (see
``helpers_batch``); the others use a tiny notebook so they stay fast.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from assessment import AssessmentError, load_dataset
from assessment import files as files_mod
from assessment.cli import main
from assessment.files import unique_slugs
from assessment.run import batch as batch_mod
from assessment.run import export as export_mod
from assessment.run import runners as runners_mod
from assessment.run.batch import PLOTLY_JS, run_reports
from assessment.run.jobs import REMOVE_CELL_TAGS

from .helpers_batch import (
    COMPANIES,
    FAIL_ID,
    FAIL_LINE,
    HOSTILE_FORMULA,
    HOSTILE_IMG,
    HOSTILE_INDUSTRY,
    HOSTILE_SCRIPT,
    OK_IDS,
    shared_batch_run,
    write_small_dataset,
    write_tiny_notebook,
)

pytestmark = pytest.mark.timeout(900)
SLUGS = unique_slugs(COMPANIES)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    return shared_batch_run(tmp_path_factory)


@pytest.fixture(scope="session")
def summary(run) -> dict:
    return json.loads((run.out / "summary.json").read_text(encoding="utf-8"))


def _reports(summary: dict) -> dict[str, dict]:
    return {c["company_id"]: c["report"] for c in summary["companies"]}


def _leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes (``.<name>.<random>.tmp``); the batch's lock file
    is no leftover."""
    return sorted(p.name for p in folder.rglob("*") if p.name != batch_mod.OUTPUT_LOCK and (
        p.name.startswith(".") or p.name.endswith(".tmp")))


# -- the shared run --------------------------------------------------------------------------


def test_exit_code_is_nonzero_and_the_final_line_counts(run):
    assert run.exit_code == 1
    assert f"{len(COMPANIES)} reports, 1 failed" in run.stdout
    assert re.search(r"\d+\.\d s", run.stdout)
    assert "index.html" in run.stdout
    assert "failed:" in run.stderr and repr(FAIL_ID) in run.stderr


def test_the_other_reports_exist(run, summary):
    reports = _reports(summary)
    for cid in OK_IDS:
        slug = SLUGS[cid]
        assert reports[cid]["status"] == "ok", reports[cid]
        assert reports[cid]["file"] == f"{slug}.html"
        html = (run.out / f"{slug}.html").read_text(encoding="utf-8")
        assert (run.out / f"{slug}.ipynb").exists()
        assert not (run.out / f"{slug}.failed.ipynb").exists()
        assert re.search(rf'<script[^>]* src="{re.escape(PLOTLY_JS)}"', html)
        assert "Plotly.newPlot" in html
        assert len(html.encode()) < 500_000  # without plotly.js
        # no code, no remote resources (workshop rooms are offline)
        assert "build_report(" not in html and "import " not in html
        assert not re.search(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//", html)
        executed = json.loads((run.out / f"{slug}.ipynb").read_text(encoding="utf-8"))
        assert executed["metadata"]["papermill"]["parameters"]["company_id"] == cid
    assert (run.out / PLOTLY_JS).stat().st_size > 1_000_000  # one shared copy


def test_the_failure_is_recorded(run, summary):
    rep = _reports(summary)[FAIL_ID]
    slug = SLUGS[FAIL_ID]
    assert rep["status"] == "failed"
    assert rep["file"] is None
    assert "RuntimeError" in rep["error"] and "on purpose" in rep["error"]
    assert rep["cell"]["index"] == run.fail_cell
    assert rep["cell"]["source"] == FAIL_LINE
    assert rep["notebook"] == f"{slug}.failed.ipynb"
    kept = json.loads((run.out / f"{slug}.failed.ipynb").read_text(encoding="utf-8"))
    assert any(o.get("ename") == "RuntimeError" for c in kept["cells"]
               for o in c.get("outputs", []))
    assert not (run.out / f"{slug}.html").exists()
    assert not (run.out / f"{slug}.ipynb").exists()
    index = (run.out / "index.html").read_text(encoding="utf-8")
    failures = index[index.index('id="failures"'):]
    assert "Failing &amp; Sons" in failures
    assert "on purpose for &lt;b&gt;failco&lt;/b&gt;" in failures  # the error, escaped
    assert summary["reports"]["failed"] == 1


def test_every_output_is_inside_out_and_nothing_is_half_written(run):
    outputs = sorted(p.name for p in run.out.iterdir() if p.name != batch_mod.OUTPUT_LOCK)
    assert all((run.out / name).is_file() for name in outputs)  # no sub-folders
    assert _leftovers(run.out) == []
    expected = {"index.html", "summary.json", "summary.csv", PLOTLY_JS,
                f"{SLUGS[FAIL_ID]}.failed.ipynb"}
    for cid in OK_IDS:
        expected |= {f"{SLUGS[cid]}.html", f"{SLUGS[cid]}.ipynb"}
    assert set(outputs) == expected
    # ``../../etc`` and ``!!!`` got safe names, and nothing landed beside or above out/
    assert SLUGS["../../etc"].startswith("etc-") and SLUGS["!!!"].startswith("company-")
    assert sorted(p.name for p in run.base.iterdir()) == [
        "data", "failing_report.ipynb", "reports"]
    assert not (run.base.parent / "etc.html").exists()


def test_hostile_names_are_text_not_markup(run):
    pages = [run.out / "index.html"] + [run.out / f"{SLUGS[c]}.html"
                                        for c in ("../../etc", "!!!")]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for hostile in (HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_INDUSTRY):
            assert hostile not in html, (page.name, hostile)
        assert "onerror=alert(1)&gt;" in html or "onerror=alert(1)\\u003e" in html
    index = (run.out / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in index
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "&lt;svg onload=alert(2)&gt;" in index
    assert f'href="{SLUGS["../../etc"]}.html"' in index


def test_summary_has_every_company_with_its_report_status(run, summary):
    reports = _reports(summary)
    assert list(reports) == list(COMPANIES)
    assert {r["status"] for r in reports.values()} == {"ok", "failed"}
    assert all(r["seconds"] > 0 for r in reports.values())
    table = pd.read_csv(run.out / "summary.csv", dtype=str, keep_default_na=False)
    assert list(table["company_id"]) == list(COMPANIES)
    assert dict(zip(table["company_id"], table["report_status"], strict=True))[FAIL_ID] == (
        "failed")
    assert {"experience_verdict", "setup_verdict", "lens_mismatch", "main_finding",
            "report_file", "report_error"} <= set(table.columns)
    # a name or industry that a spreadsheet would run as a formula is neutralized
    industry = dict(zip(table["company_id"], table["industry"], strict=True))[FAIL_ID]
    assert industry == "'" + HOSTILE_FORMULA


def test_report_inputs_are_the_data_the_notebook_and_the_instrument(run):
    ds = load_dataset(run.dataset)
    inputs = {p.name for p in batch_mod.report_inputs(ds, run.notebook)}
    assert inputs == {p.name for p in batch_mod.report_inputs(run.dataset, run.notebook)}
    assert {"companies.csv", "responses.csv", run.notebook.name, "value_disciplines.yaml",
            "findings.yaml", "rules.py"} <= inputs
    assert not {"batch.py", "runners.py", "store.py", "portfolio.py", "index_texts.yaml"} & inputs
    # the export's code and template change the page
    assert {"export.py", "index.html.j2", "conf.json"} <= inputs


def _recorded(out: Path, slug: str) -> dict:
    """How a report was made, as its executed notebook records it."""
    nb = json.loads((out / f"{slug}.ipynb").read_text(encoding="utf-8"))
    return nb["metadata"][batch_mod.BATCH_METADATA]


def test_second_run_skips_and_force_reruns(run, tmp_path, monkeypatch):
    # the inputs' hash as the shared run recorded it: the package's files may be edited
    # while the tests run (the hash itself: test_batch_hardening.py)
    recorded = _recorded(run.out, "shoes")["inputs"]
    monkeypatch.setattr(batch_mod, "inputs_digest", lambda paths, settings: recorded)
    out = tmp_path / "reports"
    shutil.copytree(run.out, out)  # copy2 keeps the times
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    second = run_reports(run.dataset, out, notebook=run.notebook, jobs=2, progress=False)
    statuses = {cid: r.status for cid, r in second.reports.items()}
    assert statuses == {**dict.fromkeys(OK_IDS, "skipped"), FAIL_ID: "failed"}
    assert {second.reports[c].reason for c in OK_IDS} == {"up to date"}
    assert second.exit_code == 1  # the failing report was tried again
    for cid in OK_IDS:
        name = f"{SLUGS[cid]}.html"
        assert (out / name).stat().st_mtime_ns == before[name]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert _reports(summary)["shoes"]["status"] == "skipped"
    assert _reports(summary)["shoes"]["file"] == "shoes.html"

    forced = run_reports(run.dataset, out, notebook=run.notebook, companies="shoes",
                         force=True, progress=False)
    assert forced.reports["shoes"].status == "ok"
    assert forced.exit_code == 0
    assert (out / "shoes.html").stat().st_mtime_ns > before["shoes.html"]
    assert {forced.reports[c].reason for c in COMPANIES if c != "shoes"} == {"not selected"}
    assert (out / "pcmaker.html").stat().st_mtime_ns == before["pcmaker.html"]
    assert _leftovers(out) == []


def test_a_report_is_up_to_date_when_its_recorded_inputs_hash_matches(run):
    meta = _recorded(run.out, "shoes")
    assert len(meta["inputs"]) == 64 and meta["parameters"]["lang"] == "en"

    def job(**changes):
        fields = dict(notebook=meta["notebook"], parameters=meta["parameters"],
                      self_contained=meta["self_contained"], inputs=meta["inputs"])
        return batch_mod.ReportJob("shoes", "shoes", "x", **{**fields, **changes})

    assert batch_mod._up_to_date(run.out, job())
    assert not batch_mod._up_to_date(run.out, job(inputs="0" * 64))  # an input changed
    assert not batch_mod._up_to_date(run.out, job(self_contained=True))
    assert not batch_mod._up_to_date(run.out, job(parameters={**meta["parameters"],
                                                              "lang": "de"}))


# -- the warm engine against fresh kernels --------------------------------------------------


def _normalized(text: str) -> str:
    """A page or notebook without what differs between two runs of one report: plotly's
    random div ids, the random id papermill gives the injected cell, and execution
    timestamps and durations."""
    text = UUID.sub("ID", text)
    text = re.sub(r'"id": "[0-9a-f]{8}"', '"id": "ID"', text)
    text = re.sub(r'"\d{4}-\d\d-\d\dT[0-9:.]+(Z|[+-]\d\d:\d\d)?"', '"T"', text)
    return re.sub(r'"duration": [0-9.e-]+', '"duration": 0', text)


def test_warm_kernels_make_the_same_reports_as_fresh_kernels(run, tmp_path):
    ids = ["shoes", "../../etc"]
    fresh = run_reports(run.dataset, tmp_path, companies=ids, notebook=run.notebook,
                        fresh_kernels=True, progress=False)
    assert {c: fresh.reports[c].status for c in ids} == {"shoes": "ok", "../../etc": "ok"}
    for cid in ids:  # the shared run used the warm engine (the default)
        for ext in ("html", "ipynb"):
            name = f"{SLUGS[cid]}.{ext}"
            warm = _normalized((run.out / name).read_text(encoding="utf-8"))
            assert _normalized((tmp_path / name).read_text(encoding="utf-8")) == warm, name
        warm_nb = json.loads((run.out / f"{SLUGS[cid]}.ipynb").read_text(encoding="utf-8"))
        outputs = [o for c in warm_nb["cells"] for o in c.get("outputs", [])]
        assert outputs and not any("application/vnd.plotly.v1+json" in o.get("data", {})
                                   for o in outputs)  # the batch leaves the JSON out


def _stock_page(nb) -> str:
    """The page nbconvert's own ``lab`` template makes with the same exclude options."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    stock = HTMLExporter(template_name="lab", exclude_input=True, exclude_input_prompt=True,
                         exclude_output_prompt=True)
    stock.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS), enabled=True), True)
    page, _ = stock.from_notebook_node(nb, resources={"metadata": {"name": "Stepwise"}})
    return page


def _body(page: str) -> str:
    """The page's body without what the package's template adds to the ``lab`` page: the
    brand bar and the script that resizes the charts for printing."""
    body = page[page.index("<body"):]
    body = re.sub(r'<header class="va-brand-bar">.*?</header>', "", body, flags=re.S)
    body = re.sub(r'<script>\s*/\* charts take the printed page.*?</script>', "", body,
                  flags=re.S)
    return re.sub(r">\s+<", "><", body)  # the white space between tags aside


def test_the_export_is_jupyterlabs_page_without_internet_scripts(run):
    """The package's template shows what nbconvert's ``lab`` template shows (the same
    body, nbconvert's ``tabindex`` and ``alt`` included), without the scripts the ``lab``
    page loads from CDNs, and with plotly.js shared or inlined."""
    import nbformat

    nb = nbformat.read(run.out / "shoes.ipynb", as_version=4)
    stock = _stock_page(nb)
    remote = re.compile(r"<(script|link)[^>]+(src|href)=[\"']?(https?:)?//")
    assert remote.search(stock)  # require.js, MathJax ... from the internet
    for self_contained in (False, True):
        page = export_mod.export_html(nb, "Stepwise", "en", self_contained)
        assert _body(page) == _body(stock)
        assert page.count('<header class="va-brand-bar">') == 1
        assert not remote.search(page)
        assert "<title>Stepwise</title>" in page and '<html lang="en">' in page
        assert page.count(' tabindex="0"') == stock.count(' tabindex="0"') >= 3
        head = page[:page.index("<body")]
        if self_contained:
            assert f'src="{PLOTLY_JS}"' not in head and len(head) > 3_000_000
        else:
            assert f'<script charset="utf-8" src="{PLOTLY_JS}"></script>' in head

    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAA"
           "AABJRU5ErkJggg==")
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.get("outputs")
                and "remove-cell" not in c.metadata.get("tags", []))
    cell.outputs.append(nbformat.v4.new_output("display_data", data={"image/png": png}))
    page = export_mod.export_html(nb, "Stepwise", "en", False)
    assert _body(page) == _body(_stock_page(nb))
    assert 'alt="No description has been provided for this image"' in page


def test_the_page_language_and_a_hostile_title(run):
    import nbformat

    nb = nbformat.read(run.out / "shoes.ipynb", as_version=4)
    page = export_mod.export_html(nb, HOSTILE_SCRIPT, "de", False)
    assert '<html lang="de">' in page
    assert HOSTILE_SCRIPT not in page
    assert "<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>" in page


# -- the dask scheduler -------------------------------------------------------------------


def test_dask_scheduler_makes_the_same_reports(run, tmp_path):
    import distributed
    ids = ["shoes", "../../etc", FAIL_ID]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        result = run_reports(run.dataset, tmp_path, companies=ids, notebook=run.notebook,
                             scheduler=cluster.scheduler_address, progress=False)
    assert {c: result.reports[c].status for c in ids} == {
        "shoes": "ok", "../../etc": "ok", FAIL_ID: "failed"}
    assert result.reports[FAIL_ID].cell["source"] == FAIL_LINE
    assert result.exit_code == 1
    for cid in ("shoes", "../../etc"):
        name = f"{SLUGS[cid]}.html"
        local = UUID.sub("ID", (run.out / name).read_text(encoding="utf-8"))
        remote = UUID.sub("ID", (tmp_path / name).read_text(encoding="utf-8"))
        assert remote == local
    assert (tmp_path / f"{SLUGS[FAIL_ID]}.failed.ipynb").exists()
    assert _leftovers(tmp_path) == []


# -- fast tests with a tiny notebook -----------------------------------------------------


@pytest.fixture()
def tiny(tmp_path) -> tuple[Path, Path]:
    """A two-company dataset and a tiny notebook."""
    data = write_small_dataset(tmp_path / "data", {"shoes": None, "airline": None})
    return data, write_tiny_notebook(tmp_path / "tiny.ipynb")


def test_an_export_that_raises_leaves_no_report(tiny, tmp_path, monkeypatch):
    data, notebook = tiny

    def broken_export(*args, **kwargs):
        raise OSError("disk full while exporting")

    monkeypatch.setattr(runners_mod, "export_html", broken_export)
    out = tmp_path / "out"
    result = run_reports(data, out, notebook=notebook, companies=["shoes"],
                         progress=False)
    rep = result.reports["shoes"]
    assert rep.status == "failed" and "disk full" in rep.error
    assert not (out / "shoes.html").exists() and not (out / "shoes.ipynb").exists()
    assert (out / "shoes.failed.ipynb").exists()
    assert result.exit_code == 1
    assert _leftovers(out) == []


def test_an_interrupted_write_leaves_nothing_at_the_final_path(tiny, tmp_path, monkeypatch):
    data, notebook = tiny
    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of the data, then the run is interrupted (Ctrl-C)."""

        def __init__(self, fh):
            self.fh = fh

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

        def write(self, data):
            self.fh.write(data[: len(data) // 2])
            self.fh.flush()
            raise KeyboardInterrupt

        def __getattr__(self, name):
            return getattr(self.fh, name)

    def fdopen(fd, *args, **kwargs):
        fh = real_fdopen(fd, *args, **kwargs)
        target = os.readlink(f"/proc/self/fd/{fd}")
        return HalfWriter(fh) if ".shoes.html." in target else fh

    monkeypatch.setattr(files_mod.os, "fdopen", fdopen)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        run_reports(data, out, notebook=notebook, progress=False)
    assert not (out / "shoes.html").exists()
    assert _leftovers(out) == []
    monkeypatch.undo()
    # the next run picks up where the interrupted one stopped
    result = run_reports(data, out, notebook=notebook, progress=False)
    assert result.reports["shoes"].status == "ok"
    assert (out / "shoes.html").exists()


def test_a_dead_kernel_and_a_timeout_do_not_stop_the_batch(tmp_path):
    data = write_small_dataset(tmp_path / "data", {"shoes": None, "airline": None,
                                                    "pcmaker": None})
    notebook = write_tiny_notebook(tmp_path / "nb.ipynb", (
        "import os, time\n"
        "if company_id == 'shoes':\n"
        "    os._exit(1)\n"
        "if company_id == 'airline':\n"
        "    time.sleep(120)\n"
        "print('fine')"))
    result = run_reports(data, tmp_path / "out", notebook=notebook, timeout=10, jobs=2,
                         progress=False)
    reps = result.reports
    assert reps["pcmaker"].status == "ok"
    assert reps["shoes"].status == "failed" and "DeadKernel" in reps["shoes"].error
    assert reps["airline"].status == "failed" and "timed out" in reps["airline"].error.lower()
    for cid in ("shoes", "airline"):
        assert reps[cid].cell["source"] == "import os, time"
        assert (tmp_path / "out" / f"{cid}.failed.ipynb").exists()
    assert result.exit_code == 1


@pytest.mark.parametrize("fresh", [False, True])
def test_each_report_starts_from_a_clean_namespace(tiny, tmp_path, fresh):
    data, _ = tiny
    notebook = write_tiny_notebook(tmp_path / "leak.ipynb", (
        "import os\n"
        "print('leaked' in dir(), company_id, os.getpid())\n"
        "leaked = company_id"))
    out = tmp_path / "out"
    result = run_reports(data, out, notebook=notebook, jobs=1, fresh_kernels=fresh,
                         progress=False)
    assert result.exit_code == 0
    pids = set()
    for cid in ("shoes", "airline"):  # one worker: airline runs after shoes
        nb = json.loads((out / f"{cid}.ipynb").read_text(encoding="utf-8"))
        cell = nb["cells"][-1]
        leaked, seen_id, pid = "".join(cell["outputs"][0]["text"]).split()
        assert (leaked, seen_id) == ("False", cid)
        assert cell["execution_count"] == 3  # parameters, injected parameters, this one
        pids.add(pid)
    # the warm engine ran both in one kernel (whose namespace it reset), --fresh-kernels not
    assert len(pids) == (2 if fresh else 1)


def test_the_kernel_runs_this_python(tiny, tmp_path):
    import sys

    data, _ = tiny
    notebook = write_tiny_notebook(tmp_path / "exe.ipynb", "import sys; print(sys.executable)")
    out = tmp_path / "out"
    run_reports(data, out, notebook=notebook, companies="shoes", progress=False)
    nb = json.loads((out / "shoes.ipynb").read_text(encoding="utf-8"))
    printed = "".join(nb["cells"][-1]["outputs"][0]["text"]).strip()
    assert Path(printed).resolve() == Path(sys.executable).resolve()
    assert nb["metadata"]["papermill"]["output_path"] == "shoes.ipynb"


def test_self_contained_reports_inline_plotly(tiny, tmp_path):
    data, _ = tiny
    notebook = write_tiny_notebook(tmp_path / "plot.ipynb", (
        "import plotly.graph_objects as go\n"
        "from IPython.display import HTML, display\n"
        "fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4]))\n"
        "display(HTML(fig.to_html(full_html=False, include_plotlyjs=False)))"))
    out = tmp_path / "out"
    result = run_reports(data, out, notebook=notebook, companies="airline",
                         self_contained=True, progress=False)
    assert result.reports["airline"].status == "ok"
    assert not (out / PLOTLY_JS).exists()
    for page in ("airline.html", "index.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert f'src="{PLOTLY_JS}"' not in html
        assert len(html) > 3_000_000 and "Plotly.newPlot" in html


def test_an_invalid_dataset_writes_nothing(tmp_path, capsys):
    data = write_small_dataset(tmp_path / "data", {"shoes": None})
    responses = pd.read_csv(data / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[responses.index[0], "oe_exp_1"] = "7"
    responses.to_csv(data / "responses.csv", index=False)
    out = tmp_path / "out"
    assert main(["reports", str(data), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "nothing was written" in err and "oe_exp_1" in err
    assert not out.exists()


def _kernel_processes() -> set[int]:
    import psutil

    return {p.pid for p in psutil.Process().children(recursive=True)
            if "ipykernel" in " ".join(p.cmdline())}


def test_kernels_started_before_the_dataset_is_read_stop_when_it_is_invalid(tmp_path,
                                                                           kernel_starts):
    """The kernels boot while the dataset is read; an invalid dataset stops them at once
    (they do not wait for a scored dataset that never comes) and writes nothing."""
    import time

    from assessment import DatasetError

    data = write_small_dataset(tmp_path / "data", {"shoes": None, "airline": None})
    responses = pd.read_csv(data / "responses.csv", dtype=str, keep_default_na=False)
    responses.loc[responses.index[0], "oe_exp_1"] = "7"
    responses.to_csv(data / "responses.csv", index=False)
    before = _kernel_processes()
    t0 = time.monotonic()
    with pytest.raises(DatasetError):
        run_reports(data, tmp_path / "out", jobs=2, progress=False)
    assert time.monotonic() - t0 < 15  # not the 20 s a kernel would wait for the dataset
    assert len(kernel_starts) == 2  # both kernels were booting while the dataset was read
    assert _kernel_processes() <= before
    assert not (tmp_path / "out").exists()


def test_no_kernel_starts_when_every_report_is_up_to_date(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    first = run_reports(data, out, notebook=notebook, progress=False)
    assert first.ok and len(kernel_starts) >= 1
    kernel_starts.clear()
    again = run_reports(data, out, notebook=notebook, progress=False)
    assert {r.status for r in again.reports.values()} == {"skipped"}
    assert kernel_starts == []


def test_a_notebook_without_parameters_cell_is_refused(tiny, tmp_path):
    data, _ = tiny
    notebook = write_tiny_notebook(tmp_path / "plain.ipynb")
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    nb["cells"][0]["metadata"]["tags"] = []
    notebook.write_text(json.dumps(nb), encoding="utf-8")
    with pytest.raises(AssessmentError, match="tagged 'parameters'"):
        run_reports(data, tmp_path / "out", notebook=notebook)
    assert not (tmp_path / "out").exists()


def test_unknown_company_ids_are_refused(tiny, tmp_path):
    data, notebook = tiny
    with pytest.raises(AssessmentError, match="unknown company"):
        run_reports(data, tmp_path / "out", notebook=notebook, companies="shoes,nope")
    assert not (tmp_path / "out").exists()
