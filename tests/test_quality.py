"""Data quality: straight-lining and contradiction flags, leaving flagged respondents out,
Cronbach's alpha per company, and how the report and summary.json show them."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.exceptions import DatasetError
from assessment.present.report.core import report_for
from assessment.present.report.items import item_means
from assessment.present.report.quality import quality_view
from assessment.present.summary import write_outputs
from assessment.scoring.live import score_company
from assessment.scoring.quality import (
    company_reliability,
    contradicting_cells,
    core_answers,
    respondent_flags,
    straight_lining,
)
from assessment.scoring.rules import cronbach_alpha, keyed

from .conftest import SAMPLE_VERSION, make_dataset
from .helpers_data import good_dataset

OE, CI, PL = "operational_excellence", "customer_intimacy", "product_leadership"
# the version make_dataset builds with and data/sample was answered with (51 core items,
# set-up cells of 7); tests about the newest instrument take ``latest_instrument``
INST = va.load_instrument(version=SAMPLE_VERSION)
SETUP = {i.id for i in INST.items if i.lens == "setup"}


def cell(discipline: str, lens: str) -> tuple[list[str], list[str]]:
    """The forward and the reverse-keyed item ids of one cell."""
    items = INST.cell_items(discipline, lens)
    return [i.id for i in items if not i.reverse], [i.id for i in items if i.reverse]


def consistent(value: int = 4, perspective: str = "internal") -> dict[str, float]:
    """Answers that all mean ``value`` after reverse keying (forward ``value``, reverse
    6 - ``value``): neither straight-lining nor contradictory."""
    return {i: (6 - value if INST.item(i).reverse else value) for i in INST.item_ids
            if perspective == "internal" or i not in SETUP}


def flags_of(rows: list[dict], inst: va.Instrument = INST) -> pd.DataFrame:
    return respondent_flags(make_dataset(rows, inst).responses, inst).set_index(
        "respondent_id")


# -- straight-lining ------------------------------------------------------------------


def test_straight_lining_by_hand():
    """Same raw answer on every core item answered, reverse-keyed items included, from
    ten answered items on."""
    ids = INST.item_ids
    one_off = {i: 5 for i in ids} | {ids[7]: 4}
    rows = [
        {"respondent_id": "all5", **{i: 5 for i in ids}},
        {"respondent_id": "all3", **{i: 3 for i in ids}},
        {"respondent_id": "cust2", "perspective": "customer",
         **{i: 2 for i in ids if i not in SETUP}},  # 30 items: experience and threshold
        {"respondent_id": "one_off", **one_off},
        {"respondent_id": "nine", **{i: 5 for i in ids[:9]}},  # too few to tell
        {"respondent_id": "ten", **{i: 5 for i in ids[:10]}},
        {"respondent_id": "keyed", **consistent(4)},  # the same KEYED answer is fine
    ]
    flags = flags_of(rows)
    assert flags["straight_lining"].to_dict() == {
        "all5": True, "all3": True, "cust2": True, "one_off": False, "nine": False,
        "ten": True, "keyed": False}
    assert flags["answered"].to_dict() == {"all5": 51, "all3": 51, "cust2": 30,
                                           "one_off": 51, "nine": 9, "ten": 10, "keyed": 51}
    # agreeing with every statement and its opposite contradicts in all nine cells; the
    # midpoint never does
    assert flags.at["all5", "contradicting_cells"] == 9 and flags.at["all5", "contradictory"]
    assert flags.at["all3", "contradicting_cells"] == 0
    # the minimum is a setting
    strict = INST.with_thresholds({"straight_lining_min_items": 11})
    assert not flags_of(rows, strict).at["ten", "straight_lining"]


def test_flags_on_the_newest_instrument(latest_instrument):
    """The newest instrument's cells (set-up 8 items, threshold 4 of them 1 reverse-keyed,
    customers asked 7 x 3 experience + 4 x 3 threshold items) are the ones counted."""
    inst = latest_instrument
    assert inst.version != SAMPLE_VERSION and len(inst.item_ids) == 3 * (7 + 8 + 4)
    setup = {i.id for i in inst.items if i.lens == "setup"}
    rows = [{"respondent_id": "all5", **{i: 5 for i in inst.item_ids}},
            {"respondent_id": "cust2", "perspective": "customer",
             **{i: 2 for i in inst.item_ids if i not in setup}}]
    flags = flags_of(rows, inst)
    assert flags["answered"].to_dict() == {"all5": 57, "cust2": 33}
    assert flags["straight_lining"].all()
    # every cell has a reverse-keyed item: agreeing throughout contradicts in all nine
    assert flags["contradicting_cells"].to_dict() == {"all5": 9, "cust2": 6}


def test_straight_lining_function_on_arrays():
    raw = np.array([[1, 1, np.nan, 1], [2, 2, 2, 3], [np.nan] * 4, [4, 4, 4, 4]], dtype=float)
    assert straight_lining(raw, 3).tolist() == [True, False, False, True]
    assert straight_lining(raw, 4).tolist() == [False, False, False, True]


# -- contradictions ---------------------------------------------------------------------


def test_contradictions_by_hand():
    """In a cell: agreeing (>= 4) or disagreeing (<= 2) both with a reverse-keyed item and
    with the mean of the forward items answered. One cell is not enough, two are."""
    oe_f, oe_r = cell(OE, "experience")
    ci_f, ci_r = cell(CI, "setup")
    thr_f, thr_r = cell(OE, "threshold")
    set_f, set_r = cell(OE, "setup")
    assert len(oe_r) == 2 and len(ci_f) == 5 and (len(thr_f), len(thr_r)) == (2, 1)

    one = consistent() | dict.fromkeys(oe_r, 4)  # forward 4 (agree), reverse 4 (agree)
    # ... and in CI set-up forward 2 (disagree) with a reverse-keyed 1 (disagree too)
    two = one | dict.fromkeys(ci_f, 2) | {ci_r[0]: 1}
    neutral = (consistent() | dict.fromkeys(oe_r, 3)  # a neutral opposite: no conflict
               # forward mean 3.4 is no agreement, so a reverse 5 contradicts nothing
               | dict(zip(ci_f, [3, 4, 3, 4, 3], strict=True)) | dict.fromkeys(ci_r, 5))
    # forward mean exactly 4 (5 and 3) against a reverse 4; in OE set-up only one forward
    # item answered (2) against a reverse 2, the other items blank
    edge = (consistent() | dict(zip(thr_f, [5, 3], strict=True)) | {thr_r[0]: 4}
            | dict.fromkeys(set_f + set_r, None) | {set_f[0]: 2, set_r[0]: 2})
    # a cell whose reverse-keyed items are all blank cannot contradict
    blank = one | dict.fromkeys(oe_r, None)
    rows = [dict(respondent_id=k, **v) for k, v in
            {"one": one, "two": two, "neutral": neutral, "edge": edge, "blank": blank}.items()]
    flags = flags_of(rows)
    assert flags["contradicting_cells"].to_dict() == {"one": 1, "two": 2, "neutral": 0,
                                                      "edge": 2, "blank": 0}
    assert flags["contradictory"].to_dict() == {"one": False, "two": True, "neutral": False,
                                                "edge": True, "blank": False}
    assert not flags["straight_lining"].any()
    # the number of cells is a setting
    assert flags_of(rows, INST.with_thresholds({"contradiction_cells": 1})).at[
        "one", "contradictory"]
    # the array function agrees
    raw = core_answers(make_dataset(rows).responses, INST)
    assert contradicting_cells(raw, INST).tolist() == [1, 2, 0, 2, 0]


def test_flags_ignore_the_integration_section():
    """Only the core items count: straight answers to the integration section alone are
    no straight-lining."""
    integ = make_dataset([{}]).integration
    row = {"respondent_id": "i", **{i: 5 for i in integ.item_ids}}
    flags = flags_of([row])
    assert flags.at["i", "answered"] == 0 and not flags.at["i", "straight_lining"]


# -- datasets for the table comparisons -----------------------------------------------


def portfolio(rng: np.random.Generator, companies: dict[str, tuple[int, int]],
              straight: int = 2, contra: int = 2, blank: float = 0.1) -> list[dict]:
    """Respondents whose keyed answers follow a personal level per discipline (so alpha is
    meaningful), plus ``straight`` straight-liners and ``contra`` respondents contradicting
    in two cells, per company (n customers, n staff)."""
    rows = []
    for cid, (n_cust, n_staff) in companies.items():
        for k in range(n_cust + n_staff + straight + contra):
            extra = k >= n_cust + n_staff  # the flagged ones: staff and customers in turn
            persp = "customer" if k < n_cust or (extra and k % 2) else "internal"
            r = {"company_id": cid, "respondent_id": f"{cid}-{k:03d}", "perspective": persp,
                 "department": "" if persp == "customer" else ("Sales", "Ops", "R&D")[k % 3]}
            level = {d: rng.uniform(1.5, 4.5) for d in va.DISCIPLINES}
            for item in INST.item_ids:
                if (persp == "customer" and item in SETUP) or rng.random() < blank:
                    continue
                it = INST.item(item)
                v = int(np.clip(round(level[it.discipline] + rng.normal(0, 0.8)), 1, 5))
                r[item] = 6 - v if it.reverse else v
            if k >= n_cust + n_staff + contra:  # straight-liners, on the midpoint
                r.update({i: 3 for i in r if i in INST.item_ids})
            elif k >= n_cust + n_staff:  # contradicting in two cells
                for d, lens in ((OE, "experience"), (PL, "threshold")):
                    fwd, rev = cell(d, lens)
                    r.update(dict.fromkeys(fwd, 5) | dict.fromkeys(rev, 5))
            rows.append(r)
    return rows


def sort(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("wave", "company_id", "discipline", "lens", "perspective",
                        "department", "respondent_id", "scale", "block") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True) if keys else df.reset_index(drop=True)


def same(a: pd.DataFrame, b: pd.DataFrame, name: str) -> None:
    a, b = sort(a), sort(b)
    pd.testing.assert_frame_equal(a, b[list(a.columns)], check_dtype=False,
                                  check_index_type=False, check_column_type=False,
                                  atol=1e-9, obj=name)


TABLES = ("respondents", "company", "profile", "lens_gaps", "blind_spots", "departments",
          "hidden_departments", "dropped", "reliability", "company_reliability",
          "integration")


@pytest.mark.parametrize("exclude", [False, True])
def test_score_and_score_company_give_the_same_quality_tables(exclude):
    rng = np.random.default_rng(11)
    inst = INST.with_thresholds({"exclude_flagged": exclude})
    for sizes in [(8, 6), (15, 20), (0, 12), (3, 4)]:
        ds = make_dataset(portfolio(rng, {"x": sizes}), inst)
        slow, fast = va.score(ds), score_company(ds)
        assert slow.flags["straight_lining"].sum() == 2
        assert slow.flags["contradictory"].sum() >= 2
        assert slow.flags["excluded"].sum() == (slow.flags[["straight_lining",
                                                            "contradictory"]].any(axis=1).sum()
                                                if exclude else 0)
        same(slow.flags, fast.flags, "flags")
        same(slow.company_reliability, fast.company_reliability, "company_reliability")
        for name in ("respondents", "company", "profile", "reliability"):
            same(getattr(slow, name), getattr(fast, name), name)


def test_exclusion_is_dropping_the_flagged_rows():
    """With exclude_flagged every table is what the file without the flagged rows gives;
    the flags still list everyone."""
    rng = np.random.default_rng(5)
    rows = portfolio(rng, {"a": (12, 14), "b": (6, 9)})
    on = INST.with_thresholds({"exclude_flagged": True})
    excluded = va.score(make_dataset(rows, on))
    flagged = set(excluded.flags.loc[excluded.flags["excluded"], "respondent_id"])
    assert len(flagged) >= 8 and len(excluded.flags) == len(rows)
    dropped = va.score(make_dataset([r for r in rows if r["respondent_id"] not in flagged]))
    kept_all = va.score(make_dataset(rows))
    for name in TABLES:
        same(getattr(excluded, name), getattr(dropped, name), name)
    assert not set(excluded.respondents["respondent_id"]) & flagged
    # and it changes the scores (straight-liners and contradictions pull the means)
    diff = (sort(excluded.company)["mean"] - sort(kept_all.company)["mean"]).abs()
    assert len(excluded.company) == len(kept_all.company) and diff.max() > 0.01


def test_exclusion_on_the_sample_data():
    """On the sample (23 respondents contradict in one cell): with one cell enough, the
    excluded respondents' rows are gone from every score."""
    ds = va.load_dataset("data/sample")
    th = {"contradiction_cells": 1}
    flags = respondent_flags(ds.responses, ds.instrument.with_thresholds(th))
    assert flags["contradictory"].sum() == 23
    on = dataclasses.replace(ds, instrument=ds.instrument.with_thresholds(
        th | {"exclude_flagged": True}))
    off = dataclasses.replace(ds, instrument=ds.instrument.with_thresholds(th),
                              responses=ds.responses[~flags["contradictory"].to_numpy()
                                                     ].reset_index(drop=True))
    a, b = va.score(on), va.score(off)
    for name in TABLES:
        same(getattr(a, name), getattr(b, name), name)
    assert a.flags["excluded"].sum() == 23 and b.flags["excluded"].sum() == 0


