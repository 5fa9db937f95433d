"""Shared fixtures: the bundled sample dataset, a builder for tiny in-memory datasets and
the Chromium the browser tests launch (found once per session; none stops the session)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.instrument.models import INSTRUMENT_VERSIONS
from assessment.intake.dataset import Dataset
from assessment.run.browser import BrowserMissing, find_chromium

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SAMPLE_VERSION = "1.0.0"  # the instrument version data/sample was answered with


# Exit status when the browser tests cannot have a browser (the set-up is incomplete).
NO_BROWSER_EXIT = pytest.ExitCode.USAGE_ERROR
_browser: dict[str, Path] = {}


def _chromium_or_exit() -> Path:
    """The browser, looked for (and installed if need be) once; else one line and exit."""
    if "path" not in _browser:
        try:
            _browser["path"] = find_chromium()
        except BrowserMissing as exc:
            pytest.exit(str(exc), returncode=NO_BROWSER_EXIT)
    return _browser["path"]


#: fixtures of the slow tests (a real browser, a Voila server)
SLOW_FIXTURES = {"chromium", "voila", "browser"}


def pytest_collection_modifyitems(session, config, items) -> None:
    """Before any test runs: if a selected test needs the browser, find it or stop. The
    files with browser tests come first (each file keeps its order): ``make test`` hands
    whole files to two workers in this order, and the longest first lets them finish
    together instead of one waiting on a browser file at the end."""
    slow = {item.path for item in items
            if SLOW_FIXTURES & set(getattr(item, "fixturenames", ()))}
    items.sort(key=lambda item: item.path not in slow)  # stable: the rest keeps its order
    if config.option.collectonly:
        return
    if any("chromium" in getattr(item, "fixturenames", ()) for item in items):
        _chromium_or_exit()


@pytest.fixture(scope="session")
def chromium() -> Path:
    """The Chromium or Chrome executable the browser tests launch."""
    return _chromium_or_exit()


@pytest.fixture(scope="session")
def instrument() -> va.Instrument:
    """The instrument version data/sample was answered with (1.0.0), whose cells the
    hand-computed expectations count; ``latest_instrument`` is the newest."""
    return va.load_instrument(version=SAMPLE_VERSION)


@pytest.fixture(scope="session")
def latest_instrument() -> va.Instrument:
    return va.load_instrument()


@pytest.fixture(scope="session")
def sample_dataset() -> Dataset:
    return va.load_dataset(SAMPLE)


@pytest.fixture(scope="session")
def sample_scores(sample_dataset) -> va.Scores:
    return va.score(sample_dataset)


@pytest.fixture(scope="session")
def sample_diagnoses(sample_scores) -> dict[str, va.Diagnosis]:
    return va.diagnose(sample_scores)


def make_dataset(
    respondents: list[dict],
    instrument: va.Instrument | None = None,
    companies: list[str] | None = None,
) -> Dataset:
    """An in-memory dataset from respondent dicts.

    Each dict may hold ``company_id`` (default "x"), ``respondent_id`` (default r<i>),
    ``perspective`` (default internal), ``department`` (default "Ops" for staff),
    ``wave`` (default ""), ``participants`` (a team's size, for perspective ``team``) and
    item answers by id (raw, before reverse keying); any item not given is blank.
    """
    inst = instrument or va.load_instrument(version=SAMPLE_VERSION)
    integ = load_integration(
        version=inst.version if inst.version in INSTRUMENT_VERSIONS else None)
    rows = []
    for i, r in enumerate(respondents):
        persp = r.get("perspective", "internal")
        row = {
            "wave": r.get("wave", ""),
            "company_id": r.get("company_id", "x"),
            "respondent_id": r.get("respondent_id", f"r{i}"),
            "perspective": persp,
            "department": r.get("department", "Ops" if persp == "internal" else ""),
            "participants": float(r.get("participants", np.nan)),
            "row": i + 2,
        }
        for item in inst.item_ids + integ.item_ids:
            row[item] = float(r[item]) if item in r and r[item] is not None else np.nan
        rows.append(row)
    resp = pd.DataFrame(rows)
    ids = companies or sorted(set(resp["company_id"]))
    comp = pd.DataFrame({"company_id": ids, "name": [f"Company {c}" for c in ids],
                         "industry": "test"})
    return Dataset(Path("mem"), comp, resp, inst, integration=integ)


def cell_ids(instrument: va.Instrument, discipline: str, lens: str) -> list[str]:
    """Item ids of one cell."""
    return [i.id for i in instrument.cell_items(discipline, lens)]


def keyed_answers(instrument: va.Instrument, discipline: str, lens: str,
                  value: float) -> dict[str, float]:
    """Raw answers that all score ``value`` after reverse keying."""
    lo, hi = instrument.scale.min, instrument.scale.max
    return {i.id: (lo + hi - value if i.reverse else value)
            for i in instrument.cell_items(discipline, lens)}


def profile_answers(instrument: va.Instrument, lens: str, oe: float, ci: float,
                    pl: float) -> dict[str, float]:
    """Raw answers giving the keyed scores (oe, ci, pl) in one lens."""
    out: dict[str, float] = {}
    for d, v in zip(va.DISCIPLINES, (oe, ci, pl), strict=True):
        out.update(keyed_answers(instrument, d, lens, v))
    return out


#: more kernels than this in one test is a bug under test (a flood): stop at once
MAX_KERNELS = 6


@pytest.fixture(scope="module")
def browser(chromium):
    """One headless Chromium (Playwright) for the tests of a module."""
    from playwright import sync_api

    from assessment.run.browser import LAUNCH_ARGS

    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def kernel_starts(monkeypatch) -> list[int]:
    """Grows by one for every kernel a ``KernelPool`` starts (and refuses a flood)."""
    from assessment.run.kernels import KernelPool

    started: list[int] = []
    real_start = KernelPool._start_once

    def counting_start(self, *args, **kwargs):
        started.append(1)
        if len(started) > MAX_KERNELS:
            raise RuntimeError(f"more than {MAX_KERNELS} kernels started")
        return real_start(self, *args, **kwargs)

    monkeypatch.setattr(KernelPool, "_start_once", counting_start)
    return started
