"""The workshop driven through its Python API: answers saved after every change, restart and
resume, sessions that never overwrite each other, export into a copy of the sample data,
the survey comparison and the target, all without a browser."""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.files import csv_text
from assessment.instrument.integration import load_integration
from assessment.scoring.integration import score_integration
from assessment.scoring.live import score_company
from assessment.workshop.app import NA, T_BAR, T_MOVE, T_TRI, Workshop
from assessment.workshop.compare import SurveyReference, compare_items
from assessment.workshop.errors import SessionInUse, SessionTakenOver, WorkshopError
from assessment.workshop.session import MAX_TEAM_SIZE, WorkshopState, list_sessions
from assessment.workshop.target import Target, what_has_to_move

from .conftest import SAMPLE, SAMPLE_VERSION, keyed_answers, make_dataset, profile_answers
from .helpers_data import companies_frame, responses_frame, write_dataset

ROOT = Path(__file__).resolve().parents[1]
INST = va.load_instrument(version=SAMPLE_VERSION)  # the sessions below are on the sample
ITEMS = INST.item_ids
SETUP = [i.id for i in INST.items if i.lens == "setup"]
INTEG = load_integration(version=SAMPLE_VERSION)
INT_ITEMS = INTEG.item_ids
DAY = dt.date(2026, 3, 5)
OE, CI, PL = va.DISCIPLINES


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A private copy of the sample dataset (nothing is ever written into data/)."""
    dest = tmp_path / "sample"
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("workshops", ".*.lock"))
    return dest


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def saved_answer(ws: Workshop, item_id: str, respondent: str | None = None) -> str:
    """The answer as the session file on disk holds it ("" = not answered)."""
    rid = respondent or ws.state.participant.respondent_id
    (row,) = [r for r in rows_of(ws.state.csv_path) if r["respondent_id"] == rid]
    return row[item_id]


def meta_of(ws: Workshop) -> dict:
    return json.loads(ws.state.json_path.read_text(encoding="utf-8"))


# -- answers and saving -----------------------------------------------------------------------


def test_every_answer_is_saved_at_once(sample):
    ws = Workshop(sample, "pcmaker", resume="new", today=DAY)
    assert ws.state.csv_path is None  # nothing written before the first change
    assert ws.progress == (0, len(ITEMS))
    ws.set_answer("oe_exp_1", 4)
    csv_path = ws.state.csv_path
    assert csv_path.name == "pcmaker-2026-03-05-1.csv"
    assert csv_path.parent == sample / "workshops"
    assert saved_answer(ws, "oe_exp_1") == "4"
    ws.set_answer("ci_set_3", 1)
    assert saved_answer(ws, "ci_set_3") == "1"
    ws.set_answer("oe_exp_1", 5)
    assert saved_answer(ws, "oe_exp_1") == "5"
    ws.set_answer("oe_exp_1", None)  # back to "not answered": a blank, never a zero
    assert saved_answer(ws, "oe_exp_1") == ""
    assert ws.progress == (1, len(ITEMS))
    # the answers file is a responses.csv for one company
    (row,) = rows_of(csv_path)
    assert list(row)[:5] == ["wave", "company_id", "respondent_id", "perspective", "department"]
    assert row["company_id"] == "pcmaker" and row["perspective"] == "internal"
    assert row["wave"] == "2026-Q1" and row["respondent_id"] == "ws20260305-1-team"
    meta = meta_of(ws)
    assert meta["format"] == "value-discipline-workshop" and meta["mode"] == "team"
    assert meta["answered"] == 1 and meta["total"] == len(ITEMS)
    assert not list(csv_path.parent.glob("*.tmp"))  # atomic writes leave no temporaries
    ws.close()


def test_the_controls_answer_and_not_answered_is_its_own_state(sample):
    ws = Workshop(sample, "pcmaker", resume="new", lang="nl")
    ctrl = ws.questions.controls["pl_set_2"]
    values = [v for _label, v in ctrl.options]
    assert values[0] == NA and NA not in range(1, 6) and values[1:] == [1, 2, 3, 4, 5]
    labels = [label for label, _v in ctrl.options]
    assert labels[0] == "geen antwoord" and labels[1] == "1 Helemaal mee oneens"
    assert ctrl.value == NA
    ctrl.value = 3  # what a click in the browser does
    assert saved_answer(ws, "pl_set_2") == "3"
    assert ws.answer("pl_set_2") == 3
    ctrl.value = NA
    assert saved_answer(ws, "pl_set_2") == ""
    assert ws.answer("pl_set_2") is None
    for bad in (0, 6, 2.5, "x"):
        with pytest.raises(WorkshopError):
            ws.set_answer("pl_set_2", bad)
    assert saved_answer(ws, "pl_set_2") == ""
    with pytest.raises(WorkshopError, match="unknown item"):
        ws.set_answer("nope", 3)
    ws.close()


def test_controls_are_built_from_the_instrument(sample):
    ws = Workshop(sample, "pcmaker", resume="new", lang="de")
    assert set(ws.questions.controls) == set(ITEMS) | set(INT_ITEMS)
    assert len(ws.questions.tabs.children) == 4  # three disciplines, customers as co-producers
    assert ws.questions.tabs.titles[0].startswith("Operative Exzellenz (0/17)")
    html = " ".join(c.value for c in ws.questions.tabs.children[1].children[0].children
                    if hasattr(c, "value") and isinstance(c.value, str))
    assert "Wie Kundinnen und Kunden es erleben" in html  # experience section first
    setup_html = ws.questions.tabs.children[1].children[1].children[0].value
    assert "Wie das Unternehmen aufgestellt ist" in setup_html
    ws.set_answer("ci_exp_1", 4)
    assert ws.questions.tabs.titles[1].endswith("(1/17)")
    assert ws.header.progress.value == 1 and ws.header.progress.max == len(ITEMS)
    assert "1 / 51" in ws.header.progress_text.value
    ws.close()


def test_notes_target_language_and_mode_are_saved(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    ws.questions.notes[CI].value = "Configurator feels personal <b>but</b> is standard"
    assert meta_of(ws)["notes"][CI] == "Configurator feels personal <b>but</b> is standard"
    ws.set_target(CI)
    assert meta_of(ws)["target"] == {"discipline": CI,
                                     "profile": {OE: 3.0, CI: 4.5, PL: 3.0}}
    ws.results.target_sliders[OE].value = 3.4
    assert meta_of(ws)["target"]["profile"][OE] == 3.4
    ws.set_lang("de")
    assert meta_of(ws)["lang"] == "de"
    assert ws.questions.controls["oe_exp_1"].options[0][0] == "keine Antwort"
    ws.set_mode("individual")
    assert meta_of(ws)["mode"] == "individual"
    ws.close()


def test_restart_resumes_the_last_session(sample):
    ws = Workshop(sample, "shoes", resume="new", lang="nl")
    for k, item in enumerate(ITEMS[:20]):
        ws.set_answer(item, k % 5 + 1)
    ws.set_note(OE, "levertijden bespreken")
    ws.set_target(CI, {PL: 3.5})
    stem = ws.state.stem
    # the kernel dies: nothing is closed; a new object is made as the notebook would
    again = Workshop(sample, "shoes")
    assert again.state is None  # the offer is shown, the questions are locked
    assert [s.stem for s in again.pending_sessions] == [stem]
    assert again.pending_sessions[0].answered == 20
    assert "20/51" in again.header.offer_pick.options[0][0]
    assert all(c.disabled for c in again.questions.controls.values())
    with pytest.raises(WorkshopError):
        again.set_answer("oe_exp_1", 3)
    again.resume()
    assert again.state.stem == stem
    assert again.lang == "nl"  # the session's own language
    assert [again.answer(i) for i in ITEMS[:20]] == [k % 5 + 1 for k in range(20)]
    assert again.answer(ITEMS[20]) is None
    assert again.questions.notes[OE].value == "levertijden bespreken"
    assert again.state.target.discipline == CI and again.state.target.profile[PL] == 3.5
    assert again.results.target_sliders[PL].value == 3.5
    assert again.questions.controls[ITEMS[0]].value == 1
    # the old object can no longer write into the session it lost
    with pytest.raises(SessionTakenOver):
        ws.state.set_answer("oe_exp_1", 2)
    again.set_answer(ITEMS[20], 2)
    assert saved_answer(again, ITEMS[20]) == "2"
    again.close()
    # resume="last" goes straight back in
    third = Workshop(sample, "shoes", resume="last")
    assert third.state.stem == stem and third.answer(ITEMS[20]) == 2
    third.close()


def test_a_crash_between_the_two_files_loses_nothing(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    ws.set_answer("oe_exp_1", 2)
    meta_before = ws.state.json_path.read_text(encoding="utf-8")
    ws.set_answer("oe_exp_2", 5)  # the CSV is written first ...
    ws.state.json_path.write_text(meta_before, encoding="utf-8")  # ... the JSON never was
    ws.close()
    state = WorkshopState.open(ws.state.json_path, instrument=INST)
    assert state.answer("oe_exp_1") == 2 and state.answer("oe_exp_2") == 5
    state.close()


def test_two_sessions_for_one_company_never_overwrite_each_other(sample):
    a = Workshop(sample, "airline", resume="new", today=DAY)
    b = Workshop(sample, "airline", resume="new", today=DAY)
    a.set_answer("oe_exp_1", 5)
    b.set_answer("oe_exp_1", 1)
    assert a.state.stem == "airline-2026-03-05-1"
    assert b.state.stem == "airline-2026-03-05-2"
    assert saved_answer(a, "oe_exp_1") == "5" and saved_answer(b, "oe_exp_1") == "1"
    # a name taken by anything (another process got there first) is skipped: O_EXCL
    (sample / "workshops" / "airline-2026-03-05-3.csv").write_text("taken", encoding="utf-8")
    c = Workshop(sample, "airline", resume="new", today=DAY)
    c.set_answer("oe_exp_1", 3)
    assert c.state.stem == "airline-2026-03-05-4"
    assert (sample / "workshops" / "airline-2026-03-05-3.csv").read_text() == "taken"
    assert [s.stem for s in list_sessions(sample, "airline")][0] == "airline-2026-03-05-4"
    assert {s.company_id for s in list_sessions(sample)} == {"airline"}
    for ws in (a, b, c):
        ws.close()


def test_a_session_open_in_another_process_is_not_resumed(sample):
    ws = Workshop(sample, "chips", resume="new")
    ws.set_answer("pl_exp_1", 4)
    path = ws.state.json_path
    ws.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from assessment import load_instrument
            from assessment.workshop.session import WorkshopState
            s = WorkshopState.open({str(path)!r}, instrument=load_instrument())
            print("open", flush=True)
            sys.stdin.read()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(SessionInUse):
            WorkshopState.open(path, instrument=INST)
        (info,) = list_sessions(sample, "chips")
        assert info.in_use
        # resume="last" starts a new session instead of sharing the open one
        other = Workshop(sample, "chips", resume="last")
        other.set_answer("pl_exp_1", 1)
        assert other.state.json_path != path
        other.close()
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    state = WorkshopState.open(path, instrument=INST)  # free again once the holder ended
    assert state.answer("pl_exp_1") == 4
    state.close()


# -- live results -----------------------------------------------------------------------------


def answer_profile(ws: Workshop, exp: tuple[float, float, float],
                   setup: tuple[float, float, float]) -> None:
    for lens, vals in (("experience", exp), ("setup", setup)):
        for item, value in profile_answers(INST, lens, *vals).items():
            ws.set_answer(item, int(value))


def test_live_rescoring_updates_chart_and_findings(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    assert ws.figure.data[T_BAR["experience"]].y == (None, None, None)
    assert "60%" in ws.results.findings.value
    answer_profile(ws, exp=(3, 5, 3), setup=(5, 3, 3))
    assert ws.figure.data[T_BAR["experience"]].y == (3.0, 5.0, 3.0)
    assert ws.figure.data[T_BAR["setup"]].y == (5.0, 3.0, 3.0)
    d = ws.result.diagnosis
    assert d.lenses["experience"].leader == CI and d.lenses["setup"].leader == OE
    # the team's one record is its consensus: a basis for a verdict, without resampling
    assert d.lens_mismatch and d.experience_source == "team"
    assert d.lenses["setup"].evidence.phrase() == "team consensus of 1 participant"
    assert d.lenses["setup"].confidence is None
    ws.state.set_team_size(7)
    ws.set_answer("oe_set_1", 5)
    d = ws.result.diagnosis
    assert "team consensus of 7 participants" in d.lenses["setup"].sentence()
    assert "no resampling" in d.lenses["setup"].sentence()
    assert "team consensus of 7 participants" in ws.results.findings.value
    assert d.lens_gaps[CI] == pytest.approx(2.0)
    assert "Customer intimacy" in ws.results.findings.value
    assert any(f.code == "lens_mismatch" for f in d.findings)
    mismatch = next(f for f in d.findings if f.code == "lens_mismatch")
    assert mismatch.title("en") in ws.results.findings.value
    tri = ws.figure.data[T_TRI["experience"]]
    assert tri.b[0] == pytest.approx(4 / 8) and tri.a[0] == pytest.approx(2 / 8)
    # the survey's profile is drawn too (46 respondents of pcmaker)
    assert ws.survey.n == 46
    assert all(v is not None for v in ws.figure.data[2].y)
    assert ws.last_callback_ms is not None and ws.last_callback_ms < 2000
    ws.close()


def test_people_in_the_room_name_the_team_consensus_and_are_kept(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    size = ws.header.team.size  # the field next to the mode (team mode only)
    assert size.layout.display != "none" and size.value == 1 and size.max == MAX_TEAM_SIZE
    assert size.description == "People in the room"
    answer_profile(ws, exp=(3, 5, 3), setup=(5, 3, 3))
    assert "team consensus of 1 participant " in ws.results.findings.value
    size.value = 7  # what typing 7 does
    assert ws.state.team_size == 7 and meta_of(ws)["team_size"] == 7
    assert "team consensus of 7 participants" in ws.result.diagnosis.lenses["setup"].sentence()
    assert "team consensus of 7 participants" in ws.results.findings.value
    assert "of 1 participant" not in ws.results.findings.value
    ws.set_lang("de")  # relabelled, the number kept
    assert (size.description, size.value) == ("Personen im Raum", 7)
    assert "Teamkonsens von 7 Teilnehmenden" in ws.results.findings.value
    ws.set_team_size(3)  # from a notebook: the field follows
    assert size.value == 3 and "Teamkonsens von 3 Teilnehmenden" in ws.results.findings.value
    with pytest.raises(WorkshopError, match="1 to 1000"):
        ws.set_team_size(0)
    ws.set_mode("individual")  # hidden; a change there is refused, shown, never raised
    assert size.layout.display == "none"
    size.value = 9
    assert "Teamkonsens" in ws.header.status.value and "ws-error" in ws.header.status.value
    assert size.value == 3 and ws.state.team_size == 3
    ws.set_mode("team")
    assert size.layout.display != "none"
    stem = ws.state.stem
    ws.close()
    ws = Workshop(sample, "pcmaker", resume="last")  # a resumed session shows its number
    assert ws.state.stem == stem and ws.header.team.size.value == 3
    assert "Teamkonsens von 3 Teilnehmenden" in ws.results.findings.value
    ws.close()
    ws = Workshop(sample, "pcmaker", resume="new")  # a new session starts from 1
    assert ws.header.team.size.value == 1
    ws.close()


def int_keyed(**scores: float) -> dict[str, int]:
    """Raw answers to every customer-integration item of the given roles or scales so that
    each scores ``scores[scale]`` after reverse keying."""
    return {i.id: int(6 - scores[i.scale] if i.reverse else scores[i.scale])
            for i in INTEG.items if i.scale in scores}


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
def test_live_scoring_is_score(instrument):
    """Live scoring (one company, numpy) gives exactly what assessment.score gives, the
    customer-integration table, reliability and the findings included."""
    rng = np.random.default_rng(3)

    def respondents(n, n_cust, depts, drop=0.0, integration=False):
        out = []
        for k in range(n):
            cust = k < n_cust
            persp = "customer" if cust else "internal"
            r = {"respondent_id": f"r{k:02d}", "perspective": persp,
                 "department": "" if cust else depts[k % len(depts)]}
            for item in ITEMS:
                if cust and item in SETUP:
                    continue
                if rng.random() >= drop:
                    r[item] = int(rng.integers(1, 6))
            for item in INTEG.items if integration else []:
                if persp in item.answered_by and rng.random() >= drop:
                    r[item.id] = int(rng.integers(1, 6))
            out.append(r)
        return out

    team_ci = dict(profile_answers(instrument, "experience", 3, 4.5, 3),
                   **profile_answers(instrument, "setup", 3, 4.5, 3))
    burden = ([dict(profile_answers(instrument, "experience", 4, 3, 3),
                    respondent_id=f"c{k}", perspective="customer",
                    **int_keyed(productive_resource=4, competitor=5, quality_inspector=4,
                                experience=2, achievement=3, economic=4))
               for k in range(6)]
              + [dict(profile_answers(instrument, "experience", 4, 3, 3),
                      **profile_answers(instrument, "setup", 4.5, 3, 3),
                      respondent_id=f"s{k}", department="Ops",
                      **int_keyed(productive_resource=4, competitor=4, quality_inspector=3,
                                  knowledge_sharing=2, active=4, passive=2))
                 for k in range(5)])
    cases = [
        [dict(profile_answers(instrument, "experience", 3, 4.5, 3),
              **profile_answers(instrument, "setup", 4, 3, 3),
              perspective="team", participants=6)],  # a team consensus
        [dict(profile_answers(instrument, "experience", 3, 4.5, 3),
              **profile_answers(instrument, "setup", 4, 3, 3))],  # one person: too few
        [{k: v for k, v in keyed_answers(instrument, OE, "setup", 4).items()
          if k.endswith(("1", "2"))}],  # too little answered: dropped
        respondents(12, 3, ["Sales", "Ops"], drop=0.2),  # customers hidden
        respondents(40, 12, ["Sales", "Operations", "R&D"], drop=0.1),  # outside-in, depts
        respondents(40, 20, ["Sales", "Ops"], drop=0.5),  # many drops
        # customer integration: intimacy claimed, customers used as a cost factor
        [dict(team_ci, perspective="team", participants=4,
              **int_keyed(co_creator=2, communicator=2, substitute_manager=3,
                          productive_resource=4, competitor=5, active=4))],
        # product leadership without innovators; only one item of a role: dropped
        [dict(profile_answers(instrument, "setup", 3, 3, 4.5), perspective="team",
              participants=5,
              **int_keyed(innovator=2, co_developer=1, user_tester=3, innovation_resource=2),
              int_crm_share_1=4)],
        burden,  # self-service experienced as a burden (six customers: shown)
        respondents(12, 3, ["Sales", "Ops"], drop=0.2, integration=True),  # customers hidden
        respondents(40, 14, ["Sales", "Operations"], drop=0.3, integration=True),
    ]
    seen: set[str] = set()
    for resp in cases:
        ds = make_dataset(resp, instrument)
        slow, fast = va.score(ds), score_company(ds)
        for name in ("company", "profile", "lens_gaps", "blind_spots", "departments",
                     "hidden_departments", "dropped", "respondents", "reliability"):
            a = getattr(slow, name)
            b = getattr(fast, name)
            keys = [c for c in ("discipline", "lens", "perspective", "department",
                                "respondent_id") if c in a.columns]
            a = a.sort_values(keys).reset_index(drop=True) if keys else a
            b = b.sort_values(keys).reset_index(drop=True) if keys else b
            pd.testing.assert_frame_equal(a[list(a.columns)], b[list(a.columns)],
                                          check_dtype=False, check_index_type=False,
                                          check_column_type=False, atol=1e-9, obj=name)
        # the integration table: the same rows in the same order as score_integration
        pd.testing.assert_frame_equal(fast.integration, score_integration(ds),
                                      check_dtype=False, check_index_type=False,
                                      check_column_type=False, atol=1e-9, obj="integration")
        pd.testing.assert_frame_equal(fast.integration, slow.integration, check_dtype=False,
                                      check_index_type=False, check_column_type=False,
                                      atol=1e-9)
        assert fast.integration_instrument is not None
        ds_slow, ds_fast = va.diagnose(slow)["x"], va.diagnose(fast, ["x"], wave="")["x"]
        assert [(f.code, f.lens, f.discipline) for f in ds_fast.findings] == \
            [(f.code, f.lens, f.discipline) for f in ds_slow.findings]
        assert [f.text() for f in ds_fast.findings] == [f.text() for f in ds_slow.findings]
        assert (ds_fast.integration is None) == (ds_slow.integration is None)
        if ds_slow.integration is not None:
            a, b = ds_slow.integration, ds_fast.integration
            assert (b.claimed, b.needed_roles, b.fits, b.codes) == \
                (a.claimed, a.needed_roles, a.fits, a.codes)
            for r, v in a.roles.items():
                assert b.roles[r] == (None if v is None else pytest.approx(v))
            for block, scales in a.blocks.items():
                for scale, v in scales.items():
                    assert b.blocks[block][scale] == (None if v is None else pytest.approx(v))
            seen.update(a.codes)
    # every integration rule was exercised above
    assert {"intimacy_cost_factor", "pl_without_innovators", "self_service_burden",
            "integration_fit"} <= seen
    assert isinstance(score_company(make_dataset(cases[0], instrument)), va.Scores)
    two = make_dataset(cases[3], instrument)
    two.responses.loc[two.responses.index[:5], "company_id"] = "y"
    with pytest.raises(ValueError, match="one company"):
        score_company(two)  # never a silent fallback



TABLES = ("respondents", "company", "profile", "lens_gaps", "blind_spots", "departments",
          "hidden_departments", "dropped", "reliability", "company_reliability", "flags",
          "integration")


def test_live_scores_reuse_only_the_unchanged_section(sample):
    """Each click rescores with the sections whose inputs did not change reused: after
    every click the scores are those of a fresh ``score_company`` of the session, and a
    click on one section leaves the other's tables as they were."""
    ws = Workshop(sample, "pcmaker", mode="individual", resume="new", today=DAY)
    for k, persp in enumerate(["internal", "customer", "internal", "customer", "internal"]):
        ws.add_participant(f"q{k}", persp, "Sales" if persp == "internal" else "")
    staff_int = [i.id for i in INTEG.items if "internal" in i.answered_by]
    clicks = [("q0", ITEMS[0], 4), ("q0", staff_int[0], 2), ("q1", ITEMS[1], 5),
              ("q2", staff_int[1], 3), ("q2", staff_int[1], 5), ("q4", SETUP[0], 1),
              ("q0", staff_int[0], None), ("q3", ITEMS[2], 2)]
    before = None
    for rid, item, value in clicks:
        ws.set_answer(item, value, respondent_id=rid)
        fresh = score_company(ws.state.dataset_frame())
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(ws.result.scores, name),
                                          getattr(fresh, name), obj=name)
        now = ws.result.scores
        if before is not None:
            integration_click = item in INT_ITEMS
            assert (now.company is before.company) == integration_click
            assert (now.integration is before.integration) == (not integration_click)
        before = now
    ws.close()


