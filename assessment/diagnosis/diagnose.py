"""The diagnosis of each company: verdicts per lens with their evidence, findings, and how
sure each is (:mod:`assessment.diagnosis.confidence`).

Rules (thresholds from the instrument, overridable per dataset):

- evidence: each lens rests on one group (:func:`assessment.scoring.rules.lens_sources`):
  customers, staff, or a workshop team's consensus. A customer or staff group smaller than
  the minimum group size is **insufficient evidence**: the lens gets the verdict
  ``insufficient_evidence``, no leader, and its scores are withheld.
- verdicts: :mod:`assessment.diagnosis.verdicts`.
- below par: a discipline whose par score (its threshold items, answered by the lens's
  group) is below ``par``, unless the discipline itself is at or above ``excellence``; par
  is unknown (never inferred) when too few of the group answered the threshold items.
- lens mismatch: each lens's *dominant* discipline (the top discipline when ahead of the
  next by the leadership margin) differs, both lenses with enough evidence.
- lens gap (experience - set-up) of at least ``lens_gap``: ``unbacked_promise`` when
  positive, ``unnoticed_capability`` when negative.
- inside-out blind spot (staff's estimate - customers' answers) of at least
  ``blind_spot_gap``: ``blind_spot_overestimate`` / ``blind_spot_underestimate``.
- department split: departments of at least the minimum group size whose set-up answers
  have different dominant disciplines.

Every verdict and finding then gets its confidence from a stratified bootstrap of the
respondents (``bootstrap_replicates`` resamples, seeded by ``bootstrap_seed``). A verdict
reproduced by fewer than ``min_confidence`` of the resamples is worded as tentative; a
finding below it, or a gap, blind spot or split whose 95% interval includes zero, is kept
but marked not established: it is not among the headline findings.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.diagnosis.confidence import (
    CompanyReplicates,
    department_split,
    difference,
    excludes_zero,
    verdict_share,
)
from assessment.diagnosis.findings import (
    BASIS,
    Diagnosis,
    Evidence,
    Finding,
    LensResult,
)
from assessment.diagnosis.integration import diagnose_integration
from assessment.diagnosis.verdicts import CODE, VERDICTS, classify_many
from assessment.instrument.integration import load_integration
from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.scoring.resample import resample
from assessment.scoring.tables import INSIDE_OUT, TEAM, Scores

__all__ = ["diagnose"]

#: which perspective of the scores each lens source reads
PERSPECTIVE = {"outside_in": "customer", "inside_out": "internal", "internal": "internal",
               "team": TEAM}
VERDICT_FINDINGS = ("leader", "dual", "excels_below_par", "narrow_lead", "all_excellent",
                    "no_clear_choice")


def _evidence(rows: dict[str, dict], th) -> Evidence:
    """The group a lens rests on and whether it is large enough (a team consensus is)."""
    if not rows:
        return Evidence("none", 0, False)
    first = next(iter(rows.values()))
    source = str(first["source"])
    people = [float(r.get("people", r["n"])) for r in rows.values()]
    n = int(np.nanmin(people)) if not np.isnan(people).all() else 0
    basis = BASIS.get(source, "staff")
    return Evidence(basis, n, basis == "team" or n >= th.min_group_size, source)


def _lens_rows(prof: list[dict], lens: str) -> dict[str, dict]:
    """A lens's profile rows by discipline."""
    return {r["discipline"]: r for r in prof if r["lens"] == lens}


def _values(rows: dict[str, dict], column: str) -> np.ndarray:
    """One column of a lens's rows in the order of ``DISCIPLINES`` (NaN where missing)."""
    return np.array([float(rows[d][column]) if d in rows and rows[d][column] is not None
                     else np.nan for d in DISCIPLINES])


