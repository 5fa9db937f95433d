"""A workshop room on disk: the participants' own answers, one file each, beside the session.

A session ``<stem>`` of ``<dataset>/workshops/`` that opened a room has a folder
``<stem>.room/`` with

- ``room.json``: the join token (in the participant URL and its QR code), whether the round
  is ``open`` or ``closed``, the language, the company's name and the item ids asked;
- ``p-<id>.json``: one participant: the name given ("" = anonymous), a hash of the
  participant's private key, when they joined and last answered, and their answers.

Every file is written atomically (temporary file + rename): a crash of the server loses at
most the answer being sent, and a reader never sees half a file. The participant page
(:mod:`assessment.workshop.room.handlers`) writes through :class:`Room`; the facilitator's
panel (:mod:`assessment.workshop.panels.room`) only reads (:meth:`Room.read_answers`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from assessment.files import atomic_write_bytes
from assessment.workshop.errors import WorkshopError

__all__ = ["MAX_NAME", "MAX_PARTICIPANTS", "Room", "RoomClosed", "RoomError", "RoomMember",
           "clean_name", "room_folder"]

ROOM_FORMAT = "value-discipline-workshop-room"
OPEN, CLOSED = "open", "closed"
MAX_NAME = 40
MAX_PARTICIPANTS = 200
_STEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,150}")
_PID = re.compile(r"[a-z0-9]{8,32}")


class RoomError(WorkshopError):
    """A request the room refuses (bad input); the message says what was expected."""


class RoomClosed(RoomError):
    """The round is closed: answers can no longer change."""


def room_folder(sessions: Path, stem: str) -> Path:
    """The room folder of session ``stem`` in the sessions folder (a stem that could leave
    the folder is refused).

    Examples
    --------
    >>> room_folder(Path("data/sample/workshops"), "pcmaker-2026-03-05-1").as_posix()
    'data/sample/workshops/pcmaker-2026-03-05-1.room'
    >>> room_folder(Path("w"), "../etc")
    Traceback (most recent call last):
    ...
    assessment.workshop.room.store.RoomError: not a session name: '../etc'
    """
    if not isinstance(stem, str) or not _STEM.fullmatch(stem) or ".." in stem:
        raise RoomError(f"not a session name: {stem!r}")
    return Path(sessions) / f"{stem}.room"


def clean_name(name: object) -> str:
    """A participant's name as given: one line, at most :data:`MAX_NAME` characters, inner
    spaces collapsed; "" (anonymous) for nothing.

    Examples
    --------
    >>> clean_name("  Anna   K. "), clean_name(None), clean_name("")
    ('Anna K.', '', '')
    >>> clean_name("x" * 41)
    Traceback (most recent call last):
    ...
    assessment.workshop.room.store.RoomError: the name is longer than 40 characters
    """
    if name is None:
        return ""
    if not isinstance(name, str):
        raise RoomError("the name must be text")
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in name):
        raise RoomError("the name must be one line without control characters")
    s = " ".join(name.split())
    if len(s) > MAX_NAME:
        raise RoomError(f"the name is longer than {MAX_NAME} characters")
    return s


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _dump(data: dict) -> bytes:
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


@dataclass
class RoomMember:
    """One participant's file: their name ("" = anonymous) and answers ``{item: 1..5}``."""

    pid: str
    name: str
    answers: dict[str, int] = field(default_factory=dict)
    joined: str = ""
    updated: str = ""


