"""What the workshop page's controls do: each widget event turned into a call of the
workshop's API (:class:`~assessment.workshop.app.Workshop`), and a refused change put back
on its control."""

from __future__ import annotations

import time
from collections.abc import Callable

from assessment.workshop.errors import WorkshopError
from assessment.workshop.panels.header import NEW_COMPANY
from assessment.workshop.render import line
from assessment.workshop.texts import text


class WidgetEvents:
    """The page's widget callbacks, for the :class:`~assessment.workshop.app.Workshop` that
    mixes this in (its header, questions and results panels, its ``quiet`` switch and its
    API: ``set_answer``, ``choose_company``, ``set_mode`` ...)."""

    def _wire(self, on: Callable[[Callable], Callable]) -> None:
        """Connect the header's and the results' controls (``on``: the guard every
        callback runs in)."""
        h, r = self.header, self.results
        h.dataset.observe(on(lambda ch: ch["new"] and self.choose_dataset(ch["new"])), "value")
        h.company.observe(on(lambda ch: self._on_company(ch["new"])), "value")
        h.lang.observe(on(lambda ch: self.set_lang(ch["new"])), "value")
        h.mode.observe(on(lambda ch: self._on_mode(ch["new"])), "value")
        h.new_button.on_click(on(lambda _b: self._on_create_company()))
        h.offer_resume.on_click(on(lambda _b: self.resume(h.offer_pick.value)))
        h.offer_take.on_click(on(lambda _b: self.take_over(h.offer_pick.value)))
        h.offer_new.on_click(on(lambda _b: self.new_session()))
        h.part_pick.observe(on(lambda ch: ch["new"] and self.select_participant(ch["new"])),
                            "value")
        h.part_add.on_click(on(lambda _b: self.add_participant(
            h.part_id.value.strip() or None, h.part_persp.value, h.part_dept.value)))
        h.team.observe(self.set_team_size, on, self.quiet)
        r.target_pick.observe(on(lambda ch: self.set_target(ch["new"] or None)), "value")
        for d, s in r.target_sliders.items():
            s.observe(on(lambda ch, d=d: self._on_slider(d, ch["new"])), "value")
        for wid in (r.compare_ref, r.compare_all):
            wid.observe(on(lambda _ch: self._draw_compare()), "value")
        r.wave.observe(on(lambda ch: self.state is not None and self._on_wave(ch["new"])),
                       "value")
        r.export.on_click(on(lambda _b: self._on_export()))
        r.snapshot.on_click(on(lambda _b: self.snapshot()))

    def _on_answer(self, item_id: str, value: int | None) -> None:
        t0 = time.perf_counter()
        self._require_state().set_answer(item_id, value)
        self.questions.mark(item_id, value)
        self.refresh()
        self.last_callback_ms = (time.perf_counter() - t0) * 1000

    def _on_company(self, company_id: str) -> None:
        if company_id == NEW_COMPANY:
            self.header.new_box.layout.display = "flex"
            return
        self.header.new_box.layout.display = "none"
        self.choose_company(company_id)

    def _on_create_company(self) -> None:
        self.create_company(self.header.new_name.value, self.header.new_industry.value)
        self.header.new_name.value = self.header.new_industry.value = ""
        self.header.new_box.layout.display = "none"

    def _on_mode(self, mode: str) -> None:
        try:
            self.set_mode(mode)
        except WorkshopError:
            with self.quiet():
                self.header.mode.value = self.mode
            raise

    def _on_slider(self, discipline: str, value: float) -> None:
        state = self._require_state()
        disc = state.target.discipline if state.target else (
            self.results.target_pick.value or None)
        self.set_target(disc, {discipline: float(value)})

    def _on_wave(self, wave: str) -> None:
        try:
            self.set_wave(wave)
        except WorkshopError:  # refused (e.g. starts like a formula): the saved wave again
            with self.quiet():
                self.results.wave.value = self.state.wave
            raise

    def _on_export(self) -> None:
        try:
            self.export()
        except WorkshopError as exc:
            self.results.export_status.value = line(text("export_failed", self.lang,
                                                         error=exc), cls="ws-error")
