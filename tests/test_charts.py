"""Report figures: traces, threshold lines, ternary shares by hand, escaping, notebook display.

The charts are :class:`assessment.present.figures.Chart` objects; the tests read their JSON
(``to_dict()``: plain lists, None for NaN). tests/test_chart_spec.py checks that the JSON is
what plotly itself builds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import assessment as va
from assessment.present import figures as charts

OE, CI, PL = va.DISCIPLINES
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_SCRIPT = "</script><script>alert(1)</script>"


def profile_frame(exp=(3.5, 4.4, 3.2), setup=(4.5, 3.1, 3.0), source="outside_in",
                  half=0.2) -> pd.DataFrame:
    """A company's ``Scores.profile`` rows with the given lens means."""
    rows = []
    for lens, vals in (("experience", exp), ("setup", setup)):
        for d, m in zip(va.DISCIPLINES, vals, strict=True):
            rows.append({"wave": "", "company_id": "x", "discipline": d, "lens": lens,
                         "source": source if lens == "experience" else "internal",
                         "mean": m, "n": 20, "sd": 0.5, "ci_low": m - half,
                         "ci_high": m + half, "rwg": 0.9, "par_score": m,
                         "par_basis": "threshold"})
    return pd.DataFrame(rows)


def plain(fig: charts.Chart) -> dict:
    """The chart's JSON as plotly.js gets it."""
    assert isinstance(fig, charts.Chart)
    return fig.to_dict()


def traces(fig: charts.Chart, kind: str | None = None) -> list[dict]:
    return [t for t in plain(fig)["data"] if kind is None or t["type"] == kind]


def annotations(fig: charts.Chart) -> list[str]:
    return [a["text"] for a in plain(fig)["layout"].get("annotations", [])]


def hlines(fig: charts.Chart) -> list[float]:
    return sorted(s["y0"] for s in plain(fig)["layout"].get("shapes", [])
                  if s["type"] == "line" and s["y0"] == s["y1"])


def as_json(fig: charts.Chart) -> str:
    return fig.to_json()


# -- profile ------------------------------------------------------------------------------


def test_profile_chart_bars_errors_and_threshold_lines(instrument):
    prof = profile_frame()
    fig = charts.profile_chart(prof, instrument, "en")
    bars = traces(fig, "bar")
    assert [b["name"] for b in bars] == ["Customer experience", "Set-up"]
    lo = instrument.scale.min
    exp = np.array(bars[0]["y"]) + np.array(bars[0]["base"])
    assert exp == pytest.approx([3.5, 4.4, 3.2])
    assert np.array(bars[1]["y"]) + lo == pytest.approx([4.5, 3.1, 3.0])
    assert bars[0]["error_y"]["array"] == pytest.approx([0.2] * 3)
    assert bars[0]["error_y"]["arrayminus"] == pytest.approx([0.2] * 3)
    th = instrument.thresholds
    # one par check, shown one way: no par line across the bars, only excellence
    assert hlines(fig) == [th.excellence]
    labels = annotations(fig)
    assert "Excellence 4.00" in labels and not any(a.startswith("Par") for a in labels)
    assert bars[0]["x"] == ["Operational excellence", "Customer intimacy",
                            "Product leadership"]
    # the values on top of the bars: dark text just above each whisker, not inside
    assert all(b["textposition"] == "none" for b in bars)
    values = [t for t in traces(fig, "scatter") if t["mode"] == "text"]
    assert [t["offsetgroup"] for t in values] == ["experience", "setup"]
    assert values[0]["text"] == ["3.50", "4.40", "3.20"]
    assert values[0]["y"] == pytest.approx([3.7, 4.6, 3.4])  # mean + upper whisker
    assert values[0]["textposition"] == "top center"


def test_profile_chart_shows_the_par_check_from_threshold_items_only(instrument):
    prof = profile_frame()
    prof["par_score"] = [2.6, 3.4, 3.1, 3.6, 3.2, 2.9]
    prof.loc[5, "par_basis"] = "discipline"  # too few threshold answers: not checked
    fig = charts.profile_chart(prof, instrument, "en")
    assert not [t for t in traces(fig, "scatter") if t["mode"] != "text"]  # no ticks
    ticks = fig.layout["xaxis"]["ticktext"]
    # OE's experience threshold values (2.6) are below par 3.00; CI and PL reach it in
    # every lens that has threshold values (PL's set-up 2.9 rests on discipline items)
    assert "below par: Customer experience" in ticks[0] and "Set-up" not in ticks[0]
    assert ticks[1].endswith("<br>at par") and ticks[2].endswith("<br>at par")
    assert fig.layout["xaxis"]["tickvals"] == traces(fig, "bar")[0]["x"]


