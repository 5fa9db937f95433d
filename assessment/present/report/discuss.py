"""Section 9, what to discuss: the discipline to commit to, then one recommendation per
theme, derived from the diagnosis as a whole (:mod:`assessment.diagnosis.advice`).

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "energyco")
>>> [r.code for r, _ in recommendations(rep)]
['integration_self_service_burden']
"""

from __future__ import annotations

from typing import Any

from assessment.diagnosis.advice import Recommendation, recommend
from assessment.present.report.base import ReportBase
from assessment.present.report.render import render
from assessment.scoring.tables import INSIDE_OUT


def commitment(rep: ReportBase) -> str:
    """Which discipline to commit to: the strategy recommendation
    (:func:`assessment.diagnosis.advice.recommend`), plain text.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> commitment(build_report("data/sample", "pcmaker")).split(": ")[0]
    'Customers experience Customer intimacy, but the company is set up for Operational excellence'
    >>> commitment(build_report("data/sample", "chips")).endswith(
    ...     "check it with customers before committing.")  # inside-out: a caveat
    True
    """
    recs = [r for r in recommend(rep.diagnosis) if r.theme in ("strategy", "evidence")]
    if not recs:
        return rep.t("commit.no_data")
    text = " ".join(r.text(rep.lang, rep.instrument) for r in recs)
    if rep.diagnosis.experience_source == INSIDE_OUT:
        text += " " + rep.t("commit.inside_out_caveat")
    return text


def recommendations(rep: ReportBase) -> list[tuple[Recommendation, str]]:
    """(recommendation, text) for every recommendation beyond the commitment, one per theme.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> [r.code for r, _ in recommendations(build_report("data/sample", "deptstore"))]
    ['raise_to_par', 'listen_to_customers']
    """
    return [(r, r.text(rep.lang, rep.instrument)) for r in recommend(rep.diagnosis)
            if r.theme not in ("strategy", "evidence")]


def discuss_view(rep: ReportBase) -> dict[str, Any]:
    """Section 9 as data: the commitment and the actions as list entries.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = discuss_view(build_report("data/sample", "deptstore"))
    >>> len(view["actions"]), view["actions"][0]["text"].split(":")[0]
    (2, "Bring Product leadership up to the market's par first")
    """
    return {"heading": rep.t("headings.discuss"), "commit_heading": rep.t("headings.commit"),
            "commitment": commitment(rep), "actions_heading": rep.t("headings.actions"),
            "actions": [{"text": text} for _, text in recommendations(rep)]}


def discuss_html(rep: ReportBase) -> str:
    """Section 9 as HTML.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = discuss_html(build_report("data/sample", "pcmaker"))
    >>> html.count('<li'), "decide which of the two to commit to" in html
    (0, True)
    """
    return render("discuss", rep.lang, **discuss_view(rep))
