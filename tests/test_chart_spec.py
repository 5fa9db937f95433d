"""The charts are plotly figures: built as plain dicts, written by plotly's public API.

:class:`assessment.present.figures.Chart` holds plotly.js's figure JSON as plain dicts.
These tests check what plotly makes of it: plotly validates every chart's JSON and gives it
back unchanged, the template is ``plotly.io.templates``', the subplot layouts are
``make_subplots``', the HTML shows the same figure as ``plotly.io.to_html`` of the
validated figure, and building a chart imports no plotly (writing one does).
"""

from __future__ import annotations

import base64
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

import assessment as va
from assessment.instrument.integration import load_integration
from assessment.present import figures as charts
from assessment.present.report.core import report_for

from .conftest import ROOT, SAMPLE
from .test_charts import (
    HOSTILE,
    HOSTILE_SCRIPT,
    ROLE_SCORES,
    _hostile_figures,
    dept_frame,
    profile_frame,
    roles_frame,
)

OE, CI, PL = va.DISCIPLINES
FIGURES = ("profile_figure", "triangle_figure", "gap_figure", "department_figure",
           "integration_figure", "comparison_figure")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def comparison_rows(ids=("me", "a", "b")) -> pd.DataFrame:
    return pd.DataFrame([{"company_id": cid, "name": f"Name {cid}", "wave": "", "lens": lens,
                          "discipline": d, "mean": 3.0 + 0.5 * k + 0.1 * j}
                         for k, cid in enumerate(ids) for lens in va.LENSES
                         for j, d in enumerate(va.DISCIPLINES)])


@pytest.fixture(scope="module")
def all_charts(instrument, sample_dataset, sample_scores, sample_diagnoses):
    """(what, chart) for every public chart function on many inputs: every figure of every
    sample company's report (and some in German and Dutch), the portfolio triangle, the
    inputs of tests/test_charts.py, empty and hostile inputs."""
    out = []
    for cid in sample_dataset.companies["company_id"]:
        for lang in ("en", "de", "nl") if cid in ("shoes", "privatebank") else ("en",):
            rep = report_for(sample_dataset, cid, lang, scores=sample_scores)
            for method in FIGURES:
                fig = getattr(rep, method)()
                if fig is not None:
                    out.append((f"{cid} {lang} {method}", fig))
    for lang in va.LANGS:
        out.append((f"portfolio {lang}",
                    charts.portfolio_triangle(sample_diagnoses, instrument, lang)))
        out.append((f"portfolio heatmap {lang}",
                    charts.portfolio_heatmap(sample_diagnoses, instrument, lang)))
    out.append(("portfolio heatmap empty", charts.portfolio_heatmap({}, instrument)))
    inst = instrument.with_thresholds({"par": 2.5, "excellence": 4.2, "blind_spot_gap": 0.5})
    par = profile_frame()
    par["par_score"] = [2.6, 3.4, 3.1, 3.6, 3.2, 2.9]
    par.loc[5, "par_basis"] = "discipline"
    nan3 = (float("nan"),) * 3
    hidden = pd.DataFrame({"wave": [""], "company_id": ["x"], "department": ["Secret"],
                           "n": [2]})
    integ = load_integration()
    some = {k: v for k, v in ROLE_SCORES.items() if k != "co_developer"}
    out += [
        ("profile", charts.profile_chart(profile_frame(), instrument, "en", title="Acme")),
        ("profile par", charts.profile_chart(par, inst, "de")),
        ("profile inside-out", charts.profile_chart(profile_frame(source="inside_out"),
                                                    instrument, "nl")),
        ("profile one lens", charts.profile_chart(profile_frame(setup=nan3), instrument)),
        ("triangle", charts.triangle_chart(profile_frame(), instrument, "en", title="Acme")),
        ("triangle one lens", charts.triangle_chart(profile_frame(setup=nan3), instrument)),
        ("triangle empty", charts.triangle_chart(profile_frame(exp=nan3, setup=nan3),
                                                 instrument)),
        ("gap", charts.gap_chart({OE: -1.0, CI: 1.2, PL: 0.1}, None, instrument)),
        ("gap blind", charts.gap_chart({OE: 0.2, CI: 0.3, PL: None},
                                       {OE: 0.9, CI: -0.1, PL: 0.0}, inst, "nl")),
        ("gap empty", charts.gap_chart({}, None, instrument)),
        ("departments", charts.department_heatmap(dept_frame(), hidden, instrument)),
        ("departments empty", charts.department_heatmap(dept_frame().iloc[0:0], hidden,
                                                        instrument, "de")),
        ("roles", charts.role_map(roles_frame(ROLE_SCORES, PL), integ, instrument, claimed=PL,
                                  participation={"active": 4.03, "passive": None})),
        ("roles unclaimed", charts.role_map(roles_frame(some), integ, instrument, "de")),
        ("roles empty", charts.role_map(roles_frame({}).iloc[0:0], integ, instrument, "nl")),
        ("comparison", charts.comparison_chart(comparison_rows(), "me", instrument)),
        ("comparison alone", charts.comparison_chart(comparison_rows(("me",)), "me",
                                                     instrument)),
        ("comparison empty", charts.comparison_chart(comparison_rows().iloc[0:0], "me",
                                                     instrument)),
    ]
    out += [(f"hostile {i}", fig)
            for i, fig in enumerate(_hostile_figures(instrument, sample_diagnoses))]
    return out


