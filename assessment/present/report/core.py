"""The per-company report: each section's content as plain data and as safe HTML.

The report notebook (``notebooks/report.ipynb``) stays thin: it calls :func:`build_report`
once and then shows a few sections per cell with :meth:`Report.show`, e.g.
``report.show("title", "headline", "profile", "triangle")``; each section is also there
as HTML (``report.headline_html()``) and as a chart (``report.profile_figure()``).

Sections (issue 3): 1 headline, 2 profile, 3 triangle, 4 experience versus set-up,
5 departments, 5b customers as co-producers (issue 5: the role map, the fit of the customer
roles with the claimed discipline, self-service as experience or burden), 6 item detail,
7 data quality, 8 against the others (and change since the previous wave), 9 what to
discuss. Texts are in ``instrument/report_texts.yaml``
(en, de, nl); finding texts come from the diagnosis.

Security: company names, department names, industries, wave labels and item texts are
untrusted. Every ``*_html`` method escapes them where they enter HTML (``html.escape``
for text; tables as ``DataFrame.to_html(escape=True)`` writes them, see :func:`table_html`
and :func:`assessment.present.report.tables.html_table`); the figures escape them in
:mod:`assessment.present.figures`.

Speed: a batch reports every company of a dataset in warm kernels. A report does not
filter the whole-dataset tables for its company: :mod:`assessment.present.report.tables` finds
every company's rows once per scored dataset (shared by the reports of the dataset cache,
see :func:`load_scored`) and the sections look them up; they give the same rows and
numbers as the filter (``tests/test_report_tables.py``).

Data methods (``gaps_table``, ``item_detail``, ``comparison``, ``wave_change`` ...) return
DataFrames with stable column names and raw codes (discipline and lens ids) for tests
and other callers; the ``*_html`` methods translate and format them.
"""

from __future__ import annotations

import html
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Diagnosis, Finding, diagnose, rank_findings
from assessment.diagnosis.findings import texts as finding_texts
from assessment.diagnosis.integration import INTEGRATION_CODES, IntegrationResult
from assessment.instrument.integration import BLOCK_SCALES, IntegrationInstrument, load_integration
from assessment.instrument.models import (
    DISCIPLINES,
    LENSES,
    THRESHOLD_LENS,
    Instrument,
)
from assessment.instrument.texts import book, check_lang
from assessment.intake.dataset import Dataset
from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.labels import label
from assessment.present.report.tables import SOURCE_ROW as _SOURCE_ROW
from assessment.present.report.tables import (
    CompanyTables,
    answered_rows,
    cronbach_alpha_of,
    html_table,
    tables_for,
)
from assessment.scoring.cache import load_scored
from assessment.scoring.integration import BLOCK_SOURCE, TAKEOVER_ROLES
from assessment.scoring.tables import INSIDE_OUT, OUTSIDE_IN, Scores, keyed, score

SECTIONS = ("headline", "profile", "triangle", "gaps", "departments", "integration", "items",
            "quality", "comparison", "discuss")
#: what :meth:`Report.show` shows for each part: the method of its HTML, of its chart
SHOW_PARTS: dict[str, tuple[str, str | None]] = {
    "title": ("title_html", None), "headline": ("headline_html", None),
    "profile": ("profile_html", "profile_figure"),
    "triangle": ("triangle_html", "triangle_figure"),
    "gaps": ("gaps_html", "gap_figure"),
    "departments": ("departments_html", "department_figure"),
    "integration": ("integration_html", "integration_figure"),
    "items": ("items_html", None), "quality": ("quality_html", None),
    "comparison": ("comparison_html", "comparison_figure"),
    "wave_change": ("wave_change_html", None), "discuss": ("discuss_html", None),
}
#: the findings of the customer-integration section (issue 5)
MIN_INDUSTRY_COMPANIES = 3  # an industry needs this many companies (with scores) to compare within
ITEMS_PER_END = 2  # strongest and weakest items shown per discipline and lens
THRESHOLD_ORDER = ("par", "excellence", "leadership_margin", "lens_gap", "blind_spot_gap",
                   "min_answered_share", "min_group_size")

# Findings in the order a workshop should see them: by severity, then by this order of
# codes (substance before data caveats), then by the size of the gap or score behind them.

CSS = """
<style>
.va-report h1 {font-size: 1.9em; margin: 0.2em 0 0.1em 0;}
.va-report .va-subtitle {color: #555; margin: 0 0 0.6em 0;}
.va-section h2 {font-size: 1.45em; margin: 1.4em 0 0.4em 0; padding-bottom: 0.2em;
                border-bottom: 2px solid #0072B2;}
.va-section h3 {font-size: 1.12em; margin: 1.1em 0 0.3em 0;}
.va-section p, .va-section li {line-height: 1.5; max-width: 62em;}
.va-section .va-note {color: #444; font-size: 0.95em;}
.va-section .va-badge {display: inline-block; font-size: 0.78em; padding: 0.05em 0.5em;
                       border-radius: 0.7em; margin-right: 0.4em; color: #fff;
                       vertical-align: 0.1em;}
.va-badge.va-critical {background: #B22222;} .va-badge.va-warning {background: #C77700;}
.va-badge.va-info {background: #4A6FA5;}
.va-section table.va-table {border-collapse: collapse; margin: 0.4em 0 0.8em 0;}
.va-section table.va-table th, .va-section table.va-table td {padding: 0.25em 0.7em;
    text-align: left; vertical-align: top; border-bottom: 1px solid #e3e3e3;}
.va-section table.va-table th {background: #f4f6f8;}
.va-section .va-commit {font-size: 1.08em; background: #EEF5FB; border-left: 4px solid #0072B2;
                        padding: 0.6em 0.9em;}
</style>
"""


# -- texts --------------------------------------------------------------------------------


def texts() -> dict:
    """The report texts shipped with the package (``instrument/report_texts.yaml``)."""
    return book("report")


_check_lang = check_lang


def esc(value: object) -> str:
    """``html.escape`` of any value's text (None as "")."""
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: object, spec: str = ".2f") -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "–"
    return format(v, spec) if np.isfinite(v) else "–"


def table_html(df: pd.DataFrame) -> str:
    """A display table: ``DataFrame.to_html`` with escaping on (cells and column names)."""
    return df.to_html(escape=True, index=False, border=0, na_rep="–",
                      classes="va-table", justify="left")


def _table(columns: dict[str, list]) -> str:
    """``table_html(pd.DataFrame(columns))``, written without pandas when it can be (text
    and whole-number cells: :func:`assessment.present.report.tables.html_table`)."""
    return html_table(columns) or table_html(pd.DataFrame(columns))


# -- building -----------------------------------------------------------------------------


def build_report(dataset_path: str | Path, company_id: str, lang: str = "en",
                 wave: str = "", show_items: bool = True, cache: bool = True) -> Report:
    """Load, score and diagnose a dataset folder and return the report of one company.

    ``wave`` "" means the company's latest wave. Raises ``ValueError`` for an unknown
    language, company or wave, and the intake's ``DatasetError`` for an invalid dataset.
    ``cache``: reuse the loaded and scored dataset while its files are unchanged (see
    :func:`load_scored`); the batch's warm kernels load a dataset once for all companies.
    """
    _check_lang(lang)
    ds, scores = load_scored(dataset_path, cache=cache)
    return report_for(ds, company_id, lang, wave, show_items, scores=scores)


