"""Section 7, data quality: who answered and how much, dropped scores, respondents flagged
for their answer patterns, each scale's statistics with its reliability (and the company's
alpha with a warning under ``min_alpha``), and the instrument's version and thresholds.

>>> import numpy as np
>>> answered = np.array([[True, False], [True, True]])
>>> answered_share(answered, np.array([True, True]), np.array([0, 1]))
0.75
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import THRESHOLD_LENS
from assessment.present.report.base import PROFILE_STATS, ReportBase, first_rows
from assessment.present.report.render import Column, num, render
from assessment.scoring.quality import quality_summary
from assessment.scoring.rules import cronbach_alpha, keyed

THRESHOLD_ORDER = ("par", "excellence", "leadership_margin", "lens_gap", "blind_spot_gap",
                   "min_answered_share", "min_group_size", "straight_lining_min_items",
                   "contradiction_cells", "exclude_flagged", "min_alpha",
                   "min_alpha_respondents")
INT_SETTINGS = ("min_group_size", "straight_lining_min_items", "contradiction_cells",
                "min_alpha_respondents")
DROPPED = ("n_scores", "n_dropped", "n_respondents_dropped")


def answered_share(answered: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> float:
    """The share of answered cells among ``rows`` (a mask) and ``columns`` (positions);
    NaN without rows.

    Parameters
    ----------
    answered : numpy.ndarray
        Respondents x items, True where the cell is answered.
    rows : numpy.ndarray
        A boolean mask of the respondents to count.
    columns : numpy.ndarray
        The positions of the items they were asked.

    Returns
    -------
    float
        The share in [0, 1], NaN when ``rows`` selects nobody.

    Examples
    --------
    >>> answered = np.array([[True, False, True], [False, False, True]])
    >>> answered_share(answered, np.array([True, False]), np.array([0, 1]))
    0.5
    >>> answered_share(answered, np.array([False, False]), np.array([0]))
    nan
    """
    if not rows.any():
        return float("nan")
    return float(answered[np.ix_(rows, columns)].mean())


def respondents_table(rep: ReportBase) -> pd.DataFrame:
    """group (``customers``, ``staff``, ``department:<name>``, ``other_departments``),
    departments (number pooled), n, answered (share of the items the group was asked).

    The departments not shown (under the minimum group size, or hidden with them: see
    :func:`assessment.scoring.anonymity.shown_departments`) are pooled into one row.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> table = respondents_table(build_report("data/sample", "pcmaker"))
    >>> table[["group", "departments", "n"]].to_numpy().tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['customers', 0, 24], ['staff', 0, 22], ['department:Operations', 1, 8],
     ['department:Sales', 1, 6], ['other_departments', 2, 8]]
    """
    return pd.DataFrame(_respondent_rows(rep))


def _respondent_rows(rep: ReportBase) -> list[dict[str, Any]]:
    """group (``customers``, ``staff``, ``department:<name>``, ``other_departments``),
    departments (number pooled), n, answered (share of the items the group was asked).

    The departments not shown (under the minimum group size, or hidden with them: see
    :func:`assessment.scoring.anonymity.shown_departments`) are pooled into one row.
    """
    answers = rep.answers
    setup_ids = {i.id for i in rep.instrument.items if i.lens == "setup"}
    every = np.arange(len(answers.ids))
    asked_customer = np.array([k for k, i in enumerate(answers.ids) if i not in setup_ids],
                              dtype=np.intp)
    answered = ~np.isnan(answers.raw)
    cust = answers.perspective == "customer"
    staff = ~cust
    rows = [{"group": "customers", "departments": 0, "n": int(cust.sum()),
             "answered": answered_share(answered, cust, asked_customer)},
            {"group": "staff", "departments": 0, "n": int(staff.sum()),
             "answered": answered_share(answered, staff, every)}]
    shown = rep.department_names
    dept = answers.department
    for name in shown:
        mask = staff & (dept == name)
        rows.append({"group": f"department:{name}", "departments": 1, "n": int(mask.sum()),
                     "answered": answered_share(answered, mask, every)})
    other = staff & ~np.isin(dept, list(shown))
    if other.any():
        rows.append({"group": "other_departments", "departments": len(set(dept[other])),
                     "n": int(other.sum()), "answered": answered_share(answered, other, every)})
    return rows


def _alpha(values: np.ndarray, min_n: int) -> float:
    """Cronbach's alpha of the rows with an answer; NaN under ``min_n`` (at least 3) rows."""
    values = values[~np.isnan(values).all(axis=1)]
    if len(values) < max(min_n, 3):
        return float("nan")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        return cronbach_alpha(values)


