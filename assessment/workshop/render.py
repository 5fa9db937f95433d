"""The workshop's HTML parts, from Jinja2 templates with autoescape
(``assessment/workshop/templates``): names, notes and texts from data files stay text."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

__all__ = ["render", "line"]

_ENV = Environment(loader=PackageLoader("assessment.workshop", "templates"), autoescape=True,
                   trim_blocks=True, lstrip_blocks=True)


def render(name: str, **context: Any) -> Markup:
    """The template ``name`` filled with ``context`` (escaped unless given as ``Markup``).

    Examples
    --------
    >>> render("moves.html.j2", empty="<nothing> to move")
    Markup('<p>&lt;nothing&gt; to move</p>')
    """
    return Markup(_ENV.get_template(name).render(**context))


def line(*lines: str, cls: str = "") -> Markup:
    """Lines of plain text as HTML (joined by ``<br>``), in a ``span`` of class ``cls``.

    Examples
    --------
    >>> line("Saved <now>", cls="ws-error")
    Markup('<span class="ws-error">Saved &lt;now&gt;</span>')
    """
    return render("line.html.j2", lines=lines, cls=cls)
