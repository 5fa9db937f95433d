"""A figure as plain dicts, written to JSON and HTML by plotly's public functions.

A :class:`Chart` holds plotly.js's figure JSON: ``data`` (a list of trace dicts, each with
its ``"type"``) and ``layout`` (a dict), plus the name of the layout template. Building one
costs no plotly at all (plotly's graph objects validate every property as it is set, which
costs about as much as the rest of a report's own work); plotly is imported the first
time a chart is written:

- the template is ``plotly.io.templates[name].to_plotly_json()``, taken once per process;
- a grid of subplots is the layout ``plotly.subplots.make_subplots`` makes, once per shape;
- the HTML is ``plotly.io.to_html(figure_dict, validate=False, full_html=False, ...)``;
- :meth:`Chart.to_figure` builds the validated ``plotly.graph_objects.Figure``.

Notebook display: :func:`show` (or a :class:`Chart` left as a cell's value), never
``fig.show()``, which imports nbformat and picks a renderer nbconvert cannot show. The HTML
is a div plus a ``Plotly.newPlot`` call that expects a global ``Plotly`` (plotly.js is added
once per exported page by the batch).

    >>> chart = Chart().add_trace(trace("bar", x=["a", "b"], y=[1.0, float("nan")]))
    >>> chart.to_dict()["data"]
    [{'type': 'bar', 'x': ['a', 'b'], 'y': [1.0, None]}]
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

#: plotly.js's config of every chart
PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: "0" in the environment: :func:`show` leaves out the plotly JSON bundle (the batch sets
#: it for its kernels: the HTML export shows only text/html)
PLOTLY_JSON_ENV = "ASSESSMENT_PLOTLY_JSON"


def trace(kind: str, **props: object) -> dict:
    """A trace of plotly.js type ``kind`` (``"bar"``, ``"scatter"``, ...) with the given
    properties, nested properties as dicts (``marker=dict(color="red")``), unvalidated.

    >>> trace("bar", x=["a"], y=[2.5], marker=dict(color="#0072B2"))
    {'type': 'bar', 'x': ['a'], 'y': [2.5], 'marker': {'color': '#0072B2'}}
    """
    return {"type": kind, **props}


def _merge(target: dict, update: Mapping) -> dict:
    """plotly's ``update``: nested dicts merge, anything else replaces; dicts are copied,
    so the chart never shares (and never changes) a caller's dict."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = _merge({}, value)
        else:
            target[key] = value
    return target


