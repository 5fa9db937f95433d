"""The scoring rules: reverse keying, respondent and group scores, the 95% interval,
agreement (r_wg(J)) and scale reliability (Cronbach's alpha).

Each rule lives here once; the portfolio tables (:mod:`assessment.scoring.tables`) and
customer integration (:mod:`assessment.scoring.integration`) call them. Everything is
vectorized: the only Python loop is over the instrument's cells, never over respondents.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import Instrument
from assessment.scoring.anonymity import shown_groups
from assessment.scoring.grouping import group_codes as _group_codes
from assessment.scoring.grouping import group_moments
from assessment.scoring.tdist import t_quantile, t_quantiles

KEYS = ["wave", "company_id"]
OUTSIDE_IN = "outside_in"
INSIDE_OUT = "inside_out"
INTERNAL = "internal"
#: a workshop team's consensus record: one row for the whole team, with its number of
#: participants; a team's record, not a person's
TEAM = "team"


def keyed(values: np.ndarray, reverse: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Apply reverse keying column-wise: ``lo + hi - value`` where ``reverse`` is True.

    Examples
    --------
    On a 1..5 scale a reverse-keyed 2 counts as 4 and a 5 as 1:

    >>> keyed(np.array([1.0, 2.0, 5.0]), np.array([False, True, True]), 1, 5).tolist()
    [1.0, 4.0, 1.0]
    """
    return np.where(reverse, lo + hi - values, values)


def ci_half_width(sd: np.ndarray | float, n: np.ndarray | float) -> np.ndarray:
    """Half the width of the two-sided 95% confidence interval of a mean of ``n`` values
    with standard deviation ``sd``: ``t(0.975, n - 1) * sd / sqrt(n)`` (NaN for n < 2).

    Examples
    --------
    Four values with sd 2: t(0.975, 3) = 3.1824, so 3.1824 * 2 / 2:

    >>> ci_half_width(np.array([2.0]), np.array([4])).round(4).tolist()
    [3.1824]
    """
    if np.ndim(n) == 0 and n >= 2:  # one group (the workshop): the cached scalar quantile
        return np.array([t_quantile(int(n) - 1, 0.975) * float(sd) / math.sqrt(n)])
    n_arr = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = t_quantiles(np.atleast_1d(n_arr - 1), 0.975)  # Student's t (NaN for n < 2)
        return t * np.asarray(sd, dtype=float) / np.sqrt(n_arr)


