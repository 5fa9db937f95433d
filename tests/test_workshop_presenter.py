"""The presenter view: its layout at projector sizes (real Chromium), a reload in the middle
of a session, taking a session over from a process that still holds it, the page in every
language, and the settings Voila is started with."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assessment.workshop.app import SessionInUse, Workshop
from assessment.workshop.locks import SessionLock
from assessment.workshop.server_config import SHARE, VOILA_CONFIG, voila_args, voila_env
from assessment.workshop.session import list_sessions

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def data(tmp_path):
    return shutil.copytree(SAMPLE, tmp_path / "sample",
                           ignore=shutil.ignore_patterns("workshops", ".*.lock"))


def _hold(lock: Path, seconds: float = 60) -> subprocess.Popen:
    """Another process (a kernel of a reloaded page) holding a session's lock."""
    code = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from assessment.workshop.locks import SessionLock
        lock = SessionLock.acquire(Path({str(lock)!r}))
        print("held", flush=True)
        deadline = time.time() + {seconds}
        while time.time() < deadline and not lock.taken_over:
            time.sleep(0.1)
        print("taken" if lock.taken_over else "kept", flush=True)
        time.sleep(1)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_session_held_by_another_process_is_taken_over(data):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 4)
    ws.set_answer("ci_set_2", 2)
    stem, lock = ws.state.stem, ws.state.lock_path
    ws.close()
    holder = _hold(lock)
    try:
        assert SessionLock.in_use(lock)
        again = Workshop(data, "pcmaker")  # the reloaded page: the offer, marked in use
        assert again.state is None
        assert again.header.offer_take.layout.display is None  # "Take over here" shown
        assert again.header.offer_resume.disabled
        again.take_over(again.header.offer_pick.value)
        assert holder.stdout.readline().strip() == "taken"  # the holder let go, alive
        assert again.state.stem == stem
        assert again.answer("oe_exp_1") == 4 and again.answer("ci_set_2") == 2
        again.set_answer("pl_exp_1", 5)  # and it saves here now
        again.close()
    finally:
        holder.kill()
        holder.wait()
    (info,) = list_sessions(data, "pcmaker")
    assert info.answered == 3 and not info.in_use


def test_the_holder_turns_read_only_after_a_take_over(data):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 3)
    lock = ws.state.lock_path
    code = ("from pathlib import Path; from assessment.workshop.locks import SessionLock; "
            f"print(SessionLock.take_over(Path({str(lock)!r}), wait=10))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.stdout.strip() == "True", done.stderr
    deadline = time.monotonic() + 5
    while "taken over" not in ws.header.status.value and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "taken over in another window" in ws.header.status.value
    ws.questions.controls["oe_exp_2"].value = 4  # a click on the old page: refused
    assert "read-only" in ws.header.status.value
    again = Workshop(data, "pcmaker", resume="last")
    assert again.answer("oe_exp_1") == 3 and again.answer("oe_exp_2") is None
    again.close()


def test_take_over_gives_up_when_the_holder_does_not_answer(data, monkeypatch):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 3)
    lock, path = ws.state.lock_path, ws.state.json_path
    ws.close()
    holder = _hold(lock)
    holder.send_signal(signal.SIGSTOP)  # a holder that does not answer
    try:
        again = Workshop(data, "pcmaker", lang="de")
        with pytest.raises(SessionInUse) as info:
            again.take_over(path, wait=1.0)
        assert "nicht innerhalb von 1 s freigegeben" in str(info.value)
    finally:
        holder.kill()
        holder.wait()


def test_the_resume_offer_follows_the_language(data):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 4)
    ws.close()
    again = Workshop(data, "pcmaker")
    assert "earlier session" in again.header.offer_text.value
    again.set_lang("de")
    assert "frühere Sitzung" in again.header.offer_text.value
    assert "beantwortet" in again.header.offer_pick.options[0][0]
    assert again.header.offer_resume.description == "Fortsetzen"
    assert "Tasten" in again.header.help.value
    again.set_lang("nl")
    assert "eerdere sessie" in again.header.offer_text.value
    assert "Toetsen" in again.header.help.value


