"""Running reports: the batch over a dataset and the warm-kernel papermill engine.

Kept free of imports: papermill imports :mod:`assessment.run.engine` through its entry
point whenever papermill itself is imported.
"""
