"""Section 4, experience versus set-up: the gap per discipline between what customers
experience and how the company is set up, and the blind spot (staff's estimate of the
experience against the customers' answers).

>>> import numpy as np
>>> readings(np.array([0.9, -0.8, 0.2, np.nan]), 0.8)
['unbacked_promise', 'unnoticed_capability', 'aligned', 'no_data']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import DISCIPLINES
from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase, first_rows
from assessment.present.report.render import Column, render
from assessment.scoring.tables import INSIDE_OUT, OUTSIDE_IN

EPS = 1e-9  # a gap equal to a threshold counts (floating point)
#: the report text of each reading
READING_TEXTS = {"unbacked_promise": "reading_unbacked",
                 "unnoticed_capability": "reading_unnoticed", "aligned": "reading_aligned",
                 "no_data": "no_data", "overestimate": "reading_overestimate",
                 "underestimate": "reading_underestimate", "close": "reading_close"}


def readings(gaps: np.ndarray, threshold: float, above: str = "unbacked_promise",
             below: str = "unnoticed_capability", within: str = "aligned") -> list[str]:
    """How to read each gap: ``above`` at or over ``threshold``, ``below`` at or under
    ``-threshold``, else ``within``; ``no_data`` for a missing gap.

    Parameters
    ----------
    gaps : numpy.ndarray
        The gaps (NaN: missing).
    threshold : float
        From how far off zero a gap counts; a gap equal to it counts.
    above, below, within : str
        The reading of a gap at or over ``threshold``, at or under ``-threshold``, between.

    Returns
    -------
    list of str
        One reading per gap.

    Examples
    --------
    >>> readings(np.array([0.75, -0.75, 0.7]), 0.75, "over", "under", "close")
    ['over', 'under', 'close']
    """
    out = np.select([gaps >= threshold - EPS, gaps <= -threshold + EPS], [above, below],
                    within).astype(object)
    out[~np.isfinite(gaps)] = "no_data"
    return list(out)


def gaps_table(rep: ReportBase) -> pd.DataFrame:
    """discipline, experience, setup, gap (experience - set-up), reading
    (``unbacked_promise``, ``unnoticed_capability``, ``aligned`` or ``no_data``).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> table = gaps_table(build_report("data/sample", "pcmaker"))
    >>> table.columns.tolist()
    ['discipline', 'experience', 'setup', 'gap', 'reading']
    >>> table[["discipline", "reading"]].to_numpy().tolist()  # doctest: +NORMALIZE_WHITESPACE
    [['operational_excellence', 'unnoticed_capability'],
     ['customer_intimacy', 'unbacked_promise'], ['product_leadership', 'aligned']]
    >>> bool((table["gap"] == table["experience"] - table["setup"]).all())
    True
    """
    return pd.DataFrame(_gaps(rep))


def _gaps(rep: ReportBase) -> dict[str, Any]:
    """The columns of :func:`gaps_table`."""
    cells = rep.profile_cells
    exp = np.array([cells[("experience", d)][0] if ("experience", d) in cells else np.nan
                    for d in DISCIPLINES], dtype=float)
    setup = np.array([cells[("setup", d)][0] if ("setup", d) in cells else np.nan
                      for d in DISCIPLINES], dtype=float)
    gap = exp - setup
    return {"discipline": list(DISCIPLINES), "experience": exp, "setup": setup, "gap": gap,
            "reading": readings(gap, rep.instrument.thresholds.lens_gap)}


def blind_spot_table(rep: ReportBase) -> pd.DataFrame | None:
    """discipline, internal, customer, diff (staff's estimate - customers), reading
    (``overestimate``, ``underestimate``, ``close``); None when customers did not
    answer (inside-out) or too few staff estimated the experience.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> blind = blind_spot_table(build_report("data/sample", "pcmaker"))
    >>> blind.columns.tolist(), list(blind["reading"])
    (['discipline', 'internal', 'customer', 'diff', 'reading'], ['close', 'close', 'close'])
    >>> blind_spot_table(build_report("data/sample", "chips")) is None  # inside-out
    True
    """
    blind = _blind_spots(rep)
    return None if blind is None else pd.DataFrame(blind)


def _blind_spots(rep: ReportBase) -> dict[str, Any] | None:
    """The columns of :func:`blind_spot_table` (None when there is none)."""
    blind = first_rows(rep.rows("blind_spots"), ["discipline"],
                       ["internal", "customer", "diff"])
    if not blind or rep.diagnosis.experience_source != OUTSIDE_IN:
        return None
    nan = (np.nan, np.nan, np.nan)
    values = np.array([blind.get((d,), nan) for d in DISCIPLINES], dtype=float)
    diff = values[:, 2]
    marks = np.select([diff >= rep.instrument.thresholds.blind_spot_gap - EPS,
                       diff <= -rep.instrument.thresholds.blind_spot_gap + EPS],
                      ["overestimate", "underestimate"], "close")
    return {"discipline": list(DISCIPLINES), "internal": values[:, 0],
            "customer": values[:, 1], "diff": diff, "reading": marks}


def gaps_view(rep: ReportBase) -> dict[str, Any]:
    """Section 4 as data: the gap table, and the blind-spot table or why there is none.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> from assessment.present.report.render import table_rows
    >>> view = gaps_view(build_report("data/sample", "pcmaker"))
    >>> view["heading"], table_rows(view["columns"])[1][:4]
    ('Experience versus set-up', ['Customer intimacy', '4.41', '3.00', '+1.41'])
    >>> gaps_view(build_report("data/sample", "chips"))["blind_columns"] is None
    True
    """
    th = rep.instrument.thresholds
    view: dict[str, Any] = {"heading": rep.t("headings.gaps"), "has_data": rep.has_data,
                            "no_data": rep.t("notes.no_respondents")}
    if not rep.has_data:
        return view
    gaps = _gaps(rep)
    view.update(
        intro=rep.t("notes.gaps", lens_gap=th.lens_gap),
        columns=[Column(rep.t("columns.discipline"), [rep.disc(d) for d in gaps["discipline"]]),
               Column(rep.t("columns.experience"), list(gaps["experience"]), ".2f"),
               Column(rep.t("columns.setup"), list(gaps["setup"]), ".2f"),
               Column(rep.t("columns.gap"), list(gaps["gap"]), "+.2f"),
               Column(rep.t("columns.reading"),
                      [rep.t(READING_TEXTS[r]) for r in gaps["reading"]])],
        blind_heading=rep.t("headings.blind_spots"), blind_columns=None)
    blind = _blind_spots(rep)
    if blind is not None:
        view["blind_note"] = rep.t("notes.blind_spots", blind_spot_gap=th.blind_spot_gap)
        view["blind_columns"] = [
            Column(rep.t("columns.discipline"), [rep.disc(d) for d in blind["discipline"]]),
            Column(rep.t("columns.staff_estimate"), list(blind["internal"]), ".2f"),
            Column(rep.t("columns.customers"), list(blind["customer"]), ".2f"),
            Column(rep.t("columns.difference"), list(blind["diff"]), "+.2f"),
            Column(rep.t("columns.reading"), [rep.t(READING_TEXTS[r])
                                              for r in blind["reading"]])]
    elif rep.diagnosis.experience_source == INSIDE_OUT:
        view["blind_note"] = rep.t("notes.blind_spots_unavailable", min=th.min_group_size)
    else:
        view["blind_note"] = rep.t("notes.blind_spots_no_staff")
    return view


def gaps_html(rep: ReportBase) -> str:
    """Section 4 as HTML (the chart is :func:`gap_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = gaps_html(build_report("data/sample", "pcmaker"))
    >>> html.count("<table"), "<h2>Experience versus set-up</h2>" in html
    (2, True)
    """
    return render("gaps", rep.lang, **gaps_view(rep))


def gap_figure(rep: ReportBase) -> Chart | None:
    """The gap per discipline with the blind spot; None without data.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = gap_figure(build_report("data/sample", "pcmaker"))
    >>> [trace["type"] for trace in chart.data], chart.data[0]["x"]
    (['bar', 'bar'], ['Operational excellence', 'Customer intimacy', 'Product leadership'])
    """
    if not rep.has_data:
        return None
    blind = blind_spot_table(rep)
    blind_map = None if blind is None else dict(zip(blind["discipline"], blind["diff"],
                                                    strict=True))
    gaps = gaps_table(rep)
    return charts.gap_chart(dict(zip(gaps["discipline"], gaps["gap"], strict=True)),
                            blind_map, rep.instrument, rep.lang)
