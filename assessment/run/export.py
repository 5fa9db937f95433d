"""An executed report notebook as an HTML page without code, through nbconvert's public API.

nbconvert's ``HTMLExporter`` with the template shipped in this package
(``templates/assessment_report``, found through ``extra_template_basedirs`` and
``template_name``): JupyterLab's page without the scripts it loads from CDNs (require.js,
MathJax, Mermaid, the widget manager), with plotly.js in the head instead. Code cells'
inputs and prompts are left out by the exporter's ``exclude_*`` options, setup cells by
nbconvert's ``TagRemovePreprocessor``.

One exporter per thread and language is made and kept (its template compiled once).
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

from assessment.present.brand import Brand, load_brand
from assessment.present.figures import plotly_head
from assessment.run.jobs import REMOVE_CELL_TAGS

#: the folder of this package's nbconvert templates (``extra_template_basedirs``)
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: the report page's template (a folder of :data:`TEMPLATES`; it extends ``lab``)
TEMPLATE_NAME = "assessment_report"

_local = threading.local()


def exporter(lang: str = "en") -> Any:
    """This thread's HTML exporter for pages in ``lang`` (made once per thread).

    Parameters
    ----------
    lang : str
        The page's ``lang`` attribute (``en``, ``de`` or ``nl``).

    Returns
    -------
    nbconvert.HTMLExporter
        Configured with the package's template and the exclude options.

    Examples
    --------
    >>> exporter("de").template_name
    'assessment_report'
    >>> exporter("de") is exporter("de")
    True
    """
    cache = getattr(_local, "exporters", None)
    if cache is None:
        cache = _local.exporters = {}
    if lang not in cache:
        from nbconvert import HTMLExporter
        from nbconvert.preprocessors import TagRemovePreprocessor

        made = HTMLExporter(
            extra_template_basedirs=[str(TEMPLATES)],
            template_name=TEMPLATE_NAME,
            exclude_input=True,
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            language_code=lang,
            optimistic_validation=True,  # validate once, not after each preprocessor
        )
        made.register_preprocessor(
            TagRemovePreprocessor(remove_cell_tags=set(REMOVE_CELL_TAGS), enabled=True), True)
        cache[lang] = made
    return cache[lang]


def brand_resources(brand: Brand | None) -> dict[str, str]:
    """What the page template shows of a brand: the consultancy's name, the logo as a
    ``data:`` URI ("" without one) and the two accent colours (plain values the workers
    can pickle; the template escapes them).

    Examples
    --------
    >>> from assessment.present.brand import load_brand
    >>> brand_resources(load_brand())["accent"], brand_resources(None)
    ('#1F3A5F', {})
    """
    if brand is None:
        return {}
    return {"consultancy": brand.consultancy, "logo": brand.logo_data_uri() or "",
            "accent": brand.accent, "accent_secondary": brand.accent_secondary}


def export_html(nb: Any, title: str, lang: str = "en", self_contained: bool = False,
                brand: dict[str, str] | None = None) -> str:
    """The executed notebook ``nb`` as an HTML page without code.

    The ``--no-input`` equivalent: cells tagged ``remove-cell`` (and papermill's parameter
    cells) dropped, plotly.js referenced (``plotly.min.js`` beside the page) or inlined.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed notebook (not changed).
    title : str
        The page's title (untrusted text: the template escapes it).
    lang : str
        The page's language.
    self_contained : bool
        Inline plotly.js instead of referring to the shared copy.
    brand : dict, optional
        :func:`brand_resources` of the brand: a bar with the logo and the consultancy's
        name, the accent colours (the default brand when None).

    Returns
    -------
    str
        The whole page.

    Examples
    --------
    >>> from nbformat.v4 import new_markdown_cell, new_notebook
    >>> page = export_html(new_notebook(cells=[new_markdown_cell("# Hello")]), "<b>x</b>")
    >>> "<title>&lt;b&gt;x&lt;/b&gt;</title>" in page, 'src="plotly.min.js"' in page
    (True, True)
    >>> "require.js" in page or "mathjax" in page.lower()
    False
    >>> "--va-accent: #1F3A5F" in page and '<header class="va-brand-bar">' in page
    True
    """
    if brand is None:
        brand = brand_resources(load_brand())
    resources = {"metadata": {"name": title}, "assessment_head_js": plotly_head(self_contained),
                 "assessment_brand": brand}
    html, _ = exporter(lang).from_notebook_node(_export_copy(nb), resources=resources)
    return html


def warm_exporter(lang: str, self_contained: bool) -> None:
    """Make this thread's exporter and compile its templates (an empty page), so that the
    first report's export is as quick as the others.

    Examples
    --------
    >>> warm_exporter("en", False)
    """
    from nbformat.v4 import new_notebook

    export_html(new_notebook(), "", lang, self_contained)


def _export_copy(nb: Any) -> Any:
    """What the export reads of ``nb``: the cells it keeps (not tagged ``remove-cell`` and
    the like), each output's data without the types the page never shows (the plotly
    JSON bundle beside its HTML). The exporter deep-copies what it gets: less to copy."""
    from nbformat import NotebookNode

    shown = set(_display_priority())
    removed = set(REMOVE_CELL_TAGS)
    cells = []
    for cell in nb.cells:
        if set(cell.get("metadata", {}).get("tags", [])) & removed:
            continue
        outputs = cell.get("outputs")
        if outputs:
            slim = []
            for out in outputs:
                data = out.get("data")
                if data and set(data) - shown and set(data) & shown:
                    out = NotebookNode({**out, "data": NotebookNode(
                        {k: v for k, v in data.items() if k in shown})})
                slim.append(out)
            cell = NotebookNode({**cell, "outputs": slim})
        cells.append(cell)
    return NotebookNode({**nb, "cells": cells})


@lru_cache(maxsize=1)
def _display_priority() -> tuple[str, ...]:
    """The output types an HTML export can show (nbconvert's ``display_data_priority``)."""
    from nbconvert import HTMLExporter

    return tuple(HTMLExporter().default_config.NbConvertBase.display_data_priority)
