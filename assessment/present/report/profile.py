"""Sections 2 and 3: the profile of the two lenses (its chart is on page one) and the
discipline triangle. Both are charts (:mod:`assessment.present.figures`) with a note on
how to read them.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "shoes")
>>> profile_view(rep)["notes"][0].startswith("The chart on page one shows the mean score")
True
"""

from __future__ import annotations

from typing import Any

from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase
from assessment.present.report.render import render


def profile_view(rep: ReportBase) -> dict[str, Any]:
    """Section 2 as data: how to read the profile chart (scale, par, excellence).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = profile_view(build_report("data/sample", "pcmaker"))
    >>> view["heading"], "par (3.00) in each lens" in view["notes"][0]
    ('Value-discipline profile', True)
    """
    th, sc = rep.instrument.thresholds, rep.instrument.scale
    note = (rep.t("notes.profile", min=sc.min, max=sc.max, par=th.par,
                  excellence=th.excellence)
            if rep.has_data else rep.t("notes.no_respondents"))
    return {"name": "profile", "heading": rep.t("headings.profile"), "notes": [note]}


def profile_html(rep: ReportBase) -> str:
    """Section 2 as HTML (the chart is :func:`profile_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = profile_html(build_report("data/sample", "pcmaker", lang="de"))
    >>> html.startswith('<div class="va-section va-profile"><h2>')
    True
    """
    return render("notes", rep.lang, **profile_view(rep))


def profile_figure(rep: ReportBase) -> Chart | None:
    """The profile chart; None without data.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = profile_figure(build_report("data/sample", "pcmaker"))
    >>> [trace["name"] for trace in chart.data[:2]]
    ['Customer experience', 'Set-up']
    """
    if not rep.has_data:
        return None
    return charts.profile_chart(rep.profile(), rep.instrument, rep.lang)


def triangle_view(rep: ReportBase) -> dict[str, Any]:
    """Section 3 as data: how the triangle is computed.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = triangle_view(build_report("data/sample", "pcmaker"))
    >>> view["heading"], "bottom of the scale (1)" in view["notes"][0]
    ('The discipline triangle', True)
    """
    note = (rep.t("notes.triangle", min=rep.instrument.scale.min) if rep.has_data
            else rep.t("notes.no_respondents"))
    return {"name": "triangle", "heading": rep.t("headings.triangle"), "notes": [note]}


def triangle_html(rep: ReportBase) -> str:
    """Section 3 as HTML (the chart is :func:`triangle_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = triangle_html(build_report("data/sample", "pcmaker"))
    >>> "<h2>The discipline triangle</h2>" in html
    True
    """
    return render("notes", rep.lang, **triangle_view(rep))


def triangle_figure(rep: ReportBase) -> Chart | None:
    """The discipline triangle; None without data.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = triangle_figure(build_report("data/sample", "pcmaker"))
    >>> {trace["type"] for trace in chart.data}, chart.data[-1]["name"]
    ({'scatterternary'}, 'Customer experience')
    """
    if not rep.has_data:
        return None
    return charts.triangle_chart(rep.profile(), rep.instrument, rep.lang)
