"""The questions: one tab per discipline (experience, set-up and par items, then notes)
and the "Customers as co-producers" tab, one row of answer buttons per item."""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w
import numpy as np

from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import DISCIPLINES, LENSES, THRESHOLD_LENS, Instrument
from assessment.workshop.render import render
from assessment.workshop.session import WorkshopState
from assessment.workshop.texts import text

NA = "na"  # the "not answered" option of every item control (never a scale value)
INTEGRATION_TAB = len(DISCIPLINES)  # the customer-integration tab follows the disciplines


class Questions:
    """The question tabs. ``on_answer(item_id, value)`` and ``on_note(discipline, text)``
    are called when a participant clicks or types.

    Examples
    --------
    >>> import tempfile
    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.instrument.models import load_instrument
    >>> inst, given = load_instrument(), []
    >>> state = WorkshopState.new(tempfile.mkdtemp(), "acme", instrument=inst)
    >>> questions = Questions(lambda item, value: given.append((item, value)),
    ...                       lambda discipline, note: None)
    >>> questions.build(inst, load_integration(), state, "en")
    >>> questions.tabs.titles[0], questions.controls["oe_exp_1"].value
    ('Operational excellence (0/19)', 'na')
    >>> questions.controls["oe_exp_1"].value = 4  # what a click does
    >>> given
    [('oe_exp_1', 4)]
    """

    def __init__(self, on_answer: Callable[[str, int | None], None],
                 on_note: Callable[[str, str], None]):
        self.on_answer = on_answer
        self.on_note = on_note
        self.tabs = w.Tab(layout=w.Layout(width="100%"))
        self.tabs.add_class("ws-questions")  # four tabs: their titles wrap, never cut
        self.controls: dict[str, w.ToggleButtons] = {}
        self.rows: dict[str, w.VBox] = {}
        self.notes: dict[str, w.Textarea] = {}

    def build(self, inst: Instrument, integ: IntegrationInstrument, state: WorkshopState | None,
              lang: str) -> None:
        """(Re)build every control for the current participant's answers."""
        self.controls, self.rows = {}, {}
        self._scale = inst.scale
        has_one = state is not None and bool(state.participants)
        customer = has_one and state.participant.perspective == "customer"
        tabs = []
        for d in DISCIPLINES:
            sections: list[w.Widget] = []
            for lens in (*LENSES, THRESHOLD_LENS):
                items = inst.cell_items(d, lens)
                if not items:
                    continue
                if lens == THRESHOLD_LENS:
                    head = text("section_par", lang,
                                value=inst.threshold_values[d].label.get(lang))  # type: ignore
                    hint = text("section_par_hint", lang)
                else:
                    head = text(f"section_{lens}", lang)
                    hint = text("section_setup_customer" if lens == "setup" and customer
                                else f"section_{lens}_hint", lang)
                rows = [w.HTML(render("heading.html.j2", tag="h4", title=head,
                                      hints=[{"text": hint}]))]
                for k, item in enumerate(items, start=1):
                    value = state.answer(item.id) if has_one else None
                    note = (text("reverse_note", lang, low=inst.scale.min, high=inst.scale.max)
                            if item.reverse else "")
                    rows.append(self._row(item.id, k, item.text.get(lang), value, lang,
                                          not has_one or (lens == "setup" and customer),
                                          note=note))
                box = w.VBox(rows)
                box.add_class("ws-section")
                sections.append(box)
            label = text("notes", lang, discipline=inst.discipline_label(d, lang))
            note = w.Textarea(value=state.notes.get(d, "") if state else "", placeholder=label,
                              disabled=state is None, continuous_update=True,
                              layout=w.Layout(width="98%", height="90px"))
            note.observe(lambda ch, d=d: self.on_note(d, ch["new"]), names="value")
            self.notes[d] = note
            sections += [w.HTML(render("heading.html.j2", tag="h4", title=label, hints=[])),
                         note]
            tabs.append(w.VBox(sections))
        tabs.append(self._integration_tab(integ, state, lang))
        self.tabs.children = tabs
        self.update_titles(inst, state, lang)

    def _row(self, item_id: str, number: int, wording: str, value: int | None, lang: str,
             disabled: bool, tag: str = "", note: str = "") -> w.VBox:
        row = w.VBox([w.HTML(render("item.html.j2", number=number, text=wording,
                                    item_id=item_id, tag=tag, note=note)),
                      self._control(item_id, value, disabled, lang)])
        row.add_class("ws-item")
        if value is not None:
            row.add_class("ws-answered")
        self.rows[item_id] = row
        return row

    def _control(self, item_id: str, value: int | None, disabled: bool, lang: str
                 ) -> w.ToggleButtons:
        """One item's answer buttons: "not answered", then the scale with its labels."""
        scale = self._scale
        na_label = text("not_answered", lang)
        ctrl = w.ToggleButtons(
            options=[(na_label, NA)] + [(f"{v} {scale.labels[v].get(lang)}", v)
                                        for v in range(scale.min, scale.max + 1)],
            value=NA if value is None else value,
            tooltips=[na_label] + [scale.labels[v].get(lang)
                                   for v in range(scale.min, scale.max + 1)],
            style={"button_width": "auto"}, disabled=disabled, layout=w.Layout(width="auto"))
        ctrl.observe(lambda ch, iid=item_id: self.on_answer(
            iid, None if ch["new"] == NA else int(ch["new"])), names="value")
        ctrl.add_class(f"ws-ctrl-{item_id}")
        self.controls[item_id] = ctrl
        return ctrl

    def _integration_tab(self, integ: IntegrationInstrument, state: WorkshopState | None,
                         lang: str) -> w.VBox:
        """One control per customer-integration item, grouped by block. Items not asked of
        the current participant's perspective (their ``answered_by``) are disabled with a
        note, as :func:`assessment.load_dataset` ignores such answers."""
        has_one = state is not None and bool(state.participants)
        persp = state.participant.perspective if has_one else None
        asked = state.int_applicable() if has_one else None
        sections: list[w.Widget] = [w.HTML(render("heading.html.j2", tag="div", title="",
                                                  hints=[{"text": text("int_intro", lang)}]))]
        for block in integ.blocks:
            items = [(j, i) for j, i in enumerate(integ.items) if i.block == block]
            if not items:
                continue
            hints = [{"text": text(f"int_block_{block}_hint", lang)}]
            if asked is not None and not any(asked[j] for j, _i in items):
                hints.append({"text": text(f"int_skip_{persp}", lang), "skip": True})
            rows: list[w.Widget] = [w.HTML(render("heading.html.j2", tag="h4", hints=hints,
                                                  title=integ.blocks[block].label.get(lang)))]
            for k, (j, item) in enumerate(items, start=1):
                is_asked = asked is not None and bool(asked[j])
                note = ""
                if has_one and not is_asked:
                    only = "customer" if "customer" in item.answered_by else "internal"
                    note = text(f"int_note_{only}", lang)
                tag = integ.scale_label(block, item.scale, lang) if block == "roles" else ""
                row = self._row(item.id, k, item.text.get(lang),
                                state.answer(item.id) if has_one else None, lang,
                                not is_asked, tag=tag, note=note)
                if has_one and not is_asked:
                    row.add_class("ws-skipped")
                rows.append(row)
            box = w.VBox(rows)
            box.add_class("ws-section")
            sections.append(box)
        tab = w.VBox(sections)
        tab.add_class("ws-integration")
        return tab

    def update_titles(self, inst: Instrument, state: WorkshopState | None, lang: str) -> None:
        """Tab titles with the current participant's progress in each tab."""
        has_one = state is not None and bool(state.participants)
        for k, d in enumerate(DISCIPLINES):
            label = inst.discipline_label(d, lang)
            if has_one:
                cols = [state.col[i.id] for lens in (*LENSES, THRESHOLD_LENS)
                        for i in inst.cell_items(d, lens)]
                idx = [c for c in cols if state.applicable()[c]]
                done = int(np.isfinite(state.answers[state.current, idx]).sum())
                label = f"{label} ({done}/{len(idx)})"
            if self.tabs.titles[k:k + 1] != (label,):
                self.tabs.set_title(k, label)
        label = text("tab_integration", lang)
        if has_one:
            done, total = state.int_progress()
            label = f"{label} ({done}/{total})"
        if len(self.tabs.children) > INTEGRATION_TAB and \
                self.tabs.titles[INTEGRATION_TAB:INTEGRATION_TAB + 1] != (label,):
            self.tabs.set_title(INTEGRATION_TAB, label)

    def show_answer(self, item_id: str, value: int | None, quiet) -> None:
        """Show an answer given elsewhere (the API) on its control."""
        ctrl = self.controls.get(item_id)
        if ctrl is None:
            return
        with quiet():
            ctrl.value = NA if value is None else value
        self.mark(item_id, value)

    def mark(self, item_id: str, value: int | None) -> None:
        """Mark an item's row answered or not."""
        row = self.rows[item_id]
        if value is None:
            row.remove_class("ws-answered")
        else:
            row.add_class("ws-answered")
