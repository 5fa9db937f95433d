"""The respondents x cells score matrix the bootstrap draws from
(:func:`assessment.scoring.resample.resample`), built from ``Scores.respondents``:
:func:`score_matrix` (NaN where a score is not kept) and :func:`score_columns` (per cell the kept
scores, then per cell whether one is kept: what the bootstrap sums)."""

from __future__ import annotations

import numpy as np
import pandas as pd

TEAM = "team"  # a workshop team's consensus record: sorted last


def score_matrix(respondents: pd.DataFrame
                 ) -> tuple[pd.DataFrame, list[tuple[str, str]], np.ndarray]:
    """The respondents (team last, then sorted by wave, company, perspective, department,
    respondent_id), the cells (in order of first appearance), and the respondents x cells
    scores (NaN where not kept).

    Examples
    --------
    >>> from assessment import load_dataset, score
    >>> people, cells, values = score_matrix(score(load_dataset("data/sample")).respondents)
    >>> values.shape == (len(people), len(cells))
    True
    """
    people, cells, columns, order = _sorted_columns(respondents)
    return people, cells, np.take(columns, order, axis=1).T


def score_columns(respondents: pd.DataFrame
                  ) -> tuple[pd.DataFrame, list[tuple[str, str]], np.ndarray]:
    """:func:`score_matrix` as the bootstrap sums it, cell by cell: the respondents and
    cells as there, and float64 ``(2 cells, respondents)``: the kept scores (0 where none)
    of each cell, then 1 where a score is kept for each cell, each row contiguous (sums
    over runs of respondents, ``np.add.reduceat(..., axis=1)``, read memory in order).

    Examples
    --------
    >>> from assessment import load_dataset, score
    >>> long = score(load_dataset("data/sample")).respondents
    >>> people, cells, columns = score_columns(long)
    >>> values = score_matrix(long)[2]
    >>> k = len(cells)
    >>> columns.shape == (2 * k, len(people))
    True
    >>> bool((columns[k:] == ~np.isnan(values.T)).all())
    True
    >>> bool((columns[:k] == np.nan_to_num(values.T)).all())
    True
    """
    people, cells, values, order = _sorted_columns(respondents)
    k = len(cells)
    columns = np.empty((2 * k, len(people)))
    # cell by cell: contiguous gathers (the positions are valid: "clip" only spares a buffer)
    np.take(values, order, axis=1, out=columns[:k], mode="clip")
    missing = np.isnan(columns[:k])
    columns[:k][missing] = 0.0
    np.logical_not(missing, out=columns[k:], casting="unsafe")
    return people, cells, columns


def _sorted_columns(respondents: pd.DataFrame
                    ) -> tuple[pd.DataFrame, list[tuple[str, str]], np.ndarray, np.ndarray]:
    """The sorted respondents, the cells, the cells x respondents kept scores in the
    table's order of respondents (NaN where not kept), and the order that sorts them."""
    long = respondents
    kept = long["kept"].to_numpy(dtype=bool) & long["score"].notna().to_numpy()
    score = np.where(kept, long["score"].to_numpy(dtype=float), np.nan)
    columns = ["wave", "company_id", "respondent_id", "perspective", "department"]
    blocks = _cell_blocks(long)
    if blocks is not None:  # one block per cell, the same respondents in each (as scored)
        cells, rows, text = blocks
        values = score.reshape(len(cells), rows)
    else:
        cells, cell = _cells(long)
        text = {c: text_codes(long[c]) for c in columns}
        key = np.zeros(len(long), dtype=np.int64)
        for col in ["wave", "company_id", "respondent_id"]:
            c, uniques = text[col]
            key = key * (len(uniques) + 1) + c.astype(np.int64)
        person = pd.factorize(key)[0]
        first_row = np.unique(person, return_index=True)[1]
        text = {c: (codes[first_row], uniques) for c, (codes, uniques) in text.items()}
        values = np.full((len(cells), len(first_row)), np.nan)
        values[cell[kept], person[kept]] = score[kept]
    # team last, then by stratum and respondent_id (np.lexsort: the last key first); the
    # codes of sorted texts sort as the texts
    is_team = text["perspective"][0] == _position(text["perspective"][1], TEAM)
    order = np.lexsort([text[c][0] for c in
                        ["respondent_id", "department", "perspective", "company_id", "wave"]]
                       + [is_team])
    people = pd.DataFrame({c: pd.Categorical.from_codes(codes[order],
                                                        dtype=_dtype(long[c], uniques))
                           for c, (codes, uniques) in text.items()})
    return people, cells, values, order


