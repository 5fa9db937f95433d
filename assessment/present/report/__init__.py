"""The per-company report: :mod:`~assessment.present.report.core` (``build_report``,
``Report``), one module per section (a data function and a Jinja2 template each), the
shared data of a report (:mod:`~assessment.present.report.base`) and the report's Jinja2
environment (:mod:`~assessment.present.report.render`)."""
