"""Storing a batch's results: each report's files, plotly.js, ``summary.json`` and ``.csv``.

Every file is written atomically (:mod:`assessment.files`), by the batch's own process.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from assessment.diagnosis.findings import Diagnosis
from assessment.files import atomic_write_bytes, atomic_write_text, write_csv
from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.intake.dataset import Dataset
from assessment.present.figures import PLOTLY_JS, plotly_js
from assessment.present.portfolio import main_finding
from assessment.run.jobs import CompanyReport, ReportJob, ReportOutcome


def store_outcome(out: Path, job: ReportJob, outcome: ReportOutcome,
                  written: list[Path]) -> CompanyReport:
    """Write one outcome's files atomically and return its summary block.

    A report that succeeded leaves ``<slug>.ipynb`` and ``<slug>.html`` (in that order: a
    page always has its notebook); a failed one leaves only ``<slug>.failed.ipynb``, for
    inspection, and removes the stale report. The paths written are added to ``written``.

    Examples
    --------
    >>> import tempfile
    >>> out, written = Path(tempfile.mkdtemp()), []
    >>> job = ReportJob("x", "x", "X", "report.ipynb", {})
    >>> done = ReportOutcome("x", "x", "ok", 1.0, notebook_json="{}", html="<p>x</p>")
    >>> store_outcome(out, job, done, written).file, sorted(p.name for p in written)
    ('x.html', ['x.html', 'x.ipynb'])
    >>> failed = ReportOutcome("x", "x", "failed", 1.0, notebook_json="{}", error="E: no")
    >>> store_outcome(out, job, failed, written).error, sorted(p.name for p in out.iterdir())
    ('E: no', ['x.failed.ipynb'])
    """
    html, ipynb, failed_nb = (out / f"{job.slug}.html", out / f"{job.slug}.ipynb",
                              out / f"{job.slug}.failed.ipynb")
    if outcome.status == "ok" and outcome.html is not None and outcome.notebook_json:
        # the notebook first: a report whose html exists always has its notebook
        atomic_write_text(ipynb, outcome.notebook_json)
        atomic_write_text(html, outcome.html)
        _remove(failed_nb)
        written += [ipynb, html]
        return CompanyReport(job.company_id, job.slug, "ok", html.name, ipynb.name,
                             seconds=outcome.seconds)
    # a failed report: keep the executed notebook for inspection, drop the stale report
    _remove(html, ipynb)
    kept = None
    if outcome.notebook_json:
        atomic_write_text(failed_nb, outcome.notebook_json)
        written.append(failed_nb)
        kept = failed_nb.name
    else:
        _remove(failed_nb)
    cell = None
    if outcome.cell_index is not None or outcome.cell_source:
        cell = {"index": outcome.cell_index, "execution_count": outcome.cell_execution_count,
                "source": outcome.cell_source}
    return CompanyReport(job.company_id, job.slug, "failed", None, kept,
                         error=outcome.error or "unknown error", cell=cell,
                         seconds=outcome.seconds)


def copy_plotly_js(out: Path) -> Path:
    """plotly.js next to the reports, written again when the installed plotly's differs.

    Examples
    --------
    >>> import tempfile
    >>> copy_plotly_js(Path(tempfile.mkdtemp())).stat().st_size > 1_000_000
    True
    """
    dst, code = out / PLOTLY_JS, plotly_js().encode("utf-8")
    if not dst.exists() or dst.stat().st_size != len(code) or dst.read_bytes() != code:
        atomic_write_bytes(dst, code)
    return dst


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


# -- summary -------------------------------------------------------------------------------


def summary_rows(summary: dict, companies: pd.DataFrame,
                 diagnoses: dict[str, Diagnosis], lang: str) -> pd.DataFrame:
    """``summary.csv``: one row per company with verdicts, scores, gaps, main finding and the
    report's status.

    ``summary`` is :func:`assessment.present.summary.build_summary`'s, with each company's
    ``report`` block (see :func:`write_summary`). The values are as they are: the CSV
    writer (:func:`assessment.files.write_csv`) gives text a spreadsheet would run as a
    formula a leading apostrophe.

    Examples
    --------
    >>> from assessment import build_summary, diagnose, load_dataset, score
    >>> ds = load_dataset("data/sample")
    >>> scores = score(ds)
    >>> diagnoses = diagnose(scores)
    >>> summary = build_summary(ds, scores, diagnoses, "en")
    >>> for entry in summary["companies"]:
    ...     entry["report"] = CompanyReport(entry["company_id"], "s", "skipped").to_dict()
    >>> rows = summary_rows(summary, ds.companies, diagnoses, "en")
    >>> rows.set_index("company_id").loc["pcmaker", "experience_leader"]
    'customer_intimacy'
    """
    industry = dict(zip(companies["company_id"], companies.get("industry", ""), strict=False))
    rows = []
    for entry in summary["companies"]:
        cid = entry["company_id"]
        diag = diagnoses[cid]
        top = main_finding(diag)
        row: dict[str, Any] = {"company_id": cid, "name": entry["name"],
                               "industry": industry.get(cid, ""), "wave": entry["wave"] or ""}
        for lens in LENSES:
            block = entry["lenses"][lens]
            row[f"{lens}_verdict"] = block["verdict"]
            row[f"{lens}_leader"] = block["leader"] or ""
            row[f"{lens}_basis"] = f"{block['basis']} (n={block['n']})"
            row[f"{lens}_confidence"] = block["confidence"]
            for d in DISCIPLINES:
                row[f"{lens}_{d}"] = (block["scores"] or {}).get(d)
        row["lens_mismatch"] = entry["lens_mismatch"]
        for d in DISCIPLINES:
            row[f"gap_{d}"] = entry["lens_gaps"].get(d)
        row["n_findings"] = len(entry["findings"])
        row["main_finding"] = top.text(lang, diag.instrument) if top else ""
        rep = entry["report"]
        row.update(report_status=rep["status"], report_file=rep["file"] or "",
                   report_error=rep["error"] or "", report_seconds=rep["seconds"])
        rows.append(row)
    return pd.DataFrame(rows)


def write_summary(out: Path, summary: dict, reports: dict[str, CompanyReport], ds: Dataset,
                  diagnoses: dict[str, Diagnosis], lang: str, notebook: Path,
                  self_contained: bool) -> tuple[Path, Path]:
    """Add each company's report block to ``summary`` and write ``summary.json`` and
    ``summary.csv`` (through :func:`assessment.files.write_csv`) into ``out``; returns
    their paths.

    Examples
    --------
    >>> import tempfile
    >>> from assessment import build_summary, diagnose, load_dataset, score
    >>> ds = load_dataset("data/sample")
    >>> diagnoses = diagnose(score(ds))
    >>> summary = build_summary(ds, score(ds), diagnoses, "en")
    >>> reports = {c: CompanyReport(c, c, "skipped") for c in ds.companies["company_id"]}
    >>> paths = write_summary(Path(tempfile.mkdtemp()), summary, reports, ds, diagnoses,
    ...                       "en", Path("report.ipynb"), False)
    >>> [p.name for p in paths], summary["reports"]["skipped"] == len(reports)
    (['summary.json', 'summary.csv'], True)
    """
    for entry in summary["companies"]:
        entry["report"] = reports[entry["company_id"]].to_dict()
    summary["reports"] = {
        "lang": lang, "notebook": str(notebook), "self_contained": bool(self_contained),
        "ok": sum(r.status == "ok" for r in reports.values()),
        "failed": sum(r.status == "failed" for r in reports.values()),
        "skipped": sum(r.status == "skipped" for r in reports.values()),
    }
    summary_json = out / "summary.json"
    summary_csv = out / "summary.csv"
    atomic_write_text(summary_json, json.dumps(summary, ensure_ascii=False, indent=2) + "\n")
    write_csv(summary_csv, summary_rows(summary, ds.companies, diagnoses, lang),
              float_format="%.3f")
    return summary_json, summary_csv
