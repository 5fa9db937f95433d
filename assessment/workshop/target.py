"""The target profile and what has to move to reach it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assessment.instrument.models import (
    DISCIPLINES,
    LENSES,
    Instrument,
    Thresholds,
    load_instrument,
)
from assessment.workshop.errors import WorkshopError, check_choice
from assessment.workshop.texts import text

__all__ = ["Move", "Target", "moves_frame", "what_has_to_move"]

TOLERANCE = 0.005  # a score within this of its target is on target (scores show 2 decimals)
STATUS_ORDER = {"raise": 0, "hold_back": 1, "no_data": 2, "on_target": 3}


@dataclass
class Target:
    """The discipline to lead in and the target score per discipline (both lenses).

    Examples
    --------
    >>> t = Target("customer_intimacy", {"operational_excellence": 3.0,
    ...                                  "customer_intimacy": 4.4567, "product_leadership": 3.0})
    >>> t.to_dict()["profile"]["customer_intimacy"]
    4.457
    """

    discipline: str | None
    profile: dict[str, float]

    @classmethod
    def default(cls, discipline: str, thresholds: Thresholds, scale_max: float) -> Target:
        """Lead at excellence plus the leadership margin, the other two held at par.

        Examples
        --------
        >>> from assessment.instrument.models import load_instrument
        >>> Target.default("customer_intimacy", load_instrument().thresholds, 5).profile
        {'operational_excellence': 3.0, 'customer_intimacy': 4.5, 'product_leadership': 3.0}
        """
        lead = min(float(scale_max), thresholds.excellence + thresholds.leadership_margin)
        return cls(discipline, {d: (lead if d == discipline else thresholds.par)
                                for d in DISCIPLINES})

    @classmethod
    def choose(cls, current: Target | None, discipline: str | None,
               profile: Mapping[str, float] | None, instrument: Instrument) -> Target | None:
        """The target after the facilitator picks ``discipline`` (None with no ``profile``
        clears it) and sets some of its scores (``profile``): the default profile of a new
        lead, else the current one, with ``profile``'s scores put in.

        Examples
        --------
        >>> from assessment.instrument.models import load_instrument
        >>> t = Target.choose(None, "product_leadership", {"customer_intimacy": 2.5},
        ...                   load_instrument())
        >>> t.profile
        {'operational_excellence': 3.0, 'customer_intimacy': 2.5, 'product_leadership': 4.5}
        """
        if discipline is None and profile is None:
            return None
        if discipline is not None:
            check_choice(discipline, DISCIPLINES, "discipline")
        th, sc = instrument.thresholds, instrument.scale
        base = (cls.default(discipline, th, sc.max).profile if discipline
                else {d: th.par for d in DISCIPLINES})
        if current is not None and profile is None and current.discipline == discipline:
            base = dict(current.profile)
        for d, v in (profile or {}).items():
            check_choice(d, DISCIPLINES, "discipline")
            v = float(v)
            if not sc.min <= v <= sc.max:
                raise WorkshopError(f"target for {d} must be within {sc.min}..{sc.max}")
            base[d] = v
        return cls(discipline, base)

    def to_dict(self) -> dict:
        """The target as the session's JSON file holds it."""
        return {"discipline": self.discipline,
                "profile": {d: round(float(v), 3) for d, v in self.profile.items()}}