def test_profile_chart_uses_the_datasets_thresholds_and_language(instrument):
    inst = instrument.with_thresholds({"par": 2.5, "excellence": 4.2})
    prof = profile_frame()
    prof["par_score"] = [2.4, 3.4, 3.1, 2.6, 3.2, 2.9]
    fig = charts.profile_chart(prof, inst, "de")
    assert hlines(fig) == [4.2]
    assert "Exzellenz 4,20" in annotations(fig)
    assert "unter Marktniveau: Kundenerleben" in fig.layout["xaxis"]["ticktext"][0]
    assert [t["text"] for t in traces(fig, "scatter")][0][0] == "3,50"
    assert [t["name"] for t in traces(fig, "bar")] == ["Kundenerleben", "Aufstellung"]
    assert "Kundennähe" in traces(fig)[0]["x"]


def test_profile_chart_marks_an_inside_out_experience_lens(instrument):
    fig = charts.profile_chart(profile_frame(source="inside_out"), instrument, "nl")
    assert traces(fig)[0]["name"] == "Klantbeleving (inschatting door medewerkers)"


def test_profile_chart_survives_a_missing_lens(instrument):
    prof = profile_frame(setup=(float("nan"),) * 3)
    fig = charts.profile_chart(prof, instrument)
    assert traces(fig)[1]["y"] == [None, None, None]
    assert traces(fig)[1]["text"] == ["", "", ""]


# -- triangle -----------------------------------------------------------------------------


def test_ternary_shares_by_hand():
    shares = charts.ternary_shares({OE: 4.5, CI: 3.0, PL: 3.0}, 1)
    assert shares == pytest.approx({OE: 3.5 / 7.5, CI: 2 / 7.5, PL: 2 / 7.5})
    assert sum(shares.values()) == pytest.approx(1)
    # measured from the scale minimum, not from zero: the difference shows more
    assert shares[OE] > 4.5 / 10.5
    assert charts.ternary_shares({OE: 1, CI: 1, PL: 1}, 1) == pytest.approx(
        {OE: 1 / 3, CI: 1 / 3, PL: 1 / 3})
    assert charts.ternary_shares({OE: 4.0, CI: float("nan"), PL: 3.0}, 1) is None
    assert charts.ternary_shares({OE: 4.0, PL: 3.0}, 1) is None


@pytest.mark.parametrize("scores", [(4.9, 1.2, 3.3), (2.0, 2.0, 2.5), (5, 5, 5), (3, 1, 1)])
def test_ternary_shares_sum_to_one(scores):
    shares = charts.ternary_shares(dict(zip(va.DISCIPLINES, scores, strict=True)), 1)
    assert sum(shares.values()) == pytest.approx(1)
    assert all(0 <= v <= 1 for v in shares.values())


def test_ternary_zoom_keeps_every_point_inside():
    shares = [charts.ternary_shares({OE: 3.5, CI: 4.4, PL: 3.2}, 1),
              charts.ternary_shares({OE: 4.5, CI: 3.1, PL: 3.0}, 1)]
    m = charts.ternary_zoom(shares)
    assert 0 <= m <= 0.2 and round(m / 0.05, 9) == int(round(m / 0.05))
    assert all(v >= m for sh in shares for v in sh.values())
    assert charts.ternary_zoom([{OE: 0.9, CI: 0.05, PL: 0.05}]) == 0.0
    assert charts.ternary_zoom([]) == 0.0


