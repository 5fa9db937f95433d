"""What every chart shares: escaped texts, the common layout, empty charts, a profile's rows.

Security: plotly renders a subset of HTML in titles, axis labels, hover text, legends and
annotations. Every text that enters a figure is escaped with ``markupsafe.escape`` here or
where it is written (company and department names, role descriptions, the report's own
texts alike), so a name like ``<img src=x onerror=alert(1)>`` shows as text. markupsafe
writes quotes as ``&#34;`` and ``&#39;``, which plotly.js decodes.

    >>> report_text("no_data", "en")
    'not enough answers'
"""

from __future__ import annotations

import textwrap

import pandas as pd
from markupsafe import escape

from assessment.instrument.models import DISCIPLINES, LENSES, Instrument, Thresholds
from assessment.present.figures.chart import Chart
from assessment.present.labels import label
from assessment.present.theme import (
    EXCELLENCE_COLOR,
    FONT,
    LABEL_SIZE,
    NOTE_COLOR,
    PAR_COLOR,
    TEMPLATE,
    TITLE_SIZE,
)


def report_text(key: str, lang: str = "en", **fmt: object) -> str:
    """A report text (:func:`assessment.present.labels.label`) escaped for a figure.

    >>> report_text("par_line", "de", value=2.5)
    'Marktniveau 2,50'
    """
    return str(escape(label(key, lang, **fmt)))


def discipline_name(inst: Instrument, discipline: str, lang: str) -> str:
    """The discipline's name in ``lang`` (from the instrument, escaped).

    >>> from assessment.instrument.models import load_instrument
    >>> discipline_name(load_instrument(), "customer_intimacy", "en")
    'Customer intimacy'
    """
    return str(escape(inst.discipline_label(discipline, lang)))


def discipline_short(inst: Instrument, discipline: str) -> str:
    """The discipline's abbreviation (escaped).

    >>> from assessment.instrument.models import load_instrument
    >>> discipline_short(load_instrument(), "operational_excellence")
    'OE'
    """
    return str(escape(inst.disciplines[discipline].short))  # type: ignore[index]


def lens_name(lens: str, lang: str, source: str | None = None) -> str:
    """The lens's name; an experience lens from staff's estimate (``source="inside_out"``)
    says so.

    >>> lens_name("setup", "en")
    'Set-up'
    """
    key = "lens_experience" if lens == "experience" else "lens_setup"
    if lens == "experience" and source == "inside_out":
        key = "lens_experience_inside_out"
    return report_text(key, lang)


def number(value: object) -> float:
    """``value`` as a float, NaN when it is none.

    >>> number("2.5"), number(None)
    (2.5, nan)
    """
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def style(fig: Chart, title: str, height: int, **extra: object) -> Chart:
    """The look every chart starts from: the template, the theme's font, the title on the
    left, margins; ``extra`` layout properties on top.

    >>> style(Chart(), "Profile", 300).layout["height"]
    300
    """
    fig.template = TEMPLATE
    fig.update_layout(
        font=FONT, height=height,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=TITLE_SIZE)),
        margin=dict(l=60, r=30, t=70, b=60),
        hoverlabel=dict(align="left"),
        **extra,
    )
    return fig


def note(fig: Chart, text: str, y: float = -0.18, width: int = 85) -> None:
    """A note under the chart, on the left (``text`` must be escaped), in lines of about
    ``width`` characters so that it fits a phone or a printed page.

    >>> fig = Chart(); note(fig, "n = 5"); fig.layout["annotations"][0]["text"]
    'n = 5'
    >>> note(fig, "a " * 50, width=40); fig.layout["annotations"][1]["text"].count("<br>")
    2
    """
    text = "<br>".join(textwrap.wrap(text, width)) if len(text) > width else text
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=y, xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font=dict(size=LABEL_SIZE, color=NOTE_COLOR))


def empty(title: str, message: str, height: int = 220) -> Chart:
    """A chart without data: its title and a message in the middle (both escaped).

    >>> empty("Profile", "not enough answers").data
    []
    """
    fig = Chart()
    style(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5,
                       showarrow=False, font=dict(size=14, color=NOTE_COLOR))
    return fig


def threshold_lines(fig: Chart, thresholds: Thresholds, lang: str, width: float,
                    yref: str | None = None) -> None:
    """Par (dashed) and excellence (dotted) across the chart, each labelled in the right
    margin, clear of the data.

    >>> from assessment.instrument.models import load_instrument
    >>> fig = Chart(); threshold_lines(fig, load_instrument().thresholds, "en", 1.2)
    >>> [a["text"] for a in fig.layout["annotations"]]
    ['Par 3.00', 'Excellence 4.00']
    """
    for y, key, color, dash in ((thresholds.par, "par_line", PAR_COLOR, "dash"),
                                (thresholds.excellence, "excellence_line", EXCELLENCE_COLOR,
                                 "dot")):
        fig.add_hline(y=y, line=dict(color=color, dash=dash, width=width))
        fig.add_annotation(text=report_text(key, lang, value=y), xref="paper", x=1.005,
                           xanchor="left", y=y, yanchor="middle", showarrow=False,
                           align="left", font=dict(color=color, size=LABEL_SIZE),
                           **({"yref": yref} if yref else {}))


def lens_rows(profile: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, dict[str, list]]:
    """Each lens's rows of a profile table, one per discipline in ``DISCIPLINES`` order:
    lens -> column -> values (NaN for a discipline without a row; a column the table
    lacks is left out). Plain lists: pandas' filter, ``set_index`` and ``reindex`` cost
    more than the rest of a chart.

    >>> table = pd.DataFrame({"lens": ["setup"], "discipline": ["customer_intimacy"],
    ...                       "mean": [3.5]})
    >>> lens_rows(table, ("mean",))["setup"]["mean"]
    [nan, 3.5, nan]
    """
    where: dict[tuple[str, str], int | None] = {(lens, d): None for lens in LENSES
                                                 for d in DISCIPLINES}
    for i, key in enumerate(zip(profile["lens"].tolist(), profile["discipline"].tolist(),
                                strict=True)):
        if key in where:
            if where[key] is not None:
                raise ValueError(f"the profile has more than one row of {key}")
            where[key] = i
    values = {col: profile[col].tolist() for col in columns if col in profile.columns}
    return {lens: {col: [float("nan") if (i := where[(lens, d)]) is None else vals[i]
                         for d in DISCIPLINES] for col, vals in values.items()}
            for lens in LENSES}


def experience_source(profile: pd.DataFrame) -> str | None:
    """Where the profile's experience lens comes from (``outside_in``: customers,
    ``inside_out``: staff's estimate), None without one.

    >>> experience_source(pd.DataFrame({"lens": ["experience"], "source": ["inside_out"]}))
    'inside_out'
    """
    for lens, source in zip(profile["lens"].tolist(), profile["source"].tolist(),
                            strict=True):
        if lens == "experience":
            return str(source)
    return None

