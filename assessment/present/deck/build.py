"""The deck's slides: a title slide, the executive summary, one slide per key result
(headline, one native chart, so-what) and an appendix, in the brand's colours with the
confidentiality line in every footer.

Every text is set through python-pptx's text frames (never as XML), so a company name
like ``<script>`` or ``=HYPERLINK(...)`` is shown as text.

>>> from assessment.present.brand import load_brand
>>> from assessment.present.report.core import build_report
>>> prs = build_deck(build_report("data/sample", "pcmaker"), load_brand())
>>> len(prs.slides), sum(shape.has_chart for s in prs.slides for shape in s.shapes)
(8, 5)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from assessment.present.brand import Brand
from assessment.present.deck.charts import FONT, add_chart, clean, rgb
from assessment.present.deck.content import deck_content
from assessment.present.deck.spec import DeckContent, SlideSpec, t
from assessment.present.numbers import date as long_date
from assessment.present.report.base import ReportBase

__all__ = ["build_deck"]

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.5)
INK, MUTED, PAPER = "#1F2933", "#616E7C", "#FFFFFF"
BLANK = 6  # the blank layout of python-pptx's default template
PROPERTY_MAX = 255


def _box(slide: Any, x: int, y: int, cx: int, cy: int, paragraphs: list[str], size: int,
         colour: str = INK, bold: bool = False, bullets: bool = False,
         align: Any = None, anchor: Any = None, space: int = 6) -> Any:
    """A text box with one paragraph per entry."""
    shape = slide.shapes.add_textbox(x, y, cx, cy)
    frame = shape.text_frame
    frame.word_wrap = True
    if anchor is not None:
        frame.vertical_anchor = anchor
    for i, text in enumerate(paragraphs):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        run = para.add_run()
        run.text = ("• " if bullets else "") + clean(text)
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.name = FONT
        run.font.color.rgb = rgb(colour)
        para.space_after = Pt(space)
        if align is not None:
            para.alignment = align
    return shape


def _rect(slide: Any, x: int, y: int, cx: int, cy: int, colour: str) -> Any:
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, x, y, cx, cy)
    shape.fill.solid()
    shape.fill.fore_color.rgb = rgb(colour)
    shape.line.fill.background()
    return shape


def _logo(slide: Any, brand: Brand, right: int, top: int, height: int) -> None:
    if brand.logo is None:
        return
    pic = slide.shapes.add_picture(str(brand.logo), 0, top, height=height)
    pic.left = Emu(right - pic.width)


def _footer(slide: Any, brand: Brand, content: DeckContent, page: int) -> None:
    y = HEIGHT - Inches(0.55)
    _rect(slide, MARGIN, y, WIDTH - 2 * MARGIN, Pt(1), brand.accent_secondary)
    _box(slide, MARGIN, y + Pt(3), Inches(7.2), Inches(0.4),
         [brand.confidentiality_line(content.lang)], 10, MUTED)
    _box(slide, Inches(7.8), y + Pt(3), Inches(4.6), Inches(0.4),
         [" · ".join(p for p in (brand.consultancy, content.company) if p)], 10, MUTED,
         align=PP_ALIGN.RIGHT)
    _box(slide, WIDTH - MARGIN - Inches(0.45), y + Pt(3), Inches(0.45), Inches(0.4),
         [str(page)], 10, MUTED, align=PP_ALIGN.RIGHT)


def _heading(slide: Any, brand: Brand, title: str, headline: str) -> None:
    _rect(slide, 0, 0, WIDTH, Inches(0.12), brand.accent)
    _box(slide, MARGIN, Inches(0.3), Inches(10.5), Inches(0.4), [title], 14,
         brand.accent_secondary, bold=True)
    _box(slide, MARGIN, Inches(0.7), WIDTH - 2 * MARGIN - Inches(1.6), Inches(1.0),
         [headline], 24, brand.accent, bold=True)
    _logo(slide, brand, WIDTH - MARGIN, Inches(0.3), Inches(0.6))


def _title_slide(prs: Any, brand: Brand, content: DeckContent, when: dt.date) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK])
    _rect(slide, 0, 0, Inches(0.35), HEIGHT, brand.accent)
    _rect(slide, Inches(0.35), 0, Inches(0.08), HEIGHT, brand.accent_secondary)
    lang = content.lang
    _box(slide, Inches(1.2), Inches(1.6), Inches(10.5), Inches(0.6),
         [t("title.deck", lang)], 20, brand.accent_secondary, bold=True)
    _box(slide, Inches(1.2), Inches(2.3), Inches(10.5), Inches(2.0), [content.company], 40,
         brand.accent, bold=True, anchor=MSO_ANCHOR.TOP)
    lines = [long_date(when, lang)]
    if content.wave:
        lines.append(t("title.wave", lang, wave=content.wave))
    if brand.consultancy:
        lines.append(t("title.prepared_by", lang, consultancy=brand.consultancy))
    _box(slide, Inches(1.2), Inches(4.5), Inches(10.5), Inches(1.4), lines, 16, INK)
    _box(slide, Inches(1.2), HEIGHT - Inches(1.0), Inches(10.5), Inches(0.5),
         [brand.confidentiality_line(lang)], 11, MUTED)
    _logo(slide, brand, WIDTH - MARGIN, Inches(0.5), Inches(1.0))


def _summary_slide(prs: Any, brand: Brand, content: DeckContent) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK])
    lang = content.lang
    _heading(slide, brand, t("headings.summary", lang), content.headline)
    top = Inches(1.75)
    if content.caveats:
        _box(slide, MARGIN, top, WIDTH - 2 * MARGIN, Inches(0.5), content.caveats, 13,
             "#B42318", space=2)
        top += Inches(0.3) * (len(content.caveats) + 1)
    _box(slide, MARGIN, top, Inches(4), Inches(0.4), [t("headings.figures", lang)], 14,
         brand.accent_secondary, bold=True)
    width = (WIDTH - 2 * MARGIN - Inches(0.4)) / 3
    for i, figure in enumerate(content.figures):
        x = MARGIN + Emu(int(i * (width + Inches(0.2))))
        _rect(slide, x, top + Inches(0.45), Inches(0.06), Inches(1.5),
              brand.accent_secondary)
        _box(slide, x + Inches(0.2), top + Inches(0.4), Emu(int(width)) - Inches(0.2),
             Inches(0.7), [figure.value], 36, brand.accent, bold=True)
        _box(slide, x + Inches(0.2), top + Inches(1.1), Emu(int(width)) - Inches(0.2),
             Inches(0.6), [figure.label], 12, INK, space=2)
        _box(slide, x + Inches(0.2), top + Inches(1.6), Emu(int(width)) - Inches(0.2),
             Inches(0.4), [figure.group], 12, MUTED, space=2)
    y = top + Inches(2.2)
    _box(slide, MARGIN, y, Inches(6), Inches(0.4), [t("headings.discuss", lang)], 14,
         brand.accent_secondary, bold=True)
    _box(slide, MARGIN, y + Inches(0.45), WIDTH - 2 * MARGIN, HEIGHT - y - Inches(1.1),
         [f"{i}. {text}" for i, text in enumerate(content.discuss, 1)], 13, INK)


def _result_slide(prs: Any, brand: Brand, spec: SlideSpec) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK])
    _heading(slide, brand, spec.title, spec.headline)
    top = Inches(1.8)
    chart_w = Inches(8.1)
    add_chart(slide, spec.chart, MARGIN, top, chart_w, HEIGHT - top - Inches(0.75))
    x = MARGIN + chart_w + Inches(0.3)
    _rect(slide, x, top + Inches(0.1), Inches(0.06), Inches(3.6), brand.accent_secondary)
    _box(slide, x + Inches(0.2), top, WIDTH - MARGIN - x - Inches(0.2),
         HEIGHT - top - Inches(0.8), spec.so_what, 14, INK, space=10)


def _appendix_slide(prs: Any, brand: Brand, content: DeckContent) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[BLANK])
    lang = content.lang
    _heading(slide, brand, t("headings.appendix", lang), content.company)
    rows = content.appendix_rows
    table = slide.shapes.add_table(len(rows), len(rows[0]), MARGIN, Inches(1.8),
                                   WIDTH - 2 * MARGIN, Inches(0.4) * len(rows)).table
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = table.cell(r, c)
            cell.text = clean(value)
            cell.fill.solid()
            cell.fill.fore_color.rgb = rgb(brand.accent if r == 0 else
                                           "#F2F4F7" if r % 2 else PAPER)
            for para in cell.text_frame.paragraphs:
                for run in para.runs:
                    run.font.size = Pt(12)
                    run.font.name = FONT
                    run.font.bold = r == 0
                    run.font.color.rgb = rgb(PAPER if r == 0 else INK)
    y = Inches(1.9) + Inches(0.45) * len(rows)
    _box(slide, MARGIN, y, WIDTH - 2 * MARGIN, HEIGHT - y - Inches(0.7),
         content.appendix_notes, 12, INK, bullets=True, space=4)


def build_deck(rep: ReportBase, brand: Brand, when: dt.date | None = None) -> Any:
    """The company's deck as a python-pptx ``Presentation``.

    Parameters
    ----------
    rep : ReportBase
        The company's report data in the deck's language.
    brand : Brand
        Consultancy, logo, accent colours, confidentiality line.
    when : datetime.date, optional
        The date on the title slide (default: today).

    Returns
    -------
    pptx.presentation.Presentation
    """
    content = deck_content(rep)
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    # the file's properties hold at most 255 characters (a long name is cut there only)
    prs.core_properties.title = clean(f"{t('title.deck', rep.lang)}: {content.company}"
                                      )[:PROPERTY_MAX]
    prs.core_properties.author = clean(brand.consultancy)[:PROPERTY_MAX]
    _title_slide(prs, brand, content, when or dt.date.today())
    _summary_slide(prs, brand, content)
    for spec in content.slides:
        _result_slide(prs, brand, spec)
    _appendix_slide(prs, brand, content)
    for page, slide in enumerate(prs.slides, 1):
        if page > 1:
            _footer(slide, brand, content, page)
    return prs
