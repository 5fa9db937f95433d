"""The portfolio page ``index.html``: every company, its verdicts, how sure they are and
its main finding (:func:`key_finding`: what the verdict columns do not already say), a link
to its report; a heatmap of all companies' scores and all companies in one discipline
triangle; and the reports that failed. Numbers are in the reader's language (Babel).

The companies table is complete in the HTML; the page's own script
(``templates/portfolio/table.js.j2``, no library, works from file://) sorts it (buttons in
the headers with ``aria-sort``), filters it (verdict, industry, differing perspectives,
confidence, text search) and shows it a page at a time, so that a portfolio of a thousand
companies stays quick; ``charts.js.j2`` fits the charts to a phone and hides triangle
names that would overlap another.

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

from assessment.diagnosis.findings import SEVERITY_ORDER, Diagnosis, Finding
from assessment.files import atomic_write_text
from assessment.instrument.models import DISCIPLINES, Instrument
from assessment.instrument.texts import check_lang, text
from assessment.intake.dataset import Dataset
from assessment.present.figures import (
    Chart,
    figure_html,
    plotly_head,
    portfolio_heatmap,
    portfolio_triangle,
)
from assessment.present.figures.portfolio import many_num
from assessment.present.numbers import date, num
from assessment.present.theme import FONT_FAMILY, PAGE_COLORS
from assessment.scoring.tables import INSIDE_OUT

#: the templates of the portfolio page (``assessment/present/templates/portfolio``)
ENV = Environment(loader=PackageLoader("assessment.present", "templates"), autoescape=True,
                  undefined=StrictUndefined, keep_trailing_newline=True)
_LENS_ORDER = ("experience", "setup")  # the page's columns
#: rows per page of the companies table (the first is the default)
PAGE_SIZES = (50, 25, 100, 250)
#: the texts the table's script shows (``js.*`` in the portfolio texts)
JS_TEXTS = ("showing", "none_match", "page", "sorted_asc", "sorted_desc")


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


#: findings that say what the verdict columns already say (the verdicts and the mismatch)
VERDICT_CODES = frozenset({"leader", "dual", "no_clear_choice", "excels_below_par",
                           "narrow_lead", "all_excellent", "insufficient_evidence",
                           "lens_mismatch", "no_respondents"})
#: findings about the data, not the strategy (the report's data-quality section lists them)
CAVEAT_CODES = frozenset({"dropped_respondents", "inside_out_estimate", "par_unknown"})
#: the number shown beside a finding, most telling first: value key -> text key
_FIGURES = (("gap", "figure.gap"), ("diff", "figure.diff"), ("score", "figure.score"),
            ("top_score", "figure.score"), ("experience", "figure.experience"))
_VERDICT_RANK = ("leader", "dual", "excels_below_par", "narrow_lead", "all_excellent",
                 "no_clear_choice", "insufficient_evidence", "no_data")


def key_finding(diag: Diagnosis) -> Finding | None:
    """The most important established finding that adds to the verdict columns: a gap, a
    blind spot, a threshold below par, a department split, a customer-role result. Not the
    verdicts themselves, not the lens mismatch (its own column) and not a data caveat.
    None when the diagnosis found nothing beyond the verdicts.

    Examples
    --------
    >>> import assessment as va
    >>> diags = va.diagnose(va.score(va.load_dataset("data/sample")), ["pcmaker", "mueller"])
    >>> main_finding(diags["pcmaker"]).code, key_finding(diags["pcmaker"]).code
    ('lens_mismatch', 'unbacked_promise')
    >>> key_finding(diags["mueller"]) is None
    True
    """
    for f in diag.top_findings(len(diag.findings)):
        if f.code not in VERDICT_CODES and f.code not in CAVEAT_CODES:
            return f
    return None


def _t(key: str, lang: str, **fmt: Any) -> str:
    return text("portfolio", key, lang, **fmt)


def _finding(f: Finding | None, inst: Instrument, lang: str) -> dict[str, Any] | None:
    """The finding column's cell: title, the discipline and the number behind it, and how
    sure it is (share of resamples), numbers in the reader's language."""
    if f is None:
        return None
    figure = next(((key, label) for key, label in _FIGURES
                   if isinstance(f.values.get(key), (int, float))), None)
    parts = [inst.discipline_label(f.discipline, lang)] if f.discipline in DISCIPLINES else []
    if figure is not None:
        value = f.values[figure[0]]
        size = abs(value) if figure[0] in ("gap", "diff") else value
        parts.append(_t(figure[1], lang, value=many_num(size, ".2f", lang)))
    if isinstance(f.values.get("par"), (int, float)):
        parts.append(_t("figure.par", lang, value=many_num(f.values["par"], ".2f", lang)))
    sure = (_t("sure.resampled", lang, share=many_num(f.confidence, ".0%", lang))
            if f.confidence is not None else _t("sure.not_resampled", lang))
    return {"code": f.code, "severity": f.severity, "title": f.title(lang),
            "detail": " · ".join(parts), "sure": sure,
            "key": f"{SEVERITY_ORDER.get(f.severity, 9)} {f.title(lang)}"}


