"""The respondents x cells score matrix the bootstrap draws from
(:func:`assessment.scoring.resample.resample`), built from ``Scores.respondents``."""

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
    long = respondents
    kept = long["kept"].to_numpy(dtype=bool) & long["score"].notna().to_numpy()
    score = np.where(kept, long["score"].to_numpy(dtype=float), np.nan)
    columns = ["wave", "company_id", "respondent_id", "perspective", "department"]
    blocks = _cell_blocks(long)
    if blocks is not None:  # one block per cell, the same respondents in each (as scored)
        cells, rows = blocks
        first_row = np.arange(rows)
        values = score.reshape(len(cells), rows).T
        # the respondents' text once (not once per cell: millions of Python strings)
        text = {c: long[c].iloc[:rows].to_numpy(dtype=object) for c in columns}
    else:
        text = {c: long[c].to_numpy(dtype=object) for c in columns}
        cells, cell = _cells(long)
        key = np.zeros(len(long), dtype=np.int64)
        for col in ["wave", "company_id", "respondent_id"]:
            c, uniques = pd.factorize(text[col])
            key = key * (len(uniques) + 1) + c
        person = pd.factorize(key)[0]
        first_row = np.unique(person, return_index=True)[1]
        values = np.full((len(first_row), len(cells)), np.nan)
        values[person[kept], cell[kept]] = score[kept]
    first = {c: text[c][first_row] for c in columns}
    # team last, then by stratum and respondent_id (np.lexsort: the last key first)
    order = np.lexsort([pd.factorize(first[c], sort=True)[0] for c in
                        ["respondent_id", "department", "perspective", "company_id", "wave"]]
                       + [first["perspective"] == TEAM])
    people = pd.DataFrame({c: pd.array(first[c][order], dtype=str) for c in columns})
    return people, cells, values[order]


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


def _cell_blocks(long: pd.DataFrame) -> tuple[list[tuple[str, str]], int] | None:
    """``(cells, rows)`` when ``long`` is one block of ``rows`` rows per cell, each block
    the same respondents in the same order, none twice (how the scores are built): then
    no text needs hashing. None otherwise. Blocks are compared as arrays (no Python
    string per row is made)."""
    n = len(long)
    if n == 0:
        return None
    disc = long["discipline"].array
    lens = long["lens"].array
    try:  # a missing discipline or lens (never made by the scoring): the general path
        turn = np.asarray((disc[1:] != disc[:-1]) | (lens[1:] != lens[:-1]), dtype=bool)
    except (TypeError, ValueError):
        return None
    change = np.flatnonzero(turn) + 1
    rows = int(change[0]) if len(change) else n
    n_blocks = n // rows
    if n_blocks * rows != n or not np.array_equal(change, np.arange(1, n_blocks) * rows):
        return None
    starts = np.arange(n_blocks) * rows
    cells = [(str(disc[i]), str(lens[i])) for i in starts]
    if len(set(cells)) != len(cells):
        return None
    for col in ["wave", "company_id", "respondent_id", "perspective", "department"]:
        values = long[col].array
        first = values[:rows]
        for start in starts[1:]:
            try:
                same = np.asarray(values[start:start + rows] == first, dtype=bool)
            except (TypeError, ValueError):  # a missing value: the general path
                return None
            if not same.all():
                return None
    keys = pd.DataFrame({c: long[c].iloc[:rows].to_numpy()
                         for c in ["wave", "company_id", "respondent_id"]})
    if keys.duplicated().any():
        return None
    return [(str(d), str(le)) for d, le in cells], rows
