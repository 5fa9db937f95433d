"""Synthetic portfolios for the portfolio page's tests: many companies without scoring them.

Each synthetic company copies one sample company's diagnosis (its verdicts, findings and
evidence) under a new id and name, with its scores moved by a small, seeded amount, and
the dataset's company table gets a row (with an industry) for each.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from assessment.diagnosis.findings import Diagnosis
from assessment.intake.dataset import Dataset

INDUSTRIES = ("Retail", "Airlines", "Banking", "Utilities", "Machinery", "Logistics")


def synthetic_portfolio(dataset: Dataset, diagnoses: dict[str, Diagnosis], n: int,
                        jitter: float = 0.3, seed: int = 7
                        ) -> tuple[Dataset, dict[str, Diagnosis]]:
    """``n`` companies made from the sample's diagnoses in turn (see the module)."""
    rng = np.random.default_rng(seed)
    bases = list(diagnoses.values())
    out: dict[str, Diagnosis] = {}
    rows = []
    for i in range(n):
        base = bases[i % len(bases)]
        cid = f"c{i:04d}"
        lenses = {}
        for lens, res in base.lenses.items():
            scores = {d: float(np.clip(v + rng.uniform(-jitter, jitter), 1, 5))
                      for d, v in res.scores.items()}
            lenses[lens] = dataclasses.replace(res, scores=scores)
        out[cid] = dataclasses.replace(base, company_id=cid, lenses=lenses,
                                       name=f"{base.name} {i:04d}")
        rows.append({"company_id": cid, "name": out[cid].name,
                     "industry": INDUSTRIES[i % len(INDUSTRIES)]})
    return dataclasses.replace(dataset, companies=pd.DataFrame(rows)), out


def near_twins(diagnoses: dict[str, Diagnosis], source: str, k: int,
               spread: float = 0.02) -> dict[str, Diagnosis]:
    """The sample plus ``k`` companies whose profiles are nearly the same as ``source``'s
    (scores moved by at most ``spread``): their points in the triangle nearly coincide."""
    rng = np.random.default_rng(3)
    base = diagnoses[source]
    out = dict(diagnoses)
    for i in range(k):
        lenses = {lens: dataclasses.replace(res, scores={
                      d: v + rng.uniform(-spread, spread) for d, v in res.scores.items()})
                  for lens, res in base.lenses.items()}
        out[f"twin{i}"] = dataclasses.replace(base, company_id=f"twin{i}",
                                              name=f"Twin company {i + 1}", lenses=lenses)
    return out