def _verdict(diag: Diagnosis, lens: str, inst: Instrument, lang: str) -> dict[str, Any]:
    res = diag.lenses.get(lens)
    if res is None:
        no_data = _t("verdict.no_data", lang)
        return {"text": no_data, "basis": "", "tentative": False, "inside_out": False,
                "code": f"{lens}:no_data:", "label": no_data,
                "key": f"{_VERDICT_RANK.index('no_data')} "}
    disc = inst.discipline_label(res.leader, lang) if res.leader else ""
    label = _t(f"verdict.{res.verdict}", lang, discipline=disc)
    verdict = f"{text('findings', 'probably', lang)}{label}" if res.tentative else label
    kind = ("plain" if res.confidence is None else "tentative" if res.tentative
            else "confidence")
    basis = (_t(f"basis.{kind}", lang, group=res.evidence.phrase(lang),
                share=many_num(res.confidence, ".0%", lang)) if res.evidence.n else "")
    rank = (_VERDICT_RANK.index(res.verdict) if res.verdict in _VERDICT_RANK
            else len(_VERDICT_RANK))
    return {"text": verdict, "basis": basis, "tentative": res.tentative,
            "inside_out": lens == "experience" and res.source == INSIDE_OUT,
            "code": f"{lens}:{res.verdict}:{res.leader or ''}", "label": label,
            "key": f"{rank} {disc}"}


def _sureness(diag: Diagnosis, lang: str) -> dict[str, Any]:
    """How sure the verdicts are, together: ``insufficient`` when a lens has no verdict,
    ``tentative`` when one is tentative, else ``firm``; the lowest share of resamples."""
    results = [diag.lenses.get(lens) for lens in _LENS_ORDER]
    shares = [r.confidence for r in results if r is not None and r.confidence is not None]
    if any(r is None or r.verdict in ("no_data", "insufficient_evidence") for r in results):
        level = "insufficient"
    elif any(r.tentative for r in results if r is not None):
        level = "tentative"
    else:
        level = "firm"
    low = min(shares) if shares else None
    return {"level": level, "label": _t(f"sureness.{level}", lang),
            "share": "" if low is None else many_num(low, ".0%", lang),
            "key": -1.0 if low is None else round(low, 4)}


def _row(cid: str, diag: Diagnosis, rep: CompanyReport | None, industry: str,
         inst: Instrument, lang: str) -> dict[str, Any]:
    """What the companies table shows of one company (plain text: the template escapes)."""
    return {
        "company_id": cid, "name": diag.name, "wave": diag.wave, "industry": industry,
        "file": rep.file if rep is not None else None,
        "failed": rep is not None and rep.status == "failed",
        "verdicts": [_verdict(diag, lens, inst, lang) for lens in _LENS_ORDER],
        "mismatch": diag.lens_mismatch,
        "sureness": _sureness(diag, lang),
        "finding": _finding(key_finding(diag), inst, lang),
    }


def _options(rows: list[dict[str, Any]], lang: str) -> dict[str, Any]:
    """The filters' choices, from the rows: verdicts per lens, industries."""
    verdicts: dict[str, dict[str, tuple[str, str]]] = {lens: {} for lens in _LENS_ORDER}
    for row in rows:
        for lens, v in zip(_LENS_ORDER, row["verdicts"], strict=True):
            verdicts[lens][v["code"]] = (v["key"], v["label"])
    groups = [{"label": _t(f"col_{lens}", lang),
               "options": [{"value": code, "label": label} for code, (_, label)
                           in sorted(verdicts[lens].items(), key=lambda kv: kv[1])]}
              for lens in _LENS_ORDER]
    industries = sorted({row["industry"] for row in rows if row["industry"]},
                        key=str.casefold)
    return {"verdict_groups": groups, "industries": industries}


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
    rows = [_row(cid, diag, reports.get(cid), industry.get(cid, ""), inst, lang)
            for cid, diag in diagnoses.items()]
    when = generated or _dt.datetime.now()
    page = ENV.get_template("portfolio/index.html.j2").render(
        lang=lang,
        t=lambda key, **fmt: _t(key, lang, **fmt),
        plotly_head=Markup(plotly_head),  # noqa: S704 - the package's own script tag
        colors=PAGE_COLORS, font_family=FONT_FAMILY,
        n_companies=num(len(diagnoses), ".0f", lang), dataset=dataset.name,
        version=inst.version, when=f"{date(when.date(), lang)}, {when:%H:%M}",
        rows=rows, options=_options(rows, lang), page_sizes=PAGE_SIZES,
        par=many_num(inst.thresholds.par, ".2f", lang),
        excellence=many_num(inst.thresholds.excellence, ".2f", lang),
        js_texts={key: _t(f"js.{key}", lang) for key in JS_TEXTS},
        triangle=Markup(_chart(portfolio_triangle(diagnoses, inst, lang))),  # noqa: S704
        heatmap=Markup(_chart(portfolio_heatmap(diagnoses, inst, lang))),  # noqa: S704
        failures=[_failure(r, names) for r in reports.values() if r.status == "failed"],
    )
    return page


def _chart(fig: Chart) -> str:
    """The chart's div without its plotly title (the page's heading names it, and a title
    inside the chart sits under plotly's toolbar on a phone)."""
    fig.update_layout(title=dict(text=""))
    top = fig.layout.get("margin", {}).get("t", 70)
    fig.update_layout(margin=dict(t=max(top - 50, 40)))
    return figure_html(fig, include_plotlyjs=False)


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
