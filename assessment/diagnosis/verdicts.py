"""The verdict rules of one lens, vectorised: the same function classifies a company's
point scores and every bootstrap replicate of them.

With the disciplines sorted by score ``s1 >= s2 >= s3`` (ties keep the instrument's order
of the disciplines), ``E`` the excellence threshold, ``m`` the leadership margin and par
judged from the threshold items only:

- a discipline is **below par** when its par score (its threshold items, answered by the
  lens's group) is below ``par`` and the discipline itself is below ``E``; par is
  **unknown** when too few of the group answered the threshold items, never inferred from
  the discipline items;
- ``leader``: exactly one discipline at ``E`` or above, ahead of the next by at least
  ``m``, and neither other discipline below par (Treacy and Wiersema: excel at one, hold
  the other two at par);
- ``dual`` ("masters of two"): two disciplines at ``E`` or above, the third not below par;
- ``excels_below_par``: one or two disciplines excel while another is below par (the
  ``leader`` field names the top excelling discipline): the excellence does not count
  while customers drop out over the discipline below par; not "stuck in the middle";
- ``narrow_lead``: one discipline at ``E`` or above but the next within ``m`` of it (a tie
  within the margin is never a leader);
- ``all_excellent``: all three at ``E`` or above. Real companies do not excel at all three;
  this usually means the respondents agreed with everything (acquiescence), so no
  discipline is named;
- ``no_clear_choice`` ("stuck in the middle"): nothing excels;
- ``no_data``: a discipline without a score. (``insufficient_evidence``, a lens whose group
  is below the minimum group size, is decided before these rules, by the diagnosis.)

The *dominant* discipline (what the lens-mismatch and department rules compare) is the top
discipline when it is ahead of the next by at least ``m``, whether it excels or not.
"""

from __future__ import annotations

import numpy as np

from assessment.instrument.models import DISCIPLINES, Thresholds

#: every verdict a lens can get, in the order of the integer codes of :func:`classify_many`
VERDICTS: tuple[str, ...] = ("leader", "dual", "excels_below_par", "narrow_lead",
                             "all_excellent", "no_clear_choice", "no_data",
                             "insufficient_evidence")
CODE = {v: i for i, v in enumerate(VERDICTS)}
EPS = 1e-9  # a score exactly at a threshold counts as reaching it


def classify_many(scores: np.ndarray, par_scores: np.ndarray, th: Thresholds
                  ) -> dict[str, np.ndarray]:
    """Classify many lens profiles at once.

    Parameters
    ----------
    scores : ndarray, shape (..., 3)
        Discipline scores in the order of ``DISCIPLINES`` (NaN = no score).
    par_scores : ndarray, shape (..., 3)
        Each discipline's par score from its threshold items (NaN = par unknown).
    th : Thresholds
        ``excellence``, ``par`` and ``leadership_margin``.

    Returns
    -------
    dict of str to ndarray
        ``verdict`` (int codes into :data:`VERDICTS`), ``leader`` and ``dominant``
        (discipline index, -1 for none), ``below`` (bool, ..., 3: below par),
        ``excellent`` (bool, ..., 3).

    Examples
    --------
    OE 4.5 with CI and PL at 2.0 (their threshold items below par too) excels while the
    others are below par; the same OE with the others at par leads:

    >>> from assessment.instrument.models import Thresholds
    >>> th = Thresholds()
    >>> out = classify_many(np.array([[4.5, 2.0, 2.0], [4.5, 3.2, 3.1]]),
    ...                     np.array([[3.4, 2.5, 2.6], [3.4, 3.3, 3.2]]), th)
    >>> [VERDICTS[v] for v in out["verdict"]], out["leader"].tolist()
    (['excels_below_par', 'leader'], [0, 0])
    """
    s = np.asarray(scores, dtype=float)
    par_s = np.asarray(par_scores, dtype=float)
    missing = np.isnan(s).any(axis=-1)
    filled = np.where(np.isnan(s), -np.inf, s)
    order = np.argsort(-filled, axis=-1, kind="stable")
    ranked = np.take_along_axis(filled, order, axis=-1)
    s1, s2 = ranked[..., 0], ranked[..., 1]
    excellent = filled >= th.excellence - EPS
    with np.errstate(invalid="ignore"):
        below = (par_s < th.par - EPS) & ~excellent & ~np.isnan(par_s)
    n_exc = excellent.sum(axis=-1)
    ahead = s1 - s2 >= th.leadership_margin - EPS
    any_below = below.any(axis=-1)
    top = order[..., 0]

    verdict = np.full(s.shape[:-1], CODE["no_clear_choice"], dtype=np.int8)
    verdict[n_exc == 3] = CODE["all_excellent"]
    verdict[n_exc == 2] = CODE["dual"]
    verdict[(n_exc == 1) & ahead] = CODE["leader"]
    verdict[(n_exc == 1) & ~ahead] = CODE["narrow_lead"]
    verdict[(n_exc >= 1) & (n_exc < 3) & any_below] = CODE["excels_below_par"]
    verdict[missing] = CODE["no_data"]
    leads = (verdict == CODE["leader"]) | (verdict == CODE["excels_below_par"])
    leader = np.where(leads, top, -1)
    dominant = np.where(ahead & ~missing, top, -1)
    return {"verdict": verdict, "leader": leader, "dominant": dominant, "below": below,
            "excellent": excellent}


def classify(scores: dict[str, float | None], th: Thresholds,
             par_scores: dict[str, float | None] | None = None
             ) -> tuple[str, str | None, str | None]:
    """(verdict, leader, dominant discipline) of one lens profile, by :func:`classify_many`.

    Examples
    --------
    >>> from assessment import load_instrument
    >>> th = load_instrument().thresholds
    >>> classify({"operational_excellence": 4.5, "customer_intimacy": 3.2,
    ...           "product_leadership": 3.1}, th)
    ('leader', 'operational_excellence', 'operational_excellence')
    >>> classify({"operational_excellence": 4.5, "customer_intimacy": 2.0,
    ...           "product_leadership": 2.0}, th,
    ...          {"operational_excellence": 3.5, "customer_intimacy": 2.4,
    ...           "product_leadership": 2.2})
    ('excels_below_par', 'operational_excellence', 'operational_excellence')
    >>> classify({"operational_excellence": 4.5, "customer_intimacy": None,
    ...           "product_leadership": 3.1}, th)
    ('no_data', None, None)
    """
    def row(values: dict | None) -> np.ndarray:
        values = values or {}
        return np.array([np.nan if values.get(d) is None else float(values[d])
                         for d in DISCIPLINES])
    out = classify_many(row(scores)[None, :], row(par_scores)[None, :], th)
    name = {-1: None, **dict(enumerate(DISCIPLINES))}
    return (VERDICTS[int(out["verdict"][0])], name[int(out["leader"][0])],
            name[int(out["dominant"][0])])