def test_the_session_file_reuses_unchanged_lines_and_stays_exact(sample):
    """A click changes one row: the other rows' CSV lines are reused, and the file is
    the one the CSV writer makes of every row afresh."""
    ws = Workshop(sample, "pcmaker", mode="individual", resume="new", today=DAY)
    for k in range(3):
        ws.add_participant(f"r{k}", "internal", "Sales")
    state = ws.state
    for rid, item, value in [("r0", ITEMS[0], 4), ("r1", ITEMS[0], 2), ("r0", ITEMS[1], 5),
                             ("r2", INT_ITEMS[0], 3), ("r0", ITEMS[0], None)]:
        ws.set_answer(item, value, respondent_id=rid)
        header = ["wave", "company_id", "respondent_id", "perspective", "department",
                  *ITEMS, *INT_ITEMS]
        fresh = csv_text(header, state._rows())
        assert state.csv_path.read_text(encoding="utf-8") == fresh
    assert len(state._csv_lines) == 3  # one line per row, the old ones let go
    (row,) = [r for r in rows_of(state.csv_path) if r["respondent_id"] == "r0"]
    assert (row[ITEMS[0]], row[ITEMS[1]]) == ("", "5")
    ws.close()

# -- comparison with the survey -----------------------------------------------------------------


def test_comparison_is_sorted_by_largest_disagreement(tmp_path):
    """Hand-computed: two staff and one customer answered the survey."""
    survey = [
        {"respondent_id": "s1", "perspective": "internal", "department": "Ops",
         "oe_exp_1": 5, "oe_exp_2": 2, "ci_set_1": 1, "pl_exp_4": 4},
        {"respondent_id": "s2", "perspective": "internal", "department": "Ops",
         "oe_exp_1": 3, "oe_exp_2": 2, "ci_set_1": 2},
        {"respondent_id": "c1", "perspective": "customer", "oe_exp_1": 1, "oe_exp_2": 5},
    ]
    folder = tmp_path / "mini"
    folder.mkdir()
    ds = make_dataset(survey, INST)
    frame = ds.responses.drop(columns=["row", "wave"])
    frame[ITEMS] = frame[ITEMS].map(lambda v: "" if pd.isna(v) else str(int(v)))
    frame.to_csv(folder / "responses.csv", index=False)
    ds.companies.to_csv(folder / "companies.csv", index=False)
    # groups of one shown: the arithmetic, not the anonymity rule, is under test here
    (folder / "settings.yaml").write_text("thresholds: {min_group_size: 1}\n",
                                          encoding="utf-8")

    ws = Workshop(folder, "x", resume="new")
    ws.set_answer("oe_exp_1", 1)  # survey (5+3+1)/3 = 3.0  -> -2.0
    ws.set_answer("oe_exp_2", 3)  # survey (2+2+5)/3 = 3.0  ->  0.0
    ws.set_answer("ci_set_1", 4)  # survey (1+2)/2   = 1.5  -> +2.5
    ws.set_answer("pl_exp_4", 5)  # survey 4                -> +1.0
    ws.set_answer("thr_oe_1", 3)  # no survey answer: last
    table = ws.comparison()
    assert table["item_id"].tolist()[:4] == ["ci_set_1", "oe_exp_1", "pl_exp_4", "oe_exp_2"]
    assert table["difference"].tolist()[:4] == pytest.approx([2.5, -2.0, 1.0, 0.0])
    assert table["survey"].tolist()[:4] == pytest.approx([1.5, 3.0, 4.0, 3.0])
    assert table["survey_n"].tolist()[:4] == [2, 3, 1, 3]
    assert table["internal"].tolist()[:4] == pytest.approx([1.5, 4.0, 4.0, 2.0])
    # groups of one are shown here (min_group_size 1); the anonymity rule's own tests are
    # in test_anonymity.py
    assert table["customer"].tolist()[:4] == pytest.approx([np.nan, 1.0, np.nan, 5.0],
                                                           nan_ok=True)
    rest = table.iloc[4:]
    assert rest["difference"].isna().all()
    assert rest["item_id"].tolist() == [i for i in ITEMS if i not in
                                        {"ci_set_1", "oe_exp_1", "pl_exp_4", "oe_exp_2"}]
    staff = ws.comparison("internal")  # against staff only: oe_exp_1 4.0 -> -3.0 first
    assert staff["item_id"].tolist()[:2] == ["oe_exp_1", "ci_set_1"]
    assert staff["difference"].tolist()[:2] == pytest.approx([-3.0, 2.5])
    html = ws.results.compare.value
    assert html.index("CI·SET") < html.index("OE·EXP")  # the table in the same order
    ws.close()