def test_everyone_excluded_leaves_no_scores():
    inst = INST.with_thresholds({"exclude_flagged": True})
    ds = make_dataset([{i: 5 for i in INST.item_ids} for _ in range(3)], inst)
    for scores in (va.score(ds), score_company(ds)):
        assert scores.flags["excluded"].all() and scores.company.empty
        assert scores.company_reliability.empty


# -- alpha per company ------------------------------------------------------------------


def test_company_alpha_is_cronbach_alpha_of_the_company_block(sample_dataset, sample_scores):
    """Per company, wave and scale: the keyed answers of the company's respondents who
    answered the scale (customers and staff), from rules.cronbach_alpha and, independently,
    pingouin; NaN under min_alpha_respondents; low_alpha under min_alpha."""
    pingouin = pytest.importorskip("pingouin")
    assert sample_dataset.instrument.version == SAMPLE_VERSION == INST.version
    rel = sample_scores.company_reliability
    resp = sample_dataset.responses
    lo, hi = INST.scale.min, INST.scale.max
    assert len(rel) == 11 * 9  # every company-wave of the sample, every scale
    for row in rel.itertuples():
        ids = [i.id for i in INST.cell_items(row.discipline, row.lens)]
        mine = resp[(resp["company_id"] == row.company_id) & (resp["wave"] == row.wave)]
        block = pd.DataFrame(keyed(mine[ids].to_numpy(float),
                                   np.array([INST.item(i).reverse for i in ids]), lo, hi),
                             columns=ids).dropna(how="all")
        assert row.n_respondents == len(block) and row.n_items == len(ids)
        if len(block) < 10:
            assert np.isnan(row.alpha) and not row.low_alpha
            continue
        assert row.alpha == pytest.approx(cronbach_alpha(block), abs=1e-12)
        ref, _ = pingouin.cronbach_alpha(block, nan_policy="pairwise")
        assert row.alpha == pytest.approx(ref, abs=1e-9)
        assert row.low_alpha == (row.alpha < 0.6)
    assert rel["low_alpha"].any() and (~rel["low_alpha"] & rel["alpha"].notna()).any()
    # both settings are honoured
    strict = INST.with_thresholds({"min_alpha_respondents": 46, "min_alpha": 0.2})
    other = company_reliability(resp, strict)
    pc = other[(other["company_id"] == "pcmaker") & (other["wave"] == "2026-Q1")]
    assert pc["alpha"].isna().all()  # 45 and 22 respondents
    assert (other["low_alpha"] == (other["alpha"] < 0.2)).all()


