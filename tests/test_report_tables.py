"""The report's sections against the straightforward pandas computation they replace, and
what the report's tables show.

For every company and wave of the sample data and of a small synthetic dataset (waves,
blanks, answers that are not whole numbers, small departments, a company without
respondents, hostile names), each section's data function gives what filtering the
whole-dataset tables gives: the same rows, dtypes and numbers. The reference functions
below are the report's code before the sections were split. The display tables are read
back from the page: headers and cells show the (hostile) texts exactly, escaped.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.instrument.models import LENSES, THRESHOLD_LENS
from assessment.present.report import base, comparison, items, quality
from assessment.present.report import core as rp
from assessment.present.report.render import Column, render_string
from assessment.scoring import cache
from assessment.scoring.rules import OUTSIDE_IN, cronbach_alpha, keyed

from .conftest import SAMPLE, make_dataset

HOSTILE = "<img src=x onerror=alert(1)>"
OE, CI, PL = va.DISCIPLINES


def exact(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """The same rows, columns, dtypes and numbers (an empty index may be a RangeIndex)."""
    assert_frame_equal(got, expected, check_exact=True, check_index_type="equiv",
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


# -- the company's answers and the comparison pool -----------------------------------------


def test_answers_are_the_company_rows_as_numbers(scored):
    ds, scores = scored
    ids = ds.instrument.item_ids
    for rep in reports(ds, scores):
        resp = masked(ds.responses, rep.company_id, rep.wave)
        answers = rep.answers
        np.testing.assert_array_equal(answers.raw, resp[ids].to_numpy(dtype=float))
        assert answers.ids == ids
        assert list(answers.perspective) == list(resp["perspective"])
        assert list(answers.department) == list(resp["department"])


def test_comparison_pool_is_the_straightforward_computation(scored):
    ds, scores = scored
    prof = scores.profile
    for wave in ds.waves:
        upto = prof[(prof["wave"] <= wave) & prof["mean"].notna()]
        latest = upto.groupby("company_id")["wave"].transform("max")
        kept = upto[upto["wave"] == latest]
        pool = comparison.comparison_pool(scores, wave)
        assert list(pool) == sorted(set(upto["company_id"]))
        for cid, pos in pool.items():
            np.testing.assert_array_equal(pos, np.flatnonzero(
                prof.index.isin(kept.index[kept["company_id"] == cid])))


def test_company_alpha_drops_unanswered_rows_and_needs_enough_of_them():
    """The company's alpha of a scale: the rows with an answer count; under the minimum
    group size (and under 3) there is none; otherwise it is ``cronbach_alpha`` of what
    ``DataFrame.dropna(how="all")`` keeps."""
    rng = np.random.default_rng(3)
    for trial in range(300):
        m, k = int(rng.integers(1, 40)), int(rng.integers(1, 9))
        values = (rng.integers(1, 6, (m, k)).astype(float) if trial % 2
                  else rng.uniform(1, 5, (m, k)))
        if trial % 3:
            values[rng.random((m, k)) < rng.random() * 0.6] = np.nan
        frame = pd.DataFrame(values).dropna(how="all")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = cronbach_alpha(frame) if len(frame) >= 5 else float("nan")
            got = quality._alpha(values, 5)
        assert got == pytest.approx(expected, rel=1e-12, nan_ok=True), (trial, got, expected)
    items3 = np.array([[1, 2, 2], [2, 2, 3], [4, 5, 4], [5, 4, 5], [np.nan] * 3, [3, 3, 3]])
    # the five answered rows: item variances 2.5, 1.7, 1.3 (sum 5.5); row totals 5, 7, 13,
    # 14, 9 with variance 14.8
    assert quality._alpha(items3, 5) == pytest.approx(1.5 * (1 - 5.5 / 14.8))
    assert np.isnan(quality._alpha(items3, 6))  # five rows answered, six needed


# -- the display table --------------------------------------------------------------------


class _Cells(HTMLParser):
    """The text of every header and cell of the tables of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self.tags: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = "".join(self._cell)
            (self.headers.append(text) if tag == "th" else self.rows[-1].append(text))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _hostile_text(rng) -> str:
    pieces = ["<b>", "</td>", "&amp;", "&", "<", ">", '"', "'", " ", "\t", "\xa0", "é",
              "ß", "😀", "nan", "None", "–", "x", "{0}", "{{ x }}", "<script>", "1.5"]
    return "".join(rng.choice(pieces, size=int(rng.integers(1, 7))))


def table_html(columns: list[Column]) -> str:
    return render_string('{% from "report/macros.html.j2" import table %}{{ table(columns) }}',
                         columns=columns)