def text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and sorted unique texts of a column (a categorical's own when its categories
    are sorted, in its narrow integer type), -1 for a missing value: equal codes are equal
    texts, and the codes sort as the texts.

    Examples
    --------
    >>> codes, uniques = text_codes(pd.Series(["b", "a", "b"]))
    >>> codes.tolist(), list(uniques)
    ([1, 0, 1], ['a', 'b'])
    """
    if (isinstance(values.dtype, pd.CategoricalDtype)
            and _increasing(values.cat.categories)):
        return values.array.codes, values.cat.categories  # int8 to int32, read-only
    codes, uniques = pd.factorize(values.to_numpy(dtype=object), sort=True)
    return codes.astype(np.int64), pd.Index(uniques)


def _increasing(uniques: pd.Index) -> bool:
    """Whether the (distinct) texts are in increasing order: one vectorised comparison of
    neighbours (``Index.is_monotonic_increasing`` makes a Python string of each text of an
    Arrow-backed index: a second for a million respondent ids). False when they do not
    compare (mixed types).

    Examples
    --------
    >>> _increasing(pd.Index(["a", "b", "c"])), _increasing(pd.Index(["b", "a"]))
    (True, False)
    >>> _increasing(pd.Index(["a", 1], dtype=object))
    False
    """
    if len(uniques) < 2:
        return True
    values = uniques.array
    try:
        return bool(np.asarray(values[1:] > values[:-1], dtype=bool).all())
    except TypeError:
        return False


def _dtype(values: pd.Series, uniques: pd.Index) -> pd.CategoricalDtype:
    """The unordered categorical type of ``uniques``: the column's own when these are its
    categories (a new type checks that its categories are unique: slow for a million
    respondent ids)."""
    own = values.dtype
    if (isinstance(own, pd.CategoricalDtype) and not own.ordered
            and own.categories is uniques):
        return own
    return pd.CategoricalDtype(uniques, ordered=False)


def _position(uniques: pd.Index, text: str) -> int:
    """The code of ``text`` among ``uniques`` (-2, matching no code, when absent)."""
    found = np.flatnonzero(np.asarray(uniques == text, dtype=bool))
    return int(found[0]) if len(found) else -2


def _cells(long: pd.DataFrame) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The (discipline, lens) cells in order of first appearance, and each row's cell."""
    disc, disc_keys = pd.factorize(long["discipline"].to_numpy(dtype=object))
    lens, lens_keys = pd.factorize(long["lens"].to_numpy(dtype=object))
    code = disc * len(lens_keys) + lens
    codes, first = np.unique(code, return_index=True)
    appearance = np.argsort(first, kind="stable")
    cells = [(str(disc_keys[c // len(lens_keys)]), str(lens_keys[c % len(lens_keys)]))
             for c in codes[appearance]]
    cell_pos = np.empty(len(codes), dtype=np.int64)
    cell_pos[appearance] = np.arange(len(codes))
    return cells, cell_pos[np.searchsorted(codes, code)]


def _cell_blocks(long: pd.DataFrame
                 ) -> tuple[list[tuple[str, str]], int, dict[str, tuple]] | None:
    """``(cells, rows, text)`` when ``long`` is one block of ``rows`` rows per cell, each block
    the same respondents in the same order, none twice (how the scores are built): then
    no text needs hashing. None otherwise. Blocks are compared as codes
    (:func:`text_codes`: no Python string per row is made); ``text`` holds the first
    block's codes and texts per column."""
    n = len(long)
    if n == 0:
        return None
    disc = long["discipline"].array
    lens = long["lens"].array
    turn_disc, turn_lens = _turns(long["discipline"]), _turns(long["lens"])
    if turn_disc is None or turn_lens is None:
        return None
    turn = turn_disc | turn_lens
    change = np.flatnonzero(turn) + 1
    rows = int(change[0]) if len(change) else n
    n_blocks = n // rows
    if n_blocks * rows != n or not np.array_equal(change, np.arange(1, n_blocks) * rows):
        return None
    starts = np.arange(n_blocks) * rows
    cells = [(str(disc[i]), str(lens[i])) for i in starts]
    if len(set(cells)) != len(cells):
        return None
    text = {}
    for col in ["wave", "company_id", "respondent_id", "perspective", "department"]:
        codes, uniques = text_codes(long[col])
        first = codes[:rows]
        if (first < 0).any() or not (codes.reshape(n_blocks, rows) == first).all():
            return None  # a missing value, or blocks of other people: the general path
        text[col] = (first, uniques)
    key = np.zeros(rows, dtype=np.int64)
    for col in ["wave", "company_id", "respondent_id"]:
        key = key * (len(text[col][1]) + 1) + text[col][0].astype(np.int64)
    key = np.sort(key)  # all different (a sort: numpy's hashing unique is slower here)
    if (key[1:] == key[:-1]).any():
        return None
    return [(str(d), str(le)) for d, le in cells], rows, text


def _turns(values: pd.Series) -> np.ndarray | None:
    """Where a value differs from the one before (bool, one shorter than ``values``); None
    when the values do not compare, or a categorical misses a value (never made by the
    scoring: the general path). A categorical compares its codes."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.array.codes
        return None if (codes < 0).any() else codes[1:] != codes[:-1]
    array = values.array
    try:
        return np.asarray(array[1:] != array[:-1], dtype=bool)
    except (TypeError, ValueError):
        return None
