"""Section 5b, customers as co-producers: the fit of the customer roles with the claimed
discipline, self-service as experience or burden, participation, motives and supply-chain
CRM, the integration findings with their actions, and the role map.

>>> from assessment.present.report.core import build_report
>>> rep = build_report("data/sample", "energyco")
>>> roles = integration_roles(rep)
>>> len(roles), int(roles["needed"].sum())
(10, 3)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Finding, rank_findings
from assessment.diagnosis.integration import INTEGRATION_CODES
from assessment.instrument.integration import BLOCK_SCALES
from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report.base import ReportBase
from assessment.present.report.render import Column, finding_item, num, render
from assessment.scoring.integration import BLOCK_SOURCE, TAKEOVER_ROLES

ROLE_COLUMNS = ["role", "context", "participation", "score", "n", "customer", "internal",
                "needed"]
EPS = 1e-9


def integration_roles(rep: ReportBase) -> pd.DataFrame:
    """One row per customer role (instrument order): role, context, participation,
    score (customers and staff together, the company's role score), n, customer,
    internal (each group's score; NaN when hidden or missing), needed (the claimed
    discipline needs the role). Empty without integration answers.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> roles = integration_roles(build_report("data/sample", "pcmaker"))
    >>> roles.columns.tolist() == ROLE_COLUMNS, list(roles.loc[roles["needed"], "role"])
    (True, ['productive_resource', 'competitor', 'quality_inspector'])
    >>> integration_roles(build_report("data/sample", "mueller")).empty  # no answers
    True
    """
    res = rep.integration
    if res is None:
        return pd.DataFrame(columns=ROLE_COLUMNS)
    rows = []
    for role, info in rep.integration_instrument.roles.items():
        score, n = rep.integration_value("roles", role)
        rows.append({"role": role, "context": info.context, "participation": info.participation,
                     "score": score, "n": n,
                     "customer": rep.integration_value("roles", role, "customer")[0],
                     "internal": rep.integration_value("roles", role, "internal")[0],
                     "needed": role in res.needed_roles})
    return pd.DataFrame(rows, columns=ROLE_COLUMNS)


def integration_blocks(rep: ReportBase) -> pd.DataFrame:
    """The blocks other than roles: block, scale, source (``all``, ``customer``,
    ``internal``: whose answers the score is), score (NaN when too few answered), n.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> blocks = integration_blocks(build_report("data/sample", "pcmaker"))
    >>> blocks[["block", "scale", "source", "n"]].iloc[:3].to_numpy().tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['participation', 'active', 'all', 41], ['participation', 'passive', 'all', 42],
     ['motives', 'achievement', 'customer', 21]]
    """
    return pd.DataFrame(_block_rows(rep), columns=["block", "scale", "source", "score", "n"])


def _block_rows(rep: ReportBase) -> list[dict[str, Any]]:
    rows = []
    for block, scales in BLOCK_SCALES.items():
        for scale in scales:
            score, n = rep.integration_value(block, scale)
            rows.append({"block": block, "scale": scale, "source": BLOCK_SOURCE[block],
                         "score": score, "n": n})
    return rows


def integration_findings(rep: ReportBase) -> list[Finding]:
    """The customer-integration findings, most important first.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> [f.code for f in integration_findings(build_report("data/sample", "pcmaker"))]
    ['integration_fit']
    """
    return rank_findings([f for f in rep.diagnosis.findings if f.code in INTEGRATION_CODES])


def _fit_notes(rep: ReportBase) -> list[tuple[str, str]]:
    """(text, css class) of the fit of the roles with the claimed discipline."""
    res, integ = rep.integration, rep.integration_instrument
    assert res is not None
    if not res.claimed:
        return [(rep.t("notes.integration_no_claim"), "va-note")]
    setup = rep.diagnosis.lenses["setup"]
    lens = "setup" if res.claimed in (setup.leader, setup.dominant) else "experience"
    disc = rep.disc(res.claimed)
    roles = ", ".join(f"{integ.scale_label('roles', r, rep.lang)} "
                      f"{num(rep.integration_value('roles', r)[0], lang=rep.lang)}"
                      for r in res.needed_roles)
    if res.needed_score is None:
        fit = rep.t("notes.integration_needed_no_data", discipline=disc, roles=roles)
    else:
        key = "notes.integration_fits" if res.fits else "notes.integration_misfit"
        fit = rep.t(key, discipline=disc, roles=roles, score=res.needed_score,
                    par=rep.instrument.thresholds.par)
    return [(rep.t("notes.integration_claimed_" + lens, discipline=disc), "va-note"),
            (fit, "va-commit"),
            (integ.fit[res.claimed].rationale.get(rep.lang), "va-note")]


def _self_service_notes(rep: ReportBase) -> list[tuple[str, str]]:
    """(text, css class) of how much customers take over, and whether self-service is an
    experience or a burden to them."""
    res, th = rep.integration, rep.instrument.thresholds
    assert res is not None
    notes = []
    takeover = [res.roles[r] for r in TAKEOVER_ROLES if res.roles.get(r) is not None]
    if takeover:
        value = float(np.mean(takeover))
        key = ("notes.self_service_takeover" if value >= th.par
               else "notes.self_service_little_takeover")
        notes.append((rep.t(key, takeover=value, par=th.par), "va-note"))
    experience, n = rep.integration_value("self_service", "experience")
    if not np.isfinite(experience):
        notes.append((rep.t("notes.self_service_too_few", min=th.min_group_size), "va-note"))
    else:
        key = ("notes.self_service_experience" if experience >= th.par
               else "notes.self_service_burden")
        notes.append((rep.t(key, experience=experience, n=n, par=th.par), "va-commit"))
    return notes


def _blocks_part(rep: ReportBase) -> dict[str, Any]:
    """Participation, the strongest motive, the table of the blocks (self-service has its
    own paragraph) and a note when customers' scores are hidden."""
    th, integ = rep.instrument.thresholds, rep.integration_instrument
    blocks = [b for b in _block_rows(rep) if b["block"] != "self_service"]
    notes = []
    active = rep.integration_value("participation", "active")[0]
    passive = rep.integration_value("participation", "passive")[0]
    if np.isfinite(active) and np.isfinite(passive):
        lead = active - passive  # "more" only with a clear lead (the leadership margin)
        key = ("notes.participation_active" if lead >= th.leadership_margin - EPS
               else "notes.participation_passive" if -lead >= th.leadership_margin - EPS
               else "notes.participation_equal")
        notes.append(rep.t(key, active=active, passive=passive))
    motives = [b for b in blocks if b["block"] == "motives" and not pd.isna(b["score"])]
    if motives:
        top = max(motives, key=lambda b: b["score"])  # the first of the highest
        notes.append(rep.t("notes.motive_strongest", score=float(top["score"]),
                           motive=integ.scale_label("motives", top["scale"], rep.lang)))
    hidden = any(b["source"] == "customer" and pd.isna(b["score"]) for b in blocks)
    return {
        "blocks_notes": notes,
        "blocks_columns": [
            Column(rep.t("columns.block"), [integ.blocks[b["block"]].label.get(rep.lang)
                                            for b in blocks]),
            Column(rep.t("columns.scale"), [integ.scale_label(b["block"], b["scale"], rep.lang)
                                            for b in blocks]),
            Column(rep.t("columns.source"), [rep.t("answered_by_" + b["source"])
                                             for b in blocks]),
            Column(rep.t("columns.mean"), [b["score"] for b in blocks], ".2f"),
            Column(rep.t("columns.n"), [b["n"] for b in blocks], "int")],
        "blocks_hidden": (rep.t("notes.integration_customers_hidden", min=th.min_group_size)
                          if hidden else ""),
    }


