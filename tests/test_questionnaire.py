"""The questionnaire out to survey tools: every format parses as its tool reads it, every
item of the perspective appears once with its tool code and its wording in the chosen
language, the xlsx template round-trips through the intake, the printable form escapes
its texts and renders in a browser."""

from __future__ import annotations

import csv
import dataclasses
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import assessment as va
from assessment.cli import main
from assessment.instrument.codes import tool_code, tool_codes
from assessment.instrument.integration import load_integration
from assessment.present.questionnaire import (
    FORMATS,
    build_questionnaire,
    questionnaire_file,
    write_questionnaire,
)
from assessment.present.questionnaire.page import form_html
from assessment.present.questionnaire.sheet import META_COLUMNS, TEMPLATE_ROWS
from assessment.present.questionnaire.tools import LIMESURVEY_COLUMNS
from assessment.run.browser import LAUNCH_ARGS

CASES = [(p, lang) for p in ("customer", "internal") for lang in ("en", "de", "nl")]


def expected(inst: va.Instrument, perspective: str, lang: str) -> list[tuple[str, str]]:
    """(item id, wording) the perspective answers, read from the instrument directly:
    customers the experience and threshold items in their wording, staff every item."""
    if perspective == "customer":
        items = [i for i in inst.items if i.lens == "experience"] + list(inst.threshold_items)
        return [(i.id, (i.customer_text or i.text).get(lang)) for i in items]
    return [(i.id, i.text.get(lang)) for i in (*inst.items, *inst.threshold_items)]


def as_set(pairs):
    return sorted(pairs)


# -- which items, which wording --------------------------------------------------------------


@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_each_perspective_asks_its_items_once_in_its_wording(latest_instrument, perspective,
                                                              lang):
    q = build_questionnaire(perspective, lang, latest_instrument)
    asked = [(x.item_id, x.text) for x in q.questions]
    assert as_set(asked) == as_set(expected(latest_instrument, perspective, lang))
    assert len({i for i, _ in asked}) == len(asked)
    assert all(x.code == tool_code(x.item_id) for x in q.questions)
    setup = {i.id for i in latest_instrument.items if i.lens == "setup"}
    assert (perspective == "customer") == setup.isdisjoint(i for i, _ in asked)
    assert (q.department is not None) == (perspective == "internal")


def test_customers_read_the_first_person_wording(latest_instrument):
    q = build_questionnaire("customer", "en", latest_instrument)
    text = {x.item_id: x.text for x in q.questions}
    assert text["oe_exp_1"] == "I get what I ordered on time, complete and without errors."
    assert text["oe_exp_1"] != latest_instrument.item("oe_exp_1").text.en
    staff = {x.item_id: x.text for x in build_questionnaire("internal", "en").questions}
    assert staff["oe_exp_1"] == latest_instrument.item("oe_exp_1").text.en


def test_reverse_keyed_items_are_asked_as_worded(latest_instrument):
    q = build_questionnaire("internal", "en", latest_instrument)
    item = latest_instrument.item("oe_set_3")
    assert item.reverse
    assert next(x.text for x in q.questions if x.item_id == "oe_set_3") == item.text.en
    page = form_html(q)
    assert page.count(item.text.en) == 1


def test_an_older_instrument_keeps_its_own_items(instrument):
    q = build_questionnaire("customer", "en", instrument)
    ids = [x.item_id for x in q.questions]
    assert "ci_exp_7" in ids and "ci_exp_8" not in ids  # 1.0.0's item, not 1.1.0's
    assert as_set((x.item_id, x.text) for x in q.questions) == as_set(
        expected(instrument, "customer", "en"))


# -- LimeSurvey ------------------------------------------------------------------------------


