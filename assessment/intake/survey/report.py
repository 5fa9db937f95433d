"""What an import found and did: the format, the column mapping, what identifies a
respondent, the respondents appended, skipped and changed, and every problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from assessment.exceptions import DatasetError, Problem
from assessment.intake.survey.mapping import ColumnMatch

MAX_LISTED = 200


@dataclass
class ImportReport:
    """The outcome of :func:`~assessment.intake.survey.import_export`.

    ``columns`` says for every export column what it was read as; ``identity`` what
    identifies a respondent (the tool's response id with the form prefix, or a hash);
    ``appended`` / ``skipped`` / ``changed`` are respondent ids (``changed``: already in
    the dataset with different answers, mapped to the items that differ; the dataset's
    row is kept); ``problems`` non-empty means nothing was written.
    """

    export: Path
    dataset: Path
    format: str = "generic"
    detected: bool = False
    sheet: str | None = None
    columns: list[ColumnMatch] = field(default_factory=list)
    identity: str = ""
    form_id: str = ""
    appended: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)
    companies_added: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    dry_run: bool = False

    @property
    def items(self) -> dict[str, str]:
        """Export column header -> item id, for the columns read as answers."""
        return {c.header: c.target for c in self.columns
                if c.target is not None and c.how not in ("dataset column", "metadata")
                and c.target not in ("company_id", "respondent_id", "perspective",
                                     "department", "wave")}

    @property
    def dropped(self) -> list[str]:
        """The export columns recognised as tool metadata (or ignored) and dropped."""
        return [c.header for c in self.columns
                if c.target is None and not c.how.startswith("unmatched")]

    def lines(self) -> list[str]:
        """The report as text lines (what the command line prints).

        Examples
        --------
        >>> r = ImportReport(Path("x.csv"), Path("data/mine"), "googleforms", True)
        >>> r.lines()[0]
        'x.csv: Google Forms export (detected from its columns)'
        """
        names = {"qualtrics": "Qualtrics", "limesurvey": "LimeSurvey",
                 "msforms": "Microsoft Forms", "googleforms": "Google Forms",
                 "surveymonkey": "SurveyMonkey", "generic": "plain table"}
        how = "detected from its columns" if self.detected else "as given by --format"
        sheet = f", sheet {self.sheet!r}" if self.sheet else ""
        out = [f"{self.export.name}{sheet}: {names[self.format]} export ({how})"]
        if self.columns:
            out.append("columns:")
            width = min(48, max(len(_short(c.header)) for c in self.columns))
            for c in self.columns:
                what = c.target or ("-" if c.how.startswith("unmatched") else "dropped")
                extra = f"  closest: {', '.join(c.candidates)}" if c.candidates else ""
                out.append(f"  {_short(c.header):<{width}}  -> {what:<16} ({c.how}){extra}")
        reasons: dict[str, list[str]] = {}
        for c in self.columns:
            if c.header in self.dropped:
                reasons.setdefault(c.how, []).append(c.header)
        if reasons:
            out.append("dropped: " + "; ".join(
                f"{', '.join(cols)} ({'tool metadata' if how == 'metadata' else how})"
                for how, cols in reasons.items()))
        if self.identity:
            out.append(f"respondents identified by: {self.identity}")
        out += [f"note: {n}" for n in self.notes]
        if self.problems:
            shown = self.problems[:MAX_LISTED]
            out.append(f"{len(self.problems)} problem(s); nothing was written:")
            out += [f"  - {p}" for p in shown]
            if len(self.problems) > len(shown):
                out.append(f"  ... and {len(self.problems) - len(shown)} more")
            return out
        verb = "would append" if self.dry_run else "appended"
        out.append(f"{verb} {len(self.appended)} respondent(s); {len(self.skipped)} already "
                   "in the dataset (skipped)")
        if self.companies_added:
            out.append(f"{'would add' if self.dry_run else 'added'} to companies.csv: "
                       f"{', '.join(self.companies_added)}")
        for rid, items in self.changed.items():
            out.append(f"  changed since the last import, kept as in the dataset: {rid} "
                       f"({', '.join(items)}); delete its row there and import again to "
                       "take the new answers")
        if self.dry_run:
            out.append("dry run: nothing was written")
        else:
            out += [f"wrote {p}" for p in self.written]
        return out


def _short(text: str, n: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


class SurveyImportError(DatasetError):
    """An export that cannot be imported: every problem at once, and the import's
    :class:`ImportReport` (its mapping table) as ``report``; nothing was written.

    Examples
    --------
    >>> err = SurveyImportError(ImportReport(Path("x.csv"), Path("d"),
    ...                         problems=[Problem("x.csv", 2, "Q1", "Maybe", "a label")]))
    >>> len(err.problems), err.report.export.name
    (1, 'x.csv')
    """

    def __init__(self, report: ImportReport) -> None:
        super().__init__(report.problems)
        self.report = report
