"""The participant page's handlers (tornado's test server, XSRF checks on as in Jupyter):
tokens, input validation, no way to read answers, atomic files; the room's live picture
and the consensus it starts."""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from tornado import testing, web

from assessment.instrument.models import load_instrument
from assessment.scoring.rules import mean_item_variance, rwg_j
from assessment.workshop.room.handlers import MAX_BODY, handlers
from assessment.workshop.room.stats import consensus_medians, room_picture
from assessment.workshop.room.store import CLOSED, Room, RoomMember

STEM = "pcmaker-2026-03-05-1"


class RoomServer(testing.AsyncHTTPTestCase):
    """A room on disk and the handlers on a test server."""

    def get_app(self) -> web.Application:
        self.folder = Path(tempfile.mkdtemp())
        inst = load_instrument()
        self.room = Room.create(self.folder, STEM, lang="en", company="Configurix",
                                items=inst.item_ids, scale=(1, 5),
                                instrument_version=inst.version)
        return web.Application(handlers(self.folder), xsrf_cookies=True,
                               cookie_secret="test")

    def tearDown(self) -> None:
        super().tearDown()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def page(self) -> str:
        return f"/workshop-room/{STEM}/{self.room.token}"

    def open_page(self, path: str | None = None):
        """GET the page; remember the XSRF token its cookie and form carry."""
        resp = self.fetch(path or self.page)
        if resp.code == 200:
            cookie = resp.headers["Set-Cookie"].split(";")[0]
            data = json.loads(re.search(r'id="rp-data" type="application/json">(.*?)</script>',
                                        resp.body.decode()).group(1))
            self.headers = {"Cookie": cookie, "X-XSRFToken": data["xsrf"]}
        return resp

    def post(self, action: str, body, path: str | None = None, headers=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.fetch(f"{path or self.page}/{action}", method="POST", body=raw,
                          headers=self.headers if headers is None else headers)

    def join(self, name="Anna") -> tuple[str, str]:
        self.open_page()
        resp = self.post("join", {"name": name})
        assert resp.code == 200, resp.body
        out = json.loads(resp.body)
        return out["pid"], out["key"]

    def member_file(self, pid: str) -> dict:
        return json.loads((self.folder / f"{STEM}.room" / f"p-{pid}.json").read_text())

    # -- tokens --------------------------------------------------------------------------------
    def test_page_shows_the_items_and_scale_without_ids(self):
        resp = self.open_page()
        assert resp.code == 200
        html = resp.body.decode()
        assert "Configurix" in html and "Strongly agree" in html
        assert html.count('class="rp-item"') == len(load_instrument().item_ids)
        assert "oe_exp_1" not in re.sub(r'data-item="[a-z0-9_]+"', "", html.split(
            '<script id="rp-data"')[0])  # ids only as data attributes
        assert "cdn" not in html.lower() and "https://" not in html  # offline
        assert self.open_page(self.page + "?lang=de").body.decode().count("Stimme") >= 5

    def test_wrong_or_missing_token_and_unknown_session_are_refused(self):
        self.open_page()
        for path in (f"/workshop-room/{STEM}/{'x' * 24}", f"/workshop-room/other-1/"
                     f"{self.room.token}", f"/workshop-room/{STEM}/"):
            assert self.fetch(path).code == 404
            assert self.post("join", {"name": ""}, path=path).code == 404
        assert not list((self.folder / f"{STEM}.room").glob("p-*.json"))

    def test_posts_need_the_xsrf_token(self):
        self.open_page()
        assert self.post("join", {"name": "x"}, headers={}).code == 403

    def test_nobody_can_read_answers_back(self):
        pid, key = self.join()
        assert self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1",
                                    "value": 4}).code == 200
        for action in ("answer", "join"):
            assert self.fetch(f"{self.page}/{action}").code == 405
        assert self.fetch(f"/workshop-room/{STEM}.room/p-{pid}.json").code == 404
        # the page never contains an answer
        assert '"answers"' not in self.open_page().body.decode()

    # -- input ----------------------------------------------------------------------------------
    def test_join_and_answer_write_one_file_per_participant(self):
        pid, key = self.join("  Anna  K. ")
        anon, _ = self.join("")
        assert self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1",
                                    "value": 4}).code == 200
        resp = self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1", "value": 2})
        assert json.loads(resp.body) == {"answered": 1}
        saved = self.member_file(pid)
        assert saved["name"] == "Anna K." and saved["answers"] == {"oe_exp_1": 2}
        assert key not in json.dumps(saved)  # only its hash
        assert self.member_file(anon)["name"] == ""
        assert self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1",
                                    "value": None}).code == 200
        assert self.member_file(pid)["answers"] == {}
        names = sorted(p.name for p in (self.folder / f"{STEM}.room").iterdir())
        assert names == sorted(["room.json", f"p-{pid}.json", f"p-{anon}.json"])

    def test_bad_input_is_refused_and_changes_nothing(self):
        pid, key = self.join()
        assert self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1",
                                    "value": 3}).code == 200
        before = self.member_file(pid)
        bad = [({"pid": pid, "key": key, "item": "oe_exp_1", "value": v}, "whole number")
               for v in (0, 6, 3.5, "4", True, [4])]
        bad += [({"pid": pid, "key": key, "item": "int_roles_1x", "value": 3}, "unknown item"),
                ({"pid": pid, "key": key, "item": "../room", "value": 3}, "unknown item"),
                ({"pid": pid, "key": "not-the-key", "item": "oe_exp_1", "value": 3},
                 "unknown participant"),
                ({"pid": "../../x", "key": key, "item": "oe_exp_1", "value": 3},
                 "unknown participant")]
        for body, expected in bad:
            resp = self.post("answer", body)
            assert resp.code == 400, body
            assert expected in json.loads(resp.body)["error"], (body, resp.body)
        for raw in (b"not json", b"[1, 2]"):
            assert self.post("answer", raw).code == 400
        assert self.post("answer", b"{" + b" " * MAX_BODY + b"}").code == 413
        assert self.post("join", {"name": "x" * 41}).code == 400
        assert self.post("join", {"name": "two\nlines"}).code == 400
        assert self.member_file(pid) == before

    def test_a_closed_round_refuses_changes(self):
        pid, key = self.join()
        self.room.set_status(CLOSED)
        resp = self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1", "value": 3})
        assert resp.code == 409 and "closed" in json.loads(resp.body)["error"]
        assert self.post("join", {"name": "late"}).code == 409
        assert "rp-closed" in self.open_page().body.decode()

    def test_a_failed_write_keeps_the_previous_answers(self):
        pid, key = self.join()
        assert self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_1",
                                    "value": 3}).code == 200
        real = os.replace

        def broken(*args, **kwargs):
            raise OSError(28, "No space left on device")

        os.replace = broken
        try:
            resp = self.post("answer", {"pid": pid, "key": key, "item": "oe_exp_2",
                                        "value": 5})
        finally:
            os.replace = real
        assert resp.code == 500
        assert self.member_file(pid)["answers"] == {"oe_exp_1": 3}
        folder = self.folder / f"{STEM}.room"
        assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_half_written_file_is_skipped_by_the_reader(tmp_path):
    room = Room.create(tmp_path, STEM, lang="en", company="x", items=["oe_exp_1"],
                       scale=(1, 5))
    pid, key = room.join("A")
    room.answer(pid, key, "oe_exp_1", 5)
    (room.folder / "p-0123456789abcdef.json").write_text('{"pid": "0123', encoding="utf-8")
    assert [m.answers for m in room.read_answers()] == [{"oe_exp_1": 5}]