def ci95(mean: pd.Series, sd: pd.Series, n: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Two-sided 95% confidence interval of a mean (Student's t; NaN for n < 2).

    Examples
    --------
    Mean 3, sd 2, n 4: 3 -+ t(0.975, 3) * 2 / 2 = 3 -+ 3.1824; one value has no interval:

    >>> low, high = ci95(pd.Series([3.0, 3.0]), pd.Series([2.0, np.nan]), pd.Series([4, 1]))
    >>> low.round(4).tolist(), high.round(4).tolist()
    ([-0.1824, nan], [6.1824, nan])
    """
    half = ci_half_width(sd.to_numpy(dtype=float), n.to_numpy(dtype=float))
    return mean - half, mean + half


def rwg_j(mean_item_var: pd.Series | np.ndarray, n_items: int, points: int) -> np.ndarray:
    """Within-group agreement r_wg(J) (James, Demaree & Wolf 1984) for a J-item scale.

    ``sigma_EU^2 = (A^2 - 1) / 12`` for A answer options; the ratio of the mean observed
    item variance to it is truncated at 1 so the index stays in [0, 1]. For J = 1 this is
    the single-item ``r_wg = 1 - s^2 / sigma_EU^2``.

    Examples
    --------
    Five answer options: sigma_EU^2 = 24 / 12 = 2. A mean item variance of 1 over two
    items gives 2 * 0.5 / (2 * 0.5 + 0.5) = 2/3; a variance above 2 counts as no agreement;
    one item with variance 1 gives 1 - 1/2:

    >>> rwg_j(np.array([1.0, 3.0]), 2, 5).round(4).tolist(), float(rwg_j(1.0, 1, 5))
    ([0.6667, 0.0], 0.5)
    """
    sigma_eu = (points**2 - 1) / 12.0
    ratio = np.minimum(np.asarray(mean_item_var, dtype=float) / sigma_eu, 1.0)
    agree = n_items * (1.0 - ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        return agree / (agree + ratio)


def pairwise_cov(values: np.ndarray) -> np.ndarray:
    """Covariance matrix of the columns of ``values`` from pairwise-complete rows (each pair of
    columns uses the rows where both are answered; ``ddof=1``), as ``DataFrame.cov`` computes
    it. A pair with fewer than two common rows has NaN.

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [2.0, np.nan], [3.0, 5.0], [4.0, 4.0]])
    >>> pairwise_cov(x).round(4).tolist()
    [[1.6667, 1.8333], [1.8333, 2.3333]]
    """
    mat = np.asarray(values, dtype=float)
    present = ~np.isnan(mat)
    zeroed = np.where(present, mat, 0.0)
    both = present.T.astype(float) @ present.astype(float)  # n_ij
    sums = zeroed.T @ present.astype(float)  # sum of column i over the rows j is answered
    prods = zeroed.T @ zeroed
    return cov_from_sums(both, sums, prods)


def cov_from_sums(both: np.ndarray, sums: np.ndarray, prods: np.ndarray) -> np.ndarray:
    """The pairwise-complete covariance matrix (:func:`pairwise_cov`) from its sums over the
    rows: ``both[i, j]`` the rows where items i and j are answered, ``sums[i, j]`` the sum of
    item i over them, ``prods[i, j]`` the sum of the products. NaN where ``both < 2``.

    Examples
    --------
    Two items answered together three times: 1, 3, 4 and 2, 5, 4:

    >>> both = np.full((2, 2), 3.0)
    >>> sums, prods = np.array([[8.0, 8.0], [11.0, 11.0]]), np.array([[26.0, 33.0], [33.0, 45.0]])
    >>> cov_from_sums(both, sums, prods).round(4).tolist()
    [[2.3333, 1.8333], [1.8333, 2.3333]]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = (prods - sums * sums.T / both) / (both - 1)
    cov[both < 2] = np.nan
    return cov


def alpha_from_cov(cov: np.ndarray) -> float:
    """Cronbach's alpha from the items' covariance matrix (:func:`cronbach_alpha`): NaN for
    fewer than two items or no total variance.

    Examples
    --------
    >>> alpha_from_cov(np.array([[1.0, 0.5], [0.5, 1.0]]))
    0.6666666666666667
    """
    k = cov.shape[0]
    if k < 2:
        return float("nan")
    total = cov.sum()
    if not np.isfinite(total) or total <= 0:
        return float("nan")
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def cronbach_alpha(items: pd.DataFrame | np.ndarray) -> float:
    """Cronbach's alpha of a respondents x items table, from pairwise-complete covariances.

    .. math:: \\alpha = \\frac{k}{k - 1} \\left(1 - \\frac{\\sum_i \\sigma^2_i}
              {\\sum_{i,j} \\sigma_{ij}}\\right)

    with :math:`k` items and the covariance matrix :math:`\\sigma_{ij}` (its diagonal the item
    variances). Missing answers are handled pairwise, as ``pingouin.cronbach_alpha`` does
    (the tests compare with it). NaN for fewer than two items or no total variance.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297-334.

    Examples
    --------
    Item variances 10/3, 9/4 and 5/3 (sum 7.25); the variance of the row totals 235/12:

    >>> round(cronbach_alpha(np.array([[1, 2, 2], [2, 2, 3], [4, 5, 4], [5, 4, 5]])), 4)
    0.9447
    """
    mat = items.to_numpy(dtype=float) if isinstance(items, pd.DataFrame) else np.asarray(
        items, dtype=float)
    if mat.ndim != 2 or mat.shape[1] < 2:
        return float("nan")
    mat = mat[~np.isnan(mat).all(axis=1)]
    return alpha_from_cov(pairwise_cov(mat))


