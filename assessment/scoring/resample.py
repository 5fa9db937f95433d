"""A stratified bootstrap of respondents: replicate group means for each verdict's confidence.

:func:`resample` draws ``B`` bootstrap resamples of the respondents of
``Scores.respondents`` and returns, for every group a verdict rests on and every
(discipline, lens) cell, the ``B`` replicate means (:class:`Replicates`). The share of
replicates that reproduce a verdict is its confidence; :func:`percentile_interval` gives
a percentile-bootstrap interval of any quantity computed from the replicates.

The design, in short:

- **Strata**: wave x company_id x perspective x department. Within a stratum of ``n``
  respondents, ``n`` are drawn with replacement, so every replicate keeps the group sizes
  of the data (no replicate loses a company's customers or a department).
- **A respondent is drawn as a whole**: one draw serves every cell, so a respondent's
  experience and set-up scores stay together and differences between cells are resampled
  with their correlation.
- **Seeds per company-wave**: each company-wave draws from its own generator,
  ``np.random.default_rng([seed, crc32(company_id), crc32(wave)])`` (crc32 of the UTF-8
  text; not Python's salted ``hash()``). Resampling one company alone gives exactly the
  replicates it gets inside a portfolio, in every process.
- **Vectorised**: no Python loop over replicates or respondents. Replicates are done in
  blocks (a few MB each); per block, each company-wave draws its random numbers, one
  ``np.bincount`` counts how often every respondent is drawn, and the strata sums of
  all companies are counts @ scores (a batched matrix product per stratum size class),
  the group sums a 0/1 matrix per company-wave @ strata sums.
- **Exact up to a size, approximated above it** (``exact_max``, the instrument's
  ``bootstrap_exact_max``): the exact draws cost ``B`` random numbers per respondent
  (a billion for a million respondents). A stratum of more than ``exact_max``
  respondents has its replicate sums drawn from the multivariate normal distribution the
  bootstrap sums tend to (the stratum's per-respondent mean vector and covariance, times
  ``n``; :mod:`assessment.scoring.approx`), from a second generator per company-wave:
  a company without a large stratum keeps exactly its draws, one with a large stratum
  draws for its exact strata only. At a few hundred respondents the two agree within the
  bootstrap's own Monte Carlo error.
"""

from __future__ import annotations

import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assessment.scoring.approx import normal_seed, normal_sums
from assessment.scoring.score_matrix import score_columns

__all__ = ["Replicates", "TEAM", "company_seed", "percentile_interval", "resample"]

TEAM = "team"  # a workshop team's consensus record: never resampled
ALL = "all"    # the company total's perspective
STRATUM = ["wave", "company_id", "perspective", "department"]
# replicates per block: a block's largest array holds about _BLOCK_VALUES numbers
# (B x respondents x cells is never held at once)
_BLOCK_VALUES = 2_000_000


def company_seed(seed: int, company_id: str, wave: str) -> list[int]:
    """The seed of one company-wave's generator: ``[seed, crc32(company_id), crc32(wave)]``.

    Stable across processes and platforms (crc32 of the UTF-8 text, not ``hash()``).

    Examples
    --------
    >>> company_seed(1, "acme", "2026-Q1") == company_seed(1, "acme", "2026-Q1")
    True
    >>> company_seed(1, "acme", "2026-Q1")[0], len(company_seed(1, "acme", "2026-Q1"))
    (1, 3)
    """
    return [int(seed), zlib.crc32(str(company_id).encode("utf-8")),
            zlib.crc32(str(wave).encode("utf-8"))]


