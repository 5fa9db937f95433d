"""The finder of the browser the browser tests launch (assessment/run/browser.py),
without a browser:
PATH points at temporary folders, Playwright's place is a temporary path and the download
is a monkeypatched subprocess call."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assessment.run import browser


def _fake_executable(folder: Path, name: str) -> Path:
    exe = folder / name
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    return exe


class _Install:
    """Stands in for ``subprocess.run``: records the calls and answers as told."""

    def __init__(self, returncode: int = 1, stderr: str = "", creates: Path | None = None,
                 raises: BaseException | None = None):
        self.calls: list[list[str]] = []
        self.returncode, self.stderr, self.creates, self.raises = (returncode, stderr,
                                                                    creates, raises)

    def __call__(self, cmd, **kwargs):
        self.calls.append(list(cmd))
        assert kwargs.get("timeout"), "the download must have a timeout"
        if self.raises is not None:
            raise self.raises
        if self.creates is not None:
            _fake_executable(self.creates.parent, self.creates.name)
        return subprocess.CompletedProcess(cmd, self.returncode, stdout="", stderr=self.stderr)


@pytest.fixture
def nothing_installed(tmp_path, monkeypatch):
    """An empty PATH and a Playwright whose own browser is not downloaded."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    own = tmp_path / "ms-playwright" / "chrome"
    own.parent.mkdir()
    monkeypatch.setattr(browser, "playwright_chromium", lambda: own)
    return empty, own


def test_a_chromium_browser_on_path_is_found_without_installing(nothing_installed,
                                                                  monkeypatch):
    folder, _ = nothing_installed
    exe = _fake_executable(folder, "chromium-browser")
    install = _Install(raises=AssertionError("nothing is installed when a browser is there"))
    monkeypatch.setattr(subprocess, "run", install)
    assert browser.find_chromium() == exe
    assert install.calls == []


def test_debian_chromium_comes_before_chrome(tmp_path):
    _fake_executable(tmp_path, "google-chrome-stable")
    _fake_executable(tmp_path, "google-chrome")
    assert browser.find_on_path(str(tmp_path)).name == "google-chrome"
    _fake_executable(tmp_path, "chromium")
    assert browser.find_on_path(str(tmp_path)).name == "chromium"


def test_a_file_that_is_not_executable_does_not_count(tmp_path):
    (tmp_path / "chromium").write_text("not a program")
    assert browser.find_on_path(str(tmp_path)) is None


def test_playwrights_own_browser_is_used_when_downloaded(nothing_installed, monkeypatch):
    _, own = nothing_installed
    _fake_executable(own.parent, own.name)
    install = _Install(raises=AssertionError("no download when Playwright has its browser"))
    monkeypatch.setattr(subprocess, "run", install)
    assert browser.find_chromium() == own
    assert install.calls == []


def test_playwrights_browser_is_downloaded_once_when_nothing_is_there(nothing_installed,
                                                                       monkeypatch):
    _, own = nothing_installed
    install = _Install(returncode=0, creates=own)
    monkeypatch.setattr(subprocess, "run", install)
    assert browser.find_chromium() == own
    assert install.calls == [[sys.executable, "-m", "playwright", "install", "chromium"]]


def test_nothing_found_and_the_download_failing_says_what_to_install(nothing_installed,
                                                                     monkeypatch):
    node_error = ("Error: getaddrinfo ENOTFOUND cdn.playwright.dev\n"
                  "    at GetAddrInfoReqWrap.onlookupall (node:internal/dns/promises:101:17)\n")
    install = _Install(returncode=1, stderr=(
        "Downloading Chrome for Testing\n" + node_error + node_error
        + "Error: Failed to download Chrome for Testing, caused by\n"
        "Error: Download failure, code=1\n"))
    monkeypatch.setattr(subprocess, "run", install)
    with pytest.raises(browser.BrowserMissing) as info:
        browser.find_chromium()
    message = str(info.value)
    assert len(install.calls) == 1  # tried once
    assert "\n" not in message
    assert "apt-get install chromium" in message
    assert "playwright install --with-deps chromium" in message
    assert message.endswith("failed: getaddrinfo ENOTFOUND cdn.playwright.dev; Failed to "
                            "download Chrome for Testing; Download failure, code=1")
    assert "GetAddrInfoReqWrap" not in message  # the reason, not Node's stack


@pytest.mark.parametrize(("raises", "reason"), [
    (subprocess.TimeoutExpired(["playwright"], 600), "timed out after 600 s"),
    (FileNotFoundError(2, "No such file or directory"), "could not run it"),
])
def test_a_download_that_hangs_or_cannot_start_is_a_clear_line(nothing_installed,
                                                                monkeypatch, raises, reason):
    monkeypatch.setattr(subprocess, "run", _Install(raises=raises))
    with pytest.raises(browser.BrowserMissing, match=reason) as info:
        browser.find_chromium()
    assert "\n" not in str(info.value) and "apt-get install chromium" in str(info.value)


def test_a_silent_failing_download_gives_its_exit_code(nothing_installed, monkeypatch):
    monkeypatch.setattr(subprocess, "run", _Install(returncode=7))
    with pytest.raises(browser.BrowserMissing, match="failed: exit code 7$"):
        browser.find_chromium()


def test_a_download_that_succeeds_without_a_browser_still_stops(nothing_installed,
                                                                 monkeypatch):
    monkeypatch.setattr(subprocess, "run", _Install(returncode=0))
    with pytest.raises(browser.BrowserMissing, match="still has no browser"):
        browser.find_chromium()


def test_the_session_stops_with_the_one_line(nothing_installed, monkeypatch):
    from . import conftest

    monkeypatch.setattr(subprocess, "run", _Install(stderr="Error: no network"))
    monkeypatch.setattr(conftest, "_browser", {})
    with pytest.raises(pytest.exit.Exception) as info:
        conftest._chromium_or_exit()
    assert info.value.returncode == conftest.NO_BROWSER_EXIT != 0
    assert "\n" not in info.value.msg and info.value.msg.endswith("failed: no network")


def test_launch_flags_stay_headless_friendly():
    assert browser.LAUNCH_ARGS == ["--no-sandbox", "--disable-gpu",
                                   "--disable-background-networking"]
