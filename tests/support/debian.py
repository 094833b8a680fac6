"""Programs the tests run from Debian's packages (Chromium, redis-server, pgbouncer):
installed with apt where missing and the tests may (root); elsewhere the tests that
need one skip, except in CI, where a missing program is a failure."""

import os
import shutil
import subprocess

import pytest


def debian_program(path: str, package: str) -> str:
    if not os.path.exists(path) and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "install", "-y", "-q", package], env=env,
                       capture_output=True, timeout=900, check=False)  # fmt: skip
    if os.path.exists(path):
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{path} is missing and `apt-get install {package}` did not provide it")
    pytest.skip(f"{path} is missing (install Debian's {package}, or run as root)")
