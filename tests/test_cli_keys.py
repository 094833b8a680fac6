"""`ticketd key create` and `key revoke`, run as real subprocesses against real
databases.

Commands under test always run through `python -m ticketd.cli`; workspaces that a test
only needs as a starting point are made in-process through the service layer, which
is far cheaper than a CLI start. Effects are checked over HTTP against a real
`ticketd serve` process (the `server` fixture: one per engine, caching off so CLI
changes show at once)."""

import uuid

import pytest

from tests.support.cli import (
    Server,
    assert_clean_failure,
    check_key,
    get_config,
    make_workspace,
    only_json_object,
)
from tests.support.series import assert_error
from tests.support.servers import run_cli

pytestmark = pytest.mark.slow


# --- key create / revoke ---------------------------------------------------------


def test_key_create_json_prints_a_key_that_starts_with_its_prefix(database_url: str) -> None:
    ws = make_workspace(database_url, config=None, keys=0)

    result = run_cli(database_url, "key", "create", ws.id, "--name", "bot", "--json")

    data = only_json_object(result)
    assert set(data) == {"apiKey", "prefix"}
    assert data["prefix"]
    assert data["apiKey"].startswith(data["prefix"])
    assert len(data["apiKey"]) > len(data["prefix"])


def test_key_create_makes_a_key_that_works_for_its_workspace(server: Server) -> None:
    ws = make_workspace(server.database_url, keys=0)

    result = run_cli(server.database_url, "key", "create", ws.id, "--name", "bot", "--json")

    key = only_json_object(result)["apiKey"]
    response = get_config(server, key)
    assert response.status_code == 200, response.text
    assert check_key(server, key)["workspaceId"] == ws.id


def test_key_create_for_an_unknown_workspace_fails(sqlite_url: str) -> None:
    missing = str(uuid.uuid4())

    result = run_cli(sqlite_url, "key", "create", missing, "--json")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""


def test_key_revoke_makes_the_key_fail_with_401(server: Server) -> None:
    ws = make_workspace(server.database_url)
    key, prefix = ws.keys[0]
    assert get_config(server, key).status_code == 200

    result = run_cli(server.database_url, "key", "revoke", prefix)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Revoked API key {prefix}"
    assert_error(get_config(server, key), 401, "Invalid API key")
    assert check_key(server, key)["valid"] is False


def test_key_revoke_leaves_the_workspaces_other_keys_working(server: Server) -> None:
    ws = make_workspace(server.database_url, keys=2)
    (revoked, prefix), (kept, _) = ws.keys

    result = run_cli(server.database_url, "key", "revoke", prefix)

    assert result.returncode == 0, result.stderr
    assert get_config(server, revoked).status_code == 401
    assert get_config(server, kept).status_code == 200


def test_key_revoke_unknown_prefix_fails(database_url: str) -> None:
    result = run_cli(database_url, "key", "revoke", "tk_00000000")

    assert_clean_failure(result, "no active API key with prefix tk_00000000")
    assert result.stdout == ""
