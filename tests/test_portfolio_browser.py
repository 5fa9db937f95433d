"""The portfolio page in headless Chromium: sorting, filters and search, 1,000 companies,
a phone's 390 px and a 1920 px screen, and the triangle's names never on top of each other.

Pages are built from the sample's diagnoses (and synthetic companies made from them, see
``helpers_portfolio``), written with plotly.js beside them and opened from file://.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest

from assessment.present.portfolio import write_index
from assessment.run.store import copy_plotly_js

from .helpers_portfolio import near_twins, synthetic_portfolio

pytestmark = [pytest.mark.timeout(900)]

#: generous bounds for a shared, slow machine (the measured numbers are printed): the
#: table usable, the whole page (plotly.js and both charts) drawn, one sort or filter
READY_MS = 60_000
LOAD_MS = 120_000
ACTION_MS = 2_000


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("portfolio")
    copy_plotly_js(out)
    return out


def _open(browser, path: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), timeout=180_000)
    page.wait_for_function("() => document.querySelectorAll('.main-svg').length >= 2 && "
                           "document.querySelector('#triangle [data-labels-checked]')",
                           timeout=60_000)
    page.wait_for_timeout(300)
    return page, errors


def _names(page) -> list[str]:
    return page.eval_on_selector_all(
        "#companies tbody tr td.name", "tds => tds.map(td => td.getAttribute('data-key'))")


def _plain(name: str) -> str:
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def test_sort_filter_and_search(browser, site, sample_dataset, sample_diagnoses):
    path = write_index(site / "sample_en.html", sample_dataset, sample_diagnoses, {}, "en")
    page, errors = _open(browser, path)
    all_names = [d.name for d in sample_diagnoses.values()]
    assert _names(page) == all_names  # as given, before any sorting
    head = page.locator("#companies thead th").first
    assert head.get_attribute("aria-sort") == "none"
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "ascending"
    assert _names(page) == sorted(all_names, key=_plain)
    head.locator("button").click()
    assert head.get_attribute("aria-sort") == "descending"
    assert _names(page) == sorted(all_names, key=_plain, reverse=True)
    # confidence sorts by the lowest share of resamples, numerically
    sure = page.locator("#companies thead th").nth(5)
    sure.locator("button").click()
    keys = page.eval_on_selector_all("#companies tbody td.sureness",
                                     "tds => tds.map(td => parseFloat(td.dataset.key))")
    assert keys == sorted(keys) and len(keys) == len(all_names)
    assert head.get_attribute("aria-sort") == "none"
    # filters, each against the diagnoses
    page.select_option("#f-mismatch", "yes")
    assert _names(page) == [d.name for d in sample_diagnoses.values() if d.lens_mismatch]
    page.select_option("#f-mismatch", "")
    page.select_option("#f-verdict", "setup:leader:operational_excellence")
    expected = {d.name for d in sample_diagnoses.values()
                if d.lenses["setup"].verdict == "leader"
                and d.lenses["setup"].leader == "operational_excellence"}
    assert set(_names(page)) == expected and expected
    page.select_option("#f-verdict", "")
    page.select_option("#f-industry", "Retail")
    retail = set(sample_dataset.companies.loc[sample_dataset.companies["industry"] == "Retail",
                                              "name"])
    assert set(_names(page)) == retail and len(retail) == 2
    page.select_option("#f-industry", "")
    page.fill("#f-search", "shoes")
    assert _names(page) == ["Stepwise Shoes"]
    page.fill("#f-search", "zzz-nothing")
    assert _names(page) == []
    assert "No company matches" in page.locator("#status").inner_text()
    page.click("#f-reset")
    page.wait_for_timeout(100)
    assert _names(page) == all_names
    assert errors == []
    page.close()


def test_a_thousand_companies_page_and_stay_responsive(browser, site, sample_dataset,
                                                      sample_diagnoses):
    ds, diags = synthetic_portfolio(sample_dataset, sample_diagnoses, 1000)
    t0 = time.perf_counter()
    path = write_index(site / "thousand.html", ds, diags, {}, "en")
    build_s = time.perf_counter() - t0
    page, errors = _open(browser, path)
    timing = page.evaluate("""() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const ready = performance.getEntriesByName('portfolio-table-ready')[0];
        return {load: nav.loadEventEnd, ready: ready.startTime};
    }""")
    assert len(_names(page)) == 50
    assert page.locator("#status").inner_text() == "Showing 1–50 of 1,000 companies"

    def timed(action: str) -> float:
        return page.evaluate(f"""() => {{
            const t = performance.now(); {action}; return performance.now() - t; }}""")

    sort_ms = timed("document.querySelector('#companies thead th button').click()")
    names = _names(page)
    assert names == sorted(names, key=_plain) and len(names) == 50
    filter_ms = timed("const s = document.getElementById('f-industry'); s.value = 'Banking';"
                      "s.dispatchEvent(new Event('change'))")
    assert page.locator("#status").inner_text().endswith("of 167 companies")
    search_ms = timed("const q = document.getElementById('f-search'); q.value = '0999';"
                      "q.dispatchEvent(new Event('input'))")
    assert _names(page) == [] or all("0999" in n for n in _names(page))
    page.click("#f-reset")
    page.wait_for_timeout(100)
    page.click("#p-next")
    assert page.locator("#status").inner_text() == "Showing 51–100 of 1,000 companies"
    print(f"\n1,000 companies: page built in {build_s:.1f} s; in Chromium load "
          f"{timing['load']:.0f} ms, table ready {timing['ready']:.0f} ms, sort "
          f"{sort_ms:.0f} ms, filter {filter_ms:.0f} ms, search {search_ms:.0f} ms")
    assert timing["ready"] < READY_MS and timing["load"] < LOAD_MS
    assert max(sort_ms, filter_ms, search_ms) < ACTION_MS
    assert errors == []
    page.close()


_CLIPPED = """(sel) => {
    // texts of a chart (axis titles, tick labels, legend) that stick out of its box
    const gd = document.querySelector(sel), box = gd.getBoundingClientRect();
    return Array.from(gd.querySelectorAll(
            '.xtick text, .ytick text, .g-atitle, .g-btitle, .g-ctitle, .legendtext, '
            + '.annotation-text'))
        .map(t => [t.textContent, t.getBoundingClientRect()])
        .filter(([s, r]) => s && r.width > 0 && (r.left < box.left - 1
                || r.right > box.right + 1 || r.top < box.top - 1
                || r.bottom > box.bottom + 1))
        .map(([s]) => s);
}"""


@pytest.mark.parametrize("lang", ["de", "nl"])
def test_phone_and_big_screen(browser, site, sample_dataset, sample_diagnoses, lang,
                              tmp_path):
    path = write_index(site / f"sample_{lang}.html", sample_dataset, sample_diagnoses, {},
                       lang)
    for width in (390, 1920):
        page, errors = _open(browser, path, width)
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, "
                              "document.documentElement.clientWidth]")
        assert sizes[0] <= sizes[1], (width, sizes)  # no sideways scrolling of the page
        for chart in ("#heatmap .plotly-graph-div", "#triangle .plotly-graph-div"):
            assert page.evaluate(_CLIPPED, chart) == [], (width, chart)
        toolbar = page.locator("#triangle .modebar-container")
        if width == 390:
            # cards: every cell of a company on the phone's width, names whole
            assert page.locator("#companies thead").bounding_box()["height"] <= 1
            cards = page.eval_on_selector_all(
                "#companies tbody tr", "trs => trs.map(tr => tr.getBoundingClientRect().right)")
            assert cards and max(cards) <= 390
            assert toolbar.count() == 0 or not toolbar.first.is_visible()
        page.screenshot(path=str(tmp_path / f"portfolio_{lang}_{width}.png"), full_page=True)
        assert errors == []
        page.close()


_LABELS = """() => Array.from(document.querySelectorAll('#triangle .textpoint text'))
    .filter(t => t.style.visibility !== 'hidden' && t.textContent)
    .map(t => { const r = t.getBoundingClientRect();
                return [t.textContent, r.left, r.top, r.right, r.bottom]; })"""


@pytest.mark.parametrize("width", [390, 1920])
def test_triangle_names_never_overlap(browser, site, sample_dataset, sample_diagnoses,
                                      width):
    diags = near_twins(sample_diagnoses, "pcmaker", 5)
    path = write_index(site / "twins.html", sample_dataset, diags, {}, "en")
    page, errors = _open(browser, path, width)
    labels = page.evaluate(_LABELS)
    for i, (a, *ra) in enumerate(labels):
        for b, *rb in labels[i + 1:]:
            apart = ra[2] <= rb[0] or rb[2] <= ra[0] or ra[3] <= rb[1] or rb[3] <= ra[1]
            assert apart, (a, b)
    shown = {label[0] for label in labels}
    # the twins' names cannot all fit beside one spot: some are left to the hover
    twins = {f"Twin company {i}" for i in range(1, 6)} | {"Configurix Computers"}
    assert len(shown & twins) < len(twins)
    if width == 1920:
        assert len(shown) >= 8
    hover = " ".join(page.evaluate(
        "() => document.querySelector('#triangle .plotly-graph-div').data"
        ".flatMap(t => t.hovertext || [])"))
    assert all(d.name in hover for d in diags.values())  # every name is on hover
    assert errors == []
    page.close()