def read_tsv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "LimeSurvey's files are UTF-8 with a BOM"
    rows = list(csv.reader(io.StringIO(data[3:].decode("utf-8")), delimiter="\t"))
    assert tuple(rows[0]) == LIMESURVEY_COLUMNS
    assert all(len(r) == len(LIMESURVEY_COLUMNS) for r in rows[1:])
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_limesurvey_structure(latest_instrument, perspective, lang):
    rows = read_tsv(questionnaire_file(perspective, lang, "limesurvey"))
    q = build_questionnaire(perspective, lang)
    sub = [r for r in rows if r["class"] == "SQ"]
    assert as_set((tool_codes([x.item_id for x in q.questions])[r["name"]], r["text"])
                  for r in sub) == as_set(expected(latest_instrument, perspective, lang))
    for r in rows:
        if r["class"] in ("G", "Q", "SQ", "A"):
            assert r["language"] == lang
        if r["class"] in ("Q", "SQ"):
            assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", r["name"]), r["name"]
    arrays = [r for r in rows if r["class"] == "Q" and r["type/scale"] == "F"]
    assert [r["name"] for r in arrays] == [p.code for p in q.parts]
    # each array: its subquestions, then the answers 1-5 with the labels, in order
    labels = [lbl for _, lbl in q.labels]
    for part in q.parts:
        start = next(i for i, r in enumerate(rows) if r["class"] == "Q" and r["name"] == part.code)
        block = rows[start + 1:start + 1 + len(part.questions) + 5]
        assert [r["name"] for r in block[:len(part.questions)]] == [x.code for x in part.questions]
        answers = block[len(part.questions):]
        assert [(r["class"], r["name"], r["text"]) for r in answers] == [
            ("A", str(v), lbl) for v, lbl in zip(range(1, 6), labels, strict=True)]
        assert {r["id"] for r in answers} == {rows[start]["id"]}
    groups = [r for r in rows if r["class"] == "G"]
    assert len(groups) == len(q.parts) + (perspective == "internal")
    # the export heads each answer PART[code]: the code in brackets maps back to the item
    headers = [f"{p.code}[{x.code}]" for p in q.parts for x in p.questions]
    back = tool_codes([x.item_id for x in q.questions])
    mapped = [back[re.fullmatch(r"\w+\[(\w+)\]", h).group(1)] for h in headers]
    assert sorted(mapped) == sorted(i for i, _ in expected(latest_instrument, perspective, lang))


# -- Qualtrics --------------------------------------------------------------------------------


def parse_qualtrics(txt: str) -> list[dict]:
    """Questions of an Advanced Format file: type, ID, text, choices (value, label)."""
    lines = txt.splitlines()
    assert lines[0] == "[[AdvancedFormat]]"
    questions, i = [], 0
    while i < len(lines):
        m = re.fullmatch(r"\[\[Question:([^\]]+)\]\]", lines[i])
        if m:
            qid = re.fullmatch(r"\[\[ID:([^\]]+)\]\]", lines[i + 1]).group(1)
            body, j = [], i + 2
            while j < len(lines) and lines[j] != "":
                body.append(lines[j])
                j += 1
            question = {"type": m.group(1), "id": qid, "text": " ".join(body), "choices": []}
            j += 1
            if j < len(lines) and lines[j] == "[[AdvancedChoices]]":
                j += 1
                while j < len(lines) and (c := re.fullmatch(r"\[\[Choice:(\d+)\]\]", lines[j])):
                    question["choices"].append((int(c.group(1)), lines[j + 1]))
                    j += 2
            questions.append(question)
            i = j
        else:
            i += 1
    return questions


@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_qualtrics_advanced_format(latest_instrument, perspective, lang):
    txt = questionnaire_file(perspective, lang, "qualtrics").decode("utf-8")
    q = build_questionnaire(perspective, lang)
    questions = parse_qualtrics(txt)
    scaled = [x for x in questions if x["type"] == "MC:SingleAnswer:Horizontal"]
    back = tool_codes([x.item_id for x in q.questions])
    assert as_set((back[x["id"]], x["text"]) for x in scaled) == as_set(
        expected(latest_instrument, perspective, lang))
    assert [x["id"] for x in scaled] == [x.code for x in q.questions]
    for x in scaled:
        assert x["choices"] == list(q.labels)
        assert [v for v, _ in x["choices"]] == [1, 2, 3, 4, 5]
    assert txt.count("[[Block:") == len(q.parts) + (perspective == "internal")
    department = [x for x in questions if x["id"] == "department"]
    assert len(department) == (perspective == "internal")


