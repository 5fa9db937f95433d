"""Respondent scores, company scores with agreement and intervals, and scale reliability.

Everything is vectorized: the only Python loop is over the instrument's (discipline, lens)
cells (nine of them), never over respondents or items.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.instrument.models import LENSES, THRESHOLD_LENS, Instrument, Thresholds
from assessment.intake.dataset import Dataset
from assessment.scoring.anonymity import shown_departments
from assessment.scoring.breakdown import distinct_counts, dropped_counts, group_means
from assessment.scoring.grouping import column_codes as _codes
from assessment.scoring.integration import score_integration
from assessment.scoring.quality import (
    FLAG_COLUMNS,
    RELIABILITY_COLUMNS,
    company_groups,
    core_answers,
    respondent_flags,
    without_excluded,
)
from assessment.scoring.reliability import reliability_tables
from assessment.scoring.rules import (
    INSIDE_OUT,
    INTERNAL,
    KEYS,
    OUTSIDE_IN,
    TEAM,
    group_stats,
    instrument_cells,
    keyed,
    lens_sources,
    respondent_scores,
)

#: the respondents' text columns, as categoricals in the long tables
TEXT_COLUMNS = ["wave", "company_id", "respondent_id", "perspective", "department"]

__all__ = ["INSIDE_OUT", "INTERNAL", "KEYS", "OUTSIDE_IN", "TEAM", "Scores", "keyed", "score"]


@dataclass
class Scores:
    """All scores of a dataset; every table is tidy (one row per observation).

    - ``respondents``: wave, company_id, respondent_id, perspective, department,
      discipline, lens, score, answered, n_items, kept (lens ``threshold`` for threshold items)
    - ``company``: wave, company_id, discipline, lens, perspective (customer, internal, team,
      all), mean, n, sd, ci_low, ci_high, rwg, shown (False: the statistics are hidden by
      the anonymity rule :func:`~assessment.scoring.anonymity.shown_groups`; n stays)
    - ``profile``: the company's two lenses as the diagnosis reads them: wave, company_id,
      discipline, lens, source (outside_in, inside_out, internal, team), mean, n, sd, ci_low,
      ci_high, rwg, par_score (the same group's threshold items), par_basis (threshold, or
      unknown when fewer than the minimum group size answered them), people (the number of
      people behind the row: n, or a team consensus's participants)
    - ``lens_gaps``: wave, company_id, discipline, experience, setup, gap (experience - setup)
    - ``blind_spots``: wave, company_id, discipline, internal, customer, diff (internal - customer)
    - ``departments``: wave, company_id, department, discipline, mean, n (set-up lens, only
      the departments shown: see :func:`~assessment.scoring.anonymity.shown_departments`)
    - ``hidden_departments``: wave, company_id, department, n (the departments not shown:
      under the minimum group size, or hidden so that the small ones cannot be worked out
      from the staff total)
    - ``dropped``: wave, company_id, n_scores, n_dropped, n_respondents_dropped
    - ``reliability``: discipline, lens, n_items, n_respondents, alpha
    - ``integration``: the customer-integration section's scores (see
      :func:`assessment.scoring.integration.score_integration`), empty when nobody answered it
    - ``flags``: every respondent of the file (excluded ones too): wave, company_id,
      respondent_id, perspective, answered, contradicting_cells, straight_lining,
      contradictory, excluded (see :mod:`assessment.scoring.quality`)
    - ``company_reliability``: wave, company_id, discipline, lens, n_items, n_respondents,
      alpha, low_alpha (Cronbach's alpha per company and scale,
      :func:`assessment.scoring.quality.company_reliability`)

    With ``Thresholds.exclude_flagged`` every table but ``flags`` is computed without the
    flagged respondents, exactly as if their rows were not in the file.
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
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    company_reliability: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=RELIABILITY_COLUMNS))
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

    def memoized(self, key: tuple) -> bool:
        """True when :meth:`memo` already holds a value for ``key``."""
        return key in self._memo

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

        def make() -> dict[tuple[str, str], np.ndarray]:
            if df is None or df.empty:
                return {}
            # groupby(...).indices, from integer codes (a long table has millions of rows)
            c_codes, c_names = _codes(df["company_id"])
            w_codes, w_names = _codes(df["wave"])
            if (c_codes == c_codes[0]).all() and (w_codes == w_codes[0]).all() \
                    and c_codes[0] >= 0 and w_codes[0] >= 0:  # one company (live)
                return {(str(c_names[c_codes[0]]), str(w_names[w_codes[0]])):
                        np.arange(len(df))}
            key = c_codes.astype(np.int64) * (len(w_names) + 1) + w_codes
            order = np.argsort(key, kind="stable")
            order = order[(c_codes[order] >= 0) & (w_codes[order] >= 0)]  # as groupby: no NaN
            starts = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
            first = key[order][starts]
            return {(str(c_names[k // (len(w_names) + 1)]), str(w_names[k % (len(w_names) + 1)])):
                    pos for k, pos in zip(first, np.split(order, starts[1:]), strict=True)}
        return self.memo(("rows", table, None if df is None else len(df)), make)

    def rows(self, table: str, company_id: str, wave: str,
             columns: list[str] | None = None) -> pd.DataFrame:
        """One company-wave's rows of the table named ``table`` (``"profile"``,
        ``"lens_gaps"`` ...), as ``df[(df.company_id == company_id) & (df.wave == wave)]``
        gives them, through an index of each table built once: a report or diagnosis of one
        company of a large portfolio does not scan the whole table again and again.
        The tables are read-only once scored.

        ``columns``: only these columns, taken for every company-wave at once on first use
        and grouped by company-wave (gathering rows of a long table costs per column and
        per call). Rows that follow each other in the table are sliced, not gathered.
        """
        df = getattr(self, table)
        key = (str(company_id), str(wave))
        if columns is not None:
            def make() -> tuple[pd.DataFrame, dict[tuple[str, str], tuple[int, int]]]:
                positions = self._positions(table)
                part = df[list(columns)]
                if not positions:
                    return part.iloc[:0], {}
                ends = np.cumsum([len(p) for p in positions.values()])
                where = {k: (int(e) - len(p), int(e))
                         for (k, p), e in zip(positions.items(), ends, strict=True)}
                return part.take(np.concatenate(list(positions.values()))), where
            grouped, where = self.memo(("rows", table, tuple(columns),
                                        None if df is None else len(df)), make)
            a, b = where.get(key, (0, 0))
            return grouped.iloc[a:b]
        pos = self._positions(table).get(key)
        if pos is None:
            return df.iloc[:0]
        if len(pos) and (np.diff(pos) == 1).all():  # one run of rows
            return df.iloc[pos[0]:pos[-1] + 1]
        return df.iloc[pos]

    def records(self, table: str, company_id: str, wave: str) -> list[dict[str, Any]]:
        """:meth:`rows` as plain dicts, one per row: for code that reads a few values of each
        company (the diagnosis), without a pandas selection per company. The whole table is
        converted once."""
        df = getattr(self, table)

        def make() -> dict[tuple[str, str], list[dict[str, Any]]]:
            if df is None or df.empty:
                return {}
            out: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for rec in df.to_dict("records"):  # small tables: profile, gaps, departments
                out.setdefault((str(rec["company_id"]), str(rec["wave"])), []).append(rec)
            return out
        key = ("records", table, None if df is None else len(df))
        return self.memo(key, make).get((str(company_id), str(wave)), [])

    def company_waves(self, table: str = "respondents") -> list[tuple[str, str]]:
        """The (company_id, wave) pairs with rows in the table named ``table``, found
        from integer codes (no positions are gathered; a long table has millions of rows)."""
        df = getattr(self, table)

        def make() -> list[tuple[str, str]]:
            if df is None or df.empty:
                return []
            c_codes, c_names = _codes(df["company_id"])
            w_codes, w_names = _codes(df["wave"])
            ok = (c_codes >= 0) & (w_codes >= 0)  # as groupby: no NaN
            width = len(w_names)
            key = c_codes[ok].astype(np.int64) * width + w_codes[ok]
            found = np.flatnonzero(np.bincount(key, minlength=len(c_names) * width))
            return [(str(c_names[k // width]), str(w_names[k % width])) for k in found]
        return self.memo(("pairs", table, None if df is None else len(df)), make)

    def latest_wave(self, company_id: str) -> str | None:
        """The most recent wave a company has scores in (None if it has none)."""
        waves = [w for c, w in self.company_waves() if c == str(company_id)]
        return max(waves) if waves else None


# -- formulas ---------------------------------------------------------------------------

def _profile(company: pd.DataFrame, long: pd.DataFrame, responses: pd.DataFrame,
             th: Thresholds) -> pd.DataFrame:
    """Pick each lens's group (:func:`~assessment.scoring.rules.lens_sources`), the people
    behind it and the par check from the same group's threshold items."""
    kept = long["kept"].to_numpy(bool)
    counts = {}
    (p_codes, p_names), (l_codes, l_names) = _codes(long["perspective"]), _codes(long["lens"])
    for name, persp, lens in (("n_cust", "customer", "experience"),
                              ("n_staff_exp", "internal", "experience"),
                              ("n_staff_setup", "internal", "setup")):
        # compared by the columns' codes (-2: a value not in the column)
        p_code, l_code = (int(names.get_indexer([value])[0]) if value in names else -2
                          for names, value in ((p_names, persp), (l_names, lens)))
        rows = kept & (p_codes == p_code) & (l_codes == l_code)
        counts[name] = distinct_counts(long, rows)
    team = responses[responses["perspective"] == TEAM]
    participants = (team["participants"] if "participants" in team.columns
                    else pd.Series(np.nan, index=team.index))
    people = participants.groupby([team["wave"], team["company_id"]]).sum(min_count=0)
    base = company[["wave", "company_id"]].drop_duplicates().set_index(KEYS)
    for name, ser in counts.items():
        base[name] = base.index.map(ser).fillna(0).astype(int)
    base["team_people"] = base.index.map(people).fillna(0).astype(int)
    has_team = base.index.isin(people.index)
    picks = [lens_sources(c, e, s_, t, th.min_group_size) for c, e, s_, t in zip(
        base["n_cust"], base["n_staff_exp"], base["n_staff_setup"], has_team, strict=True)]
    choice = pd.DataFrame(
        [{**dict(zip(KEYS, key, strict=True)), "lens": lens, "source": src, "perspective": p,
          "team_people": tp}
         for key, pick, tp in zip(base.index, picks, base["team_people"], strict=True)
         for lens, (src, p) in pick.items()],
        columns=[*KEYS, "lens", "source", "perspective", "team_people"])
    prof = company.merge(choice, on=[*KEYS, "lens", "perspective"])
    prof["people"] = np.where(prof["source"] == TEAM, prof["team_people"], prof["n"])

    # par: the same group's threshold items, known only when enough of the group answered
    # them (a team's consensus is one record and enough); never inferred from the
    # discipline items
    thr = company[(company["lens"] == THRESHOLD_LENS) & company["shown"]]
    thr = thr[["wave", "company_id", "discipline", "perspective", "mean", "n"]].rename(
        columns={"mean": "par_score", "n": "_par_n"})
    prof = prof.merge(thr, on=["wave", "company_id", "discipline", "perspective"], how="left")
    enough = (prof["_par_n"] >= th.min_group_size) | (prof["perspective"] == TEAM)
    known = prof["par_score"].notna() & enough
    prof["par_score"] = prof["par_score"].where(known)
    prof["par_basis"] = np.where(known, "threshold", "unknown")
    cols = ["wave", "company_id", "discipline", "lens", "source", "mean", "n", "sd",
            "ci_low", "ci_high", "rwg", "par_score", "par_basis", "people"]
    return prof[cols].sort_values(["company_id", "wave", "lens", "discipline"],
                                  ignore_index=True)


def _shown_departments(dept: pd.DataFrame, min_group_size: int) -> pd.Series:
    """Per (wave, company_id, department): shown or not, by
    :func:`~assessment.scoring.anonymity.shown_departments` on each department's n per set-up
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
        raw = core_answers(dataset.responses, dataset.instrument)  # read once, used twice
        flags = respondent_flags(dataset.responses, dataset.instrument, raw)
        used = without_excluded(dataset, flags)
        if used is not dataset:
            raw = core_answers(used.responses, used.instrument)
        # the text columns' codes, made once (grouping, the long tables)
        cats = {c: pd.Categorical(used.responses[c]) for c in TEXT_COLUMNS}
        groups = company_groups(used.responses, cats)
        # the reliability sums (numpy's matrix products, which let go of the interpreter
        # lock) are made on a second core while the long tables are made; they read only
        # ``raw`` and ``groups``, which nothing changes
        with ThreadPoolExecutor(1) as pool:
            rel = pool.submit(reliability_tables, used.responses, used.instrument, raw, groups)
            del raw  # freed when the reliability is done
            scores = _score(used, cats)
            reliability, whole = rel.result()
        scores.reliability = whole
        scores.flags = flags
        scores.company_reliability = reliability
        return scores


def _score(dataset: Dataset, cats: dict[str, pd.Categorical]) -> Scores:
    """Every table but the reliability ones (made alongside) and the flags."""
    inst: Instrument = dataset.instrument
    th = inst.thresholds
    long, kept_values = respondent_scores(dataset.responses, instrument_cells(inst),
                                          inst.scale.min, inst.scale.max,
                                          th.min_answered_share, cats)
    company = group_stats(dataset.responses, long, kept_values, inst.scale.points,
                          th.min_group_size, total_lenses={"experience", THRESHOLD_LENS},
                          scale=(inst.scale.min, inst.scale.max), categoricals=cats)
    del kept_values  # only the agreement needs them
    profile = _profile(company, long, dataset.responses, th)

    wide = _wide(profile).reindex(columns=list(LENSES))
    gaps = wide.assign(gap=wide["experience"] - wide["setup"]).reset_index()
    gaps.columns.name = None

    exp_c = company[(company["lens"] == "experience") & company["shown"]]
    by = exp_c.pivot_table(index=KEYS + ["discipline"], columns="perspective", values="mean")
    by = by.reindex(columns=["internal", "customer"]).dropna()
    blind = by.assign(diff=by["internal"] - by["customer"]).reset_index()
    blind.columns.name = None

    setup = ((long["lens"] == "setup") & long["kept"] & (long["perspective"] == "internal")
             ).to_numpy(bool)
    dept = group_means(long, setup, KEYS + ["department", "discipline"])
    size = distinct_counts(long, setup, KEYS + ["department"]).rename("size")
    dept = dept.merge(size.reset_index(), on=KEYS + ["department"])
    shown = _shown_departments(dept, th.min_group_size).reindex(size.index)
    big = shown.reindex(pd.MultiIndex.from_frame(dept[KEYS + ["department"]])).to_numpy()
    departments = dept[big].drop(columns="size").reset_index(drop=True).astype(
        dict.fromkeys([*KEYS, "department", "discipline"], str))
    hidden = size[~shown.to_numpy()].rename("n").reset_index().astype(
        dict.fromkeys([*KEYS, "department"], str))
    dropped = dropped_counts(long)

    return Scores(
        instrument=inst, respondents=long, company=company,
        profile=profile, lens_gaps=gaps, blind_spots=blind, departments=departments,
        hidden_departments=hidden, dropped=dropped, reliability=pd.DataFrame(),
        companies=dataset.companies, integration=score_integration(dataset),
        integration_instrument=dataset.integration or load_integration(),
    )
