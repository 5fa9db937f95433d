"""Intake and scoring at scale: ``python -m assessment validate`` and ``score`` on a
1,000,000-respondent x 50-item CSV (about 150 MB with 17-character response ids and
long department names), written into a temporary folder.

Each stage runs in its own process (the command line a user runs), timed from outside;
its CPU time (user + system, all threads: a shared machine's load inflates the wall time
more than this) and its peak memory, the process's peak resident set size (``ru_maxrss``
of the finished child, read with :func:`resource.getrusage` from a small wrapper process
per stage, so one stage's peak is not mixed with another's), are printed. tracemalloc
would miss what pandas and Arrow allocate outside Python's allocator.

Targets: validate + score together under 20 s, each stage's peak memory under 2 GB.
``BENCH_INTAKE_RESPONDENTS`` sets another size (e.g. 200000 for a quick look).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
N_RESPONDENTS = int(os.environ.get("BENCH_INTAKE_RESPONDENTS", "1000000"))
N_ITEMS = 50
N_COMPANIES = 100
TARGET_SECONDS = 20.0
TARGET_BYTES = 2 * 1024**3

# runs one command line in a child and reports the child's peak RSS (Linux: kilobytes)
_WRAPPER = """
import json, resource, subprocess, sys, time
t0 = time.perf_counter()
rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
dt = time.perf_counter() - t0
use = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": rc, "seconds": dt, "cpu": use.ru_utime + use.ru_stime,
                  "peak": use.ru_maxrss * 1024}))
"""


def make_items() -> list[str]:
    """50 core items: every discipline x lens cell and every par block keeps items."""
    from assessment import load_instrument

    ids = load_instrument().item_ids
    drop = {"oe_set_8", "ci_set_8", "pl_set_9", "thr_oe_4", "thr_ci_4", "thr_pl_4",
            "oe_exp_7"}
    items = [i for i in ids if i not in drop]
    assert len(items) == N_ITEMS, len(items)
    return items


def make_dataset(folder: Path, n: int = N_RESPONDENTS, seed: int = 11) -> Path:
    """Write ``companies.csv`` and ``responses.csv`` (n respondents x 50 items, 3 %
    blank, customers leave set-up items blank) with Arrow's CSV writer (seconds, not
    minutes); returns the responses file."""
    items = make_items()
    rng = np.random.default_rng(seed)
    companies = np.array([f"company-{i:03d}" for i in range(N_COMPANIES)])
    customer = rng.random(n) < 0.4
    depts = np.array(["Sales and Account Management", "Operations and Logistics",
                      "Marketing and Communication", "Research and Development",
                      "Finance and Controlling"])
    columns = {
        "company_id": pa.array(companies[np.arange(n) % N_COMPANIES]),
        # survey-tool response ids (Qualtrics-like): 17 characters, unique
        # (an odd multiplier modulo a power of two maps distinct numbers to distinct ones)
        "respondent_id": pa.array(np.char.add("R_", np.char.mod(
            "%x", np.arange(n, dtype=np.int64) * 2654435761 % 16**13 + 16**14))),
        "perspective": pa.array(np.where(customer, "customer", "internal")),
        "department": pa.array(np.where(customer, "", depts[rng.integers(0, 5, n)])),
        "wave": pa.array(np.full(n, "2026-Q1")),
    }
    for item in items:
        answers = rng.integers(1, 6, n).astype(np.int8)
        blank = rng.random(n) < 0.03
        if "_set_" in item:
            blank |= customer
        columns[item] = pa.array(answers, mask=blank)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "responses.csv"
    pacsv.write_csv(pa.table(columns), path,
                    pacsv.WriteOptions(quoting_style="none", include_header=True))
    (folder / "companies.csv").write_text(
        "company_id,name,industry\n" + "".join(f"{c},{c},x\n" for c in companies))
    return path


def run_stage(args: list[str]) -> dict:
    """Time one command line in its own process; its exit code, seconds and peak RSS."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _WRAPPER, sys.executable, "-m",
                          "assessment", *args], capture_output=True, text=True, env=env,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        t0 = time.perf_counter()
        path = make_dataset(folder)
        print(f"intake: {N_RESPONDENTS:,} respondents x {N_ITEMS} items, "
              f"{path.stat().st_size / 1e6:.0f} MB CSV (written in "
              f"{time.perf_counter() - t0:.1f} s)")
        total = 0.0
        peaks = []
        for name, args in (("validate", ["validate", str(folder)]),
                           ("score", ["score", str(folder), "--out", str(Path(tmp) / "out")])):
            got = run_stage(args)
            total += got["seconds"]
            peaks.append(got["peak"])
            status = "" if got["rc"] == 0 else f"  EXIT CODE {got['rc']}"
            print(f"  {name:9s} {got['seconds']:6.1f} s  (CPU {got['cpu']:6.1f} s)  peak RSS "
                  f"{got['peak'] / 1024**3:5.2f} GB{status}")
        print(f"  validate + score: {total:.1f} s (target < {TARGET_SECONDS:.0f} s); "
              f"peak memory per stage <= {max(peaks) / 1024**3:.2f} GB "
              f"(target < {TARGET_BYTES / 1024**3:.0f} GB)")


if __name__ == "__main__":
    main()
