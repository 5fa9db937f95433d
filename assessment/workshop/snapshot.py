"""The snapshot: the session's charts, verdicts, findings, moves, comparison and notes as
one self-contained HTML page (plotly.js inlined: it works offline)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import plotly.graph_objects as go
from markupsafe import Markup

from assessment.files import atomic_write_text
from assessment.instrument.models import DISCIPLINES
from assessment.workshop.render import render
from assessment.workshop.session import TEAM, WorkshopState
from assessment.workshop.texts import text

__all__ = ["snapshot_page", "write_snapshot"]


def snapshot_page(state: WorkshopState, figure: go.Figure, findings: Markup, moves: Markup,
                  compare: Markup) -> str:
    """The page, from the figure and the results as the workshop shows them.

    Examples
    --------
    >>> import tempfile
    >>> from assessment.instrument.models import load_instrument
    >>> state = WorkshopState.new(tempfile.mkdtemp(), "acme", instrument=load_instrument(),
    ...                           company_name="<Acme>")
    >>> page = snapshot_page(state, go.Figure(), Markup(""), Markup(""), Markup(""))
    >>> "&lt;Acme&gt;" in page and "<Acme>" not in page
    True
    """
    lang = state.lang
    chart = figure.to_html(full_html=False, include_plotlyjs=True,
                           config={"displaylogo": False, "responsive": True})
    meta = text("snapshot_meta", lang, session=state.stem,
                time=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
                mode=text("mode_team" if state.mode == TEAM else "mode_individual", lang),
                answered=state.answers_given(), total=state.answerable_total(),
                version=state.instrument.version)
    notes = [{"discipline": state.instrument.discipline_label(d, lang), "text": state.notes[d]}
             for d in DISCIPLINES if state.notes.get(d, "").strip()]
    t = {k: text(k, lang) for k in ("findings", "what_has_to_move", "tab_compare")}
    t["notes"] = text("notes", lang, discipline="").split("(")[0]
    return render("snapshot.html.j2", lang=lang, t=t, meta=meta, notes=notes,
                  title=text("snapshot_title", lang, company=state.company_name),
                  chart=Markup(chart), findings=findings, moves=moves, compare=compare) + "\n"


def write_snapshot(state: WorkshopState, page: str, path: str | Path | None = None) -> Path:
    """Write ``page`` atomically, by default as
    ``<dataset>/workshops/<session>-snapshot-<time>.html`` (never over an earlier one).
    An unsaved session is saved first, so the snapshot has the session's name.

    Examples
    --------
    >>> import tempfile
    >>> from assessment.instrument.models import load_instrument
    >>> state = WorkshopState.new(tempfile.mkdtemp(), "pcmaker", instrument=load_instrument(),
    ...                           today=dt.date(2026, 3, 5))
    >>> path = write_snapshot(state, "<p>snapshot</p>")
    >>> path.parent.name, path.name.startswith("pcmaker-2026-03-05-1-snapshot-")
    ('workshops', True)
    >>> path.read_text(encoding="utf-8"), write_snapshot(state, "", path.parent / "s.html").name
    ('<p>snapshot</p>', 's.html')
    >>> state.close()
    """
    if state.stem is None:
        state.save()
    if path is None:
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        path = state.folder / f"{state.stem}-snapshot-{stamp}.html"
        k = 2
        while Path(path).exists():
            path = state.folder / f"{state.stem}-snapshot-{stamp}-{k}.html"
            k += 1
    path = Path(path)
    atomic_write_text(path, page)
    return path
