"""The report's and the portfolio page's figures, and how to show them in a notebook.

Every figure is a pure function of tidy data (rows of ``Scores`` tables or ``Diagnosis``
objects), the instrument (for labels, the scale and the thresholds in force: pass
``scores.instrument``, which carries the dataset's threshold overrides) and a language.
It is a :class:`Chart`: plotly's figure JSON as plain dicts (``data``: the traces,
``layout``), written to JSON and HTML by this module without plotly's graph objects,
whose validation of every property and lazily imported validator classes cost about as
much as the rest of a report's own work. :meth:`Chart.to_figure` makes the validated
``plotly.graph_objects.Figure`` where one is wanted (plotly is imported there only); the
tests check that plotly builds the same JSON from every chart.

Security: plotly renders a subset of HTML in titles, axis labels, hover text, legends and
annotations. Company names, department names and any other text that comes from data
files (or a user-supplied instrument) pass through :func:`_safe` before they enter a
figure, so a name like ``<img src=x onerror=alert(1)>`` is shown as text, never as markup.
The figure's JSON in the HTML has ``<``, ``>`` and ``/`` written as ``\\u`` escapes (as
plotly writes it), so no text can end the script it sits in.

Notebook display: use :func:`show` (or leave a :class:`Chart` as a cell's value), never
``fig.show()`` (which imports nbformat and picks a renderer that nbconvert cannot show).
The HTML it leaves in the notebook is a div plus a ``Plotly.newPlot`` call that expects a
global ``Plotly`` (plotly.js is added once per exported page by the batch).
"""

from __future__ import annotations

import copy
import html
import importlib.util
import json
import math
import os
import re
import uuid
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Diagnosis
from assessment.instrument.integration import IntegrationInstrument
from assessment.instrument.models import DISCIPLINES, LENSES, Instrument
from assessment.present.labels import label
from assessment.present.theme import (
    BLIND_COLOR,
    EXPERIENCE_COLOR,
    FONT,
    GAP_BAND_COLOR,
    LENS_COLORS,
    OTHERS_COLOR,
    TEMPLATE,
)

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PLOTLY_MIME = "application/vnd.plotly.v1+json"
# "0" in the environment: :func:`show` leaves out the plotly JSON bundle (the batch sets it
# for its kernels: the HTML export shows only text/html).
PLOTLY_JSON_ENV = "ASSESSMENT_PLOTLY_JSON"
TERNARY_KEYS = {"operational_excellence": "a", "customer_intimacy": "b",
                "product_leadership": "c"}


# -- safety and shared helpers ------------------------------------------------------------


def _safe(text: object) -> str:
    """Escape untrusted text for plotly's HTML-like labels (``&``, ``<``, ``>``, quotes).

    ``html.escape``, with the quote entities written as numeric references, which plotly.js
    decodes (it does not know ``&quot;``), so quotes still read as quotes.
    """
    out = html.escape("" if text is None else str(text), quote=True)
    return out.replace("&quot;", "&#34;").replace("&#x27;", "&#39;")


def _t(key: str, lang: str, **fmt: object) -> str:
    """A trusted report text (``report_texts.yaml``), escaped all the same."""
    return _safe(label(key, lang, **fmt))


def _disc(inst: Instrument, discipline: str, lang: str) -> str:
    return _safe(inst.discipline_label(discipline, lang))


def _short(inst: Instrument, discipline: str) -> str:
    return _safe(inst.disciplines[discipline].short)  # type: ignore[index]


def _lens_name(inst: Instrument, lens: str, lang: str, source: str | None = None) -> str:
    key = "lens_experience" if lens == "experience" else "lens_setup"
    name = label(key, lang)
    if lens == "experience" and source == "inside_out":
        name = label("lens_experience_inside_out", lang)
    return _safe(name)


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


# -- plotly's figure JSON without plotly --------------------------------------------------
#
# A figure is plotly.js's JSON: {"data": [trace, ...], "layout": {...}}, each trace a dict
# with its "type". plotly's graph objects validate every property and write the JSON with
# the keys in a fixed order (each object's properties sorted, a trace's "type" last,
# numbered subplots such as "xaxis2" after the other layout properties). :func:`_plain`
# writes the same order with plain JSON values (numpy and pandas data as lists, NaN and
# infinity as null), so the HTML is the very HTML plotly writes; the tests compare both.

# properties whose names hold an underscore (plotly's ``BaseFigure._valid_underscore_
# properties``): not split by the magic underscores
_UNDERSCORE_PROPS = ("error_x", "error_y", "error_z", "copy_xstyle", "copy_ystyle",
                     "copy_zstyle", "paper_bgcolor", "plot_bgcolor")
# numbered subplots of the layout (plotly's ``Layout._subplotid_prop_names``)
_SUBPLOT_ID = re.compile(
    r"^(coloraxis|geo|legend|map|polar|scene|smith|ternary|xaxis|yaxis)(\d+)$")


@lru_cache(maxsize=256)
def _path(key: str) -> tuple[str, ...]:
    """plotly's magic underscores: ``marker_line_color`` is ``marker.line.color``."""
    for name in _UNDERSCORE_PROPS:
        key = key.replace(name, name.replace("_", "-"))
    return tuple(part.replace("-", "_") for part in key.split("_"))


def _expand(props: Mapping[str, object]) -> dict:
    """Keyword properties as nested dicts (``title_text=...`` is ``title=dict(text=...)``),
    in dicts given as values too (``marker=dict(line_width=1)``), as plotly reads them.

    As in plotly, plain names are set before underscore paths, which update them
    (``marker=dict(color="red"), marker_size=3`` gives both)."""
    out: dict = {}
    paths = [(_path(key), value) for key, value in props.items()]
    for path, value in sorted(paths, key=lambda item: len(item[0]) > 1):
        if isinstance(value, Mapping):
            value = _expand(value)
        elif type(value) is list and value and isinstance(value[0], Mapping):
            value = [_expand(v) if isinstance(v, Mapping) else v for v in value]
        node: dict = {}
        nested: dict = node
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        _merge(out, nested)
    return out


def _merge(target: dict, update: Mapping) -> dict:
    """plotly's ``update``: nested dicts merge, anything else replaces."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        elif isinstance(value, Mapping):
            target[key] = _merge({}, value)
        else:
            target[key] = value
    return target


def _trace(kind: str, **props: object) -> dict:
    """A trace of plotly.js type ``kind`` (``"bar"``, ``"scatter"``, ...): what
    ``go.Bar(...)`` and its kin make from the same keyword arguments, unvalidated."""
    return {"type": kind, **_expand(props)}


def _order(name: str) -> str:
    """The place of a property among its object's properties in plotly's JSON: sorted by
    name, an array's ``...defaults`` right after the array (``annotations``,
    ``annotationdefaults``)."""
    return name[:-8] + "s\0" if name.endswith("defaults") else name


def _plain(value: Any) -> Any:
    """``value`` in plain JSON types, objects' keys in plotly's order; None for NaN and
    infinity (as plotly's JSON has them); properties set to None are left out (as plotly
    leaves them out)."""
    kind = type(value)
    if kind is str or kind is bool or kind is int or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: _plain(value[key]) for key in sorted(value, key=_order)
                if value[key] is not None}
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
    if isinstance(value, str):
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


def _plain_trace(trace: Mapping) -> dict:
    out = _plain({key: value for key, value in trace.items() if key != "type"})
    out["type"] = trace["type"]
    return out


def _plain_layout(layout: Mapping, template: dict | None = None) -> dict:
    """The layout in plotly's order: its properties sorted, then the numbered subplots
    (``xaxis2``, ...) as they were added. ``template``: the template's JSON, as it is."""
    props, subplots = {}, {}
    for key, value in layout.items():
        match = _SUBPLOT_ID.match(key)
        if match and int(match.group(2)) > 1:
            subplots[key] = value
        elif match:
            props[match.group(1)] = value  # "xaxis1" is "xaxis"
        elif key == "template":
            if template is None and value is not None:
                template = (_template(value) if isinstance(value, str)
                            else _plain_template(value))
        else:
            props[key] = value
    out = _plain(props)
    if template is not None:
        out["template"] = template
        out = {key: out[key] for key in sorted(out, key=_order)}
    for key, value in subplots.items():
        if value is not None:
            out[key] = _plain(value)
    return out