def test_picture_uses_the_scoring_rules_and_matches_a_hand_count():
    inst = load_instrument()
    ids = [i.id for i in inst.cell_items("product_leadership", "setup")]
    rev = np.array([i.reverse for i in inst.cell_items("product_leadership", "setup")])
    rng = np.random.default_rng(3)
    raw = rng.integers(1, 6, size=(6, len(ids))).astype(float)
    members = [RoomMember(f"m{k}", "", {i: int(v) for i, v in zip(ids, row, strict=True)})
               for k, row in enumerate(raw)]
    pic = room_picture(inst, members)
    cell = next(c for c in pic.cells if c["discipline"] == "product_leadership"
                and c["lens"] == "setup")
    keyed = np.where(rev, 6 - raw, raw)
    assert cell["n"] == 6
    assert cell["mean"] == pytest.approx(keyed.mean(axis=1).mean())
    expected = rwg_j(mean_item_variance(keyed), len(ids), 5)
    # by hand: the mean of the item variances against sigma_EU^2 = 2
    var = keyed.var(axis=0, ddof=1).mean()
    ratio = min(var / 2, 1)
    assert cell["rwg"] == pytest.approx(float(expected))
    assert cell["rwg"] == pytest.approx(len(ids) * (1 - ratio) / (len(ids) * (1 - ratio)
                                                                 + ratio))
    sds = [d["sd"] for d in pic.disagreements]
    assert sds == sorted(sds, reverse=True) and len(sds) == 5
    top = pic.disagreements[0]
    j = ids.index(top["item"])
    assert top["sd"] == pytest.approx(raw[:, j].std(ddof=1))
    assert sum(top["counts"]) == 6


