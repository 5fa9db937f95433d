"""Instrument versions side by side: 1.1.0 is the default, 1.0.0 datasets keep loading and
scoring, a dataset's version comes from settings.yaml or from its item columns."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import pandas as pd
import pytest

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.instrument.models import INSTRUMENT_VERSIONS, LATEST_VERSION

from .conftest import ROOT, SAMPLE

OLD, NEW = "1.0.0", "1.1.0"
# double-barrelled items of 1.0.0 whose second half is a new item in 1.1.0
SPLITS = {"oe_set_1": "oe_set_8", "ci_set_2": "ci_set_8", "thr_oe_2": "thr_oe_4",
          "thr_ci_2": "thr_ci_4", "int_selfservice_4": "int_selfservice_5"}
# 1.0.0 items whose meaning changed: retired, replaced by a new id
RETIRED = {"ci_exp_7": "ci_exp_8", "pl_set_2": "pl_set_8"}


@pytest.fixture(scope="module")
def old():
    return va.load_instrument(version=OLD)


@pytest.fixture(scope="module")
def new():
    return va.load_instrument(version=NEW)


def _all_items(inst, integ):
    return [*inst.items, *inst.threshold_items, *integ.items]


def test_versions_and_default(old, new):
    assert INSTRUMENT_VERSIONS == (OLD, NEW) and LATEST_VERSION == NEW
    assert va.load_instrument().version == NEW and old.version == OLD
    assert load_integration().version == NEW
    assert load_integration(version=OLD).version == OLD
    with pytest.raises(va.InstrumentError, match="unknown instrument version '2.0'"):
        va.load_instrument(version="2.0")
    with pytest.raises(va.InstrumentError, match="not both"):
        va.load_instrument(ROOT / "assessment" / "instrument" / "value_disciplines.yaml",
                           version=OLD)


def test_old_version_file_is_kept_unchanged(old):
    # 1.0.0 is the instrument the sample was answered with: 42 + 9 items, 7 per cell
    assert len(old.items) == 42 and len(old.threshold_items) == 9
    assert old.item("ci_exp_1").text.de.startswith("Kundinnen und Kunden werden persönlich")
    assert old.item("pl_set_2").text.en.startswith("Our company brings new products")
    # its thresholds and labels are the newest file's (maintained once)
    assert old.thresholds == va.load_instrument().thresholds
    assert old.threshold_values["operational_excellence"].label.nl == "Operationele competentie"


def test_new_version_validates(new):
    integ = load_integration(version=NEW)
    ids = new.item_ids + integ.item_ids
    assert len(ids) == len(set(ids))
    for d in va.DISCIPLINES:
        sizes = {lens: len(new.cell_items(d, lens)) for lens in (*va.LENSES, "threshold")}
        assert sizes == {"experience": 7, "setup": 8, "threshold": 4}, d
        for lens in (*va.LENSES, "threshold"):
            reverse = sum(i.reverse for i in new.cell_items(d, lens))
            assert reverse == (1 if lens == "threshold" else 2), (d, lens)
    for item in _all_items(new, integ):
        for wording in (item.text, getattr(item, "customer_text", None)):
            if wording is not None:
                texts = [wording.get(lang) for lang in va.LANGS]
                assert all(texts) and len(set(texts)) == 3, item.id


def test_kept_ids_keep_discipline_lens_and_keying(old, new):
    old_items = {i.id: i for i in _all_items(old, load_integration(version=OLD))}
    new_items = {i.id: i for i in _all_items(new, load_integration(version=NEW))}
    kept = set(old_items) & set(new_items)
    assert set(old_items) - kept == set(RETIRED)
    for iid in kept:
        a, b = old_items[iid], new_items[iid]
        for field in ("discipline", "lens", "block", "scale", "reverse"):
            assert getattr(a, field, None) == getattr(b, field, None), (iid, field)


def test_split_and_replaced_items_have_new_ids(old, new):
    old_ids = set(old.item_ids) | set(load_integration(version=OLD).item_ids)
    new_ids = set(new.item_ids) | set(load_integration(version=NEW).item_ids)
    for first, second in {**SPLITS, **RETIRED}.items():
        assert first in old_ids and second in new_ids and second not in old_ids
    assert {"pl_set_9", "thr_pl_4"} <= new_ids - old_ids  # added to balance the cells
    assert "would rather have staff" not in load_integration().cell_items(
        "self_service", "experience")[3].text.en


def test_known_translation_slips_are_gone(new):
    all_de_nl = " ".join(w.get(lang) for i in (*new.items, *new.threshold_items)
                         for w in (i.text, i.customer_text) if w is not None
                         for lang in ("de", "nl"))
    for slip in ("persönlich gekannt", "persoonlijk gekend", "Onze cultuur is om",
                 "Bestellabwicklung", "Unsere Kultur ist,"):
        assert slip not in all_de_nl, slip
    labels = [lab.label.nl for lab in new.threshold_values.values()]
    assert "Operational competence" not in labels


def test_sample_is_a_1_0_0_dataset_with_its_scores(sample_dataset, sample_scores):
    assert sample_dataset.instrument.version == OLD
    assert sample_dataset.integration.version == OLD
    assert sample_scores.instrument_version == OLD
    assert "pl_set_2" in sample_dataset.responses.columns


def _generate(version: str, out):
    spec = importlib.util.spec_from_file_location(
        "make_sample_data", ROOT / "scripts" / "make_sample_data.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up
    spec.loader.exec_module(sys.modules[spec.name])
    module = sys.modules[spec.name]
    assert module.main(["--instrument", version, "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def new_dataset(tmp_path_factory):
    return _generate(NEW, tmp_path_factory.mktemp("v110") / "sample")


def test_generated_new_dataset_loads_scores_and_reports_its_version(new_dataset, tmp_path):
    ds = va.load_dataset(new_dataset)
    assert ds.instrument.version == NEW and ds.integration.version == NEW
    assert {"oe_set_8", "ci_exp_8", "int_selfservice_5"} <= set(ds.responses.columns)
    assert "pl_set_2" not in ds.responses.columns
    sc = va.score(ds)
    assert sc.instrument_version == NEW
    assert sc.company["mean"].notna().any()
    out = tmp_path / "out"
    from assessment.cli import main
    assert main(["score", str(new_dataset), "--out", str(out)]) == 0
    import json
    assert json.loads((out / "summary.json").read_text("utf-8"))["instrument_version"] == NEW


def test_old_version_regenerates_the_sample_byte_for_byte(tmp_path):
    out = _generate(OLD, tmp_path / "sample")
    for name in ("companies.csv", "responses.csv"):
        assert (out / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def _copy(src, tmp_path):
    return shutil.copytree(src, tmp_path / "ds", ignore=shutil.ignore_patterns("workshops"))


def test_settings_version_wins_over_columns(tmp_path):
    folder = _copy(SAMPLE, tmp_path)
    (folder / "settings.yaml").write_text('instrument_version: "1.0.0"\n', encoding="utf-8")
    assert va.load_dataset(folder).instrument.version == OLD
    # the same columns read as 1.1.0 when the settings say so: the 1.0.0-only items are
    # then unknown columns, each named
    (folder / "settings.yaml").write_text('instrument_version: "1.1.0"\n', encoding="utf-8")
    with pytest.raises(va.DatasetError) as err:
        va.load_dataset(folder)
    named = {p.column: p.expected for p in err.value.problems}
    assert set(named) == {"ci_exp_7", "pl_set_2"}
    assert "item of instrument 1.0.0" in named["pl_set_2"]


def test_unknown_version_in_settings_is_a_clear_error(tmp_path):
    folder = _copy(SAMPLE, tmp_path)
    (folder / "settings.yaml").write_text('instrument_version: "9.9"\n', encoding="utf-8")
    with pytest.raises(va.DatasetError) as err:
        va.load_dataset(folder)
    (problem,) = err.value.problems
    assert (problem.file, problem.column, problem.value) == ("settings.yaml",
                                                               "instrument_version", "9.9")
    assert "1.0.0, 1.1.0" in problem.expected


def test_a_file_mixing_versions_names_its_columns(tmp_path, new_dataset):
    folder = _copy(SAMPLE, tmp_path)
    resp = pd.read_csv(folder / "responses.csv", dtype=str, keep_default_na=False)
    resp["oe_set_8"] = "4"  # a 1.1.0 item in a 1.0.0 file
    resp.to_csv(folder / "responses.csv", index=False)
    with pytest.raises(va.DatasetError) as err:
        va.load_dataset(folder)
    text = str(err.value)
    assert "mixes them" in text
    assert "items only in 1.0.0: ['ci_exp_7', 'pl_set_2']" in text
    assert "items only in 1.1.0: ['oe_set_8']" in text
    # read as 1.0.0 (most of its columns are 1.0.0's): the stray 1.1.0 column is named
    named = {p.column: p.expected for p in err.value.problems if p.column}
    assert set(named) == {"oe_set_8"} and "item of instrument 1.1.0" in named["oe_set_8"]


# -- the workshop ------------------------------------------------------------------------------


def test_workshop_on_a_new_dataset_asks_the_newest_staff_wording(new_dataset, tmp_path):
    from assessment.workshop.app import Workshop

    folder = _copy(new_dataset, tmp_path)
    ws = Workshop(folder, "pcmaker", resume="new", lang="de")
    try:
        assert ws.instrument.version == NEW and ws.state.instrument.version == NEW
        assert "oe_set_8" in ws.state.item_ids
        table = ws.comparison()
        text = dict(zip(table["item_id"], table["text"], strict=True))
        assert text["ci_exp_1"].startswith("Wir kennen unsere Kundinnen und Kunden")
    finally:
        ws.close()


def test_a_saved_old_session_without_version_opens_with_its_own_items(new_dataset, tmp_path):
    import json

    from assessment.workshop.session import WorkshopState

    folder = _copy(new_dataset, tmp_path)
    state = WorkshopState.new(folder, "pcmaker", instrument=va.load_instrument(version=OLD),
                              integration=load_integration(version=OLD))
    state.set_answer("pl_set_2", 5)  # an item only 1.0.0 has
    state.set_answer("oe_exp_1", 2)
    json_path = state.json_path
    state.close()
    meta = json.loads(json_path.read_text("utf-8"))
    assert meta["instrument_version"] == OLD
    del meta["instrument_version"]  # a session that records no version: read its columns
    json_path.write_text(json.dumps(meta), encoding="utf-8")
    reopened = WorkshopState.open(json_path, instrument=va.load_instrument(version=NEW))
    try:
        assert reopened.instrument.version == OLD and reopened.integration.version == OLD
        assert reopened.answer("pl_set_2") == 5 and reopened.answer("oe_exp_1") == 2
    finally:
        reopened.close()


def test_report_items_show_the_wording_of_the_datasets_version(new_dataset):
    from assessment.present.report.core import build_report
    from assessment.present.report.items import item_means

    old_rep = build_report(SAMPLE, "pcmaker")
    old_text = dict(zip(*item_means(old_rep)[["item_id", "text"]].T.to_numpy(), strict=True))
    assert old_text["pl_set_2"] == va.load_instrument(version=OLD).item("pl_set_2").text.en
    rep = build_report(new_dataset, "pcmaker", lang="nl")
    means = item_means(rep)
    text = dict(zip(means["item_id"], means["text"], strict=True))
    assert "pl_set_2" not in text and "pl_set_8" in text
    ci_exp_1 = va.load_instrument(version=NEW).item("ci_exp_1")
    group = rep.experience_group  # customers read the first-person wording
    expected = ci_exp_1.customer_text if group == "customer" else ci_exp_1.text
    assert text["ci_exp_1"] == expected.nl
    assert text["oe_set_1"] == va.load_instrument().item("oe_set_1").text.nl


def test_workshop_resumes_an_old_session_on_a_new_dataset_and_says_so(new_dataset, tmp_path):
    from assessment.workshop.app import Workshop
    from assessment.workshop.errors import WorkshopError
    from assessment.workshop.session import WorkshopState

    folder = _copy(new_dataset, tmp_path)
    state = WorkshopState.new(folder, "pcmaker", instrument=va.load_instrument(version=OLD),
                              integration=load_integration(version=OLD), wave="2026-Q1")
    state.set_answer("pl_set_2", 5)
    state.close()
    ws = Workshop(folder, "pcmaker", resume="last")
    try:
        assert ws.state.instrument.version == OLD and ws.instrument.version == OLD
        assert ws.answer("pl_set_2") == 5
        assert any("1.0.0" in n and "1.1.0" in n for n in ws.notices)
        table = ws.comparison().set_index("item_id")  # beside the survey's items
        assert table.loc["pl_set_2", "team"] == 5 and table.loc["pl_set_2", "survey_n"] == 0
        assert table.loc["oe_exp_1", "survey_n"] > 0
        with pytest.raises(WorkshopError, match="pl_set_2"):  # not into a 1.1.0 file
            ws.export()
        ws.new_session()  # a new session is the dataset's version again
        assert ws.state.instrument.version == NEW and ws.instrument.version == NEW
    finally:
        ws.close()
