"""The facilitator's room panel: participants answer on their own phones, the panel shows
live how many joined and answered, each discipline and lens's spread and agreement, where
the team disagrees most; it closes the round and starts the team's consensus from it.

The phones post to the participant page of the Jupyter server
(:mod:`assessment.workshop.room.handlers`), which writes one file per participant; this
panel, in the facilitator's kernel, reads that folder every half second
(:meth:`RoomPanel.poll`, rereading only when a file changed) and redraws.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w
import numpy as np
import segno
from markupsafe import Markup

from assessment.workshop.errors import WorkshopError
from assessment.workshop.render import line, render
from assessment.workshop.room import DATASET_ENV, URL_ENV
from assessment.workshop.room.handlers import ROUTE
from assessment.workshop.room.stats import RoomPicture, consensus_medians, room_picture
from assessment.workshop.room.store import CLOSED, OPEN, Room, RoomMember
from assessment.workshop.session import TEAM
from assessment.workshop.texts import text

if TYPE_CHECKING:  # pragma: no cover
    from assessment.workshop.app import Workshop

__all__ = ["POLL_SECONDS", "RoomPanel"]

#: how often the facilitator's kernel looks for new answers
POLL_SECONDS = 0.5


class RoomPanel:
    """The room of the workshop's current session (hidden unless the participant page's
    address is known: ``url`` or ``$WORKSHOP_ROOM_URL``, which ``python -m assessment
    workshop`` sets).

    Examples
    --------
    On a copy of the sample data, with a phone simulated through the room's files:

    >>> import shutil, tempfile, datetime as dt
    >>> from assessment.workshop.app import Workshop
    >>> data = shutil.copytree("data/sample", Path(tempfile.mkdtemp()) / "sample")
    >>> ws = Workshop(data, "pcmaker", resume="new", today=dt.date(2026, 3, 5))
    >>> panel = RoomPanel(ws, url="http://192.168.1.20:8866")
    >>> room = panel.open_room()
    >>> panel.participant_url.startswith("http://192.168.1.20:8866/workshop-room/pcmaker-")
    True
    >>> pid, key = room.join("Anna")
    >>> room.answer(pid, key, "oe_exp_1", 4)
    1
    >>> panel.poll(), panel.picture.joined, panel.picture.answered
    (True, 1, 1)
    >>> panel.close_round(); panel.consensus()
    1
    >>> ws.answer("oe_exp_1"), ws.state.team_size
    (4, 1)
    >>> ws.close()
    """

    def __init__(self, workshop: Workshop, url: str | None = None):
        self.ws = workshop
        self.url = (url if url is not None else os.environ.get(URL_ENV, "")).rstrip("/")
        self.room: Room | None = None
        self.members: list[RoomMember] = []
        self.picture: RoomPicture | None = None
        self.discussing = False
        self._stem: str | None = None
        self._seen: tuple = ()
        self._lang = ""
        self._qr = ("", "")
        self._task: asyncio.Task | None = None
        self.title = w.HTML()
        self.open_button = w.Button(layout=w.Layout(width="auto"))
        self.qr = w.HTML()
        self.live = w.HTML()
        self.round_button = w.Button(layout=w.Layout(width="auto"))
        self.discuss_button = w.ToggleButton(layout=w.Layout(width="auto"))
        self.consensus_button = w.Button(button_style="primary", layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.controls = w.HBox([self.round_button, self.discuss_button,
                                self.consensus_button], layout=w.Layout(flex_flow="row wrap"))
        self.box = w.VBox([self.title, self.open_button, self.qr, self.live, self.controls,
                           self.status], layout=w.Layout(width="100%"))
        self.box.add_class("ws-room")
        self.open_button.on_click(lambda _b: self._guard(self.open_room))
        self.round_button.on_click(lambda _b: self._guard(self._toggle_round))
        self.discuss_button.observe(lambda ch: self._guard(self.discuss, ch["new"]), "value")
        self.consensus_button.on_click(lambda _b: self._guard(self.consensus))
        self._show()
        if self.url:
            self.start()

    # -- what the buttons do ------------------------------------------------------------------
    @property
    def participant_url(self) -> str:
        """The address phones open (with the room's join token); "" without a room."""
        if self.room is None:
            return ""
        return f"{self.url}{ROUTE}/{self.room.meta['session']}/{self.room.token}"

    def open_room(self) -> Room:
        """Open the current session's room (saving the session first, so it has a name);
        a session that already has one keeps it and its token."""
        state = self.ws._require_state()
        if state.stem is None:
            state.save()
        inst = state.instrument
        self.room = Room.create(state.folder, state.stem, lang=state.lang,
                                company=state.company_name, items=inst.item_ids,
                                scale=(inst.scale.min, inst.scale.max),
                                instrument_version=inst.version)
        self._stem = state.stem
        self._seen = ()
        self.poll()
        self.start()
        return self.room

    def close_round(self) -> None:
        """Close the round: the phones can no longer change their answers."""
        self._require_room().set_status(CLOSED)
        self._seen = ()
        self.poll()

    def reopen_round(self) -> None:
        """Open the round again (answers may change)."""
        self._require_room().set_status(OPEN)
        self._seen = ()
        self.poll()

    def discuss(self, on: bool = True) -> None:
        """Show only the statements the team disagrees on most, large (or the overview)."""
        self.discussing = bool(on)
        self._draw()

    def consensus(self) -> int:
        """Start the team's answers from the room's: every statement someone answered gets
        the median of the room's answers (a half rounded up), and the team's size is the
        number of participants who answered. The facilitator then changes what the team
        agrees differently, and exports. Needs team mode and a closed round; returns the
        number of participants it rests on."""
        room, state = self._require_room(), self.ws._require_state()
        lang = state.lang
        if state.mode != TEAM:
            raise WorkshopError(text("room_consensus_mode", lang))
        room.reload()
        if room.status != CLOSED:
            raise WorkshopError(text("room_consensus_open", lang))
        self.members = room.read_answers()
        answered = [m for m in self.members if m.answers]
        if not answered:
            raise WorkshopError(text("room_consensus_none", lang))
        medians = consensus_medians(state.instrument, answered)
        for item_id, value in medians.items():
            state.set_answer(item_id, value)
        self.ws.set_team_size(len(answered))
        self.ws.questions.build(self.ws.instrument, self.ws.integration, state, lang)
        self.ws.refresh()
        self.status.value = line(text("room_consensus_done", lang, n=len(answered),
                                      items=len(medians)))
        return len(answered)

    # -- reading the phones' answers ------------------------------------------------------------
    def poll(self) -> bool:
        """Look for new answers (and a new session or language); redraw when something
        changed. Returns whether it did."""
        state = self.ws.state
        stem = state.stem if state is not None else None
        if stem != self._stem:  # another session: its room, if it has one
            self._stem, self._seen, self.members = stem, (), []
            self.room = Room.load(state.folder, stem) if stem else None
            self.discussing = False
        changed = self._lang != self.ws.lang
        if self.room is not None:
            seen = _signature(self.room.folder)
            if seen != self._seen:
                self._seen = seen
                self.room.reload()
                self.members = self.room.read_answers()
                self.picture = room_picture(state.instrument, self.members)
                changed = True
        elif self.picture is not None:
            self.picture, changed = None, True
        if changed:
            self._show()
        return changed

    def start(self) -> None:
        """Poll every :data:`POLL_SECONDS` on the kernel's event loop (nothing without a
        running loop, as in a plain script: call :meth:`poll` there)."""
        if self._task is not None and not self._task.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._task = loop.create_task(self._run())

    def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_SECONDS)
            try:
                self.poll()
            except Exception as exc:  # noqa: BLE001 - keep polling, say what went wrong
                self.status.value = line(str(exc), cls="ws-error")

    # -- drawing ---------------------------------------------------------------------------------
    def _show(self) -> None:
        lang = self._lang = self.ws.lang
        self.box.layout.display = None if self.url else "none"
        state = self.ws.state
        self.title.value = line(text("room_title", lang), cls="ws-room-title")
        self.open_button.description = text("room_open", lang)
        other = _other_dataset(state.dataset if state is not None else None)
        self.open_button.layout.display = "none" if self.room is not None or other else None
        self.controls.layout.display = None if self.room is not None else "none"
        if other:
            self.status.value = line(text("room_other_dataset", lang, dataset=other),
                                     cls="ws-error")
        if self.room is None:
            self.qr.value = self.live.value = ""
            return
        closed = self.room.status == CLOSED
        self.round_button.description = text("room_reopen" if closed else "room_close", lang)
        self.discuss_button.description = text("room_discuss" if not self.discussing
                                               else "room_overview", lang)
        self.consensus_button.description = text("room_consensus", lang)
        url = self.participant_url
        if self._qr[0] != url:  # a QR code takes tens of milliseconds: once per address
            self._qr = (url, segno.make(url, error="m").svg_inline(scale=4, border=2))
        svg = self._qr[1]
        self.qr.value = render("room_qr.html.j2", svg=Markup(svg), url=url,
                               scan=text("room_scan", lang, url=url), hidden=closed)
        self._draw()

    def _draw(self) -> None:
        if self.room is None or self.picture is None:
            return
        lang, state = self.ws.lang, self.ws.state
        inst = state.instrument
        pic = self.picture
        status = text("room_status_closed" if self.room.status == CLOSED
                      else "room_status_open", lang)
        cells = []
        for c in pic.cells:
            d, lens = c["discipline"], c["lens"]
            lens_label = (text("room_par", lang, value=inst.threshold_values[d].label.get(lang))
                          if lens == "threshold" else inst.lens_label(lens, lang))
            cells.append({"label": f"{inst.discipline_label(d, lang)} · {lens_label}",
                          "n": c["n"], "mean": _num(c["mean"]), "rwg": _num(c["rwg"]),
                          "low": bool(np.isfinite(c["rwg"]) and c["rwg"] < 0.7),
                          "dots": [round((s - inst.scale.min) / (inst.scale.max - inst.scale.min)
                                         * 100, 1) for s in c["scores"]]})
        rows = [{"text": inst.item(d["item"]).wording("staff", lang), "n": d["n"],
                 "sd": f"{d['sd']:.2f}", "counts": d["counts"],
                 "widths": [round(k / d["n"] * 100) for k in d["counts"]]}
                for d in pic.disagreements]
        th = inst.thresholds
        self.live.value = render(
            "room_panel.html.j2", t=lambda key, **kw: text(key, lang, **kw),
            counts=text("room_counts", lang, joined=pic.joined, answered=pic.answered,
                        status=status),
            thin=0 < pic.answered < th.min_group_size, answered=pic.answered, cells=cells,
            answers=sum(len(m.answers) for m in self.members),
            rows=rows, discussing=self.discussing, share=th.min_answered_share,
            values=list(range(inst.scale.min, inst.scale.max + 1)))

    # -- helpers ---------------------------------------------------------------------------------
    def _toggle_round(self) -> None:
        if self._require_room().status == CLOSED:
            self.reopen_round()
        else:
            self.close_round()

    def _require_room(self) -> Room:
        if self.room is None:
            raise WorkshopError(text("room_open", self.ws.lang))
        return self.room

    def _guard(self, fn, *args) -> None:
        try:
            fn(*args)
        except WorkshopError as exc:
            self.status.value = line(str(exc), cls="ws-error")


def _signature(folder: Path) -> tuple:
    """What changed in the room's folder: names, sizes and modification times."""
    try:
        return tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                            for e in os.scandir(folder) if e.name.endswith(".json")))
    except OSError:
        return ()


def _other_dataset(dataset: Path | None) -> str:
    """The server's dataset when the session belongs to another one (else "")."""
    served = os.environ.get(DATASET_ENV)
    if not served or dataset is None:
        return ""
    return "" if Path(served).resolve() == Path(dataset).resolve() else Path(served).name


def _num(value: float) -> str:
    return f"{value:.2f}" if np.isfinite(value) else "–"
