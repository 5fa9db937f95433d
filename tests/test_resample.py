"""The stratified bootstrap of respondents (assessment.scoring.resample)."""

from __future__ import annotations

import math
import zlib

import numpy as np
import pandas as pd
import pytest

from assessment import load_dataset, score
from assessment.scoring.resample import Replicates, company_seed, percentile_interval, resample

CELLS = [("operational_excellence", "experience"), ("operational_excellence", "setup"),
         ("customer_intimacy", "experience")]


def long_frame(people: list[dict], cells=CELLS) -> pd.DataFrame:
    """``Scores.respondents`` by hand: each person a dict with wave, company_id,
    respondent_id, perspective, department and ``scores`` (one per cell, NaN = not kept)."""
    rows = []
    for p in people:
        for (discipline, lens), value in zip(cells, p["scores"], strict=True):
            kept = not math.isnan(value)
            rows.append({"wave": p.get("wave", "w1"), "company_id": p["company_id"],
                         "respondent_id": p["respondent_id"], "perspective": p["perspective"],
                         "department": p.get("department", ""), "discipline": discipline,
                         "lens": lens, "score": value if kept else np.nan,
                         "answered": 3 if kept else 0, "n_items": 3, "kept": kept})
    return pd.DataFrame(rows)


def random_people(rng: np.random.Generator, companies=("acme", "bolt", "core"),
                  waves=("w1", "w2"), n=(3, 14)) -> list[dict]:
    """Customers and staff in up to three departments, some scores not kept."""
    people = []
    for wave in waves:
        for cid in companies:
            for k in range(int(rng.integers(*n))):
                customer = rng.random() < 0.4
                scores = list(np.round(rng.uniform(1, 5, len(CELLS)), 2))
                scores = [np.nan if rng.random() < 0.15 else s for s in scores]
                people.append({"wave": wave, "company_id": cid, "respondent_id": f"r{k:02d}",
                               "perspective": "customer" if customer else "internal",
                               "department": "" if customer else
                               ["Sales", "Ops", "R&D"][int(rng.integers(0, 3))],
                               "scores": scores})
    return people


def reference(long: pd.DataFrame, B: int, seed: int) -> dict:
    """A slow, independent bootstrap: replicate by replicate, group by group, in Python.

    The draws follow the documented contract: per company-wave, respondents ordered by
    perspective, department and respondent_id, ``u = rng.random((B, m))`` and position
    ``j`` of a stratum of ``n`` starting at ``a`` draws ``a + floor(u[b, j] * n)``."""
    cells = list(dict.fromkeys(zip(long["discipline"], long["lens"], strict=True)))
    score_of = {}
    for row in long.itertuples():
        value = row.score if row.kept and not pd.isna(row.score) else np.nan
        score_of[(row.wave, row.company_id, row.respondent_id, (row.discipline, row.lens))] = value
    people = long.drop_duplicates(["wave", "company_id", "respondent_id"])
    out = {}
    for (wave, cid), grp in people.groupby(["wave", "company_id"]):
        grp = grp.sort_values(["perspective", "department", "respondent_id"])
        ids = list(grp["respondent_id"])
        strata = list(zip(grp["perspective"], grp["department"], strict=True))
        rng = np.random.default_rng([seed, zlib.crc32(cid.encode()), zlib.crc32(wave.encode())])
        u = rng.random((B, len(ids)))
        groups = {(p, ""): [j for j in range(len(ids)) if strata[j][0] == p]
                  for p in set(grp["perspective"])}
        groups.update({("internal", d): [j for j in range(len(ids)) if strata[j] == ("internal", d)]
                       for p, d in set(strata) if p == "internal" and d})
        groups[("all", "")] = list(range(len(ids)))
        for key, members in groups.items():
            means = np.full((B, len(cells)), np.nan)
            for b in range(B):
                drawn = []
                for j in members:
                    a = strata.index(strata[j])
                    n = strata.count(strata[j])
                    drawn.append(ids[a + math.floor(u[b, j] * n)])
                for c, cell in enumerate(cells):
                    vals = [score_of[(wave, cid, r, cell)] for r in drawn]
                    vals = [v for v in vals if not math.isnan(v)]
                    if vals:
                        means[b, c] = sum(vals) / len(vals)
            out[(wave, cid, *key)] = means
    return out


