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
    ``-threshold``, else ``within``; ``no_data`` for a missing gap."""
    out = np.select([gaps >= threshold - EPS, gaps <= -threshold + EPS], [above, below],
                    within).astype(object)
    out[~np.isfinite(gaps)] = "no_data"
    return list(out)


def gaps_table(rep: ReportBase) -> pd.DataFrame:
    """discipline, experience, setup, gap (experience - set-up), reading
    (``unbacked_promise``, ``unnoticed_capability``, ``aligned`` or ``no_data``)."""
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
    answer (inside-out) or too few staff estimated the experience."""
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
    """Section 4 as data: the gap table, and the blind-spot table or why there is none."""
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
    """Section 4 as HTML (the chart is :func:`gap_figure`)."""
    return render("gaps", **gaps_view(rep))


def gap_figure(rep: ReportBase) -> Chart | None:
    """The gap per discipline with the blind spot; None without data."""
    if not rep.has_data:
        return None
    blind = blind_spot_table(rep)
    blind_map = None if blind is None else dict(zip(blind["discipline"], blind["diff"],
                                                    strict=True))
    gaps = gaps_table(rep)
    return charts.gap_chart(dict(zip(gaps["discipline"], gaps["gap"], strict=True)),
                            blind_map, rep.instrument, rep.lang)
