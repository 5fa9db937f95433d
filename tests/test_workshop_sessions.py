"""Workshop sessions that survive real life: a session file re-saved by Excel, a damaged
settings file, sessions that cannot be opened at all, temporary files left by a killed save,
and a wave typed like a spreadsheet formula."""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path

import pytest

from assessment.workshop.app import Workshop
from assessment.workshop.errors import SessionWarning, WorkshopError
from assessment.workshop.session import WorkshopState, list_sessions

from . import test_workshop
from .test_workshop import INST, ITEMS

sample = test_workshop.sample  # the fixture: a private copy of the sample dataset

DEPT = "Geschäftsführung Süd"


def individual_session(data: Path, company: str = "pcmaker") -> WorkshopState:
    """A closed session of two participants (one with an umlaut in the department)."""
    ws = Workshop(data, company, resume="new", mode="individual")
    ws.add_participant("anna", "internal", DEPT)
    ws.set_answer(ITEMS[0], 4)
    ws.set_answer(ITEMS[1], 2)
    ws.add_participant("bert", "internal", "Verkauf")
    ws.set_answer(ITEMS[0], 5)
    ws.close()
    return ws.state


def check_answers(state: WorkshopState) -> None:
    assert [p.respondent_id for p in state.participants] == ["anna", "bert"]
    assert state.participants[0].department == DEPT
    assert state.answer(ITEMS[0], "anna") == 4 and state.answer(ITEMS[1], "anna") == 2
    assert state.answer(ITEMS[0], "bert") == 5 and state.answer(ITEMS[1], "bert") is None


# -- 1. a session CSV re-saved by Excel ---------------------------------------------------------


@pytest.mark.parametrize("encoding, sep, eol", [("cp1252", ",", "\r\n"),
                                                ("cp1252", ";", "\r\n"),
                                                ("utf-8-sig", ",", "\n")])
def test_a_session_csv_resaved_by_excel_is_read(sample, encoding, sep, eol):
    state = individual_session(sample)
    text = state.csv_path.read_text(encoding="utf-8")
    resaved = eol.join(line.replace(",", sep) for line in text.splitlines()) + eol
    state.csv_path.write_bytes(resaved.encode(encoding))
    again = WorkshopState.open(state.json_path, instrument=INST)
    check_answers(again)
    again.close()
    ws = Workshop(sample, "pcmaker", resume="last")  # the tool reaches them too
    assert ws.state.stem == state.stem
    check_answers(ws.state)
    ws.close()


# -- 1. a damaged settings file -------------------------------------------------------------------


@pytest.mark.parametrize("field, value", [
    ("participants", 3),          # a number where a list is expected
    ("notes", "levertijden"),     # a string for a mapping
    ("target", "customer_intimacy"),
    ("exports", 5),
    ("current", ["anna"]),
    ("answered", "many"),         # what the resume offer shows
    ("created", {"a": 1}),
])
def test_a_wrong_typed_json_field_is_ignored_with_a_warning(sample, field, value):
    state = individual_session(sample)
    meta = json.loads(state.json_path.read_text(encoding="utf-8"))
    meta[field] = value
    broken = json.dumps(meta).encode()
    state.json_path.write_bytes(broken)
    (info,) = list_sessions(sample, "pcmaker")
    with pytest.warns(SessionWarning, match=field) as caught:
        ws = Workshop(sample, "pcmaker", resume="last")
    assert ws.state.stem == state.stem == info.stem
    check_answers(ws.state)
    message = str(caught[0].message)
    assert state.json_path.name in message and field in message
    assert any(field in n for n in ws.notices)
    # the damaged file is kept as it was before the next save rewrites it
    (kept,) = state.json_path.parent.glob(f"{state.stem}.json.*.broken")
    assert kept.read_bytes() == broken and kept.name in message
    ws.set_answer(ITEMS[2], 3, "bert")
    assert json.loads(state.json_path.read_text(encoding="utf-8"))["company_id"] == "pcmaker"
    ws.close()