def scales_table(rep: ReportBase) -> pd.DataFrame:
    """Per scale (discipline x lens, and the threshold values): the group's n, mean,
    sd, CI, r_wg, Cronbach's alpha of this company's group and of the whole dataset.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> table = scales_table(build_report("data/sample", "pcmaker"))
    >>> table.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['lens', 'discipline', 'n', 'mean', 'sd', 'ci_low', 'ci_high', 'rwg', 'alpha_company',
     'alpha_dataset']
    >>> len(table), list(table["n"][-3:])  # the threshold values: customers and staff
    (9, [44, 44, 44])
    """
    return pd.DataFrame(_scale_rows(rep))


def _scale_rows(rep: ReportBase) -> list[dict[str, Any]]:
    """The rows of :func:`scales_table`."""
    inst = rep.instrument
    company = first_rows(rep.rows("company"), ["lens", "perspective", "discipline"],
                         list(PROFILE_STATS))
    stats = {key: dict(zip(PROFILE_STATS, v, strict=True))
             for key, v in rep.profile_cells.items()}
    stats.update({(lens, d): dict(zip(PROFILE_STATS, v, strict=True))
                  for (lens, persp, d), v in company.items()
                  if lens == THRESHOLD_LENS and persp == "all"})
    rel = scores_reliability(rep)
    answers = rep.answers
    column = {item_id: k for k, item_id in enumerate(answers.ids)}
    groups = {"experience": answers.perspective == rep.experience_group,
              "setup": answers.perspective == "internal",
              THRESHOLD_LENS: np.ones(len(answers.perspective), dtype=bool)}
    rows = []
    for d, lens in inst.cells():
        row = stats.get((lens, d))
        items = inst.cell_items(d, lens)
        block = answers.raw[np.ix_(groups[lens], [column[i.id] for i in items])]
        vals = keyed(block, np.array([i.reverse for i in items]), inst.scale.min,
                     inst.scale.max)
        rows.append({
            "lens": lens, "discipline": d, "n": int(row["n"]) if row is not None else 0,
            **{c: (float(row[c]) if row is not None else np.nan)
               for c in ("mean", "sd", "ci_low", "ci_high", "rwg")},
            "alpha_company": _alpha(vals, inst.thresholds.min_group_size),
            "alpha_dataset": rel.get((lens, d), np.nan)})
    return rows


def scores_reliability(rep: ReportBase) -> dict[tuple[str, str], float]:
    """(lens, discipline) -> the whole dataset's Cronbach's alpha (``Scores.reliability``).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> alpha = scores_reliability(build_report("data/sample", "pcmaker"))
    >>> len(alpha), round(alpha[("setup", "operational_excellence")], 2)
    (9, 0.91)
    """
    rel = rep.scores.reliability
    return {(lens, d): float(a) for lens, d, a in zip(rel["lens"], rel["discipline"],
                                                      rel["alpha"], strict=True)}


def dropped_counts(rep: ReportBase) -> dict[str, int]:
    """n_scores, n_dropped (scores dropped for too few answers), n_respondents_dropped.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> dropped_counts(build_report("data/sample", "pcmaker"))
    {'n_scores': 335, 'n_dropped': 5, 'n_respondents_dropped': 2}
    """
    first = first_rows(rep.rows("dropped"), [], list(DROPPED)).get(())
    return ({k: int(v) for k, v in zip(DROPPED, first, strict=True)} if first is not None
            else dict.fromkeys(DROPPED, 0))


