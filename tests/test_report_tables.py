"""The report's per-company lookups (:mod:`assessment.present.report.tables`) against the
straightforward pandas computation they replace.

For every company and wave of the sample data and of a small synthetic dataset (waves,
blanks, answers that are not whole numbers, small departments, a company without
respondents, hostile names), each lookup and each report section built on it gives what
filtering the whole-dataset tables gives: the same rows, index, dtypes and numbers (bit for
bit). The reference functions below are the report's code before the lookups. The display
table written without pandas is compared with ``DataFrame.to_html`` on hostile text.
"""

from __future__ import annotations

import gc
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.instrument.models import LENSES, THRESHOLD_LENS
from assessment.present.report import core as rp
from assessment.present.report import tables as rt
from assessment.scoring import cache
from assessment.scoring.rules import OUTSIDE_IN, cronbach_alpha, keyed

from .conftest import SAMPLE, make_dataset

HOSTILE = "<img src=x onerror=alert(1)>"
OE, CI, PL = va.DISCIPLINES


def exact(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(got, expected, check_exact=True, check_index_type=True,
                       check_column_type=True)


def synthetic() -> va.Dataset:
    """Four companies over two waves (one company in the first only, one without any
    respondent): answers that are not whole numbers with blanks, departments of every
    size, integration answers for some, hostile names and industries."""
    inst = va.load_instrument()
    integ = load_integration()
    rng = np.random.default_rng(11)
    rows = []
    plan = {"a&b": ("2025", "2026"), HOSTILE: ("2026",), "c": ("2025", "2026"),
            "d": ("2025",)}
    for c, (cid, waves) in enumerate(plan.items()):
        for wave in waves:
            for k in range(9 + 4 * c):
                persp = "customer" if k % 3 == 0 else "internal"
                row = {"company_id": cid, "respondent_id": f"{c}{wave}{k}", "wave": wave,
                       "perspective": persp,
                       "department": "" if persp == "customer" else
                       ("Ops", "<b>Sales</b>", "R&D  x")[k % 3 if c % 2 else k % 2]}
                items = [*inst.items, *inst.threshold_items]
                if cid != "d":
                    items += integ.items
                for it in items:
                    if cid == "c" or rng.random() < 0.85:  # c: no blanks
                        row[it.id] = float(rng.uniform(1, 5) if c % 2 else rng.integers(1, 6))
                rows.append(row)
    ds = make_dataset(rows, companies=[*plan, "none"])
    ds.companies["name"] = ["A & B", HOSTILE, "C  c", "D", "None"]
    ds.companies["industry"] = ["x", "X ", " x", HOSTILE, ""]
    return ds


@pytest.fixture(scope="module", params=["sample", "synthetic"])
def scored(request):
    ds = va.load_dataset(SAMPLE) if request.param == "sample" else synthetic()
    return ds, va.score(ds)


def company_waves(ds: va.Dataset) -> list[tuple[str, str]]:
    """Every company with every wave of the dataset (with and without rows), and a
    company that does not exist."""
    return [(c, w) for c in [*ds.companies["company_id"], "nope"] for w in ds.waves]


def reports(ds, scores):
    """The report of every company in every wave that has data or is its latest."""
    for cid in ds.companies["company_id"]:
        for wave in {"", *scores.profile.loc[scores.profile["company_id"] == cid, "wave"]}:
            yield rp.report_for(ds, cid, wave=wave, scores=scores)


def masked(df: pd.DataFrame, cid: str, wave: str) -> pd.DataFrame:
    return df[(df["company_id"] == cid) & (df["wave"] == wave)]


# -- the lookups --------------------------------------------------------------------------


def test_rows_are_the_filtered_rows(scored):
    ds, scores = scored
    tables = rt.tables_for(ds, scores)
    frames = {"responses": ds.responses, **{n: getattr(scores, n) for n in rt.SCORE_TABLES}}
    n_rows = 0
    for name, df in frames.items():
        if df is None or df.empty:
            continue
        for cid, wave in company_waves(ds):
            got = tables.rows(name, cid, wave)
            exact(got, masked(df, cid, wave))
            n_rows += len(got)
            if len(got):  # a caller changing its rows changes nobody else's
                got.iloc[:, -1] = got.iloc[0, -1]
                got.loc[:, "company_id"] = "changed"
                exact(tables.rows(name, cid, wave), masked(df, cid, wave))
    assert n_rows > len(ds.responses)


def test_a_table_of_one_company_and_wave_is_returned_whole(instrument):
    ds = make_dataset([{"company_id": "x", "perspective": "customer"}])
    scores = va.score(ds)
    got = rt.tables_for(ds, scores).rows("responses", "x", "")
    exact(got, masked(ds.responses, "x", ""))
    assert isinstance(got.index, pd.RangeIndex) and got is not ds.responses


def test_answers_are_the_company_rows_as_numbers(scored):
    ds, scores = scored
    tables = rt.tables_for(ds, scores)
    ids = ds.instrument.item_ids
    for cid, wave in company_waves(ds):
        resp = masked(ds.responses, cid, wave)
        answers = tables.answers(cid, wave)
        expected = resp[ids].to_numpy(dtype=float)
        np.testing.assert_array_equal(answers.raw, expected)
        assert answers.raw.strides == expected.strides or len(resp) <= 1  # same layout
        assert answers.ids == ids
        assert list(answers.perspective) == list(resp["perspective"])
        assert list(answers.department) == list(resp["department"])


def test_first_rows_are_the_first_filtered_rows(scored):
    ds, scores = scored
    tables = rt.tables_for(ds, scores)
    checks = [("company", ["lens", "perspective", "discipline"], ["mean", "n", "rwg"]),
              ("blind_spots", ["discipline"], ["internal", "customer", "diff"]),
              ("dropped", [], ["n_scores", "n_dropped"])]
    for name, key, columns in checks:
        for cid, wave in company_waves(ds):
            sub = masked(getattr(scores, name), cid, wave)
            expected: dict = {}
            for _, row in sub.iterrows():
                expected.setdefault(tuple(row[key]), tuple(row[columns]))
            got = tables.first_rows(name, key, columns, cid, wave)
            assert list(got) == list(expected)
            for k, values in expected.items():
                np.testing.assert_array_equal(np.array(got[k], dtype=float),
                                              np.array(values, dtype=float))


def test_comparison_rows_are_the_straightforward_computation(scored):
    ds, scores = scored
    tables = rt.tables_for(ds, scores)
    prof = scores.profile
    cols = ["company_id", "wave", "lens", "discipline", "mean"]
    n_others = 0
    for cid, wave in company_waves(ds):
        upto = prof[prof["wave"] <= wave]
        candidates = sorted(set(upto.loc[(upto["company_id"] != cid) & upto["mean"].notna(),
                                         "company_id"]))
        assert [c for c in tables.comparison_pool(wave)[0] if c != cid] == candidates
        for ids in (candidates, candidates[::2], []):
            others = upto[upto["company_id"].isin(ids) & upto["mean"].notna()]
            latest = others.groupby("company_id")["wave"].transform("max")
            others = others[others["wave"] == latest]
            expected = pd.concat([masked(prof, cid, wave), others], ignore_index=True)[cols]
            exact(tables.comparison_rows(cid, wave, ids, cols), expected)
            n_others += len(others)
    assert n_others > 0


def test_cronbach_alpha_without_the_dataframe_is_the_same_number():
    rng = np.random.default_rng(3)
    for trial in range(600):
        m, k = int(rng.integers(1, 40)), int(rng.integers(1, 9))
        values = (rng.integers(1, 6, (m, k)).astype(float) if trial % 2
                  else rng.uniform(1, 5, (m, k)))
        if trial % 3:
            values[rng.random((m, k)) < rng.random() * 0.6] = np.nan
        values = np.asfortranarray(values)  # as the report's answers are laid out
        frame = pd.DataFrame(values).dropna(how="all")
        kept = rt.answered_rows(values)
        assert len(kept) == len(frame)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            expected, got = cronbach_alpha(frame), rt.cronbach_alpha_of(kept)
        assert got == expected or (np.isnan(got) and np.isnan(expected)), (trial, got,
                                                                            expected)


# -- the display table --------------------------------------------------------------------


def _hostile_text(rng) -> str:
    pieces = ["<b>", "</td>", "&amp;", "&", "<", ">", '"', "'", " ", "  ", "   ", "\t",
              "\n", "\r\n", "\xa0", "\u3000", "é", "ß", "😀", "nan", "None", "–", "x",
              "{0}", "\\t", "1.5"]
    return "".join(rng.choice(pieces, size=int(rng.integers(0, 7))))


def test_display_tables_are_pandas_to_html_byte_for_byte():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n_cols, n_rows = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        columns = {}
        for j in range(n_cols):
            name = _hostile_text(rng) + str(j)  # names must differ
            if rng.random() < 0.3:
                columns[name] = [int(v) for v in rng.integers(-50, 500, n_rows)]
            elif rng.random() < 0.1:
                columns[name] = list(rng.integers(0, 9, n_rows))  # numpy integers
            else:
                columns[name] = [_hostile_text(rng) for _ in range(n_rows)]
        fast = rt.html_table(columns)
        assert fast is not None
        assert fast == rp.table_html(pd.DataFrame(columns)), columns


@pytest.mark.parametrize("column", [[1.5, 2.0], ["a", None], [True, False], ["a", np.nan],
                                    []])
def test_display_tables_pandas_writes_itself(column):
    columns = {"x": column, "y": [str(i) for i in range(len(column))]}
    assert rt.html_table(columns) is None  # floats, missing values, booleans, no rows
    assert rp._table(columns) == rp.table_html(pd.DataFrame(columns))


# -- the report's sections against the code they replace ---------------------------------


def ref_item_means(rep) -> pd.DataFrame:
    inst = rep.instrument
    items = inst.items
    ids = [i.id for i in items]
    resp = masked(rep.dataset.responses, rep.company_id, rep.wave)
    rev = np.array([i.reverse for i in items])
    vals = keyed(resp[ids].to_numpy(dtype=float), rev, inst.scale.min, inst.scale.max)
    exp_group = "customer" if rep.diagnosis.experience_source == OUTSIDE_IN else "internal"
    persp = resp["perspective"].to_numpy()
    min_n = inst.thresholds.min_group_size
    lens = np.array([i.lens for i in items])
    mean = np.full(len(items), np.nan)
    count = np.zeros(len(items), dtype=int)
    for lens_name, group in (("experience", exp_group), ("setup", "internal")):
        rows = vals[persp == group]
        cols = lens == lens_name
        if len(rows) < min_n:
            continue
        sub = rows[:, cols]
        n = (~np.isnan(sub)).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nansum(sub, axis=0) / n
        mean[cols] = np.where(n >= min_n, m, np.nan)
        count[cols] = n
    return pd.DataFrame({"item_id": ids, "discipline": [i.discipline for i in items],
                         "lens": lens, "reverse": rev,
                         "text": [i.text.get(rep.lang) for i in items], "mean": mean,
                         "n": count})


def ref_item_detail(rep, k: int = rp.ITEMS_PER_END) -> pd.DataFrame:
    means = ref_item_means(rep)
    means = means[means["mean"].notna()]
    frames = []
    for lens in LENSES:
        for d in va.DISCIPLINES:
            cell = means[(means["lens"] == lens) & (means["discipline"] == d)]
            if cell.empty:
                continue
            top = cell.sort_values("mean", ascending=False, kind="stable").head(k)
            low = cell.drop(index=top.index).sort_values("mean", kind="stable").head(k)
            frames += [top.assign(position="strongest"), low.assign(position="weakest")]
    cols = ["lens", "discipline", "position", "item_id", "text", "reverse", "mean", "n"]
    if not frames:
        return pd.DataFrame(columns=cols)
    return pd.concat(frames, ignore_index=True)[cols]


def ref_respondents_table(rep) -> pd.DataFrame:
    inst = rep.instrument
    resp = masked(rep.dataset.responses, rep.company_id, rep.wave)
    setup_ids = {i.id for i in inst.items if i.lens == "setup"}
    asked_customer = [i for i in inst.item_ids if i not in setup_ids]
    answered = resp[inst.item_ids].notna()
    cust = (resp["perspective"] == "customer").to_numpy()
    staff = ~cust

    def share(mask, cols):
        return (float(answered.loc[mask, cols].to_numpy().mean()) if mask.any()
                else float("nan"))

    rows = [{"group": "customers", "departments": 0, "n": int(cust.sum()),
             "answered": share(cust, asked_customer)},
            {"group": "staff", "departments": 0, "n": int(staff.sum()),
             "answered": share(staff, inst.item_ids)}]
    shown = set(masked(rep.scores.departments, rep.company_id, rep.wave)["department"])
    dept = resp["department"].to_numpy()
    for name in sorted(shown):
        mask = staff & (dept == name)
        rows.append({"group": f"department:{name}", "departments": 1, "n": int(mask.sum()),
                     "answered": share(mask, inst.item_ids)})
    other = staff & ~np.isin(dept, list(shown))
    if other.any():
        rows.append({"group": "other_departments", "departments": len(set(dept[other])),
                     "n": int(other.sum()), "answered": share(other, inst.item_ids)})
    return pd.DataFrame(rows)


def ref_scales_table(rep) -> pd.DataFrame:
    inst = rep.instrument
    prof = masked(rep.scores.profile, rep.company_id, rep.wave).set_index(["lens",
                                                                          "discipline"])
    comp = masked(rep.scores.company, rep.company_id, rep.wave)
    thr = comp[(comp["lens"] == THRESHOLD_LENS) & (comp["perspective"] == "all")]
    thr = thr.set_index(["lens", "discipline"])
    rel = rep.scores.reliability.set_index(["lens", "discipline"])
    resp = masked(rep.dataset.responses, rep.company_id, rep.wave)
    persp = resp["perspective"].to_numpy()
    exp_group = "customer" if rep.diagnosis.experience_source == OUTSIDE_IN else "internal"
    groups = {"experience": persp == exp_group, "setup": persp == "internal",
              THRESHOLD_LENS: np.ones(len(resp), dtype=bool)}
    rows = []
    for d, lens in inst.cells():
        src = prof if lens in LENSES else thr
        key = (lens, d)
        row = src.loc[key] if key in src.index else None
        ids = [i.id for i in inst.cell_items(d, lens)]
        revs = np.array([inst.item(i).reverse for i in ids])
        block = resp.loc[groups[lens], ids]
        vals = pd.DataFrame(keyed(block.to_numpy(dtype=float), revs, inst.scale.min,
                                  inst.scale.max)).dropna(how="all")
        alpha = float("nan")
        if len(vals) >= max(inst.thresholds.min_group_size, 3):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                alpha = cronbach_alpha(vals)
        rows.append({
            "lens": lens, "discipline": d, "n": int(row["n"]) if row is not None else 0,
            **{c: (float(row[c]) if row is not None else np.nan)
               for c in ("mean", "sd", "ci_low", "ci_high", "rwg")},
            "alpha_company": alpha,
            "alpha_dataset": float(rel.at[key, "alpha"]) if key in rel.index else np.nan})
    return pd.DataFrame(rows)


def ref_blind_spot_table(rep) -> pd.DataFrame | None:
    th = rep.instrument.thresholds
    blind = masked(rep.scores.blind_spots, rep.company_id, rep.wave)
    if blind.empty or rep.diagnosis.experience_source != OUTSIDE_IN:
        return None
    out = blind.set_index("discipline").reindex(list(va.DISCIPLINES)).reset_index()
    out = out[["discipline", "internal", "customer", "diff"]].copy()
    out["reading"] = np.select(
        [out["diff"] >= th.blind_spot_gap - 1e-9, out["diff"] <= -th.blind_spot_gap + 1e-9],
        ["overestimate", "underestimate"], "close")
    return out


def ref_comparison_group(rep) -> tuple[list[str], str]:
    prof = rep.scores.profile
    prof = prof[(prof["wave"] <= rep.wave) & (prof["company_id"] != rep.company_id)]
    candidates = sorted(set(prof.loc[prof["mean"].notna(), "company_id"]))
    if not candidates:
        return [], "none"
    norm = rep.dataset.companies.set_index("company_id")["industry"]
    norm = norm.astype(str).str.strip().str.casefold()
    mine = norm.get(rep.company_id, "")
    same = [c for c in candidates if mine and norm.get(c, None) == mine]
    if mine and len(same) + 1 >= rp.MIN_INDUSTRY_COMPANIES:
        return same, "industry"
    return candidates, "all"


def ref_comparison_data(rep) -> pd.DataFrame:
    ids, _ = ref_comparison_group(rep)
    prof = rep.scores.profile
    prof = prof[prof["wave"] <= rep.wave]
    others = prof[prof["company_id"].isin(ids) & prof["mean"].notna()]
    latest = others.groupby("company_id")["wave"].transform("max")
    others = others[others["wave"] == latest]
    data = pd.concat([masked(rep.scores.profile, rep.company_id, rep.wave), others],
                     ignore_index=True)
    comp = rep.dataset.companies
    data = data.assign(name=data["company_id"].map(dict(zip(comp["company_id"], comp["name"],
                                                            strict=True))))
    return data[["company_id", "name", "wave", "lens", "discipline", "mean"]]


def ref_comparison(rep) -> pd.DataFrame:
    data = ref_comparison_data(rep)
    rows = []
    for lens in LENSES:
        for d in va.DISCIPLINES:
            cell = data[(data["lens"] == lens) & (data["discipline"] == d)]
            own = cell.loc[cell["company_id"] == rep.company_id, "mean"]
            own_v = float(own.iloc[0]) if len(own) else np.nan
            oth = cell.loc[cell["company_id"] != rep.company_id, "mean"].dropna()
            oth = oth.to_numpy(dtype=float)
            mean = float(oth.mean()) if len(oth) else np.nan
            ok = np.isfinite(own_v)
            rows.append({"lens": lens, "discipline": d, "company": own_v, "others_mean": mean,
                         "others_min": float(oth.min()) if len(oth) else np.nan,
                         "others_max": float(oth.max()) if len(oth) else np.nan,
                         "difference": own_v - mean,
                         "rank": int((oth > own_v).sum()) + 1 if ok else None,
                         "total": len(oth) + (1 if ok else 0)})
    return pd.DataFrame(rows)


def ref_gaps(rep) -> dict[str, tuple[float, float]]:
    prof = masked(rep.scores.profile, rep.company_id, rep.wave)
    out = {}
    for d in va.DISCIPLINES:
        vals = [prof.loc[(prof["lens"] == lens) & (prof["discipline"] == d), "mean"]
                for lens in LENSES]
        out[d] = tuple(float(v.iloc[0]) if len(v) else np.nan for v in vals)
    return out


def test_report_sections_equal_the_code_they_replace(scored):
    ds, scores = scored
    n = 0
    for rep in reports(ds, scores):
        where = (rep.company_id, rep.wave)
        comp = ds.companies
        hit = comp.loc[comp["company_id"] == rep.company_id]
        assert rep.name == ds.company_name(rep.company_id)
        assert rep.industry == (str(hit["industry"].iloc[0]) if len(hit) else "")
        for method in ("profile", "departments", "hidden_departments"):
            exact(getattr(rep, method)(), masked(getattr(scores, method), *where))
        exact(rep.item_means(), ref_item_means(rep))
        exact(rep.item_detail(), ref_item_detail(rep))
        exact(rep.respondents_table(), ref_respondents_table(rep))
        exact(rep.scales_table(), ref_scales_table(rep))
        blind = ref_blind_spot_table(rep)
        assert (rep.blind_spot_table() is None) == (blind is None)
        if blind is not None:
            exact(rep.blind_spot_table(), blind)
        gaps = rep.gaps_table().set_index("discipline")
        for d, (exp, setup) in ref_gaps(rep).items():
            np.testing.assert_array_equal(gaps.loc[d, ["experience", "setup"]].to_numpy(float),
                                          [exp, setup])
        assert rep.comparison_group() == ref_comparison_group(rep)
        exact(rep.comparison_data(), ref_comparison_data(rep))
        exact(rep.comparison(), ref_comparison(rep))
        waves = scores.profile.loc[scores.profile["company_id"] == rep.company_id, "wave"]
        earlier = sorted(w for w in set(waves) if w < rep.wave)
        assert rep.previous_wave == (earlier[-1] if earlier else None)
        drop = masked(scores.dropped, *where)
        assert rep.data_quality()["dropped"] == (
            {k: int(drop[k].iloc[0]) for k in ("n_scores", "n_dropped",
                                                "n_respondents_dropped")}
            if len(drop) else {"n_scores": 0, "n_dropped": 0, "n_respondents_dropped": 0})
        integ = (masked(scores.integration, *where) if scores.integration is not None
                 else pd.DataFrame(columns=["block", "scale", "perspective", "source"]))
        for block, scale, persp in zip(integ["block"], integ["scale"], integ["perspective"],
                                       strict=True):
            same = integ[(integ["block"] == block) & (integ["scale"] == scale)]
            for who, rows in ((persp, same[same["perspective"] == persp]),
                              (None, same[same["source"].astype(bool)])):
                got = rep._integration_value(block, scale, who)
                if rows.empty:
                    assert got[1] == 0 and np.isnan(got[0])
                    continue
                first = rows.iloc[0]
                assert got[1] == int(first["n"])
                expected = float(first["mean"]) if bool(first["shown"]) else np.nan
                assert got[0] == expected or (np.isnan(got[0]) and np.isnan(expected))
        n += 1
    assert n >= len(ds.companies)


# -- one set of tables per scored dataset -------------------------------------------------


@pytest.fixture()
def folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("companies.csv", "responses.csv"):
        shutil.copy2(SAMPLE / name, folder / name)
    cache.clear_dataset_cache()
    yield folder
    cache.clear_dataset_cache()


def test_the_reports_of_a_cached_dataset_share_its_tables(folder):
    shoes, airline = rp.build_report(folder, "shoes"), rp.build_report(folder, "airline")
    assert shoes.scores is not airline.scores  # each report has its own shallow copies
    assert shoes.tables is airline.tables
    assert rp.build_report(folder, "shoes", cache=False).tables is not shoes.tables
    cache.clear_dataset_cache()
    again = rp.build_report(folder, "shoes")
    assert again.tables is not shoes.tables
    exact(again.profile(), shoes.profile())
    # a changed file: a new dataset, new tables
    companies = folder / "companies.csv"
    companies.write_text(companies.read_text(encoding="utf-8").replace(
        "Stepwise Shoes", "Stepwise Shoes & Boots"), encoding="utf-8")
    changed = rp.build_report(folder, "shoes")
    assert changed.tables is not again.tables and changed.name == "Stepwise Shoes & Boots"


def test_a_replaced_table_is_read_again(sample_dataset):
    scores = va.score(sample_dataset)
    rep = rp.report_for(sample_dataset, "shoes", scores=scores)
    before = rep.tables
    assert rep.profile()["mean"].notna().all()
    scores.profile = scores.profile.assign(mean=1.0)
    later = rp.report_for(sample_dataset, "shoes", scores=scores)
    assert later.tables is not before
    assert (later.profile()["mean"] == 1.0).all() and len(later.profile()) == 6


def test_tables_are_kept_with_the_scores_and_shared_by_their_copies(instrument):
    from dataclasses import replace

    ds = make_dataset([{"company_id": "x", "perspective": "customer"}])
    scores = va.score(ds)
    tables = rt.tables_for(ds, scores)
    assert rt.tables_for(ds, scores) is tables
    copy = replace(scores, profile=scores.profile.copy(deep=False))
    assert rt.tables_for(ds, copy) is tables  # a shallow copy shares what was worked out
    scores.profile = scores.profile.assign(mean=1.0)  # a replaced table: made again
    assert rt.tables_for(ds, scores) is not tables
    assert rt.tables_for(ds, copy) is tables