"""The workshop as participants see it: Voila serves the notebook on localhost, headless
Chromium answers through the page, the chart changes and the session file on disk holds
the answers; the same page then switches to German (one server and one kernel for both).
Voila is stopped at the end, also when the test fails."""

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


IN_VIEW = """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
  return [r.top, r.bottom, r.left, r.right, window.innerHeight, window.innerWidth]; }"""
ROW = """(sel) => Array.from(document.querySelectorAll(sel + ' button')).map(b => {
  const r = b.getBoundingClientRect(); return [Math.round(r.top), r.width]; })"""


def _check_layout(page, item: str) -> None:
    """The current question, the profile chart and the findings on screen; the answer
    buttons of ``item`` on one row, the five scale buttons equally wide."""
    top, bottom, _l, _r, height, width = page.evaluate(IN_VIEW, ".ws-item.ws-current")
    assert -1 <= top and bottom <= height + 1, ("current question", top, bottom, height)
    top, bottom, left, right, height, width = page.evaluate(IN_VIEW, ".js-plotly-plot")
    assert 0 <= top and bottom <= height and right <= width, ("chart", top, bottom, right)
    assert bottom - top > 0.35 * height  # sized to the window, not a fixed 500 px
    top, bottom, *_rest, height, _w = page.evaluate(IN_VIEW, ".ws-findings")
    assert top < height - 40, ("findings", top, height)
    buttons = page.evaluate(ROW, f".ws-ctrl-{item}")
    assert len(buttons) == 6 and len({t for t, _w in buttons}) == 1, buttons
    widths = [w for _t, w in buttons[1:]]
    assert max(widths) - min(widths) < 1.5, widths
    size = page.evaluate("""() => [parseFloat(getComputedStyle(document.querySelector(
        '.ws-item-text')).fontSize), parseFloat(getComputedStyle(document.querySelector(
        '.ws-item button')).fontSize)]""")
    assert size[0] >= 20 and size[1] >= 16, size


def _wait_chart(page) -> None:
    page.wait_for_function(
        "(() => { const b = document.querySelector('.ws-fig'); const p = b && "
        "b.querySelector('.js-plotly-plot'); return p && p._fullLayout && "
        "Math.abs(p._fullLayout.height - b.clientHeight) < 3 && "
        "Math.abs(p._fullLayout.width - b.clientWidth) < 3; })()", timeout=120_000)


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
    """Answers clicked in the page change the chart and the session file; switching the
    page to German then switches every text (title, questions, status, findings, keys)
    and the layout still fits a 1366x768 projector."""
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
            # German in the same page (the same server): everything switches
            page.set_viewport_size({"width": 1366, "height": 768})
            page.locator(".ws-header button", has_text="DE").click()
            page.wait_for_function("document.querySelector('.ws-title').textContent"
                                   ".includes('Workshop Wertdisziplinen')", timeout=60_000)
            page.wait_for_function(  # questions, status and findings switched too
                "(() => { const q = document.querySelector('.ws-questions'); "
                "const s = Array.from(document.querySelectorAll('.ws-header .ws-status'))"
                ".some(e => e.innerText.includes('Gespeichert')); "  # the offer's hint is one too
                "return q && q.innerText.includes('Kundinnen und Kunden erhalten') && "
                "s && document.querySelector("
                "'.ws-findings').innerText.includes('Befragung'); })()", timeout=120_000)
            page.locator(".ws-ctrl-oe_exp_6 button").nth(3).click()  # "not answered", 1, 2, 3
            _wait_chart(page)
            _check_layout(page, "oe_exp_6")
            assert "Tasten" in page.inner_text(".ws-help")
            page.wait_for_function("document.querySelector('.ws-ctrl-oe_exp_6 "
                                   "button.mod-active').textContent.startsWith('3')",
                                   timeout=60_000)
        finally:
            browser.close()
    items = ["oe_exp_1", "oe_exp_2", "oe_exp_3", "oe_exp_4", "oe_exp_5"]
    # oe_exp_3 is reverse-keyed: 4 scores 2, so the experience score is (4*4 + 2) / 5
    assert y[0] == pytest.approx((4 * 4 + 2) / 5)
    (session,) = sorted((data / "workshops").glob("pcmaker-*.csv"))
    with session.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert [row[i] for i in items] == ["4"] * 5
    assert row["oe_exp_6"] == "3" and row["company_id"] == "pcmaker"  # answered in German
    assert _team_size(data) == 7
    assert not (SAMPLE / "workshops").exists()
