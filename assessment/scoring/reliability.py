"""Cronbach's alpha of every scale, per company and wave and for the whole file, from one
pass over the answers.

Each alpha is :func:`assessment.scoring.rules.cronbach_alpha` of a block of keyed answers
(pairwise-complete covariances). What the covariances need are sums over the block's rows:
the rows where two items are both answered, the sum of each item over them and the sum of
the products. Those are computed for every company at once: a scale's answers with each
company's rows together, then one matrix product per company over a contiguous slice (in
single precision, where whole numbers are exact, in slices small enough to stay so). A
row without an answer to the scale adds nothing to the sums (so the rows need not be
dropped first), and the whole file's sums are the companies' sums added up. Answers are
whole numbers, so every sum is exact, whatever the order of the additions: the alphas are
the ones ``cronbach_alpha`` gives for each block.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.instrument.models import Instrument
from assessment.scoring.rules import alpha_from_cov, cov_from_sums, instrument_cells, keyed

__all__ = ["RELIABILITY_COLUMNS", "alpha_from_sums", "reliability_tables", "scale_sums"]

RELIABILITY_COLUMNS = ["wave", "company_id", "discipline", "lens", "n_items", "n_respondents",
                       "alpha", "low_alpha"]


def scale_sums(values: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sums pairwise-complete covariances are made of, per group of rows: ``values``
    (rows x the scale's k items, NaN = not answered) with each group's rows together,
    ``starts`` the first row of each group. Returns an array (groups x 2k x 2k): for the
    answers with blanks as 0 (Z) and whether answered (P), ``[Z P]' [Z P]``, and each
    group's number of rows with at least one answer.

    Examples
    --------
    Two groups: rows 0-1 and row 2; an item's sum over the rows where the other one is
    answered is ``out[g, i, k + j]``:

    >>> vals = np.array([[1.0, 2.0], [3.0, np.nan], [np.nan, np.nan]])
    >>> sums, answered = scale_sums(vals, np.array([0, 2]))
    >>> sums[0, :2, 2:].tolist(), sums[0, 2:, 2:].tolist(), answered.tolist()
    ([[4.0, 1.0], [2.0, 2.0]], [[2.0, 1.0], [1.0, 1.0]], [2, 0])
    """
    values = np.asarray(values)
    out = np.zeros((len(starts), 2 * values.shape[1], 2 * values.shape[1]))
    answered = np.zeros(len(starts), dtype=np.int64)
    ends = np.r_[starts[1:], len(values)][:len(starts)]
    _add_sums(out, answered, values, np.arange(len(starts)), np.asarray(starts), ends)
    return out, answered