def _plain_template(template: Mapping) -> dict:
    """A layout template (``{"data": {type: [trace, ...]}, "layout": {...}}``) in plotly's
    order: its trace types sorted as if plural (``barpolar`` before ``bar``)."""
    out: dict = {}
    for key in sorted(template, key=_order):
        value = template[key]
        if key == "data":
            out[key] = {kind: [_plain_trace({"type": kind, **trace})
                               for trace in value[kind]]
                        for kind in sorted(value, key=lambda kind: kind + "s")}
        elif key == "layout":
            out[key] = _plain_layout(value)
        elif value is not None:
            out[key] = _plain(value)
    return out


def _plotly_file(*parts: str) -> Path:
    """A file of the installed plotly package, found without importing plotly (whose
    ``__init__`` this does not run)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("plotly is not installed", name="plotly")
    for root in spec.submodule_search_locations:
        path = Path(root).joinpath(*parts)
        if path.is_file():
            return path
    raise FileNotFoundError(f"plotly has no {'/'.join(parts)}")


@lru_cache(maxsize=8)
def _template(name: str) -> dict:
    """plotly's registered template ``name`` (``plotly.io.templates[name]``), read from
    plotly's package data and put in plotly's order once. Shared: never change it."""
    path = _plotly_file("package_data", "templates", f"{name}.json")
    return _plain_template(json.loads(path.read_text(encoding="utf-8")))


@lru_cache(maxsize=8)
def _template_text(name: str) -> str:
    return json.dumps(_template(name), separators=(",", ":"), allow_nan=False)


def _template_copy(name: str) -> dict:
    """A template of the figure's own (parsed anew: faster than ``copy.deepcopy``)."""
    return json.loads(_template_text(name))


# plotly.io.to_html's markup (plotly/io/_html.py, ``full_html=False``, no MathJax, no
# frames, no post script), written by :meth:`Chart.to_html`
_WINDOW_PLOTLY_CONFIG = """\
<script>\
window.PlotlyConfig = {MathJaxConfig: 'local'};\
</script>"""
_NEW_PLOT = """\
                if (document.getElementById("{id}")) {{\
                    Plotly.newPlot(\
                        "{id}",\
                        {data},\
                        {layout},\
                        {config}\
                    ){then_addframes}{then_animate}{then_post_script}\
                }}"""
_DIV = """\
<div style="height:{height}; width:{width};">\
        {mathjax_script}\
        {load_plotlyjs}\
            <div id="{id}" class="plotly-graph-div" \
style="height:100%; width:100%;"></div>\
            <script>\
                window.PLOTLYENV=window.PLOTLYENV || {{}};\
                {script};\
            </script>\
        </div>"""
