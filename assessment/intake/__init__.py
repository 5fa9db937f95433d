"""Intake: reading a dataset's files and validating them, every problem located as a
spreadsheet shows it (file, row, column, value, what was expected)."""