def test_display_tables_show_headers_and_cells_as_text():
    rng = np.random.default_rng(5)
    for _ in range(200):
        n_cols, n_rows = int(rng.integers(1, 5)), int(rng.integers(1, 6))
        columns = []
        for j in range(n_cols):
            heading = _hostile_text(rng) + str(j)
            if rng.random() < 0.3:
                columns.append(Column(heading, [int(v) for v in rng.integers(-50, 500, n_rows)],
                                      "int"))
            else:
                columns.append(Column(heading, [_hostile_text(rng) for _ in range(n_rows)]))
        page = table_html(columns)
        parsed = _Cells()
        parsed.feed(page)
        assert parsed.headers == [c.heading for c in columns]
        body = [r for r in parsed.rows if r]
        assert body == [[str(c.values[i]) for c in columns] for i in range(n_rows)]
        # the only tags are the table's own: no text became markup
        assert set(parsed.tags) <= {"div", "table", "thead", "tbody", "tr", "th", "td"}


def test_display_tables_format_numbers_and_missing_values():
    columns = [Column("Mean", [3.14159, float("nan"), None], ".2f"),
               Column("Gap", [0.5, -0.25, float("inf")], "+.2f"),
               Column("Share", [0.875, 1.0, float("nan")], ".0%"),
               Column("n", [5, 12.0, np.int64(3)], "int"),
               Column("CI", [(2.5, 3.75), (float("nan"), 1.0), (1.0, float("nan"))], "range")]
    parsed = _Cells()
    parsed.feed(table_html(columns))
    assert parsed.headers == ["Mean", "Gap", "Share", "n", "CI"]
    assert [r for r in parsed.rows if r] == [
        ["3.14", "+0.50", "88%", "5", "2.50 – 3.75"],
        ["–", "-0.25", "100%", "12", "–"],
        ["–", "–", "–", "3", "1.00 – –"]]


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


def ref_item_detail(rep, k: int = items.ITEMS_PER_END) -> pd.DataFrame:
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
    if mine and len(same) + 1 >= comparison.MIN_INDUSTRY_COMPANIES:
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
                got = rep.integration_value(block, scale, who)
                if rows.empty:
                    assert got[1] == 0 and np.isnan(got[0])
                    continue
                first = rows.iloc[0]
                assert got[1] == int(first["n"])
                expected = float(first["mean"]) if bool(first["shown"]) else np.nan
                assert got[0] == expected or (np.isnan(got[0]) and np.isnan(expected))
        n += 1
    assert n >= len(ds.companies)


# -- what is worked out once per scored dataset -------------------------------------------


@pytest.fixture()
def folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("companies.csv", "responses.csv"):
        shutil.copy2(SAMPLE / name, folder / name)
    cache.clear_dataset_cache()
    yield folder
    cache.clear_dataset_cache()


def test_the_reports_of_a_cached_dataset_share_its_arrays(folder):
    shoes, airline = rp.build_report(folder, "shoes"), rp.build_report(folder, "airline")
    assert shoes.scores is not airline.scores  # each report has its own shallow copies
    assert (base.response_arrays(shoes.dataset, shoes.scores)
            is base.response_arrays(airline.dataset, airline.scores))
    assert (base.profile_arrays(shoes.scores) is base.profile_arrays(airline.scores))
    uncached = rp.build_report(folder, "shoes", cache=False)
    assert base.profile_arrays(uncached.scores) is not base.profile_arrays(shoes.scores)
    exact(uncached.profile(), shoes.profile())
    # a changed file: a new dataset, new arrays, the new name
    companies = folder / "companies.csv"
    companies.write_text(companies.read_text(encoding="utf-8").replace(
        "Stepwise Shoes", "Stepwise Shoes & Boots"), encoding="utf-8")
    changed = rp.build_report(folder, "shoes")
    assert changed.name == "Stepwise Shoes & Boots"
    assert base.profile_arrays(changed.scores) is not base.profile_arrays(shoes.scores)


def test_a_replaced_table_is_read_again(sample_dataset):
    scores = va.score(sample_dataset)
    rep = rp.report_for(sample_dataset, "shoes", scores=scores)
    assert rep.profile()["mean"].notna().all()
    before = rep.comparison()
    scores.profile = scores.profile.assign(mean=1.0)
    later = rp.report_for(sample_dataset, "shoes", scores=scores)
    assert (later.profile()["mean"] == 1.0).all() and len(later.profile()) == 6
    assert (later.comparison()["others_mean"] == 1.0).all()
    assert not (before["others_mean"] == 1.0).any()


def test_what_is_worked_out_is_kept_with_the_scores_and_their_copies(instrument):
    ds = make_dataset([{"company_id": "x", "perspective": "customer"}])
    scores = va.score(ds)
    arrays = base.profile_arrays(scores)
    assert base.profile_arrays(scores) is arrays
    copy = replace(scores, profile=scores.profile.copy(deep=False))
    assert base.profile_arrays(copy) is arrays  # a shallow copy shares what was worked out
    scores.profile = scores.profile.assign(mean=1.0)  # a replaced table: made again
    assert base.profile_arrays(scores) is not arrays
    assert base.profile_arrays(copy) is arrays


def test_a_report_changing_its_rows_changes_nothing_else(sample_dataset, sample_scores):
    rep = rp.report_for(sample_dataset, "shoes", scores=sample_scores)
    before = sample_scores.profile.copy()
    mine = rep.profile()
    mine.loc[:, "mean"] = 0.0
    assert rep.profile()["mean"].gt(0).all()
    exact(sample_scores.profile, before)
