"""The report's Jinja2 environment: templates in ``assessment/present/templates/report``,
autoescaping on, and the number formats as filters.

Every text that enters the page (company, department and industry names, wave labels,
item texts, the report's own texts) is escaped by Jinja2's autoescaping; no section writes
HTML itself.

>>> render_string("{{ name }}: {{ value|num }} {{ share|num('.0%') }}",
...               name="<b>A & B</b>", value=3.14159, share=0.5)
'&lt;b&gt;A &amp; B&lt;/b&gt;: 3.14 50%'
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from assessment.diagnosis.findings import Finding
from assessment.present import numbers
from assessment.present.labels import label

MISSING = numbers.MISSING  # what a missing number shows
#: the language of the report being rendered (set by :func:`render`, :func:`language`)
_LANG: ContextVar[str] = ContextVar("report_lang", default="en")


@contextmanager
def language(lang: str) -> Iterator[None]:
    """Numbers formatted inside the block are in ``lang`` unless a call names another.

    >>> with language("de"):
    ...     num(3.456)
    '3,46'
    """
    token = _LANG.set(lang)
    try:
        yield
    finally:
        _LANG.reset(token)


def num(value: object, spec: str = ".2f", lang: str | None = None) -> str:
    """A number formatted with ``spec`` in ``lang`` (default: the report being rendered,
    see :func:`language`) by :func:`assessment.present.numbers.num`; "–" when it is
    missing, NaN or not a number.

    >>> num(0.1234, "+.2f"), num(float("nan")), num(None), num(0.875, ".0%")
    ('+0.12', '–', '–', '88%')
    >>> num(3.456, lang="nl")
    '3,46'
    """
    return numbers.num(value, spec, lang or _LANG.get())


def num_range(pair: tuple[object, object], spec: str = ".2f", lang: str | None = None) -> str:
    """``low – high`` of a pair of numbers; "–" when the low end is missing.

    >>> num_range((2.5, 3.75)), num_range((float("nan"), 3.0)), num_range((1, 2), lang="de")
    ('2.50 – 3.75', '–', '1,00 – 2,00')
    """
    return numbers.num_range(pair, spec, lang or _LANG.get())


def cell(value: object, kind: str = "text") -> str:
    """A table cell: ``text`` as it is, ``int`` as a whole number, ``range`` as
    :func:`num_range`, any other ``kind`` a format spec for :func:`num`.

    >>> cell("x"), cell(4.0, "int"), cell(3.14159, ".1f"), cell((1, 2), "range")
    ('x', '4', '3.1', '1.00 – 2.00')
    """
    if kind == "text":
        return "" if value is None else str(value)
    if kind == "int":
        return num(value, ".0f")
    if kind == "range":
        return num_range(value)  # type: ignore[arg-type]
    return num(value, kind)


@dataclass
class Column:
    """A column of a display table: its heading, its values and how they are shown
    (``kind`` of :func:`cell`).

    >>> Column("Mean", [3.0], ".2f").cells()
    ['3.00']
    """

    heading: str
    values: list[Any] = field(default_factory=list)
    kind: str = "text"

    def cells(self) -> list[str]:
        """The values as the table shows them.

        Examples
        --------
        >>> Column("Range", [(2.5, 3.0), (float("nan"), 1.0)], "range").cells()
        ['2.50 – 3.00', '–']
        """
        return [cell(v, self.kind) for v in self.values]


def table_rows(columns: list[Column]) -> list[list[str]]:
    """The rows of a display table of ``columns`` as text (what the page shows).

    >>> table_rows([Column("a", ["x", "y"]), Column("b", [1, 2], "int")])
    [['x', '1'], ['y', '2']]
    """
    cells = [c.cells() for c in columns]
    return [list(row) for row in zip(*cells, strict=True)] if cells else []


def finding_item(finding: Finding, text: str, action: str | None = None,
                 lang: str = "en") -> dict[str, str | None]:
    """A finding as a list entry shows it: severity (``critical``, ``warning``, ``info``)
    with its word, title, text and the action (None: not shown) after "What to do".

    >>> from assessment.diagnosis.findings import Finding
    >>> item = finding_item(Finding("leader", "info"), "text", None, "de")
    >>> item["severity_label"], item["title"]
    ('Hinweis', 'Klare Wertdisziplin')
    """
    sev = finding.severity if finding.severity in ("critical", "warning", "info") else "info"
    return {"severity": sev, "severity_label": label("severity_" + sev, lang),
            "title": finding.title(lang), "text": text, "action": action,
            "what_to_do": label("what_to_do", lang), "basis": sureness(finding, lang)}


def sureness(finding: Finding, lang: str = "en") -> str | None:
    """How sure a finding is, in words: the share of resamples that reproduce it and the
    95% interval of the difference behind it (None for a finding that was not resampled).

    >>> from assessment.diagnosis.findings import Finding
    >>> sureness(Finding("unbacked_promise", "warning", confidence=0.97,
    ...                  interval=(0.62, 1.81)))
    'Reproduced by 97% of resamples. 95% interval of the difference 0.62 to 1.81.'
    """
    if finding.confidence is None:
        return None
    out = label("resampled", lang, share=finding.confidence)
    if finding.interval is not None:
        out += " " + label("difference_interval", lang, low=finding.interval[0],
                           high=finding.interval[1])
    return out


ENV = Environment(loader=PackageLoader("assessment.present", "templates"), autoescape=True,
                  trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
ENV.filters.update(num=num, num_range=num_range, cell=cell)
ENV.globals.update(table_rows=table_rows)


def render(template: str, lang: str = "en", /, **context: Any) -> str:
    """The report template ``report/<template>.html.j2`` rendered with ``context``, its
    numbers in ``lang``.

    >>> html = render("notes", "en", name="profile", heading="A & B", notes=["<none>"])
    >>> "<h2>A &amp; B</h2>" in html and '<p class="va-note">&lt;none&gt;</p>' in html
    True
    """
    with language(lang):
        return ENV.get_template(f"report/{template}.html.j2").render(**context).strip()


def render_string(source: str, **context: Any) -> str:
    """A template given as text, in the report's environment (escaping, filters).

    Parameters
    ----------
    source : str
        The template's text (Jinja2 syntax).
    **context
        The template's variables.

    Returns
    -------
    str
        The rendered text, every variable escaped.

    Examples
    --------
    >>> render_string("{{ pair|num_range }} {{ v|cell('int') }}", pair=(1, 2), v=3.7)
    '1.00 – 2.00 4'
    """
    return ENV.from_string(source).render(**context)
