"""A real browser for the dashboard tests: Debian's Chromium, driven by Playwright
(`executable_path`; Playwright's own browser download cannot work here)."""

from tests.support.debian import debian_program


def chromium_path() -> str:
    return debian_program("/usr/bin/chromium", "chromium")
