"""What every section of a company's report reads: the company's rows of the scored tables,
its answers, its customer-integration scores, and the report's texts.

:class:`ReportBase` holds one company's dataset, scores and diagnosis in one language.
The company's rows of a score table come from :meth:`assessment.scoring.tables.Scores.rows`
(one index per table, kept with the scores and shared by all reports of a dataset); what a
report works out from them is kept on the report itself (``functools.cached_property``).
The report treats the dataset and the scores as read-only.

>>> import assessment as va
>>> from assessment.diagnosis.diagnose import diagnose
>>> ds = va.load_dataset("data/sample")
>>> scores = va.score(ds)
>>> base = ReportBase(ds, scores, diagnose(scores, ["shoes"])["shoes"])
>>> base.name, base.wave, base.has_data
('Stepwise Shoes', '2026-Q1', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Diagnosis
from assessment.diagnosis.integration import IntegrationResult
from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import THRESHOLD_LENS, Instrument
from assessment.instrument.texts import text
from assessment.intake.dataset import Dataset
from assessment.present.labels import label
from assessment.scoring.tables import OUTSIDE_IN, Scores

SOURCE = object()  # the perspective key of a block and scale's own score (its source row)
INTEGRATION_COLUMNS = ["wave", "company_id", "block", "scale", "perspective", "mean", "n",
                       "shown", "source"]
PROFILE_STATS = ("mean", "n", "sd", "ci_low", "ci_high", "rwg")


@dataclass(frozen=True)
class Answers:
    """One company's answers in one wave as arrays, rows as in ``responses``.

    ``ids``: the instrument's item ids (discipline items, then threshold items); ``raw``:
    the answers to them (NaN = blank, before reverse keying); ``perspective`` and
    ``department`` of each row.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> answers = build_report("data/sample", "pcmaker").answers
    >>> answers.raw.shape, answers.ids[0], int((answers.perspective == "customer").sum())
    ((46, 51), 'oe_exp_1', 24)
    """

    ids: list[str]
    raw: np.ndarray
    perspective: np.ndarray
    department: np.ndarray


def first_rows(df: pd.DataFrame | None, key: list[str], columns: list[str]
               ) -> dict[tuple, tuple]:
    """``key`` values -> ``columns`` values of the first row with them (``{(): values}``
    of the first row when ``key`` is empty).

    >>> df = pd.DataFrame({"k": ["a", "b", "a"], "v": [1, 2, 3]})
    >>> first_rows(df, ["k"], ["v"])
    {('a',): (1,), ('b',): (2,)}
    """
    out: dict[tuple, tuple] = {}
    if df is None or df.empty:
        return out
    n_key = len(key)
    for row in zip(*(df[c] for c in (*key, *columns)), strict=True):
        out.setdefault(tuple(row[:n_key]), tuple(row[n_key:]))
    return out


def response_arrays(dataset: Dataset, scores: Scores) -> tuple[list[str], np.ndarray, ...]:
    """The dataset's responses as arrays, made once and kept with its scores
    (:meth:`assessment.scoring.tables.Scores.memo`): the instrument's item ids, then
    company_id, wave, the answers to the items (respondents x items), perspective and
    department of every respondent the scores count: with ``exclude_flagged`` the
    excluded respondents (``Scores.flags``, in the file's row order) are left out, as in
    every score.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "pcmaker")
    >>> ids, company, wave, matrix, persp, dept = response_arrays(rep.dataset, rep.scores)
    >>> len(ids), matrix.shape, matrix.dtype
    (51, (463, 51), dtype('float64'))
    >>> response_arrays(rep.dataset, rep.scores)[3] is matrix  # made once
    True
    """
    def make() -> tuple[list[str], np.ndarray, ...]:
        resp = dataset.responses
        excluded = scores.flags["excluded"].to_numpy(dtype=bool)
        if excluded.any():
            resp = resp[~excluded]
        ids = list(scores.instrument.item_ids)
        return (ids, resp["company_id"].to_numpy(dtype=object),
                resp["wave"].to_numpy(dtype=object), resp[ids].to_numpy(dtype=float),
                resp["perspective"].to_numpy(dtype=object),
                resp["department"].to_numpy(dtype=object))
    return scores.memo(("report_responses", dataset.path, len(dataset.responses)), make)


def profile_arrays(scores: Scores) -> dict[str, np.ndarray]:
    """The columns of ``Scores.profile`` as arrays, made once per scores.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> scores = build_report("data/sample", "pcmaker").scores
    >>> arrays = profile_arrays(scores)
    >>> list(arrays), len(arrays["mean"]) == len(scores.profile)
    (['company_id', 'wave', 'lens', 'discipline', 'mean'], True)
    """
    def make() -> dict[str, np.ndarray]:
        prof = scores.profile
        return {c: prof[c].to_numpy(dtype=float if c == "mean" else object)
                for c in ("company_id", "wave", "lens", "discipline", "mean")}
    return scores.memo(("report_profile_arrays",), make)


@dataclass(eq=False)
class ReportBase:
    """One company's scored data in one wave and language, read by every section.

    Parameters
    ----------
    dataset : Dataset
        The validated dataset.
    scores : Scores
        Its scores (:func:`assessment.scoring.tables.score`).
    diagnosis : Diagnosis
        The company's diagnosis in the report's wave.
    lang : str
        The report's language (en, de, nl).
    show_items : bool
        Whether the report shows the item detail (section 6).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "pcmaker", lang="nl")
    >>> rep.company_id, rep.name, rep.industry, rep.wave, rep.instrument.version
    ('pcmaker', 'Configurix Computers', 'Computer hardware', '2026-Q1', '1.0.0')
    >>> rep.has_data, rep.experience_group, rep.department_names
    (True, 'customer', ['Operations', 'Sales'])
    >>> rep.integration.claimed, len(rep.integration_instrument.roles)
    ('operational_excellence', 10)
    """

    dataset: Dataset
    scores: Scores
    diagnosis: Diagnosis
    lang: str = "en"
    show_items: bool = True

    # -- who and when -----------------------------------------------------------------
    @property
    def company_id(self) -> str:
        """The company's id."""
        return self.diagnosis.company_id

    @property
    def wave(self) -> str:
        """The report's wave ("" for a dataset without waves)."""
        return self.diagnosis.wave

    @property
    def instrument(self) -> Instrument:
        """The instrument with this dataset's thresholds."""
        return self.scores.instrument

    @cached_property
    def _company_row(self) -> tuple[str, str]:
        comp = self.dataset.companies
        hit = np.flatnonzero(comp["company_id"].to_numpy() == self.company_id)
        if not len(hit):
            return self.company_id, ""
        return str(comp["name"].iloc[hit[0]]), str(comp["industry"].iloc[hit[0]])

    @property
    def name(self) -> str:
        """The company's display name (untrusted text), as ``Dataset.company_name``."""
        return self._company_row[0]

    @property
    def industry(self) -> str:
        """The company's industry as given in the dataset (untrusted text)."""
        return self._company_row[1]

    @property
    def has_data(self) -> bool:
        """Whether the company has scores in the report's wave."""
        return not self._profile.empty

    # -- texts ------------------------------------------------------------------------
    def t(self, key: str, **fmt: Any) -> str:
        """A report text in the report's language (plain, not escaped).

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "pcmaker")
        >>> rep.t("headings.gaps"), rep.t("subtitle.wave", value="<b>")
        ('Experience versus set-up', 'Wave: <b>')
        """
        return label(key, self.lang, **fmt)

    def disc(self, discipline: str) -> str:
        """A discipline's name in the report's language.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> build_report("data/sample", "pcmaker").disc("operational_excellence")
        'Operational excellence'
        """
        return self.instrument.discipline_label(discipline, self.lang)

    def lens_name(self, lens: str) -> str:
        """A lens's name (experience, set-up, threshold values) in the report's language.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "pcmaker")
        >>> rep.lens_name("experience"), rep.lens_name("setup")
        ('Customer experience', 'Set-up')
        """
        return self.t({"experience": "lens_experience", "setup": "lens_setup",
                       THRESHOLD_LENS: "lens_threshold"}[lens])

    def source_phrase(self, source: str | None = None) -> str:
        """Whose answers the experience lens is (the diagnosis's source unless given).

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "pcmaker")
        >>> rep.source_phrase()
        "customers' own answers (outside-in)"
        >>> rep.source_phrase("inside_out")
        "staff's estimate on behalf of customers (inside-out)"
        """
        src = source if source is not None else self.diagnosis.experience_source
        return text("findings", f"sources.{src}", self.lang) if src else ""

    # -- the company's rows -----------------------------------------------------------
    def rows(self, table: str, wave: str | None = None) -> pd.DataFrame:
        """The company's rows of a table of the scores in ``wave`` (the report's wave):
        :meth:`assessment.scoring.tables.Scores.rows`.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "shoes")
        >>> len(rep.rows("profile")), set(rep.rows("profile", "2025-Q3")["wave"])
        (6, {'2025-Q3'})
        """
        return self.scores.rows(table, self.company_id, self.wave if wave is None else wave)

    @cached_property
    def _profile(self) -> pd.DataFrame:
        return self.rows("profile")

    def profile(self) -> pd.DataFrame:
        """The company's rows of ``Scores.profile`` in the report's wave (a shallow copy:
        changing it changes neither the report nor the scores).

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> prof = build_report("data/sample", "pcmaker").profile()
        >>> prof.shape, sorted(set(prof["lens"]))
        ((6, 14), ['experience', 'setup'])
        """
        return self._profile.copy(deep=False)

    @cached_property
    def _departments(self) -> pd.DataFrame:
        return self.rows("departments")

    def departments(self) -> pd.DataFrame:
        """Set-up means of the departments shown (at least the minimum group size).

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> dept = build_report("data/sample", "pcmaker").departments()
        >>> len(dept), int(dept["n"].min())  # 2 departments x 3 disciplines, n >= 5
        (6, 6)
        """
        return self._departments.copy(deep=False)

    @cached_property
    def department_names(self) -> list[str]:
        """The names of the departments shown (at least the minimum group size), sorted."""
        return sorted(set(self._departments["department"]))

    def hidden_departments(self) -> pd.DataFrame:
        """Departments under the minimum group size (names never shown), with their n.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> hidden = build_report("data/sample", "pcmaker").hidden_departments()
        >>> hidden[["department", "n"]].to_numpy().tolist()
        [['Customer Service', 5], ['R&D', 3]]
        """
        return self.rows("hidden_departments")

    @cached_property
    def profile_cells(self) -> dict[tuple[str, str], tuple]:
        """(lens, discipline) -> the first profile row's (mean, n, sd, ci_low, ci_high,
        rwg).

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> cells = build_report("data/sample", "pcmaker").profile_cells
        >>> mean, n, *_ = cells[("setup", "operational_excellence")]
        >>> len(cells), round(float(mean), 2), int(n)
        (6, 4.6, 22)
        """
        return first_rows(self._profile, ["lens", "discipline"], list(PROFILE_STATS))

    @property
    def experience_group(self) -> str:
        """Whose answers the experience items are: ``customer`` when the experience lens
        is outside-in, else ``internal`` (staff)."""
        return ("customer" if self.diagnosis.experience_source == OUTSIDE_IN
                else "internal")

    @cached_property
    def answers(self) -> Answers:
        """The company's answers in the report's wave as arrays (see :class:`Answers`)."""
        ids, company, wave, matrix, persp, dept = response_arrays(self.dataset, self.scores)
        mine = np.flatnonzero((company == self.company_id) & (wave == self.wave))
        return Answers(ids, matrix[mine], persp[mine], dept[mine])

    def profile_column(self, column: str) -> np.ndarray:
        """A column of the whole ``Scores.profile`` (every company and wave) as an array.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "pcmaker")
        >>> len(rep.profile_column("company_id")), sorted(set(rep.profile_column("wave")))
        (66, ['2025-Q3', '2026-Q1'])
        """
        return profile_arrays(self.scores)[column]

    # -- customer integration ---------------------------------------------------------
    @property
    def integration(self) -> IntegrationResult | None:
        """The company's customer integration in the report's wave (None without answers)."""
        return self.diagnosis.integration

    @property
    def integration_instrument(self) -> IntegrationInstrument:
        """The customer-integration instrument the scores were computed with."""
        return self.scores.integration_instrument or load_integration()

    def integration_scores(self) -> pd.DataFrame:
        """The company's rows of ``Scores.integration`` in the report's wave.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> table = build_report("data/sample", "pcmaker").integration_scores()
        >>> len(table), set(table["company_id"])
        (42, {'pcmaker'})
        >>> build_report("data/sample", "mueller").integration_scores().empty
        True
        """
        table = self.scores.integration
        if table is None or table.empty:
            return pd.DataFrame(columns=INTEGRATION_COLUMNS)
        return self.rows("integration")

    @cached_property
    def _integration_rows(self) -> dict[tuple, tuple]:
        """(block, scale, perspective or ``SOURCE``) -> (mean, n, shown) of the first such
        row of the company's integration scores."""
        t = self.integration_scores()
        out: dict[tuple, tuple] = {}
        for block, scale, persp, source, shown, mean, n in zip(
                t["block"], t["scale"], t["perspective"], t["source"], t["shown"], t["mean"],
                t["n"], strict=True):
            out.setdefault((block, scale, persp), (mean, n, shown))
            if bool(source):
                out.setdefault((block, scale, SOURCE), (mean, n, shown))
        return out

    def integration_value(self, block: str, scale: str, perspective: str | None = None
                          ) -> tuple[float, int]:
        """(mean, n) of one block and scale: the company's score (its ``source`` row) or one
        perspective's; mean NaN when hidden or missing, n 0 when nobody answered.

        Examples
        --------
        >>> from assessment.present.report.core import build_report
        >>> rep = build_report("data/sample", "pcmaker")
        >>> mean, n = rep.integration_value("roles", "productive_resource")
        >>> round(mean, 2), n
        (4.37, 41)
        >>> rep.integration_value("roles", "productive_resource", "customer")[1]
        21
        >>> rep.integration_value("roles", "no_such_role")
        (nan, 0)
        """
        hit = self._integration_rows.get((block, scale, perspective or SOURCE))
        if hit is None:
            return float("nan"), 0
        mean, n, shown = hit
        return (float(mean) if bool(shown) else float("nan")), int(n)