_JSON_SWAP = (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"))


def _script_json(value: Any) -> str:
    """Compact JSON that cannot end a ``<script>`` (plotly's ``to_json_plotly``)."""
    out = json.dumps(value, separators=(",", ":"), allow_nan=False)
    for unsafe, escaped in _JSON_SWAP:
        out = out.replace(unsafe, escaped)
    return out


# stands for the template in a layout until its JSON is put in (see Chart.to_html)
_TEMPLATE_MARK = "\x00assessment-template\x00"
_TEMPLATE_MARK_JSON = json.dumps(_TEMPLATE_MARK)


@lru_cache(maxsize=8)
def _template_script_json(name: str) -> str:
    return _script_json(_template(name))


def _css_size(value: object) -> str:
    """A width or height for the div: numbers in pixels, anything else as it is."""
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return f"{value}px"


class Chart:
    """A figure: plotly.js's JSON as plain dicts (``data``: a list of trace dicts, each
    with its ``"type"``; ``layout``: a dict), with the part of plotly's ``go.Figure`` API
    the charts use (``add_trace``, ``update_layout``, ``update_xaxes``/``update_yaxes``,
    ``add_hline``, ``add_hrect``, ``add_annotation``, :meth:`subplots` for
    ``make_subplots``) and the layout template by name (``template``).

    Written to JSON (:meth:`to_dict`, :meth:`to_json`) and HTML (:meth:`to_html`) without
    plotly; :meth:`to_figure` builds the validated ``go.Figure``. A bare ``Chart`` shows
    in JupyterLab (``_repr_mimebundle_``). The tests check that plotly's own API, given the
    same calls, builds the same figure, and that plotly validates every chart's JSON
    unchanged.
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
        """:func:`plotly.subplots.make_subplots` for a grid of x/y subplots (see
        :func:`_subplot_layout` for the arguments); a trace added with ``row`` and ``col``
        goes to that cell."""
        key = json.dumps([rows, cols, kwargs], sort_keys=True)
        layout, grid = _subplot_layout(key)
        return cls(layout=json.loads(layout), grid=dict(grid))

    def add_trace(self, trace: Mapping | Any, row: int | None = None,
                  col: int | None = None) -> Chart:
        """Add a trace: a dict from :func:`_trace` (or a plotly trace object)."""
        data = dict(trace) if isinstance(trace, Mapping) else trace.to_plotly_json()
        if row is not None and self.grid:
            data["xaxis"], data["yaxis"] = self.grid[(row, col)]
        self.data.append(data)
        return self

    def update_layout(self, dict1: Mapping | None = None, **props: object) -> Chart:
        """plotly's ``update_layout``; a template by name (``template="plotly_white"``)
        sets :attr:`template`."""
        props = {**(dict1 or {}), **props}
        if isinstance(props.get("template"), str):
            self.template = props.pop("template")
        _merge(self.layout, _expand(props))
        return self

    def _axes(self, letter: str, row: int | None, col: int | None) -> list[str]:
        if not self.grid:
            return [f"{letter}axis"]
        cells = [self.grid[(row, col)]] if row is not None else list(self.grid.values())
        return [f"{letter}axis{ref[1:]}" for ref in
                (x if letter == "x" else y for x, y in cells)]

    def update_xaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> Chart:
        for axis in self._axes("x", row, col):
            _merge(self.layout.setdefault(axis, {}), _expand(props))
        return self

    def update_yaxes(self, row: int | None = None, col: int | None = None,
                     **props: object) -> Chart:
        for axis in self._axes("y", row, col):
            _merge(self.layout.setdefault(axis, {}), _expand(props))
        return self

    def _span(self, shape: dict) -> None:
        """A shape across the whole width of every subplot (plotly's ``add_h*``)."""
        cells = list(self.grid.values()) if self.grid else [("x", "y")]
        for x, y in cells:
            self.layout.setdefault("shapes", []).append(
                {**copy.deepcopy(shape), "x0": 0, "x1": 1, "xref": f"{x} domain",
                 "yref": y})

    def add_hline(self, y: float, **props: object) -> Chart:
        self._span({**_expand(props), "type": "line", "y0": y, "y1": y})
        return self

    def add_hrect(self, y0: float, y1: float, **props: object) -> Chart:
        self._span({**_expand(props), "type": "rect", "y0": y0, "y1": y1})
        return self

    def add_annotation(self, **props: object) -> Chart:
        self.layout.setdefault("annotations", []).append(_expand(props))
        return self

    # -- output -----------------------------------------------------------------------

    def _json(self, template: dict | None) -> dict:
        return {"data": [_plain_trace(trace) for trace in self.data],
                "layout": _plain_layout(self.layout, template)}

    def to_dict(self) -> dict:
        """``{"data": [...], "layout": {...}}`` in plain JSON types (lists, not arrays;
        None for NaN), the template's JSON in ``layout["template"]``: what
        ``to_figure().to_dict()`` gives (a test checks it), without plotly."""
        return self._json(_template_copy(self.template) if self.template else None)

    def to_json(self) -> str:
        """:meth:`to_dict` as compact JSON."""
        fig = self._json(_template(self.template) if self.template else None)
        return json.dumps(fig, separators=(",", ":"), allow_nan=False)

    def to_figure(self) -> go.Figure:
        """The validated ``plotly.graph_objects.Figure`` (plotly is imported here)."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())

    def to_html(self, include_plotlyjs: bool | str = False, div_id: str | None = None) -> str:
        """A div and a ``Plotly.newPlot`` script: the markup of ``plotly.io.to_html(
        self.to_figure(), full_html=False, include_plotlyjs=..., config=PLOTLY_CONFIG)``
        (a test compares them), written without plotly. The div's id is ``div_id`` or a
        new uuid4. ``include_plotlyjs`` as in plotly: False (the page has a global
        ``Plotly``), True (plotly.js inlined), ``"directory"``, a URL ending in ``.js``,
        or ``"cdn"`` (which asks plotly)."""
        mode = include_plotlyjs.lower() if isinstance(include_plotlyjs, str) else None
        if mode == "cdn":
            import plotly.io as pio

            return pio.to_html(self.to_figure(), full_html=False, include_plotlyjs="cdn",
                               config=PLOTLY_CONFIG, div_id=div_id)
        plot_id = div_id or str(uuid.uuid4())
        # the template's JSON (the bulk of a small chart's) is written once per process
        # and put in place of a marker
        fig = self._json(_TEMPLATE_MARK if self.template else None)
        layout = fig["layout"]
        layout_json = _script_json(layout)
        if self.template:
            layout_json = layout_json.replace(_TEMPLATE_MARK_JSON,
                                              _template_script_json(self.template), 1)
        config = dict(PLOTLY_CONFIG)
        config.setdefault("responsive", True)
        if not config.get("showSendToCloud", False):
            config.pop("plotlyServerURL", None)
        script = _NEW_PLOT.format(id=plot_id, data=_script_json(fig["data"]),
                                  layout=layout_json, config=json.dumps(config),
                                  then_addframes="", then_animate="", then_post_script="")
        if mode == "directory":
            load = f"""\
        {_WINDOW_PLOTLY_CONFIG}
        <script charset="utf-8" src="plotly.min.js"></script>\
    """
        elif mode is not None and mode.endswith(".js"):
            load = f"""\
        {_WINDOW_PLOTLY_CONFIG}
        <script charset="utf-8" src="{include_plotlyjs}"></script>\
    """
        elif include_plotlyjs:
            code = _plotly_file("package_data", "plotly.min.js").read_text(encoding="utf-8")
            load = f"""\
        {_WINDOW_PLOTLY_CONFIG}
        <script>{code}</script>\
    """
        else:
            load = ""
        template = (_template(self.template) if self.template else {}).get("layout", {})
        return _DIV.format(
            mathjax_script="", load_plotlyjs=load, id=plot_id, script=script,
            width=_css_size(layout.get("width", template.get("width", "100%"))),
            height=_css_size(layout.get("height", template.get("height", "100%"))),
        ).strip()

    def _repr_mimebundle_(self, include: object = None, exclude: object = None) -> dict:
        """JupyterLab's display of a bare ``Chart``: what :func:`show` displays."""
        return _bundle(self)

    def show(self) -> None:
        """Display the chart in a notebook: :func:`show`."""
        show(self)


@lru_cache(maxsize=32)
def _subplot_layout(key: str) -> tuple[str, tuple]:
    """The layout :func:`plotly.subplots.make_subplots` makes (without its template) as
    JSON, and its grid: cell k (row-major from the top left, from 1) has the axes
    ``x``/``y``, then ``x2``/``y2`` ...

    ``key``: the JSON of ``[rows, cols, kwargs]``, the keyword arguments of
    ``make_subplots`` this supports: ``shared_xaxes``, ``shared_yaxes`` (bool,
    ``"rows"``, ``"columns"``, ``"all"``), ``horizontal_spacing``, ``vertical_spacing``,
    ``subplot_titles``, ``column_widths`` and ``row_heights``, every cell an x/y subplot,
    the first row on top. The arithmetic is plotly's, so the domains are the same floats
    (a test compares the layouts).
    """
    rows, cols, kwargs = json.loads(key)
    options = {"shared_xaxes": False, "shared_yaxes": False, "horizontal_spacing": None,
               "vertical_spacing": None, "subplot_titles": None, "column_widths": None,
               "row_heights": None}
    unknown = set(kwargs) - set(options)
    if unknown:
        raise TypeError(f"Chart.subplots does not support {sorted(unknown)}")
    options.update(kwargs)
    hspace, vspace = options["horizontal_spacing"], options["vertical_spacing"]
    titles = options["subplot_titles"]
    if hspace is None:
        hspace = 0.2 / cols
    if vspace is None:
        vspace = (0.5 if titles is not None else 0.3) / rows
    for size, space in ((cols, hspace), (rows, vspace)):
        if not 0 <= space <= 1 or (size > 1 and space > 1.0 / float(size - 1)):
            raise ValueError(f"spacing {space} is too large for {size} subplots")
    if titles is None:
        titles = [""] * rows * cols
    max_width = 1.0
    if options["column_widths"] is None:
        widths = [(max_width - hspace * (cols - 1)) / cols] * cols
    else:
        total = float(sum(options["column_widths"]))
        widths = [(max_width - hspace * (cols - 1)) * (w / total)
                  for w in options["column_widths"]]
    if options["row_heights"] is None:
        heights = [(1.0 - vspace * (rows - 1)) / rows] * rows
    else:
        total = float(sum(options["row_heights"]))
        heights = list(reversed([(1.0 - vspace * (rows - 1)) * (h / total)
                                 for h in options["row_heights"]]))
    grid = [[(sum(widths[:c]) + c * hspace, sum(heights[:r]) + r * vspace)
             for c in range(cols)] for r in range(rows)[::-1]]
    layout: dict = {}
    cells: dict[tuple[int, int], tuple[str, str]] = {}
    domains = []
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c + 1
            suffix = str(k) if k > 1 else ""
            x_domain = [grid[r][c][0] + 0.0, grid[r][c][0] + widths[c] - 0.0]
            y_domain = [_clamp(grid[r][c][1] + 0.0),
                        _clamp(grid[r][c][1] + heights[-1 - r] - 0.0)]
            domains += [x_domain, y_domain]
            layout[f"xaxis{suffix}"] = {"domain": x_domain, "anchor": f"y{suffix}"}
            layout[f"yaxis{suffix}"] = {"domain": y_domain, "anchor": f"x{suffix}"}
            cells[(r + 1, c + 1)] = (f"x{suffix}", f"y{suffix}")
    for letter in "xy":
        _share_axes(layout, cells, rows, cols, letter, options[f"shared_{letter}axes"])
    annotations = [
        {"y": y_domain[1], "xref": "paper", "x": sum(x_domain) / 2.0, "yref": "paper",
         "text": text, "showarrow": False, "font": {"size": 16}, "xanchor": "center",
         "yanchor": "bottom"}
        for text, x_domain, y_domain in zip(titles, domains[::2], domains[1::2], strict=False)
        if text]
    if annotations:  # plotly leaves out an empty list
        layout["annotations"] = annotations
    return json.dumps(layout), tuple(cells.items())


def _clamp(y: float) -> float:
    """A subplot's y domain end, rounded into [0, 1] as make_subplots does."""
    if not -0.01 < y < 1.01:
        raise ValueError("the subplots do not fit into the figure's height")
    return 0.0 if y < 0.0 else 1.0 if y > 1.0 else y


def _share_axes(layout: dict, cells: dict, rows: int, cols: int, letter: str,
                shared: bool | str) -> None:
    """make_subplots' ``shared_xaxes``/``shared_yaxes``: each group's axes match its first
    (the bottom row's x axis, the left column's y axis); tick labels only on the first."""
    def group(members: list[tuple[int, int, bool]]) -> None:
        first = None
        for r, c, hide in members:
            name = cells[(r, c)][letter == "y"]
            if first is None:
                first = name
                continue
            axis = layout[f"{letter}axis{name[1:]}"]
            axis["matches"] = first
            if hide:
                axis["showticklabels"] = False

    bottom_up = range(rows, 0, -1)
    if shared == "columns" or (letter == "x" and shared is True):
        for c in range(1, cols + 1):
            group([(r, c, letter == "x") for r in bottom_up])
    elif shared == "rows" or (letter == "y" and shared is True):
        for r in bottom_up:
            group([(r, c, letter == "y") for c in range(1, cols + 1)])
    elif shared == "all":
        group([(r, c, c > 1 if letter == "y" else r < rows)
               for r in bottom_up for c in range(1, cols + 1)])


def _layout(fig: Chart, title: str, height: int, **extra: object) -> Chart:
    fig.template = TEMPLATE
    fig.update_layout(
        font=FONT, height=height,
        title=dict(text=title, x=0.0, xanchor="left", font=dict(size=16)),
        margin=dict(l=60, r=30, t=70, b=60),
        hoverlabel=dict(align="left"),
        **extra,
    )
    return fig


def _note(fig: Chart, text: str, y: float = -0.18) -> None:
    fig.add_annotation(text=text, xref="paper", yref="paper", x=0, y=y, xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font=dict(size=12, color="#555"))


def _empty(title: str, message: str, height: int = 220) -> Chart:
    fig = Chart()
    _layout(fig, title, height)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5,
                       showarrow=False, font=dict(size=14, color="#555"))
    return fig


def _lens_rows(profile: pd.DataFrame,
               columns: tuple[str, ...]) -> dict[str, dict[str, list]]:
    """Each lens's rows of a profile table, one per discipline in ``DISCIPLINES`` order:
    lens -> column -> values (NaN for a discipline without a row; a column the table
    lacks is left out). Plain lists: pandas' filter, ``set_index`` and ``reindex`` cost
    more than the rest of a chart."""
    where = {(lens, d): None for lens in LENSES for d in DISCIPLINES}
    for i, key in enumerate(zip(profile["lens"].tolist(), profile["discipline"].tolist(),
                                strict=True)):
        if key in where:
            if where[key] is not None:
                raise ValueError(f"the profile has more than one row of {key}")
            where[key] = i
    values = {col: profile[col].tolist() for col in columns if col in profile.columns}
    return {lens: {col: [float("nan") if where[(lens, d)] is None else vals[where[(lens, d)]]
                         for d in DISCIPLINES] for col, vals in values.items()}
            for lens in LENSES}


def _source(profile: pd.DataFrame) -> str | None:
    for lens, source in zip(profile["lens"].tolist(), profile["source"].tolist(),
                            strict=True):
        if lens == "experience":
            return str(source)
    return None



def profile_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                  title: str | None = None) -> Chart:
    """The three disciplines in both lenses: grouped bars with 95% CI whiskers.

    ``profile``: one company's rows of ``Scores.profile`` (one wave): discipline, lens,
    source, mean, n, ci_low, ci_high. Dashed line at par, dotted line at excellence
    (``instrument.thresholds``). ``title`` is untrusted text (e.g. the company name).
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    heading = _t("chart_profile_title", lang) + (f" · {_safe(title)}" if title else "")
    fig = Chart()
    source = _source(profile)
    table = _lens_rows(profile, ("mean", "ci_low", "ci_high", "n", "par_score", "par_basis"))
    for lens in LENSES:
        rows = table[lens]
        mean = np.array(rows["mean"], dtype=float)
        up = np.array(rows["ci_high"], dtype=float) - mean
        down = mean - np.array(rows["ci_low"], dtype=float)
        n = rows["n"]
        hover = [
            f"{x[i]}<br>{_lens_name(inst, lens, lang, source)}<br>"
            + (f"{mean[i]:.2f} ({_t('ci', lang)} {rows['ci_low'][i]:.2f}–"
               f"{rows['ci_high'][i]:.2f})<br>n = {int(_num(n[i]))}"
               if np.isfinite(mean[i]) else _t("no_data", lang))
            for i in range(len(DISCIPLINES))
        ]
        fig.add_trace(_trace("bar",
            # bars rise from the bottom of the scale, not from zero
            name=_lens_name(inst, lens, lang, source), x=x, y=mean - lo, base=lo,
            marker_color=LENS_COLORS[lens],
            error_y=dict(type="data", array=up, arrayminus=down, visible=True,
                         color="#333", thickness=1.5, width=6),
            text=[f"{m:.2f}" if np.isfinite(m) else "" for m in mean],
            textposition="inside", insidetextanchor="start",
            textfont=dict(color="white", size=12),
            hovertext=hover, hoverinfo="text", offsetgroup=lens,
        ))
    # the par check: each lens's threshold-value score, a dark tick over its bar
    for lens in LENSES:
        rows = table[lens]
        if "par_score" not in rows or "par_basis" not in rows:
            continue
        par = np.where([basis == "threshold" for basis in rows["par_basis"]],
                       np.array(rows["par_score"], dtype=float), np.nan)
        if not np.isfinite(par).any():
            continue
        fig.add_trace(_trace("scatter",
            x=x, y=par, mode="markers", offsetgroup=lens, name=_t("par_check", lang),
            legendgroup="par_check", showlegend=lens == "experience",
            marker=dict(symbol="line-ew", size=26, line=dict(width=3, color="#6B1010")),
            hovertext=[f"{x[i]}<br>{_lens_name(inst, lens, lang, source)}<br>"
                       f"{_t('par_check', lang)}: {par[i]:.2f}"
                       for i in range(len(DISCIPLINES))],
            hoverinfo="text", cliponaxis=False,
        ))
    for y, key, color, dash in ((th.par, "par_line", "#B22222", "dash"),
                                (th.excellence, "excellence_line", "#1B7F3B", "dot")):
        # the line's label sits in the right margin, clear of the bars
        fig.add_hline(y=y, line=dict(color=color, dash=dash, width=1.6))
        fig.add_annotation(text=_t(key, lang, value=y), xref="paper", x=1.005, xanchor="left",
                           y=y, yanchor="middle", showarrow=False, align="left",
                           font=dict(color=color, size=12))
    _layout(fig, heading, 440, barmode="group", bargap=0.3, bargroupgap=0.06,
            scattermode="group", scattergap=0.3,
            legend=dict(orientation="h", x=0, y=-0.12, xanchor="left", yanchor="top"))
    fig.update_yaxes(range=[lo, hi + 0.05], dtick=0.5,
                     title_text=_t("score_axis", lang, min=lo, max=hi))
    fig.update_layout(margin=dict(b=80, r=130))
    return fig


# -- 3. triangle --------------------------------------------------------------------------


def ternary_shares(scores: Mapping[str, float], scale_min: float) -> dict[str, float] | None:
    """Each discipline's share of a lens profile: ``(score - min) / sum(score - min)``.

    Scores are measured from the bottom of the answer scale, not from zero, so that the
    differences between disciplines show (from zero, 4.5 / 3.0 / 3.0 on a 1-5 scale would be
    0.43 / 0.29 / 0.29; from the scale minimum it is 0.47 / 0.27 / 0.27). A profile at the
    scale minimum everywhere sits in the centre. None when a score is missing.
    """
    vals = {d: _num(scores.get(d)) for d in DISCIPLINES}
    if not all(np.isfinite(v) for v in vals.values()):
        return None
    above = {d: max(v - scale_min, 0.0) for d, v in vals.items()}
    total = sum(above.values())
    if total <= 0:
        return dict.fromkeys(DISCIPLINES, 1 / 3)
    return {d: v / total for d, v in above.items()}


def ternary_zoom(shares: list[dict[str, float]]) -> float:
    """The common minimum of the three ternary axes that zooms in on the points.

    Real profiles sit near the centre (shares of 0.2 to 0.5), so the full triangle wastes
    most of its area. All three axes start at the same value ``m`` (a multiple of 0.05,
    at most 0.2, with a margin of 0.05 below the smallest share), which keeps the centre
    in the centre and the corners meaning "this discipline dominates".
    """
    lowest = min((min(sh.values()) for sh in shares), default=0.0)
    m = np.floor((lowest - 0.05) / 0.05) * 0.05
    return float(min(max(m, 0.0), 0.2))


def _ternary_layout(fig: Chart, inst: Instrument, lang: str, zoom: float = 0.0) -> None:
    axis = dict(min=zoom, linewidth=1.5, showticklabels=False, ticks="", dtick=0.1,
                gridcolor="#e2e2e2", showgrid=True)
    fig.update_layout(ternary=dict(
        sum=1, bgcolor="#fbfbfb",
        aaxis=dict(title=dict(text=_disc(inst, "operational_excellence", lang)), **axis),
        baxis=dict(title=dict(text=_disc(inst, "customer_intimacy", lang)), **axis),
        caxis=dict(title=dict(text=_disc(inst, "product_leadership", lang)), **axis),
    ))


def _xy(shares: dict[str, float]) -> tuple[float, float]:
    """Screen position of ternary shares (a = OE on top, b = CI left, c = PL right)."""
    a, c = shares["operational_excellence"], shares["product_leadership"]
    return 0.5 * a + c, a * np.sqrt(3) / 2


def _away(frm: dict[str, float], to: dict[str, float]) -> str:
    """A text position on the side of ``frm`` that faces away from ``to``."""
    (x0, y0), (x1, y1) = _xy(frm), _xy(to)
    dx, dy = x0 - x1, y0 - y1
    if abs(dy) >= abs(dx) * 0.6:
        return "top center" if dy > 0 else "bottom center"
    return "middle right" if dx > 0 else "middle left"


def _centre_trace(lang: str) -> dict:
    return _trace("scatterternary",
        a=[1 / 3], b=[1 / 3], c=[1 / 3], mode="markers", showlegend=False,
        marker=dict(symbol="x-thin", size=12, line=dict(width=2, color="#999")),
        hovertext=[_t("triangle_centre", lang)], hoverinfo="text", name="centre")


def _share_hover(inst: Instrument, lang: str, shares: dict[str, float],
                 scores: Mapping[str, float]) -> str:
    return "<br>".join(f"{_disc(inst, d, lang)}: {shares[d]:.0%} ({_num(scores[d]):.2f})"
                       for d in DISCIPLINES)


def triangle_chart(profile: pd.DataFrame, instrument: Instrument, lang: str = "en",
                   title: str | None = None) -> Chart:
    """A ternary chart: the company as set up and as experienced, an arrow between them.

    Each lens is placed by :func:`ternary_shares` (shares of score minus the scale minimum).
    The arrow runs from the set-up point to the experience point, so a company whose
    customers experience a different discipline than it is built for shows a long arrow
    towards another corner.
    """
    inst = instrument
    lo = inst.scale.min
    source = _source(profile)
    heading = _t("chart_triangle_title", lang) + (f" · {_safe(title)}" if title else "")
    fig = Chart()
    fig.add_trace(_centre_trace(lang))
    points: dict[str, dict[str, float]] = {}
    scores: dict[str, dict[str, float]] = {}
    table = _lens_rows(profile, ("mean",))
    for lens in ("setup", "experience"):
        scores[lens] = {d: _num(m) for d, m in zip(DISCIPLINES, table[lens]["mean"],
                                                   strict=True)}
        shares = ternary_shares(scores[lens], lo)
        if shares is not None:
            points[lens] = shares
    if not points:
        return _empty(heading, _t("no_data", lang))
    if len(points) == 2:
        s, e = points["setup"], points["experience"]
        fig.add_trace(_trace("scatterternary",
            a=[s["operational_excellence"], e["operational_excellence"]],
            b=[s["customer_intimacy"], e["customer_intimacy"]],
            c=[s["product_leadership"], e["product_leadership"]],
            mode="lines+markers", showlegend=False, hoverinfo="skip", name="arrow",
            line=dict(color="#333", width=2.5),
            marker=dict(symbol=["circle", "arrow"], size=[1, 16], angleref="previous",
                        color="#333", standoff=9),
        ))
    for lens, shares in points.items():
        other = points.get("experience" if lens == "setup" else "setup")
        position = _away(shares, other) if other else "top center"
        text = _t("point_experienced" if lens == "experience" else "point_setup", lang)
        fig.add_trace(_trace("scatterternary",
            a=[shares["operational_excellence"]], b=[shares["customer_intimacy"]],
            c=[shares["product_leadership"]], mode="markers+text",
            name=_lens_name(inst, lens, lang, source),
            marker=dict(size=16, color=LENS_COLORS[lens], line=dict(width=1.5, color="white"),
                        symbol="circle" if lens == "experience" else "square"),
            text=[text], textposition=position, cliponaxis=False,
            textfont=dict(color=LENS_COLORS[lens], size=14),
            hovertext=[f"{_lens_name(inst, lens, lang, source)}<br>"
                       + _share_hover(inst, lang, shares, scores[lens])],
            hoverinfo="text",
        ))
    _layout(fig, heading, 540, legend=dict(orientation="h", x=0, y=-0.04,
                                           xanchor="left", yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=100, b=60))
    _ternary_layout(fig, inst, lang, ternary_zoom(list(points.values())))
    return fig


# -- 4. experience versus set-up ----------------------------------------------------------


def gap_chart(lens_gaps: Mapping[str, float | None], blind_spots: Mapping[str, float] | None,
              instrument: Instrument, lang: str = "en", title: str | None = None) -> Chart:
    """Experience minus set-up per discipline, with the band of differences that do not count.

    ``lens_gaps`` and ``blind_spots`` as in :class:`~assessment.diagnosis.Diagnosis`
    (discipline -> value; blind spots = staff's estimate minus customers' answers, only
    where customers answered). The shaded band is +-``lens_gap``; when ``blind_spot_gap``
    differs, dotted lines mark it.
    """
    inst = instrument
    th = inst.thresholds
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    heading = _t("chart_gap_title", lang) + (f" · {_safe(title)}" if title else "")
    gaps = np.array([_num(lens_gaps.get(d)) for d in DISCIPLINES])
    fig = Chart()

    def reading(g: float, band: float, pos: str, neg: str, mid: str) -> str:
        if not np.isfinite(g):
            return _t("no_data", lang)
        if g >= band - 1e-9:
            return _t(pos, lang)
        if g <= -band + 1e-9:
            return _t(neg, lang)
        return _t(mid, lang)

    fig.add_trace(_trace("bar",
        name=_t("lens_gap", lang), x=x, y=gaps, marker_color=EXPERIENCE_COLOR,
        text=[f"{g:+.2f}" if np.isfinite(g) else "" for g in gaps], textposition="outside",
        hovertext=[f"{x[i]}<br>{_t('lens_gap', lang)}: "
                   + (f"{gaps[i]:+.2f}" if np.isfinite(gaps[i]) else "–") + "<br>"
                   + reading(gaps[i], th.lens_gap, "reading_unbacked", "reading_unnoticed",
                             "reading_aligned")
                   for i in range(len(x))],
        hoverinfo="text",
    ))
    values = list(gaps[np.isfinite(gaps)])
    if blind_spots:
        blind = np.array([_num(blind_spots.get(d)) for d in DISCIPLINES])
        values += list(blind[np.isfinite(blind)])
        fig.add_trace(_trace("bar",
            name=_t("blind_spot", lang), x=x, y=blind, marker_color=BLIND_COLOR,
            text=[f"{g:+.2f}" if np.isfinite(g) else "" for g in blind],
            textposition="outside",
            hovertext=[f"{x[i]}<br>{_t('blind_spot', lang)}: "
                       + (f"{blind[i]:+.2f}" if np.isfinite(blind[i]) else "–")
                       + "<br>" + reading(blind[i], th.blind_spot_gap, "reading_overestimate",
                                          "reading_underestimate", "reading_close")
                       for i in range(len(x))],
            hoverinfo="text",
        ))
        if abs(th.blind_spot_gap - th.lens_gap) > 1e-9:
            for sign in (1, -1):
                fig.add_hline(y=sign * th.blind_spot_gap,
                              line=dict(color=BLIND_COLOR, dash="dot", width=1))
    if not values:
        return _empty(heading, _t("no_data", lang))
    fig.add_hrect(y0=-th.lens_gap, y1=th.lens_gap, fillcolor=GAP_BAND_COLOR, line_width=0,
                  layer="below")
    fig.add_hline(y=0, line=dict(color="#666", width=1))
    fig.add_annotation(text=_t("band_label", lang, value=th.lens_gap), xref="paper",
                       x=1, xanchor="right", y=th.lens_gap, yanchor="bottom",
                       showarrow=False, font=dict(size=11, color="#666"))
    reach = max([th.lens_gap, th.blind_spot_gap] + [abs(v) for v in values]) + 0.35
    _layout(fig, heading, 420, barmode="group", bargap=0.35,
            legend=dict(orientation="h", x=0, y=-0.12, xanchor="left", yanchor="top"))
    fig.update_yaxes(range=[-reach, reach], title_text=_t("gap_axis", lang), zeroline=False)
    fig.update_layout(margin=dict(b=80))
    return fig


# -- 5. departments -----------------------------------------------------------------------


def _department_table(departments: pd.DataFrame) -> tuple[list, np.ndarray, list[float]]:
    """The departments (last name first), their mean per discipline (rows; NaN where a
    department has none) and their largest n: ``departments.pivot_table(index="department",
    columns="discipline", values="mean")`` sorted from the last name, and the ``n`` column's
    maximum per department, in plain Python (pandas' pivot costs more than the chart).

    As the pivot: rows without a department are left out, and so is a department without
    any mean."""
    means: dict = {}
    size: dict = {}
    for dept, disc, mean, n in zip(departments["department"].tolist(),
                                   departments["discipline"].tolist(),
                                   departments["mean"].tolist(),
                                   departments["n"].tolist(), strict=True):
        if pd.isna(dept):
            continue
        n = _num(n)
        if n == n:
            size[dept] = max(size.get(dept, n), n)
        mean = _num(mean)
        if not pd.isna(disc) and mean == mean:
            means.setdefault(dept, {}).setdefault(disc, []).append(mean)
    names = sorted(means, reverse=True)
    z = np.array([[sum(v) / len(v) if (v := means[dept].get(d)) else np.nan
                   for d in DISCIPLINES] for dept in names], dtype=float)
    return names, z.reshape(-1, len(DISCIPLINES)), [size.get(dept, np.nan) for dept in names]


def department_heatmap(departments: pd.DataFrame, hidden: pd.DataFrame | None,
                       instrument: Instrument, lang: str = "en",
                       title: str | None = None) -> Chart:
    """Each shown department's set-up profile (rows) per discipline (columns).

    ``departments``: one company's (one wave's) rows of ``Scores.departments`` (only groups
    of at least the minimum size); ``hidden``: its rows of ``Scores.hidden_departments``,
    counted in a note under the chart, never shown. Department names are untrusted.
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = _t("chart_departments_title", lang) + (f" · {_safe(title)}" if title else "")
    n_hidden = 0 if hidden is None else len(hidden)
    n_hidden_resp = 0 if hidden is None or hidden.empty else int(hidden["n"].sum())
    note = (_t("departments_hidden_note", lang, n=n_hidden, min=th.min_group_size,
               respondents=n_hidden_resp) if n_hidden else "")
    if departments is None or departments.empty:
        msg = _t("departments_none", lang, min=th.min_group_size)
        fig = _empty(heading, msg + (f"<br>{note}" if note else ""))
        return fig
    names, z, size = _department_table(departments)
    y = [_safe(d) for d in names]
    x = [_disc(inst, d, lang) for d in DISCIPLINES]
    hover = [[f"{y[i]} (n = {int(size[i])})<br>{x[j]}: "
              + (f"{z[i, j]:.2f}" if np.isfinite(z[i, j]) else "–")
              for j in range(len(x))] for i in range(len(y))]
    mid = (th.par - lo) / (hi - lo)
    exc = (th.excellence - lo) / (hi - lo)
    colorscale = [[0.0, "#B2182B"], [mid, "#F7F7F7"], [exc, "#92C5DE"], [1.0, "#2166AC"]]
    fig = Chart().add_trace(_trace("heatmap",
        z=z, x=x, y=y, zmin=lo, zmax=hi, colorscale=colorscale,
        text=[[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in z],
        texttemplate="%{text}", textfont=dict(size=13), hovertext=hover, hoverinfo="text",
        xgap=3, ygap=3,
        colorbar=dict(title=dict(text=_t("score_short", lang)), thickness=14, len=0.9),
    ))
    height = 170 + 46 * len(y)
    _layout(fig, heading, max(height, 280))
    fig.update_xaxes(side="top", showgrid=False)
    fig.update_yaxes(showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=110, b=50 if note else 30))
    if note:
        _note(fig, note, y=-0.02)
    return fig