# -- the dataset cache --------------------------------------------------------------------

#: files of a dataset folder that :func:`assessment.intake.dataset.load_dataset` reads (or looks for)
def report_for(dataset: Dataset, company_id: str, lang: str = "en", wave: str = "",
               show_items: bool = True, scores: Scores | None = None) -> Report:
    """The report of one company of a loaded dataset (scored here unless ``scores``)."""
    _check_lang(lang)
    company_id = str(company_id)
    known = list(dataset.companies["company_id"])
    if company_id not in known:
        raise ValueError(f"unknown company_id {company_id!r}; the dataset has {known}")
    wave = "" if wave is None else str(wave)
    if wave and wave not in dataset.waves:
        raise ValueError(f"unknown wave {wave!r}; the dataset has {dataset.waves}")
    scores = scores if scores is not None else score(dataset)
    diag = diagnose(scores, [company_id], wave=wave or None)[company_id]
    return Report(dataset, scores, diag, lang, _as_bool(show_items))


def _as_bool(value: object) -> bool:
    """A flag that may arrive as text (``papermill -r show_items False``)."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off", "none")
    return bool(value)


@dataclass
class Report:
    """One company's report in one language; every section as data and as HTML."""

    dataset: Dataset
    scores: Scores
    diagnosis: Diagnosis
    lang: str = "en"
    show_items: bool = True
    # tables the sections share (the company's rows of a score table, the comparison
    # group ...), computed once per report; the sections only read them
    _memo: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def _memoized(self, key: tuple, make: Any) -> Any:
        key = (self.company_id, self.wave, *key)
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def show(self, *parts: str) -> None:
        """Display report parts in a notebook (names from :data:`SHOW_PARTS`: ``"title"``,
        ``"headline"``, ``"profile"`` ...), each one's HTML followed by its chart.

        In a live notebook every chart is an output of its own with the plotly JSON
        bundle (JupyterLab draws it even in an untrusted notebook: see
        :func:`assessment.present.figures.show`), with the text between them as HTML outputs.
        Without the bundle (``ASSESSMENT_PLOTLY_JSON=0``, the batch's kernels) the parts
        are one HTML output: the page is the same, and each output costs the kernel, the
        notebook client and the export a message.
        """
        from IPython.display import HTML, display

        unknown = [p for p in parts if p not in SHOW_PARTS]
        if unknown:
            raise ValueError(f"unknown report part(s) {unknown}; expected some of "
                             f"{list(SHOW_PARTS)}")
        live = charts.plotly_json_wanted()
        text: list[str] = []
        for part in parts:
            html_method, figure_method = SHOW_PARTS[part]
            text.append(getattr(self, html_method)())
            fig = getattr(self, figure_method)() if figure_method else None
            if fig is None:
                continue
            if live:
                display(HTML("".join(text)))
                text = []
                charts.show(fig)
            else:
                text.append(charts.figure_html(fig))
        if text:
            display(HTML("".join(text)))

    # -- basics -----------------------------------------------------------------------
    @property
    def company_id(self) -> str:
        return self.diagnosis.company_id

    @property
    def wave(self) -> str:
        return self.diagnosis.wave

    @property
    def instrument(self) -> Instrument:
        """The instrument with this dataset's thresholds."""
        return self.scores.instrument

    @property
    def tables(self) -> CompanyTables:
        """Every company's rows of the dataset's tables, shared by the reports of the
        dataset (:mod:`assessment.present.report.tables`)."""
        return tables_for(self.dataset, self.scores)

    @property
    def name(self) -> str:
        """The company's display name (untrusted text), as ``Dataset.company_name``."""
        return self.tables.company_names().get(self.company_id, self.company_id)

    @property
    def industry(self) -> str:
        return self.tables.company_industries().get(self.company_id, "")

    @property
    def has_data(self) -> bool:
        """Whether the company has scores in the report's wave."""
        return not self.profile().empty

    def t(self, key: str, **fmt: Any) -> str:
        """A report text in the report's language (plain, not escaped)."""
        return label(key, self.lang, **fmt)

    def _disc(self, discipline: str) -> str:
        return self.instrument.discipline_label(discipline, self.lang)

    def _lens(self, lens: str) -> str:
        return self.t({"experience": "lens_experience", "setup": "lens_setup",
                       THRESHOLD_LENS: "lens_threshold"}[lens])

    def _sel(self, table: str, wave: str | None = None) -> pd.DataFrame:
        """The company's rows of a dataset or score table in ``wave`` (the report's wave):
        ``df[(df["company_id"] == company_id) & (df["wave"] == wave)]`` of ``responses``
        or a table of the scores (``profile``, ``departments`` ...), looked up."""
        w = self.wave if wave is None else wave
        tables = self.tables  # a new one when a table was replaced
        return self._memoized(("sel", table, w, tables),
                              lambda: tables.rows(table, self.company_id, w))

    def _responses(self, wave: str | None = None) -> pd.DataFrame:
        return self._sel("responses", wave)

    def _source_phrase(self) -> str:
        src = self.diagnosis.experience_source
        return finding_texts()["sources"][src][self.lang] if src else ""

    def heading_html(self, section: str, level: int = 2) -> str:
        """An escaped heading of a section (``headings.<section>``)."""
        return f"<h{level}>{esc(self.t('headings.' + section))}</h{level}>"

    def _section(self, section: str, *parts: str) -> str:
        body = "\n".join(p for p in parts if p)
        return (f'<div class="va-section va-{section}">{self.heading_html(section)}\n'
                f"{body}</div>")

    def _p(self, text: str, cls: str = "va-note") -> str:
        return f'<p class="{cls}">{esc(text)}</p>'

    def _no_data_html(self) -> str:
        return self._p(self.t("notes.no_respondents"))

    # -- title and 1. headline ----------------------------------------------------------
    def title_html(self) -> str:
        """The company name as the page title, with industry, wave, dataset, instrument."""
        parts = []
        if self.industry:
            parts.append(self.t("subtitle.industry", value=self.industry))
        if self.wave:
            parts.append(self.t("subtitle.wave", value=self.wave))
        parts.append(self.t("subtitle.dataset", value=self.dataset.name))
        parts.append(self.t("subtitle.instrument", value=self.instrument.version))
        return (f'{CSS}<div class="va-report va-title">'
                f'<p class="va-subtitle">{esc(self.t("headings.report"))}</p>'
                f"<h1>{esc(self.name)}</h1>"
                f'<p class="va-subtitle">{" · ".join(esc(p) for p in parts)}</p></div>')

    def verdicts(self) -> list[str]:
        """The verdict per lens in one sentence each (experience, set-up)."""
        return [self.diagnosis.lenses[lens].sentence(self.lang, self.instrument)
                for lens in LENSES]

    def top_findings(self, k: int = 3) -> list[Finding]:
        """The ``k`` most important findings (:func:`rank_findings`)."""
        return rank_findings(self.diagnosis.findings)[:k]

    def _finding_li(self, f: Finding, text: str, action: str | None = None) -> str:
        sev = f.severity if f.severity in ("critical", "warning", "info") else "info"
        todo = (f'<br><span class="va-note">{esc(self.t("what_to_do"))}: {esc(action)}</span>'
                if action else "")
        return (f'<li><span class="va-badge va-{sev}">{esc(self.t("severity_" + sev))}</span>'
                f"<b>{esc(f.title(self.lang))}</b>: {esc(text)}{todo}</li>")

    def headline_html(self) -> str:
        """Section 1: the verdict per lens and the top findings with their numbers."""
        if not self.has_data:
            top = self.top_findings()
            items = "".join(self._finding_li(f, f.text(self.lang, self.instrument))
                            for f in top)
            return self._section("headline", f"<ul>{items}</ul>")
        verdicts = "".join(f"<li>{esc(s)}</li>" for s in self.verdicts())
        source = self._p(self.t("notes.experience_source", source=self._source_phrase()))
        top = "".join(self._finding_li(f, f.text(self.lang, self.instrument))
                      for f in self.top_findings())
        return self._section(
            "headline", f"<ul>{verdicts}</ul>", source,
            self.heading_html("top_findings", 3), f"<ol>{top}</ol>")

    # -- 2. profile ---------------------------------------------------------------------
    def profile(self) -> pd.DataFrame:
        """The company's rows of ``Scores.profile`` in the report's wave."""
        return self._sel("profile")

    def _profile_cells(self) -> dict[tuple[str, str], tuple]:
        """(lens, discipline) -> the first profile row's (mean, n, sd, ci_low, ci_high,
        rwg)."""
        def make() -> dict[tuple[str, str], tuple]:
            p = self.profile()
            out: dict[tuple[str, str], tuple] = {}
            for row in zip(p["lens"], p["discipline"], p["mean"], p["n"], p["sd"],
                           p["ci_low"], p["ci_high"], p["rwg"], strict=True):
                out.setdefault(row[:2], row[2:])
            return out
        return self._memoized(("profile_cells",), make)

    def profile_html(self) -> str:
        """Section 2 heading and how to read the profile chart."""
        if not self.has_data:
            return self._section("profile", self._no_data_html())
        th, sc = self.instrument.thresholds, self.instrument.scale
        return self._section("profile", self._p(self.t(
            "notes.profile", min=sc.min, max=sc.max, par=th.par, excellence=th.excellence)))

    def profile_figure(self) -> Chart | None:
        if not self.has_data:
            return None
        return charts.profile_chart(self.profile(), self.instrument, self.lang)

    # -- 3. triangle --------------------------------------------------------------------
    def triangle_html(self) -> str:
        """Section 3 heading and how the triangle is computed."""
        if not self.has_data:
            return self._section("triangle", self._no_data_html())
        return self._section("triangle", self._p(self.t("notes.triangle",
                                                         min=self.instrument.scale.min)))

    def triangle_figure(self) -> Chart | None:
        if not self.has_data:
            return None
        return charts.triangle_chart(self.profile(), self.instrument, self.lang)

    # -- 4. experience versus set-up ----------------------------------------------------
    def gaps_table(self) -> pd.DataFrame:
        """discipline, experience, setup, gap (experience - set-up), reading
        (``unbacked_promise``, ``unnoticed_capability``, ``aligned`` or ``no_data``)."""
        th = self.instrument.thresholds
        cells = self._profile_cells()
        rows = []
        for d in DISCIPLINES:
            vals = {lens: cells.get((lens, d)) for lens in LENSES}
            exp = float(vals["experience"][0]) if vals["experience"] else np.nan
            setup = float(vals["setup"][0]) if vals["setup"] else np.nan
            gap = exp - setup
            if not np.isfinite(gap):
                reading = "no_data"
            elif gap >= th.lens_gap - 1e-9:
                reading = "unbacked_promise"
            elif gap <= -th.lens_gap + 1e-9:
                reading = "unnoticed_capability"
            else:
                reading = "aligned"
            rows.append({"discipline": d, "experience": exp, "setup": setup, "gap": gap,
                         "reading": reading})
        return pd.DataFrame(rows)

    def blind_spot_table(self) -> pd.DataFrame | None:
        """discipline, internal, customer, diff (staff's estimate - customers), reading
        (``overestimate``, ``underestimate``, ``close``); None when customers did not
        answer (inside-out) or too few staff estimated the experience."""
        th = self.instrument.thresholds
        blind = self.tables.first_rows("blind_spots", ["discipline"],
                                       ["internal", "customer", "diff"], self.company_id,
                                       self.wave)
        if not blind or self.diagnosis.experience_source != OUTSIDE_IN:
            return None
        nan = (np.nan, np.nan, np.nan)
        values = np.array([blind.get((d,), nan) for d in DISCIPLINES], dtype=float)
        diff = values[:, 2]
        return pd.DataFrame({
            "discipline": list(DISCIPLINES), "internal": values[:, 0],
            "customer": values[:, 1], "diff": diff,
            "reading": np.select(
                [diff >= th.blind_spot_gap - 1e-9, diff <= -th.blind_spot_gap + 1e-9],
                ["overestimate", "underestimate"], "close")})

    def gaps_html(self) -> str:
        """Section 4: the gap per discipline with its reading, and the blind spot."""
        if not self.has_data:
            return self._section("gaps", self._no_data_html())
        th = self.instrument.thresholds
        readings = {"unbacked_promise": "reading_unbacked",
                    "unnoticed_capability": "reading_unnoticed",
                    "aligned": "reading_aligned", "no_data": "no_data",
                    "overestimate": "reading_overestimate",
                    "underestimate": "reading_underestimate", "close": "reading_close"}
        gaps = self.gaps_table()
        shown = {
            self.t("columns.discipline"): [self._disc(d) for d in gaps["discipline"]],
            self.t("columns.experience"): [_fmt(v) for v in gaps["experience"]],
            self.t("columns.setup"): [_fmt(v) for v in gaps["setup"]],
            self.t("columns.gap"): [_fmt(v, "+.2f") for v in gaps["gap"]],
            self.t("columns.reading"): [self.t(readings[r]) for r in gaps["reading"]],
        }
        parts = [self._p(self.t("notes.gaps", lens_gap=th.lens_gap)), _table(shown),
                 self.heading_html("blind_spots", 3)]
        blind = self.blind_spot_table()
        if blind is not None:
            bshown = {
                self.t("columns.discipline"): [self._disc(d) for d in blind["discipline"]],
                self.t("columns.staff_estimate"): [_fmt(v) for v in blind["internal"]],
                self.t("columns.customers"): [_fmt(v) for v in blind["customer"]],
                self.t("columns.difference"): [_fmt(v, "+.2f") for v in blind["diff"]],
                self.t("columns.reading"): [self.t(readings[r]) for r in blind["reading"]],
            }
            parts += [self._p(self.t("notes.blind_spots", blind_spot_gap=th.blind_spot_gap)),
                      _table(bshown)]
        elif self.diagnosis.experience_source == INSIDE_OUT:
            parts.append(self._p(self.t("notes.blind_spots_unavailable",
                                        min=th.min_group_size)))
        else:
            parts.append(self._p(self.t("notes.blind_spots_no_staff")))
        return self._section("gaps", *parts)

    def gap_figure(self) -> Chart | None:
        if not self.has_data:
            return None
        blind = self.blind_spot_table()
        blind_map = None if blind is None else dict(zip(blind["discipline"], blind["diff"],
                                                        strict=True))
        gaps = self.gaps_table()
        return charts.gap_chart(dict(zip(gaps["discipline"], gaps["gap"], strict=True)),
                                blind_map, self.instrument, self.lang)

    # -- 5. departments -----------------------------------------------------------------
    def departments(self) -> pd.DataFrame:
        """Set-up means of the departments shown (at least the minimum group size)."""
        return self._sel("departments")

    def hidden_departments(self) -> pd.DataFrame:
        """Departments under the minimum group size (names never shown), with their n."""
        return self._sel("hidden_departments")

    def departments_html(self) -> str:
        """Section 5: what the heatmap shows, hidden departments, alignment."""
        if not self.has_data:
            return self._section("departments", self._no_data_html())
        th = self.instrument.thresholds
        dept, hidden = self.departments(), self.hidden_departments()
        n_shown = dept["department"].nunique()
        parts = [self._p(self.t("notes.departments", min=th.min_group_size))]
        if n_shown == 0:
            parts.append(self._p(self.t("departments_none", min=th.min_group_size)))
        if len(hidden) and n_shown == 0:  # otherwise the heatmap carries the note
            parts.append(self._p(self.t("departments_hidden_note", n=len(hidden),
                                        min=th.min_group_size,
                                        respondents=int(hidden["n"].sum()))))
        if n_shown == 1:
            parts.append(self._p(self.t("notes.departments_single")))
        elif self.diagnosis.department_alignment is True:
            parts.append(self._p(self.t("notes.departments_aligned")))
        elif self.diagnosis.department_alignment is False:
            split = [f for f in self.diagnosis.findings if f.code == "department_split"]
            for f in split:
                parts.append(f"<ul>{self._finding_li(f, f.text(self.lang, self.instrument))}"
                             "</ul>")
        return self._section("departments", *parts)

    def department_figure(self) -> Chart | None:
        dept = self.departments()
        if not self.has_data or dept.empty:
            return None
        return charts.department_heatmap(dept, self.hidden_departments(), self.instrument,
                                         self.lang)

    # -- 5b. customers as co-producers --------------------------------------------------
    @property
    def integration(self) -> IntegrationResult | None:
        """The company's customer integration in the report's wave (None without answers)."""
        return self.diagnosis.integration

    @property
    def integration_instrument(self) -> IntegrationInstrument:
        return self.scores.integration_instrument or load_integration()

    def integration_scores(self) -> pd.DataFrame:
        """The company's rows of ``Scores.integration`` in the report's wave."""
        table = self.scores.integration
        if table is None or table.empty:
            return pd.DataFrame(columns=["wave", "company_id", "block", "scale", "perspective",
                                         "mean", "n", "shown", "source"])
        return self._sel("integration")

    def _integration_value(self, block: str, scale: str, perspective: str | None = None
                           ) -> tuple[float, int]:
        """(mean, n) of one block and scale: the company's score (``source``) or one
        perspective's; mean NaN when hidden or missing, n 0 when nobody answered."""
        rows = self._memoized(("integration_rows",), lambda: self.tables.integration_rows(
            self.company_id, self.wave))
        hit = rows.get((block, scale, _SOURCE_ROW if perspective is None else perspective))
        if hit is None:
            return float("nan"), 0
        mean, n, shown = hit
        return (float(mean) if bool(shown) else float("nan")), int(n)

    def integration_roles(self) -> pd.DataFrame:
        """One row per customer role (instrument order): role, context, participation,
        score (customers and staff together, the company's role score), n, customer,
        internal (each group's score; NaN when hidden or missing), needed (the claimed
        discipline needs the role). Empty without integration answers."""
        cols = ["role", "context", "participation", "score", "n", "customer", "internal",
                "needed"]
        res = self.integration
        if res is None:
            return pd.DataFrame(columns=cols)
        integ = self.integration_instrument
        rows = []
        for role, info in integ.roles.items():
            score_, n = self._integration_value("roles", role)
            rows.append({
                "role": role, "context": info.context, "participation": info.participation,
                "score": score_, "n": n,
                "customer": self._integration_value("roles", role, "customer")[0],
                "internal": self._integration_value("roles", role, "internal")[0],
                "needed": role in res.needed_roles})
        return pd.DataFrame(rows, columns=cols)

    def integration_blocks(self) -> pd.DataFrame:
        """The blocks other than roles: block, scale, source (``all``, ``customer``,
        ``internal``: whose answers the score is), score (NaN when too few answered), n."""
        return pd.DataFrame(self._integration_block_rows())

    def _integration_block_rows(self) -> list[dict[str, Any]]:
        rows = []
        for block, scales in BLOCK_SCALES.items():
            for scale in scales:
                score_, n = self._integration_value(block, scale)
                rows.append({"block": block, "scale": scale, "source": BLOCK_SOURCE[block],
                             "score": score_, "n": n})
        return rows

    def integration_findings(self) -> list[Finding]:
        """The customer-integration findings, most important first."""
        return rank_findings([f for f in self.diagnosis.findings
                              if f.code in INTEGRATION_CODES])

    def _claimed_lens(self) -> str:
        setup = self.diagnosis.lenses["setup"]
        claimed = self.integration.claimed if self.integration else None
        return "setup" if claimed and claimed in (setup.leader, setup.dominant) else "experience"

    def _integration_fit_html(self) -> list[str]:
        res = self.integration
        assert res is not None
        integ, th = self.integration_instrument, self.instrument.thresholds
        parts = [self.heading_html("integration_fit", 3)]
        if not res.claimed:
            return [*parts, self._p(self.t("notes.integration_no_claim"))]
        listed = ", ".join(
            f"{integ.scale_label('roles', r, self.lang)} "
            f"{_fmt(self._integration_value('roles', r)[0])}"
            for r in res.needed_roles)
        disc = self._disc(res.claimed)
        parts.append(self._p(self.t("notes.integration_claimed_" + self._claimed_lens(),
                                    discipline=disc)))
        if res.needed_score is None:
            key = "notes.integration_needed_no_data"
            text = self.t(key, discipline=disc, roles=listed)
        else:
            key = "notes.integration_fits" if res.fits else "notes.integration_misfit"
            text = self.t(key, discipline=disc, roles=listed, score=res.needed_score,
                          par=th.par)
        parts.append(self._p(text, "va-commit"))
        parts.append(self._p(integ.fit[res.claimed].rationale.get(self.lang)))
        return parts

    def _self_service_html(self) -> list[str]:
        res = self.integration
        assert res is not None
        th = self.instrument.thresholds
        parts = [self.heading_html("integration_self_service", 3)]
        takeover = [res.roles.get(r) for r in TAKEOVER_ROLES]
        takeover = [v for v in takeover if v is not None]
        if takeover:
            value = float(np.mean(takeover))
            key = ("notes.self_service_takeover" if value >= th.par
                   else "notes.self_service_little_takeover")
            parts.append(self._p(self.t(key, takeover=value, par=th.par)))
        experience, n = self._integration_value("self_service", "experience")
        if not np.isfinite(experience):
            parts.append(self._p(self.t("notes.self_service_too_few", min=th.min_group_size)))
        else:
            key = ("notes.self_service_experience" if experience >= th.par
                   else "notes.self_service_burden")
            parts.append(self._p(self.t(key, experience=experience, n=n, par=th.par),
                                 "va-commit"))
        return parts

    def _integration_blocks_html(self) -> list[str]:
        th = self.instrument.thresholds
        integ = self.integration_instrument
        blocks = [b for b in self._integration_block_rows()
                  if b["block"] != "self_service"]  # its own paragraph above
        parts = [self.heading_html("integration_blocks", 3)]
        active = self._integration_value("participation", "active")[0]
        passive = self._integration_value("participation", "passive")[0]
        if np.isfinite(active) and np.isfinite(passive):
            # "more" only with a clear lead (the instrument's leadership margin)
            lead = active - passive
            key = ("notes.participation_active" if lead >= th.leadership_margin - 1e-9
                   else "notes.participation_passive" if -lead >= th.leadership_margin - 1e-9
                   else "notes.participation_equal")
            parts.append(self._p(self.t(key, active=active, passive=passive)))
        motives = [b for b in blocks if b["block"] == "motives" and not pd.isna(b["score"])]
        if motives:
            top = max(motives, key=lambda b: b["score"])  # the first of the highest
            parts.append(self._p(self.t(
                "notes.motive_strongest", score=float(top["score"]),
                motive=integ.scale_label("motives", top["scale"], self.lang))))
        parts.append(_table({
            self.t("columns.block"): [integ.blocks[b["block"]].label.get(self.lang)
                                      for b in blocks],
            self.t("columns.scale"): [integ.scale_label(b["block"], b["scale"], self.lang)
                                      for b in blocks],
            self.t("columns.source"): [self.t("answered_by_" + b["source"]) for b in blocks],
            self.t("columns.mean"): [_fmt(b["score"]) for b in blocks],
            self.t("columns.n"): [int(b["n"]) for b in blocks],
        }))
        hidden = [b for b in blocks if b["source"] == "customer" and pd.isna(b["score"])]
        if hidden:
            parts.append(self._p(self.t("notes.integration_customers_hidden",
                                        min=th.min_group_size)))
        return parts

    def integration_html(self) -> str:
        """Section 5b "Customers as co-producers": the fit of the customer roles with the
        claimed discipline, self-service as experience or burden, participation, motives
        and supply-chain CRM, the integration findings with their actions, and how to read
        the role map (:meth:`integration_figure`). A short note without integration data."""
        if self.integration is None:
            return self._section("integration", self._p(self.t("notes.integration_none")))
        th = self.instrument.thresholds
        parts = [*self._integration_fit_html(), *self._self_service_html(),
                 *self._integration_blocks_html(),
                 self.heading_html("integration_findings", 3)]
        findings = self.integration_findings()
        if findings:
            items = "".join(self._finding_li(f, f.text(self.lang, self.instrument),
                                             f.action(self.lang, self.instrument))
                            for f in findings)
            parts.append(f"<ul>{items}</ul>")
        else:
            parts.append(self._p(self.t("notes.integration_no_findings")))
        how = self.t("notes.role_map", par=th.par)
        if self.integration.claimed:
            how += " " + self.t("notes.role_map_needed",
                                discipline=self._disc(self.integration.claimed))
        parts += [self.heading_html("role_map", 3), self._p(how)]
        return self._section("integration", *parts)

    def integration_figure(self) -> Chart | None:
        """The role map (:func:`assessment.present.figures.role_map`); None without integration."""
        if self.integration is None:
            return None
        part = {s: self._integration_value("participation", s)[0]
                for s in ("active", "passive")}
        return charts.role_map(self.integration_roles(), self.integration_instrument,
                               self.instrument, self.lang, claimed=self.integration.claimed,
                               participation=part)

    # -- 6. item detail -----------------------------------------------------------------
    def item_means(self) -> pd.DataFrame:
        """Mean answer per discipline item after reverse keying, for the report's wave.

        Experience items: customers when the experience lens is outside-in, else staff;
        set-up items: staff. All answers of the group count (blank = not answered). A
        group smaller than the minimum group size gets no means (NaN). Columns: item_id,
        discipline, lens, reverse, text, mean, n.
        """
        return pd.DataFrame(self._item_means_columns())

    def _item_means_columns(self) -> dict[str, Any]:
        return self._memoized(("item_means", self.lang), self._make_item_means_columns)

    def _make_item_means_columns(self) -> dict[str, Any]:
        inst = self.instrument
        items = inst.items
        ids = [i.id for i in items]
        answers = self.tables.answers(self.company_id, self.wave)
        rev = np.array([i.reverse for i in items])
        # the discipline items come first in the answers (then the threshold items)
        vals = keyed(answers.raw[:, :len(items)], rev, inst.scale.min, inst.scale.max)
        exp_group = ("customer" if self.diagnosis.experience_source == OUTSIDE_IN
                     else "internal")
        persp = answers.perspective
        min_n = inst.thresholds.min_group_size
        lens = np.array([i.lens for i in items])
        mean = np.full(len(items), np.nan)
        count = np.zeros(len(items), dtype=int)
        for lens_name, group in (("experience", exp_group), ("setup", "internal")):
            rows = vals[persp == group]
            cols = lens == lens_name
            if len(rows) < min_n:
                continue
            sub = rows[:, cols]
            n = (~np.isnan(sub)).sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                m = np.nansum(sub, axis=0) / n
            mean[cols] = np.where(n >= min_n, m, np.nan)
            count[cols] = n
        return {
            "item_id": ids, "discipline": [i.discipline for i in items], "lens": lens,
            "reverse": rev, "text": [i.text.get(self.lang) for i in items],
            "mean": mean, "n": count,
        }

    def item_detail(self, k: int = ITEMS_PER_END) -> pd.DataFrame:
        """The ``k`` strongest and ``k`` weakest items per lens and discipline.

        Columns: lens, discipline, position (``strongest``/``weakest``), item_id, text,
        reverse, mean, n. Order: lens (experience, set-up), discipline, the strongest
        (highest first), then the weakest (lowest first); ties keep the instrument's order.
        Items without a mean are left out.
        """
        means = self._item_means_columns()
        chosen = self._item_detail_rows(k)
        cols = ["lens", "discipline", "position", "item_id", "text", "reverse", "mean", "n"]
        if not chosen:
            return pd.DataFrame(columns=cols)
        rows = np.array([i for i, _ in chosen], dtype=np.intp)
        return pd.DataFrame({
            "lens": means["lens"][rows],
            "discipline": [means["discipline"][i] for i in rows],
            "position": [p for _, p in chosen],
            **{c: [means[c][i] for i in rows] for c in ("item_id", "text")},
            **{c: means[c][rows] for c in ("reverse", "mean", "n")},
        })

    def _item_detail_rows(self, k: int = ITEMS_PER_END) -> list[tuple[int, str]]:
        """(position in the instrument's items, ``strongest``/``weakest``) of the rows of
        :meth:`item_detail`, in its order."""
        means = self._item_means_columns()
        mean, lens_, disc = means["mean"], means["lens"], means["discipline"]
        chosen: list[tuple[int, str]] = []
        for lens in LENSES:
            for d in DISCIPLINES:
                cell = [i for i in range(len(mean))
                        if lens_[i] == lens and disc[i] == d and not np.isnan(mean[i])]
                # stable sorts: ties keep the instrument's order (as sort_values "stable")
                top = sorted(cell, key=lambda i: -mean[i])[:k]
                low = sorted((i for i in cell if i not in top), key=lambda i: mean[i])[:k]
                chosen += [(i, "strongest") for i in top] + [(i, "weakest") for i in low]
        return chosen

    def items_html(self) -> str:
        """Section 6 (empty when ``show_items`` is off): a table per lens."""
        if not self.show_items:
            return ""
        if not self.has_data:
            return self._section("items", self._no_data_html())
        means = self._item_means_columns()
        source = (self.t("notes.items_source_customers")
                  if self.diagnosis.experience_source == OUTSIDE_IN
                  else self.t("notes.items_source_staff"))
        parts = [self._p(self.t("notes.items", k=ITEMS_PER_END, source=source))]
        rows = [(means["lens"][i], means["discipline"][i], position, means["text"][i],
                 means["reverse"][i], means["mean"][i], means["n"][i])
                for i, position in self._item_detail_rows()]
        for lens in LENSES:
            parts.append(f"<h3>{esc(self._lens(lens))}</h3>")
            sub = [r for r in rows if r[0] == lens]
            if not sub:
                parts.append(self._p(self.t("notes.items_hidden")))
                continue
            parts.append(_table({
                self.t("columns.discipline"): [self._disc(r[1]) for r in sub],
                self.t("columns.which"): [self.t(r[2]) for r in sub],
                self.t("columns.statement"): [r[3] for r in sub],
                self.t("columns.reversed"): [self.t("mark_yes") if r[4] else "" for r in sub],
                self.t("columns.mean"): [_fmt(r[5]) for r in sub],
                self.t("columns.n"): [int(r[6]) for r in sub],
            }))
        return self._section("items", *parts)

    # -- 7. data quality ----------------------------------------------------------------
    def respondents_table(self) -> pd.DataFrame:
        """group (``customers``, ``staff``, ``department:<name>``, ``other_departments``),
        departments (number pooled), n, answered (share of the items the group was asked).

        Departments under the minimum group size are pooled into one row.
        """
        inst = self.instrument
        answers = self.tables.answers(self.company_id, self.wave)
        setup_ids = {i.id for i in inst.items if i.lens == "setup"}
        every = np.arange(len(answers.ids))  # answers.ids: the instrument's item ids
        asked_customer = np.array([k for k, i in enumerate(answers.ids) if i not in setup_ids],
                                  dtype=np.intp)
        answered = ~np.isnan(answers.raw)
        cust = answers.perspective == "customer"
        staff = ~cust

        def share(mask: np.ndarray, cols: np.ndarray) -> float:
            if not mask.any():
                return float("nan")
            return float(answered[np.ix_(mask, cols)].mean())

        rows = [{"group": "customers", "departments": 0, "n": int(cust.sum()),
                 "answered": share(cust, asked_customer)},
                {"group": "staff", "departments": 0, "n": int(staff.sum()),
                 "answered": share(staff, every)}]
        shown = set(self.departments()["department"])
        dept = answers.department
        for name in sorted(shown):
            mask = staff & (dept == name)
            rows.append({"group": f"department:{name}", "departments": 1,
                         "n": int(mask.sum()), "answered": share(mask, every)})
        other = staff & ~np.isin(dept, list(shown))
        if other.any():
            rows.append({"group": "other_departments",
                         "departments": int(len(set(dept[other]))), "n": int(other.sum()),
                         "answered": share(other, every)})
        return pd.DataFrame(rows)

    def scales_table(self) -> pd.DataFrame:
        """Per scale (discipline x lens, and the threshold values): the group's n, mean,
        sd, CI, r_wg, Cronbach's alpha of this company's group and of the whole dataset."""
        inst = self.instrument
        stats = ("mean", "n", "sd", "ci_low", "ci_high", "rwg")
        prof = {key: dict(zip(stats, v, strict=True))
                for key, v in self._profile_cells().items()}
        tables = self.tables
        company = tables.first_rows("company", ["lens", "perspective", "discipline"], stats,
                                    self.company_id, self.wave)
        thr = {(lens, d): dict(zip(stats, values, strict=True))
               for (lens, persp_, d), values in company.items()
               if lens == THRESHOLD_LENS and persp_ == "all"}
        rel = tables.reliability()
        answers = tables.answers(self.company_id, self.wave)
        column = {item_id: k for k, item_id in enumerate(answers.ids)}
        persp = answers.perspective
        exp_group = ("customer" if self.diagnosis.experience_source == OUTSIDE_IN
                     else "internal")
        groups = {"experience": persp == exp_group, "setup": persp == "internal",
                  THRESHOLD_LENS: np.ones(len(persp), dtype=bool)}
        min_n = inst.thresholds.min_group_size
        rows = []
        for d, lens in inst.cells():
            src = prof if lens in LENSES else thr
            key = (lens, d)
            row = src.get(key)
            items = inst.cell_items(d, lens)
            revs = np.array([i.reverse for i in items])
            # the group's answers to the cell's items, column-major as DataFrame.to_numpy
            # gives them (the same numbers in the same layout give the same alpha)
            block = np.asfortranarray(answers.raw[np.ix_(
                groups[lens], [column[i.id] for i in items])])
            alpha = float("nan")
            vals = answered_rows(keyed(block, revs, inst.scale.min, inst.scale.max))
            if len(vals) >= max(min_n, 3):
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore", RuntimeWarning)
                    alpha = cronbach_alpha_of(vals)
            rows.append({
                "lens": lens, "discipline": d,
                "n": int(row["n"]) if row is not None else 0,
                **{c: (float(row[c]) if row is not None else np.nan)
                   for c in ("mean", "sd", "ci_low", "ci_high", "rwg")},
                "alpha_company": alpha,
                "alpha_dataset": float(rel[key]) if key in rel else np.nan,
            })
        return pd.DataFrame(rows)

    def data_quality(self) -> dict[str, Any]:
        """Section 7 as data: respondents, dropped scores, scales, thresholds, version."""
        dropped = {"n_scores": 0, "n_dropped": 0, "n_respondents_dropped": 0}
        first = self.tables.first_rows("dropped", [], list(dropped), self.company_id,
                                       self.wave).get(())
        if first is not None:
            dropped = {k: int(v) for k, v in zip(dropped, first, strict=True)}
        return {
            "respondents": self.respondents_table(),
            "dropped": dropped,
            "scales": self.scales_table(),
            "thresholds": self.instrument.thresholds.model_dump(),
            "instrument_version": self.instrument.version,
        }

    def quality_html(self) -> str:
        """Section 7: respondents, answered share, dropped scores, reliability, r_wg,
        instrument version and thresholds."""
        q = self.data_quality()
        inst, th = self.instrument, self.instrument.thresholds
        parts = [self.heading_html("respondents", 3),
                 self._p(self.t("notes.respondents", min=th.min_group_size))]
        group_names = []
        for g, k in zip(q["respondents"]["group"], q["respondents"]["departments"],
                        strict=True):
            if g == "customers":
                group_names.append(self.t("customers"))
            elif g == "staff":
                group_names.append(self.t("staff"))
            elif g == "other_departments":
                group_names.append(self.t("staff_other_departments", n=int(k),
                                          min=th.min_group_size))
            else:
                group_names.append(self.t("staff_department",
                                          department=g.split(":", 1)[1]))
        r = q["respondents"]
        parts.append(_table({
            self.t("columns.group"): group_names,
            self.t("columns.respondents"): [int(v) for v in r["n"]],
            self.t("columns.answered"): [_fmt(v, ".0%") for v in r["answered"]],
        }))
        d = q["dropped"]
        if d["n_dropped"]:
            parts.append(self._p(self.t(
                "notes.dropped", n_dropped=d["n_dropped"], n_scores=d["n_scores"],
                share=d["n_dropped"] / max(d["n_scores"], 1),
                n_respondents=d["n_respondents_dropped"], min_share=th.min_answered_share)))
        else:
            parts.append(self._p(self.t("notes.dropped_none")))
        s = q["scales"]
        parts += [self.heading_html("scales", 3),
                  self._p(self.t("notes.scales", source=self._source_phrase() or "–")),
                  _table({
                      self.t("columns.lens"): [self._lens(v) for v in s["lens"]],
                      self.t("columns.discipline"): [self._disc(v) for v in s["discipline"]],
                      self.t("columns.n"): [int(v) for v in s["n"]],
                      self.t("columns.mean"): [_fmt(v) for v in s["mean"]],
                      self.t("columns.sd"): [_fmt(v) for v in s["sd"]],
                      self.t("columns.ci"): [f"{_fmt(lo)} – {_fmt(hi)}" if np.isfinite(lo)
                                             else "–"
                                             for lo, hi in zip(s["ci_low"], s["ci_high"],
                                                               strict=True)],
                      self.t("columns.rwg"): [_fmt(v) for v in s["rwg"]],
                      self.t("columns.alpha_company"): [_fmt(v) for v in s["alpha_company"]],
                      self.t("columns.alpha_dataset"): [_fmt(v) for v in s["alpha_dataset"]],
                  })]
        values = []
        for key in THRESHOLD_ORDER:
            v = q["thresholds"][key]
            values.append(_fmt(v, ".0%") if key == "min_answered_share"
                          else str(int(v)) if key == "min_group_size" else _fmt(v))
        parts += [self.heading_html("settings", 3),
                  self._p(self.t("notes.settings", title=inst.title.get(self.lang),
                                 version=q["instrument_version"])),
                  _table({
                      self.t("columns.setting"): [self.t("thresholds." + k)
                                                  for k in THRESHOLD_ORDER],
                      self.t("columns.value"): values})]
        return self._section("quality", *parts)

    # -- 8. against the others, and change since the previous wave ----------------------
    def comparison_group(self) -> tuple[list[str], str]:
        """The companies to compare with and why: (ids, ``industry`` | ``all`` | ``none``).

        Candidates are the other companies with scores in a wave up to the report's wave.
        The same industry is used when it has at least ``MIN_INDUSTRY_COMPANIES`` companies
        with scores (this one included), otherwise all candidates.
        """
        return self._memoized(("comparison_group",), self._comparison_group)

    def _comparison_group(self) -> tuple[list[str], str]:
        scored, _ = self.tables.comparison_pool(self.wave)
        candidates = [c for c in scored if c != self.company_id]
        if not candidates:
            return [], "none"
        norm = self.tables.norm_industries()
        mine = norm.get(self.company_id, "")
        same = [c for c in candidates if mine and norm.get(c, None) == mine]
        if mine and len(same) + 1 >= MIN_INDUSTRY_COMPANIES:
            return same, "industry"
        return candidates, "all"

    def comparison_data(self) -> pd.DataFrame:
        """Tidy lens scores of the company (report's wave) and its comparison group (each
        in its latest wave up to the report's wave): company_id, name, wave, lens,
        discipline, mean."""
        return self._memoized(("comparison_data",), self._comparison_data)

    def _comparison_data(self) -> pd.DataFrame:
        ids, _ = self.comparison_group()
        data = self.tables.comparison_rows(self.company_id, self.wave, ids,
                                           ["company_id", "wave", "lens", "discipline", "mean"])
        data.insert(1, "name", data["company_id"].map(self.tables.name_map()))
        return data

    def comparison(self) -> pd.DataFrame:
        """Per lens and discipline: the company's score, the others' mean, min and max,
        the difference (company - others' mean), its rank (1 = highest) among the company
        and the others with a score, and how many that are (total)."""
        data = self.comparison_data()
        lens_, disc = data["lens"].to_numpy(), data["discipline"].to_numpy()
        mine = data["company_id"].to_numpy() == self.company_id
        means = data["mean"].to_numpy(dtype=float)
        rows = []
        for lens in LENSES:
            for d in DISCIPLINES:
                cell = (lens_ == lens) & (disc == d)
                own = means[cell & mine]
                own_v = float(own[0]) if len(own) else np.nan
                oth = means[cell & ~mine]
                oth = oth[~np.isnan(oth)]
                mean = float(oth.mean()) if len(oth) else np.nan
                ok = np.isfinite(own_v)
                rows.append({
                    "lens": lens, "discipline": d, "company": own_v,
                    "others_mean": mean,
                    "others_min": float(oth.min()) if len(oth) else np.nan,
                    "others_max": float(oth.max()) if len(oth) else np.nan,
                    "difference": own_v - mean,
                    "rank": int((oth > own_v).sum()) + 1 if ok else None,
                    "total": len(oth) + (1 if ok else 0),
                })
        return pd.DataFrame(rows)

    def comparison_figure(self) -> Chart | None:
        ids, _ = self.comparison_group()
        if not self.has_data or not ids:
            return None
        return charts.comparison_chart(self.comparison_data(), self.company_id,
                                       self.instrument, self.lang)

    @property
    def previous_wave(self) -> str | None:
        """The company's latest wave before the report's wave (None if there is none)."""
        earlier = [w for w in self.tables.profile_waves(self.company_id) if w < self.wave]
        return earlier[-1] if earlier else None

    def previous_diagnosis(self) -> Diagnosis | None:
        prev = self.previous_wave
        if prev is None:
            return None
        return diagnose(self.scores, [self.company_id], wave=prev)[self.company_id]

    def wave_change(self) -> pd.DataFrame | None:
        """lens, discipline, previous, current, change (current - previous) since the
        previous wave; None when the company has no earlier wave."""
        prev = self.previous_wave
        if prev is None:
            return None
        key = ["lens", "discipline"]
        before = self._sel("profile", prev).set_index(key)["mean"]
        now = self.profile().set_index(key)["mean"]
        idx = pd.MultiIndex.from_product([list(LENSES), list(DISCIPLINES)], names=key)
        out = pd.DataFrame({"previous": before.reindex(idx), "current": now.reindex(idx)})
        out["change"] = out["current"] - out["previous"]
        return out.reset_index()

    def comparison_html(self) -> str:
        """Section 8: the comparison table, and the change since the previous wave."""
        if not self.has_data:
            return self._section("comparison", self._no_data_html())
        ids, basis = self.comparison_group()
        parts = []
        if basis == "none":
            parts.append(self._p(self.t("notes.comparison_none")))
        else:
            key = "notes.comparison_industry" if basis == "industry" else "notes.comparison_all"
            parts.append(self._p(self.t(key, n=len(ids), industry=self.industry,
                                        wave=self.wave or "–",
                                        min_industry=MIN_INDUSTRY_COMPANIES)))
            c = self.comparison()
            parts.append(_table({
                self.t("columns.lens"): [self._lens(v) for v in c["lens"]],
                self.t("columns.discipline"): [self._disc(v) for v in c["discipline"]],
                self.t("columns.this_company"): [_fmt(v) for v in c["company"]],
                self.t("columns.others_mean"): [_fmt(v) for v in c["others_mean"]],
                self.t("columns.others_range"): [
                    f"{_fmt(lo)} – {_fmt(hi)}" for lo, hi in zip(c["others_min"],
                                                                c["others_max"], strict=True)],
                self.t("columns.difference"): [_fmt(v, "+.2f") for v in c["difference"]],
                self.t("columns.rank"): [
                    self.t("rank_of", rank=int(r), total=int(n)) if r is not None and r == r
                    else "–" for r, n in zip(c["rank"], c["total"], strict=True)],
            }))
            parts.append(self._p(self.t("notes.comparison_rank")))
        return self._section("comparison", *parts)

    def _verdict_short(self, diag: Diagnosis, lens: str) -> str:
        res = diag.lenses[lens]
        if res.verdict == "leader" and res.leader:
            return self.t("verdict_leader", discipline=self._disc(res.leader))
        return self.t("verdict_" + res.verdict)

    def wave_change_html(self) -> str:
        """Section 8b: the change since the previous wave (a note when there is none)."""
        if not self.has_data:
            return ""
        change = self.wave_change()
        head = self.heading_html("wave_change", 3)
        if change is None:
            none = self._p(self.t("notes.wave_change_none"))
            return f'<div class="va-section">{head}{none}</div>'
        prev = self.previous_wave or ""
        prev_diag = self.previous_diagnosis()
        parts = [head, self._p(self.t("notes.wave_change", previous=prev)),
                 _table({
                     self.t("columns.lens"): [self._lens(v) for v in change["lens"]],
                     self.t("columns.discipline"): [self._disc(v) for v in change["discipline"]],
                     self.t("columns.previous", wave=prev): [_fmt(v) for v in change["previous"]],
                     self.t("columns.current", wave=self.wave): [_fmt(v)
                                                                for v in change["current"]],
                     self.t("columns.change"): [_fmt(v, "+.2f") for v in change["change"]],
                 })]
        if prev_diag is not None:
            parts.append(_table({
                self.t("columns.lens"): [self._lens(lens) for lens in LENSES],
                self.t("columns.previous", wave=prev): [
                    self._verdict_short(prev_diag, lens) for lens in LENSES],
                self.t("columns.current", wave=self.wave): [
                    self._verdict_short(self.diagnosis, lens) for lens in LENSES],
            }))
            src_prev, src_now = prev_diag.experience_source, self.diagnosis.experience_source
            if src_prev and src_now and src_prev != src_now:
                srcs = finding_texts()["sources"]
                parts.append(self._p(self.t(
                    "notes.wave_change_source", previous=prev,
                    previous_source=srcs[src_prev][self.lang],
                    source=srcs[src_now][self.lang])))
        return '<div class="va-section">' + "\n".join(parts) + "</div>"

    # -- 9. what to discuss -------------------------------------------------------------
    def commitment(self) -> str:
        """Which discipline to commit to, in one or two sentences (plain text)."""
        exp, setup = self.diagnosis.lenses["experience"], self.diagnosis.lenses["setup"]
        lab = self._disc
        if "no_data" in (exp.verdict, setup.verdict):
            return self.t("commit.no_data")
        if exp.dominant and setup.dominant:
            if exp.dominant == setup.dominant:
                d = exp.dominant
                o1, o2 = (lab(x) for x in DISCIPLINES if x != d)
                text = self.t("commit.aligned", discipline=lab(d), other1=o1, other2=o2)
            else:
                text = self.t("commit.mismatch", experienced=lab(exp.dominant),
                              setup=lab(setup.dominant))
        elif "dual" in (setup.verdict, exp.verdict):
            res = setup if setup.verdict == "dual" else exp
            ranked = sorted(res.scores, key=lambda d: -res.scores[d])
            text = self.t("commit.dual", first=lab(ranked[0]), second=lab(ranked[1]))
        elif exp.dominant:
            d = exp.dominant
            text = self.t("commit.experience_only", discipline=lab(d),
                          experience=exp.scores[d], setup=setup.scores[d])
        elif setup.dominant:
            d = setup.dominant
            text = self.t("commit.setup_only", discipline=lab(d),
                          experience=exp.scores[d], setup=setup.scores[d])
        else:
            both = {d: (exp.scores[d] + setup.scores[d]) / 2 for d in DISCIPLINES}
            d = max(DISCIPLINES, key=lambda x: both[x])
            text = self.t("commit.none", discipline=lab(d), experience=exp.scores[d],
                          setup=setup.scores[d])
        if self.diagnosis.experience_source == INSIDE_OUT:
            text += " " + self.t("commit.inside_out_caveat")
        return text

    def recommendations(self) -> list[tuple[Finding, str]]:
        """(finding, action) for every finding, most important first, each action once."""
        ranked = rank_findings(self.diagnosis.findings)
        seen: set[str] = set()
        out = []
        for f in ranked:
            action = f.action(self.lang, self.instrument)
            if action and action not in seen:
                seen.add(action)
                out.append((f, action))
        return out

    def discuss_html(self) -> str:
        """Section 9: the discipline to commit to, then an action per finding."""
        parts = [self.heading_html("commit", 3), self._p(self.commitment(), "va-commit"),
                 self.heading_html("actions", 3)]
        items = "".join(self._finding_li(f, action) for f, action in self.recommendations())
        parts.append(f"<ul>{items}</ul>")
        return self._section("discuss", *parts)
