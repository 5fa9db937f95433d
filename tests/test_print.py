"""The report as a deliverable: the A4 PDF the batch prints (``--pdf``) and the page on a
phone.

One batch run on two sample companies with ``--pdf`` and a brand file; then, in headless
Chromium and with pypdfium2 on the PDFs:

- every chart lies whole on one printed page: the chart's title and its lowest text (read
  from the print-emulated page at the printed width) are on the same PDF page;
- page one holds the executive summary: the headline sentence and the three key figures
  are in page one's text, and page two begins with the next section;
- the footer carries the company, the brand's confidentiality line and the page number;
- at 390 px (a phone) the page has no horizontal overflow.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

from assessment.cli import main
from assessment.present.report.core import build_report
from assessment.run.pdf import PRINT_WIDTH_PX

pytestmark = [pytest.mark.timeout(900)]

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
COMPANIES = ("pcmaker", "deptstore")
CONFIDENTIAL = "Streng vertraulich: nur für die Geschäftsleitung"

# each chart's title and its lowest non-empty text, in the page as printed
_CHART_TEXTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g => {
    // a multi-line label is a text of tspan lines: each line a text of its own
    const texts = Array.from(g.querySelectorAll('text')).flatMap(t => {
        const lines = t.querySelectorAll('tspan.line');
        return lines.length ? Array.from(lines) : [t]; }).filter(t => t.textContent.trim()
        && t.getBoundingClientRect().height > 0);
    const title = g.querySelector('.gtitle');
    let low = null;
    for (const t of texts) {
        if (!low || t.getBoundingClientRect().bottom > low.getBoundingClientRect().bottom) {
            low = t; } }
    return [title ? title.textContent : '', low ? low.textContent : ''];
})"""


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("print") / "reports"
    brand = out.parent / "brand.yaml"
    brand.write_text(f"consultancy: Beispiel Beratung\naccent: '#7A1F5C'\n"
                     f"confidentiality: '{CONFIDENTIAL}'\n", encoding="utf-8")
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["reports", str(SAMPLE), "--out", str(out), "--jobs", "2", "--pdf",
                     "--brand", str(brand), "--lang", "de", "--companies",
                     ",".join(COMPANIES)])
    assert code == 0, stderr.getvalue()
    return out


def _pages(pdf: Path) -> list[str]:
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(pdf))
    try:
        return [" ".join(doc[i].get_textpage().get_text_range().split())
                for i in range(len(doc))]
    finally:
        doc.close()


def test_pdf_is_written_beside_each_report_atomically(printed):
    for cid in COMPANIES:
        pdf = printed / f"{cid}.pdf"
        assert pdf.read_bytes().startswith(b"%PDF-") and (printed / f"{cid}.html").exists()
    assert not [p for p in printed.iterdir() if p.suffix == ".pdf"
                and p.stem not in COMPANIES]
    assert not [p for p in printed.iterdir() if ".tmp" in p.name]  # nothing half-written


@pytest.mark.parametrize("cid", COMPANIES)
def test_every_chart_lies_whole_on_one_page(printed, browser, cid):
    page = browser.new_page(viewport={"width": PRINT_WIDTH_PX, "height": 1100})
    page.goto((printed / f"{cid}.html").as_uri())
    page.emulate_media(media="print")
    page.wait_for_function("() => Array.from(document.querySelectorAll("
                           "'.plotly-graph-div')).every(g => g._fullLayout)")
    charts = page.evaluate(_CHART_TEXTS)
    page.close()
    assert len(charts) >= 3
    texts = _pages(printed / f"{cid}.pdf")
    for title, lowest in charts:
        title = " ".join(title.split())
        lowest = " ".join(lowest.split())
        first = next((i for i, t in enumerate(texts) if title in t), None)
        assert first is not None, f"chart {title!r} is not in the PDF"
        # the chart's lowest text is on the page of its title
        assert lowest in texts[first], (
            f"chart {title!r} is split: {lowest!r} is not on page {first + 1}")