def test_triangle_chart_places_both_lenses_and_an_arrow(instrument):
    prof = profile_frame(exp=(3.5, 4.4, 3.2), setup=(4.5, 3.1, 3.0))
    fig = charts.triangle_chart(prof, instrument, "en")
    exp = charts.ternary_shares({OE: 3.5, CI: 4.4, PL: 3.2}, 1)
    setup = charts.ternary_shares({OE: 4.5, CI: 3.1, PL: 3.0}, 1)
    points = {t["name"]: t for t in traces(fig) if t["mode"] == "markers+text"}
    assert set(points) == {"Customer experience", "Set-up"}
    p = points["Customer experience"]
    assert (p["a"][0], p["b"][0], p["c"][0]) == pytest.approx((exp[OE], exp[CI], exp[PL]))
    assert p["a"][0] + p["b"][0] + p["c"][0] == pytest.approx(1)
    q = points["Set-up"]
    assert (q["a"][0], q["b"][0], q["c"][0]) == pytest.approx(
        (setup[OE], setup[CI], setup[PL]))
    arrow = next(t for t in traces(fig) if t["name"] == "arrow")
    assert (arrow["a"][0], arrow["a"][-1]) == pytest.approx((setup[OE], exp[OE]))  # set-up -> exp
    assert arrow["marker"]["symbol"][-1] == "arrow"
    assert arrow["marker"]["angleref"] == "previous"
    ternary = plain(fig)["layout"]["ternary"]
    assert ternary["sum"] == 1
    assert ternary["aaxis"]["title"]["text"] == "Operational excellence"
    assert ternary["aaxis"]["min"] == charts.ternary_zoom([exp, setup])


def test_triangle_chart_without_data_says_so(instrument):
    prof = profile_frame(exp=(float("nan"),) * 3, setup=(float("nan"),) * 3)
    fig = charts.triangle_chart(prof, instrument, "en")
    assert not fig.data
    assert "not enough answers" in annotations(fig)[0]


def test_triangle_chart_with_one_lens_has_no_arrow(instrument):
    prof = profile_frame(setup=(float("nan"),) * 3)
    fig = charts.triangle_chart(prof, instrument)
    assert not [t for t in traces(fig) if t["name"] == "arrow"]
    assert [t["name"] for t in traces(fig) if t["mode"] == "markers+text"] == [
        "Customer experience"]


# -- gaps ---------------------------------------------------------------------------------


def test_gap_chart_bars_and_band(instrument):
    gaps = {OE: -1.0, CI: 1.2, PL: 0.1}
    fig = charts.gap_chart(gaps, None, instrument, "en")
    assert len(fig.data) == 1
    assert traces(fig)[0]["y"] == pytest.approx([-1.0, 1.2, 0.1])
    band = [s for s in plain(fig)["layout"]["shapes"] if s["type"] == "rect"]
    th = instrument.thresholds
    assert len(band) == 1 and (band[0]["y0"], band[0]["y1"]) == (-th.lens_gap, th.lens_gap)
    hover = traces(fig)[0]["hovertext"]
    assert "capability customers do not notice" in hover[0]
    assert "promise not backed" in hover[1] and "the lenses agree" in hover[2]


def test_gap_chart_adds_the_blind_spot_where_customers_answered(instrument):
    fig = charts.gap_chart({OE: 0.2, CI: 0.3, PL: None}, {OE: 0.9, CI: -0.1, PL: 0.0},
                           instrument, "nl")
    gaps, blind = traces(fig)
    assert blind["y"] == pytest.approx([0.9, -0.1, 0.0])
    assert gaps["y"][2] is None
    assert "overschatten" in blind["hovertext"][0]


def test_gap_chart_marks_a_different_blind_spot_threshold(instrument):
    inst = instrument.with_thresholds({"blind_spot_gap": 0.5})
    fig = charts.gap_chart({OE: 0.2, CI: 0.3, PL: 0.1}, {OE: 0.6, CI: 0.0, PL: 0.0}, inst)
    assert sorted(s["y0"] for s in plain(fig)["layout"]["shapes"]
                  if s["type"] == "line" and s["y0"] != 0) == [-0.5, 0.5]


# -- departments --------------------------------------------------------------------------


def dept_frame(names=("Ops", "Sales")) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(names):
        for j, d in enumerate(va.DISCIPLINES):
            rows.append({"wave": "", "company_id": "x", "department": name, "discipline": d,
                         "mean": 3.0 + k * 0.5 + j * 0.25, "n": 6})
    return pd.DataFrame(rows)


