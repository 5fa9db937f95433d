"""The batch's pages in headless Chromium: charts render, no console errors, no dialog for the
hostile names (which show as text), and every index link leads to an existing report.

Uses the Chromium or Chrome that ``assessment/run/browser.py`` finds (the ``chromium`` fixture)
through the Playwright sync API, offline: file:// URLs only.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from assessment.files import unique_slugs

from .helpers_batch import (
    COMPANIES,
    FAIL_ID,
    HOSTILE_IMG,
    HOSTILE_INDUSTRY,
    HOSTILE_SCRIPT,
    OK_IDS,
    shared_batch_run,
)

SLUGS = unique_slugs(COMPANIES)

pytestmark = [pytest.mark.timeout(900)]


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    return shared_batch_run(tmp_path_factory)


class Page:
    """A page opened from a file, recording console errors, page errors and dialogs."""

    def __init__(self, browser, path: Path):
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))

        def on_dialog(dialog):
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        self.page.on("dialog", on_dialog)
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")

    def plots(self) -> list[bool]:
        """For every plotly div: did plotly draw its SVG?"""
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".every(d => d.querySelector('.main-svg'))", timeout=30_000)
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('.plotly-graph-div'))"
            ".map(d => d.classList.contains('js-plotly-plot') && !!d.querySelector('.main-svg'))")

    def text(self) -> str:
        return self.page.evaluate("() => document.body.innerText")


def _check(page: Page, min_plots: int) -> None:
    plots = page.plots()
    assert len(plots) >= min_plots and all(plots), plots
    page.page.wait_for_timeout(300)  # late errors from scripts
    assert page.errors == []
    assert page.dialogs == []
    assert page.page.locator('img[src="x"]').count() == 0
    assert page.page.locator("svg[onload]").count() == 0
    remote = [u for u in page.requests if not u.startswith(("file:", "data:", "blob:"))]
    assert remote == []  # offline: nothing from the internet


def test_index_renders_links_and_shows_hostile_names_as_text(run, browser, tmp_path):
    page = Page(browser, run.out / "index.html")
    _check(page, min_plots=1)
    text = page.text()
    for hostile in (HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_INDUSTRY):
        assert hostile in text
    # every link in the company table leads to an existing report file inside out/
    hrefs = page.page.eval_on_selector_all(
        "#companies a[href]", "els => els.map(e => e.href)")
    assert hrefs
    targets = {Path(unquote(urlparse(h).path)) for h in hrefs}
    for target in targets:
        assert target.exists(), target
        assert target.parent == run.out
    assert {t.name for t in targets} == {f"{SLUGS[c]}.html" for c in OK_IDS}
    # the failure is listed with its error
    failures = page.page.locator("#failures").inner_text()
    assert FAIL_ID in failures and "on purpose for <b>failco</b>" in failures
    page.page.screenshot(path=str(tmp_path / "index.png"), full_page=True)
    # a link works when followed
    page.page.locator(f'#companies a[href="{SLUGS["../../etc"]}.html"]').first.click()
    page.page.wait_for_load_state("load")
    assert page.page.url.endswith(f"{SLUGS['../../etc']}.html")
    page.page.close()


@pytest.mark.parametrize("company_id", ["../../etc", "!!!"])
def test_reports_render_without_errors_or_dialogs(run, browser, company_id, tmp_path):
    page = Page(browser, run.out / f"{SLUGS[company_id]}.html")
    _check(page, min_plots=3)
    name = COMPANIES[company_id][0]
    assert name in page.text()
    assert name in page.page.title()
    page.page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    page.page.close()
