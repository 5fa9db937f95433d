"""Section 8b, change since the previous wave: the lens scores then and now, the verdicts
then and now, and a note when the experience lens changed its source.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "shoes")
>>> previous_wave(rep), wave_change(rep).shape
('2025-Q3', (6, 5))
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from assessment.diagnosis.diagnose import diagnose
from assessment.diagnosis.findings import Diagnosis
from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.present.report.base import ReportBase
from assessment.present.report.render import Column, render


def previous_wave(rep: ReportBase) -> str | None:
    """The company's latest wave before the report's wave (None if there is none).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> previous_wave(build_report("data/sample", "shoes", wave="2025-Q3")) is None
    True
    >>> previous_wave(build_report("data/sample", "pcmaker")) is None  # one wave only
    True
    """
    waves = rep.profile_column("wave")[rep.profile_column("company_id") == rep.company_id]
    earlier = sorted({w for w in waves if w < rep.wave})
    return earlier[-1] if earlier else None


def previous_diagnosis(rep: ReportBase) -> Diagnosis | None:
    """The company's diagnosis in the previous wave (None if there is none).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> before = previous_diagnosis(build_report("data/sample", "shoes"))
    >>> before.wave, before.lenses["setup"].verdict
    ('2025-Q3', 'no_clear_choice')
    """
    prev = previous_wave(rep)
    if prev is None:
        return None
    return diagnose(rep.scores, [rep.company_id], wave=prev)[rep.company_id]


def wave_change(rep: ReportBase) -> pd.DataFrame | None:
    """lens, discipline, previous, current, change (current - previous) since the
    previous wave; None when the company has no earlier wave.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> change = wave_change(build_report("data/sample", "shoes"))
    >>> change.columns.tolist()
    ['lens', 'discipline', 'previous', 'current', 'change']
    >>> row = change.iloc[1]
    >>> row["discipline"], [round(float(row[c]), 2) for c in ("previous", "current", "change")]
    ('customer_intimacy', [3.65, 4.48, 0.83])
    >>> wave_change(build_report("data/sample", "pcmaker")) is None
    True
    """
    prev = previous_wave(rep)
    if prev is None:
        return None
    key = ["lens", "discipline"]
    before = rep.rows("profile", prev).set_index(key)["mean"]
    now = rep.profile().set_index(key)["mean"]
    idx = pd.MultiIndex.from_product([list(LENSES), list(DISCIPLINES)], names=key)
    out = pd.DataFrame({"previous": before.reindex(idx), "current": now.reindex(idx)})
    out["change"] = out["current"] - out["previous"]
    return out.reset_index()


def _verdict_short(rep: ReportBase, diag: Diagnosis, lens: str) -> str:
    res = diag.lenses[lens]
    if res.verdict == "leader" and res.leader:
        return rep.t("verdict_leader", discipline=rep.disc(res.leader))
    return rep.t("verdict_" + res.verdict)


def wave_change_view(rep: ReportBase) -> dict[str, Any]:
    """Section 8b as data: the change table and the verdicts then and now, or a note that
    there is no earlier wave.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> from assessment.present.report.render import table_rows
    >>> view = wave_change_view(build_report("data/sample", "shoes"))
    >>> view["notes"]
    ['Change since the previous wave (2025-Q3); positive = higher now.']
    >>> table_rows(view["tables"][1])[0]  # the verdicts then and now
    ['Customer experience', 'no clear choice', 'leads with Customer intimacy']
    """
    view: dict[str, Any] = {"heading": rep.t("headings.wave_change"), "notes": [],
                            "tables": [], "after": ""}
    change = wave_change(rep)
    if change is None:
        view["notes"] = [rep.t("notes.wave_change_none")]
        return view
    prev = previous_wave(rep) or ""
    then, now = rep.t("columns.previous", wave=prev), rep.t("columns.current", wave=rep.wave)
    view["notes"] = [rep.t("notes.wave_change", previous=prev)]
    view["tables"] = [[
        Column(rep.t("columns.lens"), [rep.lens_name(v) for v in change["lens"]]),
        Column(rep.t("columns.discipline"), [rep.disc(v) for v in change["discipline"]]),
        Column(then, list(change["previous"]), ".2f"),
        Column(now, list(change["current"]), ".2f"),
        Column(rep.t("columns.change"), list(change["change"]), "+.2f")]]
    prev_diag = previous_diagnosis(rep)
    if prev_diag is not None:
        view["tables"].append([
            Column(rep.t("columns.lens"), [rep.lens_name(lens) for lens in LENSES]),
            Column(then, [_verdict_short(rep, prev_diag, lens) for lens in LENSES]),
            Column(now, [_verdict_short(rep, rep.diagnosis, lens) for lens in LENSES])])
        src_prev, src_now = prev_diag.experience_source, rep.diagnosis.experience_source
        if src_prev and src_now and src_prev != src_now:
            view["after"] = rep.t("notes.wave_change_source", previous=prev,
                                  previous_source=rep.source_phrase(src_prev),
                                  source=rep.source_phrase(src_now))
    return view


def wave_change_html(rep: ReportBase) -> str:
    """Section 8b as HTML (empty without data).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> wave_change_html(build_report("data/sample", "shoes")).count("<table")
    2
    >>> "no earlier wave" in wave_change_html(build_report("data/sample", "pcmaker"))
    True
    """
    if not rep.has_data:
        return ""
    return render("wave_change", rep.lang, **wave_change_view(rep))


