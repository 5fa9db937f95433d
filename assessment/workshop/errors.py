"""What the workshop refuses, and the checks on what a facilitator types in.

Data-file texts (names, departments, respondent ids) are untrusted: :func:`clean_label`
keeps them to one line without control characters and never lets them start like a
spreadsheet formula.
"""

from __future__ import annotations

import numpy as np

from assessment.exceptions import AssessmentError
from assessment.instrument.models import Instrument

__all__ = ["SessionInUse", "SessionTakenOver", "SessionWarning", "WorkshopError", "check_choice",
           "clean_label", "scale_value"]

_FORMULA_START = ("=", "+", "-", "@")


class WorkshopError(AssessmentError):
    """Something the facilitator asked for cannot be done (the message says why).

    Examples
    --------
    >>> try:
    ...     check_choice("pairs", ("team", "individual"), "mode")
    ... except WorkshopError as exc:
    ...     print(exc)
    unknown mode 'pairs'; expected one of ['team', 'individual']
    """


class SessionInUse(WorkshopError):
    """The session is open in another process (another browser window or kernel).

    Examples
    --------
    >>> isinstance(SessionInUse("session 'shoes' is open elsewhere"), WorkshopError)
    True
    """


class SessionTakenOver(WorkshopError):
    """This session object was replaced by a newer one in the same process (a resume).

    Examples
    --------
    >>> str(SessionTakenOver("resumed in another window"))
    'resumed in another window'
    """


class SessionWarning(UserWarning):
    """A saved session was opened with something ignored, or skipped (the message names the
    file and says why); the workshop goes on.

    Examples
    --------
    >>> issubclass(SessionWarning, UserWarning)
    True
    """


def clean_label(value: object, what: str, *, max_len: int = 80, required: bool = True) -> str:
    """Free text that goes into a data file (a name, industry, department, respondent id):
    one line, no control characters, not starting like a spreadsheet formula.

    Examples
    --------
    >>> clean_label("  Müller & Söhne ", "company name")
    'Müller & Söhne'
    >>> clean_label("=HYPERLINK(1)", "department")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assessment.workshop.errors.WorkshopError: department must not start with = + - @ ...
    """
    s = "" if value is None else str(value).strip()
    if not s:
        if required:
            raise WorkshopError(f"{what} must not be empty")
        return ""
    if any(ord(c) < 32 or ord(c) == 127 for c in s):
        raise WorkshopError(f"{what} must be a single line without control characters")
    if s.startswith(_FORMULA_START):
        raise WorkshopError(f"{what} must not start with {' '.join(_FORMULA_START)} "
                            f"(a spreadsheet would read it as a formula): {s!r}")
    if len(s) > max_len:
        raise WorkshopError(f"{what} is longer than {max_len} characters")
    return s


def check_choice(value: object, options: tuple[str, ...], what: str) -> None:
    """Raise :class:`WorkshopError` unless ``value`` is one of ``options``.

    Examples
    --------
    >>> check_choice("team", ("team", "individual"), "mode")
    """
    if value not in options:
        raise WorkshopError(f"unknown {what} {value!r}; expected one of {list(options)}")


def scale_value(value: object, inst: Instrument) -> float:
    """An answer as a float on the instrument's scale (NaN for None or "": not answered).

    Examples
    --------
    >>> from assessment.instrument.models import load_instrument
    >>> scale_value(4, load_instrument()), str(scale_value(None, load_instrument()))
    (4.0, 'nan')
    """
    if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise WorkshopError(f"answer {value!r} is not on the scale") from None
    if v != int(v) or not inst.scale.min <= v <= inst.scale.max:
        raise WorkshopError(f"answer {value!r} must be a whole number from {inst.scale.min} "
                            f"to {inst.scale.max}, or None for not answered")
    return v
