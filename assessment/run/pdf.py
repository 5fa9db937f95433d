"""The reports as A4 PDFs: each HTML report printed by headless Chromium through Playwright.

:func:`print_reports` opens every report file (``file://``, offline: plotly.js lies beside
the pages or inside them) in one browser, a few pages at a time, lays the page out at the
printed page's width (so the charts, which are responsive, take that width), switches to
the print style sheet and prints it with a footer: the company's name, the date, the
brand's confidentiality line and "Page n of m". Each PDF is written atomically beside its
HTML (``<slug>.pdf``); a page that fails is recorded and the others go on, so there is
never a half-written PDF and one company's failure does not stop the batch.

The footer is a Jinja2 template with autoescaping (``templates/pdf_footer.html.j2``):
company names are untrusted text.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader

from assessment.exceptions import AssessmentError
from assessment.files import atomic_write_bytes
from assessment.present.brand import Brand
from assessment.present.labels import label
from assessment.present.numbers import date
from assessment.run.browser import LAUNCH_ARGS, BrowserMissing, find_chromium
from assessment.run.jobs import CompanyReport

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: the printed page: A4 with these margins (the bottom one holds the footer)
MARGIN = {"top": "12mm", "bottom": "16mm", "left": "13mm", "right": "13mm"}
#: CSS pixels across the printable width of A4 (210 mm less the margins, 96 px per inch)
PRINT_WIDTH_PX = round((210 - 26) / 25.4 * 96)
#: seconds one page may take to load and print
PAGE_TIMEOUT = 60.0

_ENV = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True)

# the charts drawn (plotly marks each drawn chart with _fullLayout), then resized to the
# page's width as it is now (the print width)
_CHARTS_DRAWN = """() => !window.Plotly || Array.from(document.querySelectorAll(
    '.plotly-graph-div')).every(g => g._fullLayout)"""
_RESIZE = """async () => { if (!window.Plotly) return;
    for (const g of document.querySelectorAll('.js-plotly-plot')) {
        await Plotly.Plots.resize(g); } }"""


@dataclass
class PrintJob:
    """One report to print: its HTML file, the PDF to write, the company's name."""

    html: Path
    pdf: Path
    company: str


def footer_html(company: str, brand: Brand, lang: str = "en",
                day: dt.date | None = None) -> str:
    """The footer of every printed page (Chromium's ``footer_template``): company, date,
    confidentiality line, page number; every text escaped.

    Examples
    --------
    >>> from assessment.present.brand import load_brand
    >>> html = footer_html("<b>A&B</b>", load_brand(), "de", dt.date(2026, 11, 30))
    >>> "&lt;b&gt;A&amp;B&lt;/b&gt;" in html, "30. November 2026" in html, "Seite" in html
    (True, True, True)
    >>> '<span class="pageNumber"></span>' in html
    True
    """
    return _ENV.get_template("pdf_footer.html.j2").render(
        company=company, date=date(day or dt.date.today(), lang),
        confidentiality=brand.confidentiality_line(lang), consultancy=brand.consultancy,
        page=label("print.page", lang), of=label("print.of", lang),
        accent=brand.accent).strip()


async def _print_one(browser, job: PrintJob, footer: str, timeout: float) -> None:
    page = await browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1100})
    try:
        page.set_default_timeout(timeout * 1000)
        await page.goto(job.html.resolve().as_uri(), wait_until="load")
        await page.emulate_media(media="print")
        await page.wait_for_function(_CHARTS_DRAWN)
        await page.evaluate(_RESIZE)
        await page.evaluate("document.fonts.ready.then(() => true)")
        data = await page.pdf(format="A4", print_background=True, margin=MARGIN,
                              display_header_footer=True,
                              header_template="<span></span>", footer_template=footer)
    finally:
        await page.close()
    if not data.startswith(b"%PDF-"):
        raise RuntimeError("Chromium returned no PDF")
    atomic_write_bytes(job.pdf, data)


async def _print_all(jobs: list[PrintJob], chromium: Path, brand: Brand, lang: str,
                     parallel: int, timeout: float) -> dict[str, str | None]:
    from playwright.async_api import async_playwright

    errors: dict[str, str | None] = {}
    gate = asyncio.Semaphore(max(1, parallel))
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            async def one(job: PrintJob) -> None:
                async with gate:
                    try:
                        await _print_one(browser, job, footer_html(job.company, brand, lang),
                                         timeout)
                        errors[str(job.pdf)] = None
                    except Exception as exc:  # one report's failure is recorded, not raised
                        first = (str(exc).strip().splitlines() or [""])[0]
                        errors[str(job.pdf)] = f"{type(exc).__name__}: {first}"[:500]
            await asyncio.gather(*(one(job) for job in jobs))
        finally:
            await browser.close()
    return errors


def print_reports(jobs: list[PrintJob], chromium: Path, brand: Brand, lang: str = "en",
                  parallel: int = 2, timeout: float = PAGE_TIMEOUT) -> dict[str, str | None]:
    """Print each job's HTML report to its PDF (atomically), ``parallel`` pages at a time.

    Parameters
    ----------
    jobs : list of PrintJob
        The reports to print.
    chromium : Path
        The browser (:func:`assessment.run.browser.find_chromium`).
    brand : Brand
        The footer's confidentiality line.
    lang : str
        The footer's language.
    parallel : int
        Pages printed at the same time.
    timeout : float
        Seconds one page may take.

    Returns
    -------
    dict
        The PDF's path -> None when it was written, else why it failed (one line).

    Examples
    --------
    >>> print_reports([], Path("chromium"), None)
    {}
    """
    if not jobs:
        return {}
    # a thread of its own: the caller may be inside an event loop (a notebook, Playwright)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, _print_all(jobs, chromium, brand, lang, parallel,
                                                   timeout)).result()


def pdf_browser() -> Path:
    """The Chromium that prints the PDFs; none: one clear line, before anything is written."""
    try:
        return find_chromium(install=False)
    except BrowserMissing as exc:
        raise AssessmentError(f"--pdf: {exc}") from None


def print_batch_pdfs(out: Path, reports: dict[str, CompanyReport], names: dict[str, str],
                     chromium: Path, brand: Brand, lang: str, jobs: int,
                     progress: bool) -> list[Path]:
    """Print the reports written now, and those up to date whose PDF is missing or older
    than the page, to ``<slug>.pdf``; a failed PDF marks its company's report failed."""
    todo: list[PrintJob] = []
    for cid, rep in reports.items():
        html, target = out / f"{rep.slug}.html", out / f"{rep.slug}.pdf"
        fresh = rep.status == "ok"
        stale = (rep.status == "skipped" and rep.reason == "up to date" and html.exists()
                 and (not target.exists() or target.stat().st_mtime < html.stat().st_mtime))
        if fresh or stale:
            todo.append(PrintJob(html, target, names.get(cid, cid)))
    by_pdf = {str(out / f"{reports[cid].slug}.pdf"): cid for cid in reports}
    errors = print_reports(todo, chromium, brand, lang, parallel=min(max(jobs, 1), 4))
    written = []
    for path, error in errors.items():
        cid = by_pdf[path]
        if error is None:
            written.append(Path(path))
            continue
        rep = reports[cid]
        rep.status, rep.error = "failed", f"PDF failed: {error}"
        if progress:
            print(f"failed: PDF of {cid!r}: {error}", file=sys.stderr, flush=True)
    return written