# -- customers as co-producers ------------------------------------------------------------


ROLE_NEEDED_COLOR = "#009E73"  # Okabe-Ito bluish green
ROLE_OTHER_COLOR = OTHERS_COLOR
ROLE_PAR_COLOR = "#B22222"
ROLE_GROUP_SHADE = "rgba(120, 120, 120, 0.07)"
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
    next to every bubble."""
    return scale_max / ROLE_MAX_PX


def _wrap(text: str, width: int = 60) -> str:
    """Plain text broken into lines of about ``width`` characters (joined with <br>)."""
    import textwrap

    return "<br>".join(textwrap.wrap(text, width)) if text else ""


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
    bubble smaller than its ring is below par. Roles the ``claimed`` discipline needs (the fit
    model, ``integration.fit``) are green, the others grey. ``participation``: the
    participation block's scores (active, passive), shown under the x-axis labels.
    Role labels and descriptions come from the integration instrument (escaped all the
    same); ``title`` is untrusted text (e.g. the company name).
    """
    inst = instrument
    th = inst.thresholds
    heading = _t("chart_role_map_title", lang) + (f" · {_safe(title)}" if title else "")
    if roles is None or roles.empty:
        return _empty(heading, _t("no_data", lang))
    # the service roles first (a stable sort, unknown contexts last), as plain dicts: pandas'
    # row access costs more than the chart
    ctx_rank = {c: i for i, c in enumerate(ROLE_CONTEXTS)}
    rows = sorted(roles.to_dict("records"),
                  key=lambda row: ctx_rank.get(row["context"], len(ROLE_CONTEXTS)))
    role_ids = [row["role"] for row in rows]
    names = [_safe(integration.scale_label("roles", r, lang)) for r in role_ids]
    part_names = {p: _safe(integration.scale_label("participation", p, lang))
                  for p in ROLE_PARTICIPATION}
    x = [part_names[row["participation"]] for row in rows]
    score = np.array([row["score"] for row in rows], dtype=float)
    needed = set(integration.fit[claimed].needs) if claimed else set()
    sizeref = role_bubble_sizeref(inst.scale.max)

    def group(key: str) -> str:
        return _t("answered_by_" + key, lang)

    def hover(i: int) -> str:
        r = rows[i]
        role = integration.roles[r["role"]]
        lines = [f"<b>{names[i]}</b>",
                 f"{_t('context_' + r['context'], lang)} · {part_names[r['participation']]}"]
        if np.isfinite(score[i]):
            lines.append(f"{_t('score_short', lang)}: {score[i]:.2f} (n = {int(_num(r['n']))})")
        else:
            lines.append(_t("no_data", lang))
        split = [f"{group(k)}: {_num(r.get(k)):.2f}" for k in ("customer", "internal")
                 if np.isfinite(_num(r.get(k)))]
        if split:
            lines.append(" · ".join(split))
        if r["role"] in needed:
            lines.append(_t("role_needed", lang, discipline=inst.discipline_label(claimed, lang)))
        lines.append(f"<i>{_wrap(_safe(role.description.get(lang)))}</i>")
        return "<br>".join(lines)

    fig = Chart()
    # the context groups: a shaded band behind the innovation roles, a label at each group
    for ctx in ROLE_CONTEXTS:
        idx = [i for i, row in enumerate(rows) if row["context"] == ctx]
        if not idx:
            continue
        if ctx != ROLE_CONTEXTS[0]:
            fig.add_hrect(y0=min(idx) - 0.5, y1=max(idx) + 0.5, fillcolor=ROLE_GROUP_SHADE,
                          line_width=0, layer="below")
        fig.add_annotation(text=f"<b>{_t('context_' + ctx, lang)}</b>", xref="paper",
                           x=1.0, xanchor="right", y=min(idx) - 0.45, yanchor="top",
                           showarrow=False, font=dict(size=12, color="#666"))
    groups = ([(_t("role_needed", lang, discipline=inst.discipline_label(claimed, lang)),
                ROLE_NEEDED_COLOR, [r in needed for r in role_ids]),
               (_t("role_other", lang), ROLE_OTHER_COLOR, [r not in needed for r in role_ids])]
              if claimed else [(_t("role_all", lang), EXPERIENCE_COLOR, [True] * len(rows))])
    for name, color, mask in groups:
        idx = [i for i, m in enumerate(mask) if m and np.isfinite(score[i])]
        if not idx:
            continue
        fig.add_trace(_trace("scatter",
            x=[x[i] for i in idx], y=[names[i] for i in idx], mode="markers+text", name=name,
            marker=dict(size=[float(score[i]) for i in idx], sizemode="diameter",
                        sizeref=sizeref,
                        sizemin=3, color=color, opacity=0.85,
                        line=dict(width=1, color="white")),
            # an en space keeps the number clear of the par ring around a small bubble
            text=[f"\u2002{score[i]:.2f}" for i in idx], textposition="middle right",
            textfont=dict(size=12, color="#333"), cliponaxis=False,
            hovertext=[hover(i) for i in idx], hoverinfo="text",
        ))
    missing = [i for i in range(len(rows)) if not np.isfinite(score[i])]
    if missing:
        fig.add_trace(_trace("scatter",
            x=[x[i] for i in missing], y=[names[i] for i in missing], mode="markers+text",
            name=_t("no_data", lang), text=["–"] * len(missing), textposition="middle right",
            marker=dict(symbol="x-thin", size=10, line=dict(width=1.5, color="#999")),
            hovertext=[hover(i) for i in missing], hoverinfo="text"))
    # par as a ring of the same scale around every role: a bubble inside it is below par
    fig.add_trace(_trace("scatter",
        x=x, y=names, mode="markers", name=_t("par_ring", lang, value=th.par),
        marker=dict(symbol="circle-open", size=[th.par] * len(rows), sizemode="diameter",
                    sizeref=sizeref, color=ROLE_PAR_COLOR, line=dict(width=1.5)),
        hoverinfo="skip",
    ))
    part = participation or {}
    ticks = [part_names[p] + (f"<br><span style='font-size:11px;color:#555'>"
                              f"{_t('participation_score', lang, value=part[p])}</span>"
                              if part.get(p) is not None and np.isfinite(_num(part.get(p)))
                              else "")
             for p in ROLE_PARTICIPATION]
    _layout(fig, heading, 200 + ROLE_ROW_PX * len(rows), width=ROLE_MAP_WIDTH,
            legend=dict(orientation="h", x=0, y=-0.03, xanchor="left", yanchor="top",
                        itemsizing="constant"))
    fig.update_xaxes(type="category", categoryorder="array",
                     categoryarray=[part_names[p] for p in ROLE_PARTICIPATION],
                     tickvals=[part_names[p] for p in ROLE_PARTICIPATION], ticktext=ticks,
                     range=[-0.5, len(ROLE_PARTICIPATION) - 0.5], side="top", showgrid=True,
                     gridcolor="#e6e6e6")
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=names,
                     range=[len(names) - 0.5, -0.5], showgrid=False, automargin=True)
    fig.update_layout(margin=dict(t=120, b=70, r=40))
    return fig