def test_comparison_without_survey_data(sample):
    cid = Workshop(sample, "pcmaker", resume="new").create_company("Fresh Start BV", "Retail")
    ws = Workshop(sample, cid, resume="new")
    assert ws.comparison().empty
    assert "no survey answers" in ws.results.compare.value
    ws.close()


def test_compare_items_pure():
    survey_ds = make_dataset([{"respondent_id": f"c{k}", "perspective": "customer",
                               "oe_exp_1": v} for k, v in enumerate([1, 2, 2, 3, 2])], INST)
    ref = SurveyReference.build(survey_ds, "x", "")
    team = np.full(len(ITEMS), np.nan)
    team[ITEMS.index("oe_exp_1")] = 5
    out = compare_items(team, ref, INST, reference="customer")
    assert out.loc[0, "item_id"] == "oe_exp_1"
    assert out.loc[0, "customer"] == pytest.approx(2.0)  # five customers: shown
    assert out.loc[0, "difference"] == pytest.approx(3.0)


# -- target ------------------------------------------------------------------------------------


def test_what_has_to_move_hand_computed():
    th = INST.thresholds  # par 3.0, excellence 4.0, margin 0.5
    means = {"experience": {OE: 3.0, CI: 4.0, PL: 4.2},
             "setup": {OE: 2.0, CI: 2.0, PL: float("nan")}}
    moves = what_has_to_move(means, Target.default(CI, th, 5), th)
    got = [(m.lens, m.discipline, m.status, round(m.delta, 3) if np.isfinite(m.delta)
            else None) for m in moves]
    assert got == [
        ("setup", CI, "raise", 2.5),  # the lead: 2.0 -> 4.5
        ("setup", OE, "raise", 1.0),  # below par: 2.0 -> 3.0
        ("experience", CI, "raise", 0.5),  # 4.0 -> 4.5
        ("experience", PL, "hold_back", -0.2),  # 4.2 > 4.5 - 0.5: crowds the lead
        ("setup", PL, "no_data", None),
        ("experience", OE, "on_target", 0.0),
    ]
    assert moves[0].text() == ("Customer intimacy (Set-up), the discipline to lead in: "
                               "raise from 2.00 to 4.50 (+2.50).")
    assert "hold it at par (3.00)" in moves[3].text()
    assert "Kundennähe" in moves[0].text("de")
    assert what_has_to_move(means, None, th) == []


