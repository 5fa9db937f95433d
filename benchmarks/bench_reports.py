"""Batch reports against the naive loop a user would write, measured in the same run.

The batch (``run_reports``: bounded parallel papermill runs, HTML export in-process) makes
the reports of a dataset of at least 20 companies (sample companies copied under new ids).
The naive way runs the ``papermill`` command line and then ``jupyter nbconvert --to html
--no-input`` for one company after the other; it is timed over the first few companies
(its cost per report does not depend on how many there are). ``BENCH_FRESH_KERNELS=1``
also times the batch with a new kernel per report (no warm kernels). Targets: the batch at least
3x faster per report, and a report's HTML under 500 KB (plotly.js is shared, not embedded).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from assessment.batch import default_notebook, plotly_js_path, run_reports

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
N_COMPANIES = 20
N_NAIVE = int(os.environ.get("BENCH_NAIVE_COMPANIES", "4"))
FRESH = os.environ.get("BENCH_FRESH_KERNELS", "") not in ("", "0")  # also time fresh kernels


def make_portfolio(folder: Path, n: int = N_COMPANIES) -> list[str]:
    """A dataset of ``n`` companies: the sample's companies copied under new ids."""
    comp = pd.read_csv(SAMPLE / "companies.csv", dtype=str, keep_default_na=False)
    resp = pd.read_csv(SAMPLE / "responses.csv", dtype=str, keep_default_na=False)
    comps, resps = [], []
    for k in range(math.ceil(n / len(comp))):
        for _, row in comp.iterrows():
            new_id = f"{row['company_id']}-{k + 1}"
            comps.append({**row.to_dict(), "company_id": new_id,
                          "name": f"{row['name']} {k + 1}"})
            resps.append(resp[resp["company_id"] == row["company_id"]].assign(
                company_id=new_id))
    comps = comps[:n]
    keep = {c["company_id"] for c in comps}
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(comps).to_csv(folder / "companies.csv", index=False)
    responses = pd.concat(resps)
    responses[responses["company_id"].isin(keep)].to_csv(folder / "responses.csv", index=False)
    return [c["company_id"] for c in comps]


def _tool(name: str) -> list[str]:
    """The command line of a tool installed next to this Python (venv), else ``-m``."""
    exe = Path(sys.executable).parent / name
    return [str(exe)] if exe.exists() else [sys.executable, "-m", name]


def naive_report(notebook: Path, dataset: Path, company_id: str, folder: Path) -> Path:
    """One report the way a user would make it: papermill CLI, then nbconvert CLI."""
    executed = folder / f"{company_id}.ipynb"
    subprocess.run([*_tool("papermill"), str(notebook), str(executed),
                    "-p", "dataset", str(dataset), "-p", "company_id", company_id,
                    "-p", "lang", "en", "--no-progress-bar"],
                   check=True, capture_output=True)
    subprocess.run([*_tool("jupyter"), "nbconvert", "--to", "html", "--no-input",
                    str(executed)], check=True, capture_output=True)
    return executed.with_suffix(".html")


def main() -> None:
    notebook = default_notebook()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        dataset = tmp_path / "portfolio"
        ids = make_portfolio(dataset)
        out = tmp_path / "reports"

        t0 = time.perf_counter()
        result = run_reports(dataset, out, force=True, progress=False)
        t_batch = time.perf_counter() - t0
        n_ok = sum(r.status == "ok" for r in result.reports.values())
        if n_ok != len(ids):
            print(f"  warning: {len(ids) - n_ok} batch report(s) failed: "
                  f"{[(r.company_id, r.error) for r in result.failed]}")

        t_fresh = None
        if FRESH:
            t0 = time.perf_counter()
            run_reports(dataset, tmp_path / "fresh", force=True, progress=False,
                        fresh_kernels=True)
            t_fresh = time.perf_counter() - t0

        naive_dir = tmp_path / "naive"
        naive_dir.mkdir()
        t0 = time.perf_counter()
        for cid in ids[:N_NAIVE]:
            naive_report(notebook, dataset, cid, naive_dir)
        t_naive = time.perf_counter() - t0

        per_batch = t_batch / len(ids)
        per_naive = t_naive / N_NAIVE
        sizes = sorted((out / f"{cid}.html").stat().st_size for cid in ids
                       if (out / f"{cid}.html").exists())
        jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
        print(f"reports: {len(ids)} companies on {jobs} cores")
        print(f"  batch (run_reports, {jobs} at a time):  {t_batch:6.1f} s, "
              f"{per_batch:5.2f} s/report")
        if t_fresh is not None:
            print(f"  batch, a fresh kernel per report:   {t_fresh:6.1f} s, "
                  f"{t_fresh / len(ids):5.2f} s/report")
        print(f"  naive (papermill CLI + nbconvert CLI, {N_NAIVE} companies one by one): "
              f"{t_naive:6.1f} s, {per_naive:5.2f} s/report")
        print(f"  batch speed-up: {per_naive / per_batch:4.1f}x (target >= 3x)")
        if sizes:
            print(f"  report HTML: median {sizes[len(sizes) // 2] / 1024:.0f} KB, largest "
                  f"{sizes[-1] / 1024:.0f} KB (target < 500 KB; plotly.js shared once: "
                  f"{plotly_js_path().stat().st_size / 1e6:.1f} MB)")
        naive_html = naive_dir / f"{ids[0]}.html"
        if naive_html.exists():
            print(f"  (naive HTML for comparison: {naive_html.stat().st_size / 1024:.0f} KB, "
                  "with require.js and MathJax from a CDN)")


if __name__ == "__main__":
    main()
