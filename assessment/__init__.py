"""Value-discipline assessment workbook.

Rate companies on operational excellence, customer intimacy and product leadership,
through two lenses: how customers *experience* the offer and how the company is *set up*.

    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> diagnoses = va.diagnose(scores)

The names below are imported on first use: ``import assessment.run.engine`` (which papermill
loads whenever it is imported, through its engine entry point) must not pay for pandas
and pydantic.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from assessment.diagnosis.diagnose import diagnose
    from assessment.diagnosis.findings import Diagnosis, Finding, LensResult
    from assessment.exceptions import AssessmentError, DatasetError, InstrumentError, Problem
    from assessment.instrument.models import DISCIPLINES, LANGS, LENSES, Instrument, load_instrument
    from assessment.intake.dataset import Dataset, load_dataset
    from assessment.intake.survey import ImportReport, SurveyImportError, import_export
    from assessment.present.figures import Chart
    from assessment.present.questionnaire import write_questionnaire
    from assessment.present.report.core import Report, build_report
    from assessment.present.summary import build_summary, write_outputs
    from assessment.scoring.tables import Scores, score

__version__ = "0.1.0"

_EXPORTS = {
    "DISCIPLINES": "instrument.models",
    "LANGS": "instrument.models",
    "LENSES": "instrument.models",
    "AssessmentError": "exceptions",
    "Chart": "present.figures",
    "Dataset": "intake.dataset",
    "DatasetError": "exceptions",
    "Diagnosis": "diagnosis.findings",
    "Finding": "diagnosis.findings",
    "ImportReport": "intake.survey",
    "Instrument": "instrument.models",
    "InstrumentError": "exceptions",
    "LensResult": "diagnosis.findings",
    "Problem": "exceptions",
    "Report": "present.report.core",
    "Scores": "scoring.tables",
    "SurveyImportError": "intake.survey",
    "build_report": "present.report.core",
    "build_summary": "present.summary",
    "diagnose": "diagnosis.diagnose",
    "import_export": "intake.survey",
    "load_dataset": "intake.dataset",
    "load_instrument": "instrument.models",
    "score": "scoring.tables",
    "write_outputs": "present.summary",
    "write_questionnaire": "present.questionnaire",
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
    "ImportReport",
    "Instrument",
    "InstrumentError",
    "LensResult",
    "Problem",
    "Report",
    "Scores",
    "SurveyImportError",
    "build_report",
    "build_summary",
    "diagnose",
    "import_export",
    "load_dataset",
    "load_instrument",
    "score",
    "write_outputs",
    "write_questionnaire",
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
