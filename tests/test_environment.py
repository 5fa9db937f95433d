"""environment.yml (conda) and pyproject.toml (pip) name the same runtime dependencies."""

from __future__ import annotations

import re

import tomllib
import yaml

from .conftest import ROOT

# conda-forge names that differ from the PyPI names
CONDA_NAMES = {"pyyaml": "pyyaml"}


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_runtime_dependencies_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_deps = {_name(d) for d in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    conda_deps = {_name(d) for d in conda}
    assert {"python", "pip"} <= conda_deps
    expected = {CONDA_NAMES.get(d, d) for d in pip_deps}
    assert expected - conda_deps == set(), "missing from environment.yml"
    assert conda_deps - expected - {"python", "pip"} == set(), "missing from pyproject.toml"
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section


def _spec(requirement: str) -> str:
    return requirement.strip()[len(_name(requirement)):].replace(" ", "")


def test_runtime_version_ranges_agree_and_are_bounded():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = {_name(d): _spec(d) for d in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_specs = {_name(d): _spec(d) for d in env["dependencies"] if isinstance(d, str)}
    for name, spec in pip_specs.items():
        assert conda_specs[CONDA_NAMES.get(name, name)] == spec, name
        # a range the tests cover: a lower bound and an upper bound below the next major
        assert ">=" in spec and "<" in spec.replace("<=", ""), (name, spec)


def test_required_packages_of_the_design_are_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    deps = {_name(d) for d in project["dependencies"]}
    assert {"jupyterlab", "ipywidgets", "pandas", "plotly", "papermill"} <= deps
    assert project["scripts"]["value-disciplines"] == "assessment.cli:main"


def test_the_tests_run_against_versions_inside_the_supported_ranges():
    from importlib.metadata import version

    from packaging.specifiers import SpecifierSet

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    outside = {}
    for requirement in project["dependencies"]:
        name, spec = _name(requirement), _spec(requirement)
        if version(name) not in SpecifierSet(spec):
            outside[name] = (version(name), spec)
    assert outside == {}
