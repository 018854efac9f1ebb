"""Shared browser-test support: Playwright driving Debian's Chromium.

Loaded as a pytest plugin by conftest.py, so its fixtures (``browser``, ``watched``) reach every
test module. Tests that use them skip without Chromium or Playwright, unless
SWEETSPOT_REQUIRE_BROWSER=1 asks for them to fail instead (as .ci/run does).
Screenshots go to ``tests/.artifacts/screenshots/`` (named in CONTRIBUTING.md), never
committed; read them before calling a page done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

REQUIRED = os.environ.get("SWEETSPOT_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).parent / ".artifacts"
SHOTS = ARTIFACTS / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


def _unavailable(reason: str) -> NoReturn:
    if REQUIRED:
        pytest.fail(f"SWEETSPOT_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def _chromium() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").is_file() else None


CHROMIUM = _chromium()
try:
    from playwright.sync_api import Browser, Page, sync_playwright
    from playwright.sync_api import expect as pw_expect

    PLAYWRIGHT_ERROR = ""
except ImportError:  # pragma: no cover - depends on the environment
    PLAYWRIGHT_ERROR = "the playwright package is not installed"
    Browser = Page = Any
    pw_expect = sync_playwright = None


# --------------------------------------------------------------------------------------------
# Fixtures: a local HTTP server over the built demo site, and one browser per module
# --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` with ``python -m http.server`` on 127.0.0.1 and a free port."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(directory),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the local HTTP server did not start")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module; the module's browser tests skip (or, under
    SWEETSPOT_REQUIRE_BROWSER=1, fail) when there is none."""
    if CHROMIUM is None:
        _unavailable("Chromium is not installed (looked for `chromium` and /usr/bin/chromium)")
    if PLAYWRIGHT_ERROR:
        _unavailable(PLAYWRIGHT_ERROR)
    with sync_playwright() as playwright:
        try:
            instance = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:  # the binary exists but cannot start
            _unavailable(f"Chromium did not start: {error}")
        try:
            yield instance
        finally:
            instance.close()


class Watched:
    """A page with its console errors, page errors and network traffic recorded."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.requests: list[str] = []
        self.failed: list[str] = []
        self.dialogs: list[str] = []
        page.on(
            "console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None
        )
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))

        def on_dialog(dialog) -> None:  # an alert() would mean injected script ran
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield Watched(page)
    finally:
        context.close()


def save_screenshot(page: Page, name: str) -> None:
    """The visible screen and the full page, as PNGs in SHOTS."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    ignore = ARTIFACTS / ".gitignore"
    if not ignore.exists():
        ignore.write_text(
            "# Screenshots from the browser tests; never committed.\n*\n", encoding="utf-8"
        )
    page.screenshot(path=str(SHOTS / f"{name}.png"))
    page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)


def horizontal_overflow(page: Page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits its viewport)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )
