"""The Chromium that prints the PDF reports and that the browser tests drive: one already
installed, else Playwright's own.

The search order is Debian's ``chromium``, then ``chromium-browser``, ``google-chrome`` and
``google-chrome-stable`` on ``PATH``, then the browser Playwright downloads
(``p.chromium.executable_path`` when that file exists). When none is there,
``python -m playwright install chromium`` is tried once; if that fails too,
:class:`BrowserMissing` carries one line that says what to install (the batch's ``--pdf``
stops with it before anything is written, ``tests/conftest.py`` stops the test session
with it). The batch does not download: ``find_chromium(install=False)``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

#: Executable names looked up on PATH, in this order.
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Flags every browser test launches Chromium with (headless in containers and on CI).
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The command that downloads Playwright's Chromium.
INSTALL = [sys.executable, "-m", "playwright", "install", "chromium"]
#: Seconds the download may take on a slow line before it counts as failed.
INSTALL_TIMEOUT = 600

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class BrowserMissing(RuntimeError):
    """No Chromium or Chrome could be found or installed; the message is one line."""


def find_on_path(path: str | None = None) -> Path | None:
    """The first of :data:`NAMES` that is an executable on ``path`` (default: ``PATH``).

    Parameters
    ----------
    path : str, optional
        A search path as in ``PATH``; ``None`` reads the environment.

    Returns
    -------
    pathlib.Path or None
        The executable found, or ``None``.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(find_on_path(folder))
    ...     fake = Path(folder, "google-chrome")
    ...     _ = fake.write_text("#!/bin/sh\\n")
    ...     fake.chmod(0o755)
    ...     print(find_on_path(folder).name)
    None
    google-chrome
    """
    for name in NAMES:
        found = shutil.which(name, path=path)
        if found:
            return Path(found)
    return None


def playwright_chromium() -> Path | None:
    """Where Playwright keeps (or would keep) its own Chromium, or ``None`` if unknown.

    The file need not exist: Playwright names the place before it downloads anything.

    Returns
    -------
    pathlib.Path or None
        ``p.chromium.executable_path`` of Playwright's sync API, ``None`` when the
        Playwright driver cannot start.

    Examples
    --------
    >>> location = playwright_chromium()  # starts Playwright's driver, not a browser
    >>> location is None or location.is_absolute()
    True
    """
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            return Path(p.chromium.executable_path)
    except (Error, OSError):
        return None


def install_playwright_chromium(timeout: float = INSTALL_TIMEOUT) -> str | None:
    """Run ``python -m playwright install chromium`` once.

    Parameters
    ----------
    timeout : float
        Seconds before the download is given up.

    Returns
    -------
    str or None
        ``None`` when the command succeeded, else why it failed, in one line.

    Examples
    --------
    >>> reason = install_playwright_chromium(timeout=0.001)  # far too short to download
    >>> reason is None or reason.startswith("timed out")
    True
    """
    try:
        done = subprocess.run(INSTALL, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        return f"timed out after {timeout:g} s"
    except OSError as exc:
        return f"could not run it ({exc.strerror or exc})"
    if done.returncode == 0:
        return None
    return _reason(done.stdout + "\n" + done.stderr, done.returncode)


def _reason(output: str, returncode: int) -> str:
    """Playwright's distinct ``Error:`` lines (else its last line, else the exit code) in
    one line, without Node's stack."""
    lines = [_ANSI.sub("", line).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    errors = [line.removeprefix("Error:").strip().removesuffix(", caused by")
              for line in lines if line.startswith("Error:")]
    parts = list(dict.fromkeys(errors)) or lines[-1:] or [f"exit code {returncode}"]
    return "; ".join(parts)[:300]


def missing_message(reason: str) -> str:
    """The one line shown when no browser can be had: what was tried and what to install.

    Parameters
    ----------
    reason : str
        Why ``python -m playwright install chromium`` failed.

    Returns
    -------
    str
        One line, no newline.

    Examples
    --------
    >>> line = missing_message("getaddrinfo ENOTFOUND cdn.playwright.dev")
    >>> "apt-get install chromium" in line and "\\n" not in line
    True
    """
    reason = " ".join(reason.split())
    return ("PDF reports and the browser tests need Chromium or Chrome: install one "
            "(Debian/Ubuntu: "
            "`apt-get install chromium`; elsewhere: `.venv/bin/python -m playwright install "
            "--with-deps chromium`) and run the tests again; none of "
            f"{', '.join(NAMES)} is on PATH, Playwright has no browser of its own and "
            f"`python -m playwright install chromium` failed: {reason}")


def find_chromium(path: str | None = None, install: bool = True) -> Path:
    """A Chromium or Chrome to launch: installed, or Playwright's, downloaded if need be.

    Parameters
    ----------
    path : str, optional
        Search path for :func:`find_on_path`; ``None`` reads ``PATH``.
    install : bool
        Try ``python -m playwright install chromium`` when none is found.

    Returns
    -------
    pathlib.Path
        The browser's executable.

    Raises
    ------
    BrowserMissing
        Nothing found and the download failed; the message says what to install.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     fake = Path(folder, "chromium")
    ...     _ = fake.write_text("#!/bin/sh\\n")
    ...     fake.chmod(0o755)
    ...     print(find_chromium(folder).name)
    chromium
    """
    found = find_on_path(path)
    if found is not None:
        return found
    own = playwright_chromium()
    if own is not None and own.is_file():
        return own
    if not install:
        raise BrowserMissing(missing_message("not tried (the batch does not download a "
                                             "browser)"))
    reason = install_playwright_chromium()
    if reason is None:
        own = playwright_chromium()
        if own is not None and own.is_file():
            return own
        reason = "it succeeded but Playwright still has no browser"
    raise BrowserMissing(missing_message(reason))
