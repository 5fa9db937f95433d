"""Section 8, against the others: the company's lens scores next to those of comparable
companies (the same industry when it has enough companies, else all), each in its latest
wave up to the report's wave.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "shoes")
>>> ids, basis = comparison_group(rep)
>>> basis, "shoes" in ids
('all', False)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase
from assessment.present.report.render import Column, render
from assessment.scoring.tables import Scores

MIN_INDUSTRY_COMPANIES = 3  # an industry needs this many companies (with scores) to compare within
DATA_COLUMNS = ["company_id", "wave", "lens", "discipline", "mean"]


def comparison_pool(scores: Scores, wave: str) -> dict[str, np.ndarray]:
    """The companies with a score in a wave up to ``wave``, each with the positions in
    ``Scores.profile`` of its scored rows in its latest such wave (made once per scores and
    wave: :meth:`assessment.scoring.tables.Scores.memo`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> scores = build_report("data/sample", "shoes").scores
    >>> pool = comparison_pool(scores, "2025-Q3")  # only shoes has this wave
    >>> list(pool), sorted(set(scores.profile["wave"].to_numpy()[pool["shoes"]]))
    (['shoes'], ['2025-Q3'])
    >>> len(comparison_pool(scores, "2026-Q1"))
    10
    """
    def make() -> dict[str, np.ndarray]:
        prof = scores.profile
        ok = ((prof["wave"] <= wave) & prof["mean"].notna()).to_numpy(dtype=bool)
        cand = prof[ok]
        latest = cand.groupby("company_id")["wave"].transform("max")
        keep = np.flatnonzero(ok)[(cand["wave"] == latest).to_numpy(dtype=bool)]
        ids = prof["company_id"].to_numpy()[keep]
        return {c: keep[ids == c] for c in sorted(set(ids))}
    return scores.memo(("report_comparison_pool", wave), make)


def comparison_group(rep: ReportBase) -> tuple[list[str], str]:
    """The companies to compare with and why: (ids, ``industry`` | ``all`` | ``none``).

    Candidates are the other companies with scores in a wave up to the report's wave.
    The same industry (trimmed, case-folded) is used when it has at least
    ``MIN_INDUSTRY_COMPANIES`` companies with scores (this one included), otherwise all
    candidates.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> ids, basis = comparison_group(build_report("data/sample", "pcmaker"))
    >>> basis, len(ids), "pcmaker" in ids  # no industry has 3 companies in the sample
    ('all', 9, False)
    >>> comparison_group(build_report("data/sample", "shoes", wave="2025-Q3"))
    ([], 'none')
    """
    candidates = [c for c in comparison_pool(rep.scores, rep.wave) if c != rep.company_id]
    if not candidates:
        return [], "none"
    comp = rep.dataset.companies
    norm = {c: str(i).strip().casefold() for c, i in zip(comp["company_id"], comp["industry"],
                                                          strict=True)}
    mine = norm.get(rep.company_id, "")
    same = [c for c in candidates if mine and norm.get(c) == mine]
    if mine and len(same) + 1 >= MIN_INDUSTRY_COMPANIES:
        return same, "industry"
    return candidates, "all"


def comparison_data(rep: ReportBase) -> pd.DataFrame:
    """Tidy lens scores of the company (report's wave) and its comparison group (each
    in its latest wave up to the report's wave, in the table's order): company_id, name,
    wave, lens, discipline, mean.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> data = comparison_data(build_report("data/sample", "pcmaker"))
    >>> data.shape, data.columns.tolist()
    ((60, 6), ['company_id', 'name', 'wave', 'lens', 'discipline', 'mean'])
    >>> data.loc[0, ["company_id", "name"]].tolist()
    ['pcmaker', 'Configurix Computers']
    """
    ids, _ = comparison_group(rep)
    pool = comparison_pool(rep.scores, rep.wave)
    others = [pool[c] for c in ids if c in pool]
    own = rep.profile()[DATA_COLUMNS]
    other = rep.scores.profile[DATA_COLUMNS].iloc[np.sort(np.concatenate(others))] if others \
        else own.iloc[:0]
    data = pd.concat([own, other], ignore_index=True)
    comp = rep.dataset.companies
    data.insert(1, "name", data["company_id"].map(dict(zip(comp["company_id"], comp["name"],
                                                           strict=True))))
    return data


def comparison(rep: ReportBase) -> pd.DataFrame:
    """Per lens and discipline: the company's score, the others' mean, min and max,
    the difference (company - others' mean), its rank (1 = highest) among the company
    and the others with a score, and how many that are (total).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> table = comparison(build_report("data/sample", "pcmaker"))
    >>> row = table.iloc[1]  # experience, customer intimacy
    >>> row["discipline"], [round(float(row[c]), 2) for c in ("company", "others_mean")]
    ('customer_intimacy', [4.41, 3.55])
    >>> round(float(row["difference"]), 2), int(row["rank"]), int(row["total"])
    (0.86, 2, 10)
    """
    return pd.DataFrame(_comparison_rows(rep))


def _comparison_rows(rep: ReportBase) -> list[dict[str, Any]]:
    """The rows of :func:`comparison`, from the arrays of ``Scores.profile``."""
    ids, _ = comparison_group(rep)
    pool = comparison_pool(rep.scores, rep.wave)
    others = [pool[c] for c in ids if c in pool]
    pos = np.concatenate(others) if others else np.zeros(0, dtype=np.intp)
    lens_, disc, means = (rep.profile_column(c)[pos] for c in ("lens", "discipline", "mean"))
    cells = rep.profile_cells
    rows = []
    for lens in LENSES:
        for d in DISCIPLINES:
            own_v = float(cells[(lens, d)][0]) if (lens, d) in cells else np.nan
            oth = means[(lens_ == lens) & (disc == d)]
            oth = oth[~np.isnan(oth)]
            ok = np.isfinite(own_v)
            mean = float(oth.mean()) if len(oth) else np.nan
            rows.append({
                "lens": lens, "discipline": d, "company": own_v, "others_mean": mean,
                "others_min": float(oth.min()) if len(oth) else np.nan,
                "others_max": float(oth.max()) if len(oth) else np.nan,
                "difference": own_v - mean,
                "rank": int((oth > own_v).sum()) + 1 if ok else None,
                "total": len(oth) + (1 if ok else 0)})
    return rows


def comparison_view(rep: ReportBase) -> dict[str, Any]:
    """Section 8 as data: which companies the comparison is with, the table, how to read
    the rank (a single note when there is nobody to compare with).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> from assessment.present.report.render import table_rows
    >>> view = comparison_view(build_report("data/sample", "pcmaker"))
    >>> table_rows(view["columns"])[1]  # doctest: +NORMALIZE_WHITESPACE
    ['Customer experience', 'Customer intimacy', '4.41', '3.55', '3.17 – 4.48', '+0.86',
     '2 of 10']
    >>> view["notes"][0][:36]
    'Compared with all 9 other companies '
    """
    view: dict[str, Any] = {"heading": rep.t("headings.comparison"), "notes": [],
                            "columns": None, "after": ""}
    if not rep.has_data:
        view["notes"] = [rep.t("notes.no_respondents")]
        return view
    ids, basis = comparison_group(rep)
    if basis == "none":
        view["notes"] = [rep.t("notes.comparison_none")]
        return view
    key = "notes.comparison_industry" if basis == "industry" else "notes.comparison_all"
    rows = _comparison_rows(rep)
    c = {k: [row[k] for row in rows] for k in rows[0]}
    view.update(
        notes=[rep.t(key, n=len(ids), industry=rep.industry, wave=rep.wave or "–",
                     min_industry=MIN_INDUSTRY_COMPANIES)],
        columns=[
            Column(rep.t("columns.lens"), [rep.lens_name(v) for v in c["lens"]]),
            Column(rep.t("columns.discipline"), [rep.disc(v) for v in c["discipline"]]),
            Column(rep.t("columns.this_company"), list(c["company"]), ".2f"),
            Column(rep.t("columns.others_mean"), list(c["others_mean"]), ".2f"),
            Column(rep.t("columns.others_range"),
                   list(zip(c["others_min"], c["others_max"], strict=True)), "range"),
            Column(rep.t("columns.difference"), list(c["difference"]), "+.2f"),
            Column(rep.t("columns.rank"), [
                rep.t("rank_of", rank=int(r), total=int(n)) if r is not None and r == r
                else "–" for r, n in zip(c["rank"], c["total"], strict=True)])],
        after=rep.t("notes.comparison_rank"))
    return view


def comparison_html(rep: ReportBase) -> str:
    """Section 8 as HTML (the chart is :func:`comparison_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = comparison_html(build_report("data/sample", "pcmaker"))
    >>> html.count("<table"), "Rank 1 is the highest score" in html
    (1, True)
    """
    return render("comparison", rep.lang, **comparison_view(rep))


def comparison_figure(rep: ReportBase) -> Chart | None:
    """The company's scores among the others'; None without data or others.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = comparison_figure(build_report("data/sample", "pcmaker"))
    >>> [trace["name"] for trace in chart.data[:3]]
    ['other companies', 'mean of the others', 'Configurix Computers']
    >>> comparison_figure(build_report("data/sample", "shoes", wave="2025-Q3")) is None
    True
    """
    ids, _ = comparison_group(rep)
    if not rep.has_data or not ids:
        return None
    return charts.comparison_chart(comparison_data(rep), rep.company_id, rep.instrument,
                                   rep.lang)
