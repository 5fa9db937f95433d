"""The workshop room under load, end to end: 30 participants answering on their phones at
once while the facilitator's page is open in a real browser.

``python -m assessment workshop`` runs in a subprocess (one Jupyter server: Voila for the
facilitator's page and its kernel, the room's participant page). Headless Chromium opens the
facilitator's page and opens the room, as a facilitator would. 30 simulated phones join over
HTTP and answer (each about every 1.5 s, with jitter: a human pace several times over).

Latency, answer -> facilitator view: the room panel's count line carries the number of
answers the facilitator's kernel holds (``data-answers``); a ``MutationObserver`` in the
page notes the time of every change of it as the browser shows it. The answers are ranked by
the time the server confirmed them (it writes an answer before it replies); the k-th answer
counts as shown when the page first shows k answers or more, and its latency is that moment
minus the moment its phone sent it. Browser and phones share this machine's clock.

Memory: the resident size of the server with its Voila kernel (what the workshop costs the
laptop; a phone starts no kernel), and, for information, of the browser showing the page.

Targets: answer -> facilitator view under 2 s, server + kernel under 2 GB.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from assessment.run.browser import LAUNCH_ARGS, find_chromium

ROOT = Path(__file__).resolve().parents[1]
PARTICIPANTS = 30
ANSWERS_EACH = 12
PACE_S = 1.5
TARGET_S = 2.0
TARGET_MB = 2048
PAGE_TIMEOUT_MS = 180_000

# every change of the answer count the page shows, with the time (ms since the epoch)
OBSERVE = """() => {
  window.__shown = [];
  const note = () => {
    const el = document.querySelector('.ws-room-counts');
    if (el) window.__shown.push([Date.now(), Number(el.dataset.answers || 0)]);
  };
  new MutationObserver(note).observe(document.body,
      {subtree: true, childList: true, characterData: true, attributes: true,
       attributeFilter: ['data-answers']});
  note();
}"""


def rss_mb(pids: list[int]) -> float:
    """Resident memory of processes in MB (Linux /proc)."""
    total = 0.0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        except OSError:
            continue
        total += next((int(x.split()[1]) / 1024 for x in lines if x.startswith("VmRSS:")), 0)
    return total


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, port: int, log: Path) -> tuple[subprocess.Popen, str]:
    """The ``workshop`` command on a free port; returns it and the facilitator's address."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "assessment", "workshop", str(data),
                             "--company", "pcmaker", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True)
    deadline = time.monotonic() + 180
    while "is running at" not in log.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the workshop server did not start:\n" + log.read_text())
        time.sleep(0.3)
    url = re.search(r"(http://\S+/voila/\S+)", log.read_text()).group(1)
    return proc, url


async def phone(k: int, url: str, log: list, rng: random.Random, items: list[str]) -> None:
    """One participant: open the page, join, answer ``ANSWERS_EACH`` statements; each
    answer's (sent, confirmed) times go into ``log``."""
    client = AsyncHTTPClient()
    page = await client.fetch(url)
    cookie = "; ".join(c.split(";")[0] for c in page.headers.get_list("Set-Cookie"))
    xsrf = json.loads(re.search(r'type="application/json">(.*?)</script>',
                                page.body.decode()).group(1))["xsrf"]
    headers = {"Cookie": cookie, "X-XSRFToken": xsrf, "Content-Type": "application/json"}

    async def post(action: str, body: dict) -> dict:
        resp = await client.fetch(HTTPRequest(f"{url}/{action}", "POST", headers=headers,
                                              body=json.dumps(body)))
        return json.loads(resp.body)

    me = await post("join", {"name": f"P{k:02d}" if k % 3 else ""})
    await asyncio.sleep(rng.uniform(0, PACE_S))
    for item in rng.sample(items, ANSWERS_EACH):
        sent = time.time()
        await post("answer", {"pid": me["pid"], "key": me["key"], "item": item,
                              "value": rng.randint(1, 5)})
        log.append((sent, time.time()))
        await asyncio.sleep(rng.uniform(0.5 * PACE_S, 1.5 * PACE_S))


