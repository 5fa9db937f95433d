"""The portfolio page ``index.html``: every company, its verdicts and main finding, a link to
its report, all companies in one discipline triangle, and the reports that failed.

Every string that comes from data files or from a failing run (names, ids, industries,
finding texts, error messages, cell sources) is untrusted and passes through
:func:`html.escape` where it enters the page; the chart escapes it before it enters the
figure (``charts.portfolio_triangle``).
"""

from __future__ import annotations

import datetime as _dt
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from assessment.diagnosis.findings import Diagnosis
from assessment.files import atomic_write_text
from assessment.instrument.models import LANGS, Instrument
from assessment.instrument.texts import book
from assessment.intake.dataset import Dataset
from assessment.present.figures import figure_html, plotly_head, portfolio_triangle
from assessment.scoring.tables import INSIDE_OUT


class CompanyReport(Protocol):
    """What the portfolio page reads of one company's report (the batch's outcome)."""

    company_id: str
    status: str  # ok, failed or skipped
    file: str | None
    notebook: str | None
    error: str | None
    cell: dict[str, Any] | None

_CSS = """
:root { --ink: #1f2933; --muted: #616e7c; --line: #d9e2ec; --accent: #0072B2;
        --bad: #b42318; --bg-bad: #fef3f2; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, sans-serif; color: var(--ink); margin: 0;
       background: #fff; line-height: 1.45; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7rem; margin: 0 0 6px; }
h2 { font-size: 1.2rem; margin: 32px 0 10px; border-bottom: 1px solid var(--line);
     padding-bottom: 4px; }
p.meta { color: var(--muted); margin: 4px 0; }
table { border-collapse: collapse; width: 100%; font-size: 0.92rem; }
th, td { text-align: left; vertical-align: top; padding: 7px 9px;
         border-bottom: 1px solid var(--line); }
th { background: #f5f7fa; font-weight: 600; }
td.name { font-weight: 600; overflow-wrap: anywhere; }
td.finding { max-width: 360px; }
td.error, td.cell { font-family: Menlo, Consolas, monospace; font-size: 0.82rem;
                    white-space: pre-wrap; overflow-wrap: anywhere; }
.small { color: var(--muted); font-size: 0.82rem; }
.yes { color: var(--bad); font-weight: 600; }
.failed { color: var(--bad); font-weight: 600; }
tr.failed-row td { background: var(--bg-bad); }
a { color: var(--accent); }
.chart { min-height: 420px; }
"""


def index_texts() -> dict:
    """The portfolio page's own texts (``instrument/index_texts.yaml``)."""
    return book("portfolio")


def _t(key: str, lang: str, **fmt: Any) -> str:
    """A text in ``lang``, its placeholders filled with escaped values (HTML-safe)."""
    node = index_texts()
    for part in key.split("."):
        node = node[part]
    return html.escape(node[lang]).format(**{k: _esc(v) for k, v in fmt.items()})


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _verdict(diag: Diagnosis, lens: str, inst: Instrument, lang: str) -> str:
    res = diag.lenses.get(lens)
    if res is None:
        return _t("verdict.no_data", lang)
    disc = inst.discipline_label(res.leader, lang) if res.leader else ""
    text = _t(f"verdict.{res.verdict}", lang, discipline=disc)
    if lens == "experience" and res.source == INSIDE_OUT:
        text += f' <span class="small">({_t("inside_out", lang)})</span>'
    return text


def main_finding(diag: Diagnosis):
    """The company's most important finding (``Diagnosis.top_findings(1)``, the ranking the
    report's headline uses), or None without findings."""
    top = diag.top_findings(1)
    return top[0] if top else None


def _main_finding(diag: Diagnosis, inst: Instrument, lang: str) -> str:
    f = main_finding(diag)
    if f is None:
        return f'<span class="small">{_t("no_finding", lang)}</span>'
    return f"<strong>{_esc(f.title(lang))}</strong><br>{_esc(f.text(lang, inst))}"


def _report_cell(rep: CompanyReport | None, lang: str) -> str:
    if rep is not None and rep.file:
        return f'<a href="{_esc(rep.file)}">{_t("status_ok", lang)}</a>'
    if rep is not None and rep.status == "failed":
        return f'<span class="failed">{_t("status_failed", lang)}</span>'
    return f'<span class="small">{_t("status_missing", lang)}</span>'


def _chart(diagnoses: Mapping[str, Diagnosis], inst: Instrument, lang: str) -> str:
    """The portfolio triangle (``figures.portfolio_triangle``) as a div plus a script."""
    return figure_html(portfolio_triangle(diagnoses, inst, lang), include_plotlyjs=False)