def test_department_heatmap_values_and_hidden_note(instrument):
    hidden = pd.DataFrame({"wave": [""], "company_id": ["x"], "department": ["Secret"],
                           "n": [2]})
    fig = charts.department_heatmap(dept_frame(), hidden, instrument, "en")
    heat = traces(fig)[0]
    assert heat["type"] == "heatmap"
    assert heat["y"] == ["Sales", "Ops"]  # first department on top
    assert heat["z"][1] == pytest.approx([3.0, 3.25, 3.5])
    assert (heat["zmin"], heat["zmax"]) == (1, 5)
    notes = " ".join(annotations(fig))
    assert "1 department(s) with fewer than 5 respondents" in notes
    assert "Secret" not in as_json(fig)


def test_department_heatmap_without_departments(instrument):
    empty = dept_frame().iloc[0:0]
    fig = charts.department_heatmap(empty, None, instrument, "de")
    assert not fig.data
    assert "Keine Abteilung" in annotations(fig)[0]


# -- portfolio and comparison -------------------------------------------------------------


def test_portfolio_triangle_has_every_company(sample_diagnoses, instrument):
    fig = charts.portfolio_triangle(sample_diagnoses, instrument, "en")
    points = {t["name"]: t for t in traces(fig) if t["name"] in ("as experienced", "as set up")}
    n = sum(1 for d in sample_diagnoses.values()
            if charts.ternary_shares(d.lenses["experience"].scores, 1) is not None)
    assert len(points["as experienced"]["a"]) == n
    for t in points.values():
        assert np.array(t["a"]) + np.array(t["b"]) + np.array(t["c"]) == pytest.approx(1)
    arrows = next(t for t in traces(fig) if t["name"] == "arrows")
    assert arrows["marker"]["symbol"].count("arrow") == n


def test_comparison_chart_traces(instrument):
    rows = []
    for cid, base in (("me", 4.0), ("a", 3.0), ("b", 3.5)):
        for lens in va.LENSES:
            for j, d in enumerate(va.DISCIPLINES):
                rows.append({"company_id": cid, "name": f"Name {cid}", "wave": "",
                             "lens": lens, "discipline": d, "mean": base + 0.1 * j})
    fig = charts.comparison_chart(pd.DataFrame(rows), "me", instrument, "en")
    own = [t for t in traces(fig) if t["name"] == "Name me"]
    assert len(own) == 2 and own[0]["y"] == pytest.approx([4.0, 4.1, 4.2])
    assert [t["xaxis"] for t in own] == ["x", "x2"]  # one panel per lens
    means = [t for t in traces(fig) if t["name"] == "mean of the others"]
    assert means[0]["y"] == pytest.approx([3.25, 3.35, 3.45])
    others = [t for t in traces(fig) if t["name"] == "other companies"]
    assert len(others[0]["y"]) == 6
    th = instrument.thresholds
    assert hlines(fig) == [th.par, th.par, th.excellence, th.excellence]  # one per panel


# -- escaping -----------------------------------------------------------------------------


def _hostile_figures(instrument, sample_diagnoses) -> list[charts.Chart]:
    diag = next(iter(sample_diagnoses.values()))
    diag = type(diag)(**{**diag.__dict__, "name": HOSTILE})
    comp = pd.DataFrame([{"company_id": c, "name": n, "wave": "", "lens": lens,
                          "discipline": d, "mean": 3.5}
                         for c, n in (("x", HOSTILE), ("y", HOSTILE_SCRIPT))
                         for lens in va.LENSES for d in va.DISCIPLINES])
    hidden = pd.DataFrame({"wave": [""], "company_id": ["x"], "department": [HOSTILE],
                           "n": [2]})
    return [
        charts.profile_chart(profile_frame(), instrument, "en", title=HOSTILE),
        charts.triangle_chart(profile_frame(), instrument, "en", title=HOSTILE_SCRIPT),
        charts.gap_chart({OE: 1}, None, instrument, "en", title=HOSTILE),
        charts.department_heatmap(dept_frame((HOSTILE, HOSTILE_SCRIPT)), hidden, instrument,
                                  "en", title=HOSTILE),
        charts.portfolio_triangle({"x": diag}, instrument, "en"),
        charts.portfolio_heatmap({"x": diag}, instrument, "en"),
        charts.comparison_chart(comp, "x", instrument, "en"),
    ]


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_untrusted_names_are_escaped_in_figures(instrument, sample_diagnoses):
    figures = _hostile_figures(instrument, sample_diagnoses)
    assert all(isinstance(fig, charts.Chart) for fig in figures)
    for fig in figures:
        texts = _strings(fig.to_dict())
        assert not [t for t in texts if "<img" in t or "<script" in t or "</script" in t]
        assert any("&lt;img src=x onerror=alert(1)&gt;" in t or "&lt;/script&gt;" in t
                   for t in texts)
        text = as_json(fig)
        assert "<img" not in text and "<script" not in text and "</script" not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text or "&lt;/script&gt;" in text
        page = charts.figure_html(fig)
        assert "<img" not in page and "<script>alert" not in page
        assert page.count("<script") == 1  # only plotly's own Plotly.newPlot call
        assert page.count("</script") == 1
        # the JSON in the script cannot end it: <, > and / are \u escapes there
        script = page[page.index("<script>") + 8:page.index("</script>")]
        assert "<" not in script and ">" not in script
        assert "&lt;" in script  # the text escaped (markupsafe), as text