@dataclass(frozen=True, eq=False)
class Replicates:
    """Bootstrap replicate means of every group, per (discipline, lens) cell.

    Attributes
    ----------
    groups : pd.DataFrame
        One row per group, in the order of ``means``' second axis: wave, company_id,
        perspective (``customer``, ``internal``, ``team``, or ``all`` for the company
        total: everyone surveyed, customers and staff, not the team record), department
        (a staff department's name for a department group, else ``""``), n (respondents
        in the group; drawn as many times in each replicate).
    cells : list of (discipline, lens)
        The cells, the order of the last axis (their order of first appearance).
    means : np.ndarray
        float64 ``(B, n_groups, n_cells)``: the mean of the kept scores drawn into the
        group in each replicate (NaN when none of the drawn respondents has a kept score).
        A ``team`` group's replicates all equal its point value. Stored group by group
        (a transposed view): one group's ``(B, n_cells)`` block is contiguous.
    point : np.ndarray
        float64 ``(n_groups, n_cells)``: the group means of the data itself (NaN when no
        kept score).
    n_kept : np.ndarray
        int64 ``(n_groups, n_cells)``: the kept scores of the data per group and cell.
    """

    groups: pd.DataFrame
    cells: list[tuple[str, str]]
    means: np.ndarray
    point: np.ndarray
    n_kept: np.ndarray
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        keys = zip(*(self.groups[c].astype(str) for c in STRATUM), strict=True)
        self._index.update({k: i for i, k in enumerate(keys)})

    @property
    def replicates(self) -> int:
        """B, the number of replicates."""
        return self.means.shape[0]

    def group(self, wave: str, company_id: str, perspective: str, department: str = "") -> int:
        """The position of a group on ``means``' second axis (KeyError if there is none)."""
        key = (str(wave), str(company_id), str(perspective), str(department))
        try:
            return self._index[key]
        except KeyError:
            raise KeyError(f"no resampled group {key}") from None

    def of(self, wave: str, company_id: str, perspective: str,
           department: str = "") -> np.ndarray:
        """The replicate means of one group, ``(B, n_cells)`` (a view, do not write).

        ``perspective`` is ``"customer"``, ``"internal"``, ``"team"`` or ``"all"``; a
        department group is ``("internal", name)``.
        """
        return self.means[:, self.group(wave, company_id, perspective, department), :]

    def cell(self, discipline: str, lens: str) -> int:
        """The position of a (discipline, lens) cell on the last axis (ValueError if none)."""
        return self.cells.index((discipline, lens))


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """The percentile-bootstrap interval along axis 0 (the replicates), ignoring NaN.

    ``low`` and ``high`` are the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of
    the replicate values (linear interpolation, as ``np.nanpercentile``); NaN where every
    replicate is NaN. Clipping to the answer scale is the caller's.

    Parameters
    ----------
    values : np.ndarray
        Replicates on axis 0, e.g. a difference of two groups' replicate means.
    level : float
        The coverage, strictly between 0 and 1.

    Examples
    --------
    Replicates 1..101 of one quantity: the 2.5% and 97.5% quantiles are 3.5 and 98.5:

    >>> low, high = percentile_interval(np.arange(1.0, 102.0))
    >>> round(float(low), 6), round(float(high), 6)
    (3.5, 98.5)

    Per column of a (B, k) array; a column without values has no interval:

    >>> diff = np.array([[0.0, np.nan], [1.0, np.nan], [2.0, np.nan]])
    >>> [a.tolist() for a in percentile_interval(diff, level=0.5)]
    [[0.5, nan], [1.5, nan]]
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    tail = (1 - level) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column: NaN
        low, high = np.nanpercentile(np.asarray(values, dtype=float), [tail, 100 - tail],
                                     axis=0)
    return low, high


def resample(respondents: pd.DataFrame, replicates: int = 1000,
             seed: int = 20261130, exact_max: int | None = None) -> Replicates:
    """Stratified bootstrap replicates of every group's mean score, per cell.

    Parameters
    ----------
    respondents : pd.DataFrame
        ``Scores.respondents``: one row per respondent x cell with wave, company_id,
        respondent_id, perspective, department, discipline, lens, score, kept. A score
        counts only where ``kept`` (and is not NaN).
    replicates : int
        B, the number of bootstrap resamples.
    seed : int
        The portfolio seed; each company-wave's generator is seeded with
        :func:`company_seed` of it.
    exact_max : int or None
        Strata of at most this many respondents are resampled exactly; a larger stratum's
        replicate sums are drawn from their normal approximation
        (:mod:`assessment.scoring.approx`). None: every stratum exactly.

    Returns
    -------
    Replicates
        Groups per company-wave: each perspective (customer, internal, team), each staff
        department (perspective internal, department not empty), and ``all`` (customers
        and staff together).

    Notes
    -----
    Each stratum (wave x company_id x perspective x department) of ``n`` respondents is
    resampled ``n`` with replacement; one draw of a respondent serves every cell. The
    respondents of a company-wave are ordered by perspective, department and
    respondent_id, and replicate ``b`` draws position ``start + floor(u[b, j] * n)`` for the
    stratum of position ``j``, with ``u = rng.random((B, m))`` for the company-wave's ``m``
    resampled respondents. The ``team`` perspective (a workshop team's consensus record) is
    never resampled: its replicates are its point value in every replicate.

    Examples
    --------
    >>> from assessment import load_dataset, score
    >>> s = score(load_dataset("data/sample"))
    >>> reps = resample(s.respondents, replicates=200)
    >>> reps.means.shape[0], len(reps.cells)
    (200, 9)
    >>> ce = reps.cell("customer_intimacy", "experience")
    >>> customers = reps.of("2026-Q1", "pcmaker", "customer")[:, ce]
    >>> low, high = percentile_interval(customers)
    >>> bool(low < reps.point[reps.group("2026-Q1", "pcmaker", "customer"), ce] < high)
    True
    """
    if replicates < 1:
        raise ValueError(f"replicates must be at least 1, not {replicates}")
    B = int(replicates)
    people, cells, columns = score_columns(respondents)
    is_team = (people["perspective"] == TEAM).to_numpy()
    drawn, team = people[~is_team].reset_index(drop=True), people[is_team].reset_index(drop=True)
    n_cells = len(cells)

    # strata: runs of the sorted respondents; groups: runs of strata or single strata
    stratum = _codes(drawn, STRATUM)
    s_start = _starts(stratum)
    s_size = np.diff(np.r_[s_start, len(drawn)]).astype(np.int64)
    s_rows = drawn.iloc[s_start].reset_index(drop=True)
    cw = _codes(s_rows, ["wave", "company_id"])
    plan = [("runs", _starts(_codes(s_rows, ["wave", "company_id", "perspective"]))),
            ("pick", np.flatnonzero((s_rows["perspective"] == "internal").to_numpy()
                                    & (s_rows["department"] != "").to_numpy())),
            ("runs", _starts(cw))]
    # the groups' keys as plain arrays (pandas per small frame costs more than the maths)
    s_key = {c: s_rows[c].to_numpy(dtype=object) for c in STRATUM}
    parts: dict[str, list[np.ndarray]] = {c: [] for c in [*STRATUM, "n"]}
    for (kind, at), total in zip(plan, [False, False, True], strict=True):
        for c in ("wave", "company_id"):
            parts[c].append(s_key[c][at])
        parts["perspective"].append(np.full(len(at), ALL, dtype=object) if total
                                    else s_key["perspective"][at])
        parts["department"].append(s_key["department"][at] if kind == "pick"
                                   else np.full(len(at), "", dtype=object))
        parts["n"].append(s_size[at] if kind == "pick" else (
            np.add.reduceat(s_size, at) if len(at) else np.empty(0, np.int64)))
    if is_team.any():
        t_start = _starts(_codes(team, ["wave", "company_id"]))
        for c in ("wave", "company_id", "perspective"):
            parts[c].append(team[c].to_numpy(dtype=object)[t_start])
        parts["department"].append(np.full(len(t_start), "", dtype=object))
        parts["n"].append(np.diff(np.r_[t_start, len(team)]))
    key = {c: np.concatenate(parts[c]) if parts[c] else np.empty(0, dtype=object)
           for c in STRATUM}
    n_group = np.concatenate(parts["n"]).astype(np.int64)
    # a readable order: by wave, company, perspective (customer, internal, team, all), dept
    rank = np.select([key["perspective"] == p for p in ("customer", "internal", TEAM, ALL)],
                     [0, 1, 2, 3], default=4)
    order = np.lexsort([pd.factorize(key["department"], sort=True)[0],
                        pd.factorize(key["perspective"], sort=True)[0], rank,
                        pd.factorize(key["company_id"], sort=True)[0],
                        pd.factorize(key["wave"], sort=True)[0]])
    groups = pd.DataFrame({**{c: pd.array(key[c][order], dtype=str) for c in STRATUM},
                           "n": n_group[order]})
    n_drawn_groups = sum(len(at) for _, at in plan)
    members = _Membership(plan, cw)

    # point values and kept counts of the data itself (summed cell by cell: in memory order)
    sums = (members.sums(np.add.reduceat(columns[:, :len(drawn)], s_start, axis=1).T[:, None])
            [:, 0] if len(drawn) else np.empty((0, 2 * n_cells)))
    if is_team.any():
        sums = np.vstack([sums, np.add.reduceat(columns[:, len(drawn):], t_start, axis=1).T])
    # per respondent and cell: [kept score or 0, 1 if kept] side by side, respondent by
    # respondent (the bootstrap draws respondents)
    data = np.ascontiguousarray(columns.T)
    del columns
    sums = sums[order]
    point = _ratio(sums[:, :n_cells], sums[:, n_cells:])
    n_kept = np.rint(sums[:, n_cells:]).astype(np.int64)

    # the replicates, stored group-major (each group's replicates contiguous); team
    # groups keep their point value, the others are drawn
    store = np.empty((len(groups), B, n_cells))
    team_rows = np.argsort(order)[n_drawn_groups:]
    store[team_rows] = point[team_rows, None, :]
    if len(drawn):
        target = np.argsort(order)[:n_drawn_groups]  # where each drawn group goes
        for b0, strata_sums in _bootstrap_sums(drawn, stratum, s_start, s_size,
                                               data[: len(drawn)], B, seed, members,
                                               exact_max):
            sums = members.sums(strata_sums, padded=True)  # (groups, b, 2 cells)
            with np.errstate(invalid="ignore"):  # no kept score drawn: 0 / 0 = NaN
                store[target, b0:b0 + sums.shape[1]] = sums[..., :n_cells] / sums[..., n_cells:]
    return Replicates(groups=groups, cells=cells, means=store.transpose(1, 0, 2),
                      point=point, n_kept=n_kept)


def _ratio(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``total / count``, NaN where the count is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def _starts(codes: np.ndarray) -> np.ndarray:
    """The positions where a run of equal codes begins."""
    if len(codes) == 0:
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])


def _codes(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Run numbers of ``columns`` in rows sorted by them: 0, 0, 1, 1, 1, 2, ..."""
    if len(frame) == 0:
        return np.empty(0, dtype=np.int64)
    change = np.zeros(len(frame), dtype=bool)
    for c in columns:
        col = frame[c]
        values = (col.cat.codes.to_numpy() if isinstance(col.dtype, pd.CategoricalDtype)
                  else col.to_numpy(dtype=object))  # equal codes: equal texts
        change[1:] |= values[1:] != values[:-1]
    return np.cumsum(change)


class _Membership:
    """Which strata make up each group, as one small 0/1 matrix per company-wave.

    Groups are given by ``plan``: ``runs`` of strata beginning at the given strata
    (covering all of them) or single strata ``pick``ed, in that order. A stratum's sums go
    to row ``row[s]`` of a padded ``(n_cw * width, ...)`` array (``width`` the most strata
    of a company-wave); group sums are then one batched matrix product over all
    company-waves, ``matrix @ strata`` (a company-wave has few strata and groups)."""

    def __init__(self, plan: list[tuple[str, np.ndarray]], cw: np.ndarray) -> None:
        n_strata = len(cw)
        cw_first = _starts(cw)
        n_cw = len(cw_first)
        pos = np.arange(n_strata) - cw_first[cw]        # a stratum's place in its cw
        self.width = int(pos.max()) + 1 if n_strata else 1
        self.row = cw * self.width + pos
        pairs_g, pairs_s, g0 = [], [], 0
        for kind, at in plan:
            if kind == "runs":
                pairs_g.append(g0 + np.repeat(np.arange(len(at)), np.diff(np.r_[at, n_strata])))
                pairs_s.append(np.arange(n_strata))
            else:
                pairs_g.append(g0 + np.arange(len(at)))
                pairs_s.append(at)
            g0 += len(at)
        g, st = np.concatenate(pairs_g), np.concatenate(pairs_s)
        group_cw = np.zeros(g0, dtype=np.int64)
        group_cw[g] = cw[st]
        by_cw = np.argsort(group_cw, kind="stable")
        slot = np.empty(g0, dtype=np.int64)
        slot[by_cw] = np.arange(g0) - np.searchsorted(group_cw[by_cw], group_cw[by_cw])
        self.groups_width = int(slot.max()) + 1 if g0 else 1
        self.matrix = np.zeros((n_cw, self.groups_width, self.width))
        self.matrix[group_cw[g], slot[g], pos[st]] = 1.0
        self.group_row = group_cw * self.groups_width + slot
        self.n_cw = n_cw

    def sums(self, strata: np.ndarray, padded: bool = False) -> np.ndarray:
        """Group sums ``(n_groups, b, k)`` of strata sums ``(n_strata, b, k)`` (or already
        in the padded rows when ``padded``)."""
        if not padded:
            full = np.zeros((self.n_cw * self.width, *strata.shape[1:]))
            full[self.row] = strata
            strata = full
        _, b, k = strata.shape
        out = np.matmul(self.matrix, strata.reshape(self.n_cw, self.width, b * k))
        return out.reshape(-1, b, k)[self.group_row]


def _padded_size(size: np.ndarray) -> np.ndarray:
    """The smallest of 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ... (a power of two
    times 1, 1.25, 1.5 or 1.75) at least ``size``: few size classes, little padding."""
    size = np.maximum(np.asarray(size, dtype=np.int64), 1)
    step = np.maximum(1 << np.maximum(np.floor(np.log2(size)).astype(np.int64) - 2, 0), 1)
    return -(-size // step) * step


def _bootstrap_sums(drawn: pd.DataFrame, stratum: np.ndarray, s_start: np.ndarray,
                    s_size: np.ndarray, data: np.ndarray, B: int, seed: int,
                    members: _Membership, exact_max: int | None = None):
    """Per block of replicates: ``(b0, sums)`` with ``sums[s, r]`` the sum of ``data``'s
    rows drawn into stratum ``s`` in replicate ``b0 + r`` in row ``members.row[s]`` of
    ``sums`` (zero elsewhere), shape ``(n_cw * members.width, b, k)``.

    Each company-wave's generator draws ``u = rng.random((B, m))`` for its ``m``
    respondents, block by block of replicates (the same numbers as one call); the
    respondent at position ``j`` of a stratum of ``n`` starting at ``start`` draws
    ``start + floor(u[:, j] * n)``. How often each respondent is drawn is counted with one
    ``np.bincount`` per block (laid out replicate by replicate: cache-friendly); the sums
    are then counts @ data, one batched matrix product per stratum size class (strata
    padded to :func:`_padded_size`), over all companies at once. Blocks are small: large
    fresh arrays cost more than the arithmetic.

    Strata of more than ``exact_max`` respondents take no part in this: their sums are
    drawn from the normal approximation (:func:`assessment.scoring.approx.normal_sums`,
    one generator per company-wave seeded with :func:`~assessment.scoring.approx.normal_seed`)
    and ``u`` covers only the other respondents."""
    k = data.shape[1]
    out_row = members.row
    big = np.flatnonzero(s_size > exact_max) if exact_max is not None else np.empty(0, int)
    if len(big):
        big_sums = _normal_strata(drawn, s_start[big], s_size[big], data, B, seed)
        small = np.flatnonzero(s_size <= exact_max)
        keep = np.isin(stratum, small)
        drawn = drawn[keep].reset_index(drop=True)
        data = data[keep]
        stratum = np.searchsorted(small, stratum[keep])
        s_size, out_row = s_size[small], members.row[small]
        s_start = _starts(stratum)
    n = len(data)
    if n == 0:  # every stratum approximated
        step = max(1, _BLOCK_VALUES // max(1, members.n_cw * members.width * k))
        for b0 in range(0, B, step):
            b = min(B - b0, step)
            out = np.zeros((members.n_cw * members.width, b, k))
            out[members.row[big]] = big_sums[:, b0:b0 + b]
            yield b0, out
        return
    n_strata = len(s_start)
    # padded layout per replicate: size classes one after the other, in a class its strata
    # one after the other, each ``width`` slots (at most a quarter more than its size)
    width = _padded_size(s_size)
    classes = np.unique(width)
    in_class = [np.flatnonzero(width == w) for w in classes]
    slot = np.empty(n_strata, dtype=np.int64)
    offset = np.zeros(len(classes) + 1, dtype=np.int64)
    for c, (w, m) in enumerate(zip(classes, in_class, strict=True)):
        slot[m] = np.arange(len(m))
        offset[c + 1] = offset[c] + len(m) * w
    total = int(offset[-1])
    # a drawn position's count index in a block of b replicates: r * total + base + j
    base = (offset[np.searchsorted(classes, width)] + slot * width)[stratum]
    padded = []
    within = np.arange(n) - s_start[stratum]
    for w, m in zip(classes, in_class, strict=True):
        rows = np.flatnonzero(width[stratum] == w)
        block = np.zeros((len(m), w, k))
        block[slot[stratum[rows]], within[rows]] = data[rows]
        padded.append(block)

    cw_start = _starts(_codes(drawn, ["wave", "company_id"]))
    cw_end = np.r_[cw_start[1:], n]
    waves, companies = (drawn[c].iloc[cw_start].to_numpy(dtype=object)
                        for c in ("wave", "company_id"))
    rngs = [np.random.default_rng(company_seed(seed, c, w))
            for c, w in zip(companies, waves, strict=True)]
    size = s_size[stratum].astype(np.float64)
    per_block = max(1, min(B, _BLOCK_VALUES // max(n, total, n_strata * k)))
    shift = None
    for b0 in range(0, B, per_block):
        b = min(per_block, B - b0)
        if shift is None or len(shift) != b:
            shift = base + np.arange(b)[:, None] * total  # (b, n)
        u = np.empty((b, n))
        for rng, a, e in zip(rngs, cw_start, cw_end, strict=True):
            u[:, a:e] = rng.random((b, e - a))
        pos = np.empty((b, n), dtype=np.int64)
        # floor(u * n): u < 1, so u * n < n in floating point too (truncation = floor)
        np.multiply(u, size, out=pos, casting="unsafe")
        pos += shift
        counts = np.bincount(pos.ravel(), minlength=b * total).astype(np.float64)
        counts = counts.reshape(b, total)
        out = np.zeros((members.n_cw * members.width, b, k))
        for c, (w, m) in enumerate(zip(classes, in_class, strict=True)):
            cnt = counts[:, offset[c]:offset[c + 1]].reshape(b, len(m), w).transpose(1, 0, 2)
            out[out_row[m]] = np.matmul(cnt, padded[c])
        if len(big):
            out[members.row[big]] = big_sums[:, b0:b0 + b]
        yield b0, out


def _normal_strata(drawn: pd.DataFrame, start: np.ndarray, size: np.ndarray,
                   data: np.ndarray, B: int, seed: int) -> np.ndarray:
    """``(len(start), B, k)``: the replicate sums of the strata of ``data``'s rows
    ``start:start + size``, each from its normal approximation, drawn stratum after stratum
    from its company-wave's generator."""
    waves, companies = (drawn[c].iloc[start].to_numpy(dtype=object)
                        for c in ("wave", "company_id"))
    out = np.empty((len(start), B, data.shape[1]))
    rngs: dict[tuple[str, str], np.random.Generator] = {}
    for i, (a, m) in enumerate(zip(start, size, strict=True)):
        key = (str(waves[i]), str(companies[i]))
        if key not in rngs:
            rngs[key] = np.random.default_rng(normal_seed(company_seed(seed, key[1], key[0])))
        out[i] = normal_sums(data[a:a + m], B, rngs[key])
    return out
