"""The results as HTML (findings, integration, moves, comparison): data gathered here,
markup in the templates."""

from __future__ import annotations

import numpy as np
import pandas as pd
from markupsafe import Markup

from assessment.diagnosis.findings import Diagnosis, Finding, rank_findings
from assessment.diagnosis.integration import INTEGRATION_CODES, diagnose_integration
from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import LENSES, Instrument
from assessment.instrument.texts import text as book_text
from assessment.scoring.integration import TAKEOVER_ROLES
from assessment.workshop.compare import SurveyReference
from assessment.workshop.live import LiveResult
from assessment.workshop.render import render
from assessment.workshop.target import Move
from assessment.workshop.texts import text

__all__ = ["compare_html", "findings_html", "fmt", "moves_html"]


def fmt(v: float | None) -> str:
    """A score with two decimals, a dash when there is none.

    Examples
    --------
    >>> fmt(3.14159), fmt(float("nan"))
    ('3.14', '–')
    """
    return f"{v:.2f}" if v is not None and np.isfinite(v) else "–"


def _finding(f: Finding, lang: str, inst: Instrument) -> dict:
    return {"severity": f.severity, "title": f.title(lang), "text": f.text(lang, inst),
            "action": f.action(lang, inst)}


def findings_html(diag: Diagnosis, result: LiveResult | None, survey: SurveyReference | None,
                  inst: Instrument, integ: IntegrationInstrument, lang: str) -> Markup:
    """Verdicts, findings (most important first), customer integration and what the survey
    says, for the findings tab.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> survey = SurveyReference.build(ds, "pcmaker", "2026-Q1")
    >>> html = findings_html(survey.result.diagnosis, survey.result, None, ds.instrument,
    ...                      ds.integration, "en")
    >>> html.startswith("<h4>Verdicts</h4>"), "Promise not backed by the set-up" in html
    (True, True)
    """
    keys = ("verdicts", "findings", "int_heading", "int_none_yet", "int_findings",
            "int_no_findings")
    ctx: dict = {"t": {k: text(k, lang) for k in keys}}
    if all(diag.lenses[lens].verdict == "no_data" for lens in LENSES):
        ctx["no_findings_yet"] = text("no_findings_yet", lang,
                                      share=inst.thresholds.min_answered_share)
    ctx["verdicts"] = [diag.lenses[lens].sentence(lang, inst) for lens in LENSES
                       if diag.lenses[lens].verdict != "no_data"]
    shown = [f for f in rank_findings(diag.findings)
             if f.code != "no_respondents" and f.code not in INTEGRATION_CODES]
    ctx["findings"] = [_finding(f, lang, inst) for f in shown if f.established]
    # what the rules found on the answers but the resamples do not bear out
    ctx["unsure"] = [_finding(f, lang, inst) for f in shown if not f.established]
    ctx["t"]["unsure"] = book_text("report", "headings.not_established", lang)
    ctx["integration"] = _integration(diag, result, inst, integ, lang)
    if survey is not None and survey.result is not None:
        sd = survey.result.diagnosis
        ctx["survey"] = {"heading": text("survey_says", lang, n=survey.n,
                                         wave=survey.wave or "–"),
                         "verdicts": [sd.lenses[lens].sentence(lang, inst) for lens in LENSES
                                      if sd.lenses[lens].verdict != "no_data"]}
    return render("findings.html.j2", **ctx)


