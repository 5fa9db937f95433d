"""What a batch asks of the machine when the user asks for too much.

Two runs of ``run_reports`` (the ``reports`` command) on portfolios made from the sample:

- ``--jobs 1000`` on 2 companies: the kernels started (distinct kernel processes seen
  below this process) must be 2, not 1000;
- ``--jobs 16`` on 60 companies: the peak resident memory of this process and all its
  kernels (psutil, sampled every 50 ms) must stay under 2 GB. The pool is
  ``min(jobs, reports, 2 kernels per CPU core, memory)``, so on 2 cores 4 kernels run.

The baseline of each line is the batch with the default ``--jobs`` (one kernel per core)
in the same run.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_reports import PeakMemory, make_portfolio  # noqa: E402

from assessment.run.batch import run_reports  # noqa: E402


def _run(dataset: Path, out: Path, jobs: int | None) -> tuple[float, PeakMemory, int]:
    with PeakMemory() as watch:
        t0 = time.perf_counter()
        result = run_reports(dataset, out, jobs=jobs, force=True, progress=False)
        seconds = time.perf_counter() - t0
    return seconds, watch, sum(r.status == "ok" for r in result.reports.values())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        two = tmp_path / "two"
        make_portfolio(two, 2)
        sixty = tmp_path / "sixty"
        make_portfolio(sixty, 60)

        t, watch, ok = _run(two, tmp_path / "out-two", 1000)
        print(f"--jobs 1000 on 2 companies: {len(watch.kernels)} kernels started "
              f"(target 2), {ok} reports ok, {t:.1f} s, peak {watch.peak / 2**30:.2f} GB")

        t_base, base, ok_base = _run(sixty, tmp_path / "out-base", None)
        t, watch, ok = _run(sixty, tmp_path / "out-sixty", 16)
        print(f"--jobs 16 on 60 companies: peak memory {watch.peak / 2**30:.2f} GB "
              f"(target < 2 GB), {len(watch.kernels)} kernels, {ok} reports ok, {t:.1f} s")
        print(f"  baseline, default --jobs: peak {base.peak / 2**30:.2f} GB, "
              f"{len(base.kernels)} kernels, {ok_base} ok, {t_base:.1f} s; memory ratio "
              f"{watch.peak / base.peak:.2f}x, time ratio {t / t_base:.2f}x")


if __name__ == "__main__":
    main()
