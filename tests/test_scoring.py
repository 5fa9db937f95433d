"""Scoring formulas against hand-computed values, pingouin, and properties (hypothesis)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pingouin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import assessment as va
from assessment.scoring.rules import ci95, cronbach_alpha, keyed, rwg_j

from .conftest import cell_ids, keyed_answers, make_dataset, profile_answers

OE, CI, PL = va.DISCIPLINES


def test_reverse_keying_is_min_plus_max_minus_value():
    vals = np.array([[1.0, 1.0], [2.0, 2.0], [5.0, np.nan]])
    out = keyed(vals, np.array([True, False]), 1, 5)
    assert out[:, 0].tolist() == [5.0, 4.0, 1.0]
    assert out[:2, 1].tolist() == [1.0, 2.0]
    assert np.isnan(out[2, 1])


def test_respondent_cell_score_is_mean_of_answered_items_after_keying(instrument):
    items = instrument.cell_items(OE, "experience")
    assert [i.reverse for i in items].count(True) >= 1
    raw = [5, 4, 2, 5, 4, 1, None]  # items 3 and 6 are reverse-keyed: 2 -> 4, 1 -> 5
    answers = {it.id: v for it, v in zip(items, raw, strict=True)}
    expected = np.mean([5 if not it.reverse else 6 - 5 for it in []] or [5, 4, 4, 5, 4, 5])
    ds = make_dataset([answers])
    long = va.score(ds).respondents
    row = long[(long["discipline"] == OE) & (long["lens"] == "experience")].iloc[0]
    assert [it.reverse for it in items] == [False, False, True, False, False, True, False]
    assert row["answered"] == 6 and row["kept"]
    assert row["score"] == pytest.approx(expected) == pytest.approx(27 / 6)


def test_minimum_answered_share_drops_cell_scores(instrument):
    ids = cell_ids(instrument, CI, "setup")  # 7 items: 60% needs 5 (4.2 rounds up)
    four = dict.fromkeys(ids[:4], 4)
    five = dict.fromkeys(ids[:5], 4)
    ds = make_dataset([four, five])
    sc = va.score(ds)
    cell = sc.respondents[(sc.respondents["discipline"] == CI)
                          & (sc.respondents["lens"] == "setup")]
    assert cell["kept"].tolist() == [False, True]
    assert np.isnan(cell["score"].iloc[0])
    dropped = sc.dropped.iloc[0]
    assert dropped["n_dropped"] == 1
    assert dropped["n_respondents_dropped"] == 1


def test_company_mean_sd_and_confidence_interval_by_hand(instrument):
    resp = [keyed_answers(instrument, PL, "setup", v) for v in (3, 4, 5)]
    sc = va.score(make_dataset(resp, instrument.with_thresholds({"min_group_size": 2})))
    row = sc.company[(sc.company["discipline"] == PL) & (sc.company["lens"] == "setup")
                     & (sc.company["perspective"] == "internal")].iloc[0]
    # mean 4, sd 1, t(0.975, df=2) = 4.302652729911275
    half = 4.302652729911275 * 1 / np.sqrt(3)
    assert (row["mean"], row["n"], row["sd"]) == (pytest.approx(4.0), 3, pytest.approx(1.0))
    assert row["ci_low"] == pytest.approx(4 - half)
    # 4 + half = 6.48 lies beyond the 1..5 scale: the interval is clipped to it
    assert 4 + half > 5 and row["ci_high"] == 5.0


def test_ci95_matches_scipy_interval():
    from scipy import stats

    data = np.array([2.5, 3.0, 4.25, 3.75, 5.0])
    lo, hi = ci95(pd.Series([data.mean()]), pd.Series([data.std(ddof=1)]), pd.Series([5]))
    ref = stats.t.interval(0.95, 4, loc=data.mean(), scale=stats.sem(data))
    assert (lo[0], hi[0]) == (pytest.approx(ref[0]), pytest.approx(ref[1]))


def test_t_quantile_is_scipys():
    """The scipy-free Student's t quantile (closed-form distribution for whole degrees of
    freedom, Newton's method; Cornish-Fisher for large df) equals scipy's."""
    from scipy import stats

    from assessment.scoring.tdist import t_quantile, t_quantiles

    dfs = [*range(1, 400), 555, 998, 999, 1000, 1001, 2500, 10**4, 10**6]
    for p in (0.975, 0.995, 0.9, 0.6, 0.025):
        ours = np.array([t_quantile(d, p) for d in dfs])
        np.testing.assert_allclose(ours, stats.t.ppf(p, dfs), rtol=1e-12, atol=1e-13)
    arr = t_quantiles(np.array([np.nan, 0.0, 1.0, 4.0, 4.0, 29.0]))
    assert np.isnan(arr[:2]).all()
    np.testing.assert_allclose(arr[2:], stats.t.ppf(0.975, [1, 4, 4, 29]), rtol=1e-12)
    with pytest.raises(ValueError):
        t_quantile(0)


def test_rwg_single_item_and_multi_item_by_hand():
    # sigma_EU^2 = (5^2 - 1) / 12 = 2; s^2 = 0.5 -> single item r_wg = 1 - 0.25 = 0.75
    assert rwg_j(np.array([0.5]), 1, 5)[0] == pytest.approx(0.75)
    # J = 7: 7 * 0.75 / (7 * 0.75 + 0.25) = 5.25 / 5.5
    assert rwg_j(np.array([0.5]), 7, 5)[0] == pytest.approx(5.25 / 5.5)
    # variance above the uniform null is truncated to no agreement
    assert rwg_j(np.array([3.0]), 7, 5)[0] == 0.0
    assert rwg_j(np.array([0.0]), 7, 5)[0] == 1.0


def test_company_rwg_from_item_variances(instrument):
    # Two staff: one answers every OE set-up item 4, the other 5 (keyed): each item variance
    # is 0.5, so r_wg(J=7) = 5.25 / 5.5.
    resp = [keyed_answers(instrument, OE, "setup", 4), keyed_answers(instrument, OE, "setup", 5)]
    sc = va.score(make_dataset(resp, instrument.with_thresholds({"min_group_size": 2})))
    row = sc.company[(sc.company["discipline"] == OE) & (sc.company["lens"] == "setup")].iloc[0]
    assert row["rwg"] == pytest.approx(5.25 / 5.5)


def test_cronbach_alpha_by_hand():
    # three items, four people; item variances 1.6667 each... computed from the definition
    data = pd.DataFrame({"a": [1, 2, 3, 4], "b": [2, 2, 4, 4], "c": [1, 3, 3, 5]}, dtype=float)
    k = 3
    total_var = data.sum(axis=1).var(ddof=1)
    expected = k / (k - 1) * (1 - data.var(ddof=1).sum() / total_var)
    assert cronbach_alpha(data) == pytest.approx(expected)


def test_cronbach_alpha_matches_pingouin_on_sample(sample_dataset, sample_scores):
    inst = sample_dataset.instrument
    lo, hi = inst.scale.min, inst.scale.max
    for rec in sample_scores.reliability.to_dict(orient="records"):
        items = inst.cell_items(rec["discipline"], rec["lens"])
        raw = sample_dataset.responses[[i.id for i in items]].to_numpy(float)
        block = pd.DataFrame(keyed(raw, np.array([i.reverse for i in items]), lo, hi))
        block = block.dropna(how="all")
        ref, _ = pingouin.cronbach_alpha(block, nan_policy="pairwise")
        assert rec["alpha"] == pytest.approx(ref), rec
    # the sample's seven-item discipline scales are built to be reliable
    rel = sample_scores.reliability
    assert (rel.loc[rel["lens"] != "threshold", "alpha"] > 0.7).all()


def test_experience_source_outside_in_needs_minimum_customers(instrument):
    staff = [profile_answers(instrument, "experience", 4, 4, 4)
             | profile_answers(instrument, "setup", 3, 3, 3) for _ in range(6)]
    cust = [{"perspective": "customer"} | profile_answers(instrument, "experience", 2, 2, 2)]
    few = va.score(make_dataset(staff + cust * 4))
    enough = va.score(make_dataset(staff + [dict(c, respondent_id=f"k{i}") for i, c in
                                            enumerate(cust * 5)]))
    exp_few = few.profile[few.profile["lens"] == "experience"]
    exp_enough = enough.profile[enough.profile["lens"] == "experience"]
    assert set(exp_few["source"]) == {"inside_out"}
    assert exp_few["mean"].tolist() == pytest.approx([4, 4, 4])
    assert set(exp_enough["source"]) == {"outside_in"}
    assert exp_enough["mean"].tolist() == pytest.approx([2, 2, 2])
    # inside-out minus outside-in difference per discipline
    assert enough.blind_spots["diff"].tolist() == pytest.approx([2, 2, 2])
    assert few.blind_spots.empty


def test_small_groups_hidden_but_counted_in_total(instrument):
    big = [{"department": "Ops"} | profile_answers(instrument, "setup", 4, 3, 3)
           for _ in range(5)]
    small = [{"department": dept} | profile_answers(instrument, "setup", 1, 1, 1)
             for dept in ("Legal", "Legal", "Audit", "Audit", "Audit")]
    cust = [{"perspective": "customer"} | profile_answers(instrument, "experience", 5, 5, 5)
            for _ in range(3)]
    sc = va.score(make_dataset(big + small + cust))
    # Legal and Audit together are five: staff minus Ops reveals no group under five
    assert sc.departments["department"].unique().tolist() == ["Ops"]
    assert sc.hidden_departments[["department", "n"]].values.tolist() == [["Audit", 3],
                                                                          ["Legal", 2]]
    total = sc.company[(sc.company["lens"] == "setup") & (sc.company["discipline"] == OE)]
    assert total["n"].iloc[0] == 10
    assert total["mean"].iloc[0] == pytest.approx((5 * 4 + 5 * 1) / 10)
    cust_rows = sc.company[sc.company["perspective"] == "customer"]
    assert not cust_rows["shown"].any() and cust_rows["mean"].isna().all()


def test_waves_are_scored_separately_latest_is_default(instrument):
    old = [{"wave": "2025-Q4"} | profile_answers(instrument, "setup", 2, 2, 2)]
    new = [{"wave": "2026-Q1"} | profile_answers(instrument, "setup", 5, 5, 5)]
    sc = va.score(make_dataset(old + new, instrument.with_thresholds({"min_group_size": 1})))
    assert sc.latest_wave("x") == "2026-Q1"
    setup = sc.profile[sc.profile["lens"] == "setup"].groupby("wave")["mean"].mean()
    assert setup.to_dict() == {"2025-Q4": 2.0, "2026-Q1": 5.0}


def test_lens_gaps_are_experience_minus_setup(instrument):
    staff = [profile_answers(instrument, "experience", 4.0, 3.0, 2.0)
             | profile_answers(instrument, "setup", 2.0, 3.0, 4.0) for _ in range(5)]
    gaps = va.score(make_dataset(staff)).lens_gaps.set_index("discipline")["gap"]
    assert gaps.to_dict() == pytest.approx({OE: 2.0, CI: 0.0, PL: -2.0})


# -- properties ----------------------------------------------------------------------

answer = st.one_of(st.none(), st.integers(1, 5))


def _random_ds(instrument, matrix: list[list[int | None]]):
    ids = cell_ids(instrument, OE, "experience") + cell_ids(instrument, OE, "setup")
    resp = [{i: v for i, v in zip(ids, row, strict=True)} for row in matrix]
    return make_dataset(resp, instrument.with_thresholds({"min_group_size": 1})), ids


matrices = st.lists(st.lists(answer, min_size=14, max_size=14), min_size=2, max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix=matrices)
def test_scores_stay_within_the_scale(instrument, matrix):
    ds, _ = _random_ds(instrument, matrix)
    sc = va.score(ds)
    vals = pd.concat([sc.respondents["score"], sc.company["mean"]]).dropna()
    assert ((vals >= 1) & (vals <= 5)).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix=matrices, seed=st.integers(0, 10_000))
def test_scores_do_not_depend_on_row_order(instrument, matrix, seed):
    ds, _ = _random_ds(instrument, matrix)
    perm = np.random.default_rng(seed).permutation(len(ds.responses))
    shuffled = dataclasses.replace(ds, responses=ds.responses.iloc[perm].reset_index(drop=True))
    keys = ["discipline", "lens", "perspective"]
    a = va.score(ds).company.sort_values(keys).reset_index(drop=True)
    b = va.score(shuffled).company.sort_values(keys).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix=matrices, pick=st.tuples(st.integers(0, 7), st.integers(0, 13)))
def test_score_never_falls_when_one_answer_rises(instrument, matrix, pick):
    r, c = pick[0] % len(matrix), pick[1]
    ds, ids = _random_ds(instrument, matrix)
    raw = ds.responses.at[r, ids[c]]
    item = instrument.item(ids[c])
    keyed_value = 6 - raw if item.reverse else raw
    if np.isnan(raw) or keyed_value == 5:
        return
    before = va.score(ds)
    ds.responses.at[r, ids[c]] = raw - 1 if item.reverse else raw + 1  # keyed value + 1
    after = va.score(ds)
    keys = ["discipline", "lens", "perspective"]
    m_before = before.company.set_index(keys)["mean"]
    m_after = after.company.set_index(keys)["mean"]
    assert (m_after.fillna(0) >= m_before.fillna(0) - 1e-12).all()
    assert after.respondents["score"].fillna(0).ge(
        before.respondents["score"].fillna(0) - 1e-12).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(matrix=matrices)
def test_a_blank_is_never_read_as_zero(instrument, matrix):
    ds, ids = _random_ds(instrument, matrix)
    sc = va.score(ds)
    long = sc.respondents[(sc.respondents["discipline"] == OE)
                          & (sc.respondents["lens"] == "experience")]
    cells = ds.responses[ids[:7]].to_numpy(float)
    rev = np.array([instrument.item(i).reverse for i in ids[:7]])
    k = keyed(cells, rev, 1, 5)
    for row, (score_, kept) in enumerate(zip(long["score"], long["kept"], strict=True)):
        answered = k[row][~np.isnan(k[row])]
        if kept:
            assert score_ == pytest.approx(answered.sum() / len(answered))
            assert score_ >= 1
        else:
            assert np.isnan(score_)


def test_rows_of_one_company_are_the_masked_rows(sample_scores):
    """``Scores.rows`` (an index built once per table) gives exactly what a boolean mask
    over the whole table gives, for every company-wave of every table, an unknown company
    included; ``latest_wave`` agrees with the respondents table."""
    import dataclasses

    sc = sample_scores
    tables = [f.name for f in dataclasses.fields(sc)
              if isinstance(getattr(sc, f.name), pd.DataFrame)
              and {"company_id", "wave"} <= set(getattr(sc, f.name).columns)]
    assert {"profile", "respondents", "lens_gaps", "departments", "integration"} <= set(tables)
    checked = 0
    for table in tables:
        df = getattr(sc, table)
        pairs = set(zip(df["company_id"], df["wave"], strict=True))
        for cid, wave in pairs | {("no-such-company", "")}:
            expected = df[(df["company_id"] == cid) & (df["wave"] == wave)]
            pd.testing.assert_frame_equal(sc.rows(table, cid, wave), expected)
            checked += len(expected)
    assert checked > 1000
    copy = dataclasses.replace(sc)  # a shallow copy shares the index
    assert copy.rows("profile", "shoes", "2026-Q1").equals(sc.rows("profile", "shoes", "2026-Q1"))
    resp = sc.respondents
    for cid in sc.companies["company_id"]:
        waves = resp.loc[resp["company_id"] == cid, "wave"]
        assert sc.latest_wave(cid) == (max(waves) if len(waves) else None)
