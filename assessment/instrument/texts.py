"""The one lookup for every text the package ships: report, workshop, portfolio page and
finding texts, each a YAML "book" in this folder with the same shape (a tree of keys whose
leaves map a language to a text).

    >>> text("report", "headings.profile", "de")
    'Profil der Wertdisziplinen'
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from assessment.numbers import format_text

#: the text books and their files (``assessment/instrument/*.yaml``)
BOOKS = {
    "deck": "deck_texts.yaml",
    "findings": "findings.yaml",
    "portfolio": "index_texts.yaml",
    "questionnaire": "questionnaire_texts.yaml",
    "report": "report_texts.yaml",
    "workshop": "workshop_texts.yaml",
}
LANGS = ("en", "de", "nl")


def load_yaml(source: str) -> Any:
    """``yaml.safe_load`` with libyaml's parser when PyYAML has it (about 10x faster: the
    packaged instrument and texts are parsed in every report kernel). A document libyaml
    rejects is parsed again by the pure-Python loader, whose error names line, column and
    the offending text.

    Examples
    --------
    >>> load_yaml("a: [1, 2]")
    {'a': [1, 2]}
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(source, Loader=loader)  # noqa: S506 - a safe loader
        except yaml.YAMLError:
            pass
    return yaml.safe_load(source)


@cache
def packaged_yaml(name: str) -> dict:
    """A YAML file shipped in ``assessment/instrument``, parsed once per process.

    Examples
    --------
    >>> sorted(packaged_yaml("report_texts.yaml"))[:2]
    ['columns', 'commit']
    """
    ref = resources.files("assessment.instrument") / name
    return load_yaml(ref.read_text(encoding="utf-8"))


def book(name: str) -> dict:
    """The whole text book ``name`` (one of :data:`BOOKS`), parsed once per process.

    Examples
    --------
    >>> "below_par" in book("findings")["findings"]
    True
    """
    try:
        return packaged_yaml(BOOKS[name])
    except KeyError:
        raise ValueError(f"unknown text book {name!r}; expected one of {sorted(BOOKS)}") from None


def check_lang(lang: str) -> str:
    """``lang`` if it is one of the package's languages, else a ValueError.

    Examples
    --------
    >>> check_lang("nl")
    'nl'
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {list(LANGS)}")
    return lang


def node(name: str, key: str) -> Any:
    """The subtree at the dotted ``key`` of book ``name``.

    Examples
    --------
    >>> sorted(node("report", "headings.profile"))
    ['de', 'en', 'nl']
    """
    return _node(name, key)


@cache
def _node(name: str, key: str) -> Any:
    here: Any = book(name)
    for part in key.split("."):
        try:
            here = here[part]
        except (KeyError, TypeError):
            raise KeyError(f"no text {key!r} in the {name} texts") from None
    return here


def text(book_name: str, key: str, /, lang: str = "en", **fmt: Any) -> str:
    """The text at the dotted ``key`` of book ``book_name`` in ``lang``, its ``{placeholders}``
    filled from ``fmt``, numbers in the reader's language (``{score:.2f}`` gives 3,46 in
    German and Dutch: :func:`assessment.numbers.format_text`). Plain text: templates escape
    it where it enters HTML.

    Examples
    --------
    >>> text("workshop", "progress", "en", answered=3, total=9)
    '3 / 9 answered'
    >>> text("report", "labels.excellence_line", "de", value=4.0)
    'Exzellenz 4,00'
    """
    leaf = node(book_name, key)[check_lang(lang)]
    return format_text(leaf, lang, **fmt) if fmt else leaf
