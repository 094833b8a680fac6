"""Programs the tests run from Debian's packages (Chromium, redis-server, pgbouncer):
installed with apt where missing and the tests may (root); elsewhere the tests that
need one skip, except in CI, where a missing program is a failure."""

import fcntl
import os
import shutil
import subprocess

import pytest

# The suite runs in several processes (pytest-xdist): one apt at a time, or the second
# finds dpkg's lock taken and installs nothing.
INSTALL_LOCK = "/tmp/ticketd-tests-apt.lock"


def debian_program(path: str, package: str) -> str:
    if not os.path.exists(path) and os.geteuid() == 0 and shutil.which("apt-get"):
        with open(INSTALL_LOCK, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            _install(path, package)
    if os.path.exists(path):
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{path} is missing and `apt-get install {package}` did not provide it")
    pytest.skip(f"{path} is missing (install Debian's {package}, or run as root)")


def _install(path: str, package: str) -> None:
    if os.path.exists(path):  # another test process installed it meanwhile
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", package],
                   env=env, capture_output=True, timeout=900, check=False)  # fmt: skip