# -- portfolio: all companies, and section 8 ----------------------------------------------


LABEL_SPOTS = {"top center": (0.0, 0.035), "bottom center": (0.0, -0.035),
               "middle right": (0.09, 0.0), "middle left": (-0.09, 0.0)}


def _label_positions(points: list[tuple[float, float]],
                     avoid: list[tuple[float, float]] = ()) -> list[str]:
    """Greedy text positions for labelled points: each label goes to the side (above,
    below, right, left) whose label centre is farthest from every point and every label
    placed before it (screen coordinates of :func:`_xy`, a unit-wide triangle)."""
    placed: list[tuple[float, float]] = []
    others = list(points) + list(avoid)
    out = []
    for x, y in points:
        best, best_d = "top center", -1.0
        for name, (dx, dy) in LABEL_SPOTS.items():
            cx, cy = x + dx, y + dy
            near = [(px, py) for px, py in others if (px, py) != (x, y)] + placed
            # labels are wide: horizontal distance counts for less than vertical
            d = min((((cx - px) / 2.5) ** 2 + (cy - py) ** 2 for px, py in near),
                    default=1.0)
            if d > best_d + 1e-12:
                best, best_d = name, d
        dx, dy = LABEL_SPOTS[best]
        placed.append((x + dx, y + dy))
        out.append(best)
    return out