# -- scoring ---------------------------------------------------------------------------


Cell = tuple[str, str, list[str], np.ndarray]  # (discipline or scale, lens or block, ids, reverse)


def instrument_cells(inst: Instrument) -> list[Cell]:
    """The discipline x lens cells (and threshold cells) of the instrument.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> cells = instrument_cells(load_instrument())
    >>> len(cells), cells[0][:2], cells[-1][:2]
    (9, ('operational_excellence', 'experience'), ('product_leadership', 'threshold'))
    >>> cells[0][2][:3], cells[0][3].tolist()
    (['oe_exp_1', 'oe_exp_2', 'oe_exp_3'], [False, False, True, False, False, True, False])
    """
    out = []
    for discipline, lens in inst.cells():
        items = inst.cell_items(discipline, lens)
        out.append((discipline, lens, [i.id for i in items], np.array([i.reverse for i in items])))
    return out


def cell_scores(raw: np.ndarray, reverse: np.ndarray, lo: int, hi: int, share: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each respondent's score in one cell, from their raw answers (respondents x the cell's
    items, NaN = not answered): the mean of the answered items after reverse keying, kept
    when at least ``share`` of the cell's items were answered (else NaN).

    Returns ``(answered, score, kept, kept_values)``: answers given per respondent, the
    score, whether it was kept, and the keyed answers of the kept respondents (NaN rows
    for the others), which agreement is computed from. ``kept_values`` is float32 when
    ``raw`` is (as ``Dataset.responses`` keeps answers: whole numbers, exact), else
    float64; the score is float64 either way (the sum of whole numbers is exact in both,
    the division is done in float64).

    Examples
    --------
    Three items, the second reverse-keyed on a 1..5 scale, at least 60% answered:

    >>> raw = np.array([[4.0, 2.0, 5.0], [3.0, np.nan, np.nan]])
    >>> answered, score, kept, _ = cell_scores(raw, np.array([False, True, False]), 1, 5, 0.6)
    >>> answered.tolist(), score.round(3).tolist(), kept.tolist()
    ([3, 1], [4.333, nan], [True, False])
    """
    raw = np.asarray(raw)
    sub = keyed(raw if raw.dtype == np.float32 else raw.astype(float), reverse, lo, hi)
    present = ~np.isnan(sub)
    answered = present.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):  # an all-blank row has no mean
        score = np.where(present, sub, 0).sum(axis=1, dtype=np.float64) / answered
    kept = (answered > 0) & (answered >= share * sub.shape[1] - 1e-9)
    return (answered, np.where(kept, score, np.nan), kept,
            np.where(kept[:, None], sub, np.nan))


def mean_item_variance(values: np.ndarray) -> float:
    """The mean over items of the within-group variance (``ddof=1``) of one group's answers
    (respondents x items, NaN = not answered); items with fewer than two answers are left
    out, NaN when none has two. What :func:`rwg_j` compares with the uniform null.

    Examples
    --------
    >>> mean_item_variance(np.array([[1.0, 4.0], [3.0, np.nan], [5.0, 2.0]]))
    3.0
    """
    vals = np.asarray(values, dtype=float)
    present = ~np.isnan(vals)
    count = present.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, vals, 0.0).sum(axis=0) / count
        squares = (np.where(present, vals - mean, 0.0) ** 2).sum(axis=0)
        var = np.where(count >= 2, squares / (count - 1), np.nan)
    finite = var[np.isfinite(var)]
    return float(finite.mean()) if len(finite) else float("nan")


def experience_source(n_customers: int, min_group_size: int) -> str:
    """Where the experience lens is read from: the customers' own answers (outside-in) once
    at least ``min_group_size`` customers were scored, else staff's estimate (inside-out).

    Examples
    --------
    >>> experience_source(4, 5), experience_source(5, 5)
    ('inside_out', 'outside_in')
    """
    return OUTSIDE_IN if n_customers >= min_group_size else INSIDE_OUT


def lens_sources(n_customers: int, n_staff_experience: int, n_staff_setup: int,
                 has_team: bool, min_group_size: int) -> dict[str, tuple[str, str]]:
    """The group each lens is read from, as ``{lens: (source, perspective)}``.

    - experience: the customers' own answers (``outside_in``) when at least
      ``min_group_size`` customers were scored; else staff's estimate (``inside_out``)
      when enough staff answered the experience items; else a workshop team's consensus
      (``team``) when there is one; else staff's estimate, however few (the diagnosis
      then reports insufficient evidence).
    - set-up: staff (``internal``) when enough staff answered the set-up items; else a
      team consensus when there is one; else staff, however few.

    Examples
    --------
    >>> lens_sources(24, 22, 22, False, 5)
    {'experience': ('outside_in', 'customer'), 'setup': ('internal', 'internal')}
    >>> lens_sources(0, 0, 0, True, 5)
    {'experience': ('team', 'team'), 'setup': ('team', 'team')}
    >>> lens_sources(1, 1, 1, False, 5)["experience"]
    ('inside_out', 'internal')
    """
    if n_customers >= min_group_size:
        exp = (OUTSIDE_IN, "customer")
    elif n_staff_experience >= min_group_size or not has_team:
        exp = (INSIDE_OUT, "internal")
    else:
        exp = (TEAM, TEAM)
    setup = ((INTERNAL, "internal") if n_staff_setup >= min_group_size or not has_team
             else (TEAM, TEAM))
    return {"experience": exp, "setup": setup}


def group_summary(score: np.ndarray, kept: np.ndarray, kept_values: np.ndarray,
                  members: np.ndarray, points: int, scale: tuple[int, int] | None = None
                  ) -> dict[str, float] | None:
    """Mean, n, sd, 95% interval and r_wg(J) of one group (``members``) in one cell, from
    :func:`cell_scores`; the rules :func:`group_stats` applies to a whole portfolio, for one
    group in numpy. None when no member has a kept score; sd, interval and r_wg(J) are NaN
    for a group of one. With ``scale`` = (min, max) the interval is clipped to the scale.
    The anonymity rule (:func:`shown_groups`) is the caller's.

    Examples
    --------
    >>> sc = np.array([2.0, 4.0, np.nan])
    >>> kv = np.array([[2.0, 2.0], [4.0, 4.0], [np.nan, np.nan]])
    >>> out = group_summary(sc, sc == sc, kv, np.array([True, True, True]), 5)
    >>> out["mean"], out["n"], round(out["sd"], 4), out["rwg"]
    (3.0, 2, 1.4142, 0.0)
    """
    m = members & kept
    n = int(m.sum())
    if n == 0:
        return None
    vals = score[m]
    mean = float(vals.mean())
    if n < 2:
        nan = float("nan")
        return {"mean": mean, "n": n, "sd": nan, "ci_low": nan, "ci_high": nan, "rwg": nan}
    sd = float(vals.std(ddof=1))
    half = float(ci_half_width(sd, n)[0])
    rwg = float(rwg_j(mean_item_variance(kept_values[members]), kept_values.shape[1],
                      points))
    low, high = mean - half, mean + half
    if scale is not None:  # an interval never reaches beyond the answer scale
        low, high = min(max(low, scale[0]), scale[1]), min(max(high, scale[0]), scale[1])
    return {"mean": mean, "n": n, "sd": sd, "ci_low": low, "ci_high": high, "rwg": rwg}


def respondent_scores(
    responses: pd.DataFrame, cells: list[Cell], lo: int, hi: int, share: float,
    categoricals: dict[str, pd.Categorical] | None = None,
) -> tuple[pd.DataFrame, dict[tuple[str, str], np.ndarray]]:
    """Each respondent's score per cell: the mean of the answered (keyed) items when at least
    ``share`` of the cell was answered, else NaN. Also returns the kept keyed answers.
    ``categoricals``: ``pd.Categorical`` of text columns of ``responses`` the caller has
    already (made here otherwise).

    Examples
    --------
    One cell of two items, the second reverse-keyed on 1..5, half of it needed: r1 scores
    (2 + 2) / 2, r2 (4 + 4) / 2, r3 answered one item of two, 3:

    >>> resp = pd.DataFrame({"wave": "w", "company_id": "a", "respondent_id": ["r1", "r2", "r3"],
    ...                      "perspective": "customer", "department": "",
    ...                      "x1": [2.0, 4.0, 3.0], "x2": [4.0, 2.0, np.nan]})
    >>> cells = [("operational_excellence", "experience", ["x1", "x2"], np.array([False, True]))]
    >>> long, kept_values = respondent_scores(resp, cells, 1, 5, 0.5)
    >>> long["score"].tolist(), long["answered"].tolist(), long["kept"].tolist()
    ([2.0, 4.0, 3.0], [2, 2, 1], [True, True, True])
    """
    # the texts as categoricals (categories sorted, so sorting and grouping go as by the
    # texts): each cell's block repeats the respondents' codes, not their strings
    n, k = len(responses), len(cells)
    columns: dict[str, Any] = {}
    for c in ["wave", "company_id", "respondent_id", "perspective", "department"]:
        cat = (categoricals or {}).get(c)
        cat = pd.Categorical(responses[c]) if cat is None else cat
        columns[c] = pd.Categorical.from_codes(np.tile(cat.codes, k), dtype=cat.dtype)
    for c, names in (("discipline", [d for d, *_ in cells]), ("lens", [le for _, le, *_ in cells])):
        cat = pd.Categorical(names)
        columns[c] = pd.Categorical.from_codes(np.repeat(cat.codes, n), dtype=cat.dtype)
    kept_values: dict[tuple[str, str], np.ndarray] = {}
    # each cell's block written into the columns in place (no list of parts to join)
    columns["score"] = np.empty(n * k)
    columns["answered"] = np.empty(n * k, dtype=np.int64)
    columns["n_items"] = np.repeat(np.array([len(ids) for _, _, ids, _ in cells], np.int64), n)
    columns["kept"] = np.empty(n * k, dtype=bool)
    for j, (discipline, lens, ids, rev) in enumerate(cells):
        block = slice(j * n, (j + 1) * n)
        (columns["answered"][block], columns["score"][block], columns["kept"][block],
         kept_values[(discipline, lens)]) = cell_scores(
            responses[ids].to_numpy(dtype=np.float32), rev, lo, hi, share)
    # the arrays are new: the frame takes them as they are (no copy)
    return pd.DataFrame(columns, copy=False), kept_values


def group_stats(
    responses: pd.DataFrame,
    long: pd.DataFrame,
    kept_values: dict[tuple[str, str], np.ndarray],
    points: int,
    min_group_size: int,
    total_lenses: set[str],
    scale: tuple[int, int] | None = None,
    categoricals: dict[str, pd.Categorical] | None = None,
) -> pd.DataFrame:
    """Mean, n, sd, 95% CI and r_wg(J) per wave, company, cell and perspective; lenses in
    ``total_lenses`` also get an ``all`` row (customers and staff together; a workshop
    team's consensus record is no respondent and stays out of it). With ``scale`` =
    (min, max) the interval is clipped to the answer scale. ``categoricals``: as for
    :func:`respondent_scores`.

    Examples
    --------
    The three customers of :func:`respondent_scores`'s example: scores 2, 4, 3 (mean 3,
    sd 1, 3 -+ t(0.975, 2) / sqrt(3) = 3 -+ 2.4841); keyed item variances 1 and 2 (mean
    1.5, ratio 0.75 to sigma_EU^2 = 2), so r_wg(J) = 2 * 0.25 / (2 * 0.25 + 0.75) = 0.4:

    >>> resp = pd.DataFrame({"wave": "w", "company_id": "a", "respondent_id": ["r1", "r2", "r3"],
    ...                      "perspective": "customer", "department": "",
    ...                      "x1": [2.0, 4.0, 3.0], "x2": [4.0, 2.0, np.nan]})
    >>> cells = [("operational_excellence", "experience", ["x1", "x2"], np.array([False, True]))]
    >>> long, kept_values = respondent_scores(resp, cells, 1, 5, 0.5)
    >>> out = group_stats(resp, long, kept_values, 5, 3, {"experience"})
    >>> out[["perspective", "mean", "n", "sd", "ci_low", "rwg", "shown"]].round(4).values.tolist()
    [['all', 3.0, 3, 1.0, 0.5159, 0.4, True], ['customer', 3.0, 3, 1.0, 0.5159, 0.4, True]]
    """
    keys = KEYS + ["discipline", "lens", "perspective"]
    agg = group_moments(long, keys, total_lenses, TEAM)
    agg["ci_low"], agg["ci_high"] = ci95(agg["mean"], agg["sd"], agg["n"])
    if scale is not None:  # an interval never reaches beyond the answer scale
        agg["ci_low"], agg["ci_high"] = agg["ci_low"].clip(*scale), agg["ci_high"].clip(*scale)

    # r_wg(J): mean within-group item variance of the kept answers, per cell. The groups
    # once per perspective (then for "all"), numbered from the columns' integer codes;
    # then each cell's items (the item variances are per column, the same as one groupby
    # over every cell side by side, without that copy).
    cells = list(kept_values.items())
    parts = []
    coded = {c: (categoricals or {}).get(c) for c in ("wave", "company_id", "perspective")}
    coded = {c: pd.Categorical(responses[c]) if cat is None else cat
             for c, cat in coded.items()}
    not_team = np.asarray(coded["perspective"] != TEAM)
    groupings = {}
    for persp_name in ("by", "all"):
        if persp_name == "all" and not any(lens in total_lenses for (_, lens), _ in cells):
            continue
        rows = slice(None) if persp_name == "by" or not_team.all() else not_team
        grouper, groups = _group_codes({c: coded[c] for c in (
            ["wave", "company_id", "perspective"] if persp_name == "by"
            else ["wave", "company_id"])}, rows)
        if persp_name == "all":
            groups["perspective"] = "all"
        groupings[persp_name] = (rows, grouper, groups)
    for (discipline, lens), vals in cells:
        every = None  # the cell's answers in float64, column-major (the frame takes them
        # as they are), made once for both groupings when they take every row
        for persp_name, (rows, grouper, groups) in groupings.items():
            if persp_name == "all" and lens not in total_lenses:
                continue
            if isinstance(rows, slice):
                every = np.asfortranarray(vals, np.float64) if every is None else every
                values = every
            else:
                values = np.asfortranarray(vals[rows], np.float64)
            # in float64 (kept answers may come as float32): the variances as before
            var_values = pd.DataFrame(values, copy=False).groupby(
                grouper, observed=False).var(ddof=1).to_numpy(float)  # no unused group
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # a cell without answers
                mean_var = np.nanmean(var_values, axis=1)
            frame = groups.copy()
            frame["discipline"] = discipline
            frame["lens"] = lens
            frame["rwg"] = rwg_j(mean_var, vals.shape[1], points)
            parts.append(frame)
    rwg = pd.concat(parts, ignore_index=True)
    out = agg.merge(rwg, on=keys, how="left")
    out.loc[out["n"] < 2, "rwg"] = np.nan
    # Anonymity: small groups of people are hidden, and so is everyone together when it
    # would reveal them (see shown_groups); decided per cell, with each group's n there
    cell = out.groupby(KEYS + ["discipline", "lens"], sort=False).ngroup().to_numpy()
    out["shown"] = shown_groups(out["n"].to_numpy(), out["perspective"].to_numpy(), cell,
                                min_group_size)
    hide = ~out["shown"]
    out.loc[hide, ["mean", "sd", "ci_low", "ci_high", "rwg"]] = np.nan
    return out[keys + ["mean", "n", "sd", "ci_low", "ci_high", "rwg", "shown"]]