def _plain(value: Any) -> Any:
    """``value`` in plain JSON types: numpy and pandas data as lists, None for NaN and
    infinity (as plotly writes them); properties set to None are left out (as plotly
    leaves them out)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items() if item is not None}
    if kind is list or kind is tuple:
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (pd.Series, pd.Index)):
        return _plain(value.to_numpy().tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):  # markupsafe.Markup and other str subclasses
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _plain(float(value))
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    raise TypeError(f"a figure cannot hold a {kind.__name__}: {value!r}")


# -- plotly's template and subplot layouts, once per process ------------------------------


@lru_cache(maxsize=8)
def _template_text(name: str) -> str:
    import plotly.io as pio  # plotly only when a chart is written (about 0.1 s to import)

    return json.dumps(pio.templates[name].to_plotly_json(), separators=(",", ":"),
                      allow_nan=False)


@lru_cache(maxsize=8)
def _shared_template(name: str) -> dict:
    """The template's JSON, shared by every chart's HTML: never change it."""
    return json.loads(_template_text(name))


def template_json(name: str) -> dict:
    """plotly's registered template ``name`` as JSON (``plotly.io.templates[name]
    .to_plotly_json()``, taken once per process), a copy of the caller's own.

    >>> template_json("plotly_white")["layout"]["plot_bgcolor"]
    'white'
    """
    return json.loads(_template_text(name))


_TITLE_MARK = "\x00subplot title {}\x00"


@lru_cache(maxsize=32)
def _subplot_layout(key: str) -> tuple[str, tuple]:
    """The layout of ``make_subplots(rows, cols, **kwargs)`` (``key``: their JSON) without
    its template, as JSON, and the axes of each cell: ``((row, col), (x, y)), ...``.

    ``subplot_titles`` in ``kwargs`` is the number of titles: each is made as a marker
    (:data:`_TITLE_MARK`) that :meth:`Chart.subplots` replaces by its text, so the layout
    is made once per shape, not once per language."""
    from plotly.subplots import make_subplots  # once per shape: about 0.1 s the first time

    rows, cols, kwargs = json.loads(key)
    if "subplot_titles" in kwargs:
        kwargs["subplot_titles"] = [_TITLE_MARK.format(i)
                                    for i in range(kwargs["subplot_titles"])]
    fig = make_subplots(rows=rows, cols=cols, **kwargs)
    cells = []
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            fig.add_trace({"type": "scatter"}, row=r, col=c)
            cells.append(((r, c), (fig.data[-1].xaxis, fig.data[-1].yaxis)))
    layout = fig.layout.to_plotly_json()
    layout.pop("template", None)
    return json.dumps(layout), tuple(cells)


class Chart:
    """A figure: plotly.js's JSON as plain dicts, with the part of plotly's ``go.Figure``
    API the charts use (``add_trace``, ``update_layout``, ``update_xaxes`` /
    ``update_yaxes``, ``add_hline``, ``add_hrect``, ``add_annotation``, :meth:`subplots`
    for ``make_subplots``) and the layout template by name (:attr:`template`).

    Written by :meth:`to_dict`, :meth:`to_json` and :meth:`to_html` (through
    ``plotly.io.to_html``); :meth:`to_figure` builds the validated ``go.Figure``. A bare
    ``Chart`` shows in JupyterLab (``_repr_mimebundle_``).

    >>> chart = Chart(template="plotly_white").update_layout(title=dict(text="Scores"))
    >>> chart.update_yaxes(range=[1, 5]).layout
    {'title': {'text': 'Scores'}, 'yaxis': {'range': [1, 5]}}
    """

    def __init__(self, data: list[dict] | None = None, layout: dict | None = None,
                 template: str | None = None,
                 grid: dict[tuple[int, int], tuple[str, str]] | None = None):
        self.data: list[dict] = data if data is not None else []
        self.layout: dict = layout if layout is not None else {}
        self.template = template
        self.grid = grid  # (row, col) -> (x axis, y axis) of a subplot grid

    def __repr__(self) -> str:
        title = self.layout.get("title", {})
        text = title.get("text") if isinstance(title, Mapping) else title
        return f"<Chart: {len(self.data)} traces, title {text!r}>"

    # -- building ---------------------------------------------------------------------

    @classmethod
    def subplots(cls, rows: int = 1, cols: int = 1, **kwargs: Any) -> Chart:
        """A grid of x/y subplots: the layout of :func:`plotly.subplots.make_subplots` with
        the same arguments (made once per shape); a trace added with ``row`` and ``col``
        goes to that cell.

        >>> chart = Chart.subplots(rows=1, cols=2, shared_yaxes=True)
        >>> chart.add_trace(trace("scatter", x=[0], y=[1]), row=1, col=2).data[0]["xaxis"]
        'x2'
        """
        titles = kwargs.pop("subplot_titles", None)
        if titles is not None:
            kwargs["subplot_titles"] = len(titles)
        layout, grid = _subplot_layout(json.dumps([rows, cols, kwargs], sort_keys=True))
        fig = cls(layout=json.loads(layout), grid=dict(grid))
        if titles is not None:  # as make_subplots: no annotation for an empty title
            marks = {_TITLE_MARK.format(i): text for i, text in enumerate(titles)}
            notes = []
            for note in fig.layout.pop("annotations", []):
                text = marks.get(note["text"], note["text"])
                if text:
                    notes.append({**note, "text": text})
            if notes:
                fig.layout["annotations"] = notes
        return fig

    def add_trace(self, trace: Mapping | Any, row: int | None = None,
                  col: int | None = None) -> Chart:
        """Add a trace: a dict from :func:`trace` (or a plotly trace object)."""
        data = dict(trace) if isinstance(trace, Mapping) else trace.to_plotly_json()
        if row is not None and self.grid:
            data["xaxis"], data["yaxis"] = self.grid[(row, col)]
        self.data.append(data)
        return self

    def update_layout(self, dict1: Mapping | None = None, **props: object) -> Chart:
        """plotly's ``update_layout`` with nested dicts; a template by name
        (``template="plotly_white"``) sets :attr:`template`."""
        props = {**(dict1 or {}), **props}
        if isinstance(props.get("template"), str):
            self.template = props.pop("template")
        _merge(self.layout, props)
        return self

    def _axes(self, letter: str, row: int | None, col: int | None) -> list[str]:
        if not self.grid:
            return [f"{letter}axis"]
        cells = [self.grid[(row, col)]] if row is not None else list(self.grid.values())
        names = [x if letter == "x" else y for x, y in cells]
        return [f"{letter}axis{name[1:]}" for name in names]

    def update_xaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> Chart:
        """Update the x axis (of one cell with ``row`` and ``col``, else of every cell)."""
        for axis in self._axes("x", row, col):
            _merge(self.layout.setdefault(axis, {}), props)
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> Chart:
        """Update the y axis (of one cell with ``row`` and ``col``, else of every cell)."""
        for axis in self._axes("y", row, col):
            _merge(self.layout.setdefault(axis, {}), props)
        return self

    def _span(self, shape: dict) -> None:
        """A shape across the whole width of every subplot (as plotly's ``add_h*``)."""
        cells = list(self.grid.values()) if self.grid else [("x", "y")]
        for x, y in cells:
            self.layout.setdefault("shapes", []).append(
                {**copy.deepcopy(shape), "x0": 0, "x1": 1, "xref": f"{x} domain",
                 "yref": y})

    def add_hline(self, y: float, **props: object) -> Chart:
        """A horizontal line at ``y`` across every subplot."""
        self._span({**props, "type": "line", "y0": y, "y1": y})
        return self

    def add_hrect(self, y0: float, y1: float, **props: object) -> Chart:
        """A band from ``y0`` to ``y1`` across every subplot."""
        self._span({**props, "type": "rect", "y0": y0, "y1": y1})
        return self

    def add_annotation(self, **props: object) -> Chart:
        """A text annotation."""
        self.layout.setdefault("annotations", []).append(_merge({}, props))
        return self

    # -- output -----------------------------------------------------------------------

    def _json(self, template: dict | None) -> dict:
        layout = _plain(self.layout)
        if template is not None:
            layout["template"] = template
        return {"data": [_plain(item) for item in self.data], "layout": layout}

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` in plain JSON types (lists, not arrays;
        None for NaN), the template's JSON in ``layout["template"]``: a figure plotly
        validates and gives back unchanged (a test checks it), all of it the caller's own."""
        return self._json(template_json(self.template) if self.template else None)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON."""
        fig = self._json(_shared_template(self.template) if self.template else None)
        return json.dumps(fig, separators=(",", ":"), allow_nan=False)

    def to_figure(self) -> go.Figure:
        """The validated ``plotly.graph_objects.Figure``."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())

    def to_html(self, include_plotlyjs: bool | str = False, div_id: str | None = None) -> str:
        """A div and a ``Plotly.newPlot`` script: ``plotly.io.to_html`` of :meth:`to_dict`
        (``validate=False``, ``full_html=False``, ``config=PLOTLY_CONFIG``). The div's id is
        ``div_id`` or a new uuid4; ``include_plotlyjs`` as in plotly (False: the page has a
        global ``Plotly``)."""
        import plotly.io as pio

        fig = self._json(_shared_template(self.template) if self.template else None)
        return pio.to_html(fig, config=dict(PLOTLY_CONFIG), include_plotlyjs=include_plotlyjs,
                           full_html=False, validate=False, div_id=div_id)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        """JupyterLab's display of a bare ``Chart``: what :func:`show` displays."""
        return mime_bundle(self)

    def show(self) -> None:
        """Display the chart in a notebook: :func:`show`."""
        show(self)


# -- display --------------------------------------------------------------------------------


def figure_html(fig: Chart | go.Figure, include_plotlyjs: bool | str = False) -> str:
    """A div and a ``Plotly.newPlot`` script for a :class:`Chart` or a ``go.Figure`` (no
    plotly.js by default).

    >>> html = figure_html(Chart().add_trace(trace("bar", x=["a"], y=[1])))
    >>> html.startswith("<div") and "Plotly.newPlot" in html
    True
    """
    if isinstance(fig, Chart):
        return fig.to_html(include_plotlyjs=include_plotlyjs)
    return fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs,
                       config=dict(PLOTLY_CONFIG))


def plotly_json_wanted() -> bool:
    """Whether :func:`show` adds the plotly JSON bundle (not with
    ``ASSESSMENT_PLOTLY_JSON=0`` in the environment, as in the batch's kernels).

    >>> isinstance(plotly_json_wanted(), bool)
    True
    """
    return os.environ.get(PLOTLY_JSON_ENV, "1").strip() != "0"


def mime_bundle(fig: Chart | go.Figure) -> dict[str, object]:
    """What :func:`show` displays: ``text/html`` from :func:`figure_html` and, unless
    :func:`plotly_json_wanted` says no, the plotly JSON.

    >>> sorted(mime_bundle(Chart()))[-1]
    'text/html'
    """
    bundle: dict[str, object] = {"text/html": figure_html(fig)}
    if plotly_json_wanted():
        bundle[PLOTLY_MIME] = (fig.to_dict() if isinstance(fig, Chart)
                               else json.loads(fig.to_json()))
    return bundle


def show(fig: Chart | go.Figure | None) -> None:
    """Display a figure (a :class:`Chart` or a ``go.Figure``) in a notebook without
    ``fig.show()`` (nothing for None).

    The output carries ``text/html`` (what nbconvert's HTML export keeps) and the plotly
    JSON mime bundle, which JupyterLab renders live even in an untrusted notebook. With
    ``ASSESSMENT_PLOTLY_JSON=0`` in the environment (the batch's kernels) the JSON bundle
    is left out: it doubles the notebook's size, and the HTML is the same without it.

    >>> show(None)
    """
    from IPython.display import display  # IPython only where something is shown

    if fig is None:
        return
    display(mime_bundle(fig), raw=True)
