"""What every panel shares: widget callbacks that never raise into the void, and changes
to widgets that their own observers do not react to."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from assessment.exceptions import AssessmentError

log = logging.getLogger("assessment.workshop")


class Quiet:
    """A switch: while on, widget observers ignore the changes (the code is making them).

    Examples
    --------
    >>> quiet = Quiet()
    >>> with quiet():
    ...     quiet.on
    True
    >>> quiet.on
    False
    """

    def __init__(self) -> None:
        self.on = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        previous, self.on = self.on, True
        try:
            yield
        finally:
            self.on = previous


def guarded(show_error: Callable[[str], None], quiet: Quiet | None = None
            ) -> Callable[[Callable], Callable]:
    """Wrap a widget callback: ignored while ``quiet`` is on; an error is shown on the page
    with ``show_error`` (and logged when unexpected) instead of being lost.

    Examples
    --------
    >>> from assessment.exceptions import AssessmentError
    >>> quiet, shown = Quiet(), []
    >>> @guarded(shown.append, quiet)
    ... def on_click(value):
    ...     raise AssessmentError(f"cannot use {value!r}")
    >>> on_click(7), shown
    (None, ['cannot use 7'])
    >>> with quiet():
    ...     on_click(8)
    >>> shown
    ['cannot use 7']
    """
    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if quiet is not None and quiet.on:
                return None
            try:
                return fn(*args, **kwargs)
            except AssessmentError as exc:
                show_error(str(exc))
            except Exception as exc:  # noqa: BLE001 - show, log, keep the session alive
                log.error("workshop callback failed:\n%s", traceback.format_exc())
                show_error(f"{type(exc).__name__}: {exc}")
            return None
        return wrapper
    return wrap
