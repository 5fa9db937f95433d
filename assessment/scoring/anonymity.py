"""The anonymity rules: which group statistics may be published so that no group smaller
than the minimum group size is shown, on its own or as a difference of published numbers.

Decided per cell, with each group's n of kept scores there: customers or staff under the
minimum are hidden; everyone together (``all``) is hidden when the hidden people in the
cell number 1..minimum-1 (all minus staff would be the customers); when the hidden
departments together number 1..minimum-1, the smallest shown department is hidden too,
until they reach the minimum (staff total minus the shown departments would reveal them).
A workshop team's consensus record is no person and stays shown. Counts stay published.
"""

from __future__ import annotations

import numpy as np

__all__ = ["EVERYONE", "PEOPLE", "shown_departments", "shown_groups"]


#: the perspectives that are groups of people, hidden under the minimum group size; any other
#: perspective (a workshop team's consensus record) is one record, not a person's answers,
#: and is always shown
PEOPLE = ("customer", "internal")
#: the perspective of everyone together (customers, staff and any record)
EVERYONE = "all"


def shown_groups(n: np.ndarray, perspective: np.ndarray, cell: np.ndarray | None,
                 min_group_size: int) -> np.ndarray:
    """The anonymity rule for the groups of each cell: whether a group's statistics may be
    published. ``n`` is the group's size in its cell (its kept scores), ``cell`` labels the
    cell of each group (None: one cell).

    - customers and staff (``internal``) are shown from ``min_group_size`` on;
    - any other perspective (a team's consensus record) is always shown;
    - everyone together (``all``) is hidden when the people hidden in its cell number
      1..min_group_size-1: ``all`` minus the shown groups would reveal them (4 customers
      hidden beside 6 staff: all minus staff is the customers' mean).

    Counts stay published: they reveal no answer.

    Examples
    --------
    Four customers beside six staff: customers hidden, and so is ``all``; with five
    customers everything is shown; two customers and two staff are hidden, ``all`` too:

    >>> n = np.array([4, 6, 10, 5, 6, 11, 2, 2, 4])
    >>> persp = np.array(["customer", "internal", "all"] * 3)
    >>> shown_groups(n, persp, np.repeat([0, 1, 2], 3), 5).tolist()
    [False, True, False, True, True, True, False, False, False]

    A team's record is shown on its own, and staff are hidden under the minimum:

    >>> shown_groups(np.array([1, 3, 4]), np.array(["team", "internal", "all"]), None,
    ...              5).tolist()
    [True, False, False]
    """
    n = np.asarray(n, dtype=float)
    persp = np.asarray(perspective, dtype=object)
    people = np.isin(persp, PEOPLE)
    shown = ~people | (n >= min_group_size)
    labels = np.zeros(len(n), dtype=int) if cell is None else np.unique(
        np.asarray(cell), return_inverse=True)[1].ravel()
    hidden = np.bincount(labels, weights=np.where(people & ~shown, n, 0.0))[labels]
    total = persp == EVERYONE
    shown[total] = (hidden[total] < 1) | (hidden[total] >= min_group_size)
    return shown


def shown_departments(counts: np.ndarray, min_group_size: int) -> np.ndarray:
    """Which departments are shown, from their sizes in each cell they are shown in
    (``counts``: departments x cells, the kept scores of each; rows in a fixed order,
    e.g. by name).

    A department is hidden when it has 1..min_group_size-1 members in any cell. Then
    secondary suppression: the staff total minus the shown departments is the hidden
    departments together, so while the hidden departments of some cell together have
    1..min_group_size-1 members, the smallest shown department there (fewest members in
    that cell, the first in order on a tie) is hidden too. Hiding departments is preferred
    over hiding the staff total, which carries the set-up lens. A department is shown in
    all cells or in none.

    Examples
    --------
    Ops 5, Sales 6 and a one-person Legal: Legal is hidden, and so is Ops (staff minus
    Sales would be Legal's answers otherwise); with Legal at 5 everyone is shown:

    >>> shown_departments(np.array([[5, 5], [6, 6], [1, 1]]), 5).tolist()
    [False, True, False]
    >>> shown_departments(np.array([[5, 5], [6, 6], [5, 5]]), 5).tolist()
    [True, True, True]
    """
    counts = np.asarray(counts, dtype=int)
    if counts.ndim != 2 or counts.size == 0:
        return np.ones(len(counts), dtype=bool)
    small = (counts >= 1) & (counts < min_group_size)
    shown = ~small.any(axis=1)
    while True:
        hidden = counts[~shown].sum(axis=0)
        bad = (hidden >= 1) & (hidden < min_group_size)
        candidates = shown & (counts[:, bad] > 0).any(axis=1)
        if not candidates.any():  # nothing left to hide (or nothing to protect)
            return shown
        first_bad = int(np.flatnonzero(bad & (counts[candidates].sum(axis=0) > 0))[0])
        size = np.where(candidates & (counts[:, first_bad] > 0), counts[:, first_bad],
                        np.iinfo(int).max)
        shown[int(np.argmin(size))] = False