def _lens_result(lens: str, prof: list[dict], th, findings: list[Finding]) -> LensResult:
    rows = _lens_rows(prof, lens)
    evidence = _evidence(rows, th)
    source = evidence.source
    mean, par_col = _values(rows, "mean"), _values(rows, "par_score")
    par_unknown = [d for d, p in zip(DISCIPLINES, par_col, strict=True) if not np.isfinite(p)]
    common = {"evidence": evidence, "min_confidence": th.min_confidence}
    if not evidence.enough:
        findings.append(Finding("insufficient_evidence", "warning", lens, None, {
            "lens": lens, "source": source, "n": evidence.n,
            "min_group_size": th.min_group_size}))
        return LensResult(lens, source, dict.fromkeys(DISCIPLINES, float("nan")),
                          "insufficient_evidence", None, None, [], par_unknown=par_unknown,
                          **common)
    scores = dict(zip(DISCIPLINES, mean.tolist(), strict=True))
    par_of = dict(zip(DISCIPLINES, par_col.tolist(), strict=True))
    out = classify_many(mean, par_col, th)
    verdict = VERDICTS[int(out["verdict"])]
    name = {-1: None, **dict(enumerate(DISCIPLINES))}
    leader, dominant = name[int(out["leader"])], name[int(out["dominant"])]
    below = [d for d, b in zip(DISCIPLINES, out["below"], strict=True) if b]
    if verdict == "no_data":
        return LensResult(lens, source, scores, verdict, None, None, [],
                          par_unknown=par_unknown, **common)
    ranked = sorted(DISCIPLINES, key=lambda d: -scores[d])
    s = [scores[d] for d in ranked]
    base = {"lens": lens, "source": source}
    if verdict == "leader":
        findings.append(Finding("leader", "info", lens, leader, {
            **base, "discipline": leader, "score": scores[leader], "next_discipline": ranked[1],
            "next_score": s[1], "margin": s[0] - s[1]}))
    elif verdict == "dual":
        findings.append(Finding("dual", "info", lens, None, {
            **base, "first": ranked[0], "first_score": s[0], "second": ranked[1],
            "second_score": s[1], "third": ranked[2], "third_score": s[2]}))
    elif verdict == "excels_below_par":
        findings.append(Finding("excels_below_par", "critical", lens, leader, {
            **base, "discipline": leader, "score": scores[leader],
            "below": below[0], "below_score": par_of[below[0]], "par": th.par}))
    elif verdict == "narrow_lead":
        findings.append(Finding("narrow_lead", "warning", lens, ranked[0], {
            **base, "top": ranked[0], "top_score": s[0], "second": ranked[1],
            "second_score": s[1], "margin": th.leadership_margin}))
    elif verdict == "all_excellent":
        findings.append(Finding("all_excellent", "warning", lens, None, {
            **base, "top": ranked[0], "top_score": s[0], "third": ranked[2],
            "third_score": s[2], "excellence": th.excellence}))
    else:
        findings.append(Finding("no_clear_choice", "critical", lens, None, {
            **base, "top": ranked[0], "top_score": s[0], "excellence": th.excellence}))
    for d in below:
        findings.append(Finding("below_par", "critical", lens, d, {
            **base, "discipline": d, "score": par_of[d], "par": th.par}))
    if par_unknown:
        findings.append(Finding("par_unknown", "info", lens, None, {
            **base, "disciplines": par_unknown, "min_group_size": th.min_group_size}))
    return LensResult(lens, source, scores, verdict, leader, dominant, below,
                      par_unknown=par_unknown, **common)


