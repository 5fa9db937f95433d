"""The vectorised rules that make scoring fast on large files, each against the
straightforward implementation (a pandas group-by over the texts, or a loop over groups),
on small random datasets with blanks, several waves, companies and perspectives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.scoring.grouping import group_moments
from assessment.scoring.quality import company_groups, core_answers, straight_lining
from assessment.scoring.rules import (
    KEYS,
    TEAM,
    group_stats,
    instrument_cells,
    mean_item_variance,
    respondent_scores,
    rwg_j,
)

from .conftest import make_dataset

TOTALS = {"experience", "threshold"}


def _random_dataset(instrument: va.Instrument, seed: int, n: int = 160):
    """Respondents of three companies in two waves, customers, staff of two departments
    and a few team records; about a fifth of the answers blank (whole cells too)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        persp = rng.choice(["customer", "internal", "internal", TEAM], p=[.4, .25, .25, .1])
        row = {"wave": str(rng.choice(["2025-Q4", "2026-Q1"])),
               "company_id": str(rng.choice(["b", "a", "c"])), "perspective": str(persp),
               "respondent_id": f"r{i}"}
        if persp == "internal":
            row["department"] = str(rng.choice(["Sales", "Ops"]))
        if persp == TEAM:
            row["participants"] = 4
        for item in instrument.item_ids:
            if rng.random() > 0.2:
                row[item] = int(rng.integers(1, 6))
        rows.append(row)
    return make_dataset(rows, instrument)


def _moments_by_texts(long: pd.DataFrame) -> pd.DataFrame:
    """Mean, n and sd per wave, company, cell and perspective plus ``all`` (the lenses in
    TOTALS, teams left out): one pandas group-by over the key texts."""
    keys = KEYS + ["discipline", "lens", "perspective"]
    kept = long[long["kept"]][[*keys, "score"]].astype(dict.fromkeys(keys, str))
    total = kept[kept["lens"].isin(TOTALS) & (kept["perspective"] != TEAM)]
    data = pd.concat([kept, total.assign(perspective="all")], ignore_index=True)
    out = data.groupby(keys, sort=True)["score"].agg(mean="mean", n="count", sd="std")
    return out.reset_index()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_group_moments_equal_a_groupby_over_the_texts(instrument, seed):
    ds = _random_dataset(instrument, seed)
    long, _ = respondent_scores(ds.responses, instrument_cells(instrument), 1, 5, 0.5)
    got = group_moments(long, KEYS + ["discipline", "lens", "perspective"], TOTALS)
    expected = _moments_by_texts(long)
    assert len(got) > 100 and (got["perspective"] == "all").any()
    pd.testing.assert_frame_equal(got.astype({c: object for c in got.columns[:5]}),
                                  expected.astype({c: object for c in got.columns[:5]}),
                                  check_exact=True)


def test_group_moments_of_a_long_table_in_any_order(instrument):
    """Rows not held together per cell (shuffled): each cell's rows found by comparing."""
    ds = _random_dataset(instrument, 6)
    long, _ = respondent_scores(ds.responses, instrument_cells(instrument), 1, 5, 0.5)
    long = long.sample(frac=1, random_state=3).reset_index(drop=True)
    got = group_moments(long, KEYS + ["discipline", "lens", "perspective"], TOTALS)
    expected = _moments_by_texts(long)
    pd.testing.assert_frame_equal(got.astype({c: object for c in got.columns[:5]}),
                                  expected.astype({c: object for c in got.columns[:5]}),
                                  check_exact=True)


@pytest.mark.parametrize("seed", [4, 5])
def test_rwg_per_group_equals_a_loop_over_groups(instrument, seed):
    ds = _random_dataset(instrument, seed)
    resp = ds.responses
    long, kept_values = respondent_scores(resp, instrument_cells(instrument), 1, 5, 0.5)
    stats = group_stats(resp, long, kept_values, 5, 1, TOTALS)
    checked = 0
    for row in stats.itertuples():
        if not row.shown or row.n < 2:
            continue
        persp = resp["perspective"].to_numpy()
        members = ((resp["wave"] == row.wave) & (resp["company_id"] == row.company_id)
                   ).to_numpy()
        members = members & ((persp != TEAM) if row.perspective == "all"
                             else (persp == row.perspective))
        values = kept_values[(row.discipline, row.lens)][members].astype(float)
        expected = rwg_j(mean_item_variance(values), values.shape[1], 5)
        assert np.isclose(row.rwg, expected, rtol=1e-12, atol=1e-15, equal_nan=True), row
        checked += 1
    assert checked > 50


