"""Respondent scores, company scores with agreement and intervals, and scale reliability.

Everything is vectorized: the only Python loop is over the instrument's (discipline, lens)
cells (nine of them), never over respondents or items.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import LENSES, THRESHOLD_LENS, Instrument, Thresholds
from assessment.intake.dataset import Dataset
from assessment.scoring.integration import score_integration
from assessment.scoring.rules import (
    INSIDE_OUT,
    INTERNAL,
    KEYS,
    OUTSIDE_IN,
    cronbach_alpha,
    experience_source,
    group_stats,
    instrument_cells,
    keyed,
    respondent_scores,
    shown_departments,
)

__all__ = ["INSIDE_OUT", "INTERNAL", "KEYS", "OUTSIDE_IN", "Scores", "keyed", "score"]


@dataclass
class Scores:
    """All scores of a dataset; every table is tidy (one row per observation).

    - ``respondents``: wave, company_id, respondent_id, perspective, department,
      discipline, lens, score, answered, n_items, kept (lens ``threshold`` for threshold items)
    - ``company``: wave, company_id, discipline, lens, perspective (customer, internal, all),
      mean, n, sd, ci_low, ci_high, rwg, shown (False: the statistics are hidden by the
      anonymity rule :func:`~assessment.scoring.rules.shown_groups`; n stays)
    - ``profile``: the company's two lenses as the diagnosis reads them: wave, company_id,
      discipline, lens, source (outside_in, inside_out, internal), mean, n, sd, ci_low,
      ci_high, rwg, par_score, par_basis (threshold or discipline)
    - ``lens_gaps``: wave, company_id, discipline, experience, setup, gap (experience - setup)
    - ``blind_spots``: wave, company_id, discipline, internal, customer, diff (internal - customer)
    - ``departments``: wave, company_id, department, discipline, mean, n (set-up lens, only
      the departments shown: see :func:`~assessment.scoring.rules.shown_departments`)
    - ``hidden_departments``: wave, company_id, department, n (the departments not shown:
      under the minimum group size, or hidden so that the small ones cannot be worked out
      from the staff total)
    - ``dropped``: wave, company_id, n_scores, n_dropped, n_respondents_dropped
    - ``reliability``: discipline, lens, n_items, n_respondents, alpha
    - ``integration``: the customer-integration section's scores (see
      :func:`assessment.scoring.integration.score_integration`), empty when nobody answered it
    """

    instrument: Instrument
    respondents: pd.DataFrame
    company: pd.DataFrame
    profile: pd.DataFrame
    lens_gaps: pd.DataFrame
    blind_spots: pd.DataFrame
    departments: pd.DataFrame
    hidden_departments: pd.DataFrame
    dropped: pd.DataFrame
    reliability: pd.DataFrame
    companies: pd.DataFrame
    integration: pd.DataFrame | None = None
    integration_instrument: IntegrationInstrument | None = None
    # what is worked out once from the (read-only) tables: the positions of each
    # (company_id, wave) in each table (:meth:`rows`), the diagnoses
    # (:func:`assessment.diagnosis.diagnose`); shared by copies made with
    # ``dataclasses.replace`` (same rows) and pickled with the scores (the batch hands
    # its kernels the scores with every company's diagnosis)
    _memo: dict = field(default_factory=dict, repr=False, compare=False)

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_memo" and "_memo" in self.__dict__:
            # a table was replaced: what was worked out from the old one is forgotten (copies
            # made before keep theirs)
            object.__setattr__(self, "_memo", {})

    def memo(self, key: tuple, make: Callable[[], Any]) -> Any:
        """``make()``, computed once per ``key`` for these scores (see ``_memo``)."""
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = make()
            return value

    @property
    def instrument_version(self) -> str:
        """The version string of the instrument the scores were computed with."""
        return self.instrument.version

    @property
    def thresholds(self) -> Thresholds:
        """The thresholds in force (the instrument's, with the dataset's overrides)."""
        return self.instrument.thresholds

    def _positions(self, table: str) -> dict[tuple[str, str], np.ndarray]:
        df = getattr(self, table)
        return self.memo(("rows", table, None if df is None else len(df)), lambda: {} if (
            df is None or df.empty) else {
            (str(c), str(w)): pos for (c, w), pos in
            df.groupby(["company_id", "wave"], sort=False).indices.items()})

    def rows(self, table: str, company_id: str, wave: str) -> pd.DataFrame:
        """One company-wave's rows of the table named ``table`` (``"profile"``,
        ``"lens_gaps"`` ...), as ``df[(df.company_id == company_id) & (df.wave == wave)]``
        gives them, through an index of each table built once: a report or diagnosis of one
        company of a large portfolio does not scan the whole table again and again.
        The tables are read-only once scored."""
        df = getattr(self, table)
        pos = self._positions(table).get((str(company_id), str(wave)))
        return df.iloc[pos] if pos is not None else df.iloc[:0]

    def latest_wave(self, company_id: str) -> str | None:
        """The most recent wave a company has scores in (None if it has none)."""
        waves = [w for c, w in self._positions("respondents") if c == str(company_id)]
        return max(waves) if waves else None


# -- formulas ---------------------------------------------------------------------------

def _profile(company: pd.DataFrame, long: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """Pick each lens's source group and attach the par-check score."""
    cust = long[(long["perspective"] == "customer") & (long["lens"] == "experience")
                & long["kept"]]
    n_cust = cust.groupby(KEYS)["respondent_id"].nunique()
    base = company[["wave", "company_id"]].drop_duplicates()
    base = base.assign(n_customers=base.set_index(KEYS).index.map(n_cust).fillna(0).astype(int))
    base["source"] = [experience_source(n, th.min_group_size) for n in base["n_customers"]]

    exp = company[company["lens"] == "experience"].merge(base, on=KEYS)
    exp = exp[((exp["source"] == OUTSIDE_IN) & (exp["perspective"] == "customer"))
              | ((exp["source"] == INSIDE_OUT) & (exp["perspective"] == "internal"))]
    setup = company[(company["lens"] == "setup") & (company["perspective"] == "internal")]
    setup = setup.assign(source=INTERNAL)
    prof = pd.concat([exp.drop(columns="n_customers"), setup], ignore_index=True)

    thr = company[(company["lens"] == THRESHOLD_LENS) & company["shown"]]
    thr = thr[["wave", "company_id", "discipline", "perspective", "mean"]].rename(
        columns={"mean": "par_score", "perspective": "_p"})
    prof["_p"] = np.where(prof["source"] == OUTSIDE_IN, "customer", "internal")
    prof = prof.merge(thr, on=["wave", "company_id", "discipline", "_p"], how="left")
    prof["par_basis"] = np.where(prof["par_score"].notna(), "threshold", "discipline")
    prof["par_score"] = prof["par_score"].fillna(prof["mean"])
    prof = prof.drop(columns=["_p", "perspective", "shown"])
    cols = ["wave", "company_id", "discipline", "lens", "source", "mean", "n", "sd",
            "ci_low", "ci_high", "rwg", "par_score", "par_basis"]
    return prof[cols].sort_values(["company_id", "wave", "lens", "discipline"],
                                  ignore_index=True)