def portfolio_triangle(diagnoses: Mapping[str, Diagnosis], instrument: Instrument,
                       lang: str = "en", title: str | None = None) -> Chart:
    """All companies in the discipline triangle, as set up (squares) and as experienced
    (circles), each joined by an arrow from set-up to experience.

    Uses ``LensResult.scores`` of each diagnosis; a company missing a lens is shown with
    the lens it has. Company names are untrusted (escaped). Names are written next to the
    experience points for portfolios of up to 12 companies; hover shows them always.
    """
    inst = instrument
    lo = inst.scale.min
    heading = _safe(title) if title else _t("chart_portfolio_title", lang)
    pts: dict[str, list] = {lens: [] for lens in LENSES}
    arrows: dict[str, list] = {"a": [], "b": [], "c": [], "symbol": [], "size": []}
    for diag in diagnoses.values():
        name = _safe(diag.name)
        shares = {}
        for lens in LENSES:
            res = diag.lenses.get(lens)
            if res is None:
                continue
            sh = ternary_shares(res.scores, lo)
            if sh is None:
                continue
            shares[lens] = sh
            pts[lens].append((name, sh, res.scores))
        if len(shares) == 2:
            for key, disc in TERNARY_KEYS.items():
                arrows[disc] += [shares["setup"][key], shares["experience"][key], None]
            arrows["symbol"] += ["circle", "arrow", "circle"]
            arrows["size"] += [1, 11, 1]
    if not pts["experience"] and not pts["setup"]:
        return _empty(heading, _t("no_data", lang))
    fig = Chart()
    fig.add_trace(_centre_trace(lang))
    if arrows["a"]:
        fig.add_trace(_trace("scatterternary",
            a=arrows["a"], b=arrows["b"], c=arrows["c"], mode="lines+markers",
            connectgaps=False, showlegend=False, hoverinfo="skip", name="arrows",
            line=dict(color="rgba(60,60,60,0.55)", width=1.5),
            marker=dict(symbol=arrows["symbol"], size=arrows["size"], angleref="previous",
                        color="rgba(60,60,60,0.8)", standoff=6)))
    label_names = len(diagnoses) <= 12
    positions = _label_positions([_xy(r[1]) for r in pts["experience"]],
                                 [_xy(r[1]) for r in pts["setup"]])
    for lens in ("setup", "experience"):
        rows = pts[lens]
        if not rows:
            continue
        fig.add_trace(_trace("scatterternary",
            a=[r[1]["operational_excellence"] for r in rows],
            b=[r[1]["customer_intimacy"] for r in rows],
            c=[r[1]["product_leadership"] for r in rows],
            mode="markers+text" if (label_names and lens == "experience") else "markers",
            name=_t("point_experienced" if lens == "experience" else "point_setup", lang),
            text=[r[0] for r in rows], cliponaxis=False,
            textposition=positions if lens == "experience" else "top center",
            textfont=dict(size=11, color="#333"),
            marker=dict(size=12, color=LENS_COLORS[lens], line=dict(width=1, color="white"),
                        symbol="circle" if lens == "experience" else "square"),
            hovertext=[f"<b>{r[0]}</b><br>{_lens_name(inst, lens, lang)}<br>"
                       + _share_hover(inst, lang, r[1], r[2]) for r in rows],
            hoverinfo="text",
        ))
    _layout(fig, heading, 600, legend=dict(orientation="h", x=0, y=-0.06,
                                           xanchor="left", yanchor="top"))
    fig.update_layout(margin=dict(l=70, r=70, t=90, b=70))
    _ternary_layout(fig, inst, lang,
                    ternary_zoom([r[1] for lens in LENSES for r in pts[lens]]))
    return fig


