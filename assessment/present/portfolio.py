"""The portfolio page ``index.html``: every company, its verdicts and main finding, a link to
its report, all companies in one discipline triangle, and the reports that failed.

The page is the Jinja2 template ``templates/portfolio/index.html.j2`` with autoescape:
every string that comes from data files or from a failing run (names, ids, industries,
finding texts, error messages, cell sources) is escaped where it enters the page; the
triangle escapes it before it enters the figure
(:func:`assessment.present.figures.portfolio_triangle`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from assessment.diagnosis.findings import Diagnosis, Finding
from assessment.files import atomic_write_text
from assessment.instrument.models import Instrument
from assessment.instrument.texts import check_lang, text
from assessment.intake.dataset import Dataset
from assessment.present.figures import figure_html, plotly_head, portfolio_triangle
from assessment.present.theme import FONT_FAMILY, PAGE_COLORS
from assessment.scoring.tables import INSIDE_OUT

#: the templates of the portfolio page (``assessment/present/templates/portfolio``)
ENV = Environment(loader=PackageLoader("assessment.present", "templates"), autoescape=True,
                  undefined=StrictUndefined, keep_trailing_newline=True)
_LENS_ORDER = ("experience", "setup")  # the page's columns


class CompanyReport(Protocol):
    """What the portfolio page reads of one company's report (the batch's outcome).

    Examples
    --------
    Any object with these attributes will do; a failed report is listed with its error,
    escaped:

    >>> from types import SimpleNamespace
    >>> import assessment as va
    >>> failed = SimpleNamespace(company_id="shoes", status="failed", file=None,
    ...                          notebook=None, error="ValueError: <boom>", cell=None)
    >>> page = build_index(va.load_dataset("data/sample"), {}, {"shoes": failed})
    >>> "ValueError: &lt;boom&gt;" in page
    True
    """

    company_id: str
    status: str  # ok, failed or skipped
    file: str | None
    notebook: str | None
    error: str | None
    cell: dict[str, Any] | None


def main_finding(diag: Diagnosis) -> Finding | None:
    """The company's most important finding (``Diagnosis.top_findings(1)``, the ranking the
    report's headline uses), or None without findings.

    Examples
    --------
    >>> import assessment as va
    >>> diag = va.diagnose(va.score(va.load_dataset("data/sample")))["shoes"]
    >>> main_finding(diag).title("en")
    'Clear value discipline'
    """
    top = diag.top_findings(1)
    return top[0] if top else None


def _verdict(diag: Diagnosis, lens: str, inst: Instrument, lang: str) -> dict[str, Any]:
    res = diag.lenses.get(lens)
    if res is None:
        return {"text": text("portfolio", "verdict.no_data", lang), "inside_out": False}
    disc = inst.discipline_label(res.leader, lang) if res.leader else ""
    verdict = text("portfolio", f"verdict.{res.verdict}", lang, discipline=disc)
    if res.tentative:
        verdict = f"{text('findings', 'probably', lang)}{verdict}"
    kind = ("plain" if res.confidence is None else "tentative" if res.tentative
            else "confidence")
    basis = (text("portfolio", f"basis.{kind}", lang, group=res.evidence.phrase(lang),
                  share=res.confidence or 0.0) if res.evidence.n else "")
    return {"text": verdict, "basis": basis, "tentative": res.tentative,
            "inside_out": lens == "experience" and res.source == INSIDE_OUT}


def _row(cid: str, diag: Diagnosis, rep: CompanyReport | None, industry: str,
         inst: Instrument, lang: str) -> dict[str, Any]:
    """What the companies table shows of one company (plain text: the template escapes)."""
    top = main_finding(diag)
    return {
        "company_id": cid, "name": diag.name, "wave": diag.wave, "industry": industry,
        "file": rep.file if rep is not None else None,
        "failed": rep is not None and rep.status == "failed",
        "verdicts": [_verdict(diag, lens, inst, lang) for lens in _LENS_ORDER],
        "mismatch": diag.lens_mismatch,
        "finding": None if top is None else {"title": top.title(lang),
                                             "text": top.text(lang, inst)},
    }


def _failure(rep: CompanyReport, names: Mapping[str, str]) -> dict[str, Any]:
    return {"company_id": rep.company_id, "name": names.get(rep.company_id, rep.company_id),
            "cell": rep.cell or None, "error": rep.error or "", "notebook": rep.notebook}


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
    ``plotly_head`` is the markup that provides the global ``Plotly`` (a script reference
    or plotly.js inline, made by the package, not from data).

    Examples
    --------
    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> page = build_index(ds, va.diagnose(va.score(ds)), {}, "nl")
    >>> "<h1>Waardediscipline-portfolio</h1>" in page
    True
    """
    check_lang(lang)
    diag_list = list(diagnoses.values())
    inst = diag_list[0].instrument if diag_list else dataset.instrument
    industry = dict(zip(dataset.companies["company_id"].astype(str),
                        dataset.companies["industry"].astype(str), strict=False))
    names = {cid: d.name for cid, d in diagnoses.items()}
    chart = figure_html(portfolio_triangle(diagnoses, inst, lang), include_plotlyjs=False)
    page = ENV.get_template("portfolio/index.html.j2").render(
        lang=lang,
        t=lambda key, **fmt: text("portfolio", key, lang, **fmt),
        plotly_head=Markup(plotly_head),  # noqa: S704 - the package's own script tag
        colors=PAGE_COLORS, font_family=FONT_FAMILY,
        n_companies=len(diagnoses), dataset=dataset.name, version=inst.version,
        when=(generated or _dt.datetime.now()).strftime("%Y-%m-%d %H:%M"),
        rows=[_row(cid, diag, reports.get(cid), industry.get(cid, ""), inst, lang)
              for cid, diag in diagnoses.items()],
        chart=Markup(chart),  # noqa: S704 - plotly's div, every text in it escaped
        failures=[_failure(r, names) for r in reports.values() if r.status == "failed"],
    )
    return page


def write_index(path: str | Path, dataset: Dataset, diagnoses: Mapping[str, Diagnosis],
                reports: Mapping[str, CompanyReport], lang: str = "en",
                self_contained: bool = False) -> Path:
    """Write the portfolio page atomically; plotly.js shared (``plotly.min.js`` next to the
    page) or inlined when ``self_contained``.

    Examples
    --------
    >>> import tempfile, assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_index(Path(folder) / "index.html", ds, {}, {})
    ...     path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    True
    """
    page = build_index(dataset, diagnoses, reports, lang, plotly_head(self_contained))
    atomic_write_text(path, page)
    return Path(path)
