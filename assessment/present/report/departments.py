"""Section 5, departments: the set-up per department (a heatmap), departments too small to
show, and whether the departments agree on a discipline.

>>> from assessment.present.report.core import build_report
>>> view = departments_view(build_report("data/sample", "shoes"))
>>> view["has_data"], len(view["notes"]) >= 1
(True, True)
"""

from __future__ import annotations

from typing import Any

from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase
from assessment.present.report.render import finding_item, render


def departments_view(rep: ReportBase) -> dict[str, Any]:
    """Section 5 as data: the notes (what the heatmap shows, no department shown, the
    hidden ones when the heatmap cannot carry the note, alignment) and the department-split
    findings.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = departments_view(build_report("data/sample", "pcmaker"))
    >>> view["notes"][-1], view["findings"]
    ('The departments shown do not pull in different directions.', [])
    >>> split = departments_view(build_report("data/sample", "splitco"))
    >>> [f["title"] for f in split["findings"]]  # Finance (2) and Legal (3) not shown
    ['Departments follow different disciplines']
    >>> "(Marketing: Customer intimacy; Operations: Operational excellence)" in split[
    ...     "findings"][0]["text"]
    True
    """
    view: dict[str, Any] = {"heading": rep.t("headings.departments"),
                            "has_data": rep.has_data, "notes": [], "findings": []}
    if not rep.has_data:
        view["notes"] = [rep.t("notes.no_respondents")]
        return view
    th = rep.instrument.thresholds
    hidden = rep.hidden_departments()
    n_shown = len(rep.department_names)
    notes = [rep.t("notes.departments", min=th.min_group_size)]
    if n_shown == 0:
        notes.append(rep.t("departments_none", min=th.min_group_size))
        if len(hidden):  # otherwise the heatmap carries the note
            notes.append(rep.t("departments_hidden_note", n=len(hidden),
                               min=th.min_group_size, respondents=int(hidden["n"].sum())))
    if n_shown == 1:
        notes.append(rep.t("notes.departments_single"))
    elif rep.diagnosis.department_alignment is True:
        notes.append(rep.t("notes.departments_aligned"))
    elif rep.diagnosis.department_alignment is False:
        view["findings"] = [finding_item(f, f.text(rep.lang, rep.instrument), None, rep.lang)
                            for f in rep.diagnosis.findings if f.code == "department_split"]
    view["notes"] = notes
    return view


def departments_html(rep: ReportBase) -> str:
    """Section 5 as HTML (the chart is :func:`department_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = departments_html(build_report("data/sample", "pcmaker"))
    >>> "<h2>Department alignment</h2>" in html, "at least 5 respondents" in html
    (True, True)
    """
    return render("departments", rep.lang, **departments_view(rep))


def department_figure(rep: ReportBase) -> Chart | None:
    """The department heatmap; None without data or without a department shown.

    The departments not shown are left out of the heatmap: here R&D with 3 respondents,
    and Customer Service (5) with it, as staff minus the others would reveal R&D.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = department_figure(build_report("data/sample", "pcmaker"))
    >>> chart.data[0]["type"], sorted(chart.data[0]["y"])
    ('heatmap', ['Operations', 'Sales'])
    """
    dept = rep.departments()
    if not rep.has_data or dept.empty:
        return None
    return charts.department_heatmap(dept, rep.hidden_departments(), rep.instrument, rep.lang)