def _shown_departments(dept: pd.DataFrame, min_group_size: int) -> pd.Series:
    """Per (wave, company_id, department): shown or not, by
    :func:`~assessment.scoring.rules.shown_departments` on each department's n per set-up
    cell (departments by name, cells by discipline name, as ``live`` orders them). Only the
    companies with a department under the minimum size need the rule's loop."""
    counts = dept.pivot_table(index=KEYS + ["department"], columns="discipline", values="n",
                              aggfunc="sum", fill_value=0).sort_index(axis=1)
    shown = pd.Series(True, index=counts.index)
    small = ((counts >= 1) & (counts < min_group_size)).any(axis=1)
    todo = small.groupby(level=KEYS, sort=False).transform("any")
    for _key, block in counts[todo.to_numpy()].groupby(level=KEYS, sort=False):
        block = block.sort_index()
        shown.loc[block.index] = shown_departments(block.to_numpy(), min_group_size)
    return shown


def _wide(profile: pd.DataFrame) -> pd.DataFrame:
    return profile.pivot_table(index=KEYS + ["discipline"], columns="lens", values="mean",
                               dropna=False)


def score(dataset: Dataset) -> Scores:
    """Score a validated dataset: respondents, companies per wave, lenses and reliability.

    Parameters
    ----------
    dataset : Dataset
        A dataset from :func:`assessment.load_dataset`.

    Returns
    -------
    Scores
        Tidy tables (see :class:`Scores`): each respondent's score per discipline and lens,
        each company's mean, n, sd, 95% interval and agreement per group, the two lenses as
        the diagnosis reads them, gaps, departments, dropped answers and reliability.

    Examples
    --------
    >>> import assessment as va
    >>> scores = score(va.load_dataset("data/sample"))
    >>> wave = scores.latest_wave("pcmaker")
    >>> profile = scores.rows("profile", "pcmaker", wave)
    >>> profile.set_index(["lens", "discipline"])["mean"].round(2)["setup"].to_dict()
    {'customer_intimacy': 3.0, 'operational_excellence': 4.6, 'product_leadership': 3.19}
    """
    with warnings.catch_warnings():
        # groups of one respondent and all-blank cells have no variance: NaN, on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        return _score(dataset)