# -- set-up sheets -----------------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["msforms", "googleforms", "surveymonkey"])
@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_setup_sheets_list_every_statement_once_in_order(latest_instrument, tool, perspective,
                                                         lang):
    sheet = questionnaire_file(perspective, lang, tool).decode("utf-8")
    lines = sheet.splitlines()
    q = build_questionnaire(perspective, lang)
    wanted = [text for _, text in expected(latest_instrument, perspective, lang)]
    positions = [lines.index(text) for text in (x.text for x in q.questions)]
    assert positions == sorted(positions)  # in the order asked
    assert sorted(line for line in lines if line in wanted) == sorted(wanted)  # once each
    labels = q.label_texts()
    starts = [i for i, line in enumerate(lines) if line == labels[0]]
    assert len(starts) == len(q.parts)
    assert all(lines[s:s + 5] == labels for s in starts)
    if tool == "surveymonkey":
        coded = [line.split("\t") for line in lines if "\t" in line]
        assert [c for c, _ in coded] == [x.code for x in q.questions]
    assert ("\t" in sheet) == (tool == "surveymonkey")


# -- xlsx template -------------------------------------------------------------------------------


def template(perspective: str, lang: str = "en"):
    return load_workbook(io.BytesIO(questionnaire_file(perspective, lang, "xlsx")))


@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_xlsx_template_columns_comments_and_validation(latest_instrument, perspective, lang):
    book = template(perspective, lang)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    items = expected(latest_instrument, perspective, lang)
    assert header[:len(META_COLUMNS)] == list(META_COLUMNS)
    assert sorted(header[len(META_COLUMNS):]) == sorted(i for i, _ in items)
    for cell in sheet[1][len(META_COLUMNS):]:
        assert dict(items)[cell.value] in cell.comment.text
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    last = f"{sheet.cell(row=1, column=len(header)).column_letter}{TEMPLATE_ROWS + 1}"
    answers = rules[f"F2:{last}"]
    assert (answers.type, answers.formula1, answers.allow_blank) == ("list", '"1,2,3,4,5"', True)
    assert answers.showErrorMessage
    persp = rules[f"D2:D{TEMPLATE_ROWS + 1}"]
    assert (persp.type, persp.formula1) == ("list", f'"{perspective}"')
    assert sheet.max_row == 1  # nothing filled in: the dimension stays the header's
    listing = book.worksheets[1]
    listed = [r for r in listing.iter_rows(min_row=5, values_only=True) if r[2]]
    assert {r[2]: r[3] for r in listed} == dict(items)
    # numbered as the printed form numbers its rows
    page = questionnaire_file(perspective, lang, "html").decode("utf-8")
    numbers = re.findall(r'<td class="no">(\d+)</td><td class="text">', page)
    assert [str(r[0]) for r in listed] == numbers == [str(n) for n in range(1, len(items) + 1)]


def fill(book, rows: list[dict]) -> None:
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        for name, value in row.items():
            sheet.cell(row=r, column=header.index(name) + 1, value=value)


def answers(perspective: str, ids: list[str], n: int, seed: int) -> list[dict]:
    rng = np.random.default_rng(seed)
    rows = []
    for k in range(n):
        row = {"wave": "2026-Q1", "company_id": "acme", "respondent_id": f"{perspective[0]}{k:03d}",
               "perspective": perspective,
               "department": "" if perspective == "customer" else ("Sales", "Ops")[k % 2]}
        for item in ids:
            row[item] = None if rng.random() < 0.1 else int(rng.integers(1, 6))
        rows.append(row)
    return rows


def dataset_folder(folder: Path) -> Path:
    folder.mkdir()
    (folder / "companies.csv").write_text("company_id,name,industry\nacme,Acme,Retail\n",
                                          encoding="utf-8")
    return folder


