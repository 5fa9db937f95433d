"""The participant page and its two JSON endpoints, as tornado handlers inside the Jupyter
server that already serves the facilitator's Voila page (no kernel per participant).

- ``GET  /workshop-room/<session>/<token>``: the page (404 for an unknown session or a
  wrong token, the same answer for both);
- ``POST /workshop-room/<session>/<token>/join``: ``{"name": ""}`` -> ``{"pid", "key"}``;
- ``POST /workshop-room/<session>/<token>/answer``:
  ``{"pid", "key", "item", "value": 1..5 | null}`` -> ``{"answered": n}``.

There is no way to read answers back: a phone keeps its own in the browser's storage.
Refusals are JSON ``{"error": "..."}`` with 400 (bad input), 404 (unknown room or token),
409 (round closed) or 413 (body too large). POSTs carry tornado's XSRF token (cookie and
header) when the application checks them, as Jupyter's does.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path

from tornado import web

from assessment.instrument.models import LANGS, Instrument, load_instrument
from assessment.workshop.render import render
from assessment.workshop.room.store import OPEN, Room, RoomClosed, RoomError
from assessment.workshop.texts import text

__all__ = ["MAX_BODY", "ROUTE", "handlers", "phone_page"]

ROUTE = "/workshop-room"
MAX_BODY = 4096
_PATH = r"/([A-Za-z0-9][A-Za-z0-9_.-]{0,150})/([A-Za-z0-9_-]{1,100})"
#: the participant page's texts (workshop text book)
PHONE_KEYS = ("room_phone_title", "room_phone_name", "room_phone_name_hint", "room_phone_join",
              "room_phone_anonymous", "room_phone_progress",
              "room_phone_closed", "room_phone_error", "room_phone_offline", "room_phone_intro",
              "room_phone_change", "room_phone_done")


@cache
def _instrument(version: str) -> Instrument:
    return load_instrument(version=version) if version else load_instrument()


def phone_page(room: Room, lang: str, action: str, xsrf: str = "") -> str:
    """The participant page of ``room`` in ``lang``: the asked items grouped by discipline
    and lens (the staff wording), the scale's labels, the texts; ``action`` is the URL the
    page posts to.

    Examples
    --------
    >>> import tempfile
    >>> room = Room.create(Path(tempfile.mkdtemp()), "acme-2026-03-05-1", lang="de",
    ...                    company="ACME & Co", items=["oe_exp_1", "oe_set_1"], scale=(1, 5))
    >>> page = phone_page(room, "de", "/workshop-room/acme-2026-03-05-1/t")
    >>> "ACME &amp; Co" in page, "Stimme voll und ganz zu" in page, 'lang="de"' in page
    (True, True, True)
    """
    inst = _instrument(room.meta.get("instrument_version", ""))
    groups: list[dict] = []
    for item_id in room.items:
        item = inst.item(item_id)
        lens = getattr(item, "lens", None)
        lens_label = inst.lens_label(lens, lang) if lens else text(
            "room_par", lang, value=inst.threshold_values[item.discipline].label.get(lang))
        title = f"{inst.discipline_label(item.discipline, lang)} · {lens_label}"
        if not groups or groups[-1]["title"] != title:
            groups.append({"title": title, "items": []})
        groups[-1]["items"].append({"id": item_id, "text": item.wording("staff", lang)})
    labels = [(v, inst.scale.labels[v].get(lang)) for v in range(inst.scale.min,
                                                                  inst.scale.max + 1)]
    texts = {k.removeprefix("room_phone_"): text(k, lang) for k in PHONE_KEYS}
    data = {"action": action, "session": room.meta.get("session", ""), "xsrf": xsrf,
            "closed": room.status != OPEN, "total": len(room.items), "texts": texts}
    return render("room_phone.html.j2", lang=lang, company=room.meta.get("company", ""),
                  groups=groups, labels=labels, texts=texts, data=data,
                  langs=[(code, code.upper()) for code in LANGS], closed=room.status != OPEN)


class _RoomHandler(web.RequestHandler):
    """What both handlers share: the sessions folder and the room of a request."""

    def initialize(self, sessions: Path) -> None:
        self.sessions = Path(sessions)

    def room(self, stem: str, token: str) -> Room:
        room = Room.load(self.sessions, stem)
        if room is None or not room.check_token(token):
            raise web.HTTPError(404)
        return room

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")

    def write_error(self, status_code: int, **kwargs) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        reason = getattr(exc, "reason", None) or ("not found" if status_code == 404
                                                  else "refused")
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps({"error": reason}))


class PageHandler(_RoomHandler):
    """``GET``: the participant page (``?lang=de`` picks the language)."""

    def get(self, stem: str, token: str) -> None:
        room = self.room(stem, token)
        lang = self.get_query_argument("lang", room.meta.get("lang", "en"))
        lang = lang if lang in LANGS else "en"
        xsrf = self.xsrf_token.decode() if self.settings.get("xsrf_cookies") else ""
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Security-Policy",
                        "default-src 'none'; style-src 'unsafe-inline'; "
                        "script-src 'unsafe-inline'; connect-src 'self'; img-src 'self'")
        self.finish(phone_page(room, lang, self.request.path, xsrf))


class ActionHandler(_RoomHandler):
    """``POST .../join`` and ``POST .../answer`` (JSON in, JSON out)."""

    def post(self, stem: str, token: str, action: str) -> None:
        room = self.room(stem, token)
        if len(self.request.body) > MAX_BODY:
            raise web.HTTPError(413, reason="request too large")
        try:
            body = json.loads(self.request.body or b"{}")
        except ValueError:
            raise web.HTTPError(400, reason="the request is not JSON") from None
        if not isinstance(body, dict):
            raise web.HTTPError(400, reason="the request must be a JSON object")
        now = dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
        try:
            if action == "join":
                pid, key = room.join(body.get("name"), now)
                out = {"pid": pid, "key": key}
            else:
                out = {"answered": room.answer(body.get("pid"), body.get("key"),
                                               body.get("item"), body.get("value"), now)}
        except RoomClosed as exc:
            raise web.HTTPError(409, reason=str(exc)) from None
        except RoomError as exc:
            raise web.HTTPError(400, reason=str(exc)) from None
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(out))


def handlers(sessions: Path, base_url: str = "/") -> list[tuple]:
    """The routes to add to a tornado application for the sessions folder ``sessions``.

    Examples
    --------
    >>> [route for route, *_ in handlers(Path("data/sample/workshops"))][0]
    '/workshop-room/([A-Za-z0-9][A-Za-z0-9_.-]{0,150})/([A-Za-z0-9_-]{1,100})'
    """
    prefix = base_url.rstrip("/") + ROUTE
    args = {"sessions": Path(sessions)}
    return [(prefix + _PATH, PageHandler, args),
            (prefix + _PATH + r"/(join|answer)", ActionHandler, args)]