def build_index(
    dataset: Dataset,
    diagnoses: Mapping[str, Diagnosis],
    reports: Mapping[str, CompanyReport],
    lang: str = "en",
    plotly_head: str = '<script src="plotly.min.js" charset="utf-8"></script>',
    generated: _dt.datetime | None = None,
) -> str:
    """The portfolio page as an HTML string.

    ``reports`` maps company ids to their report block (status, file, error, cell);
    ``plotly_head`` provides the global ``Plotly`` (a script reference or plotly.js inline).
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    diag_list = list(diagnoses.values())
    inst = diag_list[0].instrument if diag_list else dataset.instrument
    industry = dict(zip(dataset.companies["company_id"].astype(str),
                        dataset.companies["industry"].astype(str), strict=False))
    when = (generated or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M")

    rows = []
    for cid, diag in diagnoses.items():
        rep = reports.get(cid)
        failed = rep is not None and rep.status == "failed"
        name = _esc(diag.name)
        if rep is not None and rep.file:
            name = f'<a href="{_esc(rep.file)}">{name}</a>'
        wave = f'<br><span class="small">{_esc(diag.wave)}</span>' if diag.wave else ""
        mismatch = (f'<span class="yes">{_t("mismatch_yes", lang)}</span>' if diag.lens_mismatch
                    else _t("mismatch_no", lang))
        row_class = ' class="failed-row"' if failed else ""
        rows.append(
            f'<tr{row_class} data-company="{_esc(cid)}">'
            f'<td class="name">{name}{wave}</td>'
            f"<td>{_esc(industry.get(cid, ''))}</td>"
            f"<td>{_verdict(diag, 'experience', inst, lang)}</td>"
            f"<td>{_verdict(diag, 'setup', inst, lang)}</td>"
            f"<td>{mismatch}</td>"
            f'<td class="finding">{_main_finding(diag, inst, lang)}</td>'
            f"<td>{_report_cell(rep, lang)}</td></tr>")

    failures = [r for r in reports.values() if r.status == "failed"]
    if failures:
        frows = []
        names = {cid: d.name for cid, d in diagnoses.items()}
        for r in failures:
            cell = ""
            if r.cell:
                cell = _t("cell_at", lang, index=r.cell.get("index"),
                          count=r.cell.get("execution_count"), source=r.cell.get("source"))
            nb_link = (f'<a href="{_esc(r.notebook)}">{_esc(r.notebook)}</a>' if r.notebook
                       else "")
            frows.append(
                f'<tr class="failed-row" data-company="{_esc(r.company_id)}">'
                f'<td class="name">{_esc(names.get(r.company_id, r.company_id))}'
                f'<br><span class="small">{_esc(r.company_id)}</span></td>'
                f'<td class="cell">{cell}</td><td class="error">{_esc(r.error)}</td>'
                f"<td>{nb_link}</td></tr>")
        failure_html = (
            f'<table id="failures"><thead><tr><th>{_t("col_company", lang)}</th>'
            f'<th>{_t("col_cell", lang)}</th><th>{_t("col_error", lang)}</th>'
            f'<th>{_t("col_notebook", lang)}</th></tr></thead><tbody>'
            + "".join(frows) + "</tbody></table>")
    else:
        failure_html = f'<p id="failures" class="meta">{_t("no_failures", lang)}</p>'

    head = "".join(
        f"<th>{_t(k, lang)}</th>" for k in ("col_company", "col_industry", "col_experience",
                                              "col_setup", "col_mismatch", "col_finding",
                                              "col_report"))
    title = _t("title", lang)
    return f"""<!DOCTYPE html>
<html lang="{_esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
{plotly_head}
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>{title}</h1>
<p class="meta">{_t("intro", lang, n=len(diagnoses), dataset=dataset.name,
                     version=inst.version)}</p>
<p class="meta">{_t("generated", lang, when=when)}</p>
<h2>{_t("companies_heading", lang)}</h2>
<table id="companies"><thead><tr>{head}</tr></thead><tbody>
{"".join(rows)}
</tbody></table>
<h2>{_t("chart_heading", lang)}</h2>
<div class="chart">{_chart(diagnoses, inst, lang)}</div>
<h2>{_t("failures_heading", lang)}</h2>
{failure_html}
</main>
</body>
</html>
"""


def write_index(path: str | Path, dataset: Dataset, diagnoses: Mapping[str, Diagnosis],
                reports: Mapping[str, CompanyReport], lang: str = "en",
                self_contained: bool = False) -> Path:
    """Write the portfolio page atomically; plotly.js shared (``plotly.min.js`` next to the
    page) or inlined when ``self_contained``."""

    page = build_index(dataset, diagnoses, reports, lang, plotly_head(self_contained))
    atomic_write_text(path, page)
    return Path(path)
