"""Answers as numbers: the answer columns of a responses table checked against the scale
and turned into one float32 table, every value that is not an answer recorded as a
problem (the first ``MAX_SHOWN_PER_KIND`` of each kind one by one, the rest counted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from assessment.exceptions import Omitted, Problem
from assessment.instrument.models import Instrument
from assessment.intake.hints import looks_like_label
from assessment.intake.read import arrow_data

__all__ = ["MAX_SHOWN_PER_KIND", "any_answer", "check_answers"]

MAX_SHOWN_PER_KIND = 10_000  # safety cap on problems of one kind (a wholly wrong file)


def _digits(column: pd.Series) -> np.ndarray | None:
    """The values of a text column whose cells are all empty or a single digit (how
    answers come), read straight from its Arrow buffers, as float32 (NaN for an empty
    cell); None for any other column, which :func:`pd.to_numeric` reads instead."""
    arrow = arrow_data(column)
    if arrow is None:
        return None
    if isinstance(arrow, pa.ChunkedArray):  # one pass over one buffer, not per chunk
        arrow = arrow.combine_chunks()
    out = []
    for chunk in [arrow]:
        if chunk.null_count or not (pa.types.is_string(chunk.type)
                                    or pa.types.is_large_string(chunk.type)):
            return None
        _, offsets, data = chunk.buffers()
        wide = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        offsets = np.frombuffer(offsets, dtype=wide)[chunk.offset:chunk.offset + len(chunk) + 1]
        length = np.diff(offsets)
        if len(length) and length.max() > 1:
            return None
        values = np.full(len(chunk), np.nan, dtype=np.float32)
        filled = length == 1
        if filled.any():
            digit = np.frombuffer(data, dtype=np.uint8)[offsets[:-1][filled]].astype(np.int16) - 48
            if ((digit < 0) | (digit > 9)).any():
                return None
            values[filled] = digit
        out.append(values)
    return np.concatenate(out) if out else np.empty(0)


def check_answers(
    df: pd.DataFrame, name: str, items: list[str], inst: Instrument, problems: list[Problem],
    item_ids: list[str] | None = None,
) -> pd.DataFrame:
    """The answers as a float32 table with one column per item of ``item_ids`` (default:
    ``items``; an item the file has no column for is all NaN), recording every non-scale
    value of the ``items`` columns of ``df`` (the first ``MAX_SHOWN_PER_KIND`` of each kind
    one by one, the rest counted). float32 holds every whole number of a scale and NaN
    exactly, in half the memory of float64. A column read as float32 numbers already
    (:func:`assessment.intake.read.read_table` with ``numbers``) is taken as it is.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> table = pd.DataFrame({"oe_exp_1": ["4", "", "7"], "oe_exp_2": ["3", "x", "5"]},
    ...                      index=[2, 3, 4])
    >>> problems = []
    >>> out = check_answers(table, "responses.csv", ["oe_exp_1", "oe_exp_2"],
    ...                     load_instrument(), problems)
    >>> out["oe_exp_1"].tolist(), [(p.row, p.column, p.value) for p in problems]
    ([4.0, nan, nan], [(3, 'oe_exp_2', 'x'), (4, 'oe_exp_1', '7')])
    """
    lo, hi = inst.scale.min, inst.scale.max
    item_ids = items if item_ids is None else item_ids
    where = {item: j for j, item in enumerate(item_ids)}
    # one row per item: the transpose is the (rows x items) table, stored as pandas keeps
    # its columns (no copy when the frame is made)
    values = np.full((len(item_ids), len(df)), np.nan, dtype=np.float32)
    bad: dict[str, list[tuple[int, int]]] = {"nonnum": [], "nonint": [], "outside": []}
    counts = dict.fromkeys(bad, 0)
    for c, item in enumerate(items):
        column = df[item]
        if column.dtype == np.float32:  # read as numbers: whole ones, on the scale
            values[where[item]] = column.to_numpy()
            continue
        got = _digits(column)
        if got is None:
            got = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, copy=True)
            nonnum = (column != "").to_numpy(dtype=bool) & np.isnan(got)
            with np.errstate(invalid="ignore"):
                nonint = ~np.isnan(got) & (got != np.round(got))
        else:  # single digits: numbers, and whole ones
            nonnum = nonint = None
        with np.errstate(invalid="ignore"):  # NaN compares False: blanks are not outside
            outside = (got < lo) | (got > hi)
        if nonint is not None:
            outside &= ~nonint
        for kind, mask in (("nonnum", nonnum), ("nonint", nonint), ("outside", outside)):
            if mask is None or not mask.any():
                continue
            rows = np.flatnonzero(mask)
            counts[kind] += len(rows)
            room = MAX_SHOWN_PER_KIND - len(bad[kind])
            bad[kind].extend((int(r), c) for r in rows[:max(room, 0)])
            got[mask] = np.nan
        values[where[item]] = got
    scale = f"a whole number from {lo} to {hi}, or blank for not answered"
    labels = False
    for kind in bad:
        for r, c in sorted(bad[kind]):
            raw = df[items[c]].iat[r]
            expected = scale
            if kind == "nonnum" and "," in raw:
                expected = f"{scale} (a decimal comma is not a scale value)"
            elif kind == "nonnum" and looks_like_label(raw):
                labels = True
                expected = (f"{scale} ({raw!r} looks like an answer label: a survey tool's "
                            "export with labels is read by 'python -m assessment import "
                            "EXPORT --into DATASET', which maps the labels to numbers)")
            problems.append(Problem(name, int(df.index[r]), items[c], raw, expected))
        if counts[kind] > len(bad[kind]):
            what = {"nonnum": "answers that are not numbers",
                    "nonint": "answers that are not whole numbers",
                    "outside": f"answers outside {lo} to {hi}"}[kind]
            hint = " (labels: see 'python -m assessment import')" if labels else ""
            problems.append(Omitted(
                name, None, None, None,
                f"{scale}: {counts[kind] - len(bad[kind]):,} more {what}{hint} are not "
                f"listed ({counts[kind]:,} in all)", count=counts[kind] - len(bad[kind])))
    return pd.DataFrame(values.T, columns=item_ids, index=df.index, copy=False)


def any_answer(answers: pd.DataFrame, ids: list[str]) -> pd.Series:
    """Per row, whether any of the ``ids`` columns of the answers table is answered (one
    column at a time: no copy of the columns taken together).

    Examples
    --------
    >>> answers = pd.DataFrame({"a": [1.0, np.nan, np.nan], "b": [np.nan, 2.0, np.nan]})
    >>> any_answer(answers, ["a", "b"]).tolist(), any_answer(answers, ["a"]).tolist()
    ([True, True, False], [True, False, False])
    """
    out = np.zeros(len(answers), dtype=bool)
    for item in ids:
        out |= ~np.isnan(answers[item].to_numpy())
    return pd.Series(out, index=answers.index)
