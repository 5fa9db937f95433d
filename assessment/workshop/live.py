"""What the workshop shows after a change: the session scored and diagnosed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assessment.diagnosis.diagnose import diagnose
from assessment.diagnosis.findings import Diagnosis
from assessment.instrument.models import DISCIPLINES, LENSES
from assessment.intake.dataset import Dataset
from assessment.scoring.live import score_company
from assessment.scoring.tables import Scores

__all__ = ["LiveResult", "live_result"]


@dataclass
class LiveResult:
    """Scores, diagnosis and the profile as plain dicts.

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> r = ds.responses
    >>> ds.responses = r[(r.company_id == "pcmaker") & (r.wave == "2026-Q1")]
    >>> res = live_result(ds, "pcmaker", "2026-Q1")
    >>> round(res.means["setup"]["operational_excellence"], 2)
    4.6
    >>> round(res.lens_gaps["customer_intimacy"], 2)
    1.41
    """

    scores: Scores
    diagnosis: Diagnosis
    means: dict[str, dict[str, float]]  # lens -> discipline -> mean (NaN = not enough answers)
    source: str | None

    @property
    def lens_gaps(self) -> dict[str, float | None]:
        """Experience minus set-up per discipline (None without both)."""
        return self.diagnosis.lens_gaps


def live_result(ds: Dataset, company_id: str, wave: str, memo: dict | None = None
                ) -> LiveResult:
    """Score (:func:`assessment.scoring.live.score_company`) and diagnose an in-memory
    dataset of one company in one wave. ``memo``: kept by the caller between calls, so a
    section of the scores whose inputs did not change is reused (see ``score_company``).

    Examples
    --------
    >>> from assessment.intake.dataset import load_dataset
    >>> ds = load_dataset("data/sample")
    >>> r = ds.responses
    >>> ds.responses = r[(r.company_id == "pcmaker") & (r.wave == "2026-Q1")]
    >>> live_result(ds, "pcmaker", "2026-Q1").source
    'outside_in'
    """
    scores = score_company(ds, memo)
    diag = diagnose(scores, [company_id], wave=wave)[company_id]
    means = {lens: {d: float(diag.lenses[lens].scores.get(d, np.nan)) for d in DISCIPLINES}
             for lens in LENSES}
    return LiveResult(scores, diag, means, diag.experience_source)
