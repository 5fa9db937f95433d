"""Section 9, what to discuss: the discipline to commit to, then one action per finding.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "pcmaker")
>>> [f.code for f, _ in recommendations(rep)][0]
'lens_mismatch'
"""

from __future__ import annotations

from typing import Any

from assessment.diagnosis.findings import Finding, rank_findings
from assessment.instrument.models import DISCIPLINES
from assessment.present.report.base import ReportBase
from assessment.present.report.render import finding_item, render
from assessment.scoring.tables import INSIDE_OUT


def commitment(rep: ReportBase) -> str:
    """Which discipline to commit to, in one or two sentences (plain text).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> commitment(build_report("data/sample", "pcmaker")).split(". ")[0]
    'Customers experience Customer intimacy, but the company is set up for Operational excellence'
    >>> commitment(build_report("data/sample", "chips")).endswith(
    ...     "check it with customers before committing.")  # inside-out: a caveat
    True
    """
    exp, setup = rep.diagnosis.lenses["experience"], rep.diagnosis.lenses["setup"]
    lab, t = rep.disc, rep.t
    if "no_data" in (exp.verdict, setup.verdict):
        return t("commit.no_data")
    if exp.dominant and setup.dominant:
        if exp.dominant == setup.dominant:
            d = exp.dominant
            o1, o2 = (lab(x) for x in DISCIPLINES if x != d)
            text = t("commit.aligned", discipline=lab(d), other1=o1, other2=o2)
        else:
            text = t("commit.mismatch", experienced=lab(exp.dominant),
                     setup=lab(setup.dominant))
    elif "dual" in (setup.verdict, exp.verdict):
        res = setup if setup.verdict == "dual" else exp
        ranked = sorted(res.scores, key=lambda d: -res.scores[d])
        text = t("commit.dual", first=lab(ranked[0]), second=lab(ranked[1]))
    elif exp.dominant or setup.dominant:
        d = exp.dominant or setup.dominant
        key = "commit.experience_only" if exp.dominant else "commit.setup_only"
        text = t(key, discipline=lab(d), experience=exp.scores[d], setup=setup.scores[d])
    else:
        both = {d: (exp.scores[d] + setup.scores[d]) / 2 for d in DISCIPLINES}
        d = max(DISCIPLINES, key=lambda x: both[x])
        text = t("commit.none", discipline=lab(d), experience=exp.scores[d],
                 setup=setup.scores[d])
    if rep.diagnosis.experience_source == INSIDE_OUT:
        text += " " + t("commit.inside_out_caveat")
    return text


def recommendations(rep: ReportBase) -> list[tuple[Finding, str]]:
    """(finding, action) for every finding, most important first, each action once.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> pairs = recommendations(build_report("data/sample", "pcmaker"))
    >>> len(pairs), [f.code for f, _ in pairs[:2]]
    (7, ['lens_mismatch', 'unbacked_promise'])
    >>> len({action for _, action in pairs}) == len(pairs)
    True
    """
    seen: set[str] = set()
    out = []
    for f in rank_findings(rep.diagnosis.findings):
        action = f.action(rep.lang, rep.instrument)
        if action and action not in seen:
            seen.add(action)
            out.append((f, action))
    return out


def discuss_view(rep: ReportBase) -> dict[str, Any]:
    """Section 9 as data: the commitment and the actions as list entries.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = discuss_view(build_report("data/sample", "pcmaker"))
    >>> len(view["actions"]), view["actions"][0]["title"]
    (7, 'Experience and set-up point to different disciplines')
    """
    return {"heading": rep.t("headings.discuss"), "commit_heading": rep.t("headings.commit"),
            "commitment": commitment(rep), "actions_heading": rep.t("headings.actions"),
            "actions": [finding_item(f, action, None, rep.lang)
                        for f, action in recommendations(rep)]}


def discuss_html(rep: ReportBase) -> str:
    """Section 9 as HTML.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = discuss_html(build_report("data/sample", "pcmaker"))
    >>> html.count('<li'), "Decide which of the two to commit to" in html
    (7, True)
    """
    return render("discuss", **discuss_view(rep))