def test_settings_yaml_accepts_the_quality_settings(tmp_path, latest_instrument):
    settings = {"exclude_flagged": True, "contradiction_cells": 3, "min_alpha": 0.7,
                "min_alpha_respondents": 5, "straight_lining_min_items": 12}
    ds = va.load_dataset(good_dataset(tmp_path / "ok", settings={"thresholds": settings}))
    th = ds.instrument.thresholds
    assert {k: getattr(th, k) for k in settings} == settings
    assert latest_instrument.thresholds.exclude_flagged is False  # the default
    with pytest.raises(DatasetError) as err:
        va.load_dataset(good_dataset(tmp_path / "bad", settings={
            "thresholds": {"contradiction_cells": 0, "min_alpha_respondents": 1}}))
    text = str(err.value)
    assert "settings.yaml" in text and "contradiction_cells" in text
    assert "min_alpha_respondents" in text  # every problem at once


# -- report and summary.json ------------------------------------------------------------


def quality_dataset(exclude: bool) -> va.Dataset:
    """Company x: 30 respondents with consistent answers, 2 straight-liners and 2 who
    contradict in two cells; its PL threshold scale answered at random (a low alpha)."""
    rng = np.random.default_rng(2)
    rows = portfolio(rng, {"x": (12, 18)})
    for r in rows:
        for i in cell(PL, "threshold")[0] + cell(PL, "threshold")[1]:
            if i in r and not r["respondent_id"].endswith(("30", "31", "32", "33")):
                r[i] = int(rng.integers(1, 6))
    return make_dataset(rows, INST.with_thresholds({"exclude_flagged": exclude}))


