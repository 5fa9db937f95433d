"""The room's live picture: how many joined and answered, each discipline and lens's
distribution and agreement, the statements the team disagrees on most, and the medians a
consensus starts from. The scoring rules (keying, kept cells, group mean, r_wg(J)) are
:mod:`assessment.scoring.rules`'; nothing here reimplements them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from assessment.instrument.models import Instrument
from assessment.scoring.rules import cell_scores, group_summary, instrument_cells
from assessment.workshop.room.store import RoomMember

__all__ = ["RoomPicture", "consensus_medians", "room_picture"]

#: how many statements the disagreement list shows
TOP_DISAGREEMENTS = 5


@dataclass
class RoomPicture:
    """What the facilitator sees of the room (no person's answers, only the team's)."""

    joined: int
    answered: int  # participants with at least one answer
    cells: list[dict] = field(default_factory=list)  # discipline, lens, n, mean, rwg, scores
    disagreements: list[dict] = field(default_factory=list)  # item, n, sd, counts


def answer_matrix(inst: Instrument, members: list[RoomMember]) -> np.ndarray:
    """Participants x the instrument's items, NaN = not answered.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> m = answer_matrix(load_instrument(), [RoomMember("a", "", {"oe_exp_2": 4})])
    >>> m.shape, float(m[0, 1])
    ((1, 57), 4.0)
    """
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    out = np.full((len(members), len(col)), np.nan)
    for i, m in enumerate(members):
        for iid, v in m.answers.items():
            if iid in col:
                out[i, col[iid]] = v
    return out


def room_picture(inst: Instrument, members: list[RoomMember]) -> RoomPicture:
    """The room's picture: per discipline and lens (threshold = par) the people whose score
    counts, the mean, each person's score and r_wg(J) (NaN for fewer than two), and the
    statements with the largest spread (sd of at least two answers), largest first.

    Examples
    --------
    Two people, one apart on every experience item of operational excellence (4 vs 5;
    ``oe_exp_3`` and ``oe_exp_6`` are reverse-keyed: 2 vs 1 scores 4 vs 5): item variance
    0.5, so r_wg(J) = 7 * 0.75 / (7 * 0.75 + 0.25) = 0.9545 for the seven items:

    >>> from assessment.instrument.models import load_instrument
    >>> inst = load_instrument()
    >>> ids = [i.id for i in inst.cell_items("operational_excellence", "experience")]
    >>> rev = {"oe_exp_3", "oe_exp_6"}
    >>> a = RoomMember("a", "", {i: 2 if i in rev else 4 for i in ids})
    >>> b = RoomMember("b", "", {i: 1 if i in rev else 5 for i in ids})
    >>> pic = room_picture(inst, [a, b, RoomMember("c", "", {})])
    >>> pic.joined, pic.answered
    (3, 2)
    >>> cell = pic.cells[0]
    >>> cell["discipline"], cell["lens"], cell["n"], cell["mean"], round(cell["rwg"], 4)
    ('operational_excellence', 'experience', 2, 4.5, 0.9545)
    >>> sorted(cell["scores"])
    [4.0, 5.0]
    >>> pic.disagreements[0]["counts"], round(pic.disagreements[0]["sd"], 4)
    ([0, 0, 0, 1, 1], 0.7071)
    """
    th = inst.thresholds
    raw = answer_matrix(inst, members)
    col = {iid: j for j, iid in enumerate(inst.item_ids)}
    everyone = np.ones(len(members), dtype=bool)
    cells = []
    for discipline, lens, ids, reverse in instrument_cells(inst):
        sub = raw[:, [col[i] for i in ids]]
        _answered, score, kept, kept_values = cell_scores(sub, reverse, inst.scale.min,
                                                          inst.scale.max,
                                                          th.min_answered_share)
        summary = group_summary(score, kept, kept_values, everyone, inst.scale.points,
                                (inst.scale.min, inst.scale.max)) if len(members) else None
        nan = float("nan")
        cells.append({"discipline": discipline, "lens": lens,
                      "n": summary["n"] if summary else 0,
                      "mean": summary["mean"] if summary else nan,
                      "rwg": summary["rwg"] if summary else nan,
                      "scores": [float(s) for s in score[kept]]})
    ids = inst.item_ids
    present = np.isfinite(raw)
    n = present.sum(axis=0)
    counts = np.stack([(raw == v).sum(axis=0)
                       for v in range(inst.scale.min, inst.scale.max + 1)], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(present, raw, 0.0).sum(axis=0) / n
        sd = np.sqrt((np.where(present, raw - mean, 0.0) ** 2).sum(axis=0) / (n - 1))
    spread = np.flatnonzero(n >= 2).tolist()
    spread.sort(key=lambda j: (-sd[j], j))
    disagreements = [{"item": ids[j], "n": int(n[j]), "sd": float(sd[j]),
                      "counts": counts[j].tolist()} for j in spread[:TOP_DISAGREEMENTS]]
    answered = int(present.any(axis=1).sum()) if len(members) else 0
    return RoomPicture(len(members), answered, cells, disagreements)


def consensus_medians(inst: Instrument, members: list[RoomMember]) -> dict[str, int]:
    """Where a consensus starts: per statement answered by anyone, the median of the
    answers, a half rounded up (2.5 -> 3).

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> ms = [RoomMember("a", "", {"oe_exp_1": 2, "oe_exp_2": 5}),
    ...       RoomMember("b", "", {"oe_exp_1": 3})]
    >>> consensus_medians(load_instrument(), ms)
    {'oe_exp_1': 3, 'oe_exp_2': 5}
    """
    raw = answer_matrix(inst, members)
    out = {}
    for j in np.flatnonzero(np.isfinite(raw).any(axis=0)):
        med = float(np.median(raw[np.isfinite(raw[:, j]), j]))
        out[inst.item_ids[j]] = int(np.floor(med + 0.5))
    return out