def test_untrusted_text_is_escaped_once_with_entities_plotly_decodes(instrument):
    fig = charts.gap_chart({OE: 1}, None, instrument, title='Müller & "Söhne" \'s <b>')
    title = plain(fig)["layout"]["title"]["text"]
    assert title.endswith(" · Müller &amp; &#34;Söhne&#34; &#39;s &lt;b&gt;")
    dept = charts.department_heatmap(dept_frame(("R&D",)), None, instrument)
    assert traces(dept)[0]["y"] == ["R&amp;D"]  # escaped once, not "&amp;amp;"


# -- display ------------------------------------------------------------------------------


def test_figure_html_is_a_div_without_plotly_js(instrument):
    fig = charts.profile_chart(profile_frame(), instrument)
    page = charts.figure_html(fig)
    assert 'class="plotly-graph-div"' in page and "Plotly.newPlot" in page
    assert len(page) < 60_000  # no plotly.js (4.8 MB) inside
    assert '"displaylogo": false' in page
    assert len(charts.figure_html(fig, include_plotlyjs=True)) > 1_000_000


def test_show_displays_the_plotly_mime_type_and_html(monkeypatch, instrument):
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: seen.append((a, k)))
    fig = charts.gap_chart({OE: 0.5, CI: 0.1, PL: -0.2}, None, instrument)
    charts.show(fig)
    charts.show(None)
    assert len(seen) == 1
    (bundle,), kwargs = seen[0]
    assert kwargs == {"raw": True}
    assert set(bundle) == {"application/vnd.plotly.v1+json", "text/html"}
    assert bundle["application/vnd.plotly.v1+json"]["data"][0]["type"] == "bar"
    assert "Plotly.newPlot" in bundle["text/html"]


def test_show_leaves_out_the_plotly_json_in_the_batch_and_keeps_the_html(monkeypatch,
                                                                        instrument):
    seen = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: seen.append(a[0]))
    fig = charts.profile_chart(profile_frame(), instrument)
    charts.show(fig)
    monkeypatch.setenv(charts.PLOTLY_JSON_ENV, "0")
    charts.show(fig)
    full, lean = seen
    assert set(full) == {charts.PLOTLY_MIME, "text/html"} and set(lean) == {"text/html"}
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    import re
    assert re.sub(uuid, "ID", lean["text/html"]) == re.sub(uuid, "ID", full["text/html"])


# -- customers as co-producers: the role map ----------------------------------------------


def roles_frame(scores: dict[str, float], claimed: str | None = None) -> pd.DataFrame:
    """One row per role of the packaged integration instrument, with the given scores (a
    role not in ``scores`` has none)."""
    from assessment.instrument.integration import load_integration

    integ = load_integration()
    needed = set(integ.fit[claimed].needs) if claimed else set()
    return pd.DataFrame([{"role": r, "context": info.context,
                          "participation": info.participation,
                          "score": scores.get(r, float("nan")), "n": 12,
                          "customer": float("nan"), "internal": scores.get(r, float("nan")),
                          "needed": r in needed} for r, info in integ.roles.items()])


ROLE_SCORES = {"productive_resource": 3.1, "co_creator": 2.4, "innovator": 4.2,
               "competitor": 2.0, "communicator": 3.3, "quality_inspector": 3.0,
               "substitute_manager": 3.8, "innovation_resource": 4.6, "co_developer": 4.0,
               "user_tester": 2.9}


