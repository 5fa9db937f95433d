"""Diagnosis rules on hand-built profiles, the archetypes of the sample data, and the texts."""

from __future__ import annotations

import json
import string

import pytest

import assessment as va
from assessment.diagnosis.findings import classify, texts

from .conftest import make_dataset, profile_answers

OE, CI, PL = va.DISCIPLINES
TH = va.load_instrument().thresholds


AT_PAR = (3.5, 3.5, 3.5)


@pytest.mark.parametrize(
    ("scores", "par", "verdict", "leader", "dominant"),
    [
        ((4.5, 3.5, 3.2), AT_PAR, "leader", OE, OE),
        ((3.2, 4.0, 3.5), AT_PAR, "leader", CI, CI),  # exactly at excellence and margin
        ((3.2, 4.4, 4.1), AT_PAR, "dual", None, None),  # masters of two, third at par
        # two excellent, the third's threshold items below par: not stuck in the middle
        ((2.5, 4.4, 4.1), (2.6, 3.5, 3.5), "excels_below_par", CI, None),
        # one excellent, the others below par (the leader must hold the other two at par)
        ((4.5, 2.0, 2.0), (3.5, 2.4, 2.2), "excels_below_par", OE, OE),
        ((4.2, 3.9, 3.0), AT_PAR, "narrow_lead", None, None),  # excellent, no clear lead
        ((4.2, 4.2, 3.0), AT_PAR, "dual", None, None),  # a tie at excellence: two excel
        ((4.3, 4.1, 4.0), AT_PAR, "all_excellent", None, None),  # acquiescence
        ((3.9, 3.2, 3.0), AT_PAR, "no_clear_choice", None, OE),  # ahead but not excellent
        ((3.3, 3.4, 3.2), AT_PAR, "no_clear_choice", None, None),  # stuck in the middle
        # par unknown (too few threshold answers) is never read as below par
        ((4.5, 2.0, 2.0), (None, None, None), "leader", OE, OE),
        ((float("nan"), 3.4, 3.2), AT_PAR, "no_data", None, None),
    ],
)
def test_classify_verdicts(scores, par, verdict, leader, dominant):
    assert classify(dict(zip(va.DISCIPLINES, scores, strict=True)), TH,
                    dict(zip(va.DISCIPLINES, par, strict=True))) == (verdict, leader, dominant)


def _company(instrument, exp, setup, n=6, **extra):
    staff = [profile_answers(instrument, "experience", *exp)
             | profile_answers(instrument, "setup", *setup) | extra for _ in range(n)]
    return make_dataset(staff, instrument)


def _diag(ds) -> va.Diagnosis:
    return va.diagnose(va.score(ds))["x"]


def test_pc_maker_lens_mismatch_by_construction(instrument):
    d = _diag(_company(instrument, exp=(3.6, 4.4, 3.2), setup=(4.5, 3.1, 3.2)))
    assert d.lenses["experience"].leader == CI
    assert d.lenses["setup"].leader == OE
    assert d.lens_mismatch
    assert d.lens_gaps == pytest.approx({OE: -0.9, CI: 1.3, PL: 0.0})
    codes = {(f.code, f.discipline) for f in d.findings}
    assert ("unbacked_promise", CI) in codes and ("unnoticed_capability", OE) in codes
    assert ("unbacked_promise", PL) not in codes and ("unnoticed_capability", PL) not in codes
    assert d.experience_source == "inside_out"
    assert any(f.code == "inside_out_estimate" for f in d.findings)


def test_gap_just_below_threshold_is_not_a_finding(instrument):
    d = _diag(_company(instrument, exp=(4.5, 3.5, 3.25), setup=(4.5, 3.5, 4.0)))
    assert d.lens_gaps[PL] == pytest.approx(-0.75)
    assert any(f.code == "unnoticed_capability" and f.discipline == PL for f in d.findings)
    d2 = _diag(_company(instrument, exp=(4.5, 3.5, 3.5), setup=(4.5, 3.5, 4.0)))
    assert not any(f.code == "unnoticed_capability" for f in d2.findings)


def test_below_par_prefers_threshold_items(instrument):
    thr_low = {i.id: (4 if i.reverse else 2) for i in instrument.threshold_items
               if i.discipline == PL}  # keyed 2 on PL's threshold value
    d = _diag(_company(instrument, exp=(4.5, 3.2, 3.2), setup=(4.5, 3.2, 3.2), **thr_low))
    below = [f for f in d.findings if f.code == "below_par"]
    assert {(f.lens, f.discipline) for f in below} == {("experience", PL), ("setup", PL)}
    assert all(f.values["score"] == 2 for f in below)
    assert d.lenses["setup"].below_par == [PL]
    # OE excels while PL is below par: not a leader, and not stuck in the middle either
    assert d.lenses["setup"].verdict == "excels_below_par"
    assert d.lenses["setup"].leader == OE
    # without threshold answers par is unknown, never inferred from the discipline items
    d2 = _diag(_company(instrument, exp=(4.5, 2.5, 3.2), setup=(4.5, 3.2, 3.2)))
    assert d2.lenses["experience"].below_par == []
    assert d2.lenses["experience"].par_unknown == list(va.DISCIPLINES)
    unknown = [f for f in d2.findings if f.code == "par_unknown"]
    assert {f.lens for f in unknown} == {"experience", "setup"}
    assert "is unknown" in unknown[0].text()