def integration_view(rep: ReportBase) -> dict[str, Any]:
    """Section 5b as data (a single note without integration answers).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = integration_view(build_report("data/sample", "pcmaker"))
    >>> [css for _, css in view["fit_notes"]], "at or above par (3.00)" in view["fit_notes"][1][0]
    (['va-note', 'va-commit', 'va-note'], True)
    >>> sorted(integration_view(build_report("data/sample", "mueller")))
    ['has_data', 'heading', 'no_answers']
    """
    view: dict[str, Any] = {"heading": rep.t("headings.integration"),
                            "has_data": rep.integration is not None}
    if rep.integration is None:
        view["no_answers"] = rep.t("notes.integration_none")
        return view
    how = rep.t("notes.role_map", par=rep.instrument.thresholds.par)
    if rep.integration.claimed:
        how += " " + rep.t("notes.role_map_needed", discipline=rep.disc(rep.integration.claimed))
    view.update(
        fit_heading=rep.t("headings.integration_fit"), fit_notes=_fit_notes(rep),
        self_service_heading=rep.t("headings.integration_self_service"),
        self_service_notes=_self_service_notes(rep),
        blocks_heading=rep.t("headings.integration_blocks"), **_blocks_part(rep),
        findings_heading=rep.t("headings.integration_findings"),
        findings=[finding_item(f, f.text(rep.lang, rep.instrument),
                               f.action(rep.lang, rep.instrument), rep.lang)
                  for f in integration_findings(rep)],
        no_findings=rep.t("notes.integration_no_findings"),
        role_map_heading=rep.t("headings.role_map"), role_map=how)
    return view


def integration_html(rep: ReportBase) -> str:
    """Section 5b as HTML (the chart is :func:`integration_figure`).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> html = integration_html(build_report("data/sample", "pcmaker"))
    >>> "<h2>Customers as co-producers</h2>" in html, "Productive resource 4.37" in html
    (True, True)
    """
    return render("integration", rep.lang, **integration_view(rep))


def integration_figure(rep: ReportBase) -> Chart | None:
    """The role map (:func:`assessment.present.figures.role_map`); None without integration.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> chart = integration_figure(build_report("data/sample", "pcmaker"))
    >>> chart.data[0]["name"]
    'Needed for Operational excellence'
    >>> integration_figure(build_report("data/sample", "mueller")) is None
    True
    """
    if rep.integration is None:
        return None
    part = {s: rep.integration_value("participation", s)[0] for s in ("active", "passive")}
    return charts.role_map(integration_roles(rep), rep.integration_instrument, rep.instrument,
                           rep.lang, claimed=rep.integration.claimed, participation=part)
