"""Scoring: respondent and company scores, intervals, agreement and reliability.

:mod:`~assessment.scoring.rules` holds each rule once, :mod:`~assessment.scoring.tables`
scores a whole dataset, :mod:`~assessment.scoring.cache` keeps scored datasets per process.
"""

from assessment.scoring.tables import Scores, score

__all__ = ["Scores", "score"]