def test_every_public_chart_function_is_covered_and_returns_a_chart(all_charts):
    public = {name for name in dir(charts) if name.endswith(("_chart", "_heatmap", "_map",
                                                              "_triangle"))
              and not name.startswith("_")}
    assert public == {"profile_chart", "triangle_chart", "gap_chart", "department_heatmap",
                      "role_map", "portfolio_triangle", "portfolio_heatmap",
                      "comparison_chart"}
    assert len(all_charts) > 80
    assert all(isinstance(fig, charts.Chart) for _, fig in all_charts)
    assert all(fig.template == charts.TEMPLATE for _, fig in all_charts)


# -- (a) plotly builds the same figure from every chart's JSON ----------------------------


def _plain_types(value: object, path: str = "") -> None:
    """Only JSON's own types: dict (str keys), list, str, int, finite float, bool, None."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            assert type(key) is str, path
            _plain_types(item, f"{path}.{key}")
    elif kind is list:
        for i, item in enumerate(value):
            _plain_types(item, f"{path}[{i}]")
    elif kind is float:
        assert math.isfinite(value), path
    else:
        assert kind in (str, int, bool, type(None)), (path, kind)


def test_plotly_validates_every_chart_and_builds_the_same_json(all_charts):
    for what, chart in all_charts:
        ours = chart.to_dict()
        _plain_types(ours, what)
        theirs = go.Figure(ours).to_dict()  # validates every trace and layout property
        assert theirs == ours, what
        assert json.loads(chart.to_json()) == ours, what


def test_to_dict_is_plain_json_and_a_copy_of_its_own():
    chart = charts.Chart(template=charts.TEMPLATE)
    chart.add_trace(charts.trace(
        "scatter", x=np.arange(3), y=pd.Series([1.5, np.nan, np.inf]),
        text=np.array(["a", "b", "c"]), customdata=(1, -np.inf, None),
        marker=dict(color="#123456", size=np.float64(9.0), line=dict(width=np.int64(2))),
        error_y=dict(array=np.array([0.1, 0.2, 0.3]), color="#333")))
    chart.update_layout(height=np.int64(300), title=dict(text="t"), showlegend=np.bool_(False))
    data = chart.to_dict()
    _plain_types(data)
    trace = data["data"][0]
    assert trace["x"] == [0, 1, 2] and trace["y"] == [1.5, None, None]
    assert trace["customdata"] == [1, None, None]  # None for NaN and infinity, as plotly
    assert trace["marker"] == {"color": "#123456", "line": {"width": 2}, "size": 9.0}
    assert trace["error_y"] == {"array": [0.1, 0.2, 0.3], "color": "#333"}
    assert trace["type"] == "scatter"
    assert data["layout"]["title"] == {"text": "t"} and data["layout"]["showlegend"] is False
    assert go.Figure(data).to_dict() == data
    # every figure gets a template of its own
    data["layout"]["template"]["layout"]["font"]["size"] = 30
    assert chart.to_dict()["layout"]["template"]["layout"]["font"].get("size") != 30
    with pytest.raises(TypeError):
        charts.Chart(data=[{"type": "scatter", "x": object()}]).to_dict()


def test_the_chart_never_shares_a_callers_dict():
    font = {"size": 13}
    chart = charts.Chart().update_layout(font=font).add_annotation(text="a", font=font)
    chart.update_layout(font=dict(color="red"))
    chart.layout["annotations"][0]["font"]["size"] = 20
    assert font == {"size": 13}


# -- (b) the template --------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(pio.templates))
def test_the_template_is_plotlys(name):
    ours = charts.template_json(name)
    assert ours == pio.templates[name].to_plotly_json()
    theirs = go.Figure(layout=dict(template=name)).to_dict()["layout"]["template"]
    assert ours == theirs


def test_the_template_is_a_copy_of_the_callers_own():
    first = charts.template_json(charts.TEMPLATE)
    first["layout"]["font"] = {"size": 99}
    assert charts.template_json(charts.TEMPLATE)["layout"]["font"] != {"size": 99}
    chart = charts.Chart(template=charts.TEMPLATE)
    assert chart.to_dict()["layout"]["template"] == pio.templates[charts.TEMPLATE].to_plotly_json()


# -- (c) subplot layouts -----------------------------------------------------------------


SUBPLOTS = [
    dict(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
         subplot_titles=["Customer experience", "Set-up"]),
    dict(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
         subplot_titles=[HOSTILE, "&lt;b&gt;"]),
    dict(rows=1, cols=1),
    dict(rows=1, cols=3),
    dict(rows=3, cols=1, shared_xaxes=True),
    dict(rows=2, cols=2, shared_xaxes=True, vertical_spacing=0.1, subplot_titles=["a", "b", "c"]),
    dict(rows=2, cols=3, shared_xaxes="all", shared_yaxes="all",
         subplot_titles=["a", None, "", "d"]),
    dict(rows=2, cols=2, shared_xaxes="rows", shared_yaxes="columns"),
    dict(rows=3, cols=2, column_widths=[0.7, 0.3], row_heights=[1, 2, 3],
         horizontal_spacing=0.1, vertical_spacing=0.05),
]


@pytest.mark.parametrize("kwargs", SUBPLOTS)
def test_subplot_layouts_are_make_subplots(kwargs):
    ours = charts.Chart.subplots(**kwargs)
    theirs = make_subplots(**kwargs)
    layout = theirs.to_dict()["layout"]
    layout.pop("template")
    assert ours.layout == layout
    # the traces of each cell go to the same axes
    rows, cols = kwargs["rows"], kwargs["cols"]
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            trace = dict(x=[0, 1], y=[r, c], name=f"{r},{c}")
            ours.add_trace(charts.trace("scatter", **trace), row=r, col=c)
            theirs.add_trace(go.Scatter(**trace), row=r, col=c)
    ours.template = "plotly"  # make_subplots' figure has plotly's default template
    assert go.Figure(ours.to_dict()).to_dict() == theirs.to_dict()


def test_a_subplot_layout_is_made_once_per_shape_whatever_its_titles():
    first = charts.Chart.subplots(rows=1, cols=2, subplot_titles=["a", "b"])
    second = charts.Chart.subplots(rows=1, cols=2, subplot_titles=["c", "d"])
    assert [a["text"] for a in first.layout["annotations"]] == ["a", "b"]
    assert [a["text"] for a in second.layout["annotations"]] == ["c", "d"]
    first.layout["xaxis"]["domain"][0] = 0.5  # each chart's layout is its own
    assert second.layout["xaxis"]["domain"][0] == 0.0


def test_impossible_subplot_spacing_is_refused():
    with pytest.raises(ValueError):
        charts.Chart.subplots(rows=1, cols=3, horizontal_spacing=0.6)


def _decode(value: object) -> object:
    """A figure's dict with plotly's typed arrays (``{"dtype", "bdata"}``, made from numpy
    arrays) as lists and NaN as None, as in a Chart's JSON."""
    if isinstance(value, dict):
        if {"dtype", "bdata"} <= set(value):
            array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
            if "shape" in value:
                array = array.reshape([int(n) for n in str(value["shape"]).split(",")])
            return _decode(array.tolist())
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_decode(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def test_the_chart_api_makes_what_plotlys_api_makes():
    """The same calls on a Chart and on a plotly figure make the same figure."""

    def subplot_figure(fig, trace):
        for col in (1, 2):
            fig.add_trace(trace("scatter", x=[0, 1], y=np.array([col, 2.0]), mode="markers",
                                name=f"s{col}", marker=dict(size=9, color="#123456")),
                          row=1, col=col)
            fig.update_xaxes(tickvals=[0, 1], ticktext=["a", "b"], row=1, col=col)
        fig.add_hline(y=3.0, line=dict(color="#B22222", dash="dash", width=1.2))
        fig.add_annotation(text="par", xref="paper", x=1.005, y=3.0, yref="y",
                           showarrow=False, font=dict(size=12))
        fig.update_layout(font=charts.FONT, height=430, margin=dict(l=60, r=30),
                          legend=dict(orientation="h", x=0))
        fig.update_yaxes(range=[1, 5.05], dtick=0.5)
        fig.update_yaxes(title=dict(text="score"), row=1, col=1)
        fig.update_layout(margin=dict(b=90, r=130))
        return fig

    def plain_figure(fig, trace):
        fig.add_trace(trace("bar", x=["a", "b"], y=np.array([1.5, np.nan]),
                            marker=dict(color="#0072B2"),
                            error_y=dict(type="data", array=np.array([0.1, 0.2]))))
        fig.add_trace(trace("heatmap", z=np.array([[1.0, np.nan], [3.0, 4.0]]),
                            colorscale=[[0.0, "#B2182B"], [1.0, "#2166AC"]],
                            colorbar=dict(title=dict(text="s"))))
        fig.add_hrect(y0=-0.5, y1=0.5, fillcolor="rgba(1, 2, 3, 0.1)", line=dict(width=0),
                      layer="below")
        fig.add_hline(y=0, line=dict(color="#666", width=1))
        fig.update_layout(title=dict(text="t", x=0.0), barmode="group")
        fig.update_xaxes(side="top", showgrid=False)
        fig.update_yaxes(title=dict(text="gap"), zeroline=False)
        return fig

    def go_trace(kind, **props):
        return getattr(go, {"bar": "Bar", "scatter": "Scatter",
                            "heatmap": "Heatmap"}[kind])(**props)

    kwargs = dict(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.06,
                  subplot_titles=["left <b>", "right"])
    for build, fast, slow in (
            (subplot_figure, charts.Chart.subplots(**kwargs), make_subplots(**kwargs)),
            (plain_figure, charts.Chart(), go.Figure())):
        fast = build(fast, charts.trace)
        fast.template = charts.TEMPLATE
        slow.update_layout(template=charts.TEMPLATE)
        slow = build(slow, go_trace)
        assert fast.to_dict() == _decode(slow.to_dict()), build.__name__


# -- (d) the HTML ------------------------------------------------------------------------


def _newplot(page: str) -> tuple[list, str]:
    """The arguments of the page's ``Plotly.newPlot`` call (div id, data, layout, config)
    and the page with each of them written as ``ARG``."""
    decoder = json.JSONDecoder()
    start = page.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    args, skeleton, pos = [], page[:start], start
    for _ in range(4):
        text = page[pos:]
        lead = len(text) - len(text.lstrip(" ,"))
        value, end = decoder.raw_decode(text, lead)
        args.append(value)
        skeleton += text[:lead] + "ARG"
        pos += end
    return args, skeleton + page[pos:]


def test_the_html_shows_what_plotly_writes_for_the_validated_figure(all_charts):
    for what, chart in all_charts:
        ours = chart.to_html(div_id="the-chart")
        theirs = pio.to_html(chart.to_figure(), full_html=False, include_plotlyjs=False,
                             config=charts.PLOTLY_CONFIG, div_id="the-chart")
        (our_args, our_page), (their_args, their_page) = _newplot(ours), _newplot(theirs)
        assert our_page == their_page, what
        assert our_args == [_decode(arg) for arg in their_args], what
        assert our_args[1:3] == [json.loads(chart.to_json())[k] for k in ("data", "layout")]
        # a new uuid4 for the div id, like plotly
        page = charts.figure_html(chart)
        ids = set(UUID.findall(page))
        assert len(ids) == 1 and UUID.sub("the-chart", page) == ours, what


@pytest.mark.parametrize("include", [True, "directory", "https://example.org/plotly.js",
                                     "CDN"])
def test_the_html_with_plotly_js_is_plotlys(instrument, include):
    chart = charts.gap_chart({OE: 0.5, CI: 0.1, PL: -0.2}, None, instrument, title=HOSTILE)
    theirs = pio.to_html(chart.to_figure(), full_html=False, include_plotlyjs=include,
                         config=charts.PLOTLY_CONFIG, div_id="x")
    ours = chart.to_html(include_plotlyjs=include, div_id="x")
    (our_args, our_page), (their_args, their_page) = _newplot(ours), _newplot(theirs)
    assert our_page == their_page and our_args == [_decode(a) for a in their_args]


def test_figure_html_and_show_take_a_plotly_figure_too(monkeypatch, instrument):
    chart = charts.gap_chart({OE: 0.5, CI: 0.1, PL: -0.2}, None, instrument)
    fig = chart.to_figure()
    ours, theirs = (_newplot(UUID.sub("ID", charts.figure_html(f))) for f in (chart, fig))
    assert ours[1] == theirs[1] and ours[0] == [_decode(a) for a in theirs[0]]
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: seen.append(a[0]))
    charts.show(fig)
    charts.show(chart)
    chart.show()
    assert _decode(seen[0][charts.PLOTLY_MIME]) == seen[1][charts.PLOTLY_MIME] == chart.to_dict()
    assert "Plotly.newPlot" in seen[0]["text/html"] and "Plotly.newPlot" in seen[1]["text/html"]
    assert seen[2][charts.PLOTLY_MIME] == chart.to_dict()


