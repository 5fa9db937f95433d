"""The company's profile in both lenses (bars with confidence intervals), and the gaps
between the lenses (experience minus set-up, and staff's blind spots).

    >>> from assessment.instrument.models import load_instrument
    >>> fig = gap_chart({"customer_intimacy": 0.8}, None, load_instrument())
    >>> fig.data[0]["y"].tolist()
    [nan, 0.8, nan]
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from markupsafe import escape

from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.present.figures.base import (
    discipline_name,
    empty,
    experience_source,
    lens_name,
    lens_rows,
    number,
    report_text,
    style,
)
from assessment.present.figures.chart import Chart, trace
from assessment.present.numbers import num
from assessment.present.theme import (
    BLIND_COLOR,
    EXCELLENCE_COLOR,
    EXPERIENCE_COLOR,
    GAP_BAND_COLOR,
    LABEL_SIZE,
    LENS_COLORS,
    PAR_COLOR,
    RULE_COLOR,
    SMALL_SIZE,
    TEXT_COLOR,
)


def par_check_labels(table: dict, x: list[str], par: float, lang: str,
                     source: str | None) -> list[str]:
    """The discipline names with the par check under each: whether the threshold values
    (asked separately, ``par_basis`` "threshold") reach ``par`` in every lens, else which
    lens falls below (red); nothing where no lens has threshold values.

    >>> table = {"experience": {"par_score": [2.5, 3.4, 3.1], "par_basis": ["threshold"] * 3},
    ...          "setup": {"par_score": [3.2, 3.3, 3.0], "par_basis": ["threshold"] * 2 + [""]}}
    >>> par_check_labels(table, ["OE", "CI", "PL"], 3.0, "en", None)[:2]
    ['OE<br><span style="color:#B22222">below par: Customer experience</span>', 'CI<br>at par']
    """
    out = []
    for i, name in enumerate(x):
        below, known = [], False
        for lens in LENSES:
            rows = table[lens]
            if "par_score" not in rows or "par_basis" not in rows:
                continue
            score = number(rows["par_score"][i])
            if rows["par_basis"][i] != "threshold" or not np.isfinite(score):
                continue
            known = True
            if score < par - 1e-9:
                below.append(lens_name(lens, lang, source))
        if below:
            out.append(f'{name}<br><span style="color:{PAR_COLOR}">'
                       f'{report_text("par_below", lang, lenses=", ".join(below))}</span>')
        elif known:
            out.append(f"{name}<br>{report_text('par_met', lang)}")
        else:
            out.append(name)
    return out


def profile_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                  title: str | None = None) -> Chart:
    """The three disciplines in both lenses: grouped bars with 95% CI whiskers.

    ``profile``: one company's rows of ``Scores.profile`` (one wave): discipline, lens,
    source, mean, n, ci_low, ci_high (and par_score, par_basis for the par check). The
    value on top of each bar, a dotted line at excellence (``instrument.thresholds``); the
    par check once, under each discipline's name (:func:`par_check_labels`): par applies
    to the threshold values, not to the bars. ``title`` is untrusted text (e.g. the
    company name).

    >>> from assessment.instrument.models import load_instrument
    >>> profile = pd.DataFrame({"lens": ["experience", "setup"], "source": "outside_in",
    ...     "discipline": "customer_intimacy", "mean": [4.0, 3.0], "n": 9,
    ...     "ci_low": [3.8, 2.7], "ci_high": [4.2, 3.3]})
    >>> fig = profile_chart(profile, load_instrument(), title="Acme")
    >>> [bar["name"] for bar in fig.data if bar["type"] == "bar"], fig.layout["title"]["text"]
    (['Customer experience', 'Set-up'], 'Scores per discipline and lens · Acme')
    """
    inst = instrument
    lo, hi = inst.scale.min, inst.scale.max
    x = [discipline_name(inst, d, lang) for d in DISCIPLINES]
    heading = report_text("chart_profile_title", lang) + (f" · {escape(title)}" if title
                                                         else "")
    fig = Chart()
    source = experience_source(profile)
    table = lens_rows(profile, ("mean", "ci_low", "ci_high", "n", "par_score", "par_basis"))
    values: list[dict] = []
    for lens in LENSES:
        rows = table[lens]
        mean = np.array(rows["mean"], dtype=float)
        up = np.array(rows["ci_high"], dtype=float) - mean
        down = mean - np.array(rows["ci_low"], dtype=float)
        name = lens_name(lens, lang, source)
        hover = [
            f"{x[i]}<br>{name}<br>"
            + (f"{num(mean[i], '.2f', lang)} ({report_text('ci', lang)} "
               f"{num(rows['ci_low'][i], '.2f', lang)}–{num(rows['ci_high'][i], '.2f', lang)})"
               f"<br>n = {int(number(rows['n'][i]))}"
               if np.isfinite(mean[i]) else report_text("no_data", lang))
            for i in range(len(DISCIPLINES))
        ]
        fig.add_trace(trace("bar",
            # bars rise from the bottom of the scale, not from zero
            name=name, x=x, y=mean - lo, base=lo, marker=dict(color=LENS_COLORS[lens]),
            error_y=dict(type="data", array=up, arrayminus=down, visible=True,
                         color=TEXT_COLOR, thickness=1.5, width=6),
            text=[num(m, ".2f", lang) if np.isfinite(m) else "" for m in mean],
            textposition="none",  # the value is written over the whisker (below)
            hovertext=hover, hoverinfo="text", offsetgroup=lens,
        ))
        # the value on top of the bar, just above its whisker, in dark ink
        top = np.where(np.isfinite(up), mean + np.nan_to_num(up), mean)
        values.append(trace("scatter",
            x=x, y=top, mode="text", offsetgroup=lens, showlegend=False,
            text=[num(m, ".2f", lang) if np.isfinite(m) else "" for m in mean],
            textposition="top center", textfont=dict(color=TEXT_COLOR, size=LABEL_SIZE + 1),
            hoverinfo="skip", cliponaxis=False,
        ))
    for value_trace in values:
        fig.add_trace(value_trace)
    # the excellence line only: par is checked on the threshold values, under each
    # discipline's name, not against the bars
    th = inst.thresholds
    fig.add_hline(y=th.excellence, line=dict(color=EXCELLENCE_COLOR, dash="dot", width=1.6))
    fig.add_annotation(text=report_text("excellence_line", lang, value=th.excellence),
                       xref="paper", x=1.0, xanchor="right", y=th.excellence,
                       yanchor="bottom", showarrow=False,
                       font=dict(color=EXCELLENCE_COLOR, size=LABEL_SIZE))
    style(fig, heading, 390, barmode="group", bargap=0.3, bargroupgap=0.06,
          scattermode="group", scattergap=0.3,
          legend=dict(orientation="h", x=0, y=1.0, xanchor="left", yanchor="bottom"))
    fig.update_xaxes(tickmode="array", tickvals=x,
                     ticktext=par_check_labels(table, x, th.par, lang, source),
                     automargin=True)
    fig.update_yaxes(range=[lo, hi + 0.35], dtick=0.5, automargin=True,
                     title=dict(text=report_text("score_axis", lang, min=lo, max=hi)))
    fig.update_layout(margin=dict(l=50, b=40, r=20, t=90))
    return fig


def _reading(value: float, band: float, lang: str, keys: tuple[str, str, str]) -> str:
    """What a gap means: above the band, below it, or within it (``keys`` in that order)."""
    if not np.isfinite(value):
        return report_text("no_data", lang)
    if value >= band - 1e-9:
        return report_text(keys[0], lang)
    if value <= -band + 1e-9:
        return report_text(keys[1], lang)
    return report_text(keys[2], lang)


def _gap_bars(name_key: str, values: np.ndarray, x: list[str], color: str, band: float,
              lang: str, keys: tuple[str, str, str]) -> dict:
    name = report_text(name_key, lang)
    return trace("bar",
        name=name, x=x, y=values, marker=dict(color=color),
        text=[num(g, "+.2f", lang) if np.isfinite(g) else "" for g in values],
        textposition="outside",
        hovertext=[f"{x[i]}<br>{name}: "
                   + num(values[i], "+.2f", lang) + "<br>"
                   + _reading(values[i], band, lang, keys)
                   for i in range(len(x))],
        hoverinfo="text",
    )


def gap_chart(lens_gaps: Mapping[str, float | None], blind_spots: Mapping[str, float] | None,
              instrument: Instrument, lang: str = "en", title: str | None = None) -> Chart:
    """Experience minus set-up per discipline, with the band of differences that do not count.

    ``lens_gaps`` and ``blind_spots`` as in :class:`~assessment.diagnosis.findings.Diagnosis`
    (discipline -> value; blind spots = staff's estimate minus customers' answers, only
    where customers answered). The shaded band is +-``lens_gap``; when ``blind_spot_gap``
    differs, dotted lines mark it.

    >>> from assessment.instrument.models import load_instrument
    >>> gaps = {"operational_excellence": -1.0, "customer_intimacy": 1.2,
    ...         "product_leadership": 0.1}
    >>> gap_chart(gaps, None, load_instrument()).data[0]["hovertext"][2]
    'Product leadership<br>Experience minus set-up: +0.10<br>the lenses agree'
    """
    inst = instrument
    th = inst.thresholds
    x = [discipline_name(inst, d, lang) for d in DISCIPLINES]
    heading = report_text("chart_gap_title", lang) + (f" · {escape(title)}" if title else "")
    gaps = np.array([number(lens_gaps.get(d)) for d in DISCIPLINES])
    fig = Chart()
    fig.add_trace(_gap_bars("lens_gap", gaps, x, EXPERIENCE_COLOR, th.lens_gap, lang,
                            ("reading_unbacked", "reading_unnoticed", "reading_aligned")))
    values = list(gaps[np.isfinite(gaps)])
    if blind_spots:
        blind = np.array([number(blind_spots.get(d)) for d in DISCIPLINES])
        values += list(blind[np.isfinite(blind)])
        fig.add_trace(_gap_bars("blind_spot", blind, x, BLIND_COLOR, th.blind_spot_gap, lang,
                                ("reading_overestimate", "reading_underestimate",
                                 "reading_close")))
        if abs(th.blind_spot_gap - th.lens_gap) > 1e-9:
            for sign in (1, -1):
                fig.add_hline(y=sign * th.blind_spot_gap,
                              line=dict(color=BLIND_COLOR, dash="dot", width=1))
    if not values:
        return empty(heading, report_text("no_data", lang))
    fig.add_hrect(y0=-th.lens_gap, y1=th.lens_gap, fillcolor=GAP_BAND_COLOR,
                  line=dict(width=0), layer="below")
    fig.add_hline(y=0, line=dict(color=RULE_COLOR, width=1))
    fig.add_annotation(text=report_text("band_label", lang, value=th.lens_gap), xref="paper",
                       x=1, xanchor="right", y=th.lens_gap, yanchor="bottom",
                       showarrow=False, font=dict(size=SMALL_SIZE, color=RULE_COLOR))
    reach = max([th.lens_gap, th.blind_spot_gap] + [abs(v) for v in values]) + 0.35
    style(fig, heading, 420, barmode="group", bargap=0.35,
          legend=dict(orientation="h", x=0, y=-0.12, xanchor="left", yanchor="top"))
    fig.update_yaxes(range=[-reach, reach], title=dict(text=report_text("gap_axis", lang)),
                     zeroline=False)
    fig.update_layout(margin=dict(b=80))
    return fig
