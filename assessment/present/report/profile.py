"""Sections 2 and 3: the profile of the two lenses and the discipline triangle. Both are
charts (:mod:`assessment.present.figures`) with a note on how to read them.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "shoes")
>>> profile_view(rep)["notes"][0].startswith("Bars show the mean score")
True
"""

from __future__ import annotations

from typing import Any

from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase
from assessment.present.report.render import render


def profile_view(rep: ReportBase) -> dict[str, Any]:
    """Section 2 as data: how to read the profile chart (scale, par, excellence)."""
    th, sc = rep.instrument.thresholds, rep.instrument.scale
    note = (rep.t("notes.profile", min=sc.min, max=sc.max, par=th.par,
                  excellence=th.excellence)
            if rep.has_data else rep.t("notes.no_respondents"))
    return {"name": "profile", "heading": rep.t("headings.profile"), "notes": [note]}


def profile_html(rep: ReportBase) -> str:
    """Section 2 as HTML (the chart is :func:`profile_figure`)."""
    return render("notes", **profile_view(rep))


def profile_figure(rep: ReportBase) -> Chart | None:
    """The profile chart; None without data."""
    if not rep.has_data:
        return None
    return charts.profile_chart(rep.profile(), rep.instrument, rep.lang)


def triangle_view(rep: ReportBase) -> dict[str, Any]:
    """Section 3 as data: how the triangle is computed."""
    note = (rep.t("notes.triangle", min=rep.instrument.scale.min) if rep.has_data
            else rep.t("notes.no_respondents"))
    return {"name": "triangle", "heading": rep.t("headings.triangle"), "notes": [note]}


def triangle_html(rep: ReportBase) -> str:
    """Section 3 as HTML (the chart is :func:`triangle_figure`)."""
    return render("notes", **triangle_view(rep))


def triangle_figure(rep: ReportBase) -> Chart | None:
    """The discipline triangle; None without data."""
    if not rep.has_data:
        return None
    return charts.triangle_chart(rep.profile(), rep.instrument, rep.lang)
