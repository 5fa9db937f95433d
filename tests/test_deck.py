"""The editable PowerPoint deck (``--pptx``): every sample deck opens with python-pptx, its
charts are native chart parts whose numbers equal summary.json's, the German deck speaks
German with ``3,46``-style numbers, thin evidence is said and never charted, and hostile
names and ids give a valid deck showing the name as text.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math
import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Pt

import assessment as va
from assessment.cli import main
from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.present.brand import load_brand
from assessment.present.summary import build_summary
from assessment.run.decks import write_decks

from .conftest import make_dataset, profile_answers
from .helpers_batch import (
    HOSTILE_FORMULA,
    HOSTILE_IMG,
    HOSTILE_SCRIPT,
    write_small_dataset,
    write_tiny_notebook,
)

C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
WHEN = dt.date(2026, 11, 30)
RTL_NAME = "شركة الاختبار \u202eevil\u202c"
LONG_NAME = "Very Long Company Name " * 25


# -- reading a deck ---------------------------------------------------------------------


def slide_texts(slide) -> list[str]:
    """Every text of a slide: text frames and table cells."""
    out = []
    for shape in slide.shapes:
        if shape.has_text_frame:
            out.append(shape.text_frame.text)
        if shape.has_table:
            out += [cell.text for row in shape.table.rows for cell in row.cells]
    return out


def chart_frames(prs) -> dict[int, object]:
    """Slide number (1-based) -> the graphic frame of the chart on it."""
    return {i: shape for i, slide in enumerate(prs.slides, 1)
            for shape in slide.shapes if shape.has_chart}


def charts(prs) -> dict[int, object]:
    """Slide number (1-based) -> the chart on it."""
    return {i: frame.chart for i, frame in chart_frames(prs).items()}


def xy_points(frame) -> dict[str, list[tuple[float, float]]]:
    """Series name -> (x, y) points of an XY chart, read from its chart part's XML (the
    file format; python-pptx reads only the y values)."""
    root = etree.fromstring(frame.chart_part.blob)
    out = {}
    for ser in root.iter(f"{C}ser"):
        name = "".join(ser.find(f"{C}tx").itertext())
        xs = [float(v.text) for v in ser.find(f"{C}xVal").iter(f"{C}v")]
        ys = [float(v.text) for v in ser.find(f"{C}yVal").iter(f"{C}v")]
        out[name] = list(zip(xs, ys, strict=True))
    return out


def expected_result_slides(entry: dict) -> list[str]:
    """The key-result slides a company's summary.json entry calls for."""
    shown = [lens for lens in LENSES if entry["lenses"][lens]["evidence"] == "sufficient"
             and entry["lenses"][lens]["scores"]]
    names = ["profile", "triangle"] if shown else []
    if len(shown) == 2:
        names.append("gaps")
    if entry["department_dominant"]:
        names.append("departments")
    roles = (entry["integration"] or {}).get("roles") or {}
    if sum(v is not None for v in roles.values()) >= 3:
        names.append("roles")
    return names


# -- the sample decks ---------------------------------------------------------------------


@pytest.fixture(scope="module", params=["en", "de"])
def sample_decks(request, sample_dataset, sample_scores, sample_diagnoses, tmp_path_factory):
    lang = request.param
    out = tmp_path_factory.mktemp(f"decks-{lang}")
    ids = list(sample_diagnoses)
    blocks = write_decks(out, sample_dataset, sample_scores, sample_diagnoses,
                         {c: c for c in ids}, lang)
    summary = build_summary(sample_dataset, sample_scores, sample_diagnoses, lang)
    entries = {e["company_id"]: e for e in summary["companies"]}
    return lang, out, blocks, entries