def test_consensus_medians_round_a_half_up():
    inst = load_instrument()
    ms = [RoomMember("a", "", {"oe_exp_1": 1, "oe_exp_2": 4}),
          RoomMember("b", "", {"oe_exp_1": 2, "oe_exp_2": 4}),
          RoomMember("c", "", {"oe_exp_2": 1})]
    assert consensus_medians(inst, ms) == {"oe_exp_1": 2, "oe_exp_2": 4}


def test_the_command_refuses_an_unknown_company_before_starting(capsys):
    from assessment.cli import main

    assert main(["workshop", "data/sample", "--company", "nope"]) == 1
    err = capsys.readouterr().err
    assert "no company 'nope' in companies.csv" in err and "pcmaker" in err


def test_the_panel_needs_the_server_and_guards_the_consensus(tmp_path, monkeypatch):
    import datetime as dt

    from assessment.workshop.app import Workshop
    from assessment.workshop.errors import WorkshopError

    monkeypatch.delenv("WORKSHOP_ROOM_URL", raising=False)
    data = shutil.copytree("data/sample", tmp_path / "sample",
                           ignore=shutil.ignore_patterns("workshops", ".*.lock"))
    ws = Workshop(data, "pcmaker", lang="de", resume="new", today=dt.date(2026, 3, 5))
    try:
        assert ws.room.box.layout.display == "none"  # no participant page: no panel
        assert ws.room_slot.children == (ws.room.box,)  # at the foot of the side column
        assert ws.room_slot in ws.root.children[-1].children[1].children
        ws.room.url = "http://10.0.0.5:8866"
        room = ws.room.open_room()
        assert ws.room.box.layout.display is None
        assert "10.0.0.5:8866/workshop-room/pcmaker-2026-03-05-1/" in ws.room.qr.value
        assert "<svg" in ws.room.qr.value
        assert ws.room.round_button.description == "Runde schließen"
        with pytest.raises(WorkshopError, match="Runde"):  # the round is still open
            ws.room.consensus()
        ws.room.close_round()
        with pytest.raises(WorkshopError, match="hat niemand"):
            ws.room.consensus()
        room.set_status("open")
        members = [room.join(n) for n in ("A", "B", "C")]
        for (pid, key), v in zip(members, (2, 3, 5), strict=True):
            room.answer(pid, key, "ci_exp_1", v)
        room.answer(*members[0], "ci_exp_2", 4)
        assert ws.room.poll()
        assert "3 beigetreten · 3 haben geantwortet" in ws.room.live.value
        assert 'data-answers="4"' in ws.room.live.value  # what the room bench watches
        assert "Nur 3 Personen haben geantwortet" in ws.room.live.value  # thin evidence
        ws.room.close_round()
        assert ws.room.consensus() == 3
        assert ws.answer("ci_exp_1") == 3 and ws.state.team_size == 3
        assert ws.answer("oe_exp_1") is None  # nobody answered it: left as it was
        ws.set_mode("individual")
        with pytest.raises(WorkshopError, match="Teamkonsens"):
            ws.room.consensus()
    finally:
        ws.close()