@pytest.mark.parametrize("perspective", ["customer", "internal"])
def test_xlsx_template_filled_in_reads_and_scores_like_the_csv(tmp_path, perspective):
    book = template(perspective)
    header = [c.value for c in book.worksheets[0][1]]
    ids = header[len(META_COLUMNS):]
    rows = answers(perspective, ids, 8, seed=len(perspective))
    first = {"wave": "2026-Q1", "company_id": "acme", "respondent_id": "all5",
             "perspective": perspective, "department": "" if perspective == "customer"
             else "Ops", **dict.fromkeys(ids, 5)}
    rows.append(first)
    fill(book, rows)
    via_xlsx = dataset_folder(tmp_path / "xlsx")
    book.save(via_xlsx / "responses.xlsx")
    via_csv = dataset_folder(tmp_path / "csv")
    frame = pd.DataFrame(rows, columns=header).astype(object)
    frame.to_csv(via_csv / "responses.csv", index=False)

    ds_x, ds_c = va.load_dataset(via_xlsx), va.load_dataset(via_csv)
    assert ds_x.instrument.version == "1.1.0"
    s_x, s_c = va.score(ds_x), va.score(ds_c)
    key = ["respondent_id", "discipline", "lens"]
    got = s_x.respondents.sort_values(key).reset_index(drop=True)
    want = s_c.respondents.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want)
    assert len(got["respondent_id"].unique()) == 9
    # entered as answered: all 5s give (5 * 5 + 1 * 2) / 7 in the experience cell of
    # operational excellence, whose items 3 and 6 are reverse-keyed (recoded by scoring)
    oe = got[(got["respondent_id"] == "all5") & (got["discipline"] == "operational_excellence")
             & (got["lens"] == "experience")]
    assert oe["score"].iloc[0] == pytest.approx(27 / 7)


# -- printable form ------------------------------------------------------------------------------


def test_html_form_escapes_every_text():
    q = build_questionnaire("internal", "en")
    hostile = "<script>alert(1)</script> & <b>bold</b>"
    part = dataclasses.replace(q.parts[0], questions=(
        dataclasses.replace(q.parts[0].questions[0], text=hostile), *q.parts[0].questions[1:]),
        title="<img src=x onerror=alert(2)>")
    page = form_html(dataclasses.replace(q, parts=(part, *q.parts[1:])), "<i>title</i>")
    assert "<script>alert" not in page and "<img src=x" not in page and "<i>title" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page


@pytest.mark.parametrize(("perspective", "lang"), CASES)
def test_html_form_has_each_statement_once_with_five_boxes(latest_instrument, perspective, lang):
    from markupsafe import escape

    page = questionnaire_file(perspective, lang, "html").decode("utf-8")
    items = expected(latest_instrument, perspective, lang)
    for _, text in items:
        assert page.count(f'<td class="text">{escape(text)}</td>') == 1
    assert page.count('<td class="box">') == 5 * len(items)
    assert f'<html lang="{lang}">' in page


@pytest.mark.timeout(300)
def test_html_form_renders_in_a_browser(chromium, tmp_path):
    from playwright import sync_api

    path = write_questionnaire("customer", "de", "html", tmp_path / "form.html")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1400})
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(path.as_uri())
            rows = page.locator("tbody tr")
            assert rows.count() == 33
            box = page.locator("td.box span").first.bounding_box()
            assert box and 10 <= box["width"] <= 20 and 10 <= box["height"] <= 20
            page.screenshot(path=str(tmp_path / "form.png"), full_page=False)
            pdf = page.pdf(format="A4")
        finally:
            browser.close()
    assert errors == []
    assert (tmp_path / "form.png").stat().st_size > 10_000
    assert pdf.startswith(b"%PDF")


# -- command line -----------------------------------------------------------------------------


def test_cli_writes_each_format_and_never_replaces_a_file(tmp_path, capsys):
    assert va.write_questionnaire is write_questionnaire and "write_questionnaire" in va.__all__
    for fmt in FORMATS:
        out = tmp_path / f"q-{fmt}"
        assert main(["questionnaire", "--perspective", "internal", "--lang", "nl",
                     "--format", fmt, "--out", str(out)]) == 0
        if fmt == "xlsx":  # a workbook records when it was written: compare its cells
            got = load_workbook(io.BytesIO(out.read_bytes())).worksheets[0]
            want = load_workbook(io.BytesIO(questionnaire_file("internal", "nl", fmt)))
            assert [c.value for c in got[1]] == [c.value for c in want.worksheets[0][1]]
        else:
            assert out.read_bytes() == questionnaire_file("internal", "nl", fmt)
    target = tmp_path / "q-xlsx"
    target.write_bytes(b"filled in")
    assert main(["questionnaire", "--perspective", "customer", "--format", "xlsx",
                 "--out", str(target)]) == 1
    assert target.read_bytes() == b"filled in"
    assert "exists" in capsys.readouterr().err
    assert main(["questionnaire", "--perspective", "customer", "--format", "xlsx",
                 "--out", str(target), "--force"]) == 0
    assert target.read_bytes() != b"filled in"