def data_quality(rep: ReportBase) -> dict[str, Any]:
    """Section 7 as data: respondents, dropped scores, scales, thresholds, version.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> quality = data_quality(build_report("data/sample", "pcmaker"))
    >>> list(quality), quality["instrument_version"], quality["thresholds"]["par"]
    (['respondents', 'dropped', 'scales', 'thresholds', 'instrument_version'], '1.0.0', 3.0)
    """
    return {"respondents": respondents_table(rep), "dropped": dropped_counts(rep),
            "scales": scales_table(rep),
            "thresholds": rep.instrument.thresholds.model_dump(),
            "instrument_version": rep.instrument.version}


def company_quality(rep: ReportBase) -> dict[str, Any]:
    """The company's flagged respondents (counts) and alpha per scale, as
    :func:`assessment.scoring.quality.quality_summary` gives them (summary.json's
    ``data_quality``).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> q = company_quality(build_report("data/sample", "pcmaker"))
    >>> q["flagged"], q["excluded"], len(q["alpha_warnings"])
    (0, False, 5)
    """
    return quality_summary(rep.rows("flags"), rep.rows("company_reliability"),
                           rep.instrument.thresholds)


def _flags_view(rep: ReportBase, q: dict[str, Any]) -> dict[str, Any]:
    """The answer-patterns note and the company-alpha table, with its warnings."""
    th = rep.instrument.thresholds
    counts = {"n": q["respondents"], "min_items": th.straight_lining_min_items,
              "cells": th.contradiction_cells}
    notes = [rep.t("notes.flags_none", **counts)] if not q["flagged"] else [
        rep.t("notes.flags", straight=q["straight_lining"], contra=q["contradictory"],
              **counts),
        rep.t("notes.flags_excluded" if q["excluded"] else "notes.flags_included",
              flagged=q["flagged"])]
    rel = rep.rows("company_reliability")
    lens, disc = rel["lens"].tolist(), rel["discipline"].tolist()
    alpha = rel["alpha"].to_numpy(dtype=float)
    status = [rep.t("alpha_low", min_alpha=th.min_alpha) if low
              else rep.t("alpha_too_few", min=th.min_alpha_respondents) if not np.isfinite(a)
              else "" for a, low in zip(alpha, rel["low_alpha"], strict=True)]
    warnings_ = [rep.t("notes.alpha_warning", lens=rep.lens_name(w["lens"]),
                       discipline=rep.disc(w["discipline"]), alpha=w["alpha"],
                       n=w["n_respondents"], min_alpha=th.min_alpha)
                 for w in q["alpha_warnings"]]
    return {
        "flags_heading": rep.t("headings.flags"), "flags_notes": notes,
        "alpha_heading": rep.t("headings.company_alpha"),
        "alpha_note": rep.t("notes.company_alpha", min_n=th.min_alpha_respondents,
                            min_alpha=th.min_alpha),
        "alpha_warnings": warnings_, "warning_label": rep.t("severity_warning"),
        "alpha_columns": [
            Column(rep.t("columns.lens"), [rep.lens_name(v) for v in lens]),
            Column(rep.t("columns.discipline"), [rep.disc(v) for v in disc]),
            Column(rep.t("columns.respondents"), rel["n_respondents"].tolist(), "int"),
            Column(rep.t("columns.alpha"), alpha.tolist(), ".2f"),
            Column(rep.t("columns.reliability"), status)],
    }


def _setting(rep: ReportBase, name: str) -> str:
    """A setting's value as the settings table shows it."""
    value = getattr(rep.instrument.thresholds, name)
    if isinstance(value, bool):
        return rep.t("mark_yes" if value else "mark_no")
    return num(value, ".0%" if name == "min_answered_share"
               else ".0f" if name in INT_SETTINGS else ".2f", rep.lang)


def _group_name(rep: ReportBase, group: str, pooled: int) -> str:
    min_n = rep.instrument.thresholds.min_group_size
    if group in ("customers", "staff"):
        return rep.t(group)
    if group == "other_departments":
        return rep.t("staff_other_departments", n=pooled, min=min_n)
    return rep.t("staff_department", department=group.split(":", 1)[1])


