"""The report notebook: where it is, whether papermill can run it, and what shapes a report.

The notebook ships inside the package (``assessment/notebooks/report.ipynb``), so an
installed package can make reports without the repository. A source checkout also has
``notebooks/report.ipynb``, the copy users open in JupyterLab; a test keeps the two equal,
and the batch prefers the checkout's (so an edit there shows in the next batch).

A report depends on its dataset's files, the notebook, the package files the notebook
calls (:func:`package_inputs`) and the batch's settings; :func:`inputs_digest` is the
hash of all of them that the batch records beside each report and compares on the next run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from assessment.exceptions import AssessmentError

PACKAGE_DIR = Path(__file__).resolve().parents[1]
#: the report notebook inside the installed package
PACKAGED_NOTEBOOK = PACKAGE_DIR / "notebooks" / "report.ipynb"
#: the report notebook of a source checkout (beside the package folder)
CHECKOUT_NOTEBOOK = PACKAGE_DIR.parent / "notebooks" / "report.ipynb"

# Package files whose change does not change a report: the batch's own code (except the
# export and its template), the command line, the workshop, the portfolio page's code and
# texts, the PowerPoint deck's code and texts (a deck is rebuilt in every --pptx run).
# Paths relative to the package folder.
_NOT_REPORT_INPUTS = {"cli.py", "__main__.py", "present/portfolio.py",
                      "present/figures/portfolio.py",
                      "instrument/index_texts.yaml", "instrument/workshop_texts.yaml",
                      "instrument/questionnaire_texts.yaml", "instrument/deck_texts.yaml"}
#: package folders no report reads (the workshop, the portfolio page, the questionnaire,
#: the deck)
_NOT_REPORT_FOLDERS = ("workshop/", "present/templates/portfolio/", "present/questionnaire/",
                       "present/templates/questionnaire/", "present/deck/")
_REPORT_SUFFIXES = (".py", ".yaml", ".j2", ".json")


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


def _is_report_input(path: Path) -> bool:
    rel = path.relative_to(PACKAGE_DIR).as_posix()
    if path.suffix not in _REPORT_SUFFIXES or "__pycache__" in rel:
        return False
    if rel.startswith("run/"):
        return rel == "run/export.py" or rel.startswith("run/templates/")
    return not rel.startswith(_NOT_REPORT_FOLDERS) and rel not in _NOT_REPORT_INPUTS


def package_inputs() -> list[Path]:
    """The package files a report depends on (code, instrument, texts, the export's
    template), not the batch's own code, the command line or the workshop.

    Examples
    --------
    >>> names = {p.relative_to(PACKAGE_DIR).as_posix() for p in package_inputs()}
    >>> {"scoring/rules.py", "run/export.py"} <= names, "run/batch.py" in names
    (True, False)
    >>> any(name.startswith(("workshop/", "present/questionnaire/")) for name in names)
    False
    """
    return [p for p in sorted(PACKAGE_DIR.rglob("*")) if p.is_file() and _is_report_input(p)]


def inputs_digest(paths: Iterable[Path], settings: dict[str, Any]) -> str:
    """A SHA-256 of the files' paths and contents and of the settings (by content, not
    modification time: a file copied with an older time but new content changes it).

    A missing or unreadable file counts as missing; ``settings`` are plain JSON values.

    Parameters
    ----------
    paths : iterable of Path
        The files a report depends on, in a fixed order.
    settings : dict
        The batch's settings that change a report (language, items shown, ...).

    Returns
    -------
    str
        64 hexadecimal digits.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = f.write_text("x")
    >>> first = inputs_digest([f], {"lang": "en"})
    >>> first == inputs_digest([f], {"lang": "en"}), first == inputs_digest([f], {"lang": "de"})
    (True, False)
    >>> _ = f.write_text("y")
    >>> first == inputs_digest([f], {"lang": "en"})
    False
    """
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in paths:
        digest.update(b"\0" + str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            with open(path, "rb") as fh:
                digest.update(hashlib.file_digest(fh, "sha256").digest())
        except OSError:  # missing or unreadable (the dataset's check says which)
            digest.update(b"missing")
    return digest.hexdigest()