def test_cli_reads_an_older_instrument_and_names_an_unknown_one(tmp_path, capsys):
    out = tmp_path / "old.txt"
    assert main(["questionnaire", "--perspective", "customer", "--format", "qualtrics",
                 "--instrument", "1.0.0", "--out", str(out)]) == 0
    assert "[[ID:ciexp7]]" in out.read_text(encoding="utf-8")
    assert main(["questionnaire", "--perspective", "customer", "--format", "qualtrics",
                 "--instrument", "0.9", "--out", str(tmp_path / "x.txt")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err
    assert not (tmp_path / "x.txt").exists()


# -- customer-integration section ---------------------------------------------------------------


@pytest.mark.parametrize("perspective", ["customer", "internal"])
def test_integration_items_follow_who_answers_them(latest_instrument, perspective):
    integ = load_integration()
    q = build_questionnaire(perspective, "nl", latest_instrument, integ)
    asked = [(x.item_id, x.text) for x in q.questions]
    wanted = expected(latest_instrument, perspective, "nl") + [
        (i.id, i.text.nl) for i in integ.items if perspective in i.answered_by]
    assert as_set(asked) == as_set(wanted)
    blocks = [p.discipline for p in q.parts if p.lens == "integration"]
    assert blocks == [b for b in integ.blocks
                      if any(perspective in i.answered_by for i in integ.items if i.block == b)]
    assert ("motives" in blocks) == (perspective == "customer")
    assert ("crm" in blocks) == (perspective == "internal")
    txt = questionnaire_file(perspective, "nl", "qualtrics", integration=True).decode("utf-8")
    ids = [x["id"] for x in parse_qualtrics(txt) if x["choices"]]
    assert ids == [x.code for x in q.questions]


def test_limesurvey_takes_the_integration_items_with_short_codes(tmp_path):
    out = tmp_path / "ls.txt"
    assert main(["questionnaire", "--perspective", "customer", "--format", "limesurvey",
                 "--integration", "--out", str(out)]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig")), delimiter="\t"))
    names = [row[4] for row in rows[1:] if row[2] in ("Q", "SQ")]
    assert names and all(len(name) <= 20 for name in names)
    assert "introleproducti3prel" in names


def test_xlsx_template_with_integration_items_scores_them(tmp_path):
    book = load_workbook(io.BytesIO(questionnaire_file("customer", "en", "xlsx",
                                                       integration=True)))
    header = [c.value for c in book.worksheets[0][1]]
    ids = header[len(META_COLUMNS):]
    assert "int_selfservice_1" in ids and "int_crm_share_1" not in ids
    fill(book, answers("customer", ids, 6, seed=3))
    folder = dataset_folder(tmp_path / "ds")
    book.save(folder / "responses.xlsx")
    ds = va.load_dataset(folder)
    # the set-up items customers are never asked are the only missing columns
    assert all("missing ['oe_set_1'" in w.expected for w in ds.warnings)
    scores = va.score(ds)
    assert set(scores.integration["block"]) == {"roles", "participation", "motives",
                                                "self_service"}
    n = scores.integration.loc[scores.integration["perspective"] == "customer", "n"]
    assert n.max() == 6 and n.min() >= 1  # six customers; a few cells left out by blanks


def test_every_questionnaire_text_in_three_languages_with_the_same_placeholders():
    import string

    from assessment.instrument.texts import book

    def leaves(tree, path=""):
        if set(tree) == {"en", "de", "nl"}:
            yield path, tree
            return
        for key, sub in tree.items():
            yield from leaves(sub, f"{path}.{key}".lstrip("."))

    found = list(leaves(book("questionnaire")))
    assert len(found) > 30
    for path, leaf in found:
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(leaf[lang]) if f}
                  for lang in ("en", "de", "nl")}
        assert fields["en"] == fields["de"] == fields["nl"], path
        assert leaf["de"] != leaf["en"] or path.startswith("print.date"), path
