"""Value-discipline assessment workbook.

Rate companies on operational excellence, customer intimacy and product leadership,
through two lenses: how customers *experience* the offer and how the company is *set up*.

    >>> import assessment as va
    >>> ds = va.load_dataset("data/sample")
    >>> scores = va.score(ds)
    >>> diagnoses = va.diagnose(scores)
"""

from .diagnosis import Diagnosis, Finding, LensResult, diagnose
from .exceptions import AssessmentError, DatasetError, InstrumentError, Problem
from .instrument import DISCIPLINES, LANGS, LENSES, Instrument, load_instrument
from .io import Dataset, load_dataset
from .scoring import Scores, score
from .summary import build_summary, write_outputs

__version__ = "0.1.0"

__all__ = [
    "DISCIPLINES",
    "LANGS",
    "LENSES",
    "AssessmentError",
    "Dataset",
    "DatasetError",
    "Diagnosis",
    "Finding",
    "Instrument",
    "InstrumentError",
    "LensResult",
    "Problem",
    "Scores",
    "build_summary",
    "diagnose",
    "load_dataset",
    "load_instrument",
    "score",
    "write_outputs",
]