def _add_sums(out: np.ndarray, answered: np.ndarray, values: np.ndarray, groups: np.ndarray,
              starts: np.ndarray, ends: np.ndarray) -> bool:
    """Add the rows ``starts[i]:ends[i]`` of ``values`` to group ``groups[i]``'s
    :func:`scale_sums` in ``out`` and ``answered``; True when the values are whole
    numbers (the sums are exact)."""
    present = ~np.isnan(values)
    k = values.shape[1]
    zeroed = np.where(present, values, 0)
    # whole numbers (answers are): single precision adds them exactly as long as no sum
    # passes 2 ** 24, so the rows are taken in slices small enough for that
    top = float(np.abs(zeroed).max()) if zeroed.size else 0.0
    whole = (bool(np.array_equal(zeroed, np.rint(zeroed)))
             and max(top, 1.0) ** 2 * len(values) < 2**50)  # every sum exact in float64
    chunk = max(1, int(2**24 // max(top * top, 1.0))) if whole else len(values) + 1
    dtype = np.float32 if whole else np.float64
    zeroed, given = zeroed.astype(dtype, copy=False), present.astype(dtype)
    if len(starts):
        np.add.at(answered, groups, np.add.reduceat(
            present.any(axis=1).astype(np.int64), starts) * (ends > starts))
    for g, s, e in zip(groups, starts, ends, strict=True):
        for a in range(s, e, chunk):
            z, p = zeroed[a:min(a + chunk, e)], given[a:min(a + chunk, e)]
            out[g, :k, :k] += z.T @ z
            out[g, :k, k:] += z.T @ p
            out[g, k:, k:] += p.T @ p
    out[:, k:, :k] = out[:, :k, k:].transpose(0, 2, 1)
    return whole


def _keyed_sums(sums: np.ndarray, reverse: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """:func:`scale_sums` of the keyed answers from those of the raw answers (exact for
    whole numbers): a reverse-keyed answer x counts as ``lo + hi - x``, so with Z the
    answers (blanks 0) and P whether answered, keyed Z is ``Z M + P N`` for the diagonal
    matrices M (-1 for a reverse-keyed item, else 1) and N (``lo + hi`` for one, else 0)."""
    k = sums.shape[1] // 2
    m = np.where(reverse, -1.0, 1.0)
    n = np.where(reverse, float(lo + hi), 0.0)
    zz, zp, pp = sums[:, :k, :k], sums[:, :k, k:], sums[:, k:, k:]
    out = sums.copy()
    out[:, :k, :k] = (zz * m[:, None] * m + zp * m[:, None] * n
                      + zp.transpose(0, 2, 1) * n[:, None] * m + pp * n[:, None] * n)
    out[:, :k, k:] = zp * m[:, None] + pp * n[:, None]
    out[:, k:, :k] = out[:, :k, k:].transpose(0, 2, 1)
    return out


def alpha_from_sums(sums: np.ndarray) -> float:
    """Cronbach's alpha from one block's :func:`scale_sums` (2k x 2k): the covariances as
    :func:`~assessment.scoring.rules.pairwise_cov` computes them from the same sums.

    Examples
    --------
    >>> from assessment.scoring.rules import cronbach_alpha
    >>> vals = np.array([[1.0, 2, 2], [2, 2, 3], [4, 5, 4], [5, 4, np.nan]])
    >>> sums, _ = scale_sums(vals, np.array([0]))
    >>> alpha_from_sums(sums[0]) == cronbach_alpha(vals)
    True
    """
    k = sums.shape[0] // 2
    # C-ordered copies, as pairwise_cov's matrix products give them (the same additions)
    prods, part, both = (np.ascontiguousarray(m) for m in (
        sums[:k, :k], sums[:k, k:], sums[k:, k:]))
    return alpha_from_cov(cov_from_sums(both, part, prods))


def reliability_tables(responses: pd.DataFrame, inst: Instrument, raw: np.ndarray,
                       groups: list[tuple[tuple[str, str], np.ndarray]]
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cronbach's alpha of every scale per company and wave
    (:func:`assessment.scoring.quality.company_reliability`) and of the whole file
    (``Scores.reliability``), from the raw answers to ``inst.item_ids`` (``raw``) and the
    row positions of each (wave, company_id) (``groups``, sorted; every row in one).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> from assessment.scoring.quality import company_groups, core_answers
    >>> ds = load_dataset("data/sample")
    >>> company, whole = reliability_tables(ds.responses, ds.instrument,
    ...                                     core_answers(ds.responses, ds.instrument),
    ...                                     company_groups(ds.responses))
    >>> len(company), whole[["n_items", "n_respondents"]].iloc[0].tolist()
    (99, [7, 455])
    """
    th = inst.thresholds
    cells = instrument_cells(inst)
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    positions = [[col[i] for i in ids] for _, _, ids, _ in cells]
    sums = [np.zeros((len(groups), 2 * len(pos), 2 * len(pos))) for pos in positions]
    answered = np.zeros((len(cells), len(groups)), dtype=np.int64)
    bounds = np.cumsum([0] + [len(pos) for _, pos in groups])
    order = np.concatenate([pos for _, pos in groups]) if groups else np.empty(0, np.int64)
    if len(order) == len(raw) and (order == np.arange(len(raw))).all():
        order = None  # one company (the workshop), or the file sorted by company already
    for k, (pos, (_, _, _, rev)) in enumerate(zip(positions, cells, strict=True)):
        # one scale's columns, each company's rows together; the sums of the raw answers
        # turned into those of the keyed answers (whole numbers: exact), else keyed first
        values = raw[:, pos] if order is None else raw[:, pos][order]
        lo, hi = inst.scale.min, inst.scale.max
        raw_sums = np.zeros_like(sums[k])
        if _add_sums(raw_sums, answered[k], values, np.arange(len(groups)), bounds[:-1],
                     bounds[1:]) and float(lo + hi).is_integer() \
                and (lo + hi) ** 2 * len(values) < 2**50:
            sums[k] = _keyed_sums(raw_sums, rev, lo, hi)
        else:
            _add_sums(sums[k], np.zeros_like(answered[k]), keyed(values, rev, lo, hi),
                      np.arange(len(groups)), bounds[:-1], bounds[1:])
    found, whole = [], []
    for k, (d, lens, ids, _) in enumerate(cells):
        for g, ((wave, cid), _) in enumerate(groups):
            n = int(answered[k, g])
            if not n:
                continue
            alpha = (alpha_from_sums(sums[k][g]) if n >= th.min_alpha_respondents
                     else float("nan"))
            found.append(((g, k), (str(wave), str(cid), d, lens, len(ids), n, alpha,
                                   bool(alpha < th.min_alpha))))
        whole.append({"discipline": d, "lens": lens, "n_items": len(ids),
                      "n_respondents": int(answered[k].sum()),
                      "alpha": alpha_from_sums(sums[k].sum(axis=0))})
    rows = [row for _, row in sorted(found, key=lambda f: f[0])]  # by company, then cell
    company = pd.DataFrame(dict(zip(RELIABILITY_COLUMNS, map(list, zip(*rows, strict=True)),
                                    strict=True)) if rows else {}, columns=RELIABILITY_COLUMNS)
    return company, pd.DataFrame(whole)