def quality_view(rep: ReportBase) -> dict[str, Any]:
    """Section 7 as the page shows it: the respondents table, the dropped-scores note,
    the answer-patterns notes, the scales table, the company's alpha per scale with its
    warnings, and the settings table.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> from assessment.present.report.render import table_rows
    >>> view = quality_view(build_report("data/sample", "pcmaker"))
    >>> table_rows(view["respondents_columns"])[-1]  # doctest: +NORMALIZE_WHITESPACE
    ['Staff: 2 other department(s), not shown on their own (under 5, or together with one
      under 5)', '8', '98%']
    >>> table_rows(view["settings_columns"])[6]
    ['Smallest group shown on its own', '5']
    >>> table_rows(view["alpha_columns"])[2]
    ['Customer experience', 'Customer intimacy', '45', '0.37', 'below 0.60']
    >>> view["alpha_warnings"][0]  # doctest: +ELLIPSIS
    'Low reliability: Customer experience, Customer intimacy: alpha 0.37 from 45 ...'
    >>> view["dropped"][:22]
    '5 of 335 scale scores '
    """
    th = rep.instrument.thresholds
    d = dropped_counts(rep)
    resp_rows = _respondent_rows(rep)
    r = {k: [row[k] for row in resp_rows] for k in resp_rows[0]}
    scale_rows = _scale_rows(rep)
    s = {k: [row[k] for row in scale_rows] for k in scale_rows[0]}
    dropped = (rep.t("notes.dropped", n_dropped=d["n_dropped"], n_scores=d["n_scores"],
                     share=d["n_dropped"] / max(d["n_scores"], 1),
                     n_respondents=d["n_respondents_dropped"],
                     min_share=th.min_answered_share)
               if d["n_dropped"] else rep.t("notes.dropped_none"))
    values = [_setting(rep, k) for k in THRESHOLD_ORDER]
    return {
        "heading": rep.t("headings.quality"),
        "respondents_heading": rep.t("headings.respondents"),
        "respondents_note": rep.t("notes.respondents", min=th.min_group_size),
        "respondents_columns": [
            Column(rep.t("columns.group"), [_group_name(rep, g, int(k)) for g, k in
                                            zip(r["group"], r["departments"], strict=True)]),
            Column(rep.t("columns.respondents"), list(r["n"]), "int"),
            Column(rep.t("columns.answered"), list(r["answered"]), ".0%")],
        "dropped": dropped,
        **_flags_view(rep, company_quality(rep)),
        "scales_heading": rep.t("headings.scales"),
        "scales_note": rep.t("notes.scales", source=rep.source_phrase() or "–"),
        "scales_columns": [
            Column(rep.t("columns.lens"), [rep.lens_name(v) for v in s["lens"]]),
            Column(rep.t("columns.discipline"), [rep.disc(v) for v in s["discipline"]]),
            Column(rep.t("columns.n"), list(s["n"]), "int"),
            Column(rep.t("columns.mean"), list(s["mean"]), ".2f"),
            Column(rep.t("columns.sd"), list(s["sd"]), ".2f"),
            Column(rep.t("columns.ci"), list(zip(s["ci_low"], s["ci_high"], strict=True)),
                   "range"),
            Column(rep.t("columns.rwg"), list(s["rwg"]), ".2f"),
            Column(rep.t("columns.alpha_company"), list(s["alpha_company"]), ".2f"),
            Column(rep.t("columns.alpha_dataset"), list(s["alpha_dataset"]), ".2f")],
        "settings_heading": rep.t("headings.settings"),
        "settings_note": rep.t("notes.settings", title=rep.instrument.title.get(rep.lang),
                               version=rep.instrument.version),
        "settings_columns": [
            Column(rep.t("columns.setting"), [rep.t("thresholds." + k)
                                              for k in THRESHOLD_ORDER]),
            Column(rep.t("columns.value"), values)],
    }


def quality_html(rep: ReportBase) -> str:
    """Section 7 as HTML.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = quality_html(build_report("data/sample", "pcmaker"))
    >>> html.count("<table"), html.count("va-badge va-warning")
    (4, 5)
    """
    return render("quality", rep.lang, **quality_view(rep))
