"""One term per concept per language: the glossary (``instrument/glossary.yaml``) names the
term each language uses and the synonyms it must not use; every text book (report,
portfolio page, workshop, findings) is scanned for them."""

from __future__ import annotations

import re

import pytest

from assessment.instrument.texts import BOOKS, LANGS, book, packaged_yaml

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _leaves(tree, path=()):
    """(key path, language, text) of every text of a book."""
    if isinstance(tree, dict):
        if set(tree) & set(LANGS) and all(isinstance(v, str) for v in tree.values()):
            for lang, value in tree.items():
                yield ".".join(path), lang, value
            return
        for key, sub in tree.items():
            yield from _leaves(sub, (*path, str(key)))


def test_the_glossary_names_a_term_in_every_language():
    glossary = packaged_yaml("glossary.yaml")
    assert {"par", "lens"} <= set(glossary)
    for concept, langs in glossary.items():
        assert set(langs) == set(LANGS), concept
        for entry in langs.values():
            assert entry["term"] and entry["term"] not in entry["forbidden"]
    assert glossary["par"]["de"]["term"] == "Marktniveau"
    assert glossary["lens"]["de"]["term"] == "Perspektive"


@pytest.mark.parametrize("name", sorted(BOOKS))
def test_no_text_book_uses_a_forbidden_synonym(name):
    glossary = packaged_yaml("glossary.yaml")
    found = []
    for key, lang, value in _leaves(book(name)):
        plain = PLACEHOLDER.sub(" ", value)
        for concept, langs in glossary.items():
            for word in langs.get(lang, {}).get("forbidden", []):
                if re.search(rf"\b{re.escape(word)}\b", plain, re.IGNORECASE):
                    found.append(f"{name}: {key} [{lang}] uses {word!r} for {concept} "
                                 f"(use {langs[lang]['term']!r})")
    assert not found, "\n".join(found)


def test_the_scan_finds_a_forbidden_synonym():
    """The scan is not vacuous: a German text with "Standard" for par is caught."""
    glossary = packaged_yaml("glossary.yaml")
    words = glossary["par"]["de"]["forbidden"]
    text = "Die anderen werden auf Standard gehalten."
    assert any(re.search(rf"\b{re.escape(w)}\b", text, re.IGNORECASE) for w in words)
    assert list(_leaves({"a": {"en": "x", "de": "y", "nl": "z"}})) == [
        ("a", "en", "x"), ("a", "de", "y"), ("a", "nl", "z")]
