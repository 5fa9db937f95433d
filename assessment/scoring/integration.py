"""Customer integration scores: how the company uses its customers as co-producers.

Scores per role and per block follow the core's rules (reverse keying, minimum answered
share, mean/n/sd/CI/r_wg, customer groups under the minimum size hidden). The company's
score of a role or block reads:

- roles and participation: everyone who answered (customers and staff: ``all``);
- motives and self-service experience: customers only (hidden below the minimum size);
- supply-chain CRM: staff.

Whether the integration fits the company's discipline is decided in
:mod:`assessment.diagnosis.integration`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from assessment.instrument.integration import IntegrationInstrument, load_integration
from assessment.intake.dataset import Dataset
from assessment.scoring.rules import TEAM, Cell, group_stats, respondent_scores

#: which perspective a block's company score is read from
BLOCK_SOURCE = {"roles": "all", "participation": "all", "motives": "customer",
                "self_service": "customer", "crm": "internal"}
TAKEOVER_ROLES = ("productive_resource", "competitor")


def integration_cells(integ: IntegrationInstrument) -> list[Cell]:
    """The (scale, block) cells of the integration section, as the scoring core takes them."""
    out = []
    for block, scale in integ.cells():
        items = integ.cell_items(block, scale)
        out.append((scale, block, [i.id for i in items], np.array([i.reverse for i in items])))
    return out


def score_integration(dataset: Dataset) -> pd.DataFrame:
    """Company scores of every role and block: wave, company_id, block, scale, perspective,
    mean, n, sd, ci_low, ci_high, rwg, shown, source (True for the row the company's score
    is read from). Empty when nobody answered the section.

    Examples
    --------
    >>> import assessment as va
    >>> table = score_integration(va.load_dataset("data/sample"))
    >>> sorted(table["block"].unique())
    ['crm', 'motives', 'participation', 'roles', 'self_service']
    """
    integ = dataset.integration or load_integration()
    inst = dataset.instrument
    th = inst.thresholds
    resp = dataset.responses.reindex(
        columns=list(dict.fromkeys([*dataset.responses.columns, *integ.item_ids])))
    cols = ["wave", "company_id", "block", "scale", "perspective", "mean", "n", "sd", "ci_low",
            "ci_high", "rwg", "shown", "source"]
    if resp[integ.item_ids].isna().all().all():
        return pd.DataFrame(columns=cols)
    long, kept_values = respondent_scores(resp, integration_cells(integ), inst.scale.min,
                                          inst.scale.max, th.min_answered_share)
    stats = group_stats(resp, long, kept_values, inst.scale.points, th.min_group_size,
                        total_lenses={"roles", "participation"},
                        scale=(inst.scale.min, inst.scale.max))
    stats = stats.rename(columns={"discipline": "scale", "lens": "block"})
    return mark_sources(stats)[cols].reset_index(drop=True)


def mark_sources(stats: pd.DataFrame) -> pd.DataFrame:
    """Set ``source``: the row each block's company score is read from, the perspective of
    ``BLOCK_SOURCE``. Where that row is missing or hidden (everyone together is hidden
    beside a small group of customers), a block answered by everyone is read from staff,
    and any block from a workshop team's consensus record (``team``) when there is one.

    Examples
    --------
    >>> stats = pd.DataFrame({"wave": "", "company_id": "x", "block": "roles",
    ...                       "scale": "competitor", "perspective": ["all", "team"],
    ...                       "shown": [False, True]})
    >>> mark_sources(stats)["source"].tolist()  # "all" is hidden: the team's record
    [True, True]
    """
    stats = stats.copy()
    block = stats["block"].to_numpy(dtype=object)
    persp = stats["perspective"].to_numpy(dtype=object)
    source = persp == np.array([BLOCK_SOURCE.get(b) for b in block], dtype=object)
    shown = stats["shown"].to_numpy(dtype=bool)
    # one code per (wave, company, block, scale): numpy counting, no group-by per call
    code = pd.factorize(pd.Series(list(zip(
        stats["wave"].astype(str), stats["company_id"].astype(str), block,
        stats["scale"].astype(str), strict=True)), dtype=object))[0]
    for fallback, blocks in (("internal", [b for b, p in BLOCK_SOURCE.items() if p == "all"]),
                             (TEAM, list(BLOCK_SOURCE))):
        has = np.bincount(code, weights=(source & shown).astype(float),
                          minlength=code.max() + 1 if len(code) else 0)[code] > 0
        source |= ~has & (persp == fallback) & np.isin(block, blocks)
    stats["source"] = source
    return stats