def test_replicates_match_a_slow_reference_implementation():
    long = long_frame(random_people(np.random.default_rng(3)))
    reps = resample(long, replicates=60, seed=11)
    ref = reference(long, 60, 11)
    assert reps.cells == CELLS
    assert len(reps.groups) == len(ref)
    for key, expected in ref.items():
        np.testing.assert_allclose(reps.of(*key), expected, rtol=1e-12, atol=1e-12,
                                   equal_nan=True, err_msg=str(key))
    # the groups' sizes
    acme = reps.groups.set_index(["wave", "company_id", "perspective", "department"])["n"]
    people = long.drop_duplicates(["wave", "company_id", "respondent_id"])
    assert acme[("w1", "acme", "all", "")] == ((people.wave == "w1")
                                               & (people.company_id == "acme")).sum()


def test_more_replicates_than_one_block_and_many_respondents():
    """Replicates are computed in blocks; the blocks join without a seam."""
    rng = np.random.default_rng(5)
    people = random_people(rng, companies=("big",), waves=("w1",), n=(300, 301))
    long = long_frame(people)
    full = resample(long, replicates=3000, seed=2)
    few = resample(long, replicates=40, seed=2)
    # the first replicates of a longer run are the replicates of a shorter one (per company
    # the numbers are one stream, drawn row by row)
    np.testing.assert_allclose(full.means[:40], few.means, rtol=1e-12)
    ref = reference(long[long.respondent_id.isin({p["respondent_id"] for p in people[:300]})],
                    40, 2)
    np.testing.assert_allclose(few.of("w1", "big", "customer"), ref[("w1", "big", "customer", "")],
                               rtol=1e-12, equal_nan=True)


def test_strata_draw_only_their_own_respondents():
    people = [{"company_id": "a", "respondent_id": f"c{k}", "perspective": "customer",
               "scores": [1.0, np.nan, 1.0]} for k in range(7)]
    people += [{"company_id": "a", "respondent_id": f"s{k}", "perspective": "internal",
                "department": "Sales" if k < 4 else "Ops",
                "scores": [5.0, 5.0 if k < 4 else 3.0, 5.0]} for k in range(9)]
    reps = resample(long_frame(people), replicates=500)
    assert (reps.of("w1", "a", "customer")[:, [0, 2]] == 1.0).all()
    assert np.isnan(reps.of("w1", "a", "customer")[:, 1]).all()  # customers keep no set-up
    assert (reps.of("w1", "a", "internal", "Sales")[:, 1] == 5.0).all()
    assert (reps.of("w1", "a", "internal", "Ops")[:, 1] == 3.0).all()
    # staff's total keeps 4 of Sales and 5 of Ops in every replicate: mean (4*5+5*3)/9
    np.testing.assert_allclose(reps.of("w1", "a", "internal")[:, 1], 35 / 9)
    # everyone: 7 customers at 1 and 9 staff at 5, in every replicate
    np.testing.assert_allclose(reps.of("w1", "a", "all")[:, 0], (7 + 45) / 16)


def test_a_respondent_is_drawn_as_a_whole():
    rng = np.random.default_rng(8)
    people = []
    for k in range(25):
        x = float(rng.integers(1, 6))
        people.append({"company_id": "a", "respondent_id": f"r{k}",
                       "perspective": "internal", "department": "Sales",
                       "scores": [x, x, float(rng.integers(1, 6))]})
    reps = resample(long_frame(people), replicates=400)
    staff = reps.of("w1", "a", "internal")
    exp, setup = reps.cell("operational_excellence", "experience"), \
        reps.cell("operational_excellence", "setup")
    np.testing.assert_array_equal(staff[:, exp], staff[:, setup])
    assert staff[:, exp].std() > 0.05  # the replicates do vary
    # an unrelated cell does not follow (guards against a test that passes trivially)
    assert not np.allclose(staff[:, exp], staff[:, 2])


def test_reproducible_and_a_company_alone_equals_it_in_a_portfolio():
    long = long_frame(random_people(np.random.default_rng(4)))
    one = resample(long, replicates=200, seed=9)
    again = resample(long.sample(frac=1.0, random_state=1), replicates=200, seed=9)
    alone = resample(long[(long.company_id == "bolt") & (long.wave == "w2")],
                     replicates=200, seed=9)
    other_seed = resample(long, replicates=200, seed=10)
    for key in [("w2", "bolt", "customer"), ("w2", "bolt", "internal"), ("w2", "bolt", "all")]:
        np.testing.assert_array_equal(one.of(*key), again.of(*key))
        np.testing.assert_array_equal(one.of(*key), alone.of(*key))
    assert not np.array_equal(one.of("w2", "bolt", "all"), other_seed.of("w2", "bolt", "all"),
                              equal_nan=True)
    assert list(alone.groups["company_id"].unique()) == ["bolt"]


