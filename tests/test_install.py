"""The package installed the way a user installs it, outside the repository.

``pip install`` (not editable) of a copy of the source into a fresh virtual environment in a
temporary folder, then ``python -m assessment reports DATASET --out OUT`` run from another
folder on a copy of the sample data: the report notebook, the nbconvert template and the
texts must all come from the installed package, not from the repository.

To run without downloading the dependencies, the new environment is given the test
environment's installed dependencies: a ``.pth`` file adds this environment's
``site-packages`` to its ``sys.path`` (after its own, so the fresh install of
``assessment`` comes first; the editable install's finder is not activated, since the
``.pth`` files of an added folder are not processed), and ``JUPYTER_PATH`` points at this
environment's ``share/jupyter``, where installing nbconvert and ipykernel would otherwise
have put their templates and kernel spec.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from .conftest import ROOT, SAMPLE

pytestmark = pytest.mark.timeout(300)

# what a source distribution of the package holds
SOURCE_FILES = ("pyproject.toml", "README.md")
COMPANIES = "pcmaker,shoes"


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 180
         ) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> tuple[Path, dict[str, str], Path]:
    """A fresh venv with the package installed from a copy of the source; returns its
    python, the environment to run it in and a work folder outside the repository."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(ROOT / "assessment", source / "assessment",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))

    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    purelib = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "JUPYTER_PATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    work = base / "work"
    work.mkdir()
    # pip of this environment, installing into the new one (no pip needed in it); the
    # wheel is built as pip builds it for a user, in an isolated environment with the
    # build backend pyproject.toml asks for (pip's only download, when not cached)
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", str(source)], work, env)
    return python, env, work


def test_the_installed_package_is_not_the_repository(installed):
    python, env, work = installed
    code = ("import assessment, assessment.run.notebook as n; "
            "print(assessment.__file__); print(n.default_notebook())")
    printed = _run([str(python), "-c", code], work, env).stdout.split("\n")
    package, notebook = Path(printed[0]), Path(printed[1])
    venv = python.parent.parent
    assert package.is_relative_to(venv) and not package.is_relative_to(ROOT)
    assert notebook.is_relative_to(venv) and notebook.name == "report.ipynb"
    assert notebook.read_bytes() == (ROOT / "notebooks" / "report.ipynb").read_bytes()


def test_python_m_assessment_reports_runs_outside_the_repository(installed):
    python, env, work = installed
    dataset = work / "data"
    shutil.copytree(SAMPLE, dataset)
    out = work / "reports"
    done = _run([str(python), "-m", "assessment", "reports", "data", "--out", "reports",
                 "--companies", COMPANIES, "--jobs", "2"], work, env, timeout=240)
    assert "0 failed" in done.stdout
    for cid in COMPANIES.split(","):
        page = (out / f"{cid}.html").read_text(encoding="utf-8")
        assert "Plotly.newPlot" in page and "import " not in page
        assert '<script charset="utf-8" src="plotly.min.js"></script>' in page
        made = json.loads((out / f"{cid}.ipynb").read_text(encoding="utf-8"))
        # the notebook that ran is the installed package's copy
        notebook = Path(made["metadata"]["assessment_batch"]["notebook"])
        assert notebook.is_relative_to(python.parent.parent)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["reports"]["ok"] == 2
    assert (out / "index.html").exists() and (out / "plotly.min.js").exists()
