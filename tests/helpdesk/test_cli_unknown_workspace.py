"""Every helpdesk command given an unknown workspace id fails cleanly, run as real
subprocesses (on SQLite: the check fails before touching the database)."""

import uuid

import pytest

from tests.support.cli import assert_clean_failure
from tests.support.servers import run_cli

pytestmark = pytest.mark.slow


# --- unknown workspace -------------------------------------------------------------

COMMANDS = {
    "token": ("token", "create", "{id}", "--name", "Web form"),
    "teammate": (
        *("teammate", "add", "{id}", "--name", "Tess", "--email", "tess@example.com"),
        *("--role", "agent"),
    ),
    "category": ("category", "add", "{id}", "--name", "Billing"),
    "field": ("field", "add", "{id}", "--name", "Notes", "--type", "text"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_an_unknown_workspace_id_fails(sqlite_url: str, command: str) -> None:
    missing = str(uuid.uuid4())
    args = [a.format(id=missing) for a in COMMANDS[command]]

    result = run_cli(sqlite_url, *args, "--json")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""
