"""Cronbach's alpha of every scale, per company and wave and for the whole file, from one
pass over the answers.

Each alpha is :func:`assessment.scoring.rules.cronbach_alpha` of a block of keyed answers
(pairwise-complete covariances). What the covariances need are sums over the block's rows:
the rows where two items are both answered, the sum of each item over them and the sum of
the products. Those are computed for every company at once: the rows sorted by company
once, then one matrix product per company and scale over a contiguous slice. A row without
an answer to the scale adds nothing to the sums (so the rows need not be dropped first),
and the whole file's sums are the companies' sums added up. Answers are whole numbers, so
every sum is exact, whatever the order of the additions: the alphas are the ones
``cronbach_alpha`` gives for each block.
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
    present = ~np.isnan(values)
    k = values.shape[1]
    both = np.empty((len(values), 2 * k))
    both[:, :k] = np.where(present, values, 0.0)
    both[:, k:] = present
    ends = np.r_[starts[1:], len(values)][:len(starts)]
    out = np.empty((len(starts), 2 * k, 2 * k))
    for g, (s, e) in enumerate(zip(starts, ends, strict=True)):
        block = both[s:e]
        out[g] = block.T @ block
    answered = (np.add.reduceat(present.any(axis=1).astype(np.int64), starts) if len(starts)
                else np.empty(0, np.int64))
    answered[starts == ends] = 0
    return out, answered


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
    >>> from assessment.scoring.quality import _groups, core_answers
    >>> ds = load_dataset("data/sample")
    >>> company, whole = reliability_tables(ds.responses, ds.instrument,
    ...                                     core_answers(ds.responses, ds.instrument),
    ...                                     _groups(ds.responses))
    >>> len(company), whole[["n_items", "n_respondents"]].iloc[0].tolist()
    (99, [7, 455])
    """
    th = inst.thresholds
    cells = instrument_cells(inst)
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    sizes = np.array([len(pos) for _, pos in groups], dtype=np.int64)
    starts = np.r_[0, np.cumsum(sizes)[:-1]] if len(groups) else np.empty(0, np.int64)
    order = (np.concatenate([pos for _, pos in groups]) if len(groups) > 1 else None)
    found, whole = [], []
    for k, (d, lens, ids, rev) in enumerate(cells):
        values = raw[:, [col[i] for i in ids]]
        values = keyed(values if order is None else values[order], rev, inst.scale.min,
                       inst.scale.max)
        sums, answered = scale_sums(values, starts)
        for g, ((wave, cid), _) in enumerate(groups):
            if not answered[g]:
                continue
            alpha = (alpha_from_sums(sums[g]) if answered[g] >= th.min_alpha_respondents
                     else float("nan"))
            found.append(((g, k), (str(wave), str(cid), d, lens, len(ids), int(answered[g]),
                                   alpha, bool(alpha < th.min_alpha))))
        total = sums.sum(axis=0) if len(groups) else np.zeros((2 * len(ids),) * 2)
        whole.append({"discipline": d, "lens": lens, "n_items": len(ids),
                      "n_respondents": int(answered.sum()), "alpha": alpha_from_sums(total)})
    rows = [row for _, row in sorted(found, key=lambda f: f[0])]  # by company, then cell
    company = pd.DataFrame(dict(zip(RELIABILITY_COLUMNS, map(list, zip(*rows, strict=True)),
                                    strict=True)) if rows else {}, columns=RELIABILITY_COLUMNS)
    return company, pd.DataFrame(whole)
