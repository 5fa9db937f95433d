"""Report sections: item detail, comparison and wave change against hand computations,
data quality, recommendations, texts in three languages, and escaping of untrusted names."""

from __future__ import annotations

import os
import shutil
import string
from pathlib import Path

import numpy as np
import pytest
from markupsafe import escape

import assessment as va
from assessment.diagnosis.findings import rank_findings
from assessment.instrument.texts import book
from assessment.present.labels import label
from assessment.present.numbers import num
from assessment.present.report.core import build_report, report_for
from assessment.scoring import cache

from .conftest import SAMPLE, make_dataset, profile_answers

OE, CI, PL = va.DISCIPLINES
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"
HTML_METHODS = ("title_html", "headline_html", "profile_html", "triangle_html", "gaps_html",
                "departments_html", "items_html", "quality_html", "comparison_html",
                "wave_change_html", "discuss_html")


def company(cid: str, exp: tuple, setup: tuple, instrument, *, n: int = 5, wave: str = "",
            departments: tuple[str, ...] = ("Ops",)) -> list[dict]:
    """``n`` customers answering the experience items and ``n`` staff answering the set-up
    items, every answer giving exactly the keyed scores ``exp`` / ``setup``."""
    rows = []
    for k in range(n):
        rows.append({"company_id": cid, "respondent_id": f"{cid}c{k}", "wave": wave,
                     "perspective": "customer", **profile_answers(instrument, "experience", *exp)})
        rows.append({"company_id": cid, "respondent_id": f"{cid}s{k}", "wave": wave,
                     "perspective": "internal", "department": departments[k % len(departments)],
                     **profile_answers(instrument, "setup", *setup)})
    return rows


def esc(text: str) -> str:
    """A text as the report's templates write it (Jinja2 autoescaping)."""
    return str(escape(text))


def texts() -> dict:
    return book("report")


def all_html(rep) -> str:
    return "\n".join(getattr(rep, m)() for m in HTML_METHODS)


def trace_value(trace, key: str):
    """A property of a figure's trace: a plain dict (``charts.Chart``) or a plotly trace."""
    return trace[key] if isinstance(trace, dict) else getattr(trace, key)


# -- texts --------------------------------------------------------------------------------


def _leaves(node, path=()):
    if isinstance(node, dict) and set(node) == set(va.LANGS):
        yield path, node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    else:
        raise AssertionError(f"{'.'.join(path)}: expected a mapping of en/de/nl")


def test_every_text_exists_in_three_languages_with_the_same_placeholders():
    leaves = list(_leaves(texts()))
    assert len(leaves) > 100
    for path, node in leaves:
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(node[lang]) if f}
                  for lang in va.LANGS}
        assert fields["en"] == fields["de"] == fields["nl"], ".".join(path)
        assert all(node[lang].strip() for lang in va.LANGS), ".".join(path)


def test_label_lookup_and_unknown_language():
    assert label("headings.discuss", "de") == "Was zu besprechen ist"
    assert label("par_line", "nl", value=3) == "Marktniveau 3,00"
    with pytest.raises(ValueError, match="unknown language"):
        label("headings.discuss", "fr")


# -- building -----------------------------------------------------------------------------