def test_notices_show_in_the_status_line_and_a_refused_wave_is_put_back(data):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 4)
    wave = ws.state.wave
    ws.results.wave.value = "=HYPERLINK(1)"  # what the facilitator typed
    assert "ws-error" in ws.header.status.value  # the refusal is shown ...
    assert ws.results.wave.value == wave  # ... and the box holds the saved wave again
    ws._notify("session x was skipped")
    ws.refresh()
    assert "session x was skipped" in ws.header.status.value
    ws.close()


def test_no_item_ids_on_the_page_and_a_room_slot(data):
    ws = Workshop(data, "pcmaker", resume="new")
    html = "".join(getattr(c, "value", "") for row in ws.questions.rows.values()
                   for c in row.children)
    assert "oe_exp_1" not in html and "int_" not in html
    assert ws.room_slot in ws.root.children[-1].children[1].children
    ws.close()


def test_the_chart_is_laid_out_for_its_box(data):
    ws = Workshop(data, "pcmaker", resume="new")
    ws.viewport.value = "812x604"
    assert (ws.figure.layout.width, ws.figure.layout.height) == (812, 604)
    ws.set_lang("nl")  # a new figure keeps the size
    assert (ws.figure.layout.width, ws.figure.layout.height) == (812, 604)
    ws.viewport.value = "nonsense"
    assert ws.figure.layout.width == 812
    ws.close()


def test_voila_settings_live_in_one_place():
    args = voila_args()
    assert "--MappingKernelManager.cull_connected=False" in args
    assert f"--MappingKernelManager.cull_idle_timeout="\
           f"{VOILA_CONFIG['MappingKernelManager']['cull_idle_timeout']}" in args
    assert (SHARE / "voila" / "templates" / "workshop" / "index.html.j2").is_file()
    assert voila_env({})["JUPYTER_PATH"] == str(SHARE)
    page = (SHARE / "voila" / "templates" / "workshop" / "index.html.j2").read_text()
    assert "cdn." not in page and "https://" not in page



