"""How sure each verdict and finding is: the share of bootstrap resamples of the
respondents that reproduce it, and the 95% interval of the differences behind gaps, blind
spots and department splits.

The resamples come from :func:`assessment.scoring.resample.resample` (stratified by
company x perspective x department, seeded per company, so a company's confidence is the
same alone or in a portfolio). Every rule is applied to all replicates at once by the same
functions that classify the point scores (:func:`~assessment.diagnosis.verdicts.classify_many`).

- **verdict** of a lens: the share of replicates with the same verdict and the same leader;
- **below par**: the share of replicates in which the discipline's par score stays below par;
- **lens mismatch**: the share with the same dominant discipline in each lens;
- **lens gap** and **blind spot**: the share in which the difference keeps its sign and
  size (at least the threshold), and the percentile interval of the difference, which must
  exclude zero;
- **department split**: the share in which departments still lean to different
  disciplines, and for each pair of departments leaning to different disciplines ``a`` and
  ``b`` the interval of the contrast ``(A[a] - A[b]) - (B[a] - B[b])``: a split is
  established when some pair's interval excludes zero.

A workshop team's consensus is one record without spread: it is not resampled and its
verdict has no confidence (None), which the texts say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assessment.diagnosis.verdicts import classify_many
from assessment.instrument.models import DISCIPLINES, THRESHOLD_LENS, Thresholds
from assessment.scoring.resample import Replicates, percentile_interval

EPS = 1e-9


@dataclass
class CompanyReplicates:
    """One company-wave's replicate scores, read from a portfolio's :class:`Replicates`."""

    replicates: Replicates
    wave: str
    company_id: str
    _cache: dict = field(default_factory=dict)

    def group(self, perspective: str, department: str = "") -> np.ndarray | None:
        """(B, cells) replicate means of one group, None when the group was not resampled."""
        key = (perspective, department)
        if key not in self._cache:
            try:
                self._cache[key] = self.replicates.of(self.wave, self.company_id, perspective,
                                                      department)
            except KeyError:
                self._cache[key] = None
        return self._cache[key]

    def lens(self, perspective: str, lens: str, department: str = ""
             ) -> tuple[np.ndarray, np.ndarray] | None:
        """(scores, par scores), each (B, 3) in the order of ``DISCIPLINES``."""
        means = self.group(perspective, department)
        if means is None:
            return None
        cell = self.replicates.cell
        return (means[:, [cell(d, lens) for d in DISCIPLINES]],
                means[:, [cell(d, THRESHOLD_LENS) for d in DISCIPLINES]])


def verdict_share(scores: np.ndarray, par: np.ndarray, par_known: np.ndarray,
                  th: Thresholds, verdict: int, leader: int) -> tuple[float, dict]:
    """The share of replicates (rows of ``scores`` and ``par``) classified as ``verdict``
    with ``leader``, and the classification of every replicate. Par stays unknown where the
    point estimate had it unknown.

    Examples
    --------
    >>> from assessment.instrument.models import Thresholds
    >>> reps = np.array([[4.5, 3.2, 3.1], [4.2, 3.9, 3.1], [4.6, 3.0, 3.3], [4.4, 3.3, 3.2]])
    >>> par = np.full((4, 3), 3.5)
    >>> share, _ = verdict_share(reps, par, np.ones(3, bool), Thresholds(), 0, 0)
    >>> share  # the second replicate is only a narrow lead
    0.75
    """
    par = np.where(par_known, par, np.nan)
    out = classify_many(scores, par, th)
    same = (out["verdict"] == verdict) & (out["leader"] == leader)
    return float(same.mean()), out


def difference(a: np.ndarray, b: np.ndarray, point: float, threshold: float
               ) -> tuple[float, tuple[float, float]]:
    """(confidence, interval) of a difference ``a - b`` of replicate means: the share of
    replicates in which the difference keeps the point estimate's sign and reaches
    ``threshold`` in size, and its 95% percentile interval.

    Examples
    --------
    >>> a = np.array([4.0, 4.2, 3.9, 4.1, 3.0])
    >>> b = np.array([3.0, 3.1, 3.0, 3.2, 3.1])
    >>> conf, (low, high) = difference(a, b, 1.0, 0.75)
    >>> conf, low < 0 < high
    (0.8, True)
    """
    diff = a - b
    sign = 1.0 if point >= 0 else -1.0
    with np.errstate(invalid="ignore"):
        hit = sign * diff >= threshold - EPS
    low, high = percentile_interval(diff)
    return float(np.mean(hit)), (float(low), float(high))


def excludes_zero(interval: tuple[float, float] | None) -> bool:
    """True when a 95% interval lies wholly above or below zero.

    Examples
    --------
    >>> excludes_zero((0.2, 1.4)), excludes_zero((-0.1, 0.9)), excludes_zero(None)
    (True, False, False)
    """
    if interval is None or not all(np.isfinite(interval)):
        return False
    return interval[0] > 0 or interval[1] < 0


def department_split(reps: dict[str, np.ndarray], dominant: dict[str, str | None],
                     th: Thresholds) -> tuple[float, list[dict]]:
    """Confidence of a department split and the contrast interval of each pair of
    departments leaning to different disciplines.

    ``reps`` maps each shown department to its (B, 3) replicate set-up scores; ``dominant``
    to its point dominant discipline (None: no lean).

    Examples
    --------
    Two departments that clearly lean to OE and CI in every replicate:

    >>> from assessment.instrument.models import Thresholds
    >>> a = np.tile([4.4, 3.0, 3.1], (50, 1)) + np.linspace(-.1, .1, 50)[:, None]
    >>> b = np.tile([3.0, 4.3, 3.1], (50, 1))
    >>> share, pairs = department_split({"Ops": a, "Sales": b}, {
    ...     "Ops": "operational_excellence", "Sales": "customer_intimacy"}, Thresholds())
    >>> share, pairs[0]["interval"][0] > 2.5  # OE-CI contrast: (4.4 - 3.0) - (3.0 - 4.3)
    (1.0, True)
    """
    names = sorted(reps)
    if len(names) < 2:
        return 0.0, []
    doms = np.stack([classify_many(reps[n], np.full_like(reps[n], np.nan), th)["dominant"]
                     for n in names], axis=1)  # (B, departments)
    leaning = np.where(doms >= 0, doms, -1)
    lo = np.where(leaning >= 0, leaning, 99).min(axis=1)
    hi = leaning.max(axis=1)
    share = float(np.mean((hi >= 0) & (lo != 99) & (lo != hi)))
    index = {d: i for i, d in enumerate(DISCIPLINES)}
    pairs = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            da, db = dominant.get(a), dominant.get(b)
            if not da or not db or da == db:
                continue
            ia, ib = index[da], index[db]
            contrast = ((reps[a][:, ia] - reps[a][:, ib]) - (reps[b][:, ia] - reps[b][:, ib]))
            low, high = percentile_interval(contrast)
            pairs.append({"departments": [a, b], "disciplines": [da, db],
                          "interval": (float(low), float(high))})
    return share, pairs
