"""Batch reports against the naive loop a user would write and against the kernel-free
floor, measured in the same run.

The batch (``run_reports`` with two workers: the ``assessment`` papermill engine on warm
kernels, HTML export in-process) makes the reports of a dataset of at least 20 companies
(sample companies copied under new ids). The naive way runs the ``papermill`` command line
and then ``jupyter nbconvert --to html --no-input`` for one company after the other; it is
timed over the first few companies (its cost per report does not depend on how many there
are). The floor is the same report code called directly in this process, without a
notebook or a kernel, writing one HTML page per company. ``BENCH_FRESH_KERNELS=1`` also
times the batch with a new kernel per report (``--fresh-kernels``).

The PDFs (``--pdf``) are timed on their own: a second run over the same, now up-to-date
reports prints each one in headless Chromium; its cost per company is shown beside the
HTML batch's.

Targets: the batch at least 35x faster per report than the naive loop, within
10x of the floor, and its peak memory (this process and its kernels, sampled) under
1.5 GB; a report's HTML under 500 KB (plotly.js is shared, not embedded).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd

from assessment.present.figures import PLOTLY_JS, plotly_head
from assessment.run.batch import default_notebook, run_reports

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
N_COMPANIES = max(20, int(os.environ.get("BENCH_COMPANIES", "20")))
N_NAIVE = int(os.environ.get("BENCH_NAIVE_COMPANIES", "4"))
JOBS = 2  # the targets are for two workers
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


class PeakMemory:
    """Peak resident memory of this process and all its descendants (the kernels),
    summed, sampled every ``interval`` seconds in a thread while in the ``with`` block;
    ``kernels`` collects the process ids of the kernels seen."""

    def __init__(self, interval: float = 0.05):
        self.interval = interval
        self.peak = 0
        self.kernels: set[int] = set()
        self._stop = threading.Event()

    def _sample(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                    if proc is not me and any("ipykernel" in a for a in proc.cmdline()):
                        self.kernels.add(proc.pid)
                except psutil.Error:  # ended meanwhile
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _cpu() -> tuple[float, float]:
    """CPU seconds of this process and of its ended child processes (the kernels)."""
    import resource

    me, kids = (resource.getrusage(who) for who in (resource.RUSAGE_SELF,
                                                    resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def floor_reports(dataset: Path, ids: list[str], folder: Path) -> None:
    """The kernel-free floor: the report notebook's calls, made directly, one HTML page
    per company (the dataset loaded and scored once, as a warm kernel does)."""
    from assessment.present import figures as charts
    from assessment.present.report.core import build_report

    folder.mkdir(parents=True, exist_ok=True)
    head = plotly_head(False)
    for cid in ids:
        rep = build_report(dataset, cid)
        parts = [rep.title_html(), rep.headline_html()]
        for section, figure in (("profile", rep.profile_figure),
                                ("triangle", rep.triangle_figure),
                                ("gaps", rep.gap_figure),
                                ("departments", rep.department_figure),
                                ("integration", rep.integration_figure)):
            parts.append(getattr(rep, f"{section}_html")())
            fig = figure()
            if fig is not None:
                parts.append(charts.figure_html(fig))
        parts += [rep.items_html(), rep.quality_html(), rep.comparison_html()]
        fig = rep.comparison_figure()
        if fig is not None:
            parts.append(charts.figure_html(fig))
        parts += [rep.wave_change_html(), rep.discuss_html()]
        page = (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
                + "\n".join(parts) + "</body></html>")
        (folder / f"{cid}.html").write_text(page, encoding="utf-8")


def export_cost(executed: Path, repeat: int = 10) -> tuple[float, float]:
    """Median seconds per page of the batch's HTML export (nbconvert's public
    ``HTMLExporter`` with the package's template, BeautifulSoup pass included) and of that
    BeautifulSoup pass alone, on one executed report."""
    import nbformat
    from bs4 import BeautifulSoup

    from assessment.run.export import export_html

    nb = nbformat.read(executed, as_version=4)
    export_html(nb, "x")
    pages, soups = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        page = export_html(nb, "x")
        pages.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        str(BeautifulSoup(page, features="html.parser"))
        soups.append(time.perf_counter() - t0)
    return statistics.median(pages), statistics.median(soups)


def main() -> None:
    notebook = default_notebook()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        dataset = tmp_path / "portfolio"
        ids = make_portfolio(dataset)
        out = tmp_path / "reports"

        cpu0 = _cpu()
        with PeakMemory() as memory:
            t0 = time.perf_counter()
            result = run_reports(dataset, out, jobs=JOBS, force=True, progress=False)
            t_batch = time.perf_counter() - t0
        cpu_self, cpu_kernels = (b - a for a, b in zip(cpu0, _cpu(), strict=True))
        n_ok = sum(r.status == "ok" for r in result.reports.values())
        if n_ok != len(ids):
            print(f"  warning: {len(ids) - n_ok} batch report(s) failed: "
                  f"{[(r.company_id, r.error) for r in result.failed]}")

        # --pdf: the same reports, up to date, so the run only prints them (headless
        # Chromium, the batch's workers): the cost per company of a PDF beside the HTML
        t0 = time.perf_counter()
        run_reports(dataset, out, jobs=JOBS, progress=False, pdf=True)
        t_pdf = time.perf_counter() - t0
        n_pdf = len(list(out.glob("*.pdf")))

        t_fresh = None
        if FRESH:
            t0 = time.perf_counter()
            run_reports(dataset, tmp_path / "fresh", jobs=JOBS, force=True, progress=False,
                        fresh_kernels=True)
            t_fresh = time.perf_counter() - t0

        t0 = time.perf_counter()
        floor_reports(dataset, ids, tmp_path / "floor")
        t_floor = time.perf_counter() - t0

        naive_dir = tmp_path / "naive"
        naive_dir.mkdir()
        t0 = time.perf_counter()
        for cid in ids[:N_NAIVE]:
            naive_report(notebook, dataset, cid, naive_dir)
        t_naive = time.perf_counter() - t0

        per_batch = t_batch / len(ids)
        per_naive = t_naive / N_NAIVE
        per_floor = t_floor / len(ids)
        # a report's own time in a worker, without the start (kernels, imports, dataset)
        steady = statistics.median(r.seconds for r in result.reports.values()
                                   if r.seconds) / JOBS
        sizes = sorted((out / f"{cid}.html").stat().st_size for cid in ids
                       if (out / f"{cid}.html").exists())
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
        print(f"reports: {len(ids)} companies, {JOBS} workers on {cores} cores")
        print(f"  batch (run_reports, warm kernels):  {t_batch:6.1f} s, "
              f"{per_batch:5.2f} s/report")
        if t_fresh is not None:
            print(f"  batch, a fresh kernel per report:   {t_fresh:6.1f} s, "
                  f"{t_fresh / len(ids):5.2f} s/report")
        print(f"  naive (papermill CLI + nbconvert CLI, {N_NAIVE} companies one by one): "
              f"{t_naive:6.1f} s, {per_naive:5.2f} s/report")
        print(f"  floor (the report code without notebook or kernel, writing HTML): "
              f"{t_floor:6.1f} s, {per_floor:5.3f} s/report")
        print(f"  batch speed-up over naive: {per_naive / per_batch:5.1f}x (target >= 35x)")
        print(f"  batch / floor: {per_batch / per_floor:5.1f}x (goal <= 10x)")
        print(f"  steady state (median report {steady * JOBS:.2f} s on {JOBS} workers, "
              f"kernel start excluded): {steady:.3f} s/report, {per_naive / steady:.0f}x "
              f"naive, {steady / per_floor:.1f}x floor")
        print(f"  peak memory, batch process + kernels: {memory.peak / 2**30:.2f} GB "
              f"(target < 1.5 GB)")
        print(f"  batch CPU: {cpu_self:.1f} s in this process, {cpu_kernels:.1f} s in the "
              f"kernels ({(cpu_self + cpu_kernels) / len(ids):.2f} s/report)")
        if sizes:
            print(f"  report HTML: median {sizes[len(sizes) // 2] / 1024:.0f} KB, largest "
                  f"{sizes[-1] / 1024:.0f} KB (target < 500 KB; plotly.js shared once: "
                  f"{(out / PLOTLY_JS).stat().st_size / 1e6:.1f} MB)")
        print(f"  --pdf: {n_pdf} PDFs printed in {t_pdf:.1f} s, {t_pdf / max(n_pdf, 1):.2f} "
              f"s/company beside the HTML batch's {t_batch / len(ids):.2f} s/company")
        executed = out / f"{ids[0]}.ipynb"
        if executed.exists():
            page, soup = export_cost(executed)
            print(f"  HTML export (nbconvert HTMLExporter, public options): {page * 1000:.0f} ms/"
                  f"page, of which about {soup * 1000:.0f} ms its BeautifulSoup pass")
        naive_html = naive_dir / f"{ids[0]}.html"
        if naive_html.exists():
            print(f"  (naive HTML for comparison: {naive_html.stat().st_size / 1024:.0f} KB, "
                  "with require.js and MathJax from a CDN)")


if __name__ == "__main__":
    main()
