"""Only fixtures live here: a real Chromium (tests/support/browser.py) and a fresh page
per test."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.support.browser import chromium_path


@pytest.fixture
def browser() -> Iterator[Browser]:
    """One per test: Playwright's event loop runs in the test's thread while it lives,
    and fixtures made after it (a PostgreSQL database) need that thread's asyncio."""
    path = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    opened = context.new_page()
    yield opened
    context.close()
