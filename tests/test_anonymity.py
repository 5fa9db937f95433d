"""Anonymity that survives subtraction: the differencing attack on every published number.

A group under the minimum group size is never shown on its own, and no sum or difference of
published group statistics may reveal one either. Group membership is known, so a
combination of published groups (coefficients +1/-1/0) reveals a mean exactly when the
signed sum of their member indicator vectors is a 0/1 vector with 1..minimum-1 ones.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.present.report.core import report_for
from assessment.present.summary import write_outputs
from assessment.scoring.integration import BLOCK_SOURCE, integration_cells
from assessment.scoring.live import score_company
from assessment.scoring.rules import respondent_scores
from assessment.workshop.compare import SurveyReference, compare_items

from .conftest import SAMPLE_VERSION, make_dataset, profile_answers

INTEG = load_integration(version=SAMPLE_VERSION)  # the version make_dataset builds
STATS = ["mean", "sd", "ci_low", "ci_high", "rwg"]


def _random_respondents(rng: np.random.Generator, inst: va.Instrument, company: str,
                        wave: str, team: bool) -> list[dict]:
    """A company in a wave: 0..8 customers, 1..4 departments of 1..7 staff, random answers
    with some blanks (so that a cell's n can differ from the group's size)."""
    out: list[dict] = []
    setup = {i.id for i in inst.items if i.lens == "setup"}
    groups = [("customer", "")] * int(rng.integers(0, 9))
    for k in range(int(rng.integers(1, 5))):
        groups += [("internal", f"D{k}")] * int(rng.integers(1, 8))
    if team:
        groups.append(("team", "Board"))
    drop = float(rng.choice([0.0, 0.15, 0.45]))
    for j, (persp, dept) in enumerate(groups):
        r = {"company_id": company, "wave": wave, "respondent_id": f"{company}-{wave}-{j}",
             "perspective": persp, "department": dept}
        for item in inst.item_ids:
            if persp == "customer" and item in setup:
                continue
            if rng.random() >= drop:
                r[item] = int(rng.integers(1, 6))
        for item in INTEG.items:
            if (persp in item.answered_by or persp == "team") and rng.random() >= drop:
                r[item.id] = int(rng.integers(1, 6))
        out.append(r)
    return out


def _members(ds: va.Dataset) -> dict[tuple, frozenset]:
    """(company, wave, section, discipline, lens, perspective or department) -> the people
    whose kept score a group's statistic rests on. A team's consensus record is not a
    person: it is in no member set."""
    inst = ds.instrument
    cells = {"disciplines": va.score(ds).respondents}
    resp = ds.responses
    long, _ = respondent_scores(resp, integration_cells(INTEG), inst.scale.min,
                                inst.scale.max, inst.thresholds.min_answered_share)
    cells["integration"] = long
    out: dict[tuple, set] = {}
    for section, table in cells.items():
        kept = table[table["kept"] & table["perspective"].isin(["customer", "internal"])]
        for row in kept.itertuples():
            base = (row.company_id, row.wave, section, row.discipline, row.lens)
            for group in (row.perspective, "all", f"dept:{row.department}"):
                out.setdefault(base + (group,), set()).add(row.respondent_id)
    return {k: frozenset(v) for k, v in out.items()}


def _published(ds: va.Dataset, scores: va.Scores, tmp_path) -> dict[tuple, list[tuple]]:
    """(company, wave, section, discipline, lens) -> [(group, n, mean)] of every group
    statistic published: scores.csv, summary.json's lens scores and blind spots, and the
    departments' set-up means (the report's heatmap)."""
    write_outputs(tmp_path, ds, scores, va.diagnose(scores))
    table = pd.read_csv(tmp_path / "scores.csv", dtype={"company_id": str, "wave": str},
                        keep_default_na=False, na_values=[""])
    table["wave"] = table["wave"].fillna("")
    out: dict[tuple, list[tuple]] = {}
    for r in table.itertuples():
        if pd.notna(r.mean):
            out.setdefault((r.company_id, r.wave, r.section, r.discipline, r.lens),
                           []).append((r.perspective, r.n, r.mean))
        else:  # a hidden group: nothing but its n
            assert all(pd.isna(getattr(r, s)) for s in STATS), r
    for r in scores.departments.itertuples():
        out.setdefault((r.company_id, r.wave, "disciplines", r.discipline, "setup"),
                       []).append((f"dept:{r.department}", r.n, r.mean))
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    for entry in summary["companies"]:
        key = (entry["company_id"], entry["wave"] or "")
        exp_group = "customer" if entry["experience_source"] == "outside_in" else "internal"
        for lens, group in (("experience", exp_group), ("setup", "internal")):
            for d, mean in (entry["lenses"][lens]["scores"] or {}).items():
                if mean is not None and np.isfinite(mean):
                    out.setdefault(key + ("disciplines", d, lens), []).append(
                        (group, None, mean))
        for d in entry["blind_spots"] or {}:  # staff minus customers: both must be shown
            for group in ("internal", "customer"):
                out.setdefault(key + ("disciplines", d, "experience"), []).append(
                    (group, None, np.nan))
        integ = entry["integration"] or {}
        read_from = {}  # the group each published block score was read from
        if scores.integration is not None and len(scores.integration):
            src = scores.integration[scores.integration["source"].astype(bool)
                                     & scores.integration["shown"].astype(bool)]
            read_from = {(r.company_id, r.wave, r.block, r.scale): r.perspective
                         for r in src.itertuples()}
        for block, scales in [("roles", integ.get("roles") or {}),
                              *(integ.get("blocks") or {}).items()]:
            for scale, mean in scales.items():
                if mean is not None:
                    group = read_from.get(key + (block, scale), BLOCK_SOURCE[block])
                    out.setdefault(key + ("integration", scale, block), []).append(
                        (group, None, mean))
    return out


def revealing_combinations(sets: list[frozenset], min_group_size: int) -> list[tuple]:
    """Every +1/-1/0 combination of the member sets whose signed sum is a set of
    1..min_group_size-1 people (coefficients per set; all combinations are enumerated).

    >>> a, b = frozenset("abcdefghij"), frozenset("abcdef")
    >>> revealing_combinations([a, b], 5)
    [(1, -1)]
    >>> revealing_combinations([a, frozenset("abcde")], 5)
    []
    """
    people = sorted(set().union(*sets)) if sets else []
    if not people:
        return []
    col = {p: j for j, p in enumerate(people)}
    ind = np.zeros((len(sets), len(people)), dtype=int)
    for i, s in enumerate(sets):
        ind[i, [col[p] for p in s]] = 1
    coef = np.array(list(itertools.product((-1, 0, 1), repeat=len(sets))), dtype=int)
    total = coef @ ind
    binary = ((total == 0) | (total == 1)).all(axis=1)
    size = total.sum(axis=1)
    bad = binary & (size >= 1) & (size < min_group_size)
    return [tuple(int(x) for x in c) for c in coef[bad]]


def attack(ds: va.Dataset, scores: va.Scores, tmp_path) -> list[str]:
    """The published groups of every company, wave and cell that reveal a small group."""
    members = _members(ds)
    problems = []
    mgs = ds.instrument.thresholds.min_group_size
    for key, groups in _published(ds, scores, tmp_path).items():
        sets = {}
        for group, n, _mean in groups:
            s = members.get(key + (group,), frozenset())
            if n is not None and (group in ("customer", "internal")
                                  or group.startswith("dept:")):  # people, no team record
                assert len(s) == n, (key, group, n, len(s))
            if s:
                sets[group] = s
        names = sorted(sets)
        for coef in revealing_combinations([sets[g] for g in names], mgs):
            problems.append(f"{key}: " + " ".join(f"{c:+d} {g}" for c, g in
                                                  zip(coef, names, strict=True) if c))
    return problems


@pytest.mark.parametrize("min_group_size", [5, 3])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_published_combination_reveals_a_small_group(instrument, tmp_path, seed,
                                                       min_group_size):
    rng = np.random.default_rng(seed)
    inst = instrument.with_thresholds({"min_group_size": min_group_size})
    resp = []
    for k in range(4):
        for wave in ("2025", "2026"):
            resp += _random_respondents(rng, inst, f"c{k}", wave, team=k == 3)
    ds = make_dataset(resp, inst)
    assert attack(ds, va.score(ds), tmp_path) == []


def _crafted_customers(instrument: va.Instrument) -> va.Dataset:
    cust = [dict(profile_answers(instrument, "experience", 5, 5, 5), perspective="customer")
            for _ in range(4)]
    staff = [dict(profile_answers(instrument, "experience", 3, 3, 3),
                  **profile_answers(instrument, "setup", 3, 3, 3)) for _ in range(6)]
    return make_dataset(cust + staff, instrument)


def test_four_customers_beside_six_staff_have_no_recoverable_mean(instrument, tmp_path):
    ds = _crafted_customers(instrument)
    for scores in (va.score(ds), score_company(ds)):
        exp = scores.company[scores.company["lens"] == "experience"].set_index(
            ["discipline", "perspective"])
        for d in va.DISCIPLINES:
            assert exp.loc[(d, "customer"), "n"] == 4 and exp.loc[(d, "all"), "n"] == 10
            assert not exp.loc[(d, "all"), "shown"]
            assert exp.loc[(d, "all"), STATS].isna().all()
            assert exp.loc[(d, "internal"), "mean"] == pytest.approx(3)
        assert attack(ds, scores, tmp_path) == []


def _crafted_department(instrument: va.Instrument) -> va.Dataset:
    staff = ([dict(profile_answers(instrument, "setup", 4, 3, 3), department="Ops")
              for _ in range(5)]
             + [dict(profile_answers(instrument, "setup", 3, 4, 3), department="Sales")
                for _ in range(6)]
             + [dict(profile_answers(instrument, "setup", 1, 1, 1), department="Legal")])
    return make_dataset(staff, instrument)


def test_one_person_department_is_not_staff_minus_the_others(instrument, tmp_path):
    ds = _crafted_department(instrument)
    for scores in (va.score(ds), score_company(ds)):
        # Legal (1 person) is hidden; Ops, the smallest shown department, is hidden too:
        # staff minus Sales then covers six people
        assert scores.departments["department"].unique().tolist() == ["Sales"]
        hidden = scores.hidden_departments.sort_values("department")
        assert hidden[["department", "n"]].values.tolist() == [["Legal", 1], ["Ops", 5]]
        setup = scores.company[scores.company["lens"] == "setup"]
        assert setup["shown"].all() and (setup["n"] == 12).all()
        assert attack(ds, scores, tmp_path) == []


def test_small_staff_total_is_hidden_and_nothing_breaks(instrument, tmp_path):
    cust = [dict(profile_answers(instrument, "experience", 5, 3, 3), perspective="customer")
            for _ in range(6)]
    staff = [dict(profile_answers(instrument, "experience", 3, 3, 3),
                  **profile_answers(instrument, "setup", 4, 3, 3)) for _ in range(3)]
    ds = make_dataset(cust + staff, instrument)
    for scores in (va.score(ds), score_company(ds)):
        internal = scores.company[scores.company["perspective"] == "internal"]
        assert not internal["shown"].any() and internal["mean"].isna().all()
        # staff are hidden, so everyone minus the customers must not be published
        everyone = scores.company[scores.company["perspective"] == "all"]
        assert not everyone["shown"].any()
        assert scores.departments.empty
        assert scores.profile[scores.profile["lens"] == "setup"]["mean"].isna().all()
        assert attack(ds, scores, tmp_path) == []
        diagnosis = va.diagnose(scores)["x"]
        assert diagnosis.lenses["experience"].leader == va.DISCIPLINES[0]


def test_a_team_record_stays_visible(instrument):
    team = dict(profile_answers(instrument, "experience", 4, 4, 4), perspective="team",
                department="Board")
    staff = [dict(profile_answers(instrument, "experience", 3, 3, 3),
                  **profile_answers(instrument, "setup", 3, 3, 3)) for _ in range(6)]
    ds = make_dataset([team, *staff], instrument)
    for scores in (va.score(ds), score_company(ds)):
        rows = scores.company[scores.company["lens"] == "experience"].set_index(
            ["discipline", "perspective"])
        assert rows.loc[(va.DISCIPLINES[0], "team"), "shown"]
        assert rows.loc[(va.DISCIPLINES[0], "team"), "mean"] == pytest.approx(4)
        assert rows.loc[(va.DISCIPLINES[0], "all"), "shown"]


def test_workshop_comparison_hides_small_groups_and_everyone_beside_them(instrument):
    ds = _crafted_customers(instrument)  # 4 customers (5), 6 staff (3) on experience items
    ref = SurveyReference.build(ds, "x", "")
    item = [i.id for i in instrument.items if i.lens == "experience"][0]
    row = ref.stats.loc[item]
    assert (row["customer_n"], row["internal_n"], row["all_n"]) == (4, 6, 10)
    assert np.isnan(row["customer_mean"]) and np.isnan(row["all_mean"])
    assert np.isfinite(row["internal_mean"])
    team = np.full(len(instrument.item_ids), 3.0)
    for reference in ("all", "customer"):
        out = compare_items(team, ref, instrument, reference=reference).set_index("item_id")
        assert np.isnan(out.loc[item, "survey"]) and np.isnan(out.loc[item, "customer"])
    # staff under the minimum: hidden, and everyone with them
    small = make_dataset([dict(profile_answers(instrument, "experience", 4, 4, 4),
                               perspective="customer") for _ in range(6)]
                         + [profile_answers(instrument, "experience", 2, 2, 2)] * 2,
                         instrument)
    row = SurveyReference.build(small, "x", "").stats.loc[item]
    assert np.isnan(row["internal_mean"]) and np.isnan(row["all_mean"])
    assert np.isfinite(row["customer_mean"])


def test_report_departments_section_shows_no_suppressed_department(instrument):
    ds = _crafted_department(instrument)
    rep = report_for(ds, "x")
    assert rep.department_names == ["Sales"]
    html = rep.departments_html()
    assert "Legal" not in html and "Ops" not in html
    chart = rep.department_figure()
    assert chart is None or list(chart.data[0]["y"]) == ["Sales"]
