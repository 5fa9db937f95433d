"""Page one of the report, the executive summary: one headline sentence (the diagnosis in
plain words, tentative when the evidence is), three key figures with the group and the
number of people behind each, the two-lens chart (the profile) and three things to discuss.

The headline reads the two lens verdicts (:class:`~assessment.diagnosis.findings.LensResult`):
the discipline customers experience against the one the company is set up for. The key
figures are the experience score of the discipline customers put first, the set-up score
of the discipline the company is built for, and the gap between experience and set-up in
the discipline customers put first. The three things to discuss are the diagnosis's
recommendations (:func:`assessment.diagnosis.advice.recommend`), filled up with the
actions of the top findings when there are fewer than three.

>>> from assessment.present.report.core import build_report
>>> view = summary_view(build_report("data/sample", "pcmaker"))
>>> view["headline"]
'Customers buy customer intimacy, but the company is built for operational excellence.'
>>> [(f["value"], f["basis"]) for f in view["figures"]]
[('4.41', '22 customers'), ('4.60', '22 staff'), ('+1.41', '22 customers, 22 staff')]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assessment.diagnosis.advice import recommend
from assessment.diagnosis.findings import LensResult
from assessment.present.numbers import num
from assessment.present.report.base import ReportBase
from assessment.present.report.render import render
from assessment.scoring.tables import INSIDE_OUT

#: how many things to discuss page one lists
DISCUSS = 3
NO_VERDICT = ("no_data", "insufficient_evidence")


def _top(res: LensResult) -> str | None:
    """The lens's leading discipline, else its highest score (None without scores)."""
    if res.leader:
        return res.leader
    valid = {d: v for d, v in res.scores.items() if v is not None and np.isfinite(v)}
    return max(valid, key=valid.__getitem__) if valid else None


def _label(rep: ReportBase, discipline: str) -> str:
    """A discipline's name inside a sentence (lower case where the language writes it so)."""
    name = rep.disc(discipline)
    return name if rep.lang == "de" else name[:1].lower() + name[1:]


def headline(rep: ReportBase) -> str:
    """The diagnosis in one plain sentence.

    Mismatch, agreement, one lens with a leader, no clear choice, or too few answers;
    "probably"/"seems" when a verdict it rests on is tentative.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> headline(build_report("data/sample", "shoes", lang="de"))
    'Die Kundschaft kauft Kundennähe, und das Unternehmen ist darauf ausgerichtet.'
    >>> headline(build_report("data/sample", "energyco"))
    'The company is built for operational excellence, but customers experience no clear choice.'
    >>> headline(build_report("data/sample", "deptstore")).startswith("Neither")
    True
    """
    exp, setup = rep.diagnosis.lenses["experience"], rep.diagnosis.lenses["setup"]
    thin = [r for r in (exp, setup) if r.verdict in NO_VERDICT]
    if thin:
        return rep.t("summary.headline.thin",
                     lenses=", ".join(rep.lens_name(r.lens) for r in thin))
    e_lead, s_lead = exp.leader, setup.leader
    if e_lead and s_lead:
        case = "aligned" if e_lead == s_lead else "mismatch"
    elif e_lead:
        case = "experience_only"
    elif s_lead:
        case = "setup_only"
    else:
        return rep.t("summary.headline.none")
    tentative = any(r.tentative for r in (exp, setup))
    key = f"summary.headline.{case}" + ("_tentative" if tentative else "")
    return rep.t(key, experience=_label(rep, e_lead) if e_lead else "",
                 setup=_label(rep, s_lead) if s_lead else "")


def caveats(rep: ReportBase) -> list[str]:
    """What the headline must be read with: a tentative verdict, an inside-out estimate.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> caveats(build_report("data/sample", "chips"))[0].startswith("The customer experience")
    True
    >>> caveats(build_report("data/sample", "pcmaker"))
    []
    """
    out = []
    if any(r.tentative for r in rep.diagnosis.lenses.values()):
        out.append(rep.t("summary.caveat_tentative"))
    if rep.diagnosis.experience_source == INSIDE_OUT:
        out.append(rep.t("summary.caveat_inside_out"))
    return out


