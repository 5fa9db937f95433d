"""The header: title, dataset, company (or a new one), language, mode, the resume offer,
the number of people in the room (team mode), the participants (individual mode),
progress and the save status."""

from __future__ import annotations

import ipywidgets as w

from assessment.instrument.models import LANGS
from assessment.workshop.panels.team import TeamSize
from assessment.workshop.render import line, render
from assessment.workshop.session import INDIVIDUAL, TEAM, SessionInfo, WorkshopState
from assessment.workshop.texts import text

NEW_COMPANY = "\0new"


class Header:
    """The header's widgets (``box``); the app observes them.

    Examples
    --------
    >>> header = Header("de", "team")
    >>> header.companies(["shoes"], ["Stepwise Shoes"], "shoes", "de")
    >>> header.company.options[0], header.company.options[-1] == ("+ Neues Unternehmen…",
    ...                                                            NEW_COMPANY)
    (('Stepwise Shoes (shoes)', 'shoes'), True)
    >>> header.show_progress(3, 51, 0, 38, "de")
    >>> header.progress.value, header.progress.max, str(header.progress_text.value)
    (3, 51, '3 / 51 beantwortet')
    """

    def __init__(self, lang: str, mode: str):
        wide = {"description_width": "initial"}
        self.title = w.HTML()
        self.title.add_class("ws-title")
        self.dataset = w.Dropdown(layout=w.Layout(width="220px"), style=wide)
        self.company = w.Dropdown(layout=w.Layout(width="360px"), style=wide)
        self.lang = w.ToggleButtons(options=[(x.upper(), x) for x in LANGS], value=lang,
                                    style={"button_width": "56px"})
        self.mode = w.ToggleButtons(options=[("", TEAM), ("", INDIVIDUAL)], value=mode,
                                    style={"button_width": "auto"})
        self.team = TeamSize()
        self.status = w.HTML()
        self.status.add_class("ws-status")
        self.new_name = w.Text(layout=w.Layout(width="260px"))
        self.new_industry = w.Text(layout=w.Layout(width="200px"))
        self.new_button = w.Button(button_style="primary")
        self.new_box = w.HBox([self.new_name, self.new_industry, self.new_button],
                              layout=w.Layout(display="none"))
        self.offer_text = w.HTML()
        self.offer_pick = w.Dropdown(layout=w.Layout(width="560px"))
        self.offer_resume = w.Button(button_style="primary")
        self.offer_new = w.Button()
        self.offer_take = w.Button(button_style="warning", layout=w.Layout(display="none"))
        self.offer_take.add_class("ws-take-over")
        self.offer_hint = w.HTML(layout=w.Layout(display="none"))
        self.offer_hint.add_class("ws-status")
        self._in_use: dict[str, bool] = {}  # offered session -> held by another process
        self.offer = w.VBox([self.offer_text,
                             w.HBox([self.offer_pick, self.offer_resume, self.offer_take,
                                     self.offer_new],
                                    layout=w.Layout(flex_flow="row wrap")),
                             self.offer_hint],
                            layout=w.Layout(display="none"))
        self.offer_pick.observe(lambda _ch: self._show_take_over(), "value")
        self.offer.add_class("ws-offer")
        self.part_pick = w.Dropdown(layout=w.Layout(width="220px"))
        self.part_id = w.Text(layout=w.Layout(width="170px"))
        self.part_persp = w.Dropdown(layout=w.Layout(width="150px"))
        self.part_dept = w.Text(layout=w.Layout(width="170px"))
        self.part_add = w.Button()
        self.part_box = w.HBox([self.part_pick, self.part_id, self.part_persp, self.part_dept,
                                self.part_add],
                               layout=w.Layout(display="none", flex_flow="row wrap"))
        self.mode_hint = w.HTML()
        self.mode_hint.add_class("ws-status")
        self.progress = w.IntProgress(min=0, max=1, value=0, bar_style="success",
                                      layout=w.Layout(width="260px"))
        self.progress_text = w.HTML()
        self.int_progress = w.IntProgress(min=0, max=1, value=0, bar_style="info",
                                          layout=w.Layout(width="110px"))
        self.int_progress_text = w.HTML()
        self.int_progress_text.add_class("ws-int-progress")
        self.help = w.HTML()
        self.help.add_class("ws-help")
        self.box = w.VBox([
            w.HBox([self.title], layout=w.Layout(width="100%")),
            w.HBox([self.dataset, self.company, self.lang, self.mode, self.team.size],
                   layout=w.Layout(flex_flow="row wrap", align_items="center",
                                   grid_gap="8px")),
            self.new_box, self.offer, self.mode_hint, self.part_box,
            w.HBox([self.progress, self.progress_text, self.int_progress,
                    self.int_progress_text, self.status],
                   layout=w.Layout(align_items="center", grid_gap="12px",
                                   flex_flow="row wrap")),
            self.help,
        ])
        self.box.add_class("ws-header")

    def relabel(self, lang: str, mode: str, company_name: str, has_state: bool) -> None:
        """Every text of the header in ``lang`` (call quietly: options change)."""
        self.title.value = render("heading.html.j2", tag="h2", hints=[],
                                  title=f"{text('title', lang)}: {company_name}")
        self.dataset.description = text("dataset", lang)
        self.company.description = text("company", lang)
        self.mode.options = [(text("mode_team", lang), TEAM),
                             (text("mode_individual", lang), INDIVIDUAL)]
        self.mode.value = mode
        opts = list(self.company.options)
        if opts and opts[-1][1] == NEW_COMPANY:
            opts[-1] = (text("new_company_option", lang), NEW_COMPANY)
            cur = self.company.value
            self.company.options = opts
            self.company.value = cur
        self.new_name.placeholder = text("company_name", lang)
        self.new_industry.placeholder = text("industry", lang)
        self.new_button.description = text("create_company", lang)
        self.offer_resume.description = text("resume", lang)
        self.offer_new.description = text("new_session", lang)
        self.offer_take.description = text("take_over", lang)
        self.offer_hint.value = line(text("take_over_hint", lang))
        self.help.value = line(text("keys_help", lang))
        self.mode_hint.value = render("line.html.j2", lines=[text(
            "mode_team_hint" if mode == TEAM else "mode_individual_hint", lang)])
        self.part_id.placeholder = text("respondent_id", lang)
        self.part_dept.placeholder = text("department", lang)
        self.part_persp.options = [(text("perspective_internal", lang), "internal"),
                                   (text("perspective_customer", lang), "customer")]
        self.part_add.description = text("add_participant", lang)
        self.part_box.layout.display = "flex" if mode == INDIVIDUAL and has_state else "none"
        self.team.relabel(lang, mode, has_state)

    def companies(self, ids: list[str], names: list[str], current: str, lang: str) -> None:
        """The company picker's options (call quietly)."""
        self.company.options = [(f"{n} ({c})", c) for c, n in zip(ids, names, strict=True)] + [
            (text("new_company_option", lang), NEW_COMPANY)]
        self.company.value = current

    def participants(self, state: WorkshopState | None, lang: str) -> None:
        """The participant picker and the number of people in the room (call quietly)."""
        self.team.show(state)
        if state is None or not state.participants:
            self.part_pick.options = []
            self.part_pick.value = None
        else:
            self.part_pick.options = [
                (f"{p.respondent_id} · "
                 + text("perspective_customer" if p.perspective == "customer"
                        else "perspective_internal", lang)
                 + (f" · {p.department}" if p.department else ""), p.respondent_id)
                for p in state.participants]
            self.part_pick.value = state.participant.respondent_id
        self.part_id.value = ""

    def show_offer(self, found: list[SessionInfo], company_name: str, lang: str) -> None:
        """Offer the company's saved sessions (the questions stay locked until a choice)."""
        self.offer_text.value = render("line.html.j2", lines=[text(
            "sessions_found", lang, n=len(found), company=company_name)])
        self._in_use = {str(s.path): s.in_use for s in found}
        free = [s for s in found if not s.in_use]
        pick = self.offer_pick.value if self.offer_pick.value in self._in_use \
            else str((free or found)[0].path)
        self.offer_pick.options = [(s.label(lang), str(s.path)) for s in found]
        self.offer_pick.value = pick
        self.offer_take.description = text("take_over", lang)
        self.offer_hint.value = line(text("take_over_hint", lang))
        self._show_take_over()
        self.offer.layout.display = "flex"

    def _show_take_over(self) -> None:
        """"Take over here" (and its hint) only for a session another process holds."""
        held = self._in_use.get(self.offer_pick.value or "", False)
        self.offer_take.layout.display = None if held else "none"
        self.offer_hint.layout.display = None if held else "none"
        self.offer_resume.disabled = held

    def show_saved(self, state: WorkshopState | None, lang: str,
                   notices: tuple[str, ...] | list[str] = ()) -> None:
        """The save status: when and where the session was last saved, after what was
        skipped or ignored opening sessions (``notices``)."""
        if state is None:
            msg = text("choose_session_first", lang)
        elif state.last_saved is None:
            msg = text("not_saved_yet", lang)
        else:
            msg = text("saved", lang, time=state.last_saved.strftime("%H:%M:%S"),
                       file=f"{state.stem}.csv")
        self.status.value = render("status.html.j2", notices=list(notices), message=msg)

    def show_progress(self, done: int, total: int, int_done: int, int_total: int,
                      lang: str) -> None:
        """Both progress bars and their texts."""
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress_text.value = render("line.html.j2", lines=[
            text("progress", lang, answered=done, total=total)])
        self.int_progress.max = max(int_total, 1)
        self.int_progress.value = int_done
        self.int_progress_text.value = render("line.html.j2", lines=[
            f"{text('tab_integration', lang)}: "
            + text("int_progress", lang, answered=int_done, total=int_total)])