def _lens_confidence(res: LensResult, reps: CompanyReplicates | None, prof: list[dict],
                     th, findings: list[Finding]) -> np.ndarray | None:
    """Attach the verdict's confidence (and below-par's) from the replicates; returns the
    replicates' dominant discipline per resample (None without resampling)."""
    if reps is None or not res.evidence.enough or res.source in (None, TEAM) or \
            res.verdict == "no_data":
        return None
    got = reps.lens(PERSPECTIVE[res.source], res.lens)
    if got is None:
        return None
    scores, par = got
    known = np.isfinite(_values(_lens_rows(prof, res.lens), "par_score"))
    leader = DISCIPLINES.index(res.leader) if res.leader else -1
    share, out = verdict_share(scores, par, known, th, CODE[res.verdict], leader)
    res.confidence = share
    for f in findings:
        if f.lens != res.lens:
            continue
        if f.code in VERDICT_FINDINGS:
            f.confidence, f.established = share, share >= th.min_confidence - 1e-9
        elif f.code == "below_par":
            below = float(out["below"][:, DISCIPLINES.index(f.discipline)].mean())
            f.confidence, f.established = below, below >= th.min_confidence - 1e-9
    return out["dominant"]


def _replicates(scores: Scores, todo: list[tuple[str, str]]) -> dict[tuple[str, str],
                                                                     CompanyReplicates]:
    """The resamples of the company-waves in ``todo``, drawn in one pass (each company
    from its own seeded stream, so the result does not depend on who else is in it)."""
    th = scores.thresholds
    long = scores.respondents
    if long.empty or th.bootstrap_replicates < 1:
        return {}
    want = {(str(c), str(w)) for c, w in todo}
    if want >= set(scores.company_waves()) and not any(
            long[c].isna().any() for c in ("company_id", "wave")):  # every company-wave: every row
        reps = resample(long, th.bootstrap_replicates, th.bootstrap_seed,
                        th.bootstrap_exact_max)
        return {(cid, w): CompanyReplicates(reps, w, cid) for cid, w in todo}
    # which rows are of a wanted company-wave, from integer codes (millions of rows)
    c_codes, c_names = pd.factorize(long["company_id"])
    w_codes, w_names = pd.factorize(long["wave"])
    hit = np.array([[(str(c), str(w)) in want for w in w_names] for c in c_names], dtype=bool)
    wanted = ((c_codes >= 0) & (w_codes >= 0)
              & hit[c_codes, w_codes]
              if hit.size else np.zeros(len(long), dtype=bool))
    if not wanted.any():
        return {}
    reps = resample(long[wanted] if not wanted.all() else long, th.bootstrap_replicates,
                    th.bootstrap_seed, th.bootstrap_exact_max)
    return {(cid, w): CompanyReplicates(reps, w, cid) for cid, w in todo}


