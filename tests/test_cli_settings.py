"""What an operator sees of the command itself: its version, and a bad setting named
with its variable, the value given and what it accepts (never a secret's value)."""

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from tests.support.servers import ticketd_env


def ticketd(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ticketd.cli", *args],
        env=ticketd_env(f"sqlite:///{tmp_path}/t.db", **env),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    shown = ticketd(tmp_path, "--version")
    assert shown.returncode == 0 and shown.stdout.strip() == f"ticketd {version('ticketd')}"


def test_a_bad_setting_names_its_variable_value_and_what_it_takes(tmp_path: Path) -> None:
    refused = ticketd(tmp_path, "migrate", TICKETD_PORT="abc", TICKETD_SMTP_SECURITY="ssl",
                      TICKETD_SECRET_KEY="too short and secret",
                      TICKETD_EVENT_LOOP="tokio")  # fmt: skip
    assert refused.returncode == 1 and refused.stdout == ""
    message = refused.stderr
    assert "TICKETD_PORT='abc': Input should be a valid integer" in message
    assert "TICKETD_SMTP_SECURITY='ssl': Input should be 'starttls', 'tls' or 'none'" in message
    assert "TICKETD_EVENT_LOOP='tokio': Input should be 'uvloop' or 'asyncio'" in message
    assert "TICKETD_SECRET_KEY:" in message and "too short and secret" not in message
    assert not (tmp_path / "t.db").exists()  # nothing was started
