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

from .instrument import LENSES, THRESHOLD_LENS, Instrument, Thresholds
from .integration_instrument import IntegrationInstrument, load_integration
from .io import Dataset
from .tdist import t_quantiles

KEYS = ["wave", "company_id"]
OUTSIDE_IN = "outside_in"
INSIDE_OUT = "inside_out"
INTERNAL = "internal"


@dataclass
class Scores:
    """All scores of a dataset; every table is tidy (one row per observation).

    - ``respondents``: wave, company_id, respondent_id, perspective, department,
      discipline, lens, score, answered, n_items, kept (lens ``threshold`` for threshold items)
    - ``company``: wave, company_id, discipline, lens, perspective (customer, internal, all),
      mean, n, sd, ci_low, ci_high, rwg, shown (False: fewer customers than the minimum
      group size; their statistics are hidden but they count in the ``all`` total)
    - ``profile``: the company's two lenses as the diagnosis reads them: wave, company_id,
      discipline, lens, source (outside_in, inside_out, internal), mean, n, sd, ci_low,
      ci_high, rwg, par_score, par_basis (threshold or discipline)
    - ``lens_gaps``: wave, company_id, discipline, experience, setup, gap (experience - setup)
    - ``blind_spots``: wave, company_id, discipline, internal, customer, diff (internal - customer)
    - ``departments``: wave, company_id, department, discipline, mean, n (set-up lens, only
      departments of at least the minimum group size)
    - ``hidden_departments``: wave, company_id, department, n (below the minimum group size)
    - ``dropped``: wave, company_id, n_scores, n_dropped, n_respondents_dropped
    - ``reliability``: discipline, lens, n_items, n_respondents, alpha
    - ``integration``: the customer-integration section's scores (see
      :func:`assessment.integration.score_integration`), empty when nobody answered it
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


def keyed(values: np.ndarray, reverse: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Apply reverse keying column-wise: ``lo + hi - value`` where ``reverse`` is True."""
    return np.where(reverse, lo + hi - values, values)


def ci95(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Two-sided 95% confidence interval of a mean (Student's t; NaN for n < 2)."""
    n_arr = n.to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantiles(n_arr - 1, 0.975)  # Student's t quantile (NaN for n < 2)
        half = t * sd.to_numpy(dtype=float) / np.sqrt(n_arr)
    return mean - half, mean + half


def rwg_j(mean_item_var: pd.Series | np.ndarray, n_items: int, points: int) -> np.ndarray:
    """Within-group agreement r_wg(J) (James, Demaree & Wolf 1984) for a J-item scale.

    ``sigma_EU^2 = (A^2 - 1) / 12`` for A answer options; the ratio of the mean observed
    item variance to it is truncated at 1 so the index stays in [0, 1]. For J = 1 this is
    the single-item ``r_wg = 1 - s^2 / sigma_EU^2``.
    """
    sigma_eu = (points**2 - 1) / 12.0
    ratio = np.minimum(np.asarray(mean_item_var, dtype=float) / sigma_eu, 1.0)
    agree = n_items * (1.0 - ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        return agree / (agree + ratio)


def cronbach_alpha(items: pd.DataFrame) -> float:
    """Cronbach's alpha from the pairwise covariance matrix of the item columns."""
    k = items.shape[1]
    cov = items.cov()
    total = cov.to_numpy().sum()
    if k < 2 or not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov.to_numpy()) / total))


# -- scoring ---------------------------------------------------------------------------


Cell = tuple[str, str, list[str], np.ndarray]  # (discipline or scale, lens or block, ids, reverse)


def instrument_cells(inst: Instrument) -> list[Cell]:
    """The discipline x lens cells (and threshold cells) of the instrument."""
    out = []
    for discipline, lens in inst.cells():
        items = inst.cell_items(discipline, lens)
        out.append((discipline, lens, [i.id for i in items], np.array([i.reverse for i in items])))
    return out


def respondent_scores(
    responses: pd.DataFrame, cells: list[Cell], lo: int, hi: int, share: float
) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    """Each respondent's score per cell: the mean of the answered (keyed) items when at least
    ``share`` of the cell was answered, else NaN. Also returns the kept keyed answers."""
    meta = responses[["wave", "company_id", "respondent_id", "perspective", "department"]]
    frames = []
    kept_values: dict[tuple[str, str], np.ndarray] = {}
    for discipline, lens, ids, rev in cells:
        sub = keyed(responses[ids].to_numpy(dtype=float), rev, lo, hi)
        answered = (~np.isnan(sub)).sum(axis=1)
        k = len(ids)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-blank row has no mean
            score = np.nanmean(sub, axis=1)
        kept = (answered > 0) & (answered >= share * k - 1e-9)
        kept_values[(discipline, lens)] = np.where(kept[:, None], sub, np.nan)
        frame = meta.copy()
        frame["discipline"] = discipline
        frame["lens"] = lens
        frame["score"] = np.where(kept, score, np.nan)
        frame["answered"] = answered
        frame["n_items"] = k
        frame["kept"] = kept
        frames.append(frame)
    return pd.concat(frames, ignore_index=True), kept_values