def phones(url: str, items: list[str]) -> list[tuple[float, float]]:
    """All participants at once (in this thread's own event loop)."""
    log: list[tuple[float, float]] = []
    rng = random.Random(7)

    async def everyone() -> None:
        await asyncio.gather(*(phone(k, url, log, random.Random(rng.random()), items)
                               for k in range(PARTICIPANTS)))

    asyncio.run(everyone())
    return log


def latencies(answers: list[tuple[float, float]], shown: list[tuple[float, int]]
              ) -> tuple[list[float], int]:
    """Each answer's seconds from sending to the page showing it, and how many answers the
    page never showed (see the module's docstring)."""
    out, missing = [], 0
    for k, (sent, _confirmed) in enumerate(sorted(answers, key=lambda a: a[1]), start=1):
        at = next((t / 1000 for t, n in shown if n >= k and t / 1000 >= sent), None)
        if at is None:
            missing += 1
        else:
            out.append(at - sent)
    return out, missing


def main() -> None:
    import playwright.sync_api as pw

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sample"
        shutil.copytree(ROOT / "data" / "sample", data,
                        ignore=shutil.ignore_patterns("workshops", ".*.lock"))
        proc, url = start_server(data, free_port(), Path(tmp) / "server.log")
        try:
            with pw.sync_playwright() as p:
                browser = p.chromium.launch(executable_path=str(find_chromium()),
                                            args=LAUNCH_ARGS)
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.goto(url, timeout=PAGE_TIMEOUT_MS)
                page.wait_for_selector(".ws-ctrl-oe_exp_1", timeout=PAGE_TIMEOUT_MS)
                page.locator(".ws-room button", has_text="answer on their phones").click()
                page.wait_for_selector(".ws-room-qr svg", timeout=60_000)
                page.wait_for_selector(".ws-room-counts", timeout=60_000)
                phone_url = re.search(r"(http://\S+/workshop-room/\S+)",
                                      page.inner_text(".ws-room-qr p")).group(1)
                room = json.loads(next((data / "workshops").glob("*.room/room.json"))
                                  .read_text())
                page.evaluate(OBSERVE)
                result: list = []
                worker = threading.Thread(target=lambda: result.append(
                    phones(phone_url, room["items"])))
                worker.start()
                peak_server = peak_browser = 0.0
                while worker.is_alive():  # keep the page's events flowing meanwhile
                    page.wait_for_timeout(500)
                    peak_server = max(peak_server, rss_mb(descendants(proc.pid)))
                    browser_pids = [q for q in descendants(os.getpid())
                                    if q not in descendants(proc.pid) and q != os.getpid()]
                    peak_browser = max(peak_browser, rss_mb(browser_pids))
                answers = result[0]
                page.wait_for_function(
                    f"document.querySelector('.ws-room-counts').dataset.answers >= "
                    f"{len(answers)}", timeout=30_000)
                shown = page.evaluate("window.__shown")
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    lat, missing = latencies(answers, shown)
    lat.sort()
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(f"   {PARTICIPANTS} participants, {len(answers)} answers: answer -> facilitator "
          f"view (the page in Chromium) median {statistics.median(lat):.2f} s, p95 "
          f"{p95:.2f} s, max {lat[-1]:.2f} s (target < {TARGET_S:.0f} s; the kernel looks "
          f"every 0.5 s)" + (f"; {missing} never shown" if missing else ""))
    print(f"   memory, peak: server + Voila kernel {peak_server:.0f} MB (target < "
          f"{TARGET_MB} MB; phones start no kernel); the browser showing the page "
          f"{peak_browser:.0f} MB (its processes summed; they share pages)")


if __name__ == "__main__":
    main()
