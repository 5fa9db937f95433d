"""The xlsx fill-in template for answers collected offline (paper forms, interviews).

The first sheet is a responses file of the data contract: the columns ``wave``,
``company_id``, ``respondent_id``, ``perspective``, ``department`` and one column per item
id of the perspective, each heading with a comment giving the statement and the labels.
Answer cells have a drop-down limited to 1-5 (blank allowed), the perspective column one
limited to the template's perspective. The second sheet lists the statements with the
numbers of the printed form. Filled in, the first sheet is read by the intake as it is.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from assessment.instrument.texts import text
from assessment.present.questionnaire.content import Questionnaire
from assessment.present.theme import PAGE_COLORS

#: the contract's columns before the items
META_COLUMNS = ("wave", "company_id", "respondent_id", "perspective", "department")
#: rows below the header that get the drop-downs
TEMPLATE_ROWS = 1000
_HEAD_FILL = PatternFill("solid", fgColor=PAGE_COLORS["head"].lstrip("#").upper())


def _t(key: str, lang: str, **fmt: object) -> str:
    return text("questionnaire", f"template.{key}", lang, **fmt)


def template_xlsx(q: Questionnaire, rows: int = TEMPLATE_ROWS) -> bytes:
    """The fill-in template as xlsx bytes.

    Parameters
    ----------
    q : Questionnaire
    rows : int
        Data rows that get the drop-downs.

    Examples
    --------
    >>> import io
    >>> from openpyxl import load_workbook
    >>> from assessment.present.questionnaire.content import build_questionnaire
    >>> book = load_workbook(io.BytesIO(template_xlsx(build_questionnaire("customer", "en"))))
    >>> sheet = book.worksheets[0]
    >>> [c.value for c in sheet[1]][:6]
    ['wave', 'company_id', 'respondent_id', 'perspective', 'department', 'oe_exp_1']
    >>> sheet["F1"].comment.text.splitlines()[1]
    'I get what I ordered on time, complete and without errors.'
    """
    lang = q.lang
    book = Workbook()
    sheet = book.active
    sheet.title = _t("answers_sheet", lang)
    questions = q.questions
    header = [*META_COLUMNS, *(x.item_id for x in questions)]
    sheet.append(header)
    scale = "\n".join(f"{value} = {label}" for value, label in q.labels)
    notes = {
        "wave": _t("columns.wave", lang),
        "company_id": _t("columns.company_id", lang),
        "respondent_id": _t("columns.respondent_id", lang),
        "perspective": _t("columns.perspective", lang, perspective=q.perspective),
        "department": _t(f"columns.department_{q.perspective}", lang),
    }
    number = {x.item_id: n for n, x in enumerate(questions, start=1)}
    for x in questions:
        notes[x.item_id] = f"{number[x.item_id]}.\n{x.text}\n\n{scale}"
    for col, name in enumerate(header, start=1):
        cell = sheet.cell(row=1, column=col)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center")
        comment = Comment(notes[name], "assessment")
        comment.width, comment.height = 320, 200
        cell.comment = comment
        sheet.column_dimensions[get_column_letter(col)].width = (
            14 if name in META_COLUMNS else max(9, len(name) + 2))
    sheet.freeze_panes = sheet.cell(row=2, column=len(META_COLUMNS) + 1)

    last = rows + 1
    first_item = get_column_letter(len(META_COLUMNS) + 1)
    last_item = get_column_letter(len(header))
    answers = DataValidation(
        type="list", formula1=f'"{",".join(str(v) for v, _ in q.labels)}"', allow_blank=True,
        showErrorMessage=True, showInputMessage=True,
        promptTitle=_t("answer_prompt", lang)[:32], prompt=scale[:255],
        errorTitle=_t("answer_prompt", lang)[:32], error=_t("answer_error", lang)[:255])
    answers.add(f"{first_item}2:{last_item}{last}")
    col = get_column_letter(META_COLUMNS.index("perspective") + 1)
    perspective = DataValidation(
        type="list", formula1=f'"{q.perspective}"', allow_blank=True, showErrorMessage=True,
        error=_t("perspective_error", lang, perspective=q.perspective)[:255])
    perspective.add(f"{col}2:{col}{last}")
    sheet.add_data_validation(answers)
    sheet.add_data_validation(perspective)

    listing = book.create_sheet(_t("statements_sheet", lang))
    listing.append([q.survey_title])
    listing.append([_t("instructions", lang)])
    listing.append([])
    listing.append(["#", _t("part_column", lang), _t("column_column", lang),
                    text("questionnaire", "print.statement", lang)])
    for part in q.parts:
        for x in part.questions:
            listing.append([number[x.item_id], part.title, x.item_id, x.text])
    listing.append([])
    for value, label in q.labels:
        listing.append([value, label])
    listing["A1"].font = Font(bold=True, size=13)
    listing["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    listing.merge_cells("A2:D2")
    listing.row_dimensions[2].height = 75
    for cell in listing[4]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (6, 16, 14, 100), strict=True):
        listing.column_dimensions[letter].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
