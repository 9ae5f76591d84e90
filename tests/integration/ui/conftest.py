"""The operator page in headless Chromium (Debian's, driven by Playwright) against a live API.

Why a failure and not a skip when Chromium is missing: a skipped browser test reads as a pass
in a summary, and the page is what an operator uses to stop trading. ``.ci/run`` installs
Debian's chromium; elsewhere ``apt-get install -y chromium`` does.

Every page collects its console: an error logged by the page (or an uncaught exception) fails
the test, apart from the refusals a test expects and names. Screenshots of each view go to
``test-artifacts/ui/`` (git-ignored), named after the test.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.server.conftest import (
    API_KEY,
    AS_OF,
    api_settings,
    context,
    live_api,
    saver,
    settings,
)

__all__ = [
    "API_KEY",
    "ARTIFACTS",
    "AS_OF",
    "ConsoleLog",
    "api_settings",
    "browser",
    "console",
    "context",
    "live_api",
    "page",
    "saver",
    "settings",
]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "ui"
_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per test module, closed when its last test has run.

    Why not session-wide: Playwright's sync API keeps an event loop running on the main thread
    while it is open, and every later test that calls ``asyncio.run`` (or an async test) would
    fail with "cannot be called from a running event loop".
    """
    if importlib.util.find_spec("playwright") is None:
        pytest.fail("the UI tests need playwright: pip install -e '.[dev]'", pytrace=False)
    if not CHROMIUM.exists():
        pytest.fail(
            f"the UI tests need Debian's Chromium at {CHROMIUM}: apt-get install -y chromium",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@dataclass
class ConsoleLog:
    """What the page logged as errors; ``expected`` are patterns a test allows by name."""

    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def page(browser: Any, console: ConsoleLog, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (its own sessionStorage) at 1280 px; no console error allowed."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = ctx.new_page()

    def logged(message: Any) -> None:
        if message.type == "error":
            console.errors.append(message.text)

    opened.on("console", logged)
    opened.on("pageerror", lambda exc: console.errors.append(f"uncaught: {exc}"))
    opened.set_default_timeout(30_000)
    try:
        yield opened
    finally:
        ctx.close()
    assert console.unexpected() == [], f"the page logged errors: {console.unexpected()}"


def screenshot(page: Any, name: str) -> Path:
    """Save the whole page as ``test-artifacts/ui/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target
