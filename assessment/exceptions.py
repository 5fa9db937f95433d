"""Structured exceptions: every problem a user can fix is reported with where and what."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class AssessmentError(Exception):
    """Base class of the package's errors."""


class InstrumentError(AssessmentError):
    """The instrument YAML (or a dataset's threshold override) is invalid."""


@dataclass(frozen=True)
class Problem:
    """One problem in a data file, located the way a spreadsheet shows it.

    ``row`` is the spreadsheet row number (the header is row 1), or None for a
    problem of the whole file; ``column`` is the column name, or None.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column is not None:
            where += f", column {self.column!r}"
        got = "" if self.value is None else f": got {self.value!r}"
        return f"{where}{got}; expected {self.expected}"

    def to_dict(self) -> dict:
        """Plain-JSON form."""
        return asdict(self)


class DatasetError(AssessmentError):
    """A dataset failed validation; ``problems`` lists every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) in the dataset:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