def test_a_kernel_leaves_out_the_slow_optional_import():
    """The chart's FigureWidget imports nbformat and jsonschema; jsonschema's optional IRI
    checker, seconds to import, stays out of the page's kernel (each page load starts one)."""
    code = ("import sys; from assessment.instrument.models import load_instrument; "
            "from assessment.workshop.panels.chart import ChartView; c = ChartView(); "
            "c.rebuild(load_instrument(), 'en', 'x'); import jsonschema; "
            "jsonschema.validate({'a': 1}, {'type': 'object'}); "
            "print('nbformat' in sys.modules, sys.modules.get('rfc3987_syntax', 0) is None)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.stdout.split() == ["True", "True"], done.stderr

# -- in the browser --------------------------------------------------------------------------

from assessment.run.browser import LAUNCH_ARGS  # noqa: E402

from .test_workshop_browser import (  # noqa: E402,F401 - voila: the fixture
    PAGE_TIMEOUT,
    _check_layout,
    _wait_chart,
    voila,
)


def _kernels(voila_pid: int) -> int:
    """Kernel processes Voila runs (its children running ipykernel)."""
    n = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        n += ppid == voila_pid and b"ipykernel" in cmd
    return n


def _active(page, item: str) -> str:
    return page.evaluate(f"(() => {{ const b = document.querySelector('.ws-ctrl-{item} "
                         "button.mod-active'); return b ? b.textContent.trim() : ''; })()")


@pytest.mark.timeout(900)
@pytest.mark.voila_config({"MappingKernelManager": {"cull_idle_timeout": 8,
                                                     "cull_interval": 2}})
def test_presenter_view_keys_and_reloads_in_the_browser(voila, chromium, tmp_path):  # noqa: F811
    import playwright.sync_api as playwright

    url, data, proc = voila
    shots = Path(os.environ.get("WORKSHOP_SHOTS", tmp_path))  # keep them: set the variable
    shots.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            outside: list[str] = []
            page.on("request", lambda r: r.url.startswith(url) or r.url.startswith(
                ("blob:", "data:")) or outside.append(r.url))
            page.goto(url, timeout=PAGE_TIMEOUT)
            page.wait_for_selector(".ws-ctrl-oe_exp_1", timeout=PAGE_TIMEOUT)
            _wait_chart(page)
            # keys: 4 answers the current (first unanswered) question and moves on
            page.keyboard.press("4")
            page.wait_for_function("document.querySelector('.ws-ctrl-oe_exp_1 "
                                   "button.mod-active').textContent.startsWith('4')",
                                   timeout=60_000)
            page.keyboard.press("2")
            page.wait_for_function("document.querySelector('.ws-ctrl-oe_exp_2 "
                                   "button.mod-active').textContent.startsWith('2')",
                                   timeout=60_000)
            page.keyboard.press("j")
            page.keyboard.press("k")  # back to the third question: still current
            assert "ws-current" in page.get_attribute(".ws-item:has(.ws-ctrl-oe_exp_3)",
                                                      "class")
            _check_layout(page, "oe_exp_3")
            assert "oe_exp_1" not in page.inner_text(".ws-questions")
            page.screenshot(path=str(shots / "presenter-1920-en.png"))
            page.set_viewport_size({"width": 1366, "height": 768})
            _wait_chart(page)
            _check_layout(page, "oe_exp_3")
            assert not outside, outside  # offline: nothing from a CDN
            # three reloads in the middle of the session: every answer is kept
            for k in range(3):
                page.reload(timeout=PAGE_TIMEOUT)
                page.wait_for_selector(".ws-offer", state="visible", timeout=PAGE_TIMEOUT)
                take = page.locator(".ws-take-over")
                (take if take.is_visible() else page.locator(
                    ".ws-offer button.mod-primary")).click()
                page.wait_for_selector(".ws-ctrl-oe_exp_1 button.mod-active",
                                       timeout=60_000)
                page.wait_for_function("document.querySelector('.ws-ctrl-oe_exp_1 "
                                       "button.mod-active').textContent.startsWith('4')",
                                       timeout=60_000)
                assert _active(page, "oe_exp_2").startswith("2"), k
                page.keyboard.press("5")  # the next open question, one more per reload
                page.wait_for_function(f"document.querySelector('.ws-ctrl-oe_exp_{k + 3} "
                                       "button.mod-active').textContent.startsWith('5')",
                                       timeout=60_000)
            deadline = time.monotonic() + 60  # kernels of the reloaded pages are culled
            while _kernels(proc.pid) > 1 and time.monotonic() < deadline:
                time.sleep(0.5)
            assert _kernels(proc.pid) == 1  # the open page's kernel stays, however idle
        finally:
            browser.close()
    (session,) = sorted((data / "workshops").glob("pcmaker-*.csv"))
    text = session.read_text(encoding="utf-8")
    header, row = text.splitlines()[:2]
    values = dict(zip(header.split(","), row.split(","), strict=True))
    assert [values[f"oe_exp_{k}"] for k in range(1, 6)] == ["4", "2", "5", "5", "5"]


def test_the_session_file_is_written_by_the_one_csv_writer_and_read_back(data):
    from assessment.workshop.answers import session_rows

    ws = Workshop(data, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 4)
    text = ws.state.csv_path.read_text(encoding="utf-8")
    ws.state.company_id = "-acme"  # not a possible id today; the writer guards anyway
    guarded = ws.state.responses_csv()
    ws.close()
    assert "\n'-acme," in guarded.replace(",'-acme,", "\n'-acme,")
    (row,) = session_rows(guarded.encode())
    assert row["company_id"] == "-acme" and row["oe_exp_1"] == "4"
    (row,) = session_rows(text.encode())
    assert row["company_id"] == "pcmaker"


@pytest.mark.parametrize(("lang", "words"), [("en", "answered 1 → scored 5"),
                                              ("de", "Antwort 1 → Wert 5")])
def test_reverse_keyed_statements_say_how_they_count_as_the_report_does(data, lang, words):
    ws = Workshop(data, "pcmaker", resume="new", lang=lang)
    try:
        inst = ws.state.instrument
        for item in inst.items:
            row = ws.questions.rows.get(item.id)
            if row is None:
                continue
            html = row.children[0].value
            assert (words in html) == item.reverse, item.id
        assert any(item.reverse for item in inst.items)
    finally:
        ws.close()