def comparison_chart(table: pd.DataFrame, company_id: str, instrument: Instrument,
                     lang: str = "en", title: str | None = None) -> Chart:
    """The company's lens scores beside the other companies (section 8).

    ``table``: tidy rows company_id, name, lens, discipline, mean (the company and its
    comparison group, e.g. ``Report.comparison_data()``). One panel per lens; grey dots
    are the other companies (hover: name), the short line their mean, the diamond the
    company itself.
    """
    inst = instrument
    th = inst.thresholds
    lo, hi = inst.scale.min, inst.scale.max
    heading = _t("chart_comparison_title", lang) + (f" · {_safe(title)}" if title else "")
    if table is None or table.empty:
        return _empty(heading, _t("no_data", lang))
    fig = Chart.subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
                         subplot_titles=[_lens_name(inst, lens, lang) for lens in LENSES])
    others_ids = sorted(set(table["company_id"]) - {company_id})
    offset = {cid: (i - (len(others_ids) - 1) / 2) * (0.36 / max(len(others_ids), 1))
              for i, cid in enumerate(others_ids)}
    # plain rows (company_id, name, lens, discipline, mean) rather than pandas' filters,
    # which cost more than the chart; the others' means are pandas' all the same
    rows = list(zip(*(table[c].tolist() for c in ("company_id", "name", "lens", "discipline",
                                                   "mean")), strict=True))
    peers = table[table["company_id"] != company_id]
    peer_mean = peers.groupby(["lens", "discipline"])["mean"].mean().to_dict()
    pos = {d: i for i, d in enumerate(DISCIPLINES)}
    for col, lens in enumerate(LENSES, start=1):
        others = [row for row in rows if row[2] == lens and row[0] != company_id]
        own = [row for row in rows if row[2] == lens and row[0] == company_id]
        if others:
            xs = [pos[d] + offset[c] for c, _, _, d, _ in others]
            fig.add_trace(_trace("scatter",
                x=xs, y=[m for *_, m in others], mode="markers", name=_t("others", lang),
                legendgroup="others", showlegend=col == 1,
                marker=dict(size=9, color=OTHERS_COLOR, line=dict(width=1, color="white")),
                hovertext=[f"{_safe(n)}<br>{_disc(inst, d, lang)}: {m:.2f}"
                           for _, n, _, d, m in others],
                hoverinfo="text"), row=1, col=col)
            avg = np.array([peer_mean.get((lens, d), np.nan) for d in DISCIPLINES],
                           dtype=float)
            fig.add_trace(_trace("scatter",
                x=list(range(3)), y=avg, mode="markers", name=_t("others_mean", lang),
                legendgroup="mean", showlegend=col == 1,
                marker=dict(symbol="line-ew", size=44, line=dict(width=3, color="#555")),
                hovertext=[f"{_t('others_mean', lang)}<br>{_disc(inst, d, lang)}: {v:.2f}"
                           for d, v in zip(DISCIPLINES, avg, strict=True)],
                hoverinfo="text"), row=1, col=col)
        own_mean = {d: m for _, _, _, d, m in own}
        if len(own_mean) < len(own):
            raise ValueError(f"the comparison table has more than one row of {company_id} "
                             f"per discipline in {lens}")
        own_vals = np.array([_num(own_mean.get(d)) for d in DISCIPLINES], dtype=float)
        own_name = _safe(own[0][1]) if own else _safe(company_id)
        fig.add_trace(_trace("scatter",
            x=list(range(3)), y=own_vals, mode="markers", name=own_name,
            legendgroup="self", showlegend=col == 1,
            marker=dict(symbol="diamond", size=15, color=LENS_COLORS[lens],
                        line=dict(width=1.5, color="#222")),
            hovertext=[f"{own_name}<br>{_disc(inst, d, lang)}: "
                       + (f"{v:.2f}" if np.isfinite(v) else "–")
                       for d, v in zip(DISCIPLINES, own_vals, strict=True)],
            hoverinfo="text"), row=1, col=col)
        fig.update_xaxes(tickvals=list(range(3)),
                         ticktext=[_short(inst, d) for d in DISCIPLINES],
                         range=[-0.5, 2.5], row=1, col=col)
    for y, key, color, dash in ((th.par, "par_line", "#B22222", "dash"),
                                (th.excellence, "excellence_line", "#1B7F3B", "dot")):
        fig.add_hline(y=y, line=dict(color=color, dash=dash, width=1.2))
        fig.add_annotation(text=_t(key, lang, value=y), xref="paper", x=1.005, xanchor="left",
                           y=y, yref="y", yanchor="middle", showarrow=False, align="left",
                           font=dict(color=color, size=12))
    _layout(fig, heading, 430, legend=dict(orientation="h", x=0, y=-0.14, xanchor="left",
                                           yanchor="top"))
    fig.update_yaxes(range=[lo, hi + 0.05], dtick=0.5)
    fig.update_yaxes(title_text=_t("score_axis", lang, min=lo, max=hi), row=1, col=1)
    fig.update_layout(margin=dict(b=90, r=130))
    legend_note = " · ".join(f"{_short(inst, d)} = {_disc(inst, d, lang)}" for d in DISCIPLINES)
    _note(fig, legend_note, y=-0.27)
    return fig

