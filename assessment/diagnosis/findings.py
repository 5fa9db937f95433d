"""Findings from the scores, by documented rules, with texts in en, de and nl.

Rules (thresholds from the instrument, overridable per dataset):

- verdict per lens, with the disciplines sorted by score s1 >= s2 >= s3:
  ``leader`` when s1 >= excellence and s1 - s2 >= leadership_margin;
  ``dual`` ("masters of two") when s1 and s2 >= excellence and s3 >= par;
  otherwise ``no_clear_choice`` ("stuck in the middle"); ``no_data`` without scores.
- below par: a discipline whose par score (its threshold items, answered by the lens's
  group; the discipline score when too few answered them) is below ``par``, unless the
  discipline itself is at or above ``excellence``.
- lens mismatch: each lens's *dominant* discipline (the leader, or the top discipline when
  it is ahead of the next by the leadership margin even below excellence) differs.
- lens gap (experience - set-up) of at least ``lens_gap``: ``unbacked_promise`` when
  positive, ``unnoticed_capability`` when negative.
- inside-out blind spot (staff's estimate - customers' answers) of at least
  ``blind_spot_gap``: ``blind_spot_overestimate`` / ``blind_spot_underestimate``.
- department split: departments of at least the minimum group size whose set-up answers
  have different dominant disciplines (alignment is None with fewer than two departments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assessment.diagnosis.integration import IntegrationResult, diagnose_integration
from assessment.diagnosis.plain import plain
from assessment.instrument.integration import load_integration
from assessment.instrument.models import (
    DISCIPLINES,
    LENSES,
    Instrument,
    load_instrument,
)
from assessment.instrument.texts import book, check_lang
from assessment.scoring.tables import INSIDE_OUT, Scores

SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
#: within a severity, findings about the strategy come before data caveats
CODE_ORDER = ("no_respondents", "below_par", "no_clear_choice", "self_service_burden",
              "lens_mismatch", "unbacked_promise", "department_split",
              "blind_spot_overestimate", "pl_without_innovators", "intimacy_cost_factor",
              "integration_roles_missing", "unnoticed_capability", "blind_spot_underestimate",
              "leader", "dual", "integration_fit", "inside_out_estimate",
              "dropped_respondents")
#: the values that measure a finding's size (counts such as n_scores do not)
MAGNITUDE_KEYS = ("gap", "diff", "margin", "score", "top_score", "first_score")


def rank_findings(findings: list[Finding]) -> list[Finding]:
    """Findings most important first: severity, then ``CODE_ORDER``, then the size of the
    gap or score behind them. The one ranking of findings: reports, the portfolio page,
    the summary files and the workshop all list findings in this order.

    Examples
    --------
    >>> ranked = rank_findings([
    ...     Finding("unnoticed_capability", "info", values={"gap": -0.4}),
    ...     Finding("lens_mismatch", "warning"),
    ...     Finding("unnoticed_capability", "info", values={"gap": -0.9})])
    >>> [(f.code, f.values.get("gap")) for f in ranked]
    [('lens_mismatch', None), ('unnoticed_capability', -0.9), ('unnoticed_capability', -0.4)]
    """
    def key(f: Finding) -> tuple:
        code = CODE_ORDER.index(f.code) if f.code in CODE_ORDER else len(CODE_ORDER)
        size = max((abs(float(f.values[k])) for k in MAGNITUDE_KEYS
                    if isinstance(f.values.get(k), (int, float))), default=0.0)
        return (SEVERITY_ORDER.get(f.severity, len(SEVERITY_ORDER)), code, -size)
    return sorted(findings, key=key)


def texts() -> dict:
    """The finding, verdict and source texts shipped with the package.

    Examples
    --------
    >>> sorted(texts()), texts()["findings"]["leader"]["title"]["en"]
    (['findings', 'par_basis', 'sources', 'verdicts'], 'Clear value discipline')
    """
    return book("findings")


_lang = check_lang


@dataclass
class Finding:
    """One finding: a stable ``code``, a ``severity``, the numbers behind it in ``values``.

    Examples
    --------
    >>> f = Finding("unbacked_promise", "warning", discipline="customer_intimacy",
    ...             values={"discipline": "customer_intimacy", "experience": 4.4,
    ...                     "setup": 3.0, "gap": 1.4})
    >>> f.title(), f.title("de")
    ('Promise not backed by the set-up', 'Versprechen ohne tragfähige Aufstellung')
    >>> print(f.text())  # doctest: +ELLIPSIS
    Customers experience Customer intimacy at 4.40, but the set-up reaches only 3.00 (gap 1.40)...
    """

    code: str
    severity: str
    lens: str | None = None
    discipline: str | None = None
    values: dict[str, Any] = field(default_factory=dict)

    def _fields(self, lang: str, inst: Instrument) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, val in self.values.items():
            if key == "gap" and self.code == "unnoticed_capability":
                out[key] = abs(val)
            elif isinstance(val, str) and val in DISCIPLINES:
                out[key] = inst.discipline_label(val, lang)
            elif isinstance(val, str) and val in LENSES:
                out[key] = inst.lens_label(val, lang)
            else:
                out[key] = val
        if self.code == "below_par":
            basis = self.values.get("basis", "discipline")
            out["basis"] = texts()["par_basis"][basis][lang]
        if "roles" in self.values:
            integ = load_integration()
            out["roles"] = ", ".join(integ.scale_label("roles", r, lang)
                                     for r in self.values["roles"])
        if self.code == "department_split":
            out["departments"] = "; ".join(
                f"{dept}: {inst.discipline_label(d, lang)}"
                for dept, d in self.values["departments"].items())
        return out

    def title(self, lang: str = "en") -> str:
        """The finding's short heading in ``lang``."""
        return texts()["findings"][self.code]["title"][_lang(lang)]

    def text(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The finding in words, with its numbers, in ``lang``."""
        inst = instrument or load_instrument()
        tpl = texts()["findings"][self.code]["text"][_lang(lang)]
        return tpl.format(**self._fields(lang, inst))

    def action(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """What to discuss or do about the finding, in ``lang``."""
        inst = instrument or load_instrument()
        tpl = texts()["findings"][self.code]["action"][_lang(lang)]
        return tpl.format(**self._fields(lang, inst))

    def to_dict(self, lang: str = "en", instrument: Instrument | None = None) -> dict:
        """Plain-JSON form with texts in ``lang``."""
        return {
            "code": self.code, "severity": self.severity, "lens": self.lens,
            "discipline": self.discipline, "values": plain(self.values),
            "title": self.title(lang), "text": self.text(lang, instrument),
            "action": self.action(lang, instrument),
        }


@dataclass
class LensResult:
    """The verdict for one lens.

    Examples
    --------
    >>> r = LensResult("experience", "outside_in", {"operational_excellence": 3.46,
    ...                "customer_intimacy": 4.41, "product_leadership": 3.28}, "leader",
    ...                "customer_intimacy", "customer_intimacy", [])
    >>> r.sentence()
    'Customer experience: the company leads with Customer intimacy (4.41).'
    """

    lens: str
    source: str | None
    scores: dict[str, float]
    verdict: str
    leader: str | None
    dominant: str | None
    below_par: list[str]

    def sentence(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The verdict in one sentence."""
        inst = instrument or load_instrument()
        tpl = texts()["verdicts"][self.verdict][_lang(lang)]
        ranked = sorted(self.scores, key=lambda d: -self.scores[d])
        lab = {d: inst.discipline_label(d, lang) for d in DISCIPLINES}
        vals: dict[str, Any] = {"lens": inst.lens_label(self.lens, lang)}
        if ranked and self.verdict != "no_data":
            vals.update(discipline=lab[ranked[0]], score=self.scores[ranked[0]],
                        first=lab[ranked[0]], second=lab[ranked[1]], third=lab[ranked[2]],
                        top=lab[ranked[0]], top_score=self.scores[ranked[0]])
        return tpl.format(**vals)


@dataclass
class Diagnosis:
    """Everything the diagnosis says about one company in one wave.

    Examples
    --------
    >>> import assessment as va
    >>> d = diagnose(va.score(va.load_dataset("data/sample")), ["pcmaker"])["pcmaker"]
    >>> d.name, d.wave, d.lenses["setup"].leader, d.lens_mismatch
    ('Configurix Computers', '2026-Q1', 'operational_excellence', True)
    >>> [f.code for f in d.top_findings(2)], d.to_dict()["experience_source"]
    (['lens_mismatch', 'unbacked_promise'], 'outside_in')
    """

    company_id: str
    name: str
    wave: str
    instrument_version: str
    lenses: dict[str, LensResult]
    lens_gaps: dict[str, float | None]
    lens_mismatch: bool
    experience_source: str | None
    blind_spots: dict[str, float] | None
    department_alignment: bool | None
    department_dominant: dict[str, str | None]
    findings: list[Finding]
    instrument: Instrument = field(default_factory=load_instrument, repr=False)
    integration: IntegrationResult | None = None

    def top_findings(self, k: int = 3) -> list[Finding]:
        """The ``k`` most important findings (:func:`rank_findings`)."""
        return rank_findings(self.findings)[:k]

    def to_dict(self, lang: str = "en") -> dict:
        """The summary.json entry for this company, texts in ``lang``."""
        inst = self.instrument
        return {
            "company_id": self.company_id,
            "name": self.name,
            "wave": self.wave or None,
            "instrument_version": self.instrument_version,
            "lenses": {
                lens: {
                    "verdict": r.verdict, "leader": r.leader, "below_par": r.below_par,
                    "scores": plain(r.scores), "source": r.source,
                    "sentence": r.sentence(lang, inst),
                } for lens, r in self.lenses.items()
            },
            "lens_gaps": plain(self.lens_gaps),
            "lens_mismatch": self.lens_mismatch,
            "experience_source": self.experience_source,
            "blind_spots": plain(self.blind_spots),
            "department_alignment": self.department_alignment,
            "department_dominant": self.department_dominant,
            "findings": [f.to_dict(lang, inst) for f in self.findings],
            "integration": None if self.integration is None else self.integration.to_dict(),
        }


# -- rules ------------------------------------------------------------------------------


def classify(scores: dict[str, float], th) -> tuple[str, str | None, str | None]:
    """(verdict, leader, dominant discipline) of one lens profile.

    Examples
    --------
    >>> from assessment import load_instrument
    >>> th = load_instrument().thresholds
    >>> classify({"operational_excellence": 4.5, "customer_intimacy": 3.2,
    ...           "product_leadership": 3.1}, th)
    ('leader', 'operational_excellence', 'operational_excellence')
    >>> classify({"operational_excellence": 4.5, "customer_intimacy": None,
    ...           "product_leadership": 3.1}, th)
    ('no_data', None, None)
    """
    valid = {d: s for d, s in scores.items() if s is not None and np.isfinite(s)}
    if len(valid) < len(DISCIPLINES):
        return "no_data", None, None
    ranked = sorted(valid, key=lambda d: -valid[d])
    s1, s2, s3 = (valid[d] for d in ranked)
    ahead = s1 - s2 >= th.leadership_margin - 1e-9
    if s1 >= th.excellence and ahead:
        return "leader", ranked[0], ranked[0]
    dominant = ranked[0] if ahead else None
    if s1 >= th.excellence and s2 >= th.excellence and s3 >= th.par:
        return "dual", None, None
    return "no_clear_choice", None, dominant


def _lens_result(lens: str, prof: pd.DataFrame, th, findings: list[Finding]) -> LensResult:
    rows = prof[prof["lens"] == lens].set_index("discipline")
    scores = {d: float(rows["mean"].get(d, np.nan)) for d in DISCIPLINES}
    source = rows["source"].iloc[0] if len(rows) else None
    verdict, leader, dominant = classify(scores, th)
    ranked = sorted(DISCIPLINES, key=lambda d: -np.nan_to_num(scores[d], nan=-np.inf))
    below = []
    if verdict != "no_data":
        s = [scores[d] for d in ranked]
        if verdict == "leader":
            findings.append(Finding("leader", "info", lens, leader, {
                "lens": lens, "discipline": leader, "score": s[0], "next_discipline": ranked[1],
                "next_score": s[1], "margin": s[0] - s[1]}))
        elif verdict == "dual":
            findings.append(Finding("dual", "info", lens, None, {
                "lens": lens, "first": ranked[0], "first_score": s[0], "second": ranked[1],
                "second_score": s[1], "third": ranked[2], "third_score": s[2]}))
        else:
            findings.append(Finding("no_clear_choice", "critical", lens, None, {
                "lens": lens, "top": ranked[0], "top_score": s[0], "excellence": th.excellence}))
        for d in DISCIPLINES:
            par_score = float(rows.at[d, "par_score"])
            if par_score < th.par and scores[d] < th.excellence:
                below.append(d)
                findings.append(Finding("below_par", "critical", lens, d, {
                    "lens": lens, "discipline": d, "score": par_score, "par": th.par,
                    "basis": str(rows.at[d, "par_basis"])}))
    return LensResult(lens, source, scores, verdict, leader, dominant, below)


def _diagnose_one(scores: Scores, inst: Instrument, company_id: str, wave: str,
                  name: str) -> Diagnosis:
    th = scores.thresholds
    findings: list[Finding] = []

    def sel(table: str) -> pd.DataFrame:
        return scores.rows(table, company_id, wave)

    prof = sel("profile")
    if prof.empty:
        findings.append(Finding("no_respondents", "warning"))
        empty = {lens: LensResult(lens, None, dict.fromkeys(DISCIPLINES, float("nan")),
                                  "no_data", None, None, []) for lens in LENSES}
        return Diagnosis(company_id, name, wave, inst.version, empty,
                         dict.fromkeys(DISCIPLINES), False, None, None, None, {}, findings, inst)

    lenses = {lens: _lens_result(lens, prof, th, findings) for lens in LENSES}
    exp, setup = lenses["experience"], lenses["setup"]
    mismatch = bool(exp.dominant and setup.dominant and exp.dominant != setup.dominant)
    if mismatch:
        findings.append(Finding("lens_mismatch", "warning", None, None, {
            "experienced": exp.dominant, "experienced_score": exp.scores[exp.dominant],
            "setup": setup.dominant, "setup_score": setup.scores[setup.dominant]}))

    gaps_df = sel("lens_gaps").set_index("discipline")
    gaps: dict[str, float | None] = {}
    for d in DISCIPLINES:
        g = float(gaps_df["gap"].get(d, np.nan))
        gaps[d] = g if np.isfinite(g) else None
        if np.isfinite(g) and abs(g) >= th.lens_gap - 1e-9:
            code, sev = ("unbacked_promise", "warning") if g > 0 else (
                "unnoticed_capability", "info")
            findings.append(Finding(code, sev, None, d, {
                "discipline": d, "experience": exp.scores[d], "setup": setup.scores[d],
                "gap": g}))

    source = exp.source
    if source == INSIDE_OUT:
        n_cust = sel("respondents")
        n_cust = n_cust.loc[n_cust["perspective"] == "customer", "respondent_id"].nunique()
        findings.append(Finding("inside_out_estimate", "info", "experience", None, {
            "n_customers": int(n_cust), "min_group_size": th.min_group_size}))

    blind_df = sel("blind_spots").set_index("discipline")
    blind: dict[str, float] | None = None
    if len(blind_df):
        blind = {d: float(blind_df.at[d, "diff"]) for d in blind_df.index}
        for d, diff in blind.items():
            if abs(diff) >= th.blind_spot_gap - 1e-9:
                code, sev = ("blind_spot_overestimate", "warning") if diff > 0 else (
                    "blind_spot_underestimate", "info")
                findings.append(Finding(code, sev, "experience", d, {
                    "discipline": d, "internal": float(blind_df.at[d, "internal"]),
                    "customer": float(blind_df.at[d, "customer"]), "diff": diff}))

    dept = sel("departments")
    dominant: dict[str, str | None] = {}
    for dep, grp in dept.groupby("department", sort=True):
        prof_d = dict(zip(grp["discipline"], grp["mean"], strict=True))
        ranked = sorted(prof_d, key=lambda d: -prof_d[d])
        ok = len(ranked) == 3 and prof_d[ranked[0]] - prof_d[ranked[1]] >= (
            th.leadership_margin - 1e-9)
        dominant[str(dep)] = ranked[0] if ok else None
    alignment: bool | None = None
    if len(dominant) >= 2:
        leaning = {d for d in dominant.values() if d}
        alignment = len(leaning) <= 1
        if not alignment:
            findings.append(Finding("department_split", "warning", "setup", None, {
                "departments": {k: v for k, v in dominant.items() if v}}))

    integration = None
    integ_rows = sel("integration") if scores.integration is not None else None
    if integ_rows is not None and len(integ_rows):
        claimed = setup.leader or setup.dominant or exp.leader or exp.dominant
        integ = scores.integration_instrument or load_integration()
        integration, raw = diagnose_integration(integ_rows, integ, claimed, th.par)
        findings += [Finding(f["code"], f["severity"], None, f["discipline"], f["values"])
                     for f in raw]

    drop = sel("dropped")
    if len(drop) and int(drop["n_dropped"].iloc[0]) > 0:
        n_drop, n_all = int(drop["n_dropped"].iloc[0]), int(drop["n_scores"].iloc[0])
        findings.append(Finding("dropped_respondents", "info", None, None, {
            "n_dropped": n_drop, "n_scores": n_all, "share": n_drop / n_all}))

    return Diagnosis(company_id, name, wave, inst.version, lenses, gaps, mismatch, source,
                     blind, alignment, dominant, findings, inst, integration)


def diagnose(scores: Scores, company_ids: list[str] | None = None,
             wave: str | None = None) -> dict[str, Diagnosis]:
    """Diagnose companies (all by default) in ``wave`` (each company's latest by default).

    Each diagnosis is made once per scores object (:meth:`Scores.memo`) and is read-only:
    the reports of a batch use the diagnoses the batch made.

    Returns
    -------
    dict of str to Diagnosis
        Per company id: the verdict per lens, gaps, blind spots, department alignment,
        customer integration and the findings, ranked by :func:`rank_findings`.

    Examples
    --------
    >>> import assessment as va
    >>> scores = va.score(va.load_dataset("data/sample"))
    >>> pc = diagnose(scores, ["pcmaker"])["pcmaker"]
    >>> pc.lenses["experience"].leader, pc.lenses["setup"].leader, pc.lens_mismatch
    ('customer_intimacy', 'operational_excellence', True)
    """
    inst = scores.instrument
    comp = scores.companies
    ids = list(comp["company_id"]) if company_ids is None else list(company_ids)
    names = dict(zip(comp["company_id"], comp["name"], strict=True))
    out: dict[str, Diagnosis] = {}
    for cid in ids:
        w = wave if wave is not None else (scores.latest_wave(cid) or "")
        out[cid] = scores.memo(("diagnosis", cid, w), lambda cid=cid, w=w: _diagnose_one(
            scores, inst, cid, w, names.get(cid, cid)))
    return out