def test_straight_lining_equals_max_equals_min_of_the_answers():
    rng = np.random.default_rng(7)
    raw = rng.integers(1, 6, (400, 12)).astype(float)
    raw[rng.random(raw.shape) < 0.3] = np.nan
    raw[:60] = np.where(np.isnan(raw[:60]), np.nan, 3.0)  # straight lines, some too short
    raw[60:65] = np.nan                                    # nothing answered
    answered = (~np.isnan(raw)).sum(axis=1)
    high = np.array([max(v for v in r if v == v) if (r == r).any() else -np.inf for r in raw])
    low = np.array([min(v for v in r if v == v) if (r == r).any() else np.inf for r in raw])
    expected = (answered >= 8) & (high == low)
    assert 10 < expected.sum() < 60
    for dtype in (np.float64, np.float32):
        assert straight_lining(raw.astype(dtype), 8).tolist() == expected.tolist()


def test_company_groups_equal_groupby_indices(instrument):
    resp = _random_dataset(instrument, 8).responses
    expected = resp.groupby(KEYS).indices
    got = company_groups(resp)
    assert [k for k, _ in got] == sorted(expected)
    for key, pos in got:
        assert pos.tolist() == sorted(expected[key].tolist())


def test_company_waves_and_latest_wave_from_codes(sample_scores):
    long = sample_scores.respondents
    expected = sorted({(str(c), str(w)) for c, w in zip(long["company_id"], long["wave"],
                                                        strict=True)})
    assert sorted(sample_scores.company_waves()) == expected
    for cid in {c for c, _ in expected}:
        assert sample_scores.latest_wave(cid) == max(w for c, w in expected if c == cid)
    assert sample_scores.latest_wave("no such company") is None


def test_answers_are_float32_and_exact(sample_dataset):
    """The data contract: one float32 column per item of the instrument (and its
    customer-integration section), the file's answers exactly, NaN where blank or absent."""
    resp = sample_dataset.responses
    items = sample_dataset.instrument.item_ids + sample_dataset.integration.item_ids
    assert list(resp.columns[7:]) == items
    assert set(resp[items].dtypes) == {np.dtype(np.float32)}
    text = pd.read_csv("data/sample/responses.csv", dtype=str, keep_default_na=False)
    for item in items:
        expected = (pd.to_numeric(text[item]).to_numpy(float) if item in text.columns
                    else np.full(len(text), np.nan))
        np.testing.assert_array_equal(resp[item].to_numpy(float), expected)
    raw = core_answers(resp, sample_dataset.instrument)
    assert raw.dtype == np.float32 and raw.shape == (len(resp), 51)


def test_distinct_counts_equal_groupby_nunique(instrument):
    from assessment.scoring.tables import distinct_counts

    ds = _random_dataset(instrument, 9)
    long, _ = respondent_scores(ds.responses, instrument_cells(instrument), 1, 5, 0.5)
    for persp, lens in (("customer", "experience"), ("internal", "setup")):
        rows = (long["kept"] & (long["perspective"] == persp) & (long["lens"] == lens)
                ).to_numpy(bool)
        expected = long[rows].groupby(KEYS, observed=True)["respondent_id"].nunique()
        got = distinct_counts(long, rows)
        assert len(got) > 3
        assert got.to_dict() == {(str(w), str(c)): n for (w, c), n in expected.items()}


def test_distinct_counts_by_department_and_ids_in_two_groups(instrument):
    """Per (wave, company, department), and with respondent ids that occur in two
    companies (the sort, not the marking once): as groupby(...).nunique()."""
    from assessment.scoring.breakdown import distinct_counts

    ds = _random_dataset(instrument, 12)
    long, _ = respondent_scores(ds.responses, instrument_cells(instrument), 1, 5, 0.5)
    keys = KEYS + ["department"]
    rows = (long["kept"] & (long["perspective"] == "internal")).to_numpy(bool)
    expected = long[rows].groupby(keys, observed=True)["respondent_id"].nunique()
    got = distinct_counts(long, rows, keys)
    assert len(got) > 6 and list(got.index.names) == keys
    assert got.to_dict() == {tuple(map(str, k)): n for k, n in expected.items()}
    shared = long.assign(respondent_id=long["respondent_id"].astype(str).str[:2])
    expected = shared[rows].groupby(KEYS)["respondent_id"].nunique()
    assert distinct_counts(shared, rows).to_dict() == {
        tuple(map(str, k)): n for k, n in expected.items()}


