"""Student's t quantiles for confidence intervals, without scipy.

Importing ``scipy.special`` costs about 0.4 s (it pulls in numpy's f2py and scipy's array
API layer), more than scoring a portfolio of companies takes; every batch and every
workshop kernel paid it for one function, the t quantile of a 95% interval. Degrees of
freedom here are whole numbers (respondents minus one), for which Student's distribution
function has a closed form (a finite series in the angle ``atan(t / sqrt(df))``), so the
quantile is found by Newton's method from the Cornish-Fisher expansion, to machine
precision (the test suite compares it with ``scipy.stats.t.ppf``).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

__all__ = ["t_quantile", "t_quantiles"]

# From this many degrees of freedom on, the Cornish-Fisher expansion (error of the order
# df**-5) is as exact as a double; below, Newton's method on the exact distribution.
_EXPANSION_FROM = 1000


def _central(t: float, df: int) -> float:
    """``P(|T| < t)`` for Student's t with a whole number ``df`` of degrees of freedom
    (Abramowitz & Stegun 26.7.3/26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    if df % 2:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 0.0
        if df > 1:
            total = 1.0
            for k in range(1, (df - 3) // 2 + 1):
                term *= c2 * (2 * k) / (2 * k + 1)
                total += term
            total *= math.sin(theta) * math.cos(theta)
        return 2.0 / math.pi * (theta + total)
    term, total = 1.0, 1.0  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
    for k in range(1, (df - 2) // 2 + 1):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return math.sin(theta) * total


def _density(t: float, df: int) -> float:
    log_norm = (math.lgamma((df + 1) / 2) - math.lgamma(df / 2)
                - 0.5 * math.log(df * math.pi))
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


def _cornish_fisher(z: float, df: int) -> float:
    z2 = z * z
    return z + (z * (z2 + 1) / 4 / df
                + z * ((5 * z2 + 16) * z2 + 3) / 96 / df**2
                + z * (((3 * z2 + 19) * z2 + 17) * z2 - 15) / 384 / df**3
                + z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) / 92160 / df**4)


@lru_cache(maxsize=4096)
def t_quantile(df: int, p: float = 0.975) -> float:
    """The ``p`` quantile of Student's t with ``df`` (a whole number >= 1) degrees of
    freedom, for ``0 < p < 1``.

    Examples
    --------
    The two-sided 95% value for a mean of five answers (the t table's 2.776):

    >>> round(t_quantile(4), 3)
    2.776
    >>> round(t_quantile(1, 0.025), 3)
    -12.706
    """
    df = int(df)
    if df < 1 or not 0.0 < p < 1.0:
        raise ValueError(f"need df >= 1 and 0 < p < 1, got df={df}, p={p}")
    if p < 0.5:
        return -t_quantile(df, 1.0 - p)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    t = _cornish_fisher(NormalDist().inv_cdf(p), df)
    if df >= _EXPANSION_FROM:
        return t
    target = 2 * p - 1
    for _ in range(60):
        step = (_central(t, df) - target) / (2 * _density(t, df))
        t -= step
        if abs(step) <= 1e-15 * abs(t):
            break
    return t


def t_quantiles(df: np.ndarray, p: float = 0.975) -> np.ndarray:
    """:func:`t_quantile` for an array of degrees of freedom; NaN where ``df`` is NaN or
    below 1 (a mean of fewer than two answers has no interval).

    Examples
    --------
    >>> t_quantiles(np.array([2, 30, 0])).round(3).tolist()
    [4.303, 2.042, nan]
    """
    df = np.asarray(df, dtype=float)
    out = np.full(df.shape, np.nan)
    ok = np.isfinite(df) & (df >= 1)
    for value in np.unique(df[ok]):
        out[ok & (df == value)] = t_quantile(int(value), p)
    return out