def test_every_sample_deck_opens_with_its_slides(sample_decks):
    lang, out, blocks, entries = sample_decks
    assert set(blocks) == set(entries)
    for cid, entry in entries.items():
        assert blocks[cid]["status"] == "ok", blocks[cid]
        path = out / f"{cid}.pptx"
        assert zipfile.ZipFile(path).testzip() is None
        prs = Presentation(str(path))
        names = expected_result_slides(entry)
        # title, executive summary, one slide per key result, appendix
        assert len(prs.slides) == 3 + len(names), cid
        # python-pptx names an XY chart by its series' look (lines, markers)
        kinds = ["XY_SCATTER" if chart.chart_type.name.startswith("XY_SCATTER")
                 else chart.chart_type for chart in charts(prs).values()]
        want = {"profile": XL_CHART_TYPE.COLUMN_CLUSTERED, "triangle": "XY_SCATTER",
                "gaps": XL_CHART_TYPE.COLUMN_CLUSTERED,
                "departments": XL_CHART_TYPE.COLUMN_CLUSTERED,
                "roles": XL_CHART_TYPE.RADAR_MARKERS}
        assert kinds == [want[n] for n in names], cid
        # charts are chart parts, never pictures (no logo in the default brand)
        assert not [s for slide in prs.slides for s in slide.shapes
                    if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        # every slide after the title carries the confidentiality line
        line = load_brand().confidentiality_line(lang)
        for i, slide in enumerate(prs.slides, 1):
            assert line in slide_texts(slide), (cid, i)
        assert entry["name"] in slide_texts(prs.slides[0])


def test_chart_numbers_equal_summary_json(sample_decks):
    lang, out, _, entries = sample_decks
    for cid, entry in entries.items():
        prs = Presentation(str(out / f"{cid}.pptx"))
        frames = chart_frames(prs)
        names = expected_result_slides(entry)
        found = dict(zip(names, (f.chart for f in frames.values()), strict=True))
        triangle = dict(zip(names, frames.values(), strict=True)).get("triangle")
        shown = [lens for lens in LENSES if entry["lenses"][lens]["evidence"] == "sufficient"]
        if "profile" in found:
            series = found["profile"].plots[0].series
            assert len(series) == len(shown)
            for ser, lens in zip(series, shown, strict=True):
                want = [entry["lenses"][lens]["scores"][d] for d in DISCIPLINES]
                assert [round(v, 3) for v in ser.values] == pytest.approx(want, abs=6e-4)
            assert found["profile"].value_axis.crosses_at == 3.0  # the par line
        if "gaps" in found:
            series = found["gaps"].plots[0].series
            gaps = [entry["lens_gaps"][d] for d in DISCIPLINES]
            assert list(series[0].values) == pytest.approx(gaps, abs=6e-4)
            if entry["blind_spots"]:
                blind = [entry["blind_spots"][d] for d in DISCIPLINES]
                assert list(series[1].values) == pytest.approx(blind, abs=6e-4)
            else:
                assert len(series) == 1
        if "triangle" in found:
            points = xy_points(triangle)
            assert len(points) == 1 + len(shown)  # the outline and one point per lens
            for lens, (x, y) in zip(shown, [p[0] for p in list(points.values())[1:]],
                                    strict=True):
                # barycentric weights of the point (CI bottom left, PL bottom right, OE
                # top) are the shares of the scores above the scale minimum, zoomed by a
                # common affine map: the ratios of their differences are the scores'
                a = y / (math.sqrt(3) / 2)
                c = x - a / 2
                b = 1 - a - c
                s = {d: entry["lenses"][lens]["scores"][d] - 1 for d in DISCIPLINES}
                oe, ci, pl = (s[d] for d in DISCIPLINES)
                if abs(pl - ci) > 0.05:
                    assert (a - b) / (c - b) == pytest.approx((oe - ci) / (pl - ci),
                                                              rel=0.02, abs=0.02)
                assert max((a, "operational_excellence"), (b, "customer_intimacy"),
                           (c, "product_leadership"))[1] == max(s, key=s.get)
        if "roles" in found:
            roles = entry["integration"]["roles"]
            ser = found["roles"].plots[0].series[0]
            cats = list(found["roles"].plots[0].categories)
            assert len(cats) == len(list(ser.values))
            assert sorted(round(v, 3) for v in ser.values) == pytest.approx(
                sorted(v for v in roles.values() if v is not None), abs=6e-4)


def figure_values(texts: list[str], lang: str) -> list[float]:
    """The numbers shown as key figures (a text that is one number in ``lang``'s format:
    two decimals after the language's decimal sign)."""
    sign = "," if lang in ("de", "nl") else "."
    pattern = re.compile(r"[+-]?\d+" + re.escape(sign) + r"\d\d")
    return [float(t.replace(sign, ".")) for t in texts if pattern.fullmatch(t)]


def test_key_figures_on_the_summary_slide_equal_summary_json(sample_decks):
    lang, out, _, entries = sample_decks
    for cid, entry in entries.items():
        texts = slide_texts(Presentation(str(out / f"{cid}.pptx")).slides[1])
        shown = figure_values(texts, lang)
        want = [max(entry["lenses"][lens]["scores"].values()) for lens in LENSES
                if entry["lenses"][lens]["scores"]]
        gaps = [g for g in entry["lens_gaps"].values() if g is not None]
        if gaps and len(want) == 2:
            want.append(max(gaps, key=abs))
        # summary.json keeps 3 decimals, the slide shows 2 of the unrounded number
        assert shown == pytest.approx(want, abs=0.0051), cid
        # the three things to discuss start with the recommendations
        discuss = next(t for t in texts if t.startswith("1. "))
        first = entry["recommendations"][0]["text"]
        assert discuss.startswith(f"1. {first}")
        assert discuss.count("\n") <= 2


def test_the_german_deck_speaks_german(sample_decks):
    lang, out, _, entries = sample_decks
    prs = Presentation(str(out / "pcmaker.pptx"))
    texts = [t for slide in prs.slides for t in slide_texts(slide)]
    everything = "\n".join(texts)
    if lang == "de":
        assert "Das Wichtigste in Kürze" in everything
        assert "Profil nach Perspektive" in everything
        assert "4,41" in texts and "+1,41" in texts  # 3,46-style numbers
        # no English-style decimals anywhere in a German deck
        assert not re.search(r"\d\.\d\d", everything.replace("1.0.0", ""))
    else:
        assert "Executive summary" in everything and "4.41" in texts


# -- thin evidence ------------------------------------------------------------------------


def test_thin_evidence_is_said_and_never_charted(instrument, tmp_path):
    staff = [{**profile_answers(instrument, "setup", 4.5, 3, 3),
              **profile_answers(instrument, "experience", 3, 4.5, 3),
              "department": "Ops"} for _ in range(3)]
    customers = [{**profile_answers(instrument, "experience", 3, 4.5, 3),
                  "perspective": "customer"} for _ in range(6)]
    ds = make_dataset(staff + customers, instrument)
    scores = va.score(ds)
    diagnoses = va.diagnose(scores)
    blocks = write_decks(tmp_path, ds, scores, diagnoses, {"x": "x"}, "en")
    assert blocks["x"]["status"] == "ok"
    prs = Presentation(str(tmp_path / "x.pptx"))
    summary = "\n".join(slide_texts(prs.slides[1]))
    assert "Too few respondents for the Set-up (3 staff, fewer than 5)" in summary
    assert "Set-up: not shown" in summary
    found = charts(prs)
    profile = found[3]
    assert [s.name for s in profile.plots[0].series] == ["Customer experience"]
    assert len(prs.slides) == 5  # no gaps slide without the set-up, no departments
    appendix = "\n".join(slide_texts(prs.slides[-1]))
    assert "withheld (fewer than 5)" in appendix


# -- hostile names --------------------------------------------------------------------------


def test_hostile_names_give_a_valid_deck_with_the_name_as_text(instrument, tmp_path):
    names = {"a": "<script>alert(1)</script>", "b": HOSTILE_FORMULA, "c": LONG_NAME,
             "d": RTL_NAME + "\x07"}
    rows = []
    for cid in names:
        rows += [{**profile_answers(instrument, "setup", 4.5, 3, 3), "company_id": cid,
                  "department": HOSTILE_FORMULA if i % 2 else HOSTILE_SCRIPT}
                 for i in range(12)]
        rows += [{**profile_answers(instrument, "experience", 3, 4.5, 3), "company_id": cid,
                  "perspective": "customer"} for _ in range(6)]
    ds = make_dataset(rows, instrument)
    ds.companies["name"] = [names[c] for c in ds.companies["company_id"]]
    scores = va.score(ds)
    diagnoses = va.diagnose(scores)
    slugs = {c: f"deck-{c}" for c in names}
    blocks = write_decks(tmp_path, ds, scores, diagnoses, slugs, "en")
    for cid, name in names.items():
        assert blocks[cid]["status"] == "ok", blocks[cid]
        prs = Presentation(str(tmp_path / f"deck-{cid}.pptx"))
        title = slide_texts(prs.slides[0])
        assert name.replace("\x07", "") in title  # the name as text (control char dropped)
        # a department named like a formula goes into the chart's workbook as text
        dept = next(ch for ch in charts(prs).values()
                    if {s.name for s in ch.plots[0].series} & {f"'{HOSTILE_FORMULA}"})
        assert {s.name for s in dept.plots[0].series} == {f"'{HOSTILE_FORMULA}",
                                                          HOSTILE_SCRIPT}


# -- the batch ------------------------------------------------------------------------------


def test_batch_writes_a_deck_per_company_and_records_a_failing_one(tmp_path, monkeypatch):
    """``reports --pptx`` (a tiny notebook: the decks need no kernel) writes a deck per
    company, hostile names shown as text; one deck that fails is recorded, the others are
    written and the exit code is 1."""
    import assessment.present.deck as deck_module

    dataset = write_small_dataset(tmp_path / "data")
    notebook = write_tiny_notebook(tmp_path / "tiny.ipynb")
    real = deck_module.deck_bytes

    def failing(rep, brand=None, when=None):
        if rep.company_id == "shoes":
            raise RuntimeError("deck failed on purpose")
        return real(rep, brand, when)

    monkeypatch.setattr(deck_module, "deck_bytes", failing)
    out = tmp_path / "reports"
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        code = main(["reports", str(dataset), "--out", str(out), "--notebook", str(notebook),
                     "--jobs", "1", "--pptx", "--lang", "de"])
    assert code == 1, stderr.getvalue()
    assert "deck failed: 'shoes': RuntimeError: deck failed on purpose" in stderr.getvalue()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    decks = {e["company_id"]: e["report"]["deck"] for e in summary["companies"]}
    assert decks["shoes"]["status"] == "failed" and not (out / "shoes.pptx").exists()
    for entry in summary["companies"]:
        cid = entry["company_id"]
        if cid == "shoes":
            continue
        assert decks[cid]["status"] == "ok", decks[cid]
        slug = entry["report"]["slug"]
        assert decks[cid]["file"] == f"{slug}.pptx"
        prs = Presentation(str(out / f"{slug}.pptx"))
        assert entry["name"] in slide_texts(prs.slides[0])
    names = {e["name"] for e in summary["companies"]}
    assert {HOSTILE_IMG, HOSTILE_SCRIPT} <= names
    assert not list(out.glob("*.tmp*"))


def test_a_bad_brand_file_stops_the_batch_before_anything_is_written(tmp_path):
    brand = tmp_path / "brand.yaml"
    brand.write_text("accent: blue\n", encoding="utf-8")
    out = tmp_path / "reports"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        code = main(["reports", "data/sample", "--out", str(out), "--pptx", "--brand",
                     str(brand)])
    assert code == 1
    assert "accent: 'blue' is not a colour" in stderr.getvalue()
    assert not out.exists()


def test_a_brand_logo_and_accent_reach_the_deck(tmp_path, sample_dataset, sample_scores,
                                                sample_diagnoses):
    from PIL import Image

    Image.new("RGB", (40, 20), (200, 30, 30)).save(tmp_path / "logo.png")
    (tmp_path / "brand.yaml").write_text(
        "consultancy: 'Acme & <Partners>'\nlogo: logo.png\naccent: '#AA1100'\n"
        "confidentiality: 'Strictly confidential'\n", encoding="utf-8")
    brand = load_brand(tmp_path / "brand.yaml")
    write_decks(tmp_path, sample_dataset, sample_scores, {"shoes": sample_diagnoses["shoes"]},
                {"shoes": "shoes"}, "en", brand)
    prs = Presentation(str(tmp_path / "shoes.pptx"))
    pictures = [s for slide in prs.slides for s in slide.shapes
                if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == len(prs.slides)  # the logo on every slide
    assert "Prepared by Acme & <Partners>" in "\n".join(slide_texts(prs.slides[0]))
    assert "Strictly confidential" in slide_texts(prs.slides[3])
    title = next(s for s in prs.slides[0].shapes
                 if s.has_text_frame and s.text_frame.text == "Stepwise Shoes")
    assert str(title.text_frame.paragraphs[0].runs[0].font.color.rgb) == "AA1100"


def test_the_deck_date_is_in_the_reader_language(tmp_path):
    from assessment.present.deck import write_deck
    from assessment.present.report.core import build_report

    path = write_deck(build_report("data/sample", "airline", lang="nl"),
                      Path(tmp_path) / "airline.pptx", when=WHEN)
    lines = "\n".join(slide_texts(Presentation(str(path)).slides[0])).splitlines()
    assert "30 november 2026" in lines and "Meetronde 2026-Q1" in lines


def test_a_discipline_below_par_is_outlined_in_the_profile(sample_decks):
    lang, out, _, entries = sample_decks
    entry = entries["deptstore"]  # product leadership below par on its threshold items
    below = {lens: entry["lenses"][lens]["below_par"] for lens in LENSES}
    assert any(below.values())
    profile = charts(Presentation(str(out / "deptstore.pptx")))[3]
    for ser, lens in zip(profile.plots[0].series, LENSES, strict=True):
        outlined = [ser.points[j].format.line.width == Pt(3) for j in range(3)]
        assert outlined == [d in below[lens] for d in DISCIPLINES], lens