def test_target_in_the_workshop(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    assert ws.moves().empty
    assert "Set a target" in ws.results.moves.value
    answer_profile(ws, exp=(3, 4, 4.2), setup=(2, 2, 2))
    ws.set_target(CI)
    mv = ws.moves()
    first = mv.iloc[0]
    assert (first.lens, first.discipline, first.status) == ("setup", CI, "raise")
    assert first.delta == pytest.approx(2.5)
    assert "raise from 2.00 to 4.50" in ws.results.moves.value
    assert ws.figure.data[T_MOVE["setup"]].y[1] == pytest.approx(2.5)
    assert ws.figure.data[4].y == (3.0, 3.0, 4.5, 4.5, 3.0, 3.0)  # target markers
    ws.set_target(CI, {OE: 2.0, PL: 2.0, CI: 4.5})
    assert ws.moves().set_index(["lens", "discipline"]).loc[("setup", OE), "status"] \
        == "on_target"
    ws.set_target(None)
    assert ws.moves().empty and meta_of(ws)["target"] is None
    with pytest.raises(WorkshopError):
        ws.set_target(CI, {OE: 9})
    ws.close()


# -- individual participants ------------------------------------------------------------------


def test_individual_participants_one_after_the_other(sample):
    ws = Workshop(sample, "splitco", mode="individual", resume="new", today=DAY)
    assert ws.state.participants == []
    assert all(c.disabled for c in ws.questions.controls.values())
    first = ws.add_participant(perspective="internal", department="Marketing")
    assert first == "ws20260305-1-p01"
    ws.set_answer("ci_set_1", 5)
    second = ws.add_participant("cust-7", "customer")
    # the new participant's own (empty) answers
    assert ws.questions.controls["ci_set_1"].value == NA
    assert ws.questions.controls["ci_set_1"].disabled  # customers do not answer set-up items
    with pytest.raises(WorkshopError, match="customers"):
        ws.set_answer("ci_set_1", 3)
    ws.set_answer("ci_exp_1", 2)
    assert ws.progress == (1, 30)  # 21 experience + 9 par items
    with pytest.raises(WorkshopError, match="already"):
        ws.add_participant("cust-7", "customer")
    with pytest.raises(WorkshopError, match="department"):
        ws.add_participant("p9", "internal", "")
    with pytest.raises(WorkshopError, match="formula"):
        ws.add_participant("p9", "internal", "=HYPERLINK(1)")
    ws.select_participant(first)
    assert ws.questions.controls["ci_set_1"].value == 5
    rows = {r["respondent_id"]: r for r in rows_of(ws.state.csv_path)}
    assert rows[first]["department"] == "Marketing" and rows[first]["ci_set_1"] == "5"
    assert rows[second]["perspective"] == "customer" and rows[second]["department"] == ""
    assert meta_of(ws)["participants"][1] == {"respondent_id": "cust-7",
                                              "perspective": "customer", "department": ""}
    assert meta_of(ws)["current"] == first
    with pytest.raises(WorkshopError):
        ws.set_mode("team")  # two participants cannot become one consensus
    ws.close()


# -- export --------------------------------------------------------------------------------------


def test_export_appends_to_a_copy_of_the_sample_and_the_batch_accepts_it(sample):
    before = (sample / "responses.csv").read_bytes()
    ws = Workshop(sample, "pcmaker", resume="new", today=DAY)
    answer_profile(ws, exp=(3, 4.5, 3), setup=(4.5, 3, 3))
    for item in ITEMS[-9:]:
        ws.set_answer(item, 3)
    result = ws.export()
    assert result.appended == ["ws20260305-1-team"] and not result.skipped
    after = (sample / "responses.csv").read_bytes()
    assert after.startswith(before)  # existing rows unchanged, byte for byte
    assert after.count(b"\n") == before.count(b"\n") + 1
    ds = va.load_dataset(sample)
    scores = va.score(ds)
    mine = scores.respondents[scores.respondents["respondent_id"] == "ws20260305-1-team"]
    assert set(mine["wave"]) == {"2026-Q1"} and mine["kept"].all()
    assert len(ds.responses[ds.responses["company_id"] == "pcmaker"]) == 47
    out = subprocess.run([sys.executable, "-m", "assessment", "score", str(sample), "--out",
                          str(sample.parent / "reports")], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert meta_of(ws)["exports"][0]["appended"] == ["ws20260305-1-team"]
    # the survey comparison leaves the session's own exported rows out
    assert ws.survey.n == 46
    # exporting again never writes the same respondent twice, nor rewrites it
    ws.set_answer("oe_exp_1", 1)
    again = ws.export()
    assert again.appended == [] and again.skipped == ["ws20260305-1-team"]
    assert again.changed == ["ws20260305-1-team"]
    assert (sample / "responses.csv").read_bytes() == after
    assert "Changed since the export" in ws.results.export_status.value
    ws.close()


def test_export_of_individual_participants(sample):
    ws = Workshop(sample, "splitco", mode="individual", resume="new")
    ws.add_participant("m1", "internal", "Marketing")
    ws.set_answer("ci_set_1", 5)
    ws.add_participant("k1", "customer")
    ws.set_answer("ci_exp_1", 4)
    ws.add_participant("idle", "internal", "Operations")  # answers nothing
    result = ws.export()
    assert result.appended == ["m1", "k1"] and result.empty == ["idle"]
    resp = va.load_dataset(sample).responses
    k1 = resp[resp["respondent_id"] == "k1"].iloc[0]
    assert k1["perspective"] == "customer" and k1["department"] == ""
    assert k1["ci_exp_1"] == 4 and np.isnan(k1["ci_set_1"])
    ws.close()


def test_export_keeps_separator_encoding_and_line_endings(tmp_path):
    responses = responses_frame(["c1"], n=4)
    responses.loc[responses["perspective"] == "internal", "department"] = "Verkäufe"
    folder = write_dataset(tmp_path / "excel", companies_frame(["c1"], ["Café Zoë"]),
                           responses, sep=";", encoding="cp1252")  # what Excel writes
    raw = (folder / "responses.csv").read_bytes()
    (folder / "responses.csv").write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
    before = (folder / "responses.csv").read_bytes()
    ws = Workshop(folder, "c1", resume="new", department="Geschäftsführung")
    ws.set_answer("oe_exp_1", 4)
    ws.export()
    after = (folder / "responses.csv").read_bytes()
    assert after.startswith(before)
    added = after[len(before):]
    assert added.endswith(b"\r\n") and b";" in added and b"Gesch\xe4ftsf\xfchrung" in added
    ds = va.load_dataset(folder)
    assert "Geschäftsführung" in set(ds.responses["department"])
    ws.close()


def test_export_wave_rules(tmp_path):
    folder = write_dataset(tmp_path / "nowave", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2))
    ws = Workshop(folder, "c1", resume="new")
    assert ws.state.wave == ""  # a dataset without waves
    ws.set_answer("oe_exp_1", 4)
    ws.set_wave("2026-Q2")
    with pytest.raises(WorkshopError, match="no wave column"):
        ws.export()
    ws.results.export.click()  # the button shows the reason instead of raising
    assert "no wave column" in ws.results.export_status.value
    ws.set_wave("")
    assert ws.export().appended
    assert va.load_dataset(folder).responses["respondent_id"].tolist()[-1].endswith("-team")
    ws.close()


def test_export_to_an_excel_responses_file(tmp_path):
    folder = write_dataset(tmp_path / "xl", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2, waves=["2026-Q1"]), excel=True)
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("pl_exp_3", 2)
    assert ws.export().appended
    resp = va.load_dataset(folder).responses
    row = resp.iloc[-1]
    assert row["pl_exp_3"] == 2 and row["wave"] == "2026-Q1" and len(resp) == 3
    ws.close()


