"""`ticketd teammate add`, run as a real subprocess against real databases.

As in tests/test_cli_*.py, only the command under test runs through `python -m
ticketd.cli`; setup (a workspace, a teammate to update) is done in-process through the
service layer, and effects are checked through an in-process app on the same database
with caching off, so what the CLI wrote shows at once (tests/support/helpdesk_cli.py).
Checks that fail before touching the database run on SQLite only."""

from typing import Any

import httpx
import pytest

from tests.support.cli import assert_clean_failure, make_workspace, only_json_object
from tests.support.helpdesk_cli import config_of, helpdesk_get, in_process, is_guid
from tests.support.servers import run_cli
from ticketd.app import Services
from ticketd.cli import teammate_output
from ticketd.kit.ids import user_guid
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM

pytestmark = pytest.mark.slow

ROBLOX_USER = 555  # not a member of the demo workspace: the GUID is derived anew


# --- teammate ----------------------------------------------------------------------


def test_teammate_add_json_prints_the_teammate_with_a_new_guid(database_url: str) -> None:
    ws = make_workspace(database_url)

    result = run_cli(
        database_url,
        *("teammate", "add", ws.id, "--name", "Tess Agent", "--email", "tess@example.com"),
        *("--role", "agent", "--json"),
    )

    added = only_json_object(result)
    assert is_guid(added["id"])
    assert added == {
        "id": added["id"],
        "name": "Tess Agent",
        "email": "tess@example.com",
        "role": "agent",
        "userId": None,
    }
    assert helpdesk_get(database_url, ws.id, "/Teammates") == [added]


def test_teammate_add_with_a_user_id_is_that_series_users_guid(database_url: str) -> None:
    ws = make_workspace(database_url)

    result = run_cli(
        database_url,
        *("teammate", "add", ws.id, "--name", "Sam Staff", "--email", "sam@example.com"),
        *("--role", "admin", "--user-id", str(ROBLOX_USER), "--json"),
    )

    added = only_json_object(result)
    assert added["id"] == user_guid(ws.id, ROBLOX_USER)
    assert added["userId"] == ROBLOX_USER
    assert added["role"] == "admin"
    [listed] = helpdesk_get(database_url, ws.id, "/Teammates")
    assert listed["id"] == user_guid(ws.id, ROBLOX_USER)
    assert listed["userId"] == ROBLOX_USER


def test_teammate_add_with_a_known_email_updates_that_person(database_url: str) -> None:
    ws = make_workspace(database_url)

    async def setup(client: httpx.AsyncClient, services: Services) -> dict[str, Any]:
        teammate = await people.add_teammate(
            services.db,
            None,
            workspace_id=ws.id,
            name="Old Name",
            email="tess@example.com",
            role="read_only_user",
            actor=SYSTEM,
        )
        return teammate_output(teammate)

    before = in_process(database_url, setup)

    result = run_cli(
        database_url,
        *("teammate", "add", ws.id, "--name", "New Name", "--email", "tess@example.com"),
        *("--role", "agent", "--json"),
    )

    added = only_json_object(result)
    assert added["id"] == before["id"]
    assert helpdesk_get(database_url, ws.id, "/Teammates") == [
        {
            "id": before["id"],
            "name": "New Name",
            "email": "tess@example.com",
            "role": "agent",
            "userId": None,
        }
    ]


def test_teammate_add_with_a_bad_email_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url,
        *("teammate", "add", ws.id, "--name", "Tess", "--email", "not-an-email"),
        *("--role", "agent", "--json"),
    )

    assert_clean_failure(result, "@-sign")
    assert result.stdout == ""
    assert config_of(sqlite_url, ws.id).teammates == {}


def test_teammate_add_with_an_unknown_role_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url,
        *("teammate", "add", ws.id, "--name", "Tess", "--email", "tess@example.com"),
        *("--role", "owner", "--json"),
    )

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    problems = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(problems) == 1, result.stderr
    assert "invalid choice: 'owner'" in problems[0]
    assert config_of(sqlite_url, ws.id).teammates == {}


def test_teammate_add_refuses_to_give_a_person_a_second_user_id(database_url: str) -> None:
    ws = make_workspace(database_url)
    add = ("teammate", "add", ws.id, "--name", "A", "--email", "a@example.com", "--role", "agent")
    assert only_json_object(run_cli(database_url, *add, "--user-id", "11", "--json"))

    result = run_cli(database_url, *add, "--user-id", "12", "--json")

    assert_clean_failure(result, "a@example.com already belongs to user id 11")
    [listed] = helpdesk_get(database_url, ws.id, "/Teammates")
    assert listed["userId"] == 11
