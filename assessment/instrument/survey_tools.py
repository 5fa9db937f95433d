"""What the package knows about survey tools' exports, read from ``survey_tools.yaml``:
each tool's name, metadata columns, response-id column and header rows; the scale's
label variants; the words read as not answered and as perspectives. The survey import
(``intake/survey/``) and the intake's hints for raw exports both read it from here."""

from __future__ import annotations

from functools import cache
from importlib import resources

from assessment.instrument.texts import load_yaml

__all__ = ["tool_facts", "metadata_columns"]


@cache
def tool_facts() -> dict:
    """The packaged ``survey_tools.yaml`` as a dict.

    Examples
    --------
    >>> tool_facts()["tools"]["qualtrics"]["response_id"]
    'ResponseId'
    """
    source = resources.files("assessment.instrument").joinpath("survey_tools.yaml")
    return load_yaml(source.read_text(encoding="utf-8"))


def metadata_columns() -> dict[str, list[str]]:
    """The metadata columns of each tool, by the tool's name as users know it.

    Examples
    --------
    >>> "ResponseId" in metadata_columns()["Qualtrics"]
    True
    """
    return {facts["name"]: list(facts["metadata"]) for facts in tool_facts()["tools"].values()
            if facts["metadata"]}
