"""The batch under hostile or unlucky use: clear errors and nothing written, a kernel pool no
larger than the work and the memory, one batch per output folder, up-to-date checks by
content, and no scratch files left behind.

Fast: a two-company dataset and a tiny notebook (see ``helpers_batch``).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from filelock import FileLock

from assessment import AssessmentError
from assessment.cli import main
from assessment.run import batch as batch_mod
from assessment.run import runners as runners_mod
from assessment.run.batch import run_reports
from assessment.run.notebook import inputs_digest

from .conftest import ROOT
from .helpers_batch import write_small_dataset, write_tiny_notebook

pytestmark = pytest.mark.timeout(300)


@pytest.fixture()
def tiny(tmp_path, monkeypatch) -> tuple[Path, Path]:
    """A two-company dataset and a tiny notebook; the package's own files out of the
    inputs' hash (other work may edit them while the tests run)."""
    monkeypatch.setattr(batch_mod, "package_inputs", lambda: [], raising=False)
    data = write_small_dataset(tmp_path / "data", {"shoes": None, "airline": None})
    return data, write_tiny_notebook(tmp_path / "tiny.ipynb")


def _cli(*args: str) -> tuple[int, str, str]:
    """``python -m assessment reports ...`` in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["reports", *args])
    return code, out.getvalue(), err.getvalue()


def _errors(stderr: str) -> list[str]:
    assert "Traceback" not in stderr
    return [line for line in stderr.splitlines() if line.startswith("error: ")]


# -- 1. clear errors, nothing written --------------------------------------------------------


@pytest.mark.parametrize("value", [0, -5])
def test_a_timeout_of_zero_or_less_is_refused(tiny, tmp_path, value, kernel_starts):
    data, notebook = tiny
    with pytest.raises(AssessmentError, match=f"timeout must be a positive number.*{value}"):
        run_reports(data, tmp_path / "out", notebook=notebook, timeout=value, progress=False)
    assert not (tmp_path / "out").exists() and kernel_starts == []


@pytest.mark.parametrize("value", [0, -1])
def test_jobs_of_zero_or_less_are_refused(tiny, tmp_path, value, kernel_starts):
    data, notebook = tiny
    with pytest.raises(AssessmentError, match=f"jobs must be a whole number.*got {value}"):
        run_reports(data, tmp_path / "out", notebook=notebook, jobs=value, progress=False)
    assert not (tmp_path / "out").exists() and kernel_starts == []


@pytest.mark.parametrize("value", [",,,", "", " , "])
def test_companies_that_name_no_company_are_refused(tiny, tmp_path, value):
    data, notebook = tiny
    with pytest.raises(AssessmentError, match="names no company id"):
        run_reports(data, tmp_path / "out", notebook=notebook, companies=value,
                    progress=False)
    assert not (tmp_path / "out").exists()


def test_the_command_line_prints_one_line_per_problem(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook),
                        "--jobs", "0", "--timeout", "-1", "--companies", ",,,")
    assert code == 1
    errors = _errors(err)
    assert len(errors) == 3
    assert "jobs" in errors[0] and "timeout" in errors[1] and "',,,'" in errors[2]
    assert not out.exists() and kernel_starts == []


def test_unknown_ids_are_named_before_any_kernel_starts(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook),
                        "--companies", "shoes,nope,<b>x</b>")
    assert code == 1
    assert _errors(err) == ["error: unknown company id(s): 'nope', '<b>x</b>'; the dataset "
                            "has 2 companies"]
    assert not out.exists() and kernel_starts == []


def test_two_ids_with_the_same_file_name_are_both_named(tmp_path, kernel_starts):
    from assessment.files import company_slug

    clash = company_slug("index")  # "index" is reserved: it gets a hash suffix
    data = write_small_dataset(tmp_path / "data", {
        "index": ("Index Co", "Retail", "shoes"), clash: ("Other", "Retail", "airline")})
    notebook = write_tiny_notebook(tmp_path / "tiny.ipynb")
    out = tmp_path / "out"
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook))
    assert code == 1
    (line,) = _errors(err)
    assert "'index'" in line and repr(clash) in line and f"{clash}.html" in line
    assert not out.exists() and kernel_starts == []


def test_an_output_path_that_cannot_be_a_folder_is_one_clear_line(tiny, tmp_path,
                                                                   kernel_starts):
    data, notebook = tiny
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "reports"
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook))
    assert code == 1
    (line,) = _errors(err)
    assert str(out) in line and ("Not a directory" in line or "File exists" in line)
    assert blocker.read_text() == "not a folder" and kernel_starts == []


def test_a_folder_the_lock_cannot_be_made_in_is_one_clear_line(tiny, tmp_path, monkeypatch,
                                                               kernel_starts):
    """A folder the batch cannot write into (as a read-only folder answers a user who is
    not root; the tests run as root here, which writes anyway)."""
    data, notebook = tiny
    out = tmp_path / "out"
    out.mkdir()

    class ReadOnlyLock(FileLock):
        def acquire(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied", str(out / batch_mod.OUTPUT_LOCK))

    monkeypatch.setattr(batch_mod, "FileLock", ReadOnlyLock, raising=False)
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook))
    assert code == 1
    (line,) = _errors(err)
    assert str(out) in line and "Permission denied" in line
    assert list(out.iterdir()) == [] and kernel_starts == []


def test_a_disk_full_while_storing_is_one_clear_line(tiny, tmp_path, monkeypatch):
    data, notebook = tiny

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(batch_mod, "store_outcome", full)
    out = tmp_path / "out"
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook),
                        "--companies", "shoes")
    assert code == 1
    (line,) = _errors(err)
    assert str(out) in line and "No space left on device" in line
    assert not (out / "shoes.html").exists() and not (out / "index.html").exists()


def test_an_unreachable_scheduler_is_said_before_anything_is_written(tiny, tmp_path,
                                                                    monkeypatch):
    data, notebook = tiny
    monkeypatch.setattr(runners_mod, "SCHEDULER_TIMEOUT", 2.0, raising=False)
    out = tmp_path / "out"
    t0 = time.monotonic()
    code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook),
                        "--scheduler", "tcp://127.0.0.1:1")
    assert time.monotonic() - t0 < 20
    assert code == 1
    (line,) = _errors(err)
    assert "cannot reach the Dask scheduler 'tcp://127.0.0.1:1'" in line
    assert not out.exists()  # not even plotly.min.js


# -- 2. the kernel pool: min(jobs, reports to run, memory) -----------------------------------


def test_jobs_1000_on_two_companies_start_two_kernels(tiny, tmp_path, kernel_starts, capsys):
    data, notebook = tiny
    result = run_reports(data, tmp_path / "out", notebook=notebook, jobs=1000)
    assert result.ok and len(kernel_starts) == 2 and result.workers == 2
    assert "jobs: 2 instead of 1000 (2 reports to run)" in capsys.readouterr().err


def test_one_company_with_16_jobs_starts_one_kernel(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    code, _, err = _cli(str(data), "--out", str(tmp_path / "out"), "--notebook",
                        str(notebook), "--companies", "shoes", "--jobs", "16")
    assert code == 0 and len(kernel_starts) == 1
    assert "jobs: 1 instead of 16 (1 report to run)" in err


def test_up_to_date_reports_do_not_count(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    run_reports(data, out, notebook=notebook, companies="shoes", progress=False)
    kernel_starts.clear()
    result = run_reports(data, out, notebook=notebook, jobs=16, progress=False)
    assert result.reports["shoes"].reason == "up to date"
    assert result.reports["airline"].status == "ok"
    assert len(kernel_starts) == 1 and result.workers == 1


def test_memory_caps_the_pool_and_says_so(tiny, tmp_path, kernel_starts, monkeypatch,
                                          capsys):
    data, notebook = tiny
    room = int(1.5 * runners_mod.KERNEL_MEMORY / runners_mod.KERNEL_MEMORY_SHARE)
    monkeypatch.setattr(runners_mod, "available_memory", lambda: room)
    result = run_reports(data, tmp_path / "out", notebook=notebook, jobs=2)
    assert result.ok and len(kernel_starts) == 1
    err = capsys.readouterr().err
    assert "jobs: 1 instead of" in err and "memory for 1 kernel (" in err


def test_pool_size_is_the_smallest_of_jobs_reports_cores_and_memory():
    each = runners_mod.KERNEL_MEMORY / runners_mod.KERNEL_MEMORY_SHARE
    assert runners_mod.pool_size(8, 60, available=int(10 * each), cores=64) == (8, None)
    n, why = runners_mod.pool_size(16, 60, available=int(5.5 * each), cores=64)
    assert n == 5 and why.startswith("memory for 5 kernels")
    n, why = runners_mod.pool_size(16, 60, available=int(50 * each), cores=3)
    assert n == 6 and why == "3 CPU cores: more than 6 kernels would wait for a core"
    assert runners_mod.pool_size(16, 3, available=int(5.5 * each)) == (3, "3 reports to run")
    assert runners_mod.pool_size(16, 3, available=1)[0] == 1  # at least one kernel
    assert runners_mod.pool_size(4, 0, available=int(10 * each))[0] == 0
    assert runners_mod.pool_size(16, 60, available=None, cores=1)[0] == 2


def test_more_jobs_than_the_cores_use_are_capped_and_said(tiny, tmp_path, kernel_starts,
                                                          monkeypatch, capsys):
    _, notebook = tiny
    data = write_small_dataset(tmp_path / "three", {"shoes": None, "airline": None,
                                                    "bank": ("Bank", "Finance", "shoes")})
    monkeypatch.setattr(runners_mod, "cpu_cores", lambda: 1)
    result = run_reports(data, tmp_path / "out", notebook=notebook, jobs=16, force=True)
    assert result.ok and result.workers == 2 and len(kernel_starts) == 2
    assert "jobs: 2 instead of 16 (1 CPU core: more than 2 kernels would wait" in (
        capsys.readouterr().err)


def test_available_memory_is_memavailable_else_sysconf(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  100 kB\nMemFree:  7 kB\nMemAvailable:  42 kB\n")
    assert runners_mod.available_memory(str(meminfo)) == 42 * 1024
    expected = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    fallback = runners_mod.available_memory(str(tmp_path / "no-meminfo"))
    assert abs(fallback - expected) < 2**30


# -- 3. one batch per output folder ----------------------------------------------------------


def test_a_second_batch_into_the_same_folder_stops_at_once(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    out.mkdir()
    with FileLock(out / batch_mod.OUTPUT_LOCK):  # another batch writing into ``out``
        t0 = time.monotonic()
        code, _, err = _cli(str(data), "--out", str(out), "--notebook", str(notebook))
        assert time.monotonic() - t0 < 10
    assert code == 1
    (line,) = _errors(err)
    assert "another batch is writing into" in line and str(out) in line
    assert sorted(p.name for p in out.iterdir()) == [batch_mod.OUTPUT_LOCK]
    assert kernel_starts == []


def test_the_lock_is_released_and_not_an_output(tiny, tmp_path):
    data, notebook = tiny
    out = tmp_path / "out"
    result = run_reports(data, out, notebook=notebook, progress=False)
    assert (out / batch_mod.OUTPUT_LOCK).exists()
    assert batch_mod.OUTPUT_LOCK not in {p.name for p in result.files}
    assert batch_mod.OUTPUT_LOCK not in (out / "index.html").read_text(encoding="utf-8")
    with FileLock(out / batch_mod.OUTPUT_LOCK, timeout=0):  # free again
        pass


# -- 4. up to date by content ----------------------------------------------------------------


def _change_one_answer(responses: Path) -> None:
    table = pd.read_csv(responses, dtype=str, keep_default_na=False)
    column = next(c for c in table.columns if c.startswith("oe_exp_"))
    table.loc[0, column] = "1" if table.loc[0, column] != "1" else "2"
    table.to_csv(responses, index=False)


def test_a_changed_dataset_with_an_older_time_is_rerun(tiny, tmp_path):
    data, notebook = tiny
    out = tmp_path / "out"
    run_reports(data, out, notebook=notebook, progress=False)
    past = time.time() - 10 * 86400  # as cp -p, rsync -a and unzip leave it
    _change_one_answer(data / "responses.csv")
    os.utime(data / "responses.csv", (past, past))
    again = run_reports(data, out, notebook=notebook, progress=False)
    assert {r.status for r in again.reports.values()} == {"ok"}


def test_unchanged_content_with_a_newer_time_is_skipped(tiny, tmp_path, kernel_starts):
    data, notebook = tiny
    out = tmp_path / "out"
    run_reports(data, out, notebook=notebook, progress=False)
    kernel_starts.clear()
    future = time.time() + 3600
    for path in (data / "responses.csv", data / "companies.csv", notebook):
        os.utime(path, (future, future))
    again = run_reports(data, out, notebook=notebook, progress=False)
    assert {r.reason for r in again.reports.values()} == {"up to date"}
    assert kernel_starts == []


def test_the_inputs_hash_is_recorded_and_taken_once_per_batch(tiny, tmp_path, monkeypatch):
    data, notebook = tiny
    calls = []
    real = batch_mod.inputs_digest if hasattr(batch_mod, "inputs_digest") else inputs_digest

    def counting(paths, settings):
        calls.append(settings)
        return real(paths, settings)

    monkeypatch.setattr(batch_mod, "inputs_digest", counting, raising=False)
    out = tmp_path / "out"
    run_reports(data, out, notebook=notebook, lang="de", progress=False)
    assert calls == [{"lang": "de", "show_items": True, "self_contained": False}]
    expected = real(batch_mod.report_inputs(data, notebook), calls[0])
    for cid in ("shoes", "airline"):
        nb = json.loads((out / f"{cid}.ipynb").read_text(encoding="utf-8"))
        assert nb["metadata"][batch_mod.BATCH_METADATA]["inputs"] == expected
    # another setting is another hash: the reports are made again
    english = run_reports(data, out, notebook=notebook, lang="en", progress=False)
    assert {r.status for r in english.reports.values()} == {"ok"}


# -- 5. scratch files ------------------------------------------------------------------------


def test_the_scratch_folder_is_private_and_removed_after_an_error(tiny, tmp_path,
                                                                  monkeypatch):
    import tempfile

    data, notebook = tiny
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch_root))
    seen = []

    def boom(*args, **kwargs):  # in the middle of the batch: a report came back
        for folder in scratch_root.glob("assessment-batch-*"):
            seen.append((folder.stat().st_mode & 0o777,
                         (folder / "dataset.pickle").stat().st_size))
        raise RuntimeError("boom")

    monkeypatch.setattr(batch_mod, "store_outcome", boom)
    with pytest.raises(RuntimeError, match="boom"):
        run_reports(data, tmp_path / "out", notebook=notebook, progress=False)
    assert len(seen) == 1 and seen[0][0] == 0o700 and seen[0][1] > 0
    assert list(scratch_root.glob("assessment-*")) == []
    assert not (tmp_path / "out" / "index.html").exists()


_TERM_SCRIPT = """\
import sys
from assessment.run.batch import run_reports
run_reports(sys.argv[1], sys.argv[2], notebook=sys.argv[3], jobs=2, progress=False)
"""


def test_sigterm_removes_the_scratch_files_and_stops_the_kernels(tmp_path):
    import psutil

    data = write_small_dataset(tmp_path / "data", {"shoes": None, "airline": None})
    notebook = write_tiny_notebook(tmp_path / "slow.ipynb", "import time; time.sleep(120)")
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch_root)}
    proc = subprocess.Popen([sys.executable, "-c", _TERM_SCRIPT, str(data),
                             str(tmp_path / "out"), str(notebook)], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        kernels: list[psutil.Process] = []
        while time.monotonic() < deadline and proc.poll() is None:
            pickled = list(scratch_root.glob("assessment-batch-*/dataset.pickle"))
            kernels = [p for p in psutil.Process(proc.pid).children(recursive=True)
                       if "ipykernel" in " ".join(p.cmdline())]
            if pickled and len(kernels) == 2:
                break
            time.sleep(0.2)
        assert pickled and len(kernels) == 2, "the batch did not get going"
        time.sleep(1.0)  # the reports are running (sleeping)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(scratch_root.glob("assessment-batch-*")) == []
    _, alive = psutil.wait_procs(kernels, timeout=10)
    assert alive == []


def test_a_fractional_timeout_runs_the_reports(tiny, tmp_path):
    """nbclient takes whole seconds per cell: 1.5 s is not a settings error."""
    data, notebook = tiny
    result = run_reports(data, tmp_path / "out", notebook=notebook, timeout=1.5,
                         progress=False)
    assert {r.status for r in result.reports.values()} == {"ok"}