def group_stats(
    responses: pd.DataFrame,
    long: pd.DataFrame,
    kept_values: dict[tuple[str, str], np.ndarray],
    points: int,
    min_group_size: int,
    total_lenses: set[str],
) -> pd.DataFrame:
    """Mean, n, sd, 95% CI and r_wg(J) per wave, company, cell and perspective; lenses in
    ``total_lenses`` also get an ``all`` row (customers and staff together)."""
    kept = long[long["kept"]]
    with_all = kept[kept["lens"].isin(total_lenses)].assign(perspective="all")
    data = pd.concat([kept, with_all], ignore_index=True)
    keys = KEYS + ["discipline", "lens", "perspective"]
    agg = data.groupby(keys, sort=True)["score"].agg(mean="mean", n="count", sd="std")
    agg = agg.reset_index()
    agg["ci_low"], agg["ci_high"] = ci95(agg["mean"], agg["sd"], agg["n"])

    # r_wg(J): mean within-group item variance of the kept answers, per cell. One groupby
    # over the items of every cell side by side (per perspective, then for "all"), not
    # one per cell: a cell's item variances are the same either way.
    resp = responses
    cells = list(kept_values.items())
    widths = [vals.shape[1] for _, vals in cells]
    starts = np.cumsum([0, *widths])
    block = pd.DataFrame(np.hstack([vals for _, vals in cells]) if cells
                         else np.empty((len(resp), 0)))
    parts = []
    for persp_name, grp_keys in (
        ("by", [resp["wave"], resp["company_id"], resp["perspective"]]),
        ("all", [resp["wave"], resp["company_id"]]),
    ):
        todo = [i for i, ((_, lens), _) in enumerate(cells)
                if persp_name == "by" or lens in total_lenses]
        if not todo:
            continue
        var = block.groupby(grp_keys, sort=False).var(ddof=1)
        groups = var.index.to_frame(index=False)
        groups.columns = (["wave", "company_id", "perspective"] if persp_name == "by"
                          else ["wave", "company_id"])
        if persp_name == "all":
            groups["perspective"] = "all"
        var_values = var.to_numpy(dtype=float)
        for i in todo:
            (discipline, lens), _ = cells[i]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a cell without answers
                mean_var = np.nanmean(var_values[:, starts[i]:starts[i + 1]], axis=1)
            frame = groups.copy()
            frame["discipline"] = discipline
            frame["lens"] = lens
            frame["rwg"] = rwg_j(mean_var, widths[i], points)
            parts.append(frame)
    rwg = pd.concat(parts, ignore_index=True)
    out = agg.merge(rwg, on=keys, how="left")
    out.loc[out["n"] < 2, "rwg"] = np.nan
    # Anonymity: customers are a group of their own and hidden below the minimum size;
    # staff as a whole ("internal") and everyone ("all") are the company's totals.
    out["shown"] = (out["n"] >= min_group_size) | (out["perspective"] != "customer")
    hide = ~out["shown"]
    out.loc[hide, ["mean", "sd", "ci_low", "ci_high", "rwg"]] = np.nan
    return out[keys + ["mean", "n", "sd", "ci_low", "ci_high", "rwg", "shown"]]


def _profile(company: pd.DataFrame, long: pd.DataFrame, th: Thresholds) -> pd.DataFrame:
    """Pick each lens's source group and attach the par-check score."""
    cust = long[(long["perspective"] == "customer") & (long["lens"] == "experience")
                & long["kept"]]
    n_cust = cust.groupby(KEYS)["respondent_id"].nunique()
    base = company[["wave", "company_id"]].drop_duplicates()
    base = base.assign(n_customers=base.set_index(KEYS).index.map(n_cust).fillna(0).astype(int))
    base["source"] = np.where(base["n_customers"] >= th.min_group_size, OUTSIDE_IN, INSIDE_OUT)

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


def _wide(profile: pd.DataFrame) -> pd.DataFrame:
    return profile.pivot_table(index=KEYS + ["discipline"], columns="lens", values="mean",
                               dropna=False)


def score(dataset: Dataset) -> Scores:
    """Score a validated dataset: respondents, companies per wave, lenses and reliability."""
    with warnings.catch_warnings():
        # groups of one respondent and all-blank cells have no variance: NaN, on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        return _score(dataset)


def _score(dataset: Dataset) -> Scores:
    from .integration import score_integration  # the integration module builds on this one

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
    big = dept["size"] >= th.min_group_size
    departments = dept[big].drop(columns="size").reset_index(drop=True)
    hidden = size[size < th.min_group_size].rename("n").reset_index()

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