def _integration(diag: Diagnosis, result: LiveResult | None, inst: Instrument,
                 integ: IntegrationInstrument, lang: str) -> dict | None:
    """The customer-integration result in words: the claimed discipline and its needed
    roles against par, the roles, self-service as experience or burden, the findings."""
    par = inst.thresholds.par
    res = diag.integration
    table = result.scores.integration if result is not None else None
    if res is None and table is not None and len(table):
        # answers on integration but no profile yet (the diagnosis stops at "no
        # respondents"): show the roles, with no discipline to check them against
        res, _raw = diagnose_integration(table, integ, None, par)
    if res is None:
        return None
    lines: list[list[dict]] = []
    if res.claimed is None:
        no_profile = all(diag.lenses[lens].verdict == "no_data" for lens in LENSES)
        lines.append([{"text": text("int_no_profile" if no_profile else "int_no_claim", lang)}])
    else:
        setup = diag.lenses["setup"]
        key = ("int_claimed_setup" if res.claimed in (setup.leader, setup.dominant)
               else "int_claimed_experience")
        roles = ", ".join(integ.scale_label("roles", r, lang) for r in res.needed_roles)
        if res.needed_score is None:
            need = text("int_needed_no_data", lang, roles=roles)
        else:
            need = text("int_needed_fits" if res.fits else "int_needed_misfit", lang,
                        roles=roles, score=res.needed_score, par=par)
        lines.append([{"text": text(key, lang, discipline=inst.discipline_label(res.claimed,
                                                                                  lang))},
                      {"text": need}])
    scored = sorted(((r, v) for r, v in res.roles.items() if v is not None),
                    key=lambda rv: (-rv[1], list(integ.roles).index(rv[0])))
    if scored:
        needed = set(res.needed_roles)
        lines.append([{"text": text("int_roles_needed" if needed else "int_roles", lang)},
                      {"roles": [{"label": integ.scale_label("roles", r, lang), "score": v,
                                  "needed": r in needed} for r, v in scored]}])
    takeover = [res.roles[r] for r in TAKEOVER_ROLES if res.roles.get(r) is not None]
    if takeover:
        lines.append([{"text": text("int_takeover", lang, takeover=float(np.mean(takeover)),
                                    par=par)}])
    experience = res.blocks["self_service"]["experience"]
    if experience is None:
        lines.append([{"text": text("int_self_service_hidden", lang,
                                    min=inst.thresholds.min_group_size)}])
    else:
        lines.append([{"text": text("int_self_service_experience" if experience >= par
                                    else "int_self_service_burden", lang,
                                    experience=experience, par=par)}])
    found = rank_findings([f for f in diag.findings if f.code in INTEGRATION_CODES])
    return {"lines": lines, "findings": [_finding(f, lang, inst) for f in found]}


def moves_html(moves: list[Move], inst: Instrument, lang: str) -> Markup:
    """What has to move, for the target tab (a hint without a target).

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> moves_html([], load_instrument(), "en")
    Markup('<p>Set a target to see what has to move.</p>')
    >>> move = Move("setup", "customer_intimacy", 3.2, 4.5, 1.3, "raise", lead=True)
    >>> print(moves_html([move], load_instrument(), "en"))  # doctest: +ELLIPSIS
    <h4>What has to move</h4><ul><li>Customer intimacy (Set-up), ...: raise from 3.20 to 4.50 ...
    """
    if not moves:
        return render("moves.html.j2", empty=text("moves_none", lang))
    todo = [m.text(lang, inst) for m in moves if m.status in ("raise", "hold_back", "no_data")]
    return render("moves.html.j2", heading=text("what_has_to_move", lang),
                  moves=todo or [text("moves_all_on_target", lang)])


def compare_html(table: pd.DataFrame | None, survey: SurveyReference | None, reference: str,
                 inst: Instrument, lang: str) -> Markup:
    """The comparison with the survey as a table (a message without survey answers).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> from assessment.workshop.compare import compare_items
    >>> ds = load_dataset("data/sample")
    >>> survey = SurveyReference.build(ds, "pcmaker", "2026-Q1")
    >>> team = np.full(len(ds.instrument.item_ids), np.nan)
    >>> team[0] = 1.0  # oe_exp_1; the survey's mean is 3.56
    >>> html = compare_html(compare_items(team, survey, ds.instrument), survey, "all",
    ...                     ds.instrument, "en")
    >>> "<td>1.00</td><td>3.56</td>" in html, "-2.56</td>" in html
    (True, True)
    >>> print(compare_html(None, None, "all", ds.instrument, "en"))
    <p>This dataset has no survey answers for this company: nothing to compare with.</p>
    """
    if survey is None or survey.n == 0 or table is None:
        return render("compare.html.j2", message=text("compare_none", lang))
    cols = {c: table[c].tolist() for c in ("discipline", "lens", "text", "team", "survey",
                                            "difference", "customer", "internal")}
    rows = []
    for k in range(len(table)):
        lens = {"experience": "EXP", "setup": "SET"}.get(cols["lens"][k], "PAR")
        diff = cols["difference"][k]
        rows.append({"tag": f"{inst.disciplines[cols['discipline'][k]].short}·{lens}",
                     "text": cols["text"][k], "team": fmt(cols["team"][k]),
                     "survey": fmt(cols["survey"][k]),
                     "difference": f"{diff:+.2f}" if np.isfinite(diff) else "–",
                     "large": bool(np.isfinite(diff) and abs(diff) >= 1.0),
                     "customer": fmt(cols["customer"][k]),
                     "internal": fmt(cols["internal"][k])})
    columns = [text("col_item", lang), text("col_team", lang),
               text(f"reference_{reference}", lang) if reference != "all"
               else text("col_survey", lang),
               text("col_difference", lang), text("col_customers", lang),
               text("col_staff", lang)]
    return render("compare.html.j2", columns=columns, rows=rows,
                  intro=text("compare_intro", lang, wave=survey.wave or "–", n=survey.n),
                  hidden=text("compare_hidden", lang, n=inst.thresholds.min_group_size))
