"""The offer of a company's saved sessions on the workshop page: resume one, take over one
that another window or kernel holds, or start a new one."""

from __future__ import annotations

from pathlib import Path

from assessment.workshop.controller import WorkshopBase
from assessment.workshop.errors import SessionInUse
from assessment.workshop.locks import TAKEOVER_WAIT, SessionLock
from assessment.workshop.texts import text


class SessionOffer(WorkshopBase):
    """Resuming and taking over sessions, with the header's offer of the saved sessions
    (for the :class:`~assessment.workshop.app.Workshop`, which has the header)."""

    def resume(self, session=None) -> None:
        """Resume a saved session (default: the most recent one); one open in another
        window or kernel is offered to be taken over (:meth:`take_over`)."""
        try:
            super().resume(session)
        except SessionInUse as exc:
            stem = Path(str(getattr(session, "path", session) or "")).stem
            found = self.sessions()
            if self.state is None and found:
                self.pending_sessions = found
                with self.quiet():
                    self.header.show_offer(found, self.ds.company_name(self.company_id),
                                           self.lang)
            raise SessionInUse(text("session_open_elsewhere", self.lang,
                                    session=stem)) from exc

    def take_over(self, session: str | Path, wait: float = TAKEOVER_WAIT) -> None:
        """Resume a session another window or kernel holds (a page that was reloaded or
        closed): that one is asked to let go (it turns read-only; every saved answer
        stays), then the session is resumed here."""
        path = Path(session)
        if not path.is_absolute() and not path.exists():
            path = self.ds.path / "workshops" / path.name
        lock = path.with_name(f".{path.with_suffix('').name}.lock")
        if not SessionLock.take_over(lock, wait):
            raise SessionInUse(text("take_over_failed", self.lang, session=path.stem,
                                    seconds=wait))
        self.resume(path)

    def _offer(self, found) -> None:
        self.header.show_offer(found, self.ds.company_name(self.company_id), self.lang)
        self._rebuild()