def key_figures(rep: ReportBase) -> list[dict[str, str]]:
    """The three key figures: experience score of the discipline customers put first,
    set-up score of the discipline the company is built for, and the gap (experience minus
    set-up) in the first; each with its label and the people it rests on ("–" when the
    lens has too few answers to show scores).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> figures = key_figures(build_report("data/sample", "pcmaker", lang="nl"))
    >>> [f["value"] for f in figures]
    ['4,41', '4,60', '+1,41']
    >>> figures[2]["label"]
    'Verschil bij Customer intimacy: klantbeleving min inrichting'
    """
    diag = rep.diagnosis
    exp, setup = diag.lenses["experience"], diag.lenses["setup"]
    out = []
    for res in (exp, setup):
        d = _top(res)
        value = res.scores.get(d) if d and res.evidence.enough else None
        out.append({"value": num(value, ".2f", rep.lang),
                    "label": rep.t("summary.figure_lens", discipline=rep.disc(d) if d else "–",
                                   lens=rep.lens_name(res.lens)),
                    "basis": res.evidence.phrase(rep.lang)})
    d = _top(exp) or _top(setup)
    gap = diag.lens_gaps.get(d) if d and exp.evidence.enough and setup.evidence.enough \
        else None
    out.append({"value": num(gap, "+.2f", rep.lang),
                "label": rep.t("summary.figure_gap", discipline=rep.disc(d) if d else "–"),
                "basis": f"{exp.evidence.phrase(rep.lang)}, {setup.evidence.phrase(rep.lang)}"})
    return out


def things_to_discuss(rep: ReportBase, k: int = DISCUSS) -> list[str]:
    """The ``k`` things to discuss: the recommendations, then the top findings' actions.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> items = things_to_discuss(build_report("data/sample", "deptstore"))
    >>> len(items), items[1].split(":")[0]
    (3, "Bring Product leadership up to the market's par first")
    """
    texts = [r.text(rep.lang, rep.instrument) for r in recommend(rep.diagnosis)]
    for f in rep.diagnosis.top_findings(k + 2):
        texts.append(f.action(rep.lang, rep.instrument))
    out: list[str] = []
    for t in texts:
        if t and t not in out:
            out.append(t)
    return out[:k]


def summary_view(rep: ReportBase) -> dict[str, Any]:
    """Page one as data: heading, headline, caveats, key figures, note on the scale.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = summary_view(build_report("data/sample", "chips"))
    >>> view["heading"], len(view["figures"]), len(view["caveats"])
    ('Executive summary', 3, 1)
    """
    th, sc = rep.instrument.thresholds, rep.instrument.scale
    return {"heading": rep.t("summary.heading"), "headline": headline(rep),
            "caveats": caveats(rep), "figures": key_figures(rep),
            "note": rep.t("summary.figures_note", min=sc.min, max=sc.max, par=th.par,
                          excellence=th.excellence)}


def summary_html(rep: ReportBase) -> str:
    """The first part of page one (headline, caveats, key figures); the chart follows.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = summary_html(build_report("data/sample", "pcmaker"))
    >>> html.count('class="va-figure"'), '<p class="va-headline">' in html
    (3, True)
    """
    return render("summary", rep.lang, **summary_view(rep))


def summary_end_html(rep: ReportBase) -> str:
    """The end of page one: the three things to discuss.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> summary_end_html(build_report("data/sample", "pcmaker")).count("<li>")
    3
    """
    return render("summary_end", rep.lang, heading=rep.t("summary.discuss"),
                  items=things_to_discuss(rep))


def appendix_html(rep: ReportBase) -> str:
    """The appendix's heading (item detail, data quality, reliability, thresholds follow).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> appendix_html(build_report("data/sample", "pcmaker", lang="de"))[:40]
    '<div class="va-appendix"><h2>Anhang: ein'
    """
    return render("appendix", rep.lang, heading=rep.t("summary.appendix"),
                  note=rep.t("summary.appendix_note"))
