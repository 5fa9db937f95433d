"""The packaged instrument: structure, languages, validation errors."""

from __future__ import annotations

import re

import pytest
import yaml

import assessment as va
from assessment.instrument.models import DEFAULT_INSTRUMENT

from .conftest import ROOT

RAW = (ROOT / "assessment" / "instrument" / DEFAULT_INSTRUMENT).read_text(encoding="utf-8")


def test_cells_have_enough_items_some_reverse_keyed(instrument):
    for d in va.DISCIPLINES:
        for lens in va.LENSES:
            items = instrument.cell_items(d, lens)
            assert len(items) >= 6, (d, lens)
            assert 1 <= sum(i.reverse for i in items) < len(items), (d, lens)
        assert len(instrument.cell_items(d, "threshold")) >= 2


def test_texts_in_three_languages_and_scale_labels(instrument):
    for item in (*instrument.items, *instrument.threshold_items):
        texts = [item.text.get(lang) for lang in va.LANGS]
        assert all(texts) and len(set(texts)) == 3, item.id
    assert sorted(instrument.scale.labels) == [1, 2, 3, 4, 5]
    assert instrument.scale.labels[5].get("de") and instrument.scale.labels[1].get("nl")


def test_experience_items_are_answerable_by_customers_and_staff(instrument):
    # 1.0.0 (the fixture): one neutral wording, "Customers ...", for both groups
    first_person = re.compile(r"\b(I|we|our|us|my)\b", re.IGNORECASE)
    for item in instrument.items:
        if item.lens == "experience":
            assert not first_person.search(item.text.en), item.id
            assert item.wording("customer") == item.wording("staff") == item.text.en


def test_latest_experience_items_have_a_customer_and_a_staff_wording(latest_instrument):
    me = re.compile(r"\b(I|[Mm]e|[Mm]y)\b")
    ich = re.compile(r"\b(ich|mich|mir|meine?[nmrs]?|man)\b", re.IGNORECASE)
    ik = re.compile(r"\b(ik|mij|me|mijn)\b", re.IGNORECASE)
    us = re.compile(r"\b(we|our|us)\b", re.IGNORECASE)
    wir = re.compile(r"\b(wir|uns|unsere?[nmrs]?)\b", re.IGNORECASE)
    wij = re.compile(r"\b(wij|we|ons|onze)\b", re.IGNORECASE)
    asked_of_customers = [i for i in latest_instrument.items if i.lens == "experience"]
    for item in [*asked_of_customers, *latest_instrument.threshold_items]:
        assert item.customer_text is not None, item.id
        for lang in va.LANGS:
            assert item.wording("customer", lang) != item.wording("staff", lang), item.id
        if item in asked_of_customers:  # threshold items may say "the prices here ..."
            assert me.search(item.wording("customer", "en")), item.id
            assert ich.search(item.wording("customer", "de")), item.id
            assert ik.search(item.wording("customer", "nl")), item.id
        assert us.search(item.wording("staff", "en")), item.id
        assert wir.search(item.wording("staff", "de")), item.id
        assert wij.search(item.wording("staff", "nl")), item.id
        assert item.wording("internal", "de") == item.text.de
    for item in latest_instrument.items:
        if item.lens == "setup":
            assert item.customer_text is None, item.id  # customers never answer set-up
    with pytest.raises(ValueError, match="audience"):
        asked_of_customers[0].wording("board", "en")


def test_thresholds_have_documented_defaults(instrument):
    th = instrument.thresholds
    assert (th.par, th.excellence, th.min_answered_share, th.min_group_size) == (3.0, 4.0, 0.6, 5)
    for name in type(th).model_fields:
        assert re.search(rf"#.*\n\s*{name}:", RAW), f"{name} has no comment in the YAML"


def test_version_is_carried(instrument):
    assert re.fullmatch(r"\d+\.\d+\.\d+", instrument.version)


def _broken(tmp_path, mutate) -> str:
    raw = yaml.safe_load(RAW)
    mutate(raw)
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(va.InstrumentError) as err:
        va.load_instrument(path)
    return str(err.value)


def test_invalid_instrument_errors_name_the_place(tmp_path):
    msg = _broken(tmp_path, lambda r: r["items"][0]["text"].pop("nl"))
    assert "items.0.text.nl" in msg and "broken.yaml" in msg
    msg = _broken(tmp_path, lambda r: r["items"][1].update(id=r["items"][0]["id"]))
    assert "duplicate item ids" in msg
    msg = _broken(tmp_path, lambda r: r["items"][0].update(lens="vibes"))
    assert "items.0.lens" in msg
    msg = _broken(tmp_path, lambda r: r["thresholds"].update(excellence=2.0))
    assert "excellence" in msg


def test_threshold_override_validated(instrument):
    assert instrument.with_thresholds({"par": 2.5}).thresholds.par == 2.5
    with pytest.raises(va.InstrumentError):
        instrument.with_thresholds({"min_answered_share": 1.5})


def test_fast_yaml_loader_reads_what_pyyaml_reads():
    """``load_yaml`` (libyaml when present) gives the same data as ``yaml.safe_load`` for
    every packaged file, and a broken document still gets PyYAML's detailed error."""
    from importlib import resources

    from assessment.instrument.models import load_yaml

    folder = resources.files("assessment.instrument")
    names = [p.name for p in folder.iterdir() if p.name.endswith(".yaml")]
    assert len(names) >= 5
    for name in names:
        text = (folder / name).read_text(encoding="utf-8")
        assert load_yaml(text) == yaml.safe_load(text), name
    with pytest.raises(yaml.YAMLError) as err:
        load_yaml("a: 1\nb: [1, 2\nc: 3\n")
    assert "line" in str(err.value) and "column" in str(err.value)
