"""A pytest plugin that makes ``assessment`` papermill's default engine.

``pytest -p tests.papermill_default_engine --pyargs papermill.tests.test_execute`` runs
papermill's own tests with the package's engine wherever they do not name one, through
papermill's public engine registry.
"""

from papermill.engines import papermill_engines

from assessment.run.engine import AssessmentEngine

papermill_engines.register(None, AssessmentEngine)
