"""The ``assessment`` papermill engine: warm kernels, a clean namespace per run, failures
that retire their kernel, and registration through papermill's entry point (so that both
``papermill --engine assessment`` and ``execute_notebook(engine_name="assessment")`` use
it).

Each test starts one or two kernels (a second or two each).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbclient.exceptions import CellTimeoutError
from papermill.exceptions import PapermillExecutionError

from assessment.run.engine import ENGINE_NAME, AssessmentEngine, KernelPool

from .helpers_batch import write_tiny_notebook

pytestmark = pytest.mark.timeout(300)

# what the kernel sees: whether last run's variable and import are there, whether the
# import's module is still loaded, the kernel's process id, the working folder, and the
# history setting the engine starts its kernels with
PROBE = """\
import os, sys
print(json.dumps({"leaked": "leaked" in dir(), "colorsys_name": "colorsys" in dir(),
                  "colorsys_loaded": "colorsys" in sys.modules, "pid": os.getpid(),
                  "cwd": os.getcwd(), "company_id": company_id,
                  "history": get_ipython().history_manager.enabled}))
leaked = company_id
import colorsys
"""


def _probe_notebook(path: Path) -> Path:
    return write_tiny_notebook(path, "import json\n" + PROBE)


def _seen(nb) -> dict:
    return json.loads("".join(nb.cells[-1].outputs[0]["text"]))


@pytest.fixture()
def pool():
    with KernelPool() as p:
        yield p


def test_the_engine_is_registered_through_papermills_entry_point():
    names = {ep.name: ep.value for ep in entry_points(group="papermill.engine")}
    assert names.get(ENGINE_NAME) == "assessment.run.engine:AssessmentEngine"
    from papermill.engines import papermill_engines

    assert papermill_engines.get_engine(ENGINE_NAME) is AssessmentEngine
    # papermill loads every engine on import: this module must not import papermill or
    # the heavy parts of the package when it is loaded
    code = ("import sys, assessment.run.engine; "
            "print(sorted(m for m in ('papermill', 'pandas', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_execute_notebook_runs_on_one_warm_kernel_with_a_clean_namespace(tmp_path, pool):
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    runs = []
    for cid, folder in (("first", tmp_path / "a"), ("second", tmp_path / "b")):
        folder.mkdir()
        nb = pm.execute_notebook(str(notebook), None, parameters={"company_id": cid},
                                 engine_name=ENGINE_NAME, kernel_pool=pool,
                                 progress_bar=False, cwd=str(folder))
        runs.append((_seen(nb), nb))
    (first, nb1), (second, nb2) = runs
    assert pool.started == 1 and first["pid"] == second["pid"]  # the same kernel
    assert first["history"] is False  # started by this engine, not papermill's own
    # nothing of the first run is visible in the second ...
    assert not second["leaked"] and not second["colorsys_name"]
    assert second["company_id"] == "second"
    # ... but what it imported is still loaded (that is what a warm kernel saves)
    assert not first["colorsys_loaded"] and second["colorsys_loaded"]
    # the working folder and the execution counts are those of a fresh kernel
    assert Path(first["cwd"]) == tmp_path / "a" and Path(second["cwd"]) == tmp_path / "b"
    assert [c.execution_count for c in nb2.cells] == [c.execution_count for c in nb1.cells]
    assert nb2.cells[-1].execution_count == 3


def test_a_failed_run_retires_its_kernel(tmp_path, pool):
    notebook = write_tiny_notebook(tmp_path / "fail.ipynb", (
        "import os\n"
        "print(os.getpid())\n"
        "if company_id == 'bad':\n"
        "    broken = True\n"
        "    raise RuntimeError('bad company')"))
    pids = []
    for cid in ("good", "bad", "after"):
        try:
            nb = pm.execute_notebook(str(notebook), None, parameters={"company_id": cid},
                                     engine_name=ENGINE_NAME, kernel_pool=pool,
                                     progress_bar=False)
        except PapermillExecutionError as exc:
            assert cid == "bad" and "bad company" in str(exc)
            continue
        pids.append(int(nb.cells[-1].outputs[0]["text"].strip()))
    # good ran on the first kernel, bad failed on it and retired it, after got a new one
    assert pool.started == 2 and pids[0] != pids[1]
    assert len(pool) == 1


def test_a_timeout_retires_its_kernel_and_keeps_what_ran(tmp_path, pool):
    notebook = write_tiny_notebook(tmp_path / "slow.ipynb", (
        "import time\nprint('started')\ntime.sleep(60)"))
    kept = tmp_path / "failed.ipynb"
    with pytest.raises(Exception, match="(?i)timed out"):
        pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                            engine_name=ENGINE_NAME, kernel_pool=pool, progress_bar=False,
                            execution_timeout=3, failure_path=str(kept))
    assert len(pool) == 0  # the busy kernel was shut down
    assert "started" in json.dumps(nbformat.read(kept, as_version=4).cells[-1].outputs)


def test_kernel_env_reaches_the_kernel_and_separates_warm_kernels(tmp_path, pool):
    notebook = write_tiny_notebook(
        tmp_path / "env.ipynb", "import os\nprint(os.environ.get('ASSESSMENT_PLOTLY_JSON'))")
    printed = []
    for env in ({"ASSESSMENT_PLOTLY_JSON": "0"}, {}, {"ASSESSMENT_PLOTLY_JSON": "0"}):
        nb = pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                                 engine_name=ENGINE_NAME, kernel_pool=pool,
                                 progress_bar=False, kernel_env=env)
        printed.append(nb.cells[-1].outputs[0]["text"].strip())
    assert printed[0] == "0" and printed[2] == "0"
    assert printed[1] == os.environ.get("ASSESSMENT_PLOTLY_JSON", "None")
    assert pool.started == 2  # one kernel per environment, the first reused


def test_fresh_kernel_runs_leave_no_kernel_behind(tmp_path, pool):
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    pids = set()
    for cid in ("a", "b"):
        nb = pm.execute_notebook(str(notebook), None, parameters={"company_id": cid},
                                 engine_name=ENGINE_NAME, kernel_pool=pool,
                                 fresh_kernel=True, progress_bar=False)
        seen = _seen(nb)
        assert not seen["leaked"] and not seen["colorsys_loaded"]
        pids.add(seen["pid"])
    assert len(pids) == 2 and pool.started == 0


def test_the_papermill_command_line_uses_the_engine(tmp_path):
    notebook = _probe_notebook(tmp_path / "probe.ipynb")
    out = tmp_path / "out.ipynb"
    papermill = Path(sys.executable).parent / "papermill"
    cmd = ([str(papermill)] if papermill.exists() else [sys.executable, "-m", "papermill"])
    subprocess.run([*cmd, "--engine", ENGINE_NAME, str(notebook), str(out),
                    "-p", "company_id", "cli", "--no-progress-bar"],
                   check=True, capture_output=True, cwd=tmp_path, timeout=240)
    seen = _seen(nbformat.read(out, as_version=4))
    assert seen["company_id"] == "cli" and not seen["leaked"]
    assert seen["history"] is False  # this engine's kernel (papermill's keeps history on)
    assert Path(seen["cwd"]) == tmp_path
    # and the kernel is gone with the command (the process-wide pool closes at exit)
    assert not _alive(seen["pid"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_a_kernel_that_dies_while_starting_is_replaced(tmp_path):
    """A kernel that dies during start-up (as when another process takes one of its
    ports) is replaced before any notebook meets it."""
    flag = tmp_path / "first-start-done"
    preload = (f"import os, pathlib\nflag = pathlib.Path({str(flag)!r})\n"
               "if not flag.exists():\n    flag.touch()\n    os._exit(1)\n")
    with KernelPool(preload=preload) as pool:
        kernel = pool.acquire("python3")
        try:
            assert flag.exists() and pool.started == 2 and kernel.alive()
        finally:
            pool.release(kernel, reusable=False)


def test_a_closed_pool_starts_no_kernel_in_place_of_the_one_it_shut_down(tmp_path):
    """Closing the pool while a thread's kernel still runs its preload (a batch stopping
    on an invalid dataset) shuts that kernel down, and the thread does not start another
    one in its place."""
    import threading
    import time

    flag = tmp_path / "preloading"
    preload = f"import pathlib, time\npathlib.Path({str(flag)!r}).touch()\ntime.sleep(30)\n"
    pool = KernelPool(preload=preload)
    errors: list[BaseException] = []

    def warm() -> None:
        try:
            pool.warm("python3")
        except BaseException as exc:  # noqa: BLE001 - what the thread met is checked below
            errors.append(exc)
        finally:
            pool.close_thread()

    thread = threading.Thread(target=warm)
    thread.start()
    deadline = time.monotonic() + 120
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert flag.exists()  # the preload runs
    pool.close()
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert pool.started == 1 and len(pool) == 0
    assert errors and "closed" in str(errors[0])


# papermill's own options, meaning what they mean with papermill's engine (engine_name
# None); each case runs on both engines

BOTH_ENGINES = pytest.mark.parametrize("engine", [None, ENGINE_NAME], ids=["papermill", "ours"])


@BOTH_ENGINES
def test_log_output_sends_cell_output_to_papermills_logger(tmp_path, pool, caplog, engine):
    notebook = write_tiny_notebook(
        tmp_path / "log.ipynb",
        "import sys\nprint('printed by the cell', company_id)\n"
        "print('warned by the cell', file=sys.stderr)")
    caplog.set_level(logging.INFO, logger="papermill")
    extra = {"kernel_pool": pool} if engine else {}
    pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                        engine_name=engine, progress_bar=False, log_output=True, **extra)
    mine = [(r.levelno, r.getMessage()) for r in caplog.records if r.name == "papermill"]
    texts = [m for _, m in mine]
    assert (logging.INFO, "printed by the cell x\n") in mine
    assert (logging.WARNING, "warned by the cell\n") in mine  # stderr as a warning
    assert "Executing notebook with kernel: python3" in texts
    assert sum(m.startswith("Executing Cell ") for m in texts) == 3  # with the injected cell


@BOTH_ENGINES
def test_without_log_output_no_cell_output_is_logged(tmp_path, pool, caplog, engine):
    notebook = write_tiny_notebook(tmp_path / "quiet.ipynb", "print('printed by the cell')")
    caplog.set_level(logging.INFO, logger="papermill")
    extra = {"kernel_pool": pool} if engine else {}
    pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                        engine_name=engine, progress_bar=False, **extra)
    texts = [r.getMessage() for r in caplog.records if r.name == "papermill"]
    assert "Executing notebook with kernel: python3" in texts  # papermill says it always
    assert not any("printed by the cell" in m or m.startswith("Executing Cell") for m in texts)


@BOTH_ENGINES
@pytest.mark.parametrize("option", ["execution_timeout", "timeout"])
def test_a_cell_that_runs_too_long_fails_with_papermills_timeout_error(tmp_path, pool, engine,
                                                                       option, caplog):
    notebook = write_tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(5)")
    extra = {"kernel_pool": pool} if engine else {}
    with pytest.raises(CellTimeoutError, match="timed out"):
        pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                            engine_name=engine, progress_bar=False, **{option: 1}, **extra)
    assert len(pool) == 0
    # nbclient says so through papermill's logger, as with papermill's engine
    assert "Timeout waiting for execute reply (1s)." in [
        r.getMessage() for r in caplog.records if r.name == "papermill"]


def test_a_caller_can_give_the_engine_a_quiet_logger(tmp_path, pool, caplog):
    notebook = write_tiny_notebook(tmp_path / "slow.ipynb", "import time\ntime.sleep(5)")
    quiet = logging.getLogger("assessment.tests.quiet")
    caplog.set_level(logging.INFO, logger=quiet.name)
    with pytest.raises(CellTimeoutError):
        pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                            engine_name=ENGINE_NAME, kernel_pool=pool, progress_bar=False,
                            execution_timeout=1, log=quiet)
    seen = {r.name: r.getMessage() for r in caplog.records
            if r.getMessage().startswith("Timeout waiting")}
    assert list(seen) == [quiet.name]  # nbclient's line went there, not to papermill's


@pytest.fixture()
def slow_kernel(tmp_path, monkeypatch):
    """A Python kernel whose process never answers (as one on a machine too busy to start
    it in time): its spec in a folder of its own on JUPYTER_PATH."""
    name = f"slow-start-{os.getpid()}-{tmp_path.name}"
    folder = tmp_path / "jupyter" / "kernels" / name
    folder.mkdir(parents=True)
    # the sleep comes before ipykernel would start; "ipykernel_launcher" makes it count as
    # an IPython kernel, so our engine takes the warm-kernel path
    argv = [sys.executable, "-c", "import time; time.sleep(60)", "ipykernel_launcher",
            "-f", "{connection_file}"]
    (folder / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": "slow", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return name


@pytest.mark.parametrize("engine,preload", [(None, None), (ENGINE_NAME, None),
                                            (ENGINE_NAME, "import json")],
                         ids=["papermill", "ours", "ours-preload"])
def test_a_kernel_that_does_not_start_in_start_timeout_fails_the_run(tmp_path, slow_kernel,
                                                                     engine, preload):
    notebook = write_tiny_notebook(tmp_path / "nb.ipynb")
    with KernelPool(preload=preload) as pool:
        extra = {"kernel_pool": pool} if engine else {}
        with pytest.raises(RuntimeError, match="didn't respond in 2 seconds"):
            pm.execute_notebook(str(notebook), None, parameters={"company_id": "x"},
                                kernel_name=slow_kernel, engine_name=engine,
                                progress_bar=False, start_timeout=2, **extra)
        assert len(pool) == 0  # the kernel that never answered was shut down
