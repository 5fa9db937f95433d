"""Customer integration: whether the way a company uses its customers as co-producers
fits its value discipline.

Scores per role and per block follow the core's rules (reverse keying, minimum answered
share, mean/n/sd/CI/r_wg, customer groups under the minimum size hidden). The company's
score of a role or block reads:

- roles and participation: everyone who answered (customers and staff: ``all``);
- motives and self-service experience: customers only (hidden below the minimum size);
- supply-chain CRM: staff.

Fit rules (``fit`` in ``instrument/customer_integration.yaml`` names the roles each
discipline needs; thresholds from the core instrument):

- the *claimed* discipline is the set-up lens's leader or dominant discipline, else the
  experience lens's;
- ``integration_fit`` (info): the mean of its needed roles is at or above par;
- ``pl_without_innovators``: product leadership claimed, its innovation roles below par;
- ``intimacy_cost_factor``: customer intimacy claimed, its relationship roles below par
  while the cost-side roles (productive resource, competitor) are at or above par;
- ``integration_roles_missing``: any other claimed discipline whose needed roles are
  below par;
- ``self_service_burden`` (critical): customers take over process steps (the mean of
  productive resource and competitor at or above par) and experience them as a burden
  (customers' self-service experience score below par).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from assessment.diagnosis.plain import plain
from assessment.instrument.integration import BLOCK_SCALES, IntegrationInstrument
from assessment.scoring.integration import TAKEOVER_ROLES

#: the codes of the customer-integration findings, in the order reports list them
INTEGRATION_CODES = ("self_service_burden", "pl_without_innovators", "intimacy_cost_factor",
                     "integration_roles_missing", "integration_fit")


@dataclass
class IntegrationResult:
    """A company's customer integration in one wave.

    Examples
    --------
    >>> r = IntegrationResult(roles={"productive_resource": 4.5, "competitor": 4.0},
    ...                       blocks={}, claimed="operational_excellence",
    ...                       needed_roles=["productive_resource", "competitor"],
    ...                       needed_score=4.25, fits=True, codes=["integration_fit"])
    >>> r.to_dict()["claimed_discipline"], r.to_dict()["finding_codes"]
    ('operational_excellence', ['integration_fit'])
    """

    roles: dict[str, float | None]
    blocks: dict[str, dict[str, float | None]]
    claimed: str | None
    needed_roles: list[str]
    needed_score: float | None
    fits: bool | None
    codes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form."""
        return plain({
            "roles": self.roles, "blocks": self.blocks, "claimed_discipline": self.claimed,
            "needed_roles": self.needed_roles, "needed_score": self.needed_score,
            "fits": self.fits, "finding_codes": self.codes,
        })


def _values(table: pd.DataFrame) -> dict[tuple[str, str], float | None]:
    """The company score of every (block, scale): the mean of its shown ``source`` row
    (None when hidden or not finite; missing when there is no such row). One pass over the
    table: the live workshop calls this after every click."""
    hit = table[table["source"].astype(bool) & table["shown"].astype(bool)]
    out: dict[tuple[str, str], float | None] = {}
    for block, scale, mean in zip(hit["block"], hit["scale"], hit["mean"], strict=True):
        if (block, scale) not in out:
            out[(block, scale)] = float(mean) if np.isfinite(mean) else None
    return out


def _mean(values: list[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return float(np.mean(vals)) if vals else None


def diagnose_integration(table: pd.DataFrame, integ: IntegrationInstrument, claimed: str | None,
                         par: float) -> tuple[IntegrationResult, list[dict[str, Any]]]:
    """The integration result of one company-wave (``table`` = its rows of
    :func:`assessment.scoring.integration.score_integration`) and its findings as
    dicts with ``code``, ``severity``, ``discipline`` and ``values``.

    Examples
    --------
    >>> import assessment as va
    >>> from assessment.instrument.integration import load_integration
    >>> from assessment.scoring.integration import score_integration
    >>> table = score_integration(va.load_dataset("data/sample"))
    >>> rows = table[(table["company_id"] == "energyco") & (table["wave"] == "2026-Q1")]
    >>> result, found = diagnose_integration(rows, load_integration(),
    ...                                      claimed="operational_excellence", par=3.0)
    >>> result.fits, [(f["code"], f["severity"]) for f in found]
    (True, [('integration_fit', 'info'), ('self_service_burden', 'critical')])
    """
    values = _values(table)
    roles = {r: values.get(("roles", r)) for r in integ.roles}
    blocks = {b: {s: values.get((b, s)) for s in scales} for b, scales in BLOCK_SCALES.items()}
    findings: list[dict[str, Any]] = []
    needed = list(integ.fit[claimed].needs) if claimed else []
    needed_score = _mean([roles[r] for r in needed]) if claimed else None
    fits = None if needed_score is None else needed_score >= par
    takeover = _mean([roles[r] for r in TAKEOVER_ROLES])
    if claimed and needed_score is not None:
        low = [r for r in needed if roles[r] is not None and roles[r] < par]
        vals = {"discipline": claimed, "score": needed_score, "par": par, "roles": low or needed}
        if fits:
            findings.append({"code": "integration_fit", "severity": "info",
                             "discipline": claimed, "values": vals | {"roles": needed}})
        elif claimed == "product_leadership":
            findings.append({"code": "pl_without_innovators", "severity": "warning",
                             "discipline": claimed, "values": vals})
        elif claimed == "customer_intimacy" and takeover is not None and takeover >= par:
            findings.append({"code": "intimacy_cost_factor", "severity": "warning",
                             "discipline": claimed,
                             "values": vals | {"takeover": takeover}})
        else:
            findings.append({"code": "integration_roles_missing", "severity": "warning",
                             "discipline": claimed, "values": vals})
    experience = blocks["self_service"]["experience"]
    if takeover is not None and experience is not None and takeover >= par and experience < par:
        findings.append({"code": "self_service_burden", "severity": "critical",
                         "discipline": "operational_excellence",
                         "values": {"experience": experience, "takeover": takeover, "par": par}})
    result = IntegrationResult(roles, blocks, claimed, needed, needed_score, fits,
                               [f["code"] for f in findings])
    return result, findings