@pytest.mark.parametrize("cid", COMPANIES)
def test_the_summary_fits_page_one(printed, cid):
    rep = build_report(SAMPLE, cid, lang="de")
    texts = _pages(printed / f"{cid}.pdf")
    first = texts[0]
    assert " ".join(rep.headline_sentence().split()) in first
    for figure in rep.key_figures():
        assert figure["value"] in first and figure["basis"] in first
    assert "," in rep.key_figures()[0]["value"]  # German decimal comma
    for thing in rep.things_to_discuss():
        assert " ".join(thing.split())[:60] in first
    # page two begins with the next section (the findings at a glance)
    assert texts[1].startswith(rep.t("headings.headline"))
    # the footer: company, confidentiality line, page number, on every page
    for i, text in enumerate(texts, 1):
        assert rep.name in text and CONFIDENTIAL in text
        assert f"Seite {i} von {len(texts)}" in text
    assert "Beispiel Beratung" in first


@pytest.mark.parametrize("width", [390, 1920])
def test_no_horizontal_overflow_on_a_phone_or_a_projector(printed, browser, width):
    for cid in COMPANIES:
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto((printed / f"{cid}.html").as_uri())
        page.wait_for_function("() => Array.from(document.querySelectorAll("
                               "'.plotly-graph-div')).every(g => g._fullLayout)")
        scroll = page.evaluate("document.documentElement.scrollWidth")
        # every chart within the screen, its axis labels not cut off
        widest = page.evaluate("Math.max(...Array.from(document.querySelectorAll("
                               "'.js-plotly-plot')).map(g => g.getBoundingClientRect().right))")
        page.close()
        assert scroll <= width, f"{cid}: the page is {scroll} px wide at {width} px"
        assert widest <= width


def test_hostile_names_in_the_pdf_are_text_and_nothing_runs(tmp_path, browser):
    """Company names and an industry that are HTML or script: the PDF shows them as text
    (in the page and in the footer), no dialog opens while printing, every PDF is whole."""
    from assessment.files import unique_slugs

    from .helpers_batch import HOSTILE_IMG, HOSTILE_INDUSTRY, HOSTILE_SCRIPT, write_small_dataset

    companies = {"pcmaker": None, "../../etc": (HOSTILE_IMG, HOSTILE_INDUSTRY, "shoes"),
                 "!!!": (HOSTILE_SCRIPT, "Retail", "airline")}
    dataset = write_small_dataset(tmp_path / "data", companies)
    out = tmp_path / "reports"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["reports", str(dataset), "--out", str(out), "--jobs", "2", "--pdf"])
    assert code == 0, stderr.getvalue()
    slugs = unique_slugs(companies)
    names = {"../../etc": HOSTILE_IMG, "!!!": HOSTILE_SCRIPT}
    for cid, name in names.items():
        pdf = out / f"{slugs[cid]}.pdf"
        texts = _pages(pdf)  # opens: a whole PDF
        assert name in texts[0] and all(name in t for t in texts)  # page and footer
    assert HOSTILE_INDUSTRY in _pages(out / f"{slugs['../../etc']}.pdf")[0]
    assert sorted(p.name for p in out.glob("*.pdf")) == sorted(
        f"{s}.pdf" for s in slugs.values())
    # the page the PDF was printed from runs none of it
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for slug in slugs.values():
        page.goto((out / f"{slug}.html").as_uri())
        page.emulate_media(media="print")
        assert page.locator("h1").first.inner_text() in {"Configurix Computers", *names.values()}
    page.close()
    assert dialogs == []


def test_the_brand_colours_the_page(printed):
    page = (printed / "pcmaker.html").read_text(encoding="utf-8")
    assert "--va-accent: #7A1F5C" in page
    assert '<header class="va-brand-bar"><span>Beispiel Beratung</span></header>' in page


def test_an_unusable_brand_or_no_browser_stops_before_anything_is_written(tmp_path,
                                                                           monkeypatch):
    from assessment.exceptions import AssessmentError
    from assessment.run import batch
    from assessment.run.browser import BrowserMissing

    bad = tmp_path / "brand.yaml"
    bad.write_text("consultancy: ''\naccent: blue\n", encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(AssessmentError) as info:
        batch.run_reports(SAMPLE, out, brand=bad, progress=False)
    assert "accent: 'blue' is not a colour" in str(info.value)
    assert "consultancy" in str(info.value) and not out.exists()

    def missing(path=None, install=True):
        assert install is False  # the batch never downloads a browser
        raise BrowserMissing("no browser here; install chromium")

    from assessment.run import pdf as pdf_mod

    monkeypatch.setattr(pdf_mod, "find_chromium", missing)
    with pytest.raises(AssessmentError, match="^--pdf: no browser here") as info:
        batch.run_reports(SAMPLE, out, pdf=True, progress=False)
    assert "\n" not in str(info.value) and not out.exists()
