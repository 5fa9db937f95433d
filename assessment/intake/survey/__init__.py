"""Survey-tool exports into a dataset: :func:`import_export` reads a Qualtrics,
LimeSurvey, Microsoft Forms, Google Forms or SurveyMonkey export (or a plain table) as it
comes, maps its columns and answer labels to the instrument and appends its respondents.
"""

from assessment.intake.survey.importer import import_export
from assessment.intake.survey.report import ImportReport, SurveyImportError

__all__ = ["ImportReport", "SurveyImportError", "import_export"]