def test_role_map_places_roles_by_participation_and_context(instrument):
    from assessment.instrument.integration import load_integration

    integ = load_integration()
    fig = charts.role_map(roles_frame(ROLE_SCORES, PL), integ, instrument, "en", claimed=PL,
                          participation={"active": 4.03, "passive": 2.74})
    assert [t["name"] for t in traces(fig)] == ["Needed for Product leadership", "Other roles",
                                                "Par 3.00 (ring)"]
    needed, other, ring = traces(fig)
    layout = plain(fig)["layout"]
    # product leadership needs the innovator (service) and the three innovation roles
    assert needed["y"] == ["Innovator", "Source of ideas", "Co-developer", "User and tester"]
    assert needed["marker"]["color"] == charts.ROLE_NEEDED_COLOR
    assert other["marker"]["color"] == charts.ROLE_OTHER_COLOR
    assert "Innovator" not in other["y"] and len(other["y"]) == 6
    # y: the service roles first (top), then the innovation roles; x: how customers take part
    order = layout["yaxis"]["categoryarray"]
    assert order[:7] == ["Productive resource", "Co-creator", "Innovator",
                         "Competitor (self-service)", "Communicator", "Quality inspector",
                         "Substitute manager"]
    assert order[7:] == ["Source of ideas", "Co-developer", "User and tester"]
    assert layout["yaxis"]["range"] == [9.5, -0.5]  # first role on top
    x = dict(zip(other["y"], other["x"], strict=True))
    assert x["Substitute manager"] == "Passive participation"
    assert x["Co-creator"] == "Active participation"
    assert layout["xaxis"]["categoryarray"] == ["Active participation",
                                                "Passive participation"]
    assert "score 4.03" in layout["xaxis"]["ticktext"][0]
    assert "score 2.74" in layout["xaxis"]["ticktext"][1]
    # the par ring: the same scale as the bubbles, one per role
    assert ring["marker"]["size"] == [3.0] * 10 and len(ring["y"]) == 10
    assert ring["marker"]["sizeref"] == needed["marker"]["sizeref"]
    groups = annotations(fig)
    assert "<b>Service</b>" in groups and "<b>Product innovation</b>" in groups


def test_role_map_sizes_are_proportional_to_the_scores(instrument):
    from assessment.instrument.integration import load_integration

    fig = charts.role_map(roles_frame(ROLE_SCORES, PL), load_integration(), instrument,
                          claimed=PL)
    label_of = {"Innovator": "innovator", "Source of ideas": "innovation_resource",
                "Co-developer": "co_developer", "User and tester": "user_tester"}
    needed = traces(fig)[0]
    marker = needed["marker"]
    assert marker["size"] == pytest.approx([ROLE_SCORES[label_of[y]] for y in needed["y"]])
    assert marker["sizemode"] == "diameter"
    # plotly draws a bubble size / sizeref pixels wide: the top of the scale is the maximum
    assert marker["sizeref"] == pytest.approx(instrument.scale.max / charts.ROLE_MAX_PX)
    px = {y: s / marker["sizeref"] for y, s in zip(needed["y"], marker["size"], strict=True)}
    assert px["Source of ideas"] / px["User and tester"] == pytest.approx(4.6 / 2.9)
    assert [t.strip() for t in needed["text"]] == ["4.20", "4.60", "4.00", "2.90"]


def test_role_map_sizes_match_the_summary_numbers(sample_dataset, sample_scores):
    """Voltaro Energy's role scores as ``summary.json`` has them (rounded to 3 decimals)."""
    from assessment.present.report.core import report_for

    summary = {"Productive resource": 4.188, "Co-creator": 2.962, "Innovator": 2.885,
               "Competitor (self-service)": 4.351, "Communicator": 3.027,
               "Quality inspector": 3.329, "Substitute manager": 3.112,
               "Source of ideas": 3.041, "Co-developer": 3.09, "User and tester": 3.049}
    rep = report_for(sample_dataset, "energyco", scores=sample_scores)
    assert rep.diagnosis.to_dict()["integration"]["roles"]["competitor"] == 4.351
    fig = rep.integration_figure()
    needed, other = traces(fig)[:2]
    assert needed["name"] == "Needed for Operational excellence"
    assert needed["y"] == ["Productive resource", "Competitor (self-service)",
                           "Quality inspector"]
    sizes = {y: s for t in (needed, other)
             for y, s in zip(t["y"], t["marker"]["size"], strict=True)}
    assert set(sizes) == set(summary)
    for role, value in summary.items():
        assert sizes[role] == pytest.approx(value, abs=5e-4), role
    ratio = sizes["Competitor (self-service)"] / sizes["Innovator"]
    assert ratio == pytest.approx(4.351 / 2.885, rel=1e-3)