@pytest.mark.parametrize("exclude", [False, True])
def test_report_counts_flags_and_warns_of_a_low_alpha(exclude):
    ds = quality_dataset(exclude)
    rep = report_for(ds, "x")
    html = rep.quality_html()
    rel = rep.scores.rows("company_reliability", "x", "")
    low = rel[rel["low_alpha"]]
    assert len(low) >= 1 and "threshold" in set(low["lens"])
    assert html.count("va-badge va-warning") == len(low)
    for r in low.itertuples():
        assert (f"alpha {r.alpha:.2f} from {r.n_respondents} respondents (below 0.60)"
                in html)
    assert "Of 34 respondents, 2 gave the same answer" in html
    assert "2 contradicted themselves in at least 2 scales" in html
    assert ("left out of every score" in html) == exclude
    assert ("are included in the scores" in html) == (not exclude)
    assert "x-03" not in html  # never a respondent id
    assert rep.quality_html() and report_for(ds, "x", lang="de").quality_html().count(
        "Geringe Reliabilität") == len(low)
    table = quality_view(rep)["alpha_columns"]
    assert [c.heading for c in table][-2:] == ["Cronbach's alpha", "Reliability"]


def test_report_says_when_nobody_is_flagged():
    rows = [dict(consistent(v), respondent_id=f"r{k}", department="Ops")
            for k, v in enumerate([2, 4, 5, 4, 2, 5])]  # (3 would be all 3s)
    html = report_for(make_dataset(rows), "x").quality_html()
    assert "None of the 6 respondents gave the same answer throughout" in html
    assert "fewer than 10 respondents" in html  # no company alpha for six respondents


