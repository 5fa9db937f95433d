"""The questionnaire as survey tools take it in.

- LimeSurvey: the tab-separated survey structure (Import survey, ``.txt``): one group per
  part holding one array question (type ``F``) whose subquestions are coded by the items'
  tool codes and whose answer options are coded 1 to 5 with the labels; the response
  export then heads each answer column ``PART[code]`` and holds the codes 1-5.
- Qualtrics: the Advanced Format TXT: one block per part, one horizontal single-answer
  question per statement whose ID (the export tag, the column heading of the export) is
  the item's tool code, choices with the recode values 1 to 5.
- Microsoft Forms, Google Forms and SurveyMonkey import no questionnaire: a plain-text
  set-up sheet to paste from, in the order and wording to use, which their exports
  (statement text as column heading, label as answer) map back from.
"""

from __future__ import annotations

from assessment.files import csv_text
from assessment.instrument.texts import text
from assessment.present.questionnaire.content import DEPARTMENT_CODE, Questionnaire

#: LimeSurvey's longest question or subquestion code (its database column)
LIMESURVEY_CODE_MAX = 20
LIMESURVEY_COLUMNS = ("id", "related_id", "class", "type/scale", "name", "relevance", "text",
                      "help", "language", "validation", "mandatory", "other", "default",
                      "same_default")
#: the names the set-up sheets give each tool
TOOL_NAMES = {"msforms": "Microsoft Forms", "googleforms": "Google Forms",
              "surveymonkey": "SurveyMonkey"}


def _ls_row(**cells: object) -> list[object]:
    return [cells.get(c.replace("/", "_"), "") for c in LIMESURVEY_COLUMNS]


def limesurvey_tsv(q: Questionnaire) -> str:
    """LimeSurvey's tab-separated survey structure (write it UTF-8 with a BOM).

    Examples
    --------
    >>> from assessment.present.questionnaire.content import build_questionnaire
    >>> lines = limesurvey_tsv(build_questionnaire("customer", "en")).splitlines()
    >>> lines[0].split("\\t")[:5]
    ['id', 'related_id', 'class', 'type/scale', 'name']
    >>> [r.split("\\t")[2:5] for r in lines if "\\toeexp1\\t" in r]
    [['SQ', '0', 'oeexp1']]
    """
    codes = [x.code for x in q.questions] + [p.code for p in q.parts]
    too_long = [c for c in codes if len(c) > LIMESURVEY_CODE_MAX]
    if too_long:
        raise ValueError(f"LimeSurvey takes codes of at most {LIMESURVEY_CODE_MAX} "
                         f"characters; {len(too_long)} are longer: {', '.join(too_long[:3])}"
                         + (", ..." if len(too_long) > 3 else ""))
    lang = q.lang
    rows: list[list[object]] = [
        _ls_row(**{"class": "S"}, name="language", text=lang),
        _ls_row(**{"class": "S"}, name="format", text="G"),
        _ls_row(**{"class": "SL"}, name="surveyls_title", text=q.survey_title, language=lang),
        _ls_row(**{"class": "SL"}, name="surveyls_description", text=q.intro, language=lang),
        _ls_row(**{"class": "SL"}, name="surveyls_welcometext", text=q.intro, language=lang),
    ]
    gid, qid = 0, 0
    if q.department is not None:
        gid, qid = gid + 1, qid + 1
        rows.append(_ls_row(id=gid, **{"class": "G"}, type_scale=0,
                            name=text("questionnaire", "about_you", lang), relevance=1,
                            language=lang))
        rows.append(_ls_row(id=qid, **{"class": "Q"}, type_scale="S", name=DEPARTMENT_CODE,
                            relevance=1, text=q.department, language=lang, mandatory="N",
                            other="N"))
    for part in q.parts:
        gid, qid = gid + 1, qid + 1
        rows.append(_ls_row(id=gid, **{"class": "G"}, type_scale=0, name=part.title,
                            relevance=1, language=lang))
        rows.append(_ls_row(id=qid, **{"class": "Q"}, type_scale="F", name=part.code,
                            relevance=1, text=q.stem, language=lang, mandatory="N",
                            other="N"))
        for question in part.questions:
            rows.append(_ls_row(**{"class": "SQ"}, type_scale=0, name=question.code,
                                relevance=1, text=question.text, language=lang))
        for value, label in q.labels:
            rows.append(_ls_row(id=qid, **{"class": "A"}, type_scale=0, name=value,
                                text=label, language=lang))
    return csv_text(LIMESURVEY_COLUMNS, rows, delimiter="\t")


