"""The cost per company of ``--pptx`` beside the HTML batch, measured in the same run.

The same portfolio as the reports benchmark (at least 20 companies, sample companies
copied under new ids) is made by the batch twice with two workers: HTML only, then HTML
with ``--pptx`` (the decks are built in a thread of the batch process while the kernels
run). Printed: both batches, the time ``--pptx`` adds per company, and the deck alone
(:func:`assessment.run.decks.write_decks` in this process on the scored dataset: what a
deck costs in CPU, without the overlap with the kernels), with the size of a deck.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import tempfile
import time
from pathlib import Path

import assessment as va
from assessment.run.batch import run_reports
from assessment.run.decks import write_decks

HERE = Path(__file__).resolve().parent
JOBS = 2


def _make_portfolio():
    """The reports benchmark's portfolio maker (one definition of the benchmark data)."""
    spec = importlib.util.spec_from_file_location("bench_reports", HERE / "bench_reports.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module.make_portfolio


def main() -> None:
    make_portfolio = _make_portfolio()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        dataset = tmp_path / "portfolio"
        ids = make_portfolio(dataset)
        n = len(ids)

        t0 = time.perf_counter()
        run_reports(dataset, tmp_path / "html", jobs=JOBS, force=True, progress=False)
        t_html = time.perf_counter() - t0

        t0 = time.perf_counter()
        result = run_reports(dataset, tmp_path / "pptx", jobs=JOBS, force=True,
                             progress=False, pptx=True)
        t_pptx = time.perf_counter() - t0
        decks = [r.deck for r in result.reports.values() if r.deck]
        failed = [d for d in decks if d["status"] != "ok"]
        if failed or len(decks) != n:
            print(f"  warning: {len(failed)} deck(s) failed, {n - len(decks)} missing")

        ds = va.load_dataset(dataset)
        scores = va.score(ds)
        diagnoses = va.diagnose(scores)
        alone = tmp_path / "alone"
        alone.mkdir()
        t0 = time.perf_counter()
        blocks = write_decks(alone, ds, scores, diagnoses, {c: c for c in ids}, "en")
        t_alone = time.perf_counter() - t0
        sizes = sorted((alone / b["file"]).stat().st_size for b in blocks.values()
                       if b["file"])
        median = statistics.median(b["seconds"] for b in blocks.values())

        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
        print(f"decks: {n} companies, {JOBS} workers on {cores} cores")
        print(f"  batch, HTML only:          {t_html:6.1f} s, {t_html / n:5.2f} s/company")
        print(f"  batch, HTML and --pptx:    {t_pptx:6.1f} s, {t_pptx / n:5.2f} s/company "
              f"(+{(t_pptx - t_html) / n:.2f} s/company for the deck)")
        print(f"  deck alone (write_decks in one process, no kernel): {t_alone:5.1f} s, "
              f"{t_alone / n:.2f} s/company (median {median:.2f} s)")
        if sizes:
            print(f"  deck size: median {sizes[len(sizes) // 2] / 1024:.0f} KB, largest "
                  f"{sizes[-1] / 1024:.0f} KB")


if __name__ == "__main__":
    main()