def _diagnose_one(scores: Scores, inst: Instrument, company_id: str, wave: str,
                  name: str, reps: CompanyReplicates | None) -> Diagnosis:
    th = scores.thresholds
    findings: list[Finding] = []

    def sel(table: str) -> pd.DataFrame:
        return scores.rows(table, company_id, wave)

    def recs(table: str) -> list[dict]:
        return scores.records(table, company_id, wave)

    prof = recs("profile")
    if not prof:
        findings.append(Finding("no_respondents", "warning"))
        empty = {lens: LensResult(lens, None, dict.fromkeys(DISCIPLINES, float("nan")),
                                  "no_data", None, None, []) for lens in LENSES}
        return Diagnosis(company_id, name, wave, inst.version, empty,
                         dict.fromkeys(DISCIPLINES), False, None, None, None, {}, findings, inst)

    lenses = {lens: _lens_result(lens, prof, th, findings) for lens in LENSES}
    exp, setup = lenses["experience"], lenses["setup"]
    dom_reps = {lens: _lens_confidence(res, reps, prof, th, findings)
                for lens, res in lenses.items()}
    both = exp.evidence.enough and setup.evidence.enough

    mismatch = bool(both and exp.dominant and setup.dominant and exp.dominant != setup.dominant)
    if mismatch:
        f = Finding("lens_mismatch", "warning", None, None, {
            "source": exp.source,
            "experienced": exp.dominant, "experienced_score": exp.scores[exp.dominant],
            "setup": setup.dominant, "setup_score": setup.scores[setup.dominant]})
        if dom_reps["experience"] is not None and dom_reps["setup"] is not None:
            same = ((dom_reps["experience"] == DISCIPLINES.index(exp.dominant))
                    & (dom_reps["setup"] == DISCIPLINES.index(setup.dominant)))
            f.confidence = float(same.mean())
            f.established = f.confidence >= th.min_confidence - 1e-9
        findings.append(f)

    gap_of = {r["discipline"]: r["gap"] for r in recs("lens_gaps")}
    gaps: dict[str, float | None] = {}
    exp_reps = setup_reps = None
    if reps is not None and both and TEAM not in (exp.source, setup.source):
        exp_reps = reps.lens(PERSPECTIVE[exp.source], "experience")
        setup_reps = reps.lens(PERSPECTIVE[setup.source], "setup")
    for d in DISCIPLINES:
        g = float(gap_of.get(d, np.nan)) if both else float("nan")
        gaps[d] = g if np.isfinite(g) else None
        if np.isfinite(g) and abs(g) >= th.lens_gap - 1e-9:
            code, sev = ("unbacked_promise", "warning") if g > 0 else (
                "unnoticed_capability", "info")
            f = Finding(code, sev, None, d, {
                "source": exp.source, "discipline": d, "experience": exp.scores[d],
                "setup": setup.scores[d], "gap": g})
            if exp_reps is not None and setup_reps is not None:
                i = DISCIPLINES.index(d)
                f.confidence, f.interval = difference(exp_reps[0][:, i], setup_reps[0][:, i],
                                                      g, th.lens_gap)
                f.established = (f.confidence >= th.min_confidence - 1e-9
                                 and excludes_zero(f.interval))
            findings.append(f)

    source = exp.source
    if source == INSIDE_OUT or source == TEAM:
        n_cust = sel("respondents")
        n_cust = n_cust.loc[n_cust["perspective"] == "customer", "respondent_id"].nunique()
        findings.append(Finding("inside_out_estimate", "info", "experience", None, {
            "n_customers": int(n_cust), "min_group_size": th.min_group_size}))

    blind_rows = {r["discipline"]: r for r in recs("blind_spots")}
    blind: dict[str, float] | None = None
    if blind_rows:
        blind = {d: float(r["diff"]) for d, r in blind_rows.items()}
        staff = reps.lens("internal", "experience") if reps is not None else None
        cust = reps.lens("customer", "experience") if reps is not None else None
        for d, diff in blind.items():
            if abs(diff) >= th.blind_spot_gap - 1e-9:
                code, sev = ("blind_spot_overestimate", "warning") if diff > 0 else (
                    "blind_spot_underestimate", "info")
                f = Finding(code, sev, "experience", d, {
                    "discipline": d, "internal": float(blind_rows[d]["internal"]),
                    "customer": float(blind_rows[d]["customer"]), "diff": diff})
                if staff is not None and cust is not None:
                    i = DISCIPLINES.index(d)
                    f.confidence, f.interval = difference(staff[0][:, i], cust[0][:, i], diff,
                                                          th.blind_spot_gap)
                    f.established = (f.confidence >= th.min_confidence - 1e-9
                                     and excludes_zero(f.interval))
                findings.append(f)

    alignment, dominant = _departments(recs("departments"), reps, th, findings)

    integration = None
    integ_rows = sel("integration") if scores.integration is not None else None
    if integ_rows is not None and len(integ_rows):
        claimed = setup.leader or setup.dominant or exp.leader or exp.dominant
        integ = scores.integration_instrument or load_integration()
        integration, raw = diagnose_integration(integ_rows, integ, claimed, th.par)
        findings += [Finding(f["code"], f["severity"], None, f["discipline"], f["values"])
                     for f in raw]

    drop = recs("dropped")
    if drop and int(drop[0]["n_dropped"]) > 0:
        n_drop, n_all = int(drop[0]["n_dropped"]), int(drop[0]["n_scores"])
        findings.append(Finding("dropped_respondents", "info", None, None, {
            "n_dropped": n_drop, "n_scores": n_all, "share": n_drop / n_all}))

    return Diagnosis(company_id, name, wave, inst.version, lenses, gaps, mismatch, source,
                     blind, alignment, dominant, findings, inst, integration)


