"""How many people are in the room: the number behind a team consensus (team mode only).
The verdicts then say e.g. "team consensus of 7 participants"."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from assessment.workshop.errors import WorkshopError
from assessment.workshop.panels.base import Quiet
from assessment.workshop.session import MAX_TEAM_SIZE, TEAM, WorkshopState
from assessment.workshop.texts import text


class TeamSize:
    """The "people in the room" field (``size``); shown in team mode with a session open.

    Examples
    --------
    >>> team = TeamSize()
    >>> team.relabel("de", "team", has_state=True)
    >>> team.size.description, team.size.layout.display, team.size.max
    ('Personen im Raum', None, 1000)
    >>> team.relabel("nl", "individual", has_state=True)
    >>> team.size.layout.display
    'none'
    >>> seen, quiet = [], Quiet()
    >>> team.observe(seen.append, lambda fn: fn, quiet)
    >>> team.size.value = 7
    >>> seen
    [7]
    """

    def __init__(self) -> None:
        self.size = w.BoundedIntText(value=1, min=1, max=MAX_TEAM_SIZE,
                                     layout=w.Layout(width="200px", display="none"),
                                     style={"description_width": "initial"})
        self.size.add_class("ws-team-size")

    def relabel(self, lang: str, mode: str, has_state: bool) -> None:
        """The label in ``lang``; visible only in team mode with a session open."""
        self.size.description = text("team_size", lang)
        self.size.tooltip = text("team_size_hint", lang)
        self.size.layout.display = None if mode == TEAM and has_state else "none"

    def show(self, state: WorkshopState | None) -> None:
        """The session's saved number (1 without a session; call quietly)."""
        self.size.value = state.team_size if state is not None else 1

    def observe(self, set_size: Callable[[int], None],
                on: Callable[[Callable], Callable], quiet: Quiet) -> None:
        """Call ``set_size`` with every new number, wrapped by ``on`` (the panels' error
        handling, see :func:`~assessment.workshop.panels.base.guarded`); a refused number
        puts the field back to the one before."""
        def changed(change: dict) -> None:
            try:
                set_size(int(change["new"]))
            except WorkshopError:
                with quiet():
                    self.size.value = change["old"]
                raise
        self.size.observe(on(changed), "value")
