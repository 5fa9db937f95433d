"""The workshop room under load: 30 participants answering on their phones at once.

``python -m assessment workshop`` runs in a subprocess (the Jupyter server with Voila and
the room's participant page). This process plays the facilitator's kernel: a
:class:`~assessment.workshop.Workshop` with its room panel polling the room's folder every
0.5 s, as in Voila. 30 simulated phones join over HTTP and answer (each about every 1.5 s,
with jitter, a human pace several times over); every answer's latency is the time from
sending it to the panel's picture holding it (answer -> facilitator state; the widgets'
message to the browser adds milliseconds). Memory: the resident size of the server and of
this process (the kernel's stand-in; a phone starts no kernel).

Targets: answer -> facilitator under 2 s, server + kernel under 2 GB.
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
import time
from pathlib import Path

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

from assessment.workshop.app import Workshop
from assessment.workshop.panels.room import RoomPanel

ROOT = Path(__file__).resolve().parents[1]
PARTICIPANTS = 30
ANSWERS_EACH = 12
PACE_S = 1.5
TARGET_S = 2.0
TARGET_MB = 2048


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(data: Path, port: int, log: Path) -> subprocess.Popen:
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
    return proc


async def phone(k: int, url: str, sent: dict, rng: random.Random, items: list[str]) -> None:
    """One participant: open the page, join, answer ``ANSWERS_EACH`` statements."""
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
        value = rng.randint(1, 5)
        sent[(me["pid"], item)] = (value, time.monotonic())
        await post("answer", {"pid": me["pid"], "key": me["key"], "item": item,
                              "value": value})
        await asyncio.sleep(rng.uniform(0.5 * PACE_S, 1.5 * PACE_S))


async def run(panel: RoomPanel, url: str) -> tuple[list[float], list[float]]:
    sent: dict = {}
    latencies: list[float] = []
    poll_ms: list[float] = []
    seen: set = set()
    original = panel.poll

    def timed_poll() -> bool:  # what the panel's timer calls: note what it now holds
        t0 = time.perf_counter()
        changed = original()
        poll_ms.append((time.perf_counter() - t0) * 1000)
        now = time.monotonic()
        for m in panel.members:
            for item, value in m.answers.items():
                key = (m.pid, item)
                if key in sent and key not in seen and sent[key][0] == value:
                    seen.add(key)
                    latencies.append(now - sent[key][1])
        return changed

    panel.poll = timed_poll
    panel.start()
    rng = random.Random(7)
    items = panel.room.items
    await asyncio.gather(*(phone(k, url, sent, random.Random(rng.random()), items)
                           for k in range(PARTICIPANTS)))
    deadline = time.monotonic() + 5
    while len(seen) < len(sent) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    panel.stop()
    missing = len(sent) - len(seen)
    if missing:
        print(f"   {missing} answers never reached the facilitator")
    return latencies, poll_ms


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "sample"
        shutil.copytree(ROOT / "data" / "sample", data,
                        ignore=shutil.ignore_patterns("workshops", ".*.lock"))
        port = free_port()
        proc = start_server(data, port, Path(tmp) / "server.log")
        try:
            ws = Workshop(data, "pcmaker", resume="new")
            panel = RoomPanel(ws, url=f"http://127.0.0.1:{port}")
            panel.open_room()
            latencies, poll_ms = asyncio.run(run(panel, panel.participant_url))
            server_mb, kernel_mb = rss_mb(proc.pid), rss_mb(os.getpid())
            ws.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
    lat = sorted(latencies)
    p95 = lat[int(0.95 * (len(lat) - 1))]
    print(f"   {PARTICIPANTS} participants, {len(lat)} answers: answer -> facilitator "
          f"median {statistics.median(lat):.2f} s, p95 {p95:.2f} s, max {lat[-1]:.2f} s "
          f"(target < {TARGET_S:.0f} s; the panel polls every 0.5 s)")
    print(f"   one poll with {PARTICIPANTS} files: median {statistics.median(poll_ms):.1f} ms")
    print(f"   memory: server {server_mb:.0f} MB + facilitator kernel {kernel_mb:.0f} MB = "
          f"{server_mb + kernel_mb:.0f} MB (target < {TARGET_MB} MB; phones start no kernel)")


if __name__ == "__main__":
    main()
