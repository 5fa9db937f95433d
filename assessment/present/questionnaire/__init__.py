"""The questionnaire out to survey tools, a fill-in template and a printable form.

:func:`write_questionnaire` writes the questions one perspective answers, in one language,
as a survey tool imports them (LimeSurvey, Qualtrics), as a set-up sheet to paste from
(Microsoft Forms, Google Forms, SurveyMonkey), as an xlsx template for answers collected
offline, or as a printable HTML form. Every file names each item by its survey-tool code
(:func:`assessment.instrument.codes.tool_code`) or by its id, so the tools' exports map
back to the items.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from assessment.exceptions import AssessmentError
from assessment.files import atomic_write_bytes
from assessment.instrument.integration import load_integration
from assessment.instrument.models import (
    INSTRUMENT_VERSIONS,
    Instrument,
    load_instrument,
)
from assessment.instrument.texts import LANGS
from assessment.present.questionnaire.content import (
    PERSPECTIVES,
    Part,
    Question,
    Questionnaire,
    build_questionnaire,
)
from assessment.present.questionnaire.tools import limesurvey_tsv, qualtrics_txt, setup_sheet

__all__ = ["FORMATS", "PERSPECTIVES", "Part", "Question", "Questionnaire",
           "build_questionnaire", "questionnaire_file", "write_questionnaire"]

_BOM = b"\xef\xbb\xbf"


def _text(render: Callable[[Questionnaire], str], bom: bool = False
          ) -> Callable[[Questionnaire, Instrument], bytes]:
    return lambda q, inst: (_BOM if bom else b"") + render(q).encode("utf-8")


def _template(q: Questionnaire, inst: Instrument) -> bytes:
    # imported when used: openpyxl takes a fifth of a second to import, which every
    # command line run would pay (the command line knows the formats from this module)
    from assessment.present.questionnaire.sheet import template_xlsx

    return template_xlsx(q)


def _form(q: Questionnaire, inst: Instrument) -> bytes:
    from assessment.present.questionnaire.page import form_html

    return form_html(q, f"{inst.title.get(q.lang)} · {inst.version}").encode("utf-8")


#: every format: its file name ending and how its bytes are made
FORMATS: dict[str, tuple[str, Callable[[Questionnaire, Instrument], bytes]]] = {
    "limesurvey": ("limesurvey.txt", _text(limesurvey_tsv, bom=True)),
    "qualtrics": ("qualtrics.txt", _text(qualtrics_txt)),
    "msforms": ("msforms.txt", _text(lambda q: setup_sheet(q, "msforms"))),
    "googleforms": ("googleforms.txt", _text(lambda q: setup_sheet(q, "googleforms"))),
    "surveymonkey": ("surveymonkey.txt", _text(lambda q: setup_sheet(q, "surveymonkey"))),
    "xlsx": ("template.xlsx", _template),
    "html": ("form.html", _form),
}


def _instrument(instrument: str | Path | Instrument | None) -> Instrument:
    if instrument is None or isinstance(instrument, Instrument):
        return instrument or load_instrument()
    if str(instrument) in INSTRUMENT_VERSIONS:
        return load_instrument(version=str(instrument))
    return load_instrument(instrument)


def questionnaire_file(perspective: str, lang: str = "en", fmt: str = "html",
                       instrument: str | Path | Instrument | None = None,
                       integration: bool = False) -> bytes:
    """The questionnaire file's bytes (see :func:`write_questionnaire`).

    Examples
    --------
    >>> data = questionnaire_file("customer", "en", "limesurvey")
    >>> data[:3] == b"\\xef\\xbb\\xbf", b"\\toeexp1\\t" in data
    (True, True)
    """
    if fmt not in FORMATS:
        raise AssessmentError(f"unknown questionnaire format {fmt!r}; expected one of "
                              f"{', '.join(FORMATS)}")
    if perspective not in PERSPECTIVES:
        raise AssessmentError(f"unknown perspective {perspective!r}; expected one of "
                              f"{', '.join(PERSPECTIVES)}")
    if lang not in LANGS:
        raise AssessmentError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    inst = _instrument(instrument)
    integ = None
    if integration:
        integ = load_integration(
            version=inst.version if inst.version in INSTRUMENT_VERSIONS else None)
    try:
        return FORMATS[fmt][1](build_questionnaire(perspective, lang, inst, integ), inst)
    except ValueError as exc:  # codes a tool refuses
        raise AssessmentError(f"{fmt}: {exc}") from exc


def write_questionnaire(perspective: str, lang: str = "en", fmt: str = "html",
                        out: str | Path | None = None,
                        instrument: str | Path | Instrument | None = None,
                        integration: bool = False, overwrite: bool = False) -> Path:
    """Write the questionnaire ``perspective`` answers, in ``lang``, for a survey tool.

    Parameters
    ----------
    perspective : str
        ``"customer"`` (experience and threshold items in the customers' wording) or
        ``"internal"`` (every item in the staff wording, and a department question).
    lang : str
        ``en``, ``de`` or ``nl``.
    fmt : str
        ``limesurvey`` (tab-separated survey structure), ``qualtrics`` (Advanced Format
        TXT), ``msforms``, ``googleforms``, ``surveymonkey`` (set-up sheets to paste
        from), ``xlsx`` (fill-in template the intake reads) or ``html`` (printable form).
    out : str or Path, optional
        The file to write (default: ``questionnaire-<perspective>-<lang>-<ending>`` in the
        current folder, the ending from :data:`FORMATS`).
    instrument : str, Path or Instrument, optional
        A packaged instrument version (``"1.0.0"``), an instrument YAML, or an
        Instrument; the newest packaged version by default.
    integration : bool
        Add the customer-integration items the perspective answers (the section packaged
        with the instrument's version), one part per block.
    overwrite : bool
        Replace an existing file (by default an existing file is an error: a filled-in
        template is never written over).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    AssessmentError
        An unknown format, perspective or language, codes the tool refuses, or an
        existing ``out``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "customers.txt"
    >>> write_questionnaire("customer", "de", "qualtrics", out).name
    'customers.txt'
    >>> "[[ID:oeexp1]]" in out.read_text(encoding="utf-8")
    True
    >>> write_questionnaire("customer", "de", "qualtrics", out)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assessment.exceptions.AssessmentError: .../customers.txt exists; ...
    """
    if fmt not in FORMATS:
        raise AssessmentError(f"unknown questionnaire format {fmt!r}; expected one of "
                              f"{', '.join(FORMATS)}")
    path = Path(out) if out is not None else Path(
        f"questionnaire-{perspective}-{lang}-{FORMATS[fmt][0]}")
    if path.exists() and not overwrite:
        raise AssessmentError(f"{path} exists; choose another --out or pass --force to "
                              "replace it")
    atomic_write_bytes(path, questionnaire_file(perspective, lang, fmt, instrument,
                                                integration))
    return path