def _departments(dept: list[dict], reps: CompanyReplicates | None, th,
                 findings: list[Finding]) -> tuple[bool | None, dict[str, str | None]]:
    """Each shown department's dominant set-up discipline, and the split finding: departments
    leaning to different disciplines, established when the resamples bear it out and the
    contrast of some pair excludes zero. Alignment is False only for an established split."""
    dominant: dict[str, str | None] = {}
    by_dept: dict[str, dict[str, float]] = {}
    for r in dept:
        by_dept.setdefault(str(r["department"]), {})[r["discipline"]] = float(r["mean"])
    names = sorted(by_dept)
    if names:  # all departments in one call (the rules classify each row on its own)
        rows = np.array([[by_dept[dep].get(d, np.nan) for d in DISCIPLINES] for dep in names])
        doms = classify_many(rows, np.full(rows.shape, np.nan), th)["dominant"]
        for dep, dom in zip(names, doms.tolist(), strict=True):
            dominant[str(dep)] = DISCIPLINES[dom] if dom >= 0 else None
    if len(dominant) < 2:
        return None, dominant
    leaning = {d for d in dominant.values() if d}
    if len(leaning) <= 1:
        return True, dominant
    f = Finding("department_split", "warning", "setup", None, {
        "departments": {k: v for k, v in dominant.items() if v}})
    if reps is not None:
        dep_reps = {}
        for dep in dominant:
            got = reps.lens("internal", "setup", dep)
            if got is not None:
                dep_reps[dep] = got[0]
        share, pairs = department_split(dep_reps, dominant, th)
        f.confidence = share
        clear = [p for p in pairs if excludes_zero(p["interval"])]
        f.interval = (max(clear or pairs, key=lambda p: p["interval"][0])["interval"]
                      if pairs else None)
        f.established = share >= th.min_confidence - 1e-9 and bool(clear)
    findings.append(f)
    return (False if f.established else None), dominant


def diagnose(scores: Scores, company_ids: list[str] | None = None,
             wave: str | None = None) -> dict[str, Diagnosis]:
    """Diagnose companies (all by default) in ``wave`` (each company's latest by default).

    Each diagnosis is made once per scores object (:meth:`Scores.memo`) and is read-only:
    the reports of a batch use the diagnoses the batch made.

    Returns
    -------
    dict of str to Diagnosis
        Per company id: the verdict per lens with its evidence and confidence, gaps, blind
        spots, department alignment, customer integration and the findings.

    Examples
    --------
    >>> import assessment as va
    >>> scores = va.score(va.load_dataset("data/sample"))
    >>> pc = diagnose(scores, ["pcmaker"])["pcmaker"]
    >>> pc.lenses["experience"].leader, pc.lenses["setup"].leader, pc.lens_mismatch
    ('customer_intimacy', 'operational_excellence', True)
    >>> pc.lenses["setup"].evidence.phrase(), pc.lenses["setup"].confidence >= 0.9
    ('22 staff', True)
    """
    inst = scores.instrument
    comp = scores.companies
    ids = list(comp["company_id"]) if company_ids is None else list(company_ids)
    names = dict(zip(comp["company_id"], comp["name"], strict=True))
    keys = {cid: wave if wave is not None else (scores.latest_wave(cid) or "") for cid in ids}
    todo = [(cid, w) for cid, w in keys.items() if not scores.memoized(("diagnosis", cid, w))]
    reps = _replicates(scores, todo) if todo else {}
    out: dict[str, Diagnosis] = {}
    for cid, w in keys.items():
        out[cid] = scores.memo(("diagnosis", cid, w), lambda cid=cid, w=w: _diagnose_one(
            scores, inst, cid, w, names.get(cid, cid), reps.get((cid, w))))
    return out