@dataclass
class Move:
    """The distance of one discipline in one lens from its target.

    Examples
    --------
    >>> move = Move("setup", "customer_intimacy", current=3.2, target=4.5, delta=1.3,
    ...             status="raise", lead=True)
    >>> print(move.text())
    Customer intimacy (Set-up), the discipline to lead in: raise from 3.20 to 4.50 (+1.30).
    """

    lens: str
    discipline: str
    current: float
    target: float
    delta: float  # target - current
    status: str  # raise, hold_back, on_target, no_data
    lead: bool
    lead_discipline: str | None = None
    lead_target: float | None = None
    margin: float = 0.0

    def text(self, lang: str = "en", instrument: Instrument | None = None) -> str:
        """The move as a sentence in ``lang``."""
        inst = instrument or load_instrument()
        fmt = dict(discipline=inst.discipline_label(self.discipline, lang),
                   lens=inst.lens_label(self.lens, lang).split(" (")[0],
                   current=self.current, target=self.target, delta=self.delta,
                   margin=self.margin, lead_target=self.lead_target or 0.0,
                   lead=inst.discipline_label(self.lead_discipline, lang)
                   if self.lead_discipline else "")
        key = {"raise": "move_raise_lead" if self.lead else "move_raise",
               "hold_back": "move_hold_back", "no_data": "move_no_data",
               "on_target": "move_on_target"}[self.status]
        return text(key, lang, **fmt)


def what_has_to_move(means: Mapping[str, Mapping[str, float]], target: Target | None,
                     thresholds: Thresholds) -> list[Move]:
    """Per lens and discipline: how far the current profile is from the target.

    - ``raise``: the current score is below its target (delta = target - current > 0);
    - ``hold_back``: a discipline other than the one to lead in is within the leadership
      margin of the lead's target (or above it), so even a lead on target would not lead:
      hold it at its target and put the effort into the lead (delta < 0 is how far it is
      above what leadership allows);
    - ``on_target``: at or above the target (and not crowding the lead);
    - ``no_data``: not enough answers yet.

    Sorted: raise (largest first), hold_back, no_data, on_target; experience before set-up.

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> th = load_instrument().thresholds
    >>> means = {"experience": dict(zip(DISCIPLINES, (3.0, 4.0, 3.0))),
    ...          "setup": dict(zip(DISCIPLINES, (3.0, 4.5, 3.0)))}
    >>> [(m.lens, m.status, m.delta) for m in
    ...  what_has_to_move(means, Target.default("customer_intimacy", th, 5), th)][:2]
    [('experience', 'raise', 0.5), ('experience', 'on_target', 0.0)]
    """
    if target is None:
        return []
    lead = target.discipline
    margin = thresholds.leadership_margin
    lead_target = target.profile.get(lead) if lead else None
    out: list[Move] = []
    for lens in LENSES:
        for d in DISCIPLINES:
            cur = float(means.get(lens, {}).get(d, np.nan))
            tgt = float(target.profile[d])
            kw = dict(lead=d == lead, lead_discipline=lead, lead_target=lead_target,
                      margin=margin)
            if not np.isfinite(cur):
                out.append(Move(lens, d, cur, tgt, np.nan, "no_data", **kw))
                continue
            delta = tgt - cur
            if delta > TOLERANCE:
                status = "raise"
            elif lead and d != lead and lead_target is not None \
                    and cur > lead_target - margin + TOLERANCE:
                status, delta = "hold_back", (lead_target - margin) - cur
            else:
                status = "on_target"
            out.append(Move(lens, d, cur, tgt, delta, status, **kw))
    lens_order = {lens: k for k, lens in enumerate(LENSES)}
    out.sort(key=lambda m: (STATUS_ORDER[m.status],
                            -abs(m.delta) if np.isfinite(m.delta) else 0.0,
                            lens_order[m.lens], DISCIPLINES.index(m.discipline)))
    return out


def moves_frame(moves: list[Move], lang: str = "en",
                instrument: Instrument | None = None) -> pd.DataFrame:
    """The moves as a table with their sentence in ``lang``.

    Examples
    --------
    >>> list(moves_frame([]).columns)[:3]
    ['lens', 'discipline', 'current']
    """
    return pd.DataFrame([{"lens": m.lens, "discipline": m.discipline, "current": m.current,
                          "target": m.target, "delta": m.delta, "status": m.status,
                          "lead": m.lead, "text": m.text(lang, instrument)} for m in moves],
                        columns=["lens", "discipline", "current", "target", "delta", "status",
                                 "lead", "text"])