def test_excellent_discipline_is_never_below_par(instrument):
    thr_low = {i.id: (5 if i.reverse else 1) for i in instrument.threshold_items
               if i.discipline == OE}
    d = _diag(_company(instrument, exp=(4.6, 3.2, 3.2), setup=(4.6, 3.2, 3.2), **thr_low))
    assert OE not in d.lenses["experience"].below_par


def test_blind_spot_and_department_split(instrument):
    mk = [{"department": "Marketing"} | profile_answers(instrument, "setup", 3.0, 4.5, 3.0)
          | profile_answers(instrument, "experience", 4.5, 3.5, 3.0) for _ in range(5)]
    ops = [{"department": "Operations"} | profile_answers(instrument, "setup", 4.5, 3.0, 3.0)
           | profile_answers(instrument, "experience", 4.5, 3.5, 3.0) for _ in range(5)]
    legal = [{"department": dept} | profile_answers(instrument, "setup", 1, 1, 5)
             for dept in ("Legal", "Legal", "Audit", "Audit", "Audit")]
    cust = [{"perspective": "customer", "respondent_id": f"k{i}"}
            | profile_answers(instrument, "experience", 3.5, 3.5, 3.0) for i in range(5)]
    d = _diag(make_dataset(mk + ops + legal + cust, instrument))
    assert d.experience_source == "outside_in"
    assert d.blind_spots == pytest.approx({OE: 1.0, CI: 0.0, PL: 0.0})
    over = [f for f in d.findings if f.code == "blind_spot_overestimate"]
    assert [(f.discipline, f.values["diff"]) for f in over] == [(OE, pytest.approx(1.0))]
    assert d.department_alignment is False
    # Legal (2) and Audit (3) hidden: five together, so the others can be shown
    assert d.department_dominant == {"Marketing": CI, "Operations": OE}
    split = [f for f in d.findings if f.code == "department_split"]
    assert "Legal" not in split[0].text("en")
    assert "Marketing" in split[0].text("en") and "Operations" in split[0].text("de")


def test_alignment_is_none_with_one_department(instrument):
    d = _diag(_company(instrument, exp=(4.5, 3, 3), setup=(4.5, 3, 3)))
    assert d.department_alignment is None


def test_company_without_respondents(instrument):
    ds = make_dataset([profile_answers(instrument, "setup", 4, 3, 3)], instrument,
                      companies=["x", "empty"])
    d = va.diagnose(va.score(ds))["empty"]
    assert [f.code for f in d.findings] == ["no_respondents"]
    assert d.lenses["setup"].verdict == "no_data"
    json.dumps(d.to_dict("nl"))


# -- the archetypes of the sample data ------------------------------------------------

ARCHETYPES = {
    # company: (experience verdict, leader), (setup verdict, leader), mismatch, must-have findings
    "pcmaker": (("leader", CI), ("leader", OE), True,
                {("lens_mismatch", None), ("unbacked_promise", CI),
                 ("unnoticed_capability", OE)}),
    "shoes": (("leader", CI), ("leader", CI), False, set()),
    "airline": (("leader", OE), ("leader", OE), False, set()),
    "chips": (("leader", PL), ("leader", PL), False, {("inside_out_estimate", None)}),
    "privatebank": (("leader", CI), ("no_clear_choice", None), False,
                    {("unbacked_promise", CI)}),
    "deptstore": (("no_clear_choice", None), ("no_clear_choice", None), False,
                  {("blind_spot_overestimate", OE), ("below_par", PL)}),
    # splitco's split stays shown: its two small departments (Finance 2, Legal 3) are
    # hidden together, so no larger department has to be hidden to protect them
    "splitco": (("no_clear_choice", None), ("no_clear_choice", None), False,
                {("department_split", None)}),
    "budgetmart": (("leader", OE), ("leader", OE), False, set()),
    "mueller": (("dual", None), ("dual", None), False, set()),
    "energyco": (("no_clear_choice", None), ("leader", OE), False,
                 {("unnoticed_capability", OE), ("self_service_burden", OE)}),
}

INTEGRATION = {  # company: (claimed discipline, integration finding codes)
    "pcmaker": (OE, {"integration_fit"}),
    "shoes": (CI, {"integration_fit"}),
    "airline": (OE, {"integration_fit"}),
    # customers under the minimum hide everyone's role scores: they are read from staff
    "chips": (PL, {"integration_fit"}),
    "privatebank": (CI, {"intimacy_cost_factor"}),
    "budgetmart": (OE, {"integration_fit"}),
    "energyco": (OE, {"integration_fit", "self_service_burden"}),
    "deptstore": (None, set()),
    "splitco": (None, set()),
}


@pytest.mark.parametrize("company", sorted(INTEGRATION))
def test_sample_archetype_integration(sample_diagnoses, company):
    claimed, codes = INTEGRATION[company]
    d = sample_diagnoses[company]
    assert d.integration is not None
    assert d.integration.claimed == claimed
    assert set(d.integration.codes) == codes


