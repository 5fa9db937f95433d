"""The results tabs under the figure: findings, target (what has to move), the comparison
with the survey, and export/snapshot."""

from __future__ import annotations

import ipywidgets as w

from assessment.instrument.models import DISCIPLINES, Instrument
from assessment.workshop.render import render
from assessment.workshop.target import Target
from assessment.workshop.texts import text

TABS = ("tab_findings", "tab_target", "tab_compare", "tab_export")


class Results:
    """The results' widgets (``tabs``); the app observes them and fills them in.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> results = Results()
    >>> results.relabel(load_instrument(), "nl", "responses.csv", has_state=True)
    >>> results.tabs.titles, results.reference
    (('Bevindingen', 'Doel', 'Vergeleken met de enquête', 'Export'), 'all')
    """

    def __init__(self) -> None:
        wide = {"description_width": "initial"}
        self.findings = w.HTML()
        self.findings.add_class("ws-findings")
        self.target_pick = w.Dropdown(layout=w.Layout(width="340px"), style=wide)
        self.target_sliders = {d: w.FloatSlider(min=1, max=5, step=0.1, readout_format=".1f",
                                                continuous_update=False,
                                                layout=w.Layout(width="420px"),
                                                style={"description_width": "200px"})
                               for d in DISCIPLINES}
        self.target_hint = w.HTML()
        self.target_hint.add_class("ws-status")
        self.moves = w.HTML()
        self.moves.add_class("ws-findings")
        self.compare_ref = w.Dropdown(layout=w.Layout(width="360px"), style=wide)
        self.compare_all = w.Checkbox(value=False, indent=False)
        self.compare = w.HTML()
        self.wave = w.Text(layout=w.Layout(width="260px"), style=wide, continuous_update=False)
        self.export = w.Button(button_style="success",
                               layout=w.Layout(width="auto"))
        self.snapshot = w.Button(layout=w.Layout(width="auto"))
        self.export_hint = w.HTML()
        self.export_hint.add_class("ws-status")
        self.export_status = w.HTML()
        self.tabs = w.Tab(children=[
            self.findings,
            w.VBox([self.target_hint, self.target_pick, *self.target_sliders.values(),
                    self.moves]),
            w.VBox([w.HBox([self.compare_ref, self.compare_all]), self.compare]),
            w.VBox([self.export_hint, self.wave, w.HBox([self.export, self.snapshot]),
                    self.export_status]),
        ])

    @property
    def reference(self) -> str:
        """The survey group the comparison is taken against."""
        return self.compare_ref.value or "all"

    def relabel(self, inst: Instrument, lang: str, responses_file: str, has_state: bool
                ) -> None:
        """Every text of the results in ``lang`` (call quietly: options change)."""
        self.target_pick.options = [(text("target_none", lang), "")] + [
            (inst.discipline_label(d, lang), d) for d in DISCIPLINES]
        ref = self.reference
        self.compare_ref.options = [(text(f"reference_{r}", lang), r)
                                    for r in ("all", "customer", "internal")]
        self.compare_ref.value = ref
        self.compare_ref.description = text("compare_reference", lang)
        self.compare_all.description = text("show_all_items", lang)
        for d, s in self.target_sliders.items():
            s.description = inst.discipline_label(d, lang)
            s.min, s.max = float(inst.scale.min), float(inst.scale.max)
        self.target_pick.description = text("target_discipline", lang)
        self.target_hint.value = render("line.html.j2", lines=[text("target_hint", lang)])
        self.wave.description = text("wave", lang)
        self.export.description = text("export_button", lang)
        self.snapshot.description = text("snapshot_button", lang)
        self.export_hint.value = render("line.html.j2", lines=[
            text("export_hint", lang, file=responses_file)])
        for k, key in enumerate(TABS):
            self.tabs.set_title(k, text(key, lang))
        for wid in (self.export, self.snapshot, self.wave, self.target_pick,
                    *self.target_sliders.values()):
            wid.disabled = not has_state

    def show_target(self, target: Target | None, par: float, has_state: bool) -> None:
        """The target's discipline and scores on its controls (call quietly)."""
        self.target_pick.value = (target.discipline or "") if target else ""
        for d, s in self.target_sliders.items():
            s.value = float(target.profile[d]) if target else par
            s.disabled = not has_state
