"""Section 6, item detail: the strongest and weakest statements per discipline and lens.

Each item's mean is taken over the answers of its lens's group after reverse keying:
experience items from customers when the experience lens is outside-in (else staff),
set-up items from staff. A group under the minimum group size gets no means.

>>> import numpy as np
>>> pick_ends(np.array([3.0, 4.5, np.nan, 2.0, 4.5, 1.0]), 2)
([1, 4], [5, 3])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.present.report.base import ReportBase
from assessment.present.report.render import Column, num, render
from assessment.scoring.rules import OUTSIDE_IN, keyed

ITEMS_PER_END = 2  # strongest and weakest items shown per discipline and lens
DETAIL_COLUMNS = ["lens", "discipline", "position", "item_id", "text", "reverse", "mean", "n"]


def pick_ends(means: np.ndarray, k: int) -> tuple[list[int], list[int]]:
    """The positions of the ``k`` highest means (highest first) and of the ``k`` lowest of
    the rest (lowest first); missing means are left out, ties keep their order.

    Parameters
    ----------
    means : numpy.ndarray
        The items' means (NaN: no mean).
    k : int
        How many items at each end.

    Returns
    -------
    tuple of (list of int, list of int)
        The positions of the strongest and of the weakest items.

    Examples
    --------
    >>> pick_ends(np.array([2.0, 3.0]), 2)  # an item is at one end only
    ([1, 0], [])
    """
    known = [i for i in range(len(means)) if not np.isnan(means[i])]
    top = sorted(known, key=lambda i: -means[i])[:k]
    low = sorted((i for i in known if i not in top), key=lambda i: means[i])[:k]
    return top, low


def _means(rep: ReportBase) -> dict[str, Any]:
    """The columns of :func:`item_means` as lists and arrays."""
    inst = rep.instrument
    items = inst.items
    answers = rep.answers
    rev = np.array([i.reverse for i in items])
    # the discipline items come first in the answers (then the threshold items)
    vals = keyed(answers.raw[:, :len(items)], rev, inst.scale.min, inst.scale.max)
    min_n = inst.thresholds.min_group_size
    lens = np.array([i.lens for i in items])
    mean = np.full(len(items), np.nan)
    count = np.zeros(len(items), dtype=int)
    for lens_name, group in (("experience", rep.experience_group), ("setup", "internal")):
        rows = vals[answers.perspective == group]
        cols = lens == lens_name
        if len(rows) < min_n:
            continue
        n = (~np.isnan(rows[:, cols])).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.nansum(rows[:, cols], axis=0) / n
        mean[cols] = np.where(n >= min_n, m, np.nan)
        count[cols] = n
    return {"item_id": [i.id for i in items], "discipline": [i.discipline for i in items],
            "lens": lens, "reverse": rev,
            # the wording the answers were given to (customers': first person), in the
            # dataset's instrument version
            "text": [i.wording(rep.experience_group if i.lens == "experience" else "staff",
                               rep.lang) for i in items],
            "mean": mean, "n": count}


def item_means(rep: ReportBase) -> pd.DataFrame:
    """Mean answer per discipline item after reverse keying, for the report's wave.
    Columns: item_id, discipline, lens, reverse, text, mean, n (NaN means for a group
    under the minimum group size; blanks do not count).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> means = item_means(build_report("data/sample", "pcmaker"))
    >>> means.shape, means.columns.tolist()
    ((42, 7), ['item_id', 'discipline', 'lens', 'reverse', 'text', 'mean', 'n'])
    >>> row = means.loc[2]  # a reverse-keyed item: 6 - answer on the 1 to 5 scale
    >>> row["item_id"], bool(row["reverse"]), round(float(row["mean"]), 2), int(row["n"])
    ('oe_exp_3', True, 3.18, 22)
    """
    return pd.DataFrame(_means(rep))


def _detail(rep: ReportBase, k: int) -> dict[str, Any]:
    """The columns of :func:`item_detail` as lists and arrays."""
    means = _means(rep)
    disc = np.array(means["discipline"])
    rows: list[int] = []
    positions: list[str] = []
    for lens in LENSES:
        for d in DISCIPLINES:
            cell = np.flatnonzero((means["lens"] == lens) & (disc == d))
            top, low = pick_ends(means["mean"][cell], k)
            rows += [int(cell[i]) for i in top + low]
            positions += ["strongest"] * len(top) + ["weakest"] * len(low)
    pick = np.array(rows, dtype=np.intp)
    return {"lens": means["lens"][pick], "discipline": list(disc[pick]), "position": positions,
            **{c: [means[c][i] for i in rows] for c in ("item_id", "text")},
            **{c: means[c][pick] for c in ("reverse", "mean", "n")}}


def item_detail(rep: ReportBase, k: int = ITEMS_PER_END) -> pd.DataFrame:
    """The ``k`` strongest and ``k`` weakest items per lens and discipline.

    Columns: lens, discipline, position (``strongest``/``weakest``), item_id, text,
    reverse, mean, n. Order: lens (experience, set-up), discipline, the strongest
    (highest first), then the weakest (lowest first); ties keep the instrument's order.
    Items without a mean are left out.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "pcmaker")
    >>> detail = item_detail(rep)
    >>> len(detail), detail.loc[:3, ["position", "item_id"]].to_numpy().tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    (24, [['strongest', 'oe_exp_2'], ['strongest', 'oe_exp_1'], ['weakest', 'oe_exp_3'],
          ['weakest', 'oe_exp_7']])
    >>> len(item_detail(rep, 1))
    12
    """
    detail = _detail(rep, k)
    if not detail["position"]:
        return pd.DataFrame(columns=DETAIL_COLUMNS)
    return pd.DataFrame(detail, columns=DETAIL_COLUMNS)


def scored_cell(rep: ReportBase, scored: float, reverse: bool) -> str:
    """An item's mean as the table shows it: the score it counts with; for a reverse-keyed
    statement (agreeing is bad) the mean answer first, then the score it counts with, so
    that a high score is never read as agreement.

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> rep = build_report("data/sample", "pcmaker", lang="de")
    >>> scored_cell(rep, 4.5, False), scored_cell(rep, 4.5, True)
    ('4,50', 'Antwort 1,50 → Wert 4,50')
    """
    if not reverse or not np.isfinite(scored):
        return num(scored, ".2f", rep.lang)
    scale = rep.instrument.scale
    raw = scale.min + scale.max - scored
    return rep.t("reverse_answer", raw=raw, scored=scored)


def items_view(rep: ReportBase) -> dict[str, Any]:
    """Section 6 as data: where the answers come from, and a table per lens (None when its
    group is too small).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> view = items_view(build_report("data/sample", "pcmaker"))
    >>> [name for name, _ in view["lenses"]], view["intro"][:45]
    (['Customer experience', 'Set-up'], 'The 2 strongest and 2 weakest statements per ')
    """
    view: dict[str, Any] = {"heading": rep.t("headings.items"), "has_data": rep.has_data,
                            "no_data": rep.t("notes.no_respondents")}
    if not rep.has_data:
        return view
    source = (rep.t("notes.items_source_customers")
              if rep.diagnosis.experience_source == OUTSIDE_IN
              else rep.t("notes.items_source_staff"))
    detail = _detail(rep, ITEMS_PER_END)
    lenses = []
    for lens in LENSES:
        sub = [i for i, x in enumerate(detail["lens"]) if x == lens]
        columns = None if not sub else [
            Column(rep.t("columns.discipline"), [rep.disc(detail["discipline"][i]) for i in sub]),
            Column(rep.t("columns.which"), [rep.t(detail["position"][i]) for i in sub]),
            Column(rep.t("columns.statement"), [detail["text"][i] for i in sub]),
            Column(rep.t("columns.reversed"), [rep.t("mark_yes") if detail["reverse"][i] else ""
                                               for i in sub]),
            Column(rep.t("columns.mean"), [scored_cell(rep, detail["mean"][i],
                                                       bool(detail["reverse"][i]))
                                           for i in sub]),
            Column(rep.t("columns.n"), [detail["n"][i] for i in sub], "int")]
        lenses.append((rep.lens_name(lens), columns))
    intro = (rep.t("notes.items", k=ITEMS_PER_END, source=source) + " "
             + rep.t("notes.items_reverse", low=rep.instrument.scale.min,
                     high=rep.instrument.scale.max))
    view.update(intro=intro, lenses=lenses,
                hidden=rep.t("notes.items_hidden"))
    return view


def items_html(rep: ReportBase) -> str:
    """Section 6 as HTML; empty when the report leaves the items out (``show_items``).

    Examples
    --------
    >>> from assessment.present.report.core import build_report
    >>> items_html(build_report("data/sample", "pcmaker")).count("<table")
    2
    >>> items_html(build_report("data/sample", "pcmaker", show_items=False))
    ''
    """
    if not rep.show_items:
        return ""
    return render("items", rep.lang, **items_view(rep))
