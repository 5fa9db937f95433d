"""Question codes that survey tools accept, derived from item ids.

The questionnaire this package exports to a survey tool names every question by
its *tool code*; the tool's export then carries that code in its column headers
and the importer maps it back to the item. Tool codes are the item id with every
character that is not an ASCII letter or digit removed: LimeSurvey accepts only
letters and digits (starting with a letter), Qualtrics' export tags and
SurveyMonkey's question codes accept the same, and the result stays readable.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["tool_code", "tool_codes"]

_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
#: the longest code: LimeSurvey's limit for question and subquestion codes
MAX_CODE = 20
_HASH_LEN = 5


def tool_code(item_id: str) -> str:
    """Return the survey-tool question code of an item id.

    Parameters
    ----------
    item_id : str
        An item id of the instrument, for example ``"oe_exp_1"``.

    Returns
    -------
    str
        The id without the characters survey tools refuse in codes.

    Raises
    ------
    ValueError
        When the result would be empty or not start with a letter.

    Examples
    --------
    >>> tool_code("oe_exp_1")
    'oeexp1'
    >>> tool_code("thr_pl_4")
    'thrpl4'
    >>> tool_code("int_role_productive_resource_1")
    'introleproducti3prel'
    """
    code = _NOT_ALNUM.sub("", item_id)
    if len(code) > MAX_CODE:
        digest = hashlib.sha256(item_id.encode("utf-8")).digest()
        tail = "".join("abcdefghijklmnopqrstuvwxyz0123456789"[b % 36] for b in digest[:_HASH_LEN])
        code = code[: MAX_CODE - _HASH_LEN] + tail
    if not code or not code[0].isalpha():
        raise ValueError(f"item id {item_id!r} gives no valid survey-tool code")
    return code


def tool_codes(item_ids: list[str]) -> dict[str, str]:
    """Map every tool code back to its item id, refusing two ids with one code.

    Examples
    --------
    >>> tool_codes(["oe_exp_1", "ci_set_2"])
    {'oeexp1': 'oe_exp_1', 'ciset2': 'ci_set_2'}
    """
    codes: dict[str, str] = {}
    for item_id in item_ids:
        code = tool_code(item_id)
        if code.lower() in {c.lower() for c in codes}:
            other = next(i for c, i in codes.items() if c.lower() == code.lower())
            raise ValueError(f"item ids {other!r} and {item_id!r} share the tool code {code!r}")
        codes[code] = item_id
    return codes
