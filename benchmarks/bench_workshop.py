"""Workshop callback speed: one click (save + rescore + redraw) for a 40-respondent company.

The callback is what a click on an answer button runs: the session files are written
(atomically, fsync), the session's respondents are rescored and diagnosed, the figure is
updated in one ``batch_update`` and the findings, moves and survey comparison are redrawn.
It is measured in individual mode with 40 participants who answered everything (the
customer-integration items asked of their perspective included), on a company that also
has 40 survey respondents (scored once, cached), and in team mode; clicks on discipline
items and on items of the "Customers as co-producers" tab are timed apart.

Baseline, measured in the same run: a bare ``assessment.score()`` of the same 40
respondents (what a naive callback would have to call). Target: under 100 ms per click.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from assessment import load_instrument, score
from assessment.instrument.integration import load_integration
from assessment.workshop.app import Workshop

N_RESPONDENTS = 40
CLICKS = 30
TARGET_MS = 100.0


def make_company(folder: Path, n: int = N_RESPONDENTS, seed: int = 11) -> None:
    """A dataset with one company of ``n`` survey respondents (a third customers)."""
    inst = load_instrument()
    integ = load_integration()
    rng = np.random.default_rng(seed)
    ids = inst.item_ids
    setup = [i.id for i in inst.items if i.lens == "setup"]
    rows = []
    for k in range(n):
        customer = k % 3 == 0
        row = {"wave": "2026-Q1", "company_id": "bench", "respondent_id": f"r{k:03d}",
               "perspective": "customer" if customer else "internal",
               "department": "" if customer else ("Sales", "Operations", "R&D")[k % 3]}
        for item in ids:
            row[item] = "" if customer and item in setup else str(int(rng.integers(1, 6)))
        for item in integ.items:
            asked = row["perspective"] in item.answered_by
            row[item.id] = str(int(rng.integers(1, 6))) if asked else ""
        rows.append(row)
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "responses.csv", index=False)
    pd.DataFrame({"company_id": ["bench"], "name": ["Bench Ltd"],
                  "industry": ["x"]}).to_csv(folder / "companies.csv", index=False)


def time_clicks(ws: Workshop, items: list[str], clicks: int = CLICKS,
                cpu: list[float] | None = None) -> list[float]:
    """Milliseconds (wall clock) per simulated click on an answer button; with ``cpu``, the
    process's CPU milliseconds per click are appended to it (less disturbed by other work
    on a shared machine)."""
    out = []
    for k in range(clicks):
        ctrl = ws.questions.controls[items[k % len(items)]]
        value = k % 5 + 1 if ctrl.value != k % 5 + 1 else (k + 1) % 5 + 1
        c0, t0 = time.process_time(), time.perf_counter()
        ctrl.value = value
        out.append((time.perf_counter() - t0) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - c0) * 1000)
    return out


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ranked = sorted(values)
    return ranked[min(len(ranked) - 1, max(0, round(0.95 * len(ranked)) - 1))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "bench"
        make_company(folder)
        inst = load_instrument()
        rng = np.random.default_rng(5)

        ws = Workshop(folder, "bench", mode="individual", resume="new")
        for k in range(N_RESPONDENTS):
            customer = k % 3 == 0
            ws.state.add_participant(f"p{k:02d}", "customer" if customer else "internal",
                                     "" if customer else ("Sales", "Operations")[k % 2])
            app = ws.state.applicable()
            ws.state.answers[ws.state.current] = np.where(
                app, rng.integers(1, 6, len(inst.item_ids)), np.nan)
            int_app = ws.state.int_applicable()
            ws.state.int_answers[ws.state.current] = np.where(
                int_app, rng.integers(1, 6, len(ws.state.int_ids)), np.nan)
        ws.state.save()
        ws.select_participant("p01")  # a staff member: every item is clickable
        ds = ws.state.dataset_frame()

        def best(fn, repeat: int = 3) -> float:
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            return min(times)

        t_score = best(lambda: score(ds))
        cpu: list[float] = []
        int_cpu: list[float] = []
        clicks = time_clicks(ws, inst.item_ids, cpu=cpu)
        staff_int = [i for i in ws.state.int_ids if not ws.questions.controls[i].disabled]
        int_clicks = time_clicks(ws, staff_int, cpu=int_cpu)
        ws.close()

        team = Workshop(folder, "bench", resume="new")
        team_clicks = time_clicks(team, inst.item_ids)
        team.close()

        med, worst = statistics.median(clicks), max(clicks)
        print(f"workshop callback: {N_RESPONDENTS} participants x {len(inst.item_ids)} items, "
              f"company with {N_RESPONDENTS} survey respondents, {CLICKS} clicks")
        print(f"  baseline score() of the same 40 respondents: {t_score:7.1f} ms")
        print(f"  callback (save + rescore + redraw), median:  {med:7.1f} ms  = "
              f"{med / t_score:4.2f}x baseline (target < {TARGET_MS:.0f} ms)")
        print(f"  callback, 95th percentile / slowest of {CLICKS}: {p95(clicks):7.1f} / "
              f"{worst:.1f} ms")
        print(f"  callback CPU time, median / 95th percentile: {statistics.median(cpu):7.1f} / "
              f"{p95(cpu):.1f} ms (wall minus CPU: waiting for the disk or for other work)")
        int_med = statistics.median(int_clicks)
        print(f"  co-producers tab (integration item), median: {int_med:7.1f} ms  = "
              f"{int_med / t_score:4.2f}x baseline (CPU {statistics.median(int_cpu):.1f} ms)")
        print(f"  team consensus (1 respondent), median:       "
              f"{statistics.median(team_clicks):7.1f} ms  = "
              f"{statistics.median(team_clicks) / t_score:4.2f}x baseline")
        verdict = "OK" if max(med, int_med) < TARGET_MS else "SLOWER THAN TARGET"
        print(f"  target: median callback under {TARGET_MS:.0f} ms (discipline and "
              f"co-producers items): {verdict}")


if __name__ == "__main__":
    main()
