"""Value-discipline assessment workbook.

Rate companies on operational excellence, customer intimacy and product leadership,
through two lenses: how customers *experience* the offer and how the company is *set up*.

    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> diagnoses = va.diagnose(scores)

The names below are imported on first use: ``import assessment.engine`` (which papermill
loads whenever it is imported, through its engine entry point) must not pay for pandas
and pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .charts import Chart
    from .diagnosis import Diagnosis, Finding, LensResult, diagnose
    from .exceptions import AssessmentError, DatasetError, InstrumentError, Problem
    from .instrument import DISCIPLINES, LANGS, LENSES, Instrument, load_instrument
    from .io import Dataset, load_dataset
    from .report import Report, build_report
    from .scoring import Scores, score
    from .summary import build_summary, write_outputs

__version__ = "0.1.0"

_EXPORTS = {
    "DISCIPLINES": "instrument",
    "LANGS": "instrument",
    "LENSES": "instrument",
    "AssessmentError": "exceptions",
    "Chart": "charts",
    "Dataset": "io",
    "DatasetError": "exceptions",
    "Diagnosis": "diagnosis",
    "Finding": "diagnosis",
    "Instrument": "instrument",
    "InstrumentError": "exceptions",
    "LensResult": "diagnosis",
    "Problem": "exceptions",
    "Report": "report",
    "Scores": "scoring",
    "build_report": "report",
    "build_summary": "summary",
    "diagnose": "diagnosis",
    "load_dataset": "io",
    "load_instrument": "instrument",
    "score": "scoring",
    "write_outputs": "summary",
}

__all__ = [
    "DISCIPLINES",
    "LANGS",
    "LENSES",
    "AssessmentError",
    "Chart",
    "Dataset",
    "DatasetError",
    "Diagnosis",
    "Finding",
    "Instrument",
    "InstrumentError",
    "LensResult",
    "Problem",
    "Report",
    "Scores",
    "build_report",
    "build_summary",
    "diagnose",
    "load_dataset",
    "load_instrument",
    "score",
    "write_outputs",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