def test_sample_company_without_integration_answers(sample_diagnoses):
    assert sample_diagnoses["mueller"].integration is None


@pytest.mark.parametrize("company", sorted(ARCHETYPES))
def test_sample_archetype_gets_its_diagnosis(sample_diagnoses, company):
    exp, setup, mismatch, must = ARCHETYPES[company]
    d = sample_diagnoses[company]
    assert (d.lenses["experience"].verdict, d.lenses["experience"].leader) == exp
    assert (d.lenses["setup"].verdict, d.lenses["setup"].leader) == setup
    assert d.lens_mismatch is mismatch
    codes = {(f.code, f.discipline) for f in d.findings}
    assert must <= codes, codes
    assert (d.department_alignment is False) == (company == "splitco")
    assert (d.experience_source == "inside_out") == (company == "chips")
    unexpected_gaps = {c for c in codes if c[0] in ("unbacked_promise", "unnoticed_capability")}
    assert unexpected_gaps <= must


def test_sample_latest_wave_is_default(sample_scores, sample_diagnoses):
    waves = sorted(sample_scores.respondents.loc[
        sample_scores.respondents["company_id"] == "shoes", "wave"].unique())
    assert len(waves) == 2
    assert sample_diagnoses["shoes"].wave == waves[-1]
    old = va.diagnose(sample_scores, ["shoes"], wave=waves[0])["shoes"]
    assert old.lenses["setup"].scores[CI] < sample_diagnoses["shoes"].lenses["setup"].scores[CI]


# -- texts -------------------------------------------------------------------------------


def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_text_has_the_same_placeholders_in_every_language():
    t = texts()
    for code, entry in t["findings"].items():
        assert entry["severity"] in ("info", "warning", "critical"), code
        for part in ("title", "text", "action"):
            sets = {lang: _fields(entry[part][lang]) for lang in va.LANGS}
            assert len({frozenset(s) for s in sets.values()}) == 1, (code, part, sets)
    for verdict, entry in t["verdicts"].items():
        assert len({frozenset(_fields(entry[lang])) for lang in va.LANGS}) == 1, verdict


@pytest.mark.parametrize("lang", va.LANGS)
def test_all_sample_findings_render_in_every_language(sample_diagnoses, lang):
    for d in sample_diagnoses.values():
        doc = d.to_dict(lang)
        json.dumps(doc)
        assert doc["instrument_version"] == "1.0.0"  # the version data/sample carries
        for f in doc["findings"]:
            assert f["text"] and f["title"] and f["action"]
            assert "{" not in f["text"]
        for lens in doc["lenses"].values():
            assert lens["sentence"]


def test_finding_texts_carry_their_numbers(sample_diagnoses):
    d = sample_diagnoses["pcmaker"]
    gap = next(f for f in d.findings if f.code == "unbacked_promise")
    assert f"{gap.values['gap']:.2f}" in gap.text("en")
    assert "Customer intimacy" in gap.text("en")
    assert "Kundennähe" in gap.text("de")


def test_diagnoses_are_made_once_per_scores_and_travel_with_them(sample_dataset, monkeypatch):
    """``diagnose`` keeps each company-wave's diagnosis with the scores (copies made with
    ``dataclasses.replace`` and pickles share it): a report of a batch kernel, which gets
    the batch's pickled scores, does not diagnose again."""
    import dataclasses
    import pickle

    from assessment.diagnosis import diagnose as dg
    from assessment.present.report.core import report_for

    scores = va.score(sample_dataset)
    first = va.diagnose(scores)
    assert va.diagnose(scores, ["shoes"])["shoes"] is first["shoes"]
    older = va.diagnose(scores, ["shoes"], wave="2025-Q3")["shoes"]
    assert older.wave == "2025-Q3" and older is not first["shoes"]
    handed = pickle.loads(pickle.dumps(scores))
    copy = dataclasses.replace(handed)

    def no_more(*args, **kwargs):
        raise AssertionError("diagnosed again")

    monkeypatch.setattr(dg, "_diagnose_one", no_more)
    rep = report_for(sample_dataset, "shoes", scores=copy)
    assert rep.diagnosis.to_dict() == first["shoes"].to_dict()
    with pytest.raises(AssertionError, match="diagnosed again"):
        va.diagnose(va.score(sample_dataset), ["shoes"])  # new scores: diagnosed anew


def test_department_dominants_are_each_departments_own_verdict(sample_scores,
                                                               sample_diagnoses):
    """All departments of a company are classified in one call: each gets what the rules
    give its own set-up means alone."""
    th = sample_scores.thresholds
    checked = 0
    for cid, diag in sample_diagnoses.items():
        rows = sample_scores.rows("departments", cid, diag.wave)
        for dep, group in rows.groupby("department"):
            means = dict(zip(group["discipline"], group["mean"], strict=True))
            assert diag.department_dominant[str(dep)] == classify(means, th)[2]
            checked += 1
        assert len(diag.department_dominant) == rows["department"].nunique()
    assert checked >= 4