def test_group_means_and_dropped_counts_equal_a_groupby(instrument):
    from assessment.scoring.breakdown import dropped_counts, group_means

    ds = _random_dataset(instrument, 13)
    long, _ = respondent_scores(ds.responses, instrument_cells(instrument), 1, 5, 0.75)
    keys = KEYS + ["department", "discipline"]
    rows = (long["kept"] & (long["lens"] == "setup")).to_numpy(bool)
    expected = long[rows].groupby(keys, observed=True)["score"].agg(
        mean="mean", n="count").reset_index()
    got = group_means(long, rows, keys)
    assert len(got) > 10
    pd.testing.assert_frame_equal(got, expected.astype(dict.fromkeys(keys, object)),
                                  check_exact=True, check_dtype=False)
    answered = long[long["answered"] > 0]
    expected = answered.groupby(KEYS, observed=True).agg(
        n_scores=("kept", "size"), n_dropped=("kept", lambda k: int((~k).sum())))
    people = answered[~answered["kept"]].groupby(KEYS, observed=True)["respondent_id"].nunique()
    expected["n_respondents_dropped"] = people.reindex(expected.index).fillna(0).astype(int)
    got = dropped_counts(long)
    assert got["n_dropped"].sum() > 10
    pd.testing.assert_frame_equal(got, expected.reset_index().astype(dict.fromkeys(KEYS, str)),
                                  check_dtype=False)


@pytest.mark.parametrize("seed", [21, 22])
def test_reliability_tables_equal_cronbach_alpha_of_each_block(instrument, seed):
    """Every company's and the whole file's alpha per scale, to the last bit, as
    rules.cronbach_alpha of the block of keyed answers (the loop it replaces); the rows in
    file order or shuffled."""
    from assessment.scoring.reliability import reliability_tables
    from assessment.scoring.rules import cronbach_alpha, keyed

    inst = instrument.with_thresholds({"min_alpha_respondents": 3})
    resp = _random_dataset(instrument, seed, n=300).responses
    if seed == 22:
        resp = resp.sample(frac=1, random_state=1).reset_index(drop=True)
    raw = core_answers(resp, inst)
    groups = company_groups(resp)
    company, whole = reliability_tables(resp, inst, raw, groups)
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    checked = 0
    for k, (d, lens, ids, rev) in enumerate(instrument_cells(inst)):
        values = keyed(raw[:, [col[i] for i in ids]].astype(float), rev, 1, 5)
        for (wave, cid), pos in groups:
            block = values[pos][~np.isnan(values[pos]).all(axis=1)]
            row = company[(company["wave"] == wave) & (company["company_id"] == cid)
                          & (company["discipline"] == d) & (company["lens"] == lens)]
            assert len(row) == 1 and int(row["n_respondents"].iloc[0]) == len(block)
            alpha = float(row["alpha"].iloc[0])
            assert alpha == cronbach_alpha(block) or np.isnan(alpha) and np.isnan(
                cronbach_alpha(block))
            checked += np.isfinite(alpha)
        everyone = values[~np.isnan(values).all(axis=1)]
        assert whole["alpha"].iloc[k] == cronbach_alpha(everyone)
        assert whole["n_respondents"].iloc[k] == len(everyone)
    assert checked > 40


def test_scale_sums_exact_in_slices_and_for_fractions():
    """Large whole numbers (single precision in slices of 16 rows), and fractions (double
    precision): the sums of the direct products; the keyed sums from the raw ones equal
    the sums of the keyed answers."""
    from assessment.scoring.reliability import _keyed_sums, alpha_from_sums, scale_sums
    from assessment.scoring.rules import cronbach_alpha, keyed

    rng = np.random.default_rng(5)
    starts = np.array([0, 40, 41, 200])
    for values in (rng.integers(0, 1000, (250, 4)).astype(np.float32),
                   rng.integers(1, 6, (250, 4)) / 4.0 + 0.1):
        values[rng.random(values.shape) < 0.25] = np.nan
        sums, answered = scale_sums(values, starts)
        ends = np.r_[starts[1:], len(values)]
        for g, (s, e) in enumerate(zip(starts, ends, strict=True)):
            block = values[s:e].astype(float)
            both = np.hstack([np.nan_to_num(block), ~np.isnan(block)])
            np.testing.assert_allclose(sums[g], both.T @ both, rtol=1e-13)
            assert answered[g] == (~np.isnan(block)).any(axis=1).sum()
            kept = block[~np.isnan(block).all(axis=1)]
            if len(kept) > 2:
                assert alpha_from_sums(sums[g]) == pytest.approx(cronbach_alpha(kept),
                                                                 abs=1e-12)
    whole = rng.integers(1, 6, (300, 5)).astype(np.float32)
    whole[rng.random(whole.shape) < 0.3] = np.nan
    rev = np.array([False, True, False, True, True])
    raw_sums, _ = scale_sums(whole, starts)
    direct, _ = scale_sums(keyed(whole, rev, 1, 5), starts)
    np.testing.assert_array_equal(_keyed_sums(raw_sums, rev, 1, 5), direct)
    big = np.full((20, 2), 999.0, dtype=np.float32)  # 20 rows of products 998001: > 2**24
    sums, _ = scale_sums(big, np.array([0]))
    assert sums[0, 0, 0] == 20 * 999.0**2
