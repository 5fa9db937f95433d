"""The workshop room in a real browser: ``python -m assessment workshop`` serves the
facilitator's Voila page and the participant page on one server; five simulated phones
(390x844) join and answer at the same time, the facilitator sees all five and their
agreement, closes the round, starts the consensus from it and exports it into a copy of
the sample data, which :func:`assessment.score` then scores. The server is stopped at the
end, also when the test fails."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import assessment as va

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
# Voila's page bundles JupyterLab 4.2.5 while its own widget manager and jupyterlab_widgets
# were built against newer JupyterLab releases: webpack's module federation then prints these
# notices (harmless: the modules' APIs are unchanged). Only a Voila release whose page
# bundles the newer JupyterLab ends them; every other warning or error fails the test.
UPSTREAM_NOTICE = re.compile(
    r"(Unsatisfied version \S+ from _JUPYTERLAB\.CORE_OUTPUT of shared singleton module"
    r"|No satisfying version \S+ of shared module) @jupyterlab/[a-z-]+\b")
START_TIMEOUT = 180  # s until the server prints its addresses and answers
PAGE_TIMEOUT = 240_000  # ms until the workshop (kernel + widgets + plotly) is on the page
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 1}

import playwright.sync_api as playwright  # noqa: E402

from assessment.run.browser import LAUNCH_ARGS  # noqa: E402

from .test_workshop_browser import _free_port, _stop  # noqa: E402


@pytest.fixture
def workshop_server(tmp_path):
    """``python -m assessment workshop`` on a copy of the sample data; yields the
    facilitator's address and the data folder."""
    data = tmp_path / "sample"
    shutil.copytree(SAMPLE, data, ignore=shutil.ignore_patterns("workshops", ".*.lock"))
    port = _free_port()
    log_path = tmp_path / "server.log"
    log = log_path.open("wb")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [sys.executable, "-m", "assessment", "workshop", str(data), "--company", "pcmaker",
         "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            text = log_path.read_text(errors="replace")
            found = re.search(r"Facilitator \(this laptop\): (\S+)", text)
            if found and "is running at" in text:
                break
            if proc.poll() is not None:
                pytest.fail("the workshop server exited:\n" + text)
            if time.monotonic() > deadline:
                pytest.fail(f"no server within {START_TIMEOUT} s:\n{text}")
            time.sleep(0.5)
        assert f"http://127.0.0.1:{port}/workshop-room/" in text  # the participants' base
        yield found.group(1), data
    finally:
        _stop(proc)
        log.close()


#: each phone's score for operational excellence's experience (every item, keyed) and its
#: answer to oe_set_1 (the statement the team disagrees on most)
SCORES = [4, 4, 5, 3, 4]
SET_1 = [1, 5, 1, 5, 3]
NAMES = ["Anna", "", "Bram", "Chris", "Dana"]


@pytest.mark.timeout(900)
def test_five_phones_answer_and_the_consensus_is_exported_and_scored(workshop_server,
                                                                      chromium, tmp_path):
    url, data = workshop_server
    inst = va.load_dataset(data).instrument  # the version the session is answered in
    exp = inst.cell_items("operational_excellence", "experience")
    shots = Path(os.environ.get("WORKSHOP_SHOTS", tmp_path))
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            outside: list[str] = []  # offline: every request stays on this server
            here = url.split("/voila/")[0]
            browser.contexts[0].on("request", lambda r: r.url.startswith(
                (here, "blob:", "data:")) or outside.append(r.url))
            console: list[str] = []
            page.on("console", lambda m: m.type in ("error", "warning")
                    and not UPSTREAM_NOTICE.match(m.text) and console.append(m.text))
            page.on("pageerror", lambda e: console.append(str(e)))
            page.goto(url, timeout=PAGE_TIMEOUT)
            page.wait_for_selector(".ws-ctrl-oe_exp_1", timeout=PAGE_TIMEOUT)
            page.locator(".ws-room button", has_text="answer on their phones").click()
            page.wait_for_selector(".ws-room-qr svg", timeout=60_000)
            qr_text = page.inner_text(".ws-room-qr p")
            room = json.loads(next((data / "workshops").glob("*.room/room.json")).read_text())
            phone_url = re.search(r"(http://\S+/workshop-room/\S+)", qr_text).group(1)
            assert phone_url.endswith(f"/{room['session']}/{room['token']}")

            phones = [browser.new_context(**PHONE).new_page() for _ in SCORES]
            for phone in phones:
                phone.on("request", lambda r: r.url.startswith((here, "blob:", "data:"))
                         or outside.append(r.url))
                phone.on("console", lambda m: m.type in ("error", "warning")
                         and "status of 409" not in m.text  # the closed round, below
                         and console.append(f"phone: {m.text}"))
                phone.on("pageerror", lambda e: console.append(f"phone: {e}"))
            for phone, name in zip(phones, NAMES, strict=True):
                phone.goto(phone_url, timeout=60_000)
                phone.fill("#rp-name", name)
                phone.click("button.rp-primary")
                phone.wait_for_selector("#rp-items", state="visible", timeout=30_000)
            # all five answer at the same time: one statement after the other, round robin
            for item in exp:
                for phone, score in zip(phones, SCORES, strict=True):
                    value = 6 - score if item.reverse else score
                    phone.click(f'.rp-item[data-item="{item.id}"] button[data-value="{value}"]')
            for phone, value in zip(phones, SET_1, strict=True):
                phone.click(f'.rp-item[data-item="oe_set_1"] button[data-value="{value}"]')
            for phone in phones:
                # a locator, not wait_for_function: polling a JavaScript string needs eval,
                # which the participant page's Content-Security-Policy forbids
                phone.locator("#rp-status", has_text=f"{len(exp) + 1} of").wait_for(
                    timeout=60_000)
            phone = phones[0]
            phone.locator('.rp-item[data-item="oe_exp_1"]').scroll_into_view_if_needed()
            phone.evaluate("window.scrollBy(0, -120)")
            phone.screenshot(path=str(shots / "workshop-phone.png"))
            assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways

            # the facilitator's picture: five joined and answered, the agreement by hand
            page.wait_for_function(
                "document.querySelector('.ws-room-counts') && document.querySelector("
                "'.ws-room-counts').textContent.startsWith('5 joined · 5 answered')",
                timeout=30_000)
            row = page.locator(".ws-room-cells tr", has_text="Operational excellence · "
                               "Customer experience").first
            # every keyed item has the variance of SCORES (0.5): r_wg(7) = 5.25 / 5.5
            j = len(exp)
            expected = ["5", f"{sum(SCORES) / 5:.2f}", f"{j * 0.75 / (j * 0.75 + 0.25):.2f}"]
            deadline = time.monotonic() + 30  # the panel reads the phones' files every 0.5 s
            while True:
                cells = row.locator("td").all_inner_texts()
                if [*cells[1:3], cells[4]] == expected or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert [*cells[1:3], cells[4]] == expected
            assert row.locator(".ws-room-strip span").count() == 5
            # the phones' last answers may still be on their way: the panel catches up
            wanted = inst.item("oe_set_1").text.en
            page.wait_for_function(
                "([text, spread]) => { const r = document.querySelector("
                "'.ws-room-disagree tbody tr'); return r && r.innerText.includes(text) && "
                "r.innerText.includes(spread); }", arg=[wanted, "2.00"], timeout=30_000)
            page.locator(".ws-room").screenshot(path=str(shots / "workshop-room-panel.png"))

            # close the round: the phones can no longer change anything
            page.locator(".ws-room button", has_text="Close the round").click()
            page.wait_for_function("document.querySelector('.ws-room-counts').textContent"
                                   ".includes('round closed')", timeout=30_000)
            phones[1].click('.rp-item[data-item="oe_exp_2"] button[data-value="1"]')
            phones[1].wait_for_selector("#rp-closed", state="visible", timeout=30_000)
            page.locator(".ws-room button", has_text="Start the consensus").click()
            page.wait_for_function("document.querySelector('.ws-room').textContent"
                                   ".includes('medians of 5 participants')", timeout=60_000)
            page.locator(".lm-TabBar-tab", has_text="Export").click()
            page.locator("button", has_text="Export answers to responses.csv").click()
            page.wait_for_function("document.body.textContent.includes("
                                   "'1 respondent(s) appended to responses.csv')",
                                   timeout=60_000)
            assert not outside, outside  # no CDN, no cloud: MathJax included
            assert not console, console  # no errors, no warnings but Voila's notices
        finally:
            browser.close()
    ds = va.load_dataset(data)
    team = ds.responses[ds.responses["perspective"] == "team"]
    assert len(team) == 1
    row = team.iloc[0]
    for item in exp:  # the medians of the five phones
        assert row[item.id] == (6 - 4 if item.reverse else 4)
    assert row["oe_set_1"] == 3
    scores = va.score(ds)
    comp = scores.company
    got = comp[(comp["company_id"] == "pcmaker") & (comp["perspective"] == "team")
               & (comp["discipline"] == "operational_excellence")
               & (comp["lens"] == "experience")]
    assert got["mean"].tolist() == [4.0]
    session = json.loads(next((data / "workshops").glob("pcmaker-*.json")).read_text())
    assert session["team_size"] == 5
