"""The report notebook: where it is, and whether papermill can run it.

The notebook ships inside the package (``assessment/notebooks/report.ipynb``), so an
installed package can make reports without the repository. A source checkout also has
``notebooks/report.ipynb``, the copy users open in JupyterLab; a test keeps the two equal,
and the batch prefers the checkout's (so an edit there shows in the next batch).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from assessment.exceptions import AssessmentError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: the report notebook inside the installed package
PACKAGED_NOTEBOOK = PACKAGE_DIR / "notebooks" / "report.ipynb"
#: the report notebook of a source checkout (beside the package folder)
CHECKOUT_NOTEBOOK = PACKAGE_DIR.parent / "notebooks" / "report.ipynb"


def default_notebook() -> Path:
    """The report notebook the batch runs when none is given.

    ``notebooks/report.ipynb`` of the source checkout when the package runs from one,
    else the copy inside the package.

    Returns
    -------
    Path
        An existing notebook file.

    Examples
    --------
    >>> default_notebook().name
    'report.ipynb'
    """
    for candidate in (CHECKOUT_NOTEBOOK, PACKAGED_NOTEBOOK):
        if candidate.is_file():
            return candidate
    raise AssessmentError("no report notebook found (notebooks/report.ipynb); pass --notebook")


def check_notebook(path: Path) -> dict[str, Any]:
    """Refuse a report notebook that papermill cannot parameterize (before any work).

    Read as plain JSON: importing nbformat costs seconds (jsonschema's format checkers),
    and the kernels can start meanwhile.

    Parameters
    ----------
    path : Path
        The notebook file.

    Returns
    -------
    dict
        The notebook's JSON.

    Examples
    --------
    >>> sorted(check_notebook(default_notebook()))
    ['cells', 'metadata', 'nbformat', 'nbformat_minor']
    """
    if not path.is_file():
        raise AssessmentError(f"report notebook not found: {path}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if "worksheets" in nb:  # nbformat 3: let nbformat convert it
            import nbformat

            nb = nbformat.read(path, as_version=4)
        cells = list(nb["cells"])
        tags = [c.get("metadata", {}).get("tags", []) for c in cells]
    except Exception as exc:
        raise AssessmentError(f"{path}: not a readable notebook ({exc})") from exc
    if not any("parameters" in t for t in tags if isinstance(t, list)):
        raise AssessmentError(f"{path}: no cell is tagged 'parameters' (papermill puts the "
                              "dataset, company_id, lang, show_items and wave after it)")
    return nb


def kernel_name(nb: dict[str, Any]) -> str:
    """The kernel a notebook asks for (``python3`` when it names none).

    Examples
    --------
    >>> kernel_name({"metadata": {}})
    'python3'
    """
    return (nb.get("metadata", {}).get("kernelspec") or {}).get("name") or "python3"
