"""Grouping a long table by integer codes: the group moments and group numbers the
scoring rules (:func:`assessment.scoring.rules.group_stats`) compute per wave, company,
cell and perspective, without copying the long table or grouping by its texts."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["column_codes", "group_codes", "group_moments", "sorted_codes"]


def column_codes(column: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes of a column and the values they stand for (-1: missing): a
    categorical's own codes (no values are made per row), else :func:`pd.factorize`'s.

    Examples
    --------
    >>> codes, values = column_codes(pd.Series(["b", "a", "b"]))
    >>> codes.tolist(), values.tolist()
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories
    codes, uniques = pd.factorize(column)
    return codes, pd.Index(uniques)


def sorted_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column whose order is the order of its texts, and the texts
    (-1 for a missing value): a categorical's own codes when its categories are sorted.

    Examples
    --------
    >>> codes, texts = sorted_codes(pd.Series(["b", "a", "b"]))
    >>> codes.tolist(), texts.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    if (isinstance(column.dtype, pd.CategoricalDtype)
            and column.cat.categories.is_monotonic_increasing):
        return (column.cat.codes.to_numpy(),
                column.cat.categories.astype(str).to_numpy(dtype=object))
    codes, uniques = pd.factorize(column.astype(str), sort=True)
    return codes, np.asarray(uniques, dtype=object)


def group_moments(long: pd.DataFrame, keys: list[str], total_lenses: set[str],
                  team: str = "team") -> pd.DataFrame:
    """Mean, n (count) and sd of the kept scores of ``long`` per ``keys`` (wave,
    company_id, discipline, lens, perspective), with an ``all`` perspective for the lenses
    in ``total_lenses`` (every perspective but a team's), sorted by the keys' texts; key
    columns as text.

    The same numbers as ``groupby(keys, sort=True, observed=True)["score"].agg(mean=
    "mean", n="count", sd="std")`` over the kept rows and their ``all`` copies: pandas'
    group-by does the arithmetic on the same values in the same order. Done one cell
    (discipline, lens) at a time, grouped by one integer per row (the codes of wave,
    company and perspective combined): a cell's rows at a time, not a copy of the long
    table. ``team``: the perspective left out of ``all`` (a team's consensus record).

    Examples
    --------
    >>> long = pd.DataFrame({"wave": "w", "company_id": "a", "discipline": "d",
    ...                      "lens": "experience", "perspective": ["customer", "internal",
    ...                      "internal"], "score": [2.0, 4.0, 3.0], "kept": True})
    >>> out = group_moments(long, ["wave", "company_id", "discipline", "lens",
    ...                            "perspective"], {"experience"})
    >>> out[["perspective", "mean", "n"]].values.tolist()
    [['all', 3.0, 3], ['customer', 2.0, 1], ['internal', 3.5, 2]]
    """
    kept = long["kept"].to_numpy(dtype=bool)
    coded = dict(zip(keys, (sorted_codes(long[c]) for c in keys), strict=True))
    # the perspective's texts with "all" among them (sorted: the codes sort as the texts)
    p_codes, p_names = coded["perspective"]
    names = np.array(sorted({*map(str, p_names), "all"}), dtype=object)
    lookup = np.append(np.searchsorted(names, p_names), -1).astype(np.int16)
    p_codes = lookup[p_codes]  # -1 (missing) is the last entry: -1 again
    coded["perspective"] = (p_codes, names)
    all_code = int(np.searchsorted(names, "all"))
    team_code = int(np.searchsorted(names, team)) if team in set(names) else -2
    ok = kept
    for codes, _ in coded.values():
        if len(codes) and codes.min() < 0:  # a missing key: no group, as groupby drops it
            ok = ok & (codes >= 0)
    (w_codes, w_names), (c_codes, c_names) = coded["wave"], coded["company_id"]
    (d_codes, d_names), (l_codes, l_names) = coded["discipline"], coded["lens"]
    cell = d_codes.astype(np.int32) * len(l_names) + l_codes
    score = long["score"].to_numpy(dtype=np.float64)
    parts = []
    for c, rows in _cell_rows(cell, ok):
        key = ((w_codes[rows].astype(np.int64) * len(c_names) + c_codes[rows])
               * len(names) + p_codes[rows])
        values = score[rows]
        if str(l_names[c % len(l_names)]) in total_lenses:
            total = p_codes[rows] != team_code
            key = np.concatenate([key, key[total] - p_codes[rows][total] + all_code])
            values = np.concatenate([values, values[total]])
        # the groups numbered in the order of their keys, as a sorted group-by numbers
        # them (a categorical of the numbers: no hashing, every category has rows)
        found = np.flatnonzero(np.bincount(key))
        number = np.zeros(int(found[-1]) + 1, dtype=np.int64)
        number[found] = np.arange(len(found))
        grouper = pd.Categorical.from_codes(number[key], categories=pd.RangeIndex(len(found)))
        agg = pd.Series(values).groupby(grouper, observed=False).agg(["mean", "count", "std"])
        group, p = np.divmod(found, len(names))
        w, co = np.divmod(group, len(c_names))
        parts.append((w, co, np.full(len(p), c // len(l_names)),
                      np.full(len(p), c % len(l_names)), p, agg))
    if not parts:
        frame = pd.DataFrame({c: pd.array([], dtype=str) for c in keys})
        return frame.assign(mean=np.empty(0), n=np.empty(0, np.int64), sd=np.empty(0))
    columns = [np.concatenate([part[i] for part in parts]) for i in range(5)]
    order = np.lexsort(columns[::-1])  # by wave, company, discipline, lens, perspective
    frame = pd.DataFrame({
        c: pd.array(values[code[order]], dtype=str)
        for c, code, values in zip(keys, columns, [w_names, c_names, d_names, l_names, names],
                                   strict=True)})
    for name, how in (("mean", "mean"), ("n", "count"), ("sd", "std")):
        frame[name] = np.concatenate([part[5][how].to_numpy() for part in parts])[order]
    return frame


def _cell_rows(cell: np.ndarray, ok: np.ndarray):
    """Each cell number (>= 0) with the positions of its ``ok`` rows, in order. A long table
    holds each cell's rows together (one block per cell): then each block's rows are
    found in the block alone, not by comparing every row with every cell."""
    starts = np.flatnonzero(np.r_[True, cell[1:] != cell[:-1]]) if len(cell) else cell[:0]
    if len(starts) > 64:  # no blocks: a pass over the rows per cell
        cell = np.where(ok, cell, -1)
        for c in np.flatnonzero(np.bincount(cell + 1, minlength=1)[1:]):
            yield c, np.flatnonzero(cell == c)
        return
    ends = np.r_[starts[1:], len(cell)]
    for c in np.unique(cell[starts[cell[starts] >= 0]]):
        rows = np.concatenate([s + np.flatnonzero(ok[s:e])
                               for s, e in zip(starts, ends, strict=True) if cell[s] == c])
        if len(rows):
            yield c, rows


def group_codes(columns: dict[str, pd.Categorical], rows: slice | np.ndarray = slice(None)
                ) -> tuple[pd.Categorical, pd.DataFrame]:
    """The ``rows`` (a slice or mask) grouped by several categorical columns (by name): a
    grouper (a categorical of group numbers, numbered in the order of the columns' codes;
    a row with a missing value in no group) and each group's values of the columns (as
    text), from the codes (no texts are compared).

    Examples
    --------
    >>> cols = {"x": pd.Categorical(["p", "q", "p", None]),
    ...         "y": pd.Categorical(["b", "a", "b", "a"])}
    >>> grouper, groups = group_codes(cols)
    >>> grouper.codes.tolist(), groups.values.tolist()
    ([0, 1, 0, -1], [['p', 'b'], ['q', 'a']])
    """
    cats = list(columns.values())
    key = np.zeros(len(cats[0][rows]) if cats else 0, dtype=np.int64)
    valid = np.ones(len(key), dtype=bool)
    for column in cats:
        codes = np.asarray(column.codes[rows])
        valid &= codes >= 0
        key = key * len(column.categories) + codes
    width = int(np.prod([len(c.categories) for c in cats]))
    found = np.flatnonzero(np.bincount(key[valid], minlength=width))
    number = np.full(max(width, 1), -1, dtype=np.int64)
    number[found] = np.arange(len(found))
    grouper = pd.Categorical.from_codes(np.where(valid, number[np.where(valid, key, 0)], -1),
                                        categories=pd.RangeIndex(len(found)))
    groups = {}
    for name, column in reversed(list(columns.items())):
        found, code = np.divmod(found, len(column.categories))
        groups[name] = np.asarray(column.categories.astype(str), dtype=object)[code]
    return grouper, pd.DataFrame({name: groups[name] for name in columns})