# -- display ------------------------------------------------------------------------------


def figure_html(fig: Chart | go.Figure, include_plotlyjs: bool | str = False) -> str:
    """A div and a ``Plotly.newPlot`` script for the figure (no plotly.js by default): a
    :class:`Chart` writes it without plotly, a ``go.Figure`` through plotly."""
    if isinstance(fig, Chart):
        return fig.to_html(include_plotlyjs=include_plotlyjs)
    return fig.to_html(full_html=False, include_plotlyjs=include_plotlyjs,
                       config=PLOTLY_CONFIG)


def plotly_json_wanted() -> bool:
    """Whether :func:`show` adds the plotly JSON bundle (not with
    ``ASSESSMENT_PLOTLY_JSON=0`` in the environment, as in the batch's kernels)."""
    return os.environ.get(PLOTLY_JSON_ENV, "1").strip() != "0"


def _bundle(fig: Chart | go.Figure) -> dict[str, object]:
    bundle: dict[str, object] = {"text/html": figure_html(fig)}
    if plotly_json_wanted():
        bundle[PLOTLY_MIME] = (fig.to_dict() if isinstance(fig, Chart)
                               else json.loads(fig.to_json()))
    return bundle


def show(fig: Chart | go.Figure | None) -> None:
    """Display a figure (a :class:`Chart` or a ``go.Figure``) in a notebook without
    ``fig.show()`` (nothing for None), which imports nbformat and jsonschema and picks a
    renderer nbconvert cannot show.

    The output carries ``text/html`` from :func:`figure_html` (what nbconvert's HTML export
    keeps) and the plotly JSON mime bundle, which JupyterLab renders live even in an
    untrusted notebook. With ``ASSESSMENT_PLOTLY_JSON=0`` in the environment (the batch's
    kernels) the JSON bundle is left out: it doubles the notebook's size and its cost in
    the kernel, the notebook client and the export, and the HTML is the same without it.
    """
    from IPython.display import display

    if fig is None:
        return
    display(_bundle(fig), raw=True)


# -- plotly.js for pages --------------------------------------------------------------------

#: the file name of the plotly.js copy shared by the pages of one output folder
PLOTLY_JS = "plotly.min.js"


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly (``plotly.offline.get_plotlyjs``)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@lru_cache(maxsize=2)
def plotly_head(self_contained: bool) -> str:
    """The ``<script>`` that provides the global ``Plotly`` to a page: a reference to the
    shared copy next to the page, or plotly.js itself inlined (single-file reports).

    >>> plotly_head(False)
    '<script charset="utf-8" src="plotly.min.js"></script>'
    """
    if not self_contained:  # attributes in the order nbconvert's HTML pass writes them
        return f'<script charset="utf-8" src="{PLOTLY_JS}"></script>'
    code = plotly_js().replace("</script", "<\\/script")
    return f'<script type="text/javascript">{code}</script>'
