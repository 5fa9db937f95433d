"""The workshop as participants see it: Voila serves the notebook on localhost, headless
Chromium answers through the page, the chart changes and the session file on disk holds
the answers. Voila is stopped at the end, also when the test fails."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "workshop.ipynb"
SAMPLE = ROOT / "data" / "sample"
VOILA = Path(sys.executable).with_name("voila")
START_TIMEOUT = 180  # s until Voila answers (a loaded CI machine is slow)
PAGE_TIMEOUT = 240_000  # ms until the workshop (kernel + widgets + plotly) is on the page

import playwright.sync_api as playwright  # noqa: E402

from assessment.run.browser import LAUNCH_ARGS  # noqa: E402
from assessment.workshop.server_config import VOILA_CONFIG, voila_args, voila_env  # noqa: E402


def test_browser_tools_are_installed(chromium):
    """The browser test below needs a Chromium (found or the session stops) and Voila."""
    assert chromium.is_file() and os.access(chromium, os.X_OK), chromium
    assert VOILA.exists(), "needs voila in the environment (pip install -e '.[dev]')"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stop(proc: subprocess.Popen) -> None:
    """Stop Voila and its kernels (its own process group)."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@pytest.fixture
def voila(tmp_path, request):
    """Voila on a free localhost port serving the workshop on a copy of the sample data
    (settings of a ``voila_config`` mark replacing the workshop's own)."""
    marker = request.node.get_closest_marker("voila_config")
    config = {cls: dict(traits) for cls, traits in VOILA_CONFIG.items()}
    for cls, traits in (marker.args[0] if marker else {}).items():
        config.setdefault(cls, {}).update(traits)
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("workshops", ".*.lock"))
    port = _free_port()
    env = voila_env(dict(os.environ, WORKSHOP_DATASET=str(data), WORKSHOP_COMPANY="pcmaker",
                         WORKSHOP_LANG="en", WORKSHOP_MODE="team"))
    log = (tmp_path / "voila.log").open("wb")
    proc = subprocess.Popen(
        [str(VOILA), str(NOTEBOOK), "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1", "--Voila.port_retries=0", *voila_args(config)],
        cwd=NOTEBOOK.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail("voila exited:\n" + (tmp_path / "voila.log").read_text())
            try:  # any HTTP answer (even 403 for a file) means the server is up
                with urllib.request.urlopen(url + "voila/static/", timeout=5):
                    break
            except urllib.error.HTTPError:
                break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail(f"voila did not answer within {START_TIMEOUT} s")
                time.sleep(0.5)
        yield url, data, proc
    finally:
        _stop(proc)
        log.close()


#: the profile chart's first trace's values (the chart in the ".ws-fig" box: the page may
#: hold other plots, and the chart is redrawn when it is laid out for its box), or null
#: while that chart has no data yet
PROFILE_Y = ("(() => { const p = document.querySelector('.ws-fig .js-plotly-plot');"
             " const t = p && p.data && p.data[0]; return t ? Array.from(t.y || []) : null; })()")


def _profile_y(page) -> list:
    page.wait_for_function(f"{PROFILE_Y} !== null", timeout=60_000)
    return page.evaluate(PROFILE_Y)


def _team_size(data: Path) -> int | None:
    """The team size the (one) session file of pcmaker holds."""
    found = sorted((data / "workshops").glob("pcmaker-*.json"))
    return json.loads(found[0].read_text(encoding="utf-8")).get("team_size") if found else None


@pytest.mark.timeout(600)
def test_answer_in_the_browser_changes_chart_and_session_file(voila, chromium, tmp_path):
    url, data, _proc = voila
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(url, timeout=PAGE_TIMEOUT)
            page.wait_for_selector(".ws-fig .js-plotly-plot", timeout=PAGE_TIMEOUT)
            page.wait_for_selector(".ws-ctrl-oe_exp_1", timeout=PAGE_TIMEOUT)
            assert "Configurix Computers" in page.inner_text(".ws-title")
            assert all(v is None for v in _profile_y(page))  # nothing answered yet
            assert "def " not in page.content()  # participants see widgets, not code
            # five of the seven experience items of operational excellence: enough to score
            for k in range(1, 6):
                page.locator(f".ws-ctrl-oe_exp_{k} button", has_text="4 Agree").click()
                active = f"document.querySelector('.ws-ctrl-oe_exp_{k} button.mod-active')"
                page.wait_for_function(f"{active} && {active}.textContent.startsWith('4')",
                                       timeout=60_000)
            page.wait_for_function(
                f"(() => {{ const y = {PROFILE_Y}; return y !== null && y.length > 0 &&"
                " y[0] !== null && y[0] !== undefined; })()", timeout=60_000)
            y = _profile_y(page)
            assert all(v is None for v in y[1:])  # only operational excellence is scored
            size = page.locator(".ws-team-size input")  # how many people are in the room
            size.fill("7")
            size.press("Enter")
            deadline = time.monotonic() + 60  # saved by the kernel at once
            while _team_size(data) != 7 and time.monotonic() < deadline:
                time.sleep(0.2)
            page.screenshot(path=str(tmp_path / "workshop.png"))
        finally:
            browser.close()
    items = ["oe_exp_1", "oe_exp_2", "oe_exp_3", "oe_exp_4", "oe_exp_5"]
    # oe_exp_3 is reverse-keyed: 4 scores 2, so the experience score is (4*4 + 2) / 5
    assert y[0] == pytest.approx((4 * 4 + 2) / 5)
    (session,) = sorted((data / "workshops").glob("pcmaker-*.csv"))
    with session.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert [row[i] for i in items] == ["4"] * 5
    assert row["oe_exp_6"] == "" and row["company_id"] == "pcmaker"
    assert _team_size(data) == 7
    assert not (SAMPLE / "workshops").exists()