def _score(dataset: Dataset) -> Scores:
    inst: Instrument = dataset.instrument
    th = inst.thresholds
    long, kept_values = respondent_scores(dataset.responses, instrument_cells(inst),
                                          inst.scale.min, inst.scale.max,
                                          th.min_answered_share)
    company = group_stats(dataset.responses, long, kept_values, inst.scale.points,
                          th.min_group_size, total_lenses={"experience", THRESHOLD_LENS})
    profile = _profile(company, long, th)

    wide = _wide(profile).reindex(columns=list(LENSES))
    gaps = wide.assign(gap=wide["experience"] - wide["setup"]).reset_index()
    gaps.columns.name = None

    exp_c = company[(company["lens"] == "experience") & company["shown"]]
    by = exp_c.pivot_table(index=KEYS + ["discipline"], columns="perspective", values="mean")
    by = by.reindex(columns=["internal", "customer"]).dropna()
    blind = by.assign(diff=by["internal"] - by["customer"]).reset_index()
    blind.columns.name = None

    setup_long = long[(long["lens"] == "setup") & long["kept"]
                      & (long["perspective"] == "internal")]
    dept = setup_long.groupby(KEYS + ["department", "discipline"])["score"].agg(
        mean="mean", n="count").reset_index()
    size = setup_long.groupby(KEYS + ["department"])["respondent_id"].nunique().rename("size")
    dept = dept.merge(size.reset_index(), on=KEYS + ["department"])
    shown = _shown_departments(dept, th.min_group_size).reindex(size.index)
    big = shown.reindex(pd.MultiIndex.from_frame(dept[KEYS + ["department"]])).to_numpy()
    departments = dept[big].drop(columns="size").reset_index(drop=True)
    hidden = size[~shown.to_numpy()].rename("n").reset_index()

    answered = long[long["answered"] > 0]
    dropped = answered.groupby(KEYS).agg(
        n_scores=("kept", "size"), n_dropped=("kept", lambda k: int((~k).sum())))
    resp_drop = answered[~answered["kept"]].groupby(KEYS)["respondent_id"].nunique()
    dropped["n_respondents_dropped"] = resp_drop.reindex(dropped.index).fillna(0).astype(int)
    dropped = dropped.reset_index()

    rel = []
    lo, hi = inst.scale.min, inst.scale.max
    for discipline, lens in inst.cells():
        ids = [i.id for i in inst.cell_items(discipline, lens)]
        rev = np.array([inst.item(i).reverse for i in ids])
        block = pd.DataFrame(keyed(dataset.responses[ids].to_numpy(float), rev, lo, hi),
                             columns=ids).dropna(how="all")
        rel.append({"discipline": discipline, "lens": lens, "n_items": len(ids),
                    "n_respondents": len(block), "alpha": cronbach_alpha(block)})
    return Scores(
        instrument=inst, respondents=long, company=company,
        profile=profile, lens_gaps=gaps, blind_spots=blind, departments=departments,
        hidden_departments=hidden, dropped=dropped, reliability=pd.DataFrame(rel),
        companies=dataset.companies, integration=score_integration(dataset),
        integration_instrument=dataset.integration or load_integration(),
    )