def test_a_bare_chart_shows_in_jupyterlab(monkeypatch, instrument):
    chart = charts.profile_chart(profile_frame(), instrument)
    bundle = chart._repr_mimebundle_()
    assert set(bundle) == {"text/html", charts.PLOTLY_MIME}
    assert bundle[charts.PLOTLY_MIME] == chart.to_dict()
    assert "Plotly.newPlot" in bundle["text/html"]
    monkeypatch.setenv(charts.PLOTLY_JSON_ENV, "0")
    assert set(chart._repr_mimebundle_()) == {"text/html"}
    assert "Chart: 4 traces" in repr(chart)


# -- (e) plotly is loaded to write a chart, not to build one ------------------------------


def test_building_charts_imports_no_plotly_and_writing_them_does():
    script = f"""
import json, sys
import assessment as va
from assessment.present import figures as charts
from assessment.present.report.core import report_for

def plotly_modules():
    return sorted(m for m in sys.modules if m.split(".")[0] == "plotly")

at_import = plotly_modules()
ds = va.load_dataset({str(SAMPLE)!r})
scores = va.score(ds)
figs = []
for cid in ds.companies["company_id"]:
    rep = report_for(ds, cid, scores=scores)
    for method in {FIGURES[:-1]!r}:  # not the comparison: its grid is make_subplots'
        fig = getattr(rep, method)()
        if fig is not None:
            figs.append(fig)
figs.append(charts.portfolio_triangle(va.diagnose(scores), ds.instrument))
built = plotly_modules()
pages = [charts.figure_html(fig) for fig in figs]
print(json.dumps([at_import, built, len(pages), "plotly.io" in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=300)
    at_import, built, n_pages, written = json.loads(out.stdout.strip().splitlines()[-1])
    assert at_import == []  # importing assessment.present.figures imports no plotly at all
    assert built == []  # nor does building charts (without a grid of subplots)
    assert n_pages > 40 and written


def test_no_plotly_at_module_level_in_the_charts_and_the_portfolio_page():
    folder = Path(charts.__file__).parent
    for path in [*sorted(folder.glob("*.py")), folder.parent / "portfolio.py"]:
        source = path.read_text(encoding="utf-8")
        top = [line for line in source.splitlines() if line.startswith(("import", "from"))]
        assert not [line for line in top if line.split()[1].split(".")[0] == "plotly"], path


def test_warm_loads_what_the_first_chart_needs():
    script = """
import json, sys
from assessment.present import figures
figures.warm()
print(json.dumps(["plotly.io" in sys.modules, "plotly.subplots" in sys.modules]))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         cwd=ROOT, check=True, timeout=300)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [True, True]


# -- (f) untrusted text ------------------------------------------------------------------


def test_hostile_names_are_escaped_in_the_json_and_the_html(instrument):
    chart = charts.comparison_chart(
        comparison_rows().assign(name=[HOSTILE] * 6 + [HOSTILE_SCRIPT] * 6 + ["ok"] * 6),
        "me", instrument, title=HOSTILE_SCRIPT)
    text = chart.to_json()
    assert "<img" not in text and "</script" not in text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = chart.to_html(div_id="x")
    assert page.count("<script>") == 1 and page.count("</script>") == 1
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "&lt;\\u002fscript&gt;" in page  # "/" written as \u002f in the script, by plotly