def qualtrics_txt(q: Questionnaire) -> str:
    """Qualtrics' Advanced Format TXT (Import survey from a file).

    Examples
    --------
    >>> from assessment.present.questionnaire.content import build_questionnaire
    >>> txt = qualtrics_txt(build_questionnaire("customer", "nl"))
    >>> print(txt[:txt.index("[[Choice:2]]")])  # doctest: +NORMALIZE_WHITESPACE
    [[AdvancedFormat]]
    [[Question:DB]]
    [[ID:intro]]
    In hoeverre bent u het eens met de volgende uitspraken? Antwoord vanuit uw eigen ervaring
    als klant; er zijn geen goede of foute antwoorden. Laat een uitspraak open als u die niet
    kunt beoordelen.
    [[Block:OEEXP Deel 1 van 6]]
    [[Question:MC:SingleAnswer:Horizontal]]
    [[ID:oeexp1]]
    Wat ik bestel, krijg ik op tijd, compleet en foutloos.
    [[AdvancedChoices]]
    [[Choice:1]]
    Helemaal mee oneens
    """
    out = ["[[AdvancedFormat]]", "", "[[Question:DB]]", "[[ID:intro]]", _one_line(q.intro), ""]
    if q.department is not None:
        out += [f"[[Block:{text('questionnaire', 'about_you', q.lang)}]]", "",
                "[[Question:TE:SingleLine]]", f"[[ID:{DEPARTMENT_CODE}]]", q.department, ""]
    for part in q.parts:
        out += [f"[[Block:{part.code} {part.title}]]", ""]
        for question in part.questions:
            out += ["[[Question:MC:SingleAnswer:Horizontal]]", f"[[ID:{question.code}]]",
                    _one_line(question.text), "", "[[AdvancedChoices]]"]
            for value, label in q.labels:
                out += [f"[[Choice:{value}]]", label]
            out.append("")
    return "\n".join(out)


def _one_line(value: str) -> str:
    """A text on one line: Advanced Format reads a question's text up to a blank line and
    a ``[[`` starts a tag."""
    return " ".join(value.replace("[[", "[ [").split())


def setup_sheet(q: Questionnaire, tool: str) -> str:
    """The plain-text set-up sheet for a tool that imports no questionnaire.

    Parameters
    ----------
    q : Questionnaire
    tool : str
        ``msforms``, ``googleforms`` or ``surveymonkey``.

    Examples
    --------
    >>> from assessment.present.questionnaire.content import build_questionnaire
    >>> sheet = setup_sheet(build_questionnaire("customer", "en"), "msforms")
    >>> sheet.splitlines()[0]
    'Customer survey: set-up sheet for Microsoft Forms (33 statements in 6 parts, instrument 1.1.0)'
    >>> "I get what I ordered on time, complete and without errors." in sheet.splitlines()
    True
    """
    if tool not in TOOL_NAMES:
        raise ValueError(f"unknown tool {tool!r}; expected one of {sorted(TOOL_NAMES)}")
    lang = q.lang

    def t(key: str, **fmt: object) -> str:
        return text("questionnaire", f"setup.{key}", lang, **fmt)

    out = [t("heading", title=q.title, tool=TOOL_NAMES[tool], questions=len(q.questions),
             parts=len(q.parts), version=q.version), "", t(f"how.{tool}"), "",
           t("import_hint", perspective=q.perspective), "", q.intro, ""]
    if q.department is not None:
        out += [t("department"), q.department, ""]
    for part in q.parts:
        out += ["=" * 8 + f" {part.title} " + "=" * 8, "", t("title_label"), q.stem, "",
                t("options_label"), *q.label_texts(), "", t("statements_label"),
                *(question.text for question in part.questions), ""]
        if tool == "surveymonkey":
            out += [t("codes_label"),
                    *(f"{question.code}\t{question.text}" for question in part.questions), ""]
    return "\n".join(out)
