"""A real browser for the dashboard tests: Debian's Chromium, driven by Playwright
(`executable_path`; Playwright's own browser download cannot work here). Installed with
apt where it is missing and the tests may (root); elsewhere the tests skip, except in
CI, where a missing browser is a failure."""

import os
import shutil
import subprocess

import pytest

CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> str:
    if not os.path.exists(CHROMIUM) and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env,
                       capture_output=True, timeout=900, check=False)  # fmt: skip
    if os.path.exists(CHROMIUM):
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} is missing and `apt-get install chromium` did not provide it")
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium, or run as root)")
