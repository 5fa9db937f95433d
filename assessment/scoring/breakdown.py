"""Counts and means of groups of rows of a long table (``Scores.respondents``: one row per
respondent and cell, millions of rows for a large file) from the integer codes of its
categorical columns: distinct respondents, departments' means, dropped scores. What a
pandas group-by over the key columns gives, without copying the long table's columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.scoring.grouping import column_codes, group_codes
from assessment.scoring.rules import KEYS

__all__ = ["distinct_counts", "dropped_counts", "group_means"]


def distinct_counts(long: pd.DataFrame, rows: np.ndarray, keys: list[str] = KEYS
                    ) -> pd.Series:
    """The number of different respondent ids per group of ``keys`` (wave, company_id by
    default) among the ``rows`` (a mask) of ``long``, indexed by the keys' texts; a group
    without rows is left out. What ``long[rows].groupby(keys)["respondent_id"].nunique()``
    counts, from integer codes: when every respondent is in one group (as a respondent
    is in one company and wave), each respondent marked once; else one sort of the
    rows' (group, respondent) codes.

    Examples
    --------
    >>> long = pd.DataFrame({"wave": "w", "company_id": ["a", "a", "a", "b"],
    ...                      "respondent_id": ["r1", "r1", "r2", "r1"]})
    >>> distinct_counts(long, np.array([True, True, True, False])).to_dict()
    {('w', 'a'): 2}
    >>> distinct_counts(long, np.array([True, True, True, True])).to_dict()
    {('w', 'a'): 2, ('w', 'b'): 1}
    """
    coded = [column_codes(long[k]) for k in keys]
    r_codes, r_names = column_codes(long["respondent_id"])
    at = np.flatnonzero(rows)  # the codes of these rows only (a long table is long)
    resp = r_codes[at]
    ok = resp >= 0
    group = np.zeros(len(at), dtype=np.int64)
    for codes, names in coded:
        code = codes[at]
        ok &= code >= 0
        group = group * len(names) + code
    if not ok.all():  # a missing key: no group, as groupby drops it
        group, resp = group[ok], resp[ok]
    width = int(np.prod([len(names) for _, names in coded]))
    group_of = np.full(len(r_names), -1, dtype=np.int64)
    group_of[resp] = group
    if (group_of[resp] == group).all():  # each respondent in one group: count them once
        seen = np.zeros(len(r_names), dtype=bool)
        seen[resp] = True
        per_group = np.bincount(group_of[seen], minlength=width)
    else:
        key = np.sort(group * len(r_names) + resp)
        first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.empty(0, bool)
        per_group = np.bincount(key[first] // len(r_names), minlength=width)
    found = np.flatnonzero(per_group)
    levels, rest = [], found
    for _, names in reversed(coded):
        rest, code = np.divmod(rest, len(names))
        levels.insert(0, np.asarray(names, dtype=object)[code])
    index = pd.MultiIndex.from_arrays(levels, names=keys)
    return pd.Series(per_group[found], index=index, name="respondent_id")


def group_means(long: pd.DataFrame, rows: np.ndarray, keys: list[str]) -> pd.DataFrame:
    """Mean and number (``n``) of the scores of the ``rows`` (a mask) of ``long`` per group
    of ``keys`` (categorical columns), one row per group with rows, sorted by the keys;
    key columns as text. The numbers of
    ``long[rows].groupby(keys)["score"].agg(mean="mean", n="count")``: the same pandas
    arithmetic on the same values in the same order, grouped by group numbers.

    Examples
    --------
    >>> long = pd.DataFrame({"wave": "w", "company_id": pd.Categorical(["b", "a", "b"]),
    ...                      "score": [1.0, 2.0, 4.0]}).astype({"wave": "category"})
    >>> group_means(long, np.array([True, True, True]), ["wave", "company_id"]
    ...             ).values.tolist()
    [['w', 'a', 2.0, 1], ['w', 'b', 2.5, 2]]
    """
    cats = {k: long[k].array if isinstance(long[k].dtype, pd.CategoricalDtype)
            else pd.Categorical(long[k]) for k in keys}
    grouper, groups = group_codes(cats, np.asarray(rows, bool))
    score = long["score"].to_numpy(dtype=np.float64)[np.asarray(rows, bool)]
    agg = pd.Series(score).groupby(grouper, observed=False).agg(["mean", "count"])
    return groups.assign(mean=agg["mean"].to_numpy(), n=agg["count"].to_numpy(np.int64))


def dropped_counts(long: pd.DataFrame) -> pd.DataFrame:
    """``Scores.dropped``: per (wave, company_id) with an answer, the scores with at least
    one answer (``n_scores``), those of them dropped for too few answers (``n_dropped``)
    and the respondents with a dropped score (``n_respondents_dropped``).

    Examples
    --------
    >>> long = pd.DataFrame({"wave": "w", "company_id": ["a", "a", "b"],
    ...                      "respondent_id": ["r1", "r1", "r2"], "answered": [3, 1, 0],
    ...                      "kept": [True, False, False]})
    >>> dropped_counts(long).values.tolist()
    [['w', 'a', 2, 1, 1]]
    """
    given = (long["answered"] > 0).to_numpy(bool)
    lost = given & ~long["kept"].to_numpy(bool)
    (w_codes, w_names), (c_codes, c_names) = (column_codes(long[k]) for k in KEYS)
    ok = (w_codes >= 0) & (c_codes >= 0)
    pair = w_codes.astype(np.int64) * len(c_names) + c_codes
    width = len(w_names) * len(c_names)
    n_scores = np.bincount(pair[given & ok], minlength=width)
    found = np.flatnonzero(n_scores)
    waves = np.asarray(w_names.astype(str), dtype=object)[found // max(len(c_names), 1)]
    companies = np.asarray(c_names.astype(str), dtype=object)[found % max(len(c_names), 1)]
    people = distinct_counts(long, lost).reindex(pd.MultiIndex.from_arrays(
        [waves, companies], names=KEYS)).fillna(0).astype(int).to_numpy()
    return pd.DataFrame({"wave": waves, "company_id": companies,
                         "n_scores": n_scores[found],
                         "n_dropped": np.bincount(pair[lost & ok], minlength=width)[found],
                         "n_respondents_dropped": people}).astype(dict.fromkeys(KEYS, str))