def test_a_broken_json_file_opens_the_session_from_its_answers(sample):
    state = individual_session(sample)
    raw = state.json_path.read_bytes()
    state.json_path.write_bytes(raw[: len(raw) // 2])  # a save cut off half way
    with pytest.warns(SessionWarning, match="not valid JSON"):
        again = WorkshopState.open(state.json_path, instrument=INST)
    check_answers(again)
    assert again.company_id == "pcmaker" and again.wave == state.wave
    assert again.mode == "individual"
    again.close()
    infos = list_sessions(sample, "pcmaker")  # still offered for resuming
    assert [i.stem for i in infos] == [state.stem] and infos[0].problem
    assert infos[0].company_id == "pcmaker" and infos[0].participants == 2
    assert "3 answers · settings file damaged" in infos[0].label()
    with pytest.warns(SessionWarning, match=state.json_path.name):
        ws = Workshop(sample, "pcmaker", resume="last")
    check_answers(ws.state)
    ws.close()


def test_resume_last_skips_a_session_that_cannot_be_opened(sample):
    good = individual_session(sample)
    time.sleep(1.1)  # the second session is the most recent one
    bad = individual_session(sample)
    meta = json.loads(bad.json_path.read_text(encoding="utf-8"))
    meta["format_version"] = 99
    bad.json_path.write_text(json.dumps(meta), encoding="utf-8")
    assert [s.stem for s in list_sessions(sample, "pcmaker")] == [bad.stem, good.stem]
    with pytest.warns(SessionWarning) as caught:
        ws = Workshop(sample, "pcmaker", resume="last")
    assert ws.state.stem == good.stem
    check_answers(ws.state)
    (msg,) = [str(w.message) for w in caught]
    assert bad.json_path.name in msg and "newer version" in msg
    assert ws.notices == [msg]
    ws.close()
    # nothing can be opened: a new session, and each reason said
    meta = json.loads(good.json_path.read_text(encoding="utf-8"))
    meta["format_version"] = 99
    good.json_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(SessionWarning) as caught:
        ws = Workshop(sample, "pcmaker", resume="last")
    assert ws.state.stem is None and len(caught) == 2
    assert {good.json_path.name, bad.json_path.name} <= {
        n for w in caught for n in (good.json_path.name, bad.json_path.name)
        if n in str(w.message)}
    ws.close()


def test_a_session_with_neither_readable_settings_nor_answers_is_a_clear_error(sample):
    folder = sample / "workshops"
    folder.mkdir()
    (folder / "pcmaker-2026-03-05-1.json").write_text("{", encoding="utf-8")
    with pytest.raises(WorkshopError, match="pcmaker-2026-03-05-1"):
        WorkshopState.open(folder / "pcmaker-2026-03-05-1.json", instrument=INST)


# -- 2. temporary files of a killed save ---------------------------------------------------------


def test_stale_temporary_files_are_removed_when_the_sessions_are_opened(sample):
    state = individual_session(sample)
    folder = state.csv_path.parent
    old = time.time() - 3600
    stale = [folder / f".{state.stem}.csv.k3j_9x2a.tmp",
             folder / f".{state.stem}.json.a1b2c3d4.tmp",
             folder / f".{state.stem}.csv.4242.old.tmp"]
    fresh = folder / f".{state.stem}.json.zz99yy88.tmp"  # a save in progress elsewhere
    users = [folder / "notes.tmp", folder / ".mine.tmp", folder / f".{state.stem}.csv.tmp",
             folder / f"{state.stem}.csv.k3j_9x2a.tmp", folder / ".draft.docx.abcd1234.tmp"]
    for path in stale + [fresh] + users:
        path.write_text("x", encoding="utf-8")
        if path is not fresh:
            os.utime(path, (old, old))
    ws = Workshop(sample, "pcmaker", resume="last")
    assert not any(p.exists() for p in stale)
    assert fresh.exists() and all(p.exists() for p in users)
    check_answers(ws.state)
    ws.close()


# -- 3. a wave typed like a formula ----------------------------------------------------------------


@pytest.mark.parametrize("wave", ["=HYPERLINK(1)", "@2026", "+1", "-Q1"])
def test_a_wave_starting_like_a_formula_is_refused_before_saving(sample, wave):
    ws = Workshop(sample, "pcmaker", resume="new")
    ws.set_answer(ITEMS[0], 3)
    before = ws.state.csv_path.read_bytes(), ws.state.json_path.read_bytes()
    with pytest.raises(WorkshopError, match="wave must not start with"):
        ws.set_wave(wave)
    assert ws.state.wave == "2026-Q1"
    assert (ws.state.csv_path.read_bytes(), ws.state.json_path.read_bytes()) == before
    ws.set_wave(" 2026-Q2 ")
    assert ws.state.wave == "2026-Q2"
    ws.close()
    with pytest.raises(WorkshopError, match="wave must not start with"):
        Workshop(sample, "shoes", resume="new", wave=wave)
    assert list_sessions(sample, "shoes") == []


def test_no_warning_for_a_healthy_session(sample):
    state = individual_session(sample)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SessionWarning)
        ws = Workshop(sample, "pcmaker", resume="last")
    assert ws.state.stem == state.stem and ws.notices == []
    ws.close()
