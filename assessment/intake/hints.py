"""Hints for files as survey tools export them: their metadata columns, their extra
header rows and their answer labels, each pointed to the survey import."""

from __future__ import annotations

import pandas as pd

from assessment.exceptions import Problem
from assessment.instrument.survey_tools import metadata_columns

#: column names survey tools add to their exports (compared without case, spaces or
#: punctuation), by the tool each is typical of (from ``instrument/survey_tools.yaml``)
TOOL_METADATA = metadata_columns()
IMPORT_COMMAND = "'python -m assessment import EXPORT --into DATASET'"


def _squash(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


_METADATA: dict[str, list[str]] = {}
for _tool, _cols in TOOL_METADATA.items():
    for _col in _cols:
        _METADATA.setdefault(_squash(_col), []).append(_tool)


def tool_of(column: str) -> str | None:
    """The survey tools whose metadata column ``column`` looks like, or None.

    Examples
    --------
    >>> tool_of("StartDate"), tool_of("submitdate"), tool_of("oe_exp_1")
    ('Qualtrics or LimeSurvey or SurveyMonkey', 'LimeSurvey', None)
    """
    tools = _METADATA.get(_squash(column))
    return " or ".join(tools) if tools else None


def looks_like_label(value: str) -> bool:
    """Whether a non-number answer is a word (a survey tool's answer label).

    Examples
    --------
    >>> looks_like_label("Strongly agree"), looks_like_label("3,5")
    (True, False)
    """
    return any(ch.isalpha() for ch in value)


def drop_header_rows(df: pd.DataFrame, name: str, items: list[str],
                      problems: list[Problem]) -> pd.DataFrame:
    """The table without the extra header rows some survey tools write below the column
    names (Qualtrics: the question texts, then ``{"ImportId": ...}``), each a problem
    naming it as a header row instead of one problem per cell.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"company_id": ["Company", '{"ImportId":"c"}', "a"],
    ...                       "oe_exp_1": ["Prices are low", '{"ImportId":"q1"}', "4"],
    ...                       "oe_exp_2": ["Buying is easy", '{"ImportId":"q2"}', "5"],
    ...                       "oe_exp_3": ["Delivery is fast", '{"ImportId":"q3"}', ""]},
    ...                      index=[2, 3, 4])
    >>> problems = []
    >>> drop_header_rows(table, "responses.csv", ["oe_exp_1", "oe_exp_2", "oe_exp_3"],
    ...                  problems).index.tolist(), [p.row for p in problems]
    ([4], [2, 3])
    """
    drop = []
    for row in df.index[:3]:
        cells = df.loc[row]
        import_id = cells.str.contains('{"ImportId"', regex=False).any()
        # question texts: words, a different one in (nearly) every item column (answer
        # labels are words too, but a handful repeated)
        texts = [v for v in cells[items] if isinstance(v, str) and v] if items else []
        wordy = {v for v in texts if looks_like_label(v)}
        if import_id or (len(texts) >= 3 and len(wordy) >= 0.8 * len(texts)):
            drop.append(row)
            kind = "ImportId codes" if import_id else "question texts"
            problems.append(Problem(
                name, int(row), None, None,
                f"a respondent's answers; this row holds {kind}, a second header row as "
                f"Qualtrics exports write it: read the export with {IMPORT_COMMAND} --format "
                "qualtrics, or delete the row"))
    return df.drop(index=drop) if drop else df