def test_the_scored_layout_and_any_other_row_order_give_the_same_replicates():
    """Scores.respondents comes one block per cell (read without hashing the ids); a
    table in any other order gives the same replicates."""
    long = long_frame(random_people(np.random.default_rng(7)))
    blocks = pd.concat([g for _, g in long.groupby(["discipline", "lens"], sort=False)],
                       ignore_index=True)
    shuffled = long.sample(frac=1.0, random_state=3)
    a, b = resample(blocks, replicates=80), resample(shuffled, replicates=80)
    assert a.cells == CELLS and sorted(b.cells) == sorted(CELLS)  # order of appearance
    same = [b.cell(*cell) for cell in a.cells]
    pd.testing.assert_frame_equal(a.groups, b.groups)
    np.testing.assert_array_equal(a.n_kept, b.n_kept[:, same])
    np.testing.assert_allclose(a.means, b.means[..., same], rtol=1e-13, equal_nan=True)
    # a block layout where the same respondent appears twice in a block is not taken as
    # the scored layout: the two rows are one respondent, as in any other order
    twice = pd.concat([blocks.iloc[:1], blocks], ignore_index=True)
    assert len(resample(twice, replicates=5).groups) == len(a.groups)


def test_company_seed_is_stable_across_processes():
    # crc32 values are fixed: the same numbers in every process and on every platform
    assert company_seed(7, "acme", "2026-Q1") == [7, zlib.crc32(b"acme"), zlib.crc32(b"2026-Q1")]
    assert company_seed(7, "acme", "2026-Q1") == [7, 96778814, 1788909999]


def test_standard_error_of_a_large_group():
    rng = np.random.default_rng(12)
    n, B = 400, 4000
    values = rng.normal(3, 0.8, n).round(3)
    people = [{"company_id": "a", "respondent_id": f"c{k:03d}", "perspective": "customer",
               "scores": [values[k], np.nan, values[k]]} for k in range(n)]
    reps = resample(long_frame(people), replicates=B, seed=1)
    means = reps.of("w1", "a", "customer")[:, 0]
    expected = values.std(ddof=1) / math.sqrt(n) * math.sqrt((n - 1) / n)
    # the sd of B replicate means has a relative standard error of about 1/sqrt(2(B-1))
    assert abs(means.std(ddof=1) / expected - 1) < 4 / math.sqrt(2 * (B - 1))
    assert abs(means.mean() - values.mean()) < 4 * expected / math.sqrt(B)


def test_scores_not_kept_are_left_out_and_a_group_without_kept_scores_is_nan():
    people = [{"company_id": "a", "respondent_id": "r1", "perspective": "customer",
               "scores": [2.0, np.nan, np.nan]},
              {"company_id": "a", "respondent_id": "r2", "perspective": "customer",
               "scores": [np.nan, np.nan, 4.0]},
              {"company_id": "a", "respondent_id": "r3", "perspective": "customer",
               "scores": [2.0, np.nan, np.nan]}]
    long = long_frame(people)
    # a score that is present but not kept does not count either
    long.loc[(long.respondent_id == "r3") & (long.lens == "experience")
             & (long.discipline == "operational_excellence"), ["score", "kept"]] = [9.0, False]
    reps = resample(long, replicates=300)
    cust = reps.of("w1", "a", "customer")
    drawn = cust[:, 0]
    assert set(np.unique(drawn[~np.isnan(drawn)])) == {2.0}
    # r1 is left out of a replicate with probability (2/3)^3: some replicates have no score
    assert 0 < np.isnan(drawn).sum() < 300
    assert np.isnan(cust[:, 1]).all()
    g = reps.group("w1", "a", "customer")
    assert reps.point[g, 0] == 2.0 and np.isnan(reps.point[g, 1]) and reps.point[g, 2] == 4.0
    assert reps.n_kept[g].tolist() == [1, 0, 1]


def test_team_records_are_not_resampled():
    people = [{"company_id": "a", "respondent_id": f"s{k}", "perspective": "internal",
               "department": "Sales", "scores": [float(k % 5 + 1)] * 3} for k in range(10)]
    people.append({"company_id": "a", "respondent_id": "team", "perspective": "team",
                   "scores": [4.5, 2.0, np.nan]})
    reps = resample(long_frame(people), replicates=100)
    team = reps.of("w1", "a", "team")
    assert (team[:, 0] == 4.5).all() and (team[:, 1] == 2.0).all()
    assert np.isnan(team[:, 2]).all()
    # the team is not part of everyone surveyed
    assert reps.groups.set_index(["perspective", "department"]).loc[("all", ""), "n"] == 10
    np.testing.assert_allclose(reps.of("w1", "a", "all"), reps.of("w1", "a", "internal"))
    assert reps.of("w1", "a", "internal")[:, 0].std() > 0
    # a team record alone: no drawn respondents at all
    only = resample(long_frame(people[-1:]), replicates=5)
    assert only.groups["perspective"].tolist() == ["team"]
    assert (only.of("w1", "a", "team")[:, 1] == 2.0).all()