@pytest.mark.parametrize("exclude", [False, True])
def test_summary_json_counts_flagged_respondents(tmp_path, exclude):
    ds = quality_dataset(exclude)
    scores = va.score(ds)
    write_outputs(tmp_path, ds, scores, va.diagnose(scores))
    text = (tmp_path / "summary.json").read_text(encoding="utf-8")
    q = json.loads(text)["companies"][0]["data_quality"]
    assert (q["respondents"], q["straight_lining"], q["contradictory"], q["flagged"],
            q["excluded"]) == (34, 2, 2, 4, exclude)
    rel = scores.company_reliability
    assert [(w["lens"], w["discipline"]) for w in q["alpha_warnings"]] == [
        (r.lens, r.discipline) for r in rel[rel["low_alpha"]].itertuples()]
    for r in rel.itertuples():
        got = q["alpha"][r.lens][r.discipline]
        assert got["n_respondents"] == r.n_respondents
        assert got["alpha"] == pytest.approx(r.alpha, abs=1e-4)
    assert "x-03" not in text  # never a respondent id
    # scores.csv holds the scores the exclusion left
    csv = pd.read_csv(tmp_path / "scores.csv")
    core = csv[csv["section"] == "disciplines"]
    n_all = core[(core["lens"] == "experience") & (core["perspective"] == "all")]["n"].max()
    assert n_all == (30 if exclude else 34)


def test_item_means_leave_the_excluded_respondents_out():
    """Section 6 reads the answers themselves: with exclude_flagged its item means and
    counts are those of the company's other respondents (by hand), as every score is."""
    ds = quality_dataset(True)
    rep = report_for(ds, "x")
    flags = rep.scores.flags
    flagged = flags["excluded"].to_numpy()
    assert flagged.sum() == 4 and len(flags) == len(ds.responses) == 34
    resp = ds.responses
    groups = {"experience": rep.experience_group, "setup": "internal"}
    means = item_means(rep).set_index("item_id")
    included = item_means(report_for(quality_dataset(False), "x")).set_index("item_id")
    for item in INST.items:
        lo_hi = INST.scale.min + INST.scale.max
        answers = resp.loc[(resp["perspective"] == groups[item.lens]).to_numpy() & ~flagged,
                           item.id].dropna()
        keyed_answers = lo_hi - answers if item.reverse else answers
        assert means.at[item.id, "n"] == len(keyed_answers)
        assert means.at[item.id, "mean"] == pytest.approx(keyed_answers.mean(), abs=1e-12)
    # without the setting the four flagged respondents count (two of them staff)
    assert (included["n"] - means["n"]).loc[[i.id for i in INST.items
                                             if i.lens == "setup"]].max() == 2
    assert not np.allclose(included["mean"], means["mean"])
    assert len(rep.answers.perspective) == 30  # the flagged rows are gone