def test_build_report_resolves_relative_paths_against_the_repository(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rep = build_report("data/sample", "shoes", "nl")
    assert rep.dataset.path.resolve() == SAMPLE.resolve()
    assert rep.wave == "2026-Q1"  # the latest wave by default
    older = build_report(SAMPLE, "shoes", "en", wave="2025-Q3")
    assert older.wave == "2025-Q3" and older.previous_wave is None


# -- the dataset cache (warm report kernels load a dataset once) --------------------------


@pytest.fixture()
def own_dataset(tmp_path, monkeypatch):
    """A copy of the sample dataset, an empty cache, and a count of dataset loads."""
    folder = tmp_path / "data"
    folder.mkdir()
    for name in ("companies.csv", "responses.csv"):
        shutil.copy2(SAMPLE / name, folder / name)
    cache.clear_dataset_cache()
    loads = []
    real = cache.load_dataset

    def counting(path, *args, **kwargs):
        loads.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(cache, "load_dataset", counting)
    yield folder, loads
    cache.clear_dataset_cache()


def _touch(path: Path, text: str) -> None:
    """Rewrite a file in place with a modification time that surely differs."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 7_000_000_000, before + 7_000_000_000))


def test_build_report_loads_a_dataset_once_while_its_files_are_unchanged(own_dataset):
    folder, loads = own_dataset
    first = build_report(folder, "shoes")
    second = build_report(str(folder), "airline", "de")
    again = build_report(folder / ".." / "data", "shoes")
    assert len(loads) == 1
    assert all_html(again) == all_html(first)
    uncached = build_report(folder, "airline", "de", cache=False)
    assert len(loads) == 2
    assert all_html(second) == all_html(uncached)


@pytest.mark.parametrize("same_size", [False, True])
def test_a_changed_dataset_file_is_loaded_again(own_dataset, same_size):
    folder, loads = own_dataset
    assert build_report(folder, "shoes").name == "Stepwise Shoes"
    companies = folder / "companies.csv"
    new_name = "Stepwise Shoez" if same_size else "Stepwise Shoes & Boots"
    _touch(companies, companies.read_text(encoding="utf-8").replace("Stepwise Shoes",
                                                                     new_name))
    assert build_report(folder, "shoes").name == new_name
    assert len(loads) == 2
    # a settings file that appears (threshold overrides) counts as a change as well
    (folder / "settings.yaml").write_text("thresholds:\n  par: 3.5\n", encoding="utf-8")
    assert build_report(folder, "shoes").instrument.thresholds.par == 3.5
    assert len(loads) == 3
    build_report(folder, "airline")
    assert len(loads) == 3


def test_a_report_that_changes_a_table_does_not_change_the_cache(own_dataset):
    folder, loads = own_dataset
    rep = build_report(folder, "shoes")
    before = all_html(build_report(folder, "airline"))
    rep.dataset.companies.loc[:, "name"] = "changed"
    rep.dataset.responses.iloc[:, -1] = np.nan
    rep.scores.profile.loc[:, "mean"] = 0.0
    after = build_report(folder, "airline")
    assert len(loads) == 1
    assert after.name != "changed" and all_html(after) == before


def test_a_scored_dataset_handed_over_is_used_only_while_its_files_are_unchanged(
        own_dataset, tmp_path):
    folder, loads = own_dataset
    key = cache.dataset_key(folder)
    ds = va.load_dataset(folder)
    scored = tmp_path / "scored.pickle"
    cache.save_scored(scored, folder, key, ds, va.score(ds))
    assert cache.prime_dataset_cache(scored, folder, wait=0)
    assert build_report(folder, "shoes").name == "Stepwise Shoes"
    assert loads == []  # the warm kernels of a batch load nothing themselves
    cache.clear_dataset_cache()
    companies = folder / "companies.csv"
    _touch(companies, companies.read_text(encoding="utf-8"))  # changed since it was read
    assert not cache.prime_dataset_cache(scored, folder, wait=0)
    assert not cache.prime_dataset_cache(tmp_path / "missing.pickle", folder, wait=0)
    scored.write_bytes(b"")  # what the batch writes when it cannot pickle the dataset
    assert not cache.prime_dataset_cache(scored, folder, wait=0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"company_id": "nope"}, "unknown company_id 'nope'"),
    ({"company_id": "shoes", "lang": "fr"}, "unknown language"),
    ({"company_id": "shoes", "wave": "1999-Q1"}, "unknown wave"),
])
def test_build_report_rejects_unknown_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        build_report(SAMPLE, **kwargs)


# -- 4. gaps ------------------------------------------------------------------------------


def test_gaps_table_readings(instrument):
    ds = make_dataset(company("x", (3.0, 4.4, 3.2), (4.1, 3.2, 3.0), instrument))
    rep = report_for(ds, "x")
    gaps = rep.gaps_table().set_index("discipline")
    assert gaps.loc[OE, "gap"] == pytest.approx(-1.1)
    assert gaps.loc[CI, "gap"] == pytest.approx(1.2)
    assert list(gaps["reading"]) == ["unnoticed_capability", "unbacked_promise", "aligned"]
    assert rep.blind_spot_table() is None  # staff did not estimate the experience
    assert "Too few staff estimated" in rep.gaps_html()


# -- 6. item detail -----------------------------------------------------------------------


def test_item_detail_against_a_hand_computation(instrument):
    items = instrument.items
    rows = []
    for i in range(6):
        for persp, lens in (("customer", "experience"), ("internal", "setup")):
            row = {"company_id": "x", "respondent_id": f"{persp}{i}", "perspective": persp}
            for j, it in enumerate(items):
                if it.lens == lens and not (i == 0 and j % 4 == 0):  # a few blanks
                    row[it.id] = 1 + (i * 3 + j * 7 + (i * j) % 3) % 5
            rows.append(row)
    rep = report_for(make_dataset(rows), "x", show_items=True)

    lo, hi = instrument.scale.min, instrument.scale.max
    hand = {}
    for pos, it in enumerate(items):
        group = "customer" if it.lens == "experience" else "internal"
        vals = [(lo + hi - r[it.id]) if it.reverse else r[it.id]
                for r in rows if r["perspective"] == group and it.id in r]
        hand[it.id] = (sum(vals) / len(vals), pos, len(vals))
    expected = []
    for lens in va.LENSES:
        for d in va.DISCIPLINES:
            cell = [it.id for it in items if it.lens == lens and it.discipline == d]
            top = sorted(cell, key=lambda i: (-hand[i][0], hand[i][1]))[:2]
            low = sorted((i for i in cell if i not in top), key=lambda i: (hand[i][0],
                                                                          hand[i][1]))[:2]
            expected += [(lens, d, "strongest", i) for i in top]
            expected += [(lens, d, "weakest", i) for i in low]

    detail = rep.item_detail()
    got = list(zip(detail["lens"], detail["discipline"], detail["position"],
                   detail["item_id"], strict=True))
    assert got == expected
    for iid, mean, n in zip(detail["item_id"], detail["mean"], detail["n"], strict=True):
        assert mean == pytest.approx(hand[iid][0]) and n == hand[iid][2]
    texts_en = dict(zip(detail["item_id"], detail["text"], strict=True))
    assert texts_en[expected[0][3]] == instrument.item(expected[0][3]).text.en
    html = rep.items_html()
    assert html.count("<table") == 2 and "strongest" in html
    for off in (False, "False", "no", "0"):
        assert report_for(make_dataset(rows), "x", show_items=off).items_html() == ""


def test_item_detail_uses_staff_when_customers_are_too_few(instrument):
    rows = company("x", (3.0, 4.0, 3.5), (4.0, 3.0, 3.0), instrument, n=5)
    staff_exp = profile_answers(instrument, "experience", 2.0, 2.0, 2.0)
    rows = [r if r["perspective"] == "internal" else None for r in rows]
    rows = [{**r, **staff_exp} for r in rows if r]  # staff estimate the experience
    rows += [{"company_id": "x", "respondent_id": "c1", "perspective": "customer",
              **profile_answers(instrument, "experience", 5.0, 5.0, 5.0)}]
    rep = report_for(make_dataset(rows), "x")
    assert rep.diagnosis.experience_source == "inside_out"
    means = rep.item_means()
    assert means.loc[means["lens"] == "experience", "mean"].tolist() == pytest.approx(
        [2.0] * 21)
    assert "staff, on behalf of customers" in rep.items_html()


def test_item_detail_hides_groups_under_the_minimum_size(instrument):
    rows = company("x", (3.0, 4.0, 3.5), (4.0, 3.0, 3.0), instrument, n=4)
    rep = report_for(make_dataset(rows), "x")
    assert rep.item_detail().empty
    assert rep.items_html().count("Too few respondents") == 2


# -- 7. data quality ----------------------------------------------------------------------


def test_data_quality_pools_small_departments(instrument):
    rows = company("x", (3.0, 4.0, 3.5), (4.0, 3.0, 3.0), instrument, n=5)
    rows += [{"company_id": "x", "respondent_id": f"t{k}", "perspective": "internal",
              "department": "<b>Tiny</b>", **profile_answers(instrument, "setup", 3, 3, 3)}
             for k in range(2)]
    # a second small department: the two hidden ones together reach five, so Ops is shown
    rows += [{"company_id": "x", "respondent_id": f"m{k}", "perspective": "internal",
              "department": "Mini", **profile_answers(instrument, "setup", 3, 3, 3)}
             for k in range(3)]
    rep = report_for(make_dataset(rows), "x")
    q = rep.data_quality()
    resp = q["respondents"].set_index("group")
    assert resp.loc["customers", "n"] == 5 and resp.loc["staff", "n"] == 10
    assert resp.loc["department:Ops", "n"] == 5
    assert resp.loc["other_departments", "n"] == 5
    assert resp.loc["other_departments", "departments"] == 2
    n_setup = sum(1 for i in instrument.items if i.lens == "setup")
    asked_customers = len(instrument.item_ids) - n_setup
    assert resp.loc["customers", "answered"] == pytest.approx(
        (len(instrument.items) - n_setup) / asked_customers)  # no threshold items answered
    assert resp.loc["staff", "answered"] == pytest.approx(n_setup / len(instrument.item_ids))
    html = rep.quality_html()
    assert "Tiny" not in html and "Tiny" not in all_html(rep)
    assert "2 other department(s), not shown on their own" in html
    scales = q["scales"]
    assert len(scales) == len(instrument.cells())
    prof = rep.profile().set_index(["lens", "discipline"])
    for row in scales[scales["lens"] != "threshold"].itertuples():
        assert row.n == prof.loc[(row.lens, row.discipline), "n"]
    assert q["instrument_version"] == instrument.version
    assert q["thresholds"]["min_group_size"] == 5
    assert "Smallest group shown on its own" in html


# -- 8. comparison and wave change --------------------------------------------------------


PROFILES = {  # company: (industry, experience, set-up)
    "c1": ("machinery", (4.0, 3.0, 3.5), (4.2, 3.1, 3.3)),
    "c2": ("machinery", (3.0, 4.0, 3.0), (3.0, 4.4, 3.0)),
    "c3": ("Machinery ", (3.5, 3.5, 4.5), (3.4, 3.0, 4.6)),
    "c4": ("retail", (2.0, 2.5, 3.0), (2.2, 2.6, 3.0)),
}


@pytest.fixture(scope="module")
def peers_dataset():
    inst = va.load_instrument()
    rows = [r for cid, (_, exp, setup) in PROFILES.items()
            for r in company(cid, exp, setup, inst)]
    ds = make_dataset(rows)
    ds.companies["industry"] = ds.companies["company_id"].map(
        {c: p[0] for c, p in PROFILES.items()})
    return ds, va.score(ds)


def _hand_comparison(cid: str, peers: list[str]) -> dict:
    out = {}
    for li, lens in enumerate(va.LENSES):
        for di, d in enumerate(va.DISCIPLINES):
            own = PROFILES[cid][1 + li][di]
            others = [PROFILES[p][1 + li][di] for p in peers]
            out[(lens, d)] = (own, sum(others) / len(others),
                              1 + sum(o > own for o in others), len(others) + 1)
    return out


@pytest.mark.parametrize(("cid", "peers", "basis"), [
    ("c1", ["c2", "c3"], "industry"),  # three machinery companies (case and blanks ignored)
    ("c4", ["c1", "c2", "c3"], "all"),  # retail alone: compared with everyone
])
def test_comparison_against_hand_computed_differences(peers_dataset, cid, peers, basis):
    ds, scores = peers_dataset
    rep = report_for(ds, cid, scores=scores)
    assert rep.comparison_group() == (peers, basis)
    hand = _hand_comparison(cid, peers)
    comp = rep.comparison()
    assert len(comp) == 6
    for row in comp.itertuples():
        own, mean, rank, total = hand[(row.lens, row.discipline)]
        assert row.company == pytest.approx(own)
        assert row.others_mean == pytest.approx(mean)
        assert row.difference == pytest.approx(own - mean)
        assert (row.rank, row.total) == (rank, total)
    html = rep.comparison_html()
    assert ("same industry" in html) == (basis == "industry")
    fig = rep.comparison_figure()
    assert {trace_value(t, "name") for t in fig.data} >= {"other companies", "Company " + cid}


def test_comparison_without_other_companies(instrument):
    rep = report_for(make_dataset(company("x", (4, 3, 3), (4, 3, 3), instrument)), "x")
    assert rep.comparison_group() == ([], "none")
    assert rep.comparison_figure() is None
    assert "no other company" in rep.comparison_html()


def test_wave_change_against_hand_computed_differences(instrument):
    before = ((3.0, 3.2, 2.8), (3.5, 3.0, 3.1))
    after = ((4.1, 3.0, 2.5), (3.6, 3.9, 3.0))
    rows = (company("x", *before, instrument, wave="2025-Q3")
            + company("x", *after, instrument, wave="2026-Q1")
            + company("y", (3, 3, 3), (3, 3, 3), instrument, wave="2025-Q3"))
    ds = make_dataset(rows)
    rep = report_for(ds, "x", lang="de")
    assert rep.wave == "2026-Q1" and rep.previous_wave == "2025-Q3"
    change = rep.wave_change().set_index(["lens", "discipline"])
    for li, lens in enumerate(va.LENSES):
        for di, d in enumerate(va.DISCIPLINES):
            assert change.loc[(lens, d), "previous"] == pytest.approx(before[li][di])
            assert change.loc[(lens, d), "current"] == pytest.approx(after[li][di])
            assert change.loc[(lens, d), "change"] == pytest.approx(
                after[li][di] - before[li][di])
    html = rep.wave_change_html()
    assert "Veränderung seit der letzten Befragungswelle" in html
    assert "Vorher (2025-Q3)" in html and "+1,10" in html  # German numbers
    # y has only the earlier wave: it is compared in its latest wave up to 2026-Q1
    assert rep.comparison_group() == (["y"], "all")
    first = report_for(ds, "x", wave="2025-Q3")
    assert first.wave_change() is None
    assert "no earlier wave" in first.wave_change_html()


# -- 9. what to discuss -------------------------------------------------------------------


@pytest.mark.parametrize(("exp", "setup", "expected"), [
    ((4.5, 3.2, 3.1), (4.6, 3.1, 3.0), "Stay with Operational excellence: check"),
    ((3.2, 4.5, 3.1), (4.6, 3.1, 3.0), "Customers experience Customer intimacy, but the "
                                       "company is set up for Operational excellence"),
    ((3.4, 3.5, 3.3), (3.3, 3.4, 3.2), "Not choosing means losing: decide which discipline "
                                       "to excel at. Customer intimacy is the strongest"),
    ((4.3, 4.4, 3.3), (4.2, 4.5, 3.2), "the set-up really backs both Customer intimacy and "
                                       "Operational excellence"),
    ((4.3, 3.2, 3.1), (3.5, 3.4, 3.3), "Customers experience Operational excellence as the "
                                       "company's strength, but the set-up does not back it"),
])
def test_commitment(instrument, exp, setup, expected):
    rep = report_for(make_dataset(company("x", exp, setup, instrument)), "x")
    assert expected in rep.commitment()
    assert "nan" not in rep.commitment()


def test_recommendations_one_per_theme(sample_dataset, sample_scores):
    rep = report_for(sample_dataset, "deptstore", scores=sample_scores)
    recs = rep.recommendations()
    assert [r.code for r, _ in recs] == ["raise_to_par", "listen_to_customers"]
    assert len({r.theme for r, _ in recs}) == len(recs)
    # the proposed discipline is never the one below par
    assert "Customer intimacy is the strongest discipline that is not below par" in \
        rep.commitment()
    html = rep.discuss_html()
    assert "Which discipline to commit to" in html and html.count("<li>") == len(recs)


def test_rank_findings_puts_substance_before_data_caveats():
    f = va.Finding
    ranked = rank_findings([
        f("dropped_respondents", "info", values={"n_scores": 335, "n_dropped": 5}),
        f("leader", "info", values={"score": 4.6}),
        f("unnoticed_capability", "info", values={"gap": -1.1}),
        f("unbacked_promise", "warning", values={"gap": 0.8}),
        f("unbacked_promise", "warning", values={"gap": 1.4}),
        f("below_par", "critical", values={"score": 2.5}),
    ])
    assert [(x.code, x.values.get("gap")) for x in ranked] == [
        ("below_par", None), ("unbacked_promise", 1.4), ("unbacked_promise", 0.8),
        ("unnoticed_capability", -1.1), ("leader", None), ("dropped_respondents", None)]


# -- whole report: languages, no data, escaping -------------------------------------------


@pytest.mark.parametrize(("lang", "headings"), [
    ("en", ["At a glance", "The discipline triangle", "What to discuss"]),
    ("de", ["Auf einen Blick", "Das Disziplinen-Dreieck", "Was zu besprechen ist"]),
    ("nl", ["In één oogopslag", "De disciplinedriehoek", "Wat te bespreken"]),
])
def test_sections_in_each_language(sample_dataset, sample_scores, lang, headings):
    rep = report_for(sample_dataset, "shoes", lang, scores=sample_scores)
    page = all_html(rep)
    for h in headings:
        assert f"<h2>{h}</h2>" in page
    assert "Stepwise Shoes" in rep.title_html()
    for method in ("profile_figure", "triangle_figure", "gap_figure", "department_figure",
                   "comparison_figure"):
        assert getattr(rep, method)() is not None, method


def test_a_company_without_respondents_gets_a_short_report(instrument):
    ds = make_dataset(company("x", (4, 3, 3), (4, 3, 3), instrument), companies=["x", "none"])
    rep = report_for(ds, "none")
    assert not rep.has_data
    page = all_html(rep)
    assert "Nobody from this company answered" in page
    assert "No respondents" in rep.headline_html()
    for method in ("profile_figure", "triangle_figure", "gap_figure", "department_figure",
                   "comparison_figure"):
        assert getattr(rep, method)() is None


def test_untrusted_names_are_escaped_everywhere(instrument):
    rows = company("x", (3.2, 4.5, 3.1), (4.6, 3.1, 3.0), instrument, wave="<b>w</b>",
                   departments=(HOSTILE,))
    rows += company("x", (3.2, 4.5, 3.1), (3.1, 4.6, 3.0), instrument, wave="<b>w</b>",
                    departments=(HOSTILE_SCRIPT,))
    for k, r in enumerate(rows):
        r["respondent_id"] = f"r{k}"
    ds = make_dataset(rows, companies=["x", "y"])
    ds.companies["name"] = [HOSTILE, HOSTILE_SCRIPT]
    ds.companies["industry"] = [HOSTILE_SCRIPT, "<i>ok</i>"]
    rep = report_for(ds, "x")
    assert rep.diagnosis.department_alignment is False  # the split finding names departments
    page = all_html(rep)
    assert "<img" not in page and "<script" not in page and "</script" not in page
    assert "<b>w</b>" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in rep.title_html()
    assert "&lt;/script&gt;&lt;script&gt;" in rep.title_html()  # industry
    assert "&lt;img src=x onerror=alert(1)&gt;" in rep.departments_html()
    assert "&lt;b&gt;w&lt;/b&gt;" in rep.title_html()
    from assessment.present import figures as charts
    fig = rep.department_figure()
    assert "<img" not in charts.figure_html(fig)
    assert np.isfinite(np.asarray(trace_value(fig.data[0], "z"), dtype=float)).all()


# -- 5b. customers as co-producers --------------------------------------------------------


INTEGRATION_HEADINGS = {"en": "Customers as co-producers",
                        "de": "Kundinnen und Kunden als Ko-Produzenten",
                        "nl": "Klanten als coproducenten"}


@pytest.mark.parametrize("lang", va.LANGS)
def test_integration_section_shows_the_self_service_burden(sample_dataset, sample_scores, lang):
    rep = report_for(sample_dataset, "energyco", lang, scores=sample_scores)
    html = rep.integration_html()
    assert f"<h2>{INTEGRATION_HEADINGS[lang]}</h2>" in html
    burden = next(f for f in rep.diagnosis.findings if f.code == "self_service_burden")
    assert esc(burden.text(lang)) in html and esc(burden.action(lang)) in html
    assert esc(burden.title(lang)) in html
    # burden first: the critical finding before the fit note
    assert [f.code for f in rep.integration_findings()] == ["self_service_burden",
                                                           "integration_fit"]
    assert html.index(esc(burden.title(lang))) < html.index(
        esc(rep.integration_findings()[1].title(lang)))
    # the customers' own score, and the fit: claimed discipline, needed roles, mean vs par
    assert num(2.0317, ".2f", lang) + " (n = 21" in html  # numbers in the reader's language
    assert esc(label("notes.self_service_burden", lang, experience=2.0317, n=21,
                        par=3.0)) in html
    assert all(num(v, ".2f", lang) in html for v in (3.96, 4.19, 4.35, 3.33))
    assert rep.integration.claimed == OE
    assert label("notes.integration_claimed_setup", lang,
                 discipline=rep.instrument.discipline_label(OE, lang)) in html
    assert rep.integration_figure() is not None


def test_integration_roles_and_blocks_against_the_scores(sample_dataset, sample_scores):
    rep = report_for(sample_dataset, "energyco", scores=sample_scores)
    roles = rep.integration_roles().set_index("role")
    assert len(roles) == 10 and roles["needed"].sum() == 3
    assert list(roles.index[roles["needed"]]) == ["productive_resource", "competitor",
                                                  "quality_inspector"]
    for role, value in rep.integration.roles.items():
        assert roles.at[role, "score"] == pytest.approx(value)
    assert roles.at["substitute_manager", "participation"] == "passive"
    assert roles.at["co_developer", "context"] == "innovation"
    table = rep.integration_scores()
    hit = table[(table["scale"] == "competitor") & (table["perspective"] == "customer")]
    assert roles.at["competitor", "customer"] == pytest.approx(float(hit["mean"].iloc[0]))
    blocks = rep.integration_blocks().set_index("scale")
    assert blocks.at["experience", "score"] == pytest.approx(2.0317, abs=1e-4)
    assert blocks.at["experience", "source"] == "customer"
    assert blocks.at["knowledge_sharing", "source"] == "internal"
    assert blocks.at["active", "source"] == "all"


@pytest.mark.parametrize("lang", va.LANGS)
def test_integration_section_without_integration_data(sample_dataset, sample_scores, lang):
    rep = report_for(sample_dataset, "mueller", lang, scores=sample_scores)
    assert rep.integration is None
    html = rep.integration_html()
    assert f"<h2>{INTEGRATION_HEADINGS[lang]}</h2>" in html
    assert esc(label("notes.integration_none", lang)) in html
    assert "<h3>" not in html and "<table" not in html  # briefly: one note, nothing else
    assert rep.integration_figure() is None
    assert rep.integration_roles().empty and rep.integration_findings() == []


def test_integration_section_with_too_few_customers(sample_dataset, sample_scores):
    rep = report_for(sample_dataset, "chips", "de", scores=sample_scores)
    html = rep.integration_html()
    assert label("notes.self_service_too_few", "de", min=5) in html
    assert esc(label("notes.integration_customers_hidden", "de", min=5)) in html
    blocks = rep.integration_blocks().set_index("scale")
    assert np.isnan(blocks.at["economic", "score"])  # 3 customers: hidden
    assert np.isnan(rep.integration_roles().set_index("role").at["co_developer", "customer"])
    # everyone's role scores are hidden too (all minus staff would be the 3 customers)
    assert rep.integration.claimed == PL and "4.23" not in html
    assert np.isnan(rep.integration_roles().set_index("role").at["co_developer", "score"])


def test_integration_section_for_other_archetypes(sample_dataset, sample_scores):
    bank = report_for(sample_dataset, "privatebank", scores=sample_scores)
    html = bank.integration_html()
    assert "Customer intimacy claimed, customers used as a cost factor" in html
    assert "the discipline customers experience" in html  # the set-up favours none
    assert "below par (3.00): the way customers take part does not yet fit" in html
    store = report_for(sample_dataset, "deptstore", "nl", scores=sample_scores)
    html = store.integration_html()
    assert esc(label("notes.integration_no_claim", "nl")) in html
    assert esc(label("notes.integration_no_findings", "nl")) in html
    assert [trace_value(t, "name") for t in store.integration_figure().data] == [
        "Klantrollen", "Marktniveau 3,00 (ring)"]


def test_integration_section_keeps_company_names_escaped(instrument):
    from assessment.instrument.integration import load_integration

    integ = load_integration()
    lo, hi = instrument.scale.min, instrument.scale.max
    rows = company("x", (4.5, 3.1, 3.0), (4.6, 3.1, 3.0), instrument, wave="<b>w</b>")
    for r in rows:  # everyone answers what they are asked: 4 after reverse keying
        for item in integ.items:
            if r["perspective"] in item.answered_by:
                r[item.id] = lo + hi - 4 if item.reverse else 4
    ds = make_dataset(rows, companies=["x", "y"])
    ds.companies["name"] = [HOSTILE, HOSTILE_SCRIPT]
    rep = report_for(ds, "x")
    assert rep.integration is not None and rep.integration.fits
    page = all_html(rep) + rep.integration_html()
    assert "<img" not in page and "<script" not in page and "<b>w</b>" not in page
    assert "4.00 (n = 5" in rep.integration_html()
    from assessment.present import figures as charts
    fig = charts.role_map(rep.integration_roles(), rep.integration_instrument,
                          rep.instrument, claimed=rep.integration.claimed, title=rep.name)
    page = charts.figure_html(fig)
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img" not in charts.figure_html(rep.integration_figure())


def _displayed(monkeypatch, rep, parts, plotly_json: str) -> list:
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display",
                        lambda obj, raw=False: shown.append(obj))
    monkeypatch.setenv("ASSESSMENT_PLOTLY_JSON", plotly_json)
    rep.show(*parts)
    return shown


def test_show_displays_sections_with_their_charts(monkeypatch):
    """``Report.show``: in a live notebook the text as HTML outputs and every chart as its
    own output with the plotly JSON bundle; in a batch kernel (no JSON bundle) one HTML
    output with the same text and the charts' divs, in the same order."""
    from assessment.present import figures as charts

    rep = build_report(SAMPLE, "shoes")
    # the profile chart is on page one, with the summary; the profile section is its note
    parts = ["title", "summary", "summary_end", "headline", "profile", "triangle",
             "departments", "discuss"]
    figures = [f for f in (rep.profile_figure(), rep.triangle_figure(),
                           rep.department_figure()) if f is not None]
    assert len(figures) >= 2

    live = _displayed(monkeypatch, rep, parts, "1")
    bundles = [o for o in live if isinstance(o, dict)]
    texts = [o.data for o in live if not isinstance(o, dict)]
    assert len(bundles) == len(figures)
    assert all(charts.PLOTLY_MIME in b and "Plotly.newPlot" in b["text/html"]
               for b in bundles)
    assert texts[0] == rep.title_html() + rep.summary_html()
    assert texts[1] == (rep.summary_end_html() + rep.headline_html() + rep.profile_html()
                        + rep.triangle_html())
    assert texts[-1].endswith(rep.discuss_html())

    batch = _displayed(monkeypatch, rep, parts, "0")
    assert len(batch) == 1 and not isinstance(batch[0], dict)
    page = batch[0].data
    assert page.startswith(rep.title_html() + rep.summary_html())
    assert page.count("Plotly.newPlot") == len(figures) and page.endswith(rep.discuss_html())
    no_ids = "".join(texts + [b["text/html"] for b in bundles])
    assert len(page) == len(no_ids)  # the same text and charts (div ids are random)

    with pytest.raises(ValueError, match="unknown report part"):
        rep.show("profile", "nonsense")


# -- each section's data function ---------------------------------------------------------


def test_title_view_names_company_industry_wave_dataset_and_version(instrument):
    from assessment.present.report.headline import title_view

    ds = make_dataset(company("x", (4, 3, 3), (4, 3, 3), instrument, wave="2026-Q1"))
    ds.companies["industry"] = ["Bakery & <b>Cafe</b>"]
    view = title_view(report_for(ds, "x", "de"))
    assert view["company"] == "Company x"
    assert view["subtitle"] == [
        label("subtitle.industry", "de", value="Bakery & <b>Cafe</b>"),
        label("subtitle.wave", "de", value="2026-Q1"), label("subtitle.dataset", "de", value="mem"),
        label("subtitle.instrument", "de", value=instrument.version)]
    html = report_for(ds, "x", "de").title_html()
    assert "Bakery &amp; &lt;b&gt;Cafe&lt;/b&gt; · " + label("subtitle.wave", "de",
                                                          value="2026-Q1") in html


def test_headline_view_has_the_verdicts_and_the_three_top_findings(sample_dataset,
                                                                   sample_scores):
    from assessment.present.report.headline import headline_view

    rep = report_for(sample_dataset, "pcmaker", scores=sample_scores)
    view = headline_view(rep)
    assert view["verdicts"] == [rep.diagnosis.lenses[lens].sentence("en", rep.instrument)
                                for lens in va.LENSES]
    ranked = rank_findings(rep.diagnosis.findings)
    assert [f["title"] for f in view["findings"]] == [f.title("en") for f in ranked[:3]]
    assert view["findings"][0]["severity"] == ranked[0].severity
    source = book("findings")["sources"][rep.diagnosis.experience_source]["en"]
    assert view["source"] == f"Basis of the customer experience lens: {source}."
    html = rep.headline_html()
    assert html.count("<li>") == 2 + 3 and "<ol>" in html


def test_profile_and_triangle_views_carry_the_thresholds(instrument):
    from assessment.present.report.profile import profile_view, triangle_view

    ds = make_dataset(company("x", (4, 3, 3), (4, 3, 3), instrument))
    rep = report_for(ds, "x")
    th = instrument.thresholds
    assert f"par ({th.par:.2f}) in each lens" in profile_view(rep)["notes"][0]
    assert f"excellence ({th.excellence:.2f})" in profile_view(rep)["notes"][0]
    assert triangle_view(rep)["notes"] == [label("notes.triangle", min=instrument.scale.min)]
    empty = report_for(make_dataset(company("x", (4, 3, 3), (4, 3, 3), instrument),
                                    companies=["x", "none"]), "none")
    assert profile_view(empty)["notes"] == [label("notes.no_respondents")]


def test_departments_view_counts_the_hidden_departments(instrument):
    from assessment.present.report.departments import departments_view

    # 4 staff in "A", 3 in "B": both under the minimum group size of 5
    rows = company("x", (4, 3, 3), (4, 3, 3), instrument, n=7, departments=("A",) * 4 + ("B",) * 3)
    view = departments_view(report_for(make_dataset(rows), "x"))
    assert view["notes"][1:] == [
        "No department can be shown on its own (at least 5 respondents, and the departments "
        "not shown together at least 5 as well).",
        "Not shown: 2 department(s) with fewer than 5 respondents, or hidden with them so that "
        "they cannot be worked out from the staff total (7 respondents in total)."]
    # two departments of 5 leaning to different disciplines: the split finding
    split = (company("x", (4, 3, 3), (4.6, 3.0, 3.0), instrument, n=5, departments=("A",))
             + company("x", (4, 3, 3), (3.0, 4.6, 3.0), instrument, n=5, departments=("B",)))
    for k, r in enumerate(split):
        r["respondent_id"] = f"r{k}"
    view = departments_view(report_for(make_dataset(split), "x"))
    assert [f["title"] for f in view["findings"]] == [va.Finding(
        "department_split", "warning").title("en")]
    single = departments_view(report_for(make_dataset(company(
        "x", (4, 3, 3), (4, 3, 3), instrument, n=5)), "x"))
    assert single["notes"][-1] == label("notes.departments_single")
    assert single["findings"] == []


def test_scales_table_alpha_against_a_hand_computation(instrument):
    """Six customers answer the operational-excellence experience items with different
    (keyed) values; the company's alpha is k/(k-1) (1 - sum of item variances / variance of
    the totals), computed here with the statistics module."""
    import statistics

    lo, hi = instrument.scale.min, instrument.scale.max
    cell = instrument.cell_items(OE, "experience")
    keyed_rows = [[1 + (i + (j % 3) * (i % 2)) % 5 for j in range(len(cell))] for i in range(6)]
    rows = company("x", (4, 3, 3), (4, 3, 3), instrument, n=6)
    customers = [r for r in rows if r["perspective"] == "customer"]
    for r, values in zip(customers, keyed_rows, strict=True):
        for it, v in zip(cell, values, strict=True):
            r[it.id] = lo + hi - v if it.reverse else v
    rep = report_for(make_dataset(rows), "x")
    scales = rep.scales_table().set_index(["lens", "discipline"])
    k = len(cell)
    item_var = sum(statistics.variance([row[j] for row in keyed_rows]) for j in range(k))
    total_var = statistics.variance([sum(row) for row in keyed_rows])
    assert scales.at[("experience", OE), "alpha_company"] == pytest.approx(
        k / (k - 1) * (1 - item_var / total_var))
    assert scales.at[("experience", OE), "n"] == 6
    assert scales.at[("experience", OE), "mean"] == pytest.approx(
        statistics.mean(statistics.mean(row) for row in keyed_rows))
    assert np.isnan(scales.at[("setup", OE), "alpha_company"])  # identical answers


def test_reverse_keyed_statements_show_the_answer_and_the_score_it_counts_with():
    """A reverse-keyed statement among the strongest is not shown as if people agreed:
    its cell reads "answered <raw mean> → scored <keyed mean>", raw = min + max - keyed."""
    rep = build_report(SAMPLE, "pcmaker")
    detail = rep.item_detail()
    reversed_rows = detail[detail["reverse"].astype(bool)]
    assert len(reversed_rows)
    html = rep.items_html()
    scale = rep.instrument.scale
    for _, row in reversed_rows.iterrows():
        raw = scale.min + scale.max - row["mean"]
        assert f"answered {raw:.2f} → scored {row['mean']:.2f}" in html
    plain = detail[~detail["reverse"].astype(bool)].iloc[0]
    assert f"<td>{plain['mean']:.2f}</td>" in html
    assert "agreeing is bad" in html
