"""Customers as co-producers: the role map (how customers take part, in which role, and
how well the company integrates them there).

    >>> round(role_bubble_sizeref(5.0), 4)
    0.0833
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import numpy as np
import pandas as pd
from markupsafe import escape

from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import Instrument
from assessment.present.figures.base import empty, number, report_text, style
from assessment.present.figures.chart import Chart, trace
from assessment.present.numbers import num
from assessment.present.theme import (
    EXPERIENCE_COLOR,
    GRID_COLOR,
    LABEL_SIZE,
    MARK_COLOR,
    NOTE_COLOR,
    OUTLINE_COLOR,
    PAR_COLOR,
    ROLE_GROUP_SHADE,
    ROLE_NEEDED_COLOR,
    ROLE_OTHER_COLOR,
    RULE_COLOR,
    TEXT_COLOR,
)

ROLE_PAR_COLOR = PAR_COLOR
ROLE_MAX_PX = 60  # diameter of a role bubble at the top of the answer scale
ROLE_ROW_PX = 60  # height of a role's row
ROLE_MAP_WIDTH = 820  # two columns (active, passive) need no more
ROLE_CONTEXTS = ("service", "innovation")
ROLE_PARTICIPATION = ("active", "passive")


def role_bubble_sizeref(scale_max: float) -> float:
    """``marker.sizeref`` of the role bubbles (``sizemode="diameter"``): ``marker.size`` is
    the role's score and the bubble's width is proportional to it, ``ROLE_MAX_PX`` at the
    top of the answer scale (plotly draws a bubble ``size / sizeref`` pixels wide).

    Width rather than area: role scores lie close together (mostly 2.5 to 4.5 on a 1-5
    scale), and bubbles whose area follows the score hardly differ; the score is written
    next to every bubble.

    >>> 5.0 / role_bubble_sizeref(5.0)
    60.0
    """
    return scale_max / ROLE_MAX_PX


def _wrap(text: str, width: int = 60) -> str:
    """Plain text broken into lines of about ``width`` characters (joined with <br>)."""
    return "<br>".join(textwrap.wrap(text, width)) if text else ""


class _Hover:
    """The hover text of each role: name, context and participation, score and n, the
    customers' and staff's scores, whether the claimed discipline needs it, the role's
    description."""

    def __init__(self, rows: list[dict], names: list[str], part_names: dict[str, str],
                 integration: IntegrationInstrument, needed_text: str, needed: set[str],
                 lang: str):
        self.rows, self.names, self.part_names = rows, names, part_names
        self.integration, self.needed_text, self.needed = integration, needed_text, needed
        self.lang = lang

    def __call__(self, i: int) -> str:
        r, lang = self.rows[i], self.lang
        score = number(r["score"])
        lines = [f"<b>{self.names[i]}</b>",
                 f"{report_text('context_' + r['context'], lang)} · "
                 f"{self.part_names[r['participation']]}"]
        if np.isfinite(score):
            lines.append(f"{report_text('score_short', lang)}: {num(score, '.2f', lang)} "
                         f"(n = {int(number(r['n']))})")
        else:
            lines.append(report_text("no_data", lang))
        split = [f"{report_text('answered_by_' + k, lang)}: {num(number(r.get(k)), '.2f', lang)}"
                 for k in ("customer", "internal") if np.isfinite(number(r.get(k)))]
        if split:
            lines.append(" · ".join(split))
        if r["role"] in self.needed:
            lines.append(self.needed_text)
        description = self.integration.roles[r["role"]].description.get(lang) or ""
        lines.append(f"<i>{_wrap(str(escape(description)))}</i>")
        return "<br>".join(lines)


def _context_bands(fig: Chart, rows: list[dict], lang: str) -> None:
    """The context groups: a shaded band behind the innovation roles, a label at each."""
    for ctx in ROLE_CONTEXTS:
        idx = [i for i, row in enumerate(rows) if row["context"] == ctx]
        if not idx:
            continue
        if ctx != ROLE_CONTEXTS[0]:
            fig.add_hrect(y0=min(idx) - 0.5, y1=max(idx) + 0.5, fillcolor=ROLE_GROUP_SHADE,
                          line=dict(width=0), layer="below")
        fig.add_annotation(text=f"<b>{report_text('context_' + ctx, lang)}</b>",
                           xref="paper", x=1.0, xanchor="right", y=min(idx) - 0.45,
                           yanchor="top", showarrow=False,
                           font=dict(size=LABEL_SIZE, color=RULE_COLOR))


def role_map(roles: pd.DataFrame, integration: IntegrationInstrument, instrument: Instrument,
             lang: str = "en", claimed: str | None = None,
             participation: Mapping[str, float | None] | None = None,
             title: str | None = None) -> Chart:
    """The customer roles as a map: how customers take part (active / passive, x) in which
    role (y, grouped by context: service, then product innovation).

    ``roles``: one row per role (e.g. ``Report.integration_roles()``): role, context,
    participation, score (the company's role score, NaN when too few answered), n, and
    optionally customer and internal (each group's score, NaN when hidden or missing).
    The bubble's ``marker.size`` is the score and its width is proportional to it
    (:func:`role_bubble_sizeref`); the red ring on every role is the size of par, so a
    bubble smaller than its ring is below par. Roles the ``claimed`` discipline needs (the
    fit model, ``integration.fit``) are green, the others grey. ``participation``: the
    participation block's scores (active, passive), shown under the x-axis labels.
    Role labels and descriptions come from the integration instrument (escaped all the
    same); ``title`` is untrusted text (e.g. the company name).

    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.instrument.models import load_instrument
    >>> roles = pd.DataFrame({"role": ["innovator"], "context": ["service"],
    ...                       "participation": ["active"], "score": [4.2], "n": [12]})
    >>> fig = role_map(roles, load_integration(), load_instrument())
    >>> fig.data[0]["y"], fig.data[0]["marker"]["size"]
    (['Innovator'], [4.2])
    """
    inst = instrument
    heading = report_text("chart_role_map_title", lang) + (f" · {escape(title)}" if title
                                                          else "")
    if roles is None or roles.empty:
        return empty(heading, report_text("no_data", lang))
    # the service roles first (a stable sort, unknown contexts last), as plain dicts: pandas'
    # row access costs more than the chart
    ctx_rank = {c: i for i, c in enumerate(ROLE_CONTEXTS)}
    rows = sorted(roles.to_dict("records"),
                  key=lambda row: ctx_rank.get(row["context"], len(ROLE_CONTEXTS)))
    role_ids = [row["role"] for row in rows]
    names = [str(escape(integration.scale_label("roles", r, lang))) for r in role_ids]
    part_names = {p: str(escape(integration.scale_label("participation", p, lang)))
                  for p in ROLE_PARTICIPATION}
    x = [part_names[row["participation"]] for row in rows]
    score = np.array([row["score"] for row in rows], dtype=float)
    needed = set(integration.fit[claimed].needs) if claimed else set()
    needed_text = (report_text("role_needed", lang,
                               discipline=inst.discipline_label(claimed, lang))
                   if claimed else "")
    sizeref = role_bubble_sizeref(inst.scale.max)
    hover = _Hover(rows, names, part_names, integration, needed_text, needed, lang)

    fig = Chart()
    _context_bands(fig, rows, lang)
    groups = ([(needed_text, ROLE_NEEDED_COLOR, [r in needed for r in role_ids]),
               (report_text("role_other", lang), ROLE_OTHER_COLOR,
                [r not in needed for r in role_ids])]
              if claimed else [(report_text("role_all", lang), EXPERIENCE_COLOR,
                                [True] * len(rows))])
    for name, color, mask in groups:
        idx = [i for i, m in enumerate(mask) if m and np.isfinite(score[i])]
        if not idx:
            continue
        fig.add_trace(trace("scatter",
            x=[x[i] for i in idx], y=[names[i] for i in idx], mode="markers+text", name=name,
            marker=dict(size=[float(score[i]) for i in idx], sizemode="diameter",
                        sizeref=sizeref, sizemin=3, color=color, opacity=0.85,
                        line=dict(width=1, color=OUTLINE_COLOR)),
            # an en space keeps the number clear of the par ring around a small bubble
            text=[f"\u2002{num(score[i], '.2f', lang)}" for i in idx], textposition="middle right",
            textfont=dict(size=LABEL_SIZE, color=TEXT_COLOR), cliponaxis=False,
            hovertext=[hover(i) for i in idx], hoverinfo="text",
        ))
    missing = [i for i in range(len(rows)) if not np.isfinite(score[i])]
    if missing:
        fig.add_trace(trace("scatter",
            x=[x[i] for i in missing], y=[names[i] for i in missing], mode="markers+text",
            name=report_text("no_data", lang), text=["–"] * len(missing),
            textposition="middle right",
            marker=dict(symbol="x-thin", size=10, line=dict(width=1.5, color=MARK_COLOR)),
            hovertext=[hover(i) for i in missing], hoverinfo="text"))
    # par as a ring of the same scale around every role: a bubble inside it is below par
    fig.add_trace(trace("scatter",
        x=x, y=names, mode="markers",
        name=report_text("par_ring", lang, value=inst.thresholds.par),
        marker=dict(symbol="circle-open", size=[inst.thresholds.par] * len(rows),
                    sizemode="diameter", sizeref=sizeref, color=ROLE_PAR_COLOR,
                    line=dict(width=1.5)),
        hoverinfo="skip",
    ))
    _participation_axis(fig, part_names, participation or {}, lang)
    style(fig, heading, 200 + ROLE_ROW_PX * len(rows),  # the page's width, at most
          # ROLE_MAP_WIDTH (the page's CSS): a phone gets a narrower map, not a wider page
          legend=dict(orientation="h", x=0, y=-0.03, xanchor="left", yanchor="top",
                      itemsizing="constant"))
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names,
                     range=[len(names) - 0.5, -0.5], showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=120, b=70, r=40))
    return fig


def _participation_axis(fig: Chart, part_names: dict[str, str],
                        participation: Mapping[str, float | None], lang: str) -> None:
    """The x axis: active and passive participation, each with its block's score."""
    ticks = [part_names[p] + (f"<br><span style='font-size:11px;color:{NOTE_COLOR}'>"
                              f"{report_text('participation_score', lang, value=score)}"
                              "</span>"
                              if (score := participation.get(p)) is not None
                              and np.isfinite(number(score)) else "")
             for p in ROLE_PARTICIPATION]
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[part_names[p] for p in ROLE_PARTICIPATION],
                     tickvals=[part_names[p] for p in ROLE_PARTICIPATION], ticktext=ticks,
                     range=[-0.5, len(ROLE_PARTICIPATION) - 0.5], side="top", showgrid=True,
                     gridcolor=GRID_COLOR)