class Room:
    """The room of one session: its token, the round's state, the participants' answers.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> room = Room.create(folder, "acme-2026-03-05-1", lang="de", company="ACME",
    ...                    items=["oe_exp_1", "oe_set_1"], scale=(1, 5))
    >>> same = Room.load(folder, "acme-2026-03-05-1")
    >>> same.check_token(room.token), same.check_token("guess")
    (True, False)
    >>> pid, key = same.join("Anna")
    >>> same.answer(pid, key, "oe_exp_1", 4)
    1
    >>> [(m.name, m.answers) for m in room.read_answers()]
    [('Anna', {'oe_exp_1': 4})]
    >>> room.set_status("closed"); same.answer(pid, key, "oe_exp_1", 5)
    Traceback (most recent call last):
    ...
    assessment.workshop.room.store.RoomClosed: the round is closed: answers can no longer change
    """

    def __init__(self, folder: Path, meta: dict):
        self.folder = folder
        self.meta = meta

    # -- the room ---------------------------------------------------------------------------
    @classmethod
    def create(cls, sessions: Path, stem: str, *, lang: str, company: str, items: list[str],
               scale: tuple[int, int], instrument_version: str = "") -> Room:
        """A new room (a new token) for session ``stem``; an existing room is kept as it is
        (its token stays valid: the QR code on the wall keeps working)."""
        found = cls.load(sessions, stem)
        if found is not None:
            return found
        folder = room_folder(sessions, stem)
        folder.mkdir(parents=True, exist_ok=True)
        meta = {"format": ROOM_FORMAT, "session": stem, "token": secrets.token_urlsafe(18),
                "status": OPEN, "lang": lang, "company": company, "items": list(items),
                "scale": list(scale), "instrument_version": instrument_version}
        atomic_write_bytes(folder / "room.json", _dump(meta))
        return cls(folder, meta)

    @classmethod
    def load(cls, sessions: Path, stem: str) -> Room | None:
        """The room of session ``stem`` (None when it has none or its file is unreadable)."""
        folder = room_folder(sessions, stem)
        try:
            meta = json.loads((folder / "room.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("format") != ROOM_FORMAT or \
                not isinstance(meta.get("token"), str):
            return None
        return cls(folder, meta)

    @property
    def token(self) -> str:
        """The join token (unguessable: 144 random bits)."""
        return self.meta["token"]

    @property
    def status(self) -> str:
        """``open`` (answers may change) or ``closed``."""
        return self.meta.get("status", OPEN)

    @property
    def items(self) -> list[str]:
        """The item ids participants answer, in the order shown."""
        return list(self.meta.get("items", []))

    def check_token(self, token: object) -> bool:
        """Whether ``token`` is this room's (compared in constant time)."""
        return isinstance(token, str) and hmac.compare_digest(token.encode(),
                                                               self.token.encode())

    def set_status(self, status: str) -> None:
        """Open or close the round (saved at once)."""
        if status not in (OPEN, CLOSED):
            raise RoomError(f"status must be {OPEN!r} or {CLOSED!r}, not {status!r}")
        self.meta["status"] = status
        atomic_write_bytes(self.folder / "room.json", _dump(self.meta))

    def reload(self) -> None:
        """Read ``room.json`` again (the facilitator may have closed the round)."""
        fresh = Room.load(self.folder.parent, self.folder.name.removesuffix(".room"))
        if fresh is not None:
            self.meta = fresh.meta

    # -- participants ------------------------------------------------------------------------
    def _member_path(self, pid: str) -> Path:
        if not isinstance(pid, str) or not _PID.fullmatch(pid):
            raise RoomError("unknown participant")
        return self.folder / f"p-{pid}.json"

    def join(self, name: object, now: str = "") -> tuple[str, str]:
        """Add a participant; returns their id and private key (the key, kept by the
        phone, lets only them change their answers; the file holds its hash)."""
        self.reload()
        if self.status != OPEN:
            raise RoomClosed("the round is closed: answers can no longer change")
        clean = clean_name(name)
        if sum(1 for _ in self.folder.glob("p-*.json")) >= MAX_PARTICIPANTS:
            raise RoomError(f"the room is full ({MAX_PARTICIPANTS} participants)")
        pid, key = secrets.token_hex(8), secrets.token_urlsafe(18)
        data = {"pid": pid, "name": clean, "key_sha256": _hash(key), "joined": now,
                "updated": now, "answers": {}}
        path = self._member_path(pid)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # never reuse an id
        os.close(fd)
        atomic_write_bytes(path, _dump(data))
        return pid, key

    def answer(self, pid: object, key: object, item: object, value: object,
               now: str = "") -> int:
        """Set (or clear, with None) one answer of participant ``pid``; returns how many
        items they have answered. Refused when the round is closed, the key is not theirs,
        the item is not asked or the value is not a whole number on the scale."""
        self.reload()
        if self.status != OPEN:
            raise RoomClosed("the round is closed: answers can no longer change")
        path = self._member_path(pid)  # type: ignore[arg-type]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RoomError("unknown participant") from None
        if not isinstance(key, str) or not hmac.compare_digest(_hash(key),
                                                               data.get("key_sha256", "")):
            raise RoomError("unknown participant")
        if not isinstance(item, str) or item not in self.items:
            raise RoomError(f"unknown item {str(item)[:40]!r}")
        lo, hi = self.meta.get("scale", [1, 5])
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not lo <= value <= hi):
            raise RoomError(f"the answer must be a whole number from {lo} to {hi}, "
                            f"not {str(value)[:20]!r}")
        answers = data.setdefault("answers", {})
        if value is None:
            answers.pop(item, None)
        else:
            answers[item] = value
        data["updated"] = now
        atomic_write_bytes(path, _dump(data))
        return len(answers)

    def read_answers(self) -> list[RoomMember]:
        """Every participant's answers, in the order they joined (a file being replaced or
        damaged is skipped; the next read has it)."""
        out = []
        for path in self.folder.glob("p-*.json"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            out.append(_member(data, self.items, self.meta.get("scale", [1, 5])))
        out.sort(key=lambda m: (m.joined, m.pid))
        return out


def _member(data: dict, items: list[str], scale: list[int]) -> RoomMember:
    """A participant from their file, keeping only answers to asked items on the scale."""
    lo, hi = scale
    raw = data.get("answers") if isinstance(data.get("answers"), dict) else {}
    answers = {i: v for i, v in raw.items() if i in items and isinstance(v, int)
               and not isinstance(v, bool) and lo <= v <= hi}
    return RoomMember(str(data.get("pid", "")), str(data.get("name", ""))[:MAX_NAME], answers,
                      str(data.get("joined", "")), str(data.get("updated", "")))
