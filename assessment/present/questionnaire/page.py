"""The printable questionnaire: one HTML page (Jinja2 template with autoescape), one
statement per row with a box per answer, print CSS for A4; the browser's "Print" makes
the PDF."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined

from assessment.instrument.texts import node
from assessment.present.questionnaire.content import Questionnaire
from assessment.present.theme import FONT_FAMILY, PAGE_COLORS

#: the questionnaire's templates (``assessment/present/templates/questionnaire``)
ENV = Environment(loader=PackageLoader("assessment.present", "templates"), autoescape=True,
                  undefined=StrictUndefined, keep_trailing_newline=True)


def form_html(q: Questionnaire, instrument_title: str = "") -> str:
    """The printable questionnaire as one HTML page (no scripts, no external files).

    Parameters
    ----------
    q : Questionnaire
    instrument_title : str
        The line under the title (the instrument's title and version).

    Examples
    --------
    >>> from assessment.present.questionnaire.content import build_questionnaire
    >>> page = form_html(build_questionnaire("internal", "de"))
    >>> page.count('<td class="box">'), "In welcher Abteilung arbeiten Sie?" in page
    (285, True)
    """
    texts = {key: leaf[q.lang] for key, leaf in node("questionnaire", "print").items()}
    numbers = {x.item_id: n for n, x in enumerate(q.questions, start=1)}
    return ENV.get_template("questionnaire/form.html.j2").render(
        q=q, t=texts, numbers=numbers, instrument_title=instrument_title,
        colors=PAGE_COLORS, font=FONT_FAMILY)