def test_groups_and_lookup():
    reps = resample(long_frame(random_people(np.random.default_rng(6))), replicates=10)
    assert isinstance(reps, Replicates) and reps.means.shape[0] == 10
    assert reps.means.shape == (10, len(reps.groups), len(CELLS))
    assert set(reps.groups["perspective"]) == {"customer", "internal", "all"}
    assert set(reps.groups.loc[reps.groups["department"] != "", "perspective"]) == {"internal"}
    assert reps.cell("customer_intimacy", "experience") == 2
    with pytest.raises(KeyError, match="no resampled group"):
        reps.of("w1", "acme", "internal", "Legal")
    with pytest.raises(ValueError):
        resample(long_frame([]) if False else long_frame(random_people(
            np.random.default_rng(1))), replicates=0)


def test_on_scored_sample_data_the_point_values_are_the_company_means():
    s = score(load_dataset("data/sample"))
    reps = resample(s.respondents, replicates=50)
    company = s.company[s.company["shown"]]
    for row in company.sample(40, random_state=0).itertuples():
        g = reps.group(row.wave, row.company_id, row.perspective)
        c = reps.cell(row.discipline, row.lens)
        assert reps.point[g, c] == pytest.approx(row.mean, abs=1e-12)
        assert reps.n_kept[g, c] == row.n


def test_percentile_interval_against_nanpercentile():
    values = np.array([[3.0, 1.0], [1.0, np.nan], [4.0, 2.0], [1.5, 5.0], [9.0, np.nan],
                       [2.0, 6.0]])
    low, high = percentile_interval(values, level=0.8)
    np.testing.assert_allclose(low, [np.nanpercentile(values[:, 0], 10),
                                     np.nanpercentile(values[:, 1], 10)])
    np.testing.assert_allclose(high, [np.nanpercentile(values[:, 0], 90),
                                      np.nanpercentile(values[:, 1], 90)])
    # by hand: column 0 sorted 1, 1.5, 2, 3, 4, 9; the 10% quantile at position 0.5 -> 1.25
    assert low[0] == 1.25 and high[0] == pytest.approx(6.5)
    # column 1 (NaN left out) sorted 1, 2, 5, 6: 10% at position 0.3 -> 1.3
    assert low[1] == pytest.approx(1.3)
    with pytest.raises(ValueError):
        percentile_interval(values, level=1.0)


def test_score_columns_are_the_score_matrix_cell_by_cell():
    """The bootstrap's layout (kept scores with 0 where none, then 1 where kept, a row per
    cell) is the score matrix transposed, for the scored layout (categoricals, one block
    per cell) and for any other order (the general path)."""
    from assessment.scoring.score_matrix import score_columns, score_matrix
    long = long_frame(random_people(np.random.default_rng(3)))
    blocks = pd.concat([g for _, g in long.groupby(["discipline", "lens"], sort=False)],
                       ignore_index=True)
    categorical = blocks.astype({c: "category" for c in
                                 ["wave", "company_id", "respondent_id", "perspective",
                                  "department", "discipline", "lens"]})
    for frame in (categorical, blocks, long.sample(frac=1.0, random_state=2)):
        people, cells, values = score_matrix(frame)
        people2, cells2, columns = score_columns(frame)
        pd.testing.assert_frame_equal(people, people2)
        assert cells == cells2 and columns.shape == (2 * len(cells), len(people))
        np.testing.assert_array_equal(columns[:len(cells)], np.nan_to_num(values.T, nan=0.0))
        np.testing.assert_array_equal(columns[len(cells):], ~np.isnan(values.T))
        # the respondents sorted as documented: team last, then by stratum and id
        key = people[["wave", "company_id", "perspective", "department",
                      "respondent_id"]].astype(str).apply(tuple, axis=1).tolist()
        assert key == sorted(key)
        # and the scores are those of the table
        for i in range(0, len(people), 7):
            p = people.iloc[i]
            mine = frame[(frame["respondent_id"].astype(str) == str(p["respondent_id"]))
                         & (frame["company_id"].astype(str) == str(p["company_id"]))
                         & (frame["wave"].astype(str) == str(p["wave"]))]
            for j, (d, lens) in enumerate(cells):
                row = mine[(mine["discipline"].astype(str) == d)
                           & (mine["lens"].astype(str) == lens)]
                expected = row["score"].iloc[0] if row["kept"].iloc[0] else np.nan
                np.testing.assert_equal(values[i, j], expected)
