"""The portfolio page's content: a main finding that adds to the verdicts, the filters'
choices, the heatmap's cells, numbers and terms in the reader's language."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from markupsafe import escape

import assessment as va
from assessment.diagnosis.findings import Evidence
from assessment.instrument.texts import LANGS, book
from assessment.present import figures
from assessment.present.portfolio import (
    CAVEAT_CODES,
    VERDICT_CODES,
    build_index,
    key_finding,
)

from .helpers_portfolio import synthetic_portfolio


def _cells(page: str, company: str) -> str:
    start = page.index(f'data-company="{company}"')
    return page[start:page.index("</tr>", start)]


def test_main_finding_adds_to_the_verdicts(sample_dataset, sample_diagnoses):
    page = build_index(sample_dataset, sample_diagnoses, {}, "en")
    verdict_titles = {book("findings")["findings"][c]["title"]["en"] for c in VERDICT_CODES
                      if c in book("findings")["findings"]}
    for cid, diag in sample_diagnoses.items():
        f = key_finding(diag)
        established = [g for g in diag.findings if g.established]
        expected = [g for g in established if g.code not in VERDICT_CODES | CAVEAT_CODES]
        if not expected:
            assert f is None
            assert "nothing beyond the verdicts" in _cells(page, cid)
            continue
        assert f is not None and f.code not in VERDICT_CODES | CAVEAT_CODES
        cell = _cells(page, cid)
        finding_cell = cell[cell.index('class="finding"'):]
        assert str(escape(f.title("en"))) in finding_cell
        assert not any(str(escape(t)) in finding_cell for t in verdict_titles)
    # the sample's known cases: the mismatch column already says "yes" for pcmaker, so the
    # finding column names the promise the set-up does not back, with its gap and confidence
    pc = _cells(page, "pcmaker")
    assert "Promise not backed by the set-up" in pc
    assert "gap 1.41" in pc and "100% of resamples" in pc
    assert key_finding(sample_diagnoses["mueller"]) is None


def test_german_and_dutch_numbers_and_terms(sample_dataset, sample_diagnoses):
    de = build_index(sample_dataset, sample_diagnoses, {}, "de")
    nl = build_index(sample_dataset, sample_diagnoses, {}, "nl")
    assert "Abstand 1,41" in _cells(de, "pcmaker")
    assert "verschil 1,41" in _cells(nl, "pcmaker")
    # shares of resamples as Babel writes them (a space before % in German and Dutch)
    assert re.search(r"99\s%", _cells(de, "privatebank"))
    assert "Linse" not in de and "Perspektive" in de and "Marktniveau 3,00" in de
    assert "lenzen" not in nl.lower() and "lensverschil" not in nl.lower()
    assert "perspectieven" in nl and "marktniveau" in nl
    # no number in the table is written the English way in German
    table = de[de.index('<table id="companies"'):de.index("</table>")]
    assert not re.search(r"\d\.\d\d\b", table)


def test_filter_choices_match_the_rows(sample_dataset, sample_diagnoses):
    page = build_index(sample_dataset, sample_diagnoses, {}, "en")
    rows = re.findall(r'data-verdicts="([^"]*)" data-industry="([^"]*)"', page)
    assert len(rows) == len(sample_diagnoses)
    controls = page[page.index('id="f-verdict"'):page.index('id="f-industry"')]
    options = set(re.findall(r'<option value="([^"]+)"', controls))
    assert options == {code for codes, _ in rows for code in codes.split()}
    industries = page[page.index('id="f-industry"'):page.index('id="f-mismatch"')]
    assert re.findall(r'<option value="([^"]+)"', industries) == sorted(
        set(sample_dataset.companies["industry"]), key=str.casefold)
    # each company's own verdicts, from its diagnosis
    diag = sample_diagnoses["pcmaker"]
    assert ('data-verdicts="experience:leader:customer_intimacy '
            'setup:leader:operational_excellence"') in _cells(page, "pcmaker")
    assert diag.lens_mismatch and 'data-mismatch="yes"' in _cells(page, "pcmaker")


def test_heatmap_cells_are_the_lens_scores_and_withheld_ones_are_gaps(
        sample_diagnoses, instrument):
    pc = sample_diagnoses["pcmaker"]
    thin = dataclasses.replace(pc.lenses["experience"], evidence=Evidence("customers", 3,
                                                                          False))
    diags = {"pcmaker": pc,
             "thin": dataclasses.replace(pc, company_id="thin", name="Thin <b>Co</b>",
                                         lenses={**pc.lenses, "experience": thin})}
    fig = figures.portfolio_heatmap(diags, instrument, "de")
    heat = fig.data[0]
    z = np.array(heat["z"], dtype=float)
    # rows from the top down: the first company is the top row (the last of z)
    expected = [pc.lenses[lens].scores[d] for lens in ("experience", "setup")
                for d in va.DISCIPLINES]
    assert z[1] == pytest.approx(expected)
    assert np.isnan(z[0][:3]).all() and z[0][3:] == pytest.approx(expected[3:])
    assert heat["text"][1][0] == f"{expected[0]:.2f}".replace(".", ",")
    assert heat["text"][0][0] == ""
    assert "zurückgehalten" in heat["hovertext"][0][0]
    notes = [a["text"] for a in fig.layout["annotations"]]
    assert any("weniger als 5 Personen" in n for n in notes)
    assert "Thin &lt;b&gt;Co&lt;/b&gt;" in fig.layout["yaxis"]["ticktext"]


def test_heatmap_of_many_companies_has_no_names_or_numbers_on_cells(
        sample_dataset, sample_diagnoses, instrument):
    _, diags = synthetic_portfolio(sample_dataset, sample_diagnoses, 120)
    fig = figures.portfolio_heatmap(diags, instrument, "en")
    assert len(fig.data[0]["z"]) == 120 and "text" not in fig.data[0]
    assert fig.layout["yaxis"]["showticklabels"] is False
    assert fig.layout["height"] <= 1050
    assert any("point at a row" in a["text"] for a in fig.layout["annotations"])


def test_page_texts_exist_in_every_language():
    def leaves(node, path=""):
        if isinstance(node, dict) and set(node) & set(LANGS):
            yield path, node
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from leaves(v, f"{path}.{k}" if path else k)
    for key, leaf in leaves(book("portfolio")):
        assert set(leaf) == set(LANGS), key
        fields = {lang: set(re.findall(r"\{(\w+)", leaf[lang])) for lang in LANGS}
        assert fields["de"] == fields["en"] == fields["nl"], key


def test_thousand_companies_page_lists_every_company(sample_dataset, sample_diagnoses):
    ds, diags = synthetic_portfolio(sample_dataset, sample_diagnoses, 1000)
    page = build_index(ds, diags, {}, "de")
    table = page[page.index('<table id="companies"'):page.index("</table>")]
    assert table.count("<tr data-company=") == 50  # the first page
    assert table.count('<tr class="later" data-company=') == 950  # shown by the script
    assert "1.000 Unternehmen" in page  # the count in the page's language
    assert page.count('class="plotly-graph-div"') == 2


@pytest.mark.parametrize("lang", ["en", "de", "nl"])
def test_bulk_numbers_are_babels(lang):
    from assessment.present.figures.portfolio import many_num
    from assessment.present.numbers import num

    rng = np.random.default_rng(5)
    values = [*rng.uniform(-6, 6, 400), *rng.uniform(-3000, 3000, 50), 0.0, -0.0, -0.001,
              9.98, 999.4, None, float("nan")]
    for spec in (".2f", ".1f", ".0f", ".0%", ".1%", "+.2f"):
        assert [many_num(v, spec, lang) for v in values] == [num(v, spec, lang)
                                                            for v in values], spec


def test_triangle_hover_numbers_in_the_readers_language(sample_diagnoses, instrument):
    fig = figures.portfolio_triangle(sample_diagnoses, instrument, "de")
    hover = " ".join(h for t in fig.data for h in t.get("hovertext", []))
    pc = sample_diagnoses["pcmaker"].lenses["setup"].scores["operational_excellence"]
    assert f"({pc:.2f})".replace(".", ",") in hover
    assert not re.search(r"\(\d\.\d\d\)", hover)
    assert re.search(r"\d\u00a0%", hover)  # Babel's German percent
