"""What a questionnaire asks: the statements one perspective answers, in one language, in
parts of one discipline and lens each, with the survey-tool code of every item.

Customers answer the experience items and the threshold items in their first-person
wording (``customer_text``); staff answer every item in the staff wording (``text``).
Reverse-keyed items are asked as worded: the scoring recodes the answers.
"""

from __future__ import annotations

from dataclasses import dataclass

from assessment.instrument.codes import tool_code, tool_codes
from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import THRESHOLD_LENS, Instrument, load_instrument
from assessment.instrument.texts import check_lang, text

PERSPECTIVES = ("customer", "internal")
#: the ``lens`` of a part holding a customer-integration block (its ``discipline`` is the block)
INTEGRATION = "integration"
#: the survey-tool code of the staff's department question (its export column)
DEPARTMENT_CODE = "department"


@dataclass(frozen=True)
class Question:
    """One statement: the item it answers, its survey-tool code and its wording."""

    item_id: str
    code: str
    text: str
    reverse: bool


@dataclass(frozen=True)
class Part:
    """The statements of one discipline and lens (or one threshold value, or one block of
    the customer-integration section: lens ``integration``, the block as discipline).

    ``code`` names the part in survey tools (letters only, never an item's code);
    ``title`` is what respondents see ("Part 2 of 6"): the parts are not labelled with
    the discipline they measure, so the labels cannot steer the answers.
    """

    number: int
    code: str
    discipline: str
    lens: str
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    """A questionnaire for one perspective in one language.

    Examples
    --------
    >>> q = build_questionnaire("customer", "de")
    >>> q.parts[0].code, q.parts[0].title, q.labels[0]
    ('OEEXP', 'Teil 1 von 6', (1, 'Stimme überhaupt nicht zu'))
    >>> q.parts[0].questions[0].code, len(q.questions)
    ('oeexp1', 33)
    """

    perspective: str
    lang: str
    version: str
    title: str
    survey_title: str
    intro: str
    stem: str
    labels: tuple[tuple[int, str], ...]
    parts: tuple[Part, ...]
    #: the staff's department question (None for customers)
    department: str | None

    @property
    def questions(self) -> list[Question]:
        """Every statement in the order asked."""
        return [q for part in self.parts for q in part.questions]

    def label_texts(self) -> list[str]:
        """The answer labels, lowest value first."""
        return [label for _, label in self.labels]


def _part_code(inst: Instrument, discipline: str, lens: str) -> str:
    short = inst.disciplines[discipline].short  # type: ignore[index]
    if lens == THRESHOLD_LENS:
        return f"THR{short}"
    return f"{short}{inst.lenses[lens].short}"  # type: ignore[index]


def build_questionnaire(perspective: str, lang: str = "en", instrument: Instrument | None = None,
                        integration: IntegrationInstrument | None = None) -> Questionnaire:
    """The questionnaire ``perspective`` answers, worded in ``lang``.

    Parameters
    ----------
    perspective : str
        ``"customer"`` (experience and threshold items, customer wording) or
        ``"internal"`` (every item, staff wording).
    lang : str
        ``en``, ``de`` or ``nl``.
    instrument : Instrument, optional
        The instrument (default: the newest packaged version).
    integration : IntegrationInstrument, optional
        A customer-integration section whose items the perspective answers (its
        ``answered_by``) follow the instrument's, one part per block; none by default.

    Returns
    -------
    Questionnaire

    Raises
    ------
    ValueError
        An unknown perspective or language, or two items sharing a survey-tool code.

    Examples
    --------
    >>> q = build_questionnaire("internal", "en")
    >>> [p.code for p in q.parts]
    ['OEEXP', 'OESET', 'CIEXP', 'CISET', 'PLEXP', 'PLSET', 'THROE', 'THRCI', 'THRPL']
    >>> q.questions[0].text
    'Our customers get what they ordered on time, complete and without errors.'
    >>> build_questionnaire("customer", "en").questions[0].text
    'I get what I ordered on time, complete and without errors.'
    >>> from assessment.instrument.integration import load_integration
    >>> q = build_questionnaire("customer", "en", integration=load_integration())
    >>> [p.code for p in q.parts][-4:], len(q.questions)
    (['INTROLES', 'INTPARTICIPATION', 'INTMOTIVES', 'INTSELFSERVICE'], 68)
    """
    if perspective not in PERSPECTIVES:
        raise ValueError(f"unknown perspective {perspective!r}; expected one of "
                         f"{list(PERSPECTIVES)}")
    check_lang(lang)
    inst = instrument or load_instrument()
    audience = "customer" if perspective == "customer" else "staff"
    groups: list[tuple[str, str, str, list[Question]]] = [
        (_part_code(inst, d, lens), d, lens,
         [Question(i.id, tool_code(i.id), i.wording(audience, lang), i.reverse)
          for i in inst.cell_items(d, lens)])
        for d, lens in inst.cells() if perspective == "internal" or lens != "setup"]
    if integration is not None:
        for block in integration.blocks:
            asked = [Question(i.id, tool_code(i.id), i.text.get(lang), i.reverse)
                     for i in integration.items
                     if i.block == block and perspective in i.answered_by]
            if asked:
                groups.append((f"INT{block.replace('_', '').upper()}", block, INTEGRATION,
                               asked))
    tool_codes([x.item_id for *_, questions in groups for x in questions])  # distinct
    parts = tuple(
        Part(n, code, d, lens, text("questionnaire", "part", lang, n=n, total=len(groups)),
             tuple(questions))
        for n, (code, d, lens, questions) in enumerate(groups, start=1))
    title = text("questionnaire", f"title.{perspective}", lang)
    return Questionnaire(
        perspective=perspective, lang=lang, version=inst.version, title=title,
        survey_title=f"{title} – {inst.title.get(lang)}",
        intro=text("questionnaire", f"intro.{perspective}", lang),
        stem=text("questionnaire", "stem", lang),
        labels=tuple((v, inst.scale.labels[v].get(lang))
                     for v in range(inst.scale.min, inst.scale.max + 1)),
        parts=parts,
        department=(text("questionnaire", "department", lang)
                    if perspective == "internal" else None))
