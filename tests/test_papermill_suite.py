"""papermill's own execution tests, run with ``assessment`` as papermill's default engine.

The installed papermill's ``tests/test_execute.py``, ``test_engines.py`` and ``test_cli.py``
run in a subprocess with the plugin :mod:`tests.papermill_default_engine`, which registers
the package's engine as papermill's default through papermill's public registry. Every test
must pass except these, which cannot apply:

- ``TestNotebookHelpers::test_start_timeout`` and ``::test_default_start_timeout`` replace
  papermill's ``PapermillNotebookClient`` with a mock and assert the arguments papermill's
  own nbclient engine gives it. The assessment engine runs cells on its warm kernels and
  never constructs that client; how it honours ``start_timeout`` (and a kernel that never
  becomes ready) is tested in ``tests/test_engine.py``.
- ``TestBrokenNotebook2::test`` expects a ``display_data`` output before the error of a
  cell that raises after displaying; with the installed IPython the cell's error comes
  first, so the test fails with papermill's own engine as well. The test below checks
  that it still fails with papermill's engine; should it start passing there, it must
  pass with ours.

Not run: ``test_cli.py``'s seven tests that start ``python -m papermill`` as a new process
(``test_pipe_*``, ``test_stdout_file``). The plugin is not loaded in that process, so
they would run papermill's own engine, not ours, at about 30 s each; the command line with
``--engine assessment`` is tested in ``tests/test_engine.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import papermill
import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "tests.papermill_default_engine"
NOT_APPLICABLE = {
    "papermill.tests.test_execute.TestNotebookHelpers::test_start_timeout",
    "papermill.tests.test_execute.TestNotebookHelpers::test_default_start_timeout",
}
FAILS_WITH_PAPERMILLS_ENGINE = {"papermill.tests.test_execute.TestBrokenNotebook2::test"}
#: papermill's CLI tests that start a new ``python -m papermill`` process (see above)
NEW_PROCESS = "not test_pipe_ and not test_stdout_file"


def run_papermill_tests(tmp_path: Path, modules: list[str], *, ours: bool = True,
                        select: str | None = None) -> dict[str, str]:
    """Run papermill's test ``modules``; ``{test: outcome}`` from pytest's JUnit XML."""
    report, ini = tmp_path / "junit.xml", tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")  # none of this repository's options
    # test names relative to the folder papermill is installed in: papermill.tests.<module>
    rootdir = Path(papermill.__file__).resolve().parents[1]
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", str(ini),
            "--rootdir", str(rootdir), f"--junitxml={report}",
            *(["-p", PLUGIN] if ours else []), *(["-k", select] if select else []),
            "--pyargs", *(f"papermill.tests.{m}" for m in modules)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    done = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1500)
    assert report.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[name] = ("failed" if kinds & {"failure", "error"} else
                          "skipped" if "skipped" in kinds else "passed")
    return outcomes


@pytest.mark.timeout(1600)
@pytest.mark.parametrize("modules", [["test_execute", "test_engines"], ["test_cli"]],
                         ids=["execute+engines", "cli"])
def test_papermills_own_tests_pass_with_the_assessment_engine(tmp_path, modules):
    outcomes = run_papermill_tests(tmp_path, modules, select=NEW_PROCESS)
    assert len(outcomes) > 20  # the modules were found and run
    failed = {name for name, outcome in outcomes.items() if outcome == "failed"}
    allowed = NOT_APPLICABLE | FAILS_WITH_PAPERMILLS_ENGINE
    assert failed <= allowed, sorted(failed - allowed)
    assert "skipped" not in outcomes.values()


def test_the_documented_exception_fails_with_papermills_own_engine(tmp_path):
    outcomes = run_papermill_tests(tmp_path, ["test_execute"], ours=False,
                                   select="TestBrokenNotebook2")
    assert {name: outcome for name, outcome in outcomes.items()
            if name in FAILS_WITH_PAPERMILLS_ENGINE} == dict.fromkeys(
        FAILS_WITH_PAPERMILLS_ENGINE, "failed")


def test_the_plugin_makes_assessment_papermills_default_engine():
    code = ("import tests.papermill_default_engine\n"
            "from papermill.engines import papermill_engines\n"
            "from assessment.run.engine import AssessmentEngine\n"
            "assert papermill_engines.get_engine(None) is AssessmentEngine\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)
