"""Customer integration: the instrument section, role and block scores, the fit rules."""

from __future__ import annotations

import json

import pytest

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.scoring.integration import score_integration

from .conftest import make_dataset, profile_answers

OE, CI, PL = va.DISCIPLINES
INTEG = load_integration()


def role(name: str, value: float) -> dict[str, float]:
    return {i.id: value for i in INTEG.cell_items("roles", name)}


def scale(block: str, name: str, value: float) -> dict[str, float]:
    """Raw answers that score ``value`` after reverse keying."""
    return {i.id: (6 - value if i.reverse else value) for i in INTEG.cell_items(block, name)}


def test_section_structure():
    assert len(INTEG.roles) == 10
    assert {r.context for r in INTEG.roles.values()} == {"service", "innovation"}
    for key in INTEG.roles:
        assert len(INTEG.cell_items("roles", key)) >= 2
    for d in va.DISCIPLINES:
        assert all(d in INTEG.roles[r].supports for r in INTEG.fit[d].needs)
    customer_only = {i.block for i in INTEG.items if i.answered_by == ["customer"]}
    assert customer_only == {"motives", "self_service"}
    assert {i.block for i in INTEG.items if i.answered_by == ["internal"]} == {"crm"}
    assert any(i.reverse for i in INTEG.cell_items("self_service", "experience"))
    for item in INTEG.items:
        assert len({item.text.get(lang) for lang in va.LANGS}) == 3


def test_role_and_block_scores_by_hand():
    staff = [role("co_creator", 4) | scale("crm", "knowledge_sharing", 2) for _ in range(3)]
    staff += [role("co_creator", 2) | scale("crm", "knowledge_sharing", 4) for _ in range(2)]
    cust = [{"perspective": "customer", "respondent_id": f"k{i}"} | role("co_creator", 5)
            | scale("self_service", "experience", 2) for i in range(5)]
    table = score_integration(make_dataset(staff + cust))
    src = table[table["source"]].set_index(["block", "scale"])
    # roles read from everyone: (3*4 + 2*2 + 5*5) / 10
    assert src.loc[("roles", "co_creator"), "mean"] == pytest.approx(41 / 10)
    assert src.loc[("roles", "co_creator"), "perspective"] == "all"
    # crm from staff only: (3*2 + 2*4) / 5
    assert src.loc[("crm", "knowledge_sharing"), "mean"] == pytest.approx(14 / 5)
    # self-service from customers, reverse keyed back to 2
    assert src.loc[("self_service", "experience"), "mean"] == pytest.approx(2.0)
    assert src.loc[("self_service", "experience"), "n"] == 5


def test_customer_only_blocks_hidden_below_minimum_group_size():
    cust = [{"perspective": "customer", "respondent_id": f"k{i}"}
            | scale("motives", "economic", 5) for i in range(3)]
    staff = [profile_answers(va.load_instrument(), "setup", 4, 3, 3) for _ in range(5)]
    table = score_integration(make_dataset(staff + cust))
    row = table[(table["block"] == "motives") & (table["scale"] == "economic")]
    assert list(row["perspective"]) == ["customer"]  # no "all" row that would reveal them
    assert not row["shown"].iloc[0] and row["mean"].isna().all()


def _diagnose(setup: tuple, exp: tuple, extra_staff: dict, extra_cust: dict | None = None):
    inst = va.load_instrument()
    staff = [profile_answers(inst, "setup", *setup) | profile_answers(inst, "experience", *exp)
             | extra_staff for _ in range(6)]
    cust = [{"perspective": "customer", "respondent_id": f"k{i}"}
            | profile_answers(inst, "experience", *exp) | (extra_cust or {}) for i in range(6)]
    return va.diagnose(va.score(make_dataset(staff + (cust if extra_cust else []))))["x"]


def _codes(d: va.Diagnosis) -> set[str]:
    return {f.code for f in d.findings if f.code in {
        "integration_fit", "integration_roles_missing", "intimacy_cost_factor",
        "pl_without_innovators", "self_service_burden"}}


def test_fit_when_needed_roles_at_par():
    roles = role("productive_resource", 4) | role("competitor", 4) | role("quality_inspector", 3)
    d = _diagnose((4.5, 3.2, 3.2), (4.5, 3.2, 3.2), roles)
    assert _codes(d) == {"integration_fit"}
    assert d.integration.claimed == OE
    assert d.integration.needed_score == pytest.approx(11 / 3)
    assert d.integration.fits is True


def test_product_leadership_without_innovators():
    roles = {k: v for r in INTEG.fit[PL].needs for k, v in role(r, 2).items()}
    d = _diagnose((3.2, 3.2, 4.5), (3.2, 3.2, 4.5), roles)
    assert _codes(d) == {"pl_without_innovators"}
    f = next(f for f in d.findings if f.code == "pl_without_innovators")
    assert f.values["score"] == pytest.approx(2.0)
    assert "Co-developer" in f.text("en") and "Mitentwicklung" in f.text("de")


def test_intimacy_as_cost_factor_versus_roles_missing():
    low_ci = {k: v for r in INTEG.fit[CI].needs for k, v in role(r, 2).items()}
    cost = role("productive_resource", 4) | role("competitor", 4)
    d = _diagnose((3.2, 4.5, 3.2), (3.2, 4.5, 3.2), low_ci | cost)
    assert _codes(d) == {"intimacy_cost_factor"}
    f = next(f for f in d.findings if f.code == "intimacy_cost_factor")
    assert f.values["takeover"] == pytest.approx(4.0)
    # the same weak relationship roles without customers doing the work: roles missing
    d2 = _diagnose((3.2, 4.5, 3.2), (3.2, 4.5, 3.2), low_ci | role("competitor", 2))
    assert _codes(d2) == {"integration_roles_missing"}


def test_self_service_burden_needs_takeover_and_customer_burden():
    takeover = role("productive_resource", 4) | role("competitor", 5)
    burden = scale("self_service", "experience", 2)
    d = _diagnose((4.5, 3.2, 3.2), (4.5, 3.2, 3.2), takeover, extra_cust=takeover | burden)
    assert "self_service_burden" in _codes(d)
    f = next(f for f in d.findings if f.code == "self_service_burden")
    assert (f.severity, f.values["experience"]) == ("critical", pytest.approx(2.0))
    fine = scale("self_service", "experience", 4)
    d2 = _diagnose((4.5, 3.2, 3.2), (4.5, 3.2, 3.2), takeover, extra_cust=takeover | fine)
    assert "self_service_burden" not in _codes(d2)


def test_no_integration_answers_no_block():
    inst = va.load_instrument()
    d = va.diagnose(va.score(make_dataset([profile_answers(inst, "setup", 4.5, 3, 3)])))["x"]
    assert d.integration is None and not _codes(d)
    assert d.to_dict()["integration"] is None


@pytest.mark.parametrize("lang", va.LANGS)
def test_integration_in_summary_and_scores(tmp_path, lang):
    roles = role("productive_resource", 4) | role("competitor", 4)
    d = _diagnose((4.5, 3.2, 3.2), (4.5, 3.2, 3.2), roles)
    doc = json.loads(json.dumps(d.to_dict(lang)))
    assert doc["integration"]["claimed_discipline"] == OE
    assert doc["integration"]["roles"]["competitor"] == 4.0
    assert "integration_fit" in doc["integration"]["finding_codes"]
    text = next(f["text"] for f in doc["findings"] if f["code"] == "integration_fit")
    assert "{" not in text
