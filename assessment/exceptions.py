"""Structured exceptions: every problem a user can fix is reported with where and what."""

from __future__ import annotations

from dataclasses import asdict, dataclass


class AssessmentError(Exception):
    """Base class of the package's errors.

    Examples
    --------
    >>> issubclass(DatasetError, AssessmentError), issubclass(InstrumentError, AssessmentError)
    (True, True)
    """


class InstrumentError(AssessmentError):
    """The instrument YAML (or a dataset's threshold override) is invalid.

    Examples
    --------
    >>> str(InstrumentError("thresholds: 1 problem(s)"))
    'thresholds: 1 problem(s)'
    """


@dataclass(frozen=True)
class Problem:
    """One problem in a data file, located the way a spreadsheet shows it.

    ``row`` is the spreadsheet row number (the header is row 1), or None for a
    problem of the whole file; ``column`` is the column name, or None.

    Examples
    --------
    >>> p = Problem("responses.csv", 7, "oe_exp_1", "9", "a whole number from 1 to 5")
    >>> print(p)
    responses.csv, row 7, column 'oe_exp_1': got '9'; expected a whole number from 1 to 5
    >>> p.to_dict()["row"], p.severity
    (7, 'error')
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
        """Plain-JSON form.

        Examples
        --------
        >>> Problem("companies.csv", None, None, None, "a header row").to_dict()["expected"]
        'a header row'
        """
        return asdict(self)


@dataclass(frozen=True)
class Omitted(Problem):
    """Stands for ``count`` more problems of one kind that are not listed one by one (a
    wholly wrong file would list millions); ``expected`` says what they are.

    Examples
    --------
    >>> more = Omitted("responses.csv", None, None, None, "more answers outside the scale "
    ...                "(not listed)", count=52000)
    >>> DatasetError([more]).total
    52000
    """

    count: int = 0


class DatasetError(AssessmentError):
    """A dataset failed validation; ``problems`` lists every error found.

    Examples
    --------
    >>> err = DatasetError([Problem("companies.csv", 3, "name", "", "a company name")])
    >>> len(err.problems)
    1
    >>> print(err)
    1 problem(s) in the dataset:
      - companies.csv, row 3, column 'name': got ''; expected a company name
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        #: every problem found, the ones an :class:`Omitted` stands for included
        self.total = sum(p.count if isinstance(p, Omitted) else 1 for p in self.problems)
        lines = [f"{self.total} problem(s) in the dataset:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
