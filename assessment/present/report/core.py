"""The per-company report: :func:`build_report` and :class:`Report`, the facade over the
report's sections.

The report notebook (``notebooks/report.ipynb``) stays thin: it calls :func:`build_report`
once and then shows a few sections per cell with :meth:`Report.show`, e.g.
``report.show("title", "headline", "profile", "triangle")``; each section is also there
as HTML (``report.headline_html()``) and as a chart (``report.profile_figure()``).

Each section is a module of this package with a data function (what the section says,
as DataFrames and plain texts) and a Jinja2 template that renders it:
:mod:`~assessment.present.report.executive` (page one: the executive summary, with the
profile chart, and the appendix's heading),
:mod:`~assessment.present.report.headline` (title and 1, at a glance),
:mod:`~assessment.present.report.profile` (2 profile, 3 triangle),
:mod:`~assessment.present.report.gaps` (4 experience versus set-up),
:mod:`~assessment.present.report.departments` (5),
:mod:`~assessment.present.report.integration` (5b customers as co-producers),
:mod:`~assessment.present.report.items` (6 item detail),
:mod:`~assessment.present.report.quality` (7 data quality),
:mod:`~assessment.present.report.comparison` (8 against the others),
:mod:`~assessment.present.report.waves` (8b change since the previous wave),
:mod:`~assessment.present.report.discuss` (9 what to discuss).
Texts are in ``instrument/report_texts.yaml`` (en, de, nl); finding texts come from the
diagnosis.

Security: company names, department names, industries, wave labels and item texts are
untrusted; the templates escape every text (Jinja2 autoescaping), the figures escape theirs
in :mod:`assessment.present.figures`.

>>> report = build_report("data/sample", "shoes", lang="de")
>>> report.name, report.wave, report.gaps_table().shape
('Stepwise Shoes', '2026-Q1', (3, 5))
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assessment.diagnosis.diagnose import diagnose
from assessment.diagnosis.findings import Diagnosis, Finding
from assessment.instrument.texts import check_lang
from assessment.intake.dataset import Dataset
from assessment.present import figures as charts
from assessment.present.figures import Chart
from assessment.present.report import (
    comparison,
    departments,
    discuss,
    executive,
    gaps,
    headline,
    integration,
    items,
    profile,
    quality,
    waves,
)
from assessment.present.report.base import ReportBase
from assessment.scoring.cache import load_scored, resolve_dataset
from assessment.scoring.tables import Scores, score

#: what :meth:`Report.show` shows for each part: the method of its HTML, of its chart
SHOW_PARTS: dict[str, tuple[str, str | None]] = {
    "title": ("title_html", None), "summary": ("summary_html", "profile_figure"),
    "summary_end": ("summary_end_html", None), "headline": ("headline_html", None),
    "profile": ("profile_html", None),
    "triangle": ("triangle_html", "triangle_figure"),
    "gaps": ("gaps_html", "gap_figure"),
    "departments": ("departments_html", "department_figure"),
    "integration": ("integration_html", "integration_figure"),
    "items": ("items_html", None), "quality": ("quality_html", None),
    "comparison": ("comparison_html", "comparison_figure"),
    "wave_change": ("wave_change_html", None), "discuss": ("discuss_html", None),
    "appendix": ("appendix_html", None),
}


def build_report(dataset_path: str | Path, company_id: str, lang: str = "en",
                 wave: str = "", show_items: bool = True, cache: bool = True) -> Report:
    """Load, score and diagnose a dataset folder and return the report of one company.

    ``wave`` "" means the company's latest wave. Raises ``ValueError`` for an unknown
    language, company or wave, and the intake's ``DatasetError`` for an invalid dataset.
    ``cache``: reuse the loaded and scored dataset while its files are unchanged (see
    :func:`assessment.scoring.cache.load_scored`); the batch's warm kernels load a dataset
    once for all companies.

    Examples
    --------
    >>> build_report("data/sample", "airline", "nl").headline_html().count("<h2>")
    1
    """
    check_lang(lang)
    # the folder's full path: the dataset in the cache names the folder the same way,
    # whichever directory the first report was built from
    folder = Path(resolve_dataset(dataset_path)).resolve()
    ds, scores = load_scored(folder, cache=cache)
    return report_for(ds, company_id, lang, wave, show_items, scores=scores)


def report_for(dataset: Dataset, company_id: str, lang: str = "en", wave: str = "",
               show_items: bool = True, scores: Scores | None = None) -> Report:
    """The report of one company of a loaded dataset (scored here unless ``scores``).

    Examples
    --------
    >>> import assessment as va
    >>> report_for(va.load_dataset("data/sample"), "shoes", wave="2025-Q3").wave
    '2025-Q3'
    """
    check_lang(lang)
    company_id = str(company_id)
    known = list(dataset.companies["company_id"])
    if company_id not in known:
        raise ValueError(f"unknown company_id {company_id!r}; the dataset has {known}")
    wave = "" if wave is None else str(wave)
    if wave and wave not in dataset.waves:
        raise ValueError(f"unknown wave {wave!r}; the dataset has {dataset.waves}")
    scores = scores if scores is not None else score(dataset)
    diag = diagnose(scores, [company_id], wave=wave or None)[company_id]
    return Report(dataset, scores, diag, lang, as_bool(show_items))


def as_bool(value: object) -> bool:
    """A flag that may arrive as text (``papermill -r show_items False``).

    >>> as_bool("False"), as_bool("yes"), as_bool(0)
    (False, True, False)
    """
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "no", "off", "none")
    return bool(value)


class Report(ReportBase):
    """One company's report in one language: every section as data, HTML and chart.

    The methods name the section functions of the section modules; what the sections
    share (the company's rows, answers, integration scores, texts) is in
    :class:`~assessment.present.report.base.ReportBase`. Each section function's docstring
    has an example of what it gives for the sample data.

    Examples
    --------
    >>> report = build_report("data/sample", "pcmaker")
    >>> report.gaps_table()["reading"].tolist()
    ['unnoticed_capability', 'unbacked_promise', 'aligned']
    >>> [f.code for f in report.top_findings(2)], report.previous_wave
    (['lens_mismatch', 'unbacked_promise'], None)

    Every part :meth:`show` knows is there as HTML, and each chart is drawn:

    >>> all(getattr(report, html)().startswith("<div") for html, _ in SHOW_PARTS.values()
    ...     if html != "title_html")
    True
    >>> [getattr(report, fig)().data[0]["type"] for _, fig in SHOW_PARTS.values() if fig]
    ['bar', 'scatterternary', 'bar', 'heatmap', 'scatter', 'scatter']
    >>> report.headline_sentence()
    'Customers buy customer intimacy, but the company is built for operational excellence.'
    """

    def show(self, *parts: str) -> None:
        """Display report parts in a notebook (names from :data:`SHOW_PARTS`: ``"title"``,
        ``"headline"``, ``"profile"`` ...), each one's HTML followed by its chart.

        In a live notebook every chart is an output of its own with the plotly JSON
        bundle (JupyterLab draws it even in an untrusted notebook: see
        :func:`assessment.present.figures.show`), with the text between them as HTML outputs.
        Without the bundle (``ASSESSMENT_PLOTLY_JSON=0``, the batch's kernels) the parts
        are one HTML output: the page is the same, and each output costs the kernel, the
        notebook client and the export a message.

        Examples
        --------
        >>> build_report("data/sample", "pcmaker").show("title", "overview")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown report part(s) ['overview']; expected some of ['title', ...]
        """
        from IPython.display import HTML, display  # IPython is needed only in a notebook

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

    # -- page one: the executive summary; the appendix's heading ----------------------
    def headline_sentence(self) -> str:
        """The diagnosis in one plain sentence (:func:`executive.headline`)."""
        return executive.headline(self)

    def key_figures(self) -> list[dict[str, str]]:
        """The three key figures of page one (:func:`executive.key_figures`)."""
        return executive.key_figures(self)

    def things_to_discuss(self) -> list[str]:
        """The three things to discuss of page one (:func:`executive.things_to_discuss`)."""
        return executive.things_to_discuss(self)

    def summary_html(self) -> str:
        """Page one: headline, caveats, key figures (the profile chart follows)."""
        return executive.summary_html(self)

    def summary_end_html(self) -> str:
        """The end of page one: the three things to discuss."""
        return executive.summary_end_html(self)

    def appendix_html(self) -> str:
        """The appendix's heading (item detail and data quality follow)."""
        return executive.appendix_html(self)

    # -- title and 1. headline --------------------------------------------------------
    def title_html(self) -> str:
        """The company name as the page title, with industry, wave, dataset, instrument."""
        return headline.title_html(self)

    def verdicts(self) -> list[str]:
        """The verdict per lens in one sentence each (experience, set-up)."""
        return headline.verdicts(self)

    def top_findings(self, k: int = headline.TOP_FINDINGS) -> list[Finding]:
        """The ``k`` most important findings."""
        return headline.top_findings(self, k)

    def headline_html(self) -> str:
        """Section 1: the verdict per lens and the top findings with their numbers."""
        return headline.headline_html(self)

    # -- 2. profile, 3. triangle -------------------------------------------------------
    def profile_html(self) -> str:
        """Section 2: how to read the profile chart."""
        return profile.profile_html(self)

    def profile_figure(self) -> Chart | None:
        """Section 2's chart (None without data)."""
        return profile.profile_figure(self)

    def triangle_html(self) -> str:
        """Section 3: how the triangle is computed."""
        return profile.triangle_html(self)

    def triangle_figure(self) -> Chart | None:
        """Section 3's chart (None without data)."""
        return profile.triangle_figure(self)

    # -- 4. experience versus set-up ---------------------------------------------------
    def gaps_table(self) -> pd.DataFrame:
        """The gap per discipline with its reading (:func:`gaps.gaps_table`)."""
        return gaps.gaps_table(self)

    def blind_spot_table(self) -> pd.DataFrame | None:
        """Staff's estimate against the customers (:func:`gaps.blind_spot_table`)."""
        return gaps.blind_spot_table(self)

    def gaps_html(self) -> str:
        """Section 4: the gap per discipline with its reading, and the blind spot."""
        return gaps.gaps_html(self)

    def gap_figure(self) -> Chart | None:
        """Section 4's chart (None without data)."""
        return gaps.gap_figure(self)

    # -- 5. departments, 5b. customers as co-producers ---------------------------------
    def departments_html(self) -> str:
        """Section 5: what the heatmap shows, hidden departments, alignment."""
        return departments.departments_html(self)

    def department_figure(self) -> Chart | None:
        """Section 5's heatmap (None without data or departments shown)."""
        return departments.department_figure(self)

    def integration_roles(self) -> pd.DataFrame:
        """One row per customer role (:func:`integration.integration_roles`)."""
        return integration.integration_roles(self)

    def integration_blocks(self) -> pd.DataFrame:
        """The scores of the blocks other than roles (:func:`integration.integration_blocks`)."""
        return integration.integration_blocks(self)

    def integration_findings(self) -> list[Finding]:
        """The customer-integration findings, most important first."""
        return integration.integration_findings(self)

    def integration_html(self) -> str:
        """Section 5b "Customers as co-producers" (a short note without integration data)."""
        return integration.integration_html(self)

    def integration_figure(self) -> Chart | None:
        """Section 5b's role map (None without integration data)."""
        return integration.integration_figure(self)

    # -- 6. item detail ----------------------------------------------------------------
    def item_means(self) -> pd.DataFrame:
        """Mean answer per discipline item after reverse keying (:func:`items.item_means`)."""
        return items.item_means(self)

    def item_detail(self, k: int = items.ITEMS_PER_END) -> pd.DataFrame:
        """The ``k`` strongest and weakest items per lens and discipline."""
        return items.item_detail(self, k)

    def items_html(self) -> str:
        """Section 6 (empty when ``show_items`` is off): a table per lens."""
        return items.items_html(self)

    # -- 7. data quality ---------------------------------------------------------------
    def respondents_table(self) -> pd.DataFrame:
        """Respondents and answered share per group (:func:`quality.respondents_table`)."""
        return quality.respondents_table(self)

    def scales_table(self) -> pd.DataFrame:
        """Statistics and reliability per scale (:func:`quality.scales_table`)."""
        return quality.scales_table(self)

    def data_quality(self) -> dict:
        """Section 7 as data: respondents, dropped scores, scales, thresholds, version."""
        return quality.data_quality(self)

    def quality_html(self) -> str:
        """Section 7: respondents, dropped scores, reliability, thresholds."""
        return quality.quality_html(self)

    # -- 8. against the others, 8b. change since the previous wave ---------------------
    def comparison_group(self) -> tuple[list[str], str]:
        """The companies to compare with and why (:func:`comparison.comparison_group`)."""
        return comparison.comparison_group(self)

    def comparison_data(self) -> pd.DataFrame:
        """Tidy lens scores of the company and its comparison group."""
        return comparison.comparison_data(self)

    def comparison(self) -> pd.DataFrame:
        """The company against the others per lens and discipline."""
        return comparison.comparison(self)

    def comparison_html(self) -> str:
        """Section 8: the comparison table."""
        return comparison.comparison_html(self)

    def comparison_figure(self) -> Chart | None:
        """Section 8's chart (None without data or others)."""
        return comparison.comparison_figure(self)

    @property
    def previous_wave(self) -> str | None:
        """The company's latest wave before the report's wave (None if there is none)."""
        return waves.previous_wave(self)

    def previous_diagnosis(self) -> Diagnosis | None:
        """The company's diagnosis in the previous wave (None if there is none)."""
        return waves.previous_diagnosis(self)

    def wave_change(self) -> pd.DataFrame | None:
        """The change of the lens scores since the previous wave (None without one)."""
        return waves.wave_change(self)

    def wave_change_html(self) -> str:
        """Section 8b: the change since the previous wave (a note when there is none)."""
        return waves.wave_change_html(self)

    # -- 9. what to discuss ------------------------------------------------------------
    def commitment(self) -> str:
        """Which discipline to commit to, in one or two sentences (plain text)."""
        return discuss.commitment(self)

    def recommendations(self) -> list[tuple[Finding, str]]:
        """(finding, action) for every finding, most important first, each action once."""
        return discuss.recommendations(self)

    def discuss_html(self) -> str:
        """Section 9: the discipline to commit to, then an action per finding."""
        return discuss.discuss_html(self)
