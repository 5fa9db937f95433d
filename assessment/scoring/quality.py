"""Data quality of the answers: respondents flagged for straight-lining or for contradicting
reverse-keyed items, leaving them out of the scores, and Cronbach's alpha per company.

Both flags look at a respondent's raw answers to the core items (the discipline items of
both lenses and the threshold items; not the customer-integration section):

- **straight-lining**: the same answer on every core item answered, with at least
  ``Thresholds.straight_lining_min_items`` items answered (a respondent with fewer answers
  is never flagged: too little to tell);
- **contradictory**: in at least ``Thresholds.contradiction_cells`` cells (discipline x
  lens, and each threshold block) the respondent agrees, or disagrees, with a statement
  AND with its opposite (see :func:`contradicting_cells`).

A respondent with either flag is *flagged*; with ``Thresholds.exclude_flagged`` the flagged
respondents are left out of every score (:func:`without_excluded`), as if their rows were
not in the file. Both functions take whole arrays: the only Python loop is over the
instrument's cells, never over respondents; :func:`assessment.score` and the workshop's
:func:`assessment.scoring.live.score_company` call the same functions, so the tables are
the same from both.

:func:`company_reliability` is Cronbach's alpha (:func:`assessment.scoring.rules.cronbach_alpha`)
of each scale within one company and wave, from the company's respondents who answered it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import Instrument, Thresholds
from assessment.intake.dataset import Dataset
from assessment.scoring.reliability import RELIABILITY_COLUMNS, reliability_tables
from assessment.scoring.rules import KEYS, instrument_cells

__all__ = ["FLAG_COLUMNS", "RELIABILITY_COLUMNS", "company_groups", "company_reliability",
           "contradicting_cells", "core_answers", "quality_summary", "respondent_flags",
           "straight_lining", "without_excluded"]

FLAG_COLUMNS = ["wave", "company_id", "respondent_id", "perspective", "answered",
                "contradicting_cells", "straight_lining", "contradictory", "excluded"]


def core_answers(responses: pd.DataFrame, inst: Instrument) -> np.ndarray:
    """The raw answers to the core items (``inst.item_ids``: discipline items, then
    threshold items) as a respondents x items float array, NaN where not answered (or
    where the file has no such column): float32 as ``Dataset.responses`` keeps them
    (exact for every answer; callers compute sums and means in float64).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> core_answers(ds.responses, ds.instrument).shape
    (463, 51)
    """
    ids = inst.item_ids
    if set(ids) <= set(responses.columns):
        return responses[ids].to_numpy(dtype=np.float32)
    return responses.reindex(columns=ids).to_numpy(dtype=np.float32)


def straight_lining(raw: np.ndarray, min_items: int) -> np.ndarray:
    """Per respondent (row of raw answers, NaN = not answered): the same answer on every
    item answered, with at least ``min_items`` answered. Raw answers: a reverse-keyed item
    answered like the others counts as the same answer.

    Examples
    --------
    Twelve 5s; twelve 5s and one 4; nine 3s (too few to tell):

    >>> raw = np.full((3, 13), np.nan)
    >>> raw[0, :12] = 5
    >>> raw[1, :12], raw[1, 12] = 5, 4
    >>> raw[2, :9] = 3
    >>> straight_lining(raw, 10).tolist()
    [True, False, False]
    """
    raw = np.asarray(raw)
    if raw.dtype.kind != "f":
        raw = raw.astype(float)
    answered = (~np.isnan(raw)).sum(axis=1)
    if raw.shape[1] == 0:
        return answered >= max(min_items, 1)
    # fmax / fmin skip NaN (a row without answers gives NaN, never equal)
    high, low = np.fmax.reduce(raw, axis=1), np.fmin.reduce(raw, axis=1)
    return (answered >= min_items) & (high == low)


def contradicting_cells(raw: np.ndarray, inst: Instrument) -> np.ndarray:
    """Per respondent (row of raw answers to ``inst.item_ids``): the number of cells
    (discipline x lens, and each threshold block) in which a reverse-keyed item contradicts
    the cell's forward items.

    The rule: the reverse-keyed items of a cell state the opposite of its forward items.
    A respondent *agrees* with an answer of at least the scale's midpoint + 1 (4 or 5 on
    1..5) and *disagrees* with at most the midpoint - 1 (1 or 2). A cell is contradictory
    when the respondent agrees with a reverse-keyed item and with the mean of the cell's
    forward items answered, or disagrees with both. After reverse keying the two then differ
    by at least 2 points. A cell without a reverse-keyed item answered, or without a forward
    item answered, cannot be contradictory; a neutral answer (the midpoint) never is.

    Worked example, one cell of three forward items and one reverse-keyed item on 1..5:
    forward answers 5, 4, 4 (mean 4.33: agrees) and the reverse-keyed item 4 (agrees with the
    opposite): contradictory; keyed, 4.33 against 6 - 4 = 2. With the reverse-keyed item 3
    (neutral) or 2 (disagrees with the opposite, as it should) it is not.

    Examples
    --------
    The operational-excellence experience cell: forward items 5, the reverse-keyed
    ``oe_exp_3`` and ``oe_exp_6`` answered 4 (respondent 0) or 2 (respondent 1):

    >>> from assessment.instrument.models import load_instrument
    >>> inst = load_instrument()
    >>> raw = np.full((2, len(inst.item_ids)), np.nan)
    >>> for item in inst.cell_items("operational_excellence", "experience"):
    ...     raw[:, inst.item_ids.index(item.id)] = [4, 2] if item.reverse else [5, 5]
    >>> contradicting_cells(raw, inst).tolist()
    [1, 0]
    """
    raw = np.asarray(raw)
    mid = (inst.scale.min + inst.scale.max) / 2
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    count = np.zeros(len(raw), dtype=int)
    for _d, _lens, ids, rev in instrument_cells(inst):
        pos = np.array([col[i] for i in ids])
        # the forward answers summed in float64 (as the answers come: float32 is exact)
        fwd, back = raw[:, pos[~rev]], raw[:, pos[rev]]
        if fwd.shape[1] == 0 or back.shape[1] == 0:
            continue
        given = ~np.isnan(fwd)
        n_fwd = given.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):  # no forward item answered
            fwd_mean = np.where(given, fwd, 0).sum(axis=1, dtype=np.float64) / n_fwd
        agree = (fwd_mean >= mid + 1)[:, None] & (back >= mid + 1)
        disagree = (fwd_mean <= mid - 1)[:, None] & (back <= mid - 1)
        count += (agree | disagree).any(axis=1)
    return count


def respondent_flags(responses: pd.DataFrame, inst: Instrument,
                     raw: np.ndarray | None = None) -> pd.DataFrame:
    """Every respondent's data-quality flags (``Scores.flags``), in the order of
    ``responses``: wave, company_id, respondent_id, perspective, answered (core items
    answered), contradicting_cells (:func:`contradicting_cells`), straight_lining,
    contradictory (at least ``contradiction_cells`` such cells), excluded (flagged and
    ``exclude_flagged`` set: left out of every score). ``raw``: the :func:`core_answers`
    of ``responses`` when the caller has them already.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> flags = respondent_flags(ds.responses, ds.instrument)
    >>> len(flags) == len(ds.responses), int(flags["contradicting_cells"].max())
    (True, 1)
    >>> int(flags["straight_lining"].sum()), int(flags["contradictory"].sum())
    (0, 0)
    """
    th = inst.thresholds
    raw = core_answers(responses, inst) if raw is None else raw
    cells = contradicting_cells(raw, inst)
    flat = straight_lining(raw, th.straight_lining_min_items)
    contra = cells >= th.contradiction_cells
    # text columns as pandas keeps them (not one Python string per row)
    columns = {c: (responses[c].array if isinstance(responses[c].dtype, pd.StringDtype)
                   else responses[c].to_numpy()) for c in FLAG_COLUMNS[:4]}
    columns.update(answered=(~np.isnan(raw)).sum(axis=1), contradicting_cells=cells,
                   straight_lining=flat, contradictory=contra,
                   excluded=(flat | contra) & th.exclude_flagged)
    return pd.DataFrame(columns, columns=FLAG_COLUMNS)


def without_excluded(dataset: Dataset, flags: pd.DataFrame) -> Dataset:
    """The dataset to score: ``dataset`` itself when nobody is excluded, else a copy
    without the excluded respondents' rows (the file's dataset is not changed).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> flags = respondent_flags(ds.responses, ds.instrument)
    >>> len(flags)
    463
    >>> without_excluded(ds, flags.assign(excluded=[True] * 10 + [False] * 453)
    ...                  ).responses.shape[0]
    453
    """
    excluded = flags["excluded"].to_numpy(dtype=bool)
    if not excluded.any():
        return dataset
    kept = dataset.responses[~excluded].reset_index(drop=True)
    return dataclasses.replace(dataset, responses=kept)


def company_reliability(responses: pd.DataFrame, inst: Instrument,
                        raw: np.ndarray | None = None) -> pd.DataFrame:
    """Cronbach's alpha of every scale per company and wave (``Scores.company_reliability``).

    As the whole dataset's alpha (``Scores.reliability``): the keyed answers of the
    company's respondents who answered at least one item of the scale, customers and staff
    together. One row per (wave, company_id, cell) with an answer: n_items, n_respondents,
    alpha (NaN under ``min_alpha_respondents`` respondents) and low_alpha (alpha below
    ``min_alpha``). Ordered by wave, company_id and the instrument's cells. ``raw``: the
    :func:`core_answers` of ``responses`` when the caller has them already.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> rel = company_reliability(ds.responses, ds.instrument)
    >>> row = rel[(rel.company_id == "pcmaker") & (rel.wave == "2026-Q1")].iloc[0]
    >>> row["discipline"], row["lens"], int(row["n_respondents"]), round(float(row["alpha"]), 2)
    ('operational_excellence', 'experience', 45, 0.67)
    >>> int(rel["low_alpha"].sum()), len(rel)  # of 11 company-waves x 9 scales
    (46, 99)
    """
    raw = core_answers(responses, inst) if raw is None else raw
    return reliability_tables(responses, inst, raw, company_groups(responses))[0]


def quality_summary(flags: pd.DataFrame, reliability: pd.DataFrame, th: Thresholds
                    ) -> dict[str, Any]:
    """One company-wave's data quality as plain data, from its rows of ``Scores.flags`` and
    ``Scores.company_reliability``: counts of respondents (never their ids).

    Returns
    -------
    dict
        ``respondents`` (in the file), ``straight_lining``, ``contradictory``, ``flagged``
        (either flag), ``excluded`` (whether the flagged are left out of the scores),
        ``alpha`` ({lens: {discipline: {"alpha", "n_respondents"}}}, alpha None under
        ``min_alpha_respondents``) and ``alpha_warnings`` (the scales with alpha below
        ``min_alpha``: lens, discipline, alpha, n_respondents).

    Examples
    --------
    >>> import assessment as va
    >>> scores = va.score(va.load_dataset("data/sample"))
    >>> q = quality_summary(scores.rows("flags", "pcmaker", "2026-Q1"),
    ...                     scores.rows("company_reliability", "pcmaker", "2026-Q1"),
    ...                     scores.thresholds)
    >>> q["respondents"], q["straight_lining"], q["contradictory"], q["excluded"]
    (46, 0, 0, False)
    >>> q["alpha"]["setup"]["operational_excellence"]
    {'alpha': 0.6996, 'n_respondents': 22}
    >>> [(w["lens"], w["discipline"]) for w in q["alpha_warnings"]][:2]
    [('experience', 'customer_intimacy'), ('setup', 'product_leadership')]
    """
    alpha: dict[str, dict[str, dict[str, Any]]] = {}
    warn = []
    for d, lens, n, a, low in zip(reliability["discipline"], reliability["lens"],
                                  reliability["n_respondents"], reliability["alpha"],
                                  reliability["low_alpha"], strict=True):
        value = round(float(a), 4) if np.isfinite(a) else None
        alpha.setdefault(str(lens), {})[str(d)] = {"alpha": value, "n_respondents": int(n)}
        if low:
            warn.append({"lens": str(lens), "discipline": str(d), "alpha": value,
                         "n_respondents": int(n)})
    flat = flags["straight_lining"].to_numpy(dtype=bool)
    contra = flags["contradictory"].to_numpy(dtype=bool)
    return {"respondents": len(flags), "straight_lining": int(flat.sum()),
            "contradictory": int(contra.sum()), "flagged": int((flat | contra).sum()),
            "excluded": bool(th.exclude_flagged), "alpha": alpha, "alpha_warnings": warn}


def company_groups(responses: pd.DataFrame,
                   categoricals: dict[str, pd.Categorical] | None = None
                   ) -> list[tuple[tuple[str, str], np.ndarray]]:
    """The row positions of each (wave, company_id), sorted by wave and company_id (what
    ``groupby(KEYS).indices`` gives, without its cost). ``categoricals``: the columns
    ``wave`` and ``company_id`` as categoricals with sorted categories when the caller has
    them (their codes are used, no texts are compared again).

    Examples
    --------
    >>> resp = pd.DataFrame({"wave": ["w2", "w1", "w2"], "company_id": ["a", "b", "a"]})
    >>> [(key, pos.tolist()) for key, pos in company_groups(resp)]
    [(('w1', 'b'), [1]), (('w2', 'a'), [0, 2])]
    """
    if not len(responses):
        return []
    cats = [None if categoricals is None else categoricals.get(k) for k in KEYS]
    if all(c is not None and c.categories.is_monotonic_increasing and (c.codes >= 0).all()
           for c in cats):
        (w_codes, w_names), (c_codes, c_names) = ((c.codes, c.categories.astype(str))
                                                  for c in cats)
    else:
        wave, cid = (responses[k].to_numpy(dtype=object) for k in KEYS)
        if (wave == wave[0]).all() and (cid == cid[0]).all():
            return [((str(wave[0]), str(cid[0])), np.arange(len(wave)))]
        # integer codes of each column (its texts sorted), one code per (wave, company_id)
        w_codes, w_names = pd.factorize(responses["wave"].astype(str), sort=True)
        c_codes, c_names = pd.factorize(responses["company_id"].astype(str), sort=True)
    key = w_codes.astype(np.int64) * len(c_names) + c_codes
    counts = np.bincount(key, minlength=len(w_names) * len(c_names))
    order = np.argsort(key, kind="stable")  # by wave, then company_id; rows in file order
    parts = np.split(order, np.cumsum(counts)[:-1])
    return [((str(w_names[k // len(c_names)]), str(c_names[k % len(c_names)])), parts[k])
            for k in np.flatnonzero(counts)]