def test_role_map_without_a_claimed_discipline_and_with_missing_scores(instrument):
    from assessment.instrument.integration import load_integration

    scores = {k: v for k, v in ROLE_SCORES.items() if k != "co_developer"}
    fig = charts.role_map(roles_frame(scores), load_integration(), instrument, "de")
    scored, missing, rings = traces(fig)
    assert [t["name"] for t in (scored, missing, rings)] == [
        "Rollen der Kundschaft", "zu wenige Antworten", "Marktniveau 3,00 (Ring)"]
    assert len(scored["y"]) == 9 and missing["y"] == ["Mitentwicklung"]
    assert rings["y"][-2] == "Mitentwicklung"  # its ring still marks the row
    assert "Aktive Beteiligung" in plain(fig)["layout"]["xaxis"]["categoryarray"]
    empty = charts.role_map(roles_frame({}).iloc[0:0], load_integration(), instrument, "nl")
    assert not empty.data and "te weinig antwoorden" in annotations(empty)[0]


def test_role_map_escapes_its_title(instrument):
    from assessment.instrument.integration import load_integration

    fig = charts.role_map(roles_frame(ROLE_SCORES, OE), load_integration(), instrument,
                          claimed=OE, title=HOSTILE)
    text = as_json(fig)
    assert "<img" not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<img" not in charts.figure_html(fig)


# -- the portfolio page -------------------------------------------------------------------


def test_portfolio_page_shows_hostile_text_as_text(sample_dataset, sample_diagnoses):
    from types import SimpleNamespace

    from assessment.present.portfolio import build_index

    first, second = list(sample_diagnoses)[:2]
    diag = sample_diagnoses[first]
    diagnoses = {**sample_diagnoses, first: type(diag)(**{**diag.__dict__, "name": HOSTILE})}
    reports = {
        first: SimpleNamespace(company_id=first, status="ok", file='x"><b>.html',
                               notebook=None, error=None, cell=None),
        second: SimpleNamespace(company_id=second, status="failed", file=None,
                                notebook="n.ipynb", error=HOSTILE_SCRIPT,
                                cell={"index": 2, "execution_count": 5, "source": "<i>"})}
    page = build_index(sample_dataset, diagnoses, reports, "de")
    assert HOSTILE not in page and "<script>alert" not in page and "<i>" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 1
    assert 'href="x&#34;&gt;&lt;b&gt;.html"' in page
    failures = page[page.index('id="failures"'):]
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in failures
    assert "Zelle 2 (In [5]): &lt;i&gt;" in failures
    assert page.count('class="plotly-graph-div"') == 2  # the heatmap and the triangle
    assert "<h1>Wertdisziplinen-Portfolio</h1>" in page
    assert page.count('<tr data-company=') + page.count('<tr class="failed-row"') == (
        len(sample_diagnoses) + 1)  # every company, and the failure's own row


@pytest.mark.parametrize("lang", ["de", "nl"])
def test_hover_texts_write_numbers_the_readers_way(lang):
    import json
    import re

    from assessment.present.report.core import build_report

    rep = build_report("data/sample", "pcmaker", lang=lang)
    figures = [rep.profile_figure(), rep.triangle_figure(), rep.gap_figure(),
               rep.department_figure(), rep.integration_figure(), rep.comparison_figure()]
    texts = []
    for fig in filter(None, figures):
        for tr in fig.to_dict()["data"]:
            for key in ("hovertext", "text"):
                value = tr.get(key)
                texts += value if isinstance(value, list) else [value] if value else []
    assert len(texts) > 20
    english = [t for t in texts if re.search(r"\d\.\d\d(?!\d)", json.dumps(t))]
    assert not english, english[:5]
    assert any(re.search(r"\d,\d\d", str(t)) for t in texts)
