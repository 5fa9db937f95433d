"""The bootstrap of a large stratum by its normal approximation.

Drawing ``n`` of a stratum's ``n`` respondents with replacement makes each replicate's
sums over the stratum (per cell: the sum of the kept scores drawn and the number of kept
scores drawn) a sum of ``n`` independent draws from the stratum's respondents. By the
central limit theorem these sums are close to multivariate normal with mean ``n * mu``
and covariance ``n * Sigma``, where ``mu`` and ``Sigma`` are the mean vector and the
covariance (divisor ``n``: the covariance of the resampled distribution itself) of the
respondents' rows ``[kept score or 0 per cell, 1 if kept per cell]``. A large stratum's
replicate sums are drawn from that normal distribution instead of counting ``n`` draws:
``B * 2k`` normal numbers instead of ``B * n`` uniform ones. The replicate mean of a
group is then its sum of kept scores over its number of kept scores, as on the exact path:
missing answers weigh exactly as there (a respondent without a kept score in a cell adds
nothing to either sum). :func:`assessment.scoring.resample.resample` uses it for strata
of more than ``exact_max`` respondents.
"""

from __future__ import annotations

import numpy as np

__all__ = ["normal_seed", "normal_sums"]


def normal_seed(company_seed: list[int]) -> list[int]:
    """The seed of a company-wave's generator for its approximated strata: its
    :func:`~assessment.scoring.resample.company_seed` with a fourth entry 1, a stream of
    its own (the exact draws' stream is left as it is).

    Examples
    --------
    >>> normal_seed([1, 2, 3])
    [1, 2, 3, 1]
    """
    return [*company_seed, 1]


def normal_sums(rows: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Replicate sums of one stratum's rows drawn from their normal approximation.

    Parameters
    ----------
    rows : np.ndarray
        float ``(n, d)``: the stratum's respondents' rows.
    replicates : int
        B.
    rng : np.random.Generator
        Draws ``standard_normal((B, d))`` (all ``d`` columns, whether used or not: the
        stream does not depend on the data).

    Returns
    -------
    np.ndarray
        ``(B, d)``: ``n * mu + z @ (sqrt(n) * L).T`` with ``L L^T = Sigma`` (from the
        eigen-decomposition of the covariance of the columns that vary; a column the same
        for every respondent, e.g. always 1, sums to ``n`` times it in every replicate).

    Examples
    --------
    Two respondents, one column, values 1 and 3: the sum of two draws has mean 4 and
    variance 2 * 1:

    >>> s = normal_sums(np.array([[1.0], [3.0]]), 20000, np.random.default_rng(0))
    >>> round(float(s.mean()), 1), round(float(s.var()), 1)
    (4.0, 2.0)
    """
    n, d = rows.shape
    mu = rows.mean(axis=0)
    out = np.empty((replicates, d))
    out[:] = n * mu
    # a column that is the same for everyone (nobody kept, everyone kept) has the same sum
    # in every replicate: left out of the decomposition, so rounding cannot move it
    varies = np.flatnonzero((rows != rows[0]).any(axis=0))
    z = rng.standard_normal((replicates, d))
    if len(varies):
        # every column varies (the usual case): views, not copies of the picked columns
        cols = slice(None) if len(varies) == d else varies
        centred = rows[:, cols] - mu[cols]
        w, v = np.linalg.eigh(centred.T @ centred / n)
        root = v * np.sqrt(np.clip(w, 0.0, None))     # root @ root.T == the covariance
        out[:, cols] += np.sqrt(n) * (z[:, cols] @ root.T)
    return out