# -- companies, snapshot ----------------------------------------------------------------------


def test_new_company_is_appended_with_a_safe_unique_id(sample):
    before = (sample / "companies.csv").read_bytes()
    ws = Workshop(sample, "pcmaker", resume="new")
    cid = ws.create_company("Müller & Söhne <script>x</script>", "Maschinenbau")
    assert cid == "muller-sohne-script-x-script"
    assert ws.company_id == cid and ws.state is not None
    after = (sample / "companies.csv").read_bytes()
    assert after.startswith(before)
    ds = va.load_dataset(sample)
    assert ds.company_name(cid) == "Müller & Söhne <script>x</script>"
    assert "&lt;script&gt;" in ws.header.title.value and "<script>" not in ws.header.title.value
    assert ws.create_company("Müller & Söhne <script>x</script>", "x") == f"{cid}-2"
    with pytest.raises(WorkshopError, match="formula"):
        ws.create_company("=cmd|' /C calc'!A0", "x")
    with pytest.raises(WorkshopError):
        ws.create_company("two\nlines", "x")
    ws.set_answer("oe_exp_1", 3)
    assert ws.state.csv_path.name.startswith(cid)
    ws.close()


def test_snapshot_is_one_offline_html_file(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    answer_profile(ws, exp=(3, 4.5, 3), setup=(4.5, 3, 3))
    ws.set_note(OE, "<script>alert(1)</script> streamline")
    ws.set_target(CI)
    path = ws.snapshot()
    assert path.parent == sample / "workshops" and path.suffix == ".html"
    page = path.read_text(encoding="utf-8")
    assert "<script src=" not in page  # plotly.js inlined
    assert "Plotly.newPlot" in page and len(page) > 1_000_000
    assert "&lt;script&gt;alert(1)&lt;/script&gt; streamline" in page
    assert "<script>alert(1)</script>" not in page
    assert "Configurix Computers" in page and "What has to move" in page
    assert "raise from" in page
    assert "snapshot" in ws.results.export_status.value.lower()
    ws.close()


def test_switching_company_and_language(sample):
    ws = Workshop(sample, "pcmaker", resume="new", lang="en")
    ws.set_answer("oe_exp_1", 4)
    ws.header.company.value = "airline"  # what the dropdown does
    assert ws.company_id == "airline" and ws.state is not None
    assert ws.answer("oe_exp_1") is None
    ws.header.lang.value = "nl"
    assert ws.lang == "nl"
    assert ws.questions.controls["oe_exp_1"].options[0][0] == "geen antwoord"
    assert ws.figure.layout.annotations[0].text == "Profiel"
    ws.header.company.value = "pcmaker"  # back: its session is offered
    assert ws.state is None and ws.pending_sessions
    ws.header.offer_resume.click()
    assert ws.answer("oe_exp_1") == 4
    ws.close()


def test_snapshot_and_results_in_german(sample):
    ws = Workshop(sample, "pcmaker", resume="new", lang="de")
    answer_profile(ws, exp=(3, 4.5, 3), setup=(4.5, 3, 3))
    assert "Kundennähe" in ws.results.findings.value
    assert "Die Befragung (46 Personen" in ws.results.findings.value
    ws.close()


# -- customers as co-producers (the customer-integration tab) -------------------------------------

CUSTOMER_ONLY = [i.id for i in INTEG.items if i.answered_by == ["customer"]]
STAFF_ONLY = [i.id for i in INTEG.items if i.answered_by == ["internal"]]
N_INT_STAFF = sum("internal" in i.answered_by for i in INTEG.items)  # 28
N_INT_CUSTOMER = sum("customer" in i.answered_by for i in INTEG.items)  # 34


def test_integration_tab_controls_session_file_and_progress(sample):
    ws = Workshop(sample, "pcmaker", resume="new", lang="nl", today=DAY)
    tab = ws.questions.tabs.children[3]
    assert ws.questions.tabs.titles[3] == f"Klanten als coproducenten (0/{N_INT_STAFF})"
    html = " ".join(c.value for box in tab.children[1:] for c in box.children[:1])
    for block in INTEG.blocks.values():  # grouped by block, headed in the chosen language
        assert block.label.get("nl") in html
    ctrl = ws.questions.controls["int_role_co_creator_1"]
    # same scale, same "not answered"
    assert ctrl.options == ws.questions.controls["oe_exp_1"].options
    assert ctrl.options[0] == ("geen antwoord", NA) and ctrl.value == NA
    # the team answers as staff: the customers' motives and self-service items are skipped
    assert all(ws.questions.controls[i].disabled for i in CUSTOMER_ONLY)
    assert not any(ws.questions.controls[i].disabled for i in STAFF_ONLY)
    assert "alleen klanten" in ws.questions.rows["int_motive_economic_1"].children[0].value
    with pytest.raises(WorkshopError, match="customer"):
        ws.set_answer("int_selfservice_1", 4)
    # an answer through the API and one through the control (a click)
    ws.set_answer("int_role_co_creator_1", 5)
    assert ctrl.value == 5
    ws.questions.controls["int_crm_share_1"].value = 2
    assert ws.answer("int_crm_share_1") == 2
    header = next(csv.reader(ws.state.csv_path.open(encoding="utf-8")))
    assert header == ["wave", "company_id", "respondent_id", "perspective", "department",
                      *ITEMS, *INT_ITEMS]  # int_* after the core items, in section order
    assert saved_answer(ws, "int_role_co_creator_1") == "5"
    assert saved_answer(ws, "int_crm_share_1") == "2"
    assert saved_answer(ws, "int_motive_economic_1") == ""
    ws.set_answer("int_crm_share_1", None)
    assert saved_answer(ws, "int_crm_share_1") == ""
    # the main progress counts the discipline items only; the tab shows its own
    assert ws.progress == (0, len(ITEMS))
    assert ws.header.progress.value == 0 and ws.header.progress.max == len(ITEMS)
    assert ws.integration_progress == (1, N_INT_STAFF)
    assert ws.header.int_progress.value == 1 and ws.header.int_progress.max == N_INT_STAFF
    assert f"1 / {N_INT_STAFF}" in ws.header.int_progress_text.value
    assert ws.questions.tabs.titles[3].endswith(f"(1/{N_INT_STAFF})")
    assert ws.questions.tabs.titles[0].endswith("(0/17)")
    meta = meta_of(ws)
    assert meta["answered"] == 0 and meta["total"] == len(ITEMS)
    assert meta["integration_answered"] == 1 and meta["integration_total"] == N_INT_STAFF
    ws.close()


@pytest.mark.filterwarnings("ignore:Mean of empty slice:RuntimeWarning")
def test_integration_result_shows_live(sample):
    ws = Workshop(sample, "pcmaker", resume="new")
    assert "No answers on customer integration yet" in ws.results.findings.value
    answer_profile(ws, exp=(3, 4.5, 3), setup=(3, 4.5, 3))  # customer intimacy claimed
    for item, value in int_keyed(co_creator=2, communicator=2, substitute_manager=2,
                                 productive_resource=4, competitor=5).items():
        ws.set_answer(item, value)
    integ = ws.result.diagnosis.integration
    assert integ.claimed == CI and integ.codes == ["intimacy_cost_factor"]
    assert integ.needed_score == pytest.approx(2.0) and integ.fits is False
    html = ws.results.findings.value
    assert "Leading discipline: Customer intimacy" in html
    assert "together only 2.00, below par (3.00)" in html
    assert "Customer intimacy claimed, customers used as a cost factor" in html
    assert "<b>Co-creator 2.00</b>" in html and "Competitor (self-service) 5.00" in html
    assert "Customers take over process steps (productive resource, self-service): 4.50" \
        in html
    assert "shown from 5 customers on" in html  # no customers in a team session
    # shown once, in its own part, not again among the profile's findings
    assert html.count("customers used as a cost factor") == 1
    # the live result is what assessment.score + assessment.diagnose make of the session
    ds = ws.state.dataset_frame()
    slow = va.diagnose(va.score(ds), [ws.company_id], wave=ws.state.wave)[ws.company_id]
    assert slow.integration.codes == integ.codes
    pd.testing.assert_frame_equal(ws.result.scores.integration, score_integration(ds),
                                  check_dtype=False, check_index_type=False, atol=1e-9)
    assert ws.last_callback_ms < 2000
    ws.close()


def test_integration_answers_resume(sample):
    ws = Workshop(sample, "shoes", resume="new", lang="de")
    answers = {"int_role_communicator_1": 4, "int_role_communicator_2": 5,
               "int_part_active_1": 2, "int_crm_align_2": 1}
    for item, value in answers.items():
        ws.set_answer(item, value)
    path = ws.state.csv_path
    # a staff answer to a customers-only item (a hand-edited file) is not resumed
    rows = rows_of(path)
    rows[0]["int_motive_economic_1"] = "5"
    with path.open("w", encoding="utf-8", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    again = Workshop(sample, "shoes")  # the kernel restarted: the session is offered
    again.resume()
    assert again.state.stem == ws.state.stem
    assert {i: again.answer(i) for i in answers} == answers
    assert again.answer("int_motive_economic_1") is None
    assert again.questions.controls["int_role_communicator_2"].value == 5
    assert "ws-answered" in again.questions.rows["int_role_communicator_2"]._dom_classes
    assert again.integration_progress == (4, N_INT_STAFF)
    assert again.questions.tabs.titles[3] == \
        f"Kundinnen und Kunden als Ko-Produzenten (4/{N_INT_STAFF})"
    assert again.answers()["int_part_active_1"] == 2
    again.close()


def test_integration_export_appends_and_scores(sample):
    """Into the sample (its responses.csv has the int_* columns): the exported copy loads,
    and scoring it gives the role scores the team answered."""
    before = (sample / "responses.csv").read_bytes()
    assert b"int_role_co_creator_1" in before.splitlines()[0]
    ws = Workshop(sample, "pcmaker", resume="new", today=DAY)
    cid = ws.create_company("Co-Producers Ltd", "Services")
    answer_profile(ws, exp=(3, 4.5, 3), setup=(3, 4.5, 3))
    team = {**int_keyed(communicator=4, substitute_manager=3, productive_resource=2),
            "int_role_co_creator_1": 5, "int_role_co_creator_2": 4, "int_crm_share_1": 3,
            "int_crm_share_2": 4}
    for item, value in team.items():
        ws.set_answer(item, value)
    live = ws.result.diagnosis.integration
    result = ws.export()
    assert result.appended == [ws.state.participant.respondent_id] and not result.left_out
    after = (sample / "responses.csv").read_bytes()
    assert after.startswith(before)  # append only
    assert after.count(b"\n") == before.count(b"\n") + 1
    ds = va.load_dataset(sample)
    row = ds.responses[ds.responses["company_id"] == cid].iloc[0]
    assert row["int_role_co_creator_1"] == 5 and row["int_crm_share_2"] == 4
    assert np.isnan(row["int_motive_economic_1"])
    scores = va.score(ds)
    table = scores.integration[scores.integration["company_id"] == cid]
    role = table.set_index(["block", "scale", "perspective"])["mean"]
    # the team's record is its consensus: its own group, the source of every block
    assert role[("roles", "co_creator", "team")] == pytest.approx(4.5)
    assert role[("roles", "communicator", "team")] == pytest.approx(4.0)
    assert role[("crm", "knowledge_sharing", "team")] == pytest.approx(3.5)
    assert table[table["perspective"] == "team"]["source"].all()
    diag = va.diagnose(scores, [cid])[cid]
    assert diag.integration.claimed == CI and diag.integration.codes == ["integration_fit"]
    assert diag.integration.needed_score == pytest.approx((4.5 + 4 + 3) / 3)
    assert live.codes == diag.integration.codes
    assert live.needed_score == pytest.approx(diag.integration.needed_score)
    ws.close()


def test_integration_export_into_a_file_without_int_columns(tmp_path):
    """A responses.csv without int_* columns is never rewritten: the core answers are
    appended, the integration answers stay in the session file and the export says so."""
    folder = write_dataset(tmp_path / "plain", companies_frame(["c1"]),
                           responses_frame(["c1"], n=2))
    before = (folder / "responses.csv").read_bytes()
    ws = Workshop(folder, "c1", resume="new")
    ws.set_answer("oe_exp_1", 4)
    ws.set_answer("int_role_innovator_1", 5)
    result = ws.export()
    assert result.appended == [ws.state.participant.respondent_id]
    assert result.left_out == ["int_role_innovator_1"]
    after = (folder / "responses.csv").read_bytes()
    assert after.startswith(before) and after.splitlines()[0] == before.splitlines()[0]
    assert "no columns for 1 customer-integration item" in ws.results.export_status.value
    assert saved_answer(ws, "int_role_innovator_1") == "5"  # kept in the session file
    assert meta_of(ws)["exports"][0]["left_out"] == ["int_role_innovator_1"]
    resp = va.load_dataset(folder).responses
    assert resp.iloc[-1]["oe_exp_1"] == 4 and np.isnan(resp.iloc[-1]["int_role_innovator_1"])
    ws.close()
    # a session that answered only integration items has nothing to append there
    only = Workshop(folder, "c1", resume="new")
    only.set_answer("int_role_innovator_2", 3)
    res = only.export()
    assert res.appended == [] and res.empty == [only.state.participant.respondent_id]
    assert res.left_out == ["int_role_innovator_2"]
    assert (folder / "responses.csv").read_bytes() == after
    only.close()


def test_integration_items_disabled_for_the_wrong_perspective(sample):
    ws = Workshop(sample, "splitco", mode="individual", resume="new", lang="en")
    assert all(ws.questions.controls[i].disabled for i in INT_ITEMS)  # no participant yet
    staff = ws.add_participant("m1", "internal", "Marketing")
    assert all(ws.questions.controls[i].disabled for i in CUSTOMER_ONLY)
    assert not any(ws.questions.controls[i].disabled for i in STAFF_ONLY)
    assert "customers only" in ws.questions.rows["int_selfservice_2"].children[0].value
    assert "ws-skipped" in ws.questions.rows["int_selfservice_2"]._dom_classes
    hints = " ".join(box.children[0].value for box in ws.questions.tabs.children[3].children[1:])
    assert hints.count("Not asked of staff") == 2  # motives and self-service
    assert ws.integration_progress == (0, N_INT_STAFF)
    with pytest.raises(WorkshopError, match="staff do not answer it"):
        ws.set_answer("int_motive_achievement_1", 4)
    ws.set_answer("int_crm_align_1", 4)
    customer = ws.add_participant("k1", "customer")
    assert all(ws.questions.controls[i].disabled for i in STAFF_ONLY)
    assert not any(ws.questions.controls[i].disabled for i in CUSTOMER_ONLY)
    assert "staff only" in ws.questions.rows["int_crm_align_1"].children[0].value
    assert ws.questions.controls["int_crm_align_1"].value == NA  # the customer's own (empty) answer
    assert ws.integration_progress == (0, N_INT_CUSTOMER)
    assert ws.questions.tabs.titles[3].endswith(f"(0/{N_INT_CUSTOMER})")
    with pytest.raises(WorkshopError, match="customers do not answer it"):
        ws.set_answer("int_crm_align_1", 2)
    ws.set_answer("int_selfservice_1", 2)
    ws.set_answer("int_role_user_tester_1", 5)
    rows = {r["respondent_id"]: r for r in rows_of(ws.state.csv_path)}
    assert rows[staff]["int_crm_align_1"] == "4" and rows[staff]["int_selfservice_1"] == ""
    assert rows[customer]["int_selfservice_1"] == "2" and rows[customer]["int_crm_align_1"] == ""
    ws.select_participant(staff)
    crm = ws.questions.controls["int_crm_align_1"]
    assert crm.value == 4 and not crm.disabled
    assert ws.questions.controls["int_selfservice_1"].disabled
    ws.close()
