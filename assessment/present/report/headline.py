"""The title and section 1, the headline: the verdict per lens and the top findings.

>>> from assessment.present.report.core import build_report
>>> view = headline_view(build_report("data/sample", "shoes"))
>>> len(view["verdicts"]), len(view["findings"]) <= TOP_FINDINGS
(2, True)
"""

from __future__ import annotations

from typing import Any

from assessment.diagnosis.findings import Finding
from assessment.instrument.models import LENSES
from assessment.present.report.base import ReportBase
from assessment.present.report.render import finding_item, render

TOP_FINDINGS = 3  # findings shown at a glance


def title_view(rep: ReportBase) -> dict[str, Any]:
    """The page title: the report's name, the company's name, and a subtitle of
    industry, wave, dataset and instrument version (plain texts).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = title_view(build_report("data/sample", "pcmaker"))
    >>> view["company"], view["subtitle"][:2]
    ('Configurix Computers', ['Industry: Computer hardware', 'Wave: 2026-Q1'])
    """
    parts = []
    if rep.industry:
        parts.append(rep.t("subtitle.industry", value=rep.industry))
    if rep.wave:
        parts.append(rep.t("subtitle.wave", value=rep.wave))
    parts.append(rep.t("subtitle.dataset", value=rep.dataset.name))
    parts.append(rep.t("subtitle.instrument", value=rep.instrument.version))
    return {"report": rep.t("headings.report"), "company": rep.name, "subtitle": parts}


def title_html(rep: ReportBase) -> str:
    """The title with the report's style sheet.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = title_html(build_report("data/sample", "pcmaker"))
    >>> html.startswith("<style>"), "<h1>Configurix Computers</h1>" in html
    (True, True)
    """
    return render("title", rep.lang, **title_view(rep))


def verdicts(rep: ReportBase) -> list[str]:
    """The verdict per lens in one sentence each (experience, set-up).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> for sentence in verdicts(build_report("data/sample", "pcmaker")):
    ...     print(sentence)  # doctest: +NORMALIZE_WHITESPACE
    Customer experience: the company leads with Customer intimacy (4.41); 22 customers,
    100% of resamples.
    Set-up (how the company is organized): the company leads with Operational excellence
    (4.60); 22 staff, 100% of resamples.
    """
    return [rep.diagnosis.lenses[lens].sentence(rep.lang, rep.instrument) for lens in LENSES]


def top_findings(rep: ReportBase, k: int = TOP_FINDINGS) -> list[Finding]:
    """The ``k`` most important established findings, the same finding in both lenses once
    (:meth:`~assessment.diagnosis.findings.Diagnosis.top_findings`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "pcmaker")
    >>> [f.code for f in top_findings(rep)]
    ['lens_mismatch', 'unbacked_promise', 'unnoticed_capability']
    >>> [f.code for f in top_findings(rep, 1)]
    ['lens_mismatch']
    """
    return rep.diagnosis.top_findings(k)


def _item(rep: ReportBase, f: Finding) -> dict[str, Any]:
    item = finding_item(f, f.text(rep.lang, rep.instrument), None, rep.lang)
    also = rep.diagnosis.also_in(f)
    if also:
        item["also"] = rep.t("labels.also_in", lenses=", ".join(
            rep.instrument.lens_label(lens, rep.lang) for lens in also))
    return item


def headline_view(rep: ReportBase) -> dict[str, Any]:
    """Section 1 as data: the verdicts and where the experience lens comes from (none
    without data), the top findings as list entries.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = headline_view(build_report("data/sample", "pcmaker"))
    >>> view["source"]
    "Basis of the customer experience lens: customers' own answers (outside-in)."
    >>> [item["severity"] for item in view["findings"]]
    ['warning', 'warning', 'info']
    """
    findings = [_item(rep, f) for f in top_findings(rep)]
    unsure = [_item(rep, f) for f in rep.diagnosis.not_established()]
    has_data = rep.has_data
    return {
        "heading": rep.t("headings.headline"), "has_data": has_data,
        "verdicts": verdicts(rep) if has_data else [],
        "source": (rep.t("notes.experience_source", source=rep.source_phrase())
                   if has_data else ""),
        "top_heading": rep.t("headings.top_findings"), "findings": findings,
        "unsure_heading": rep.t("headings.not_established"), "unsure": unsure,
    }


def headline_html(rep: ReportBase) -> str:
    """Section 1 as HTML.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = headline_html(build_report("data/sample", "pcmaker"))
    >>> "leads with Customer intimacy (4.41)" in html, html.count("What to do")
    (True, 0)
    """
    return render("headline", rep.lang, **headline_view(rep))
