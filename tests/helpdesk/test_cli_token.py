"""`ticketd token create` and `token revoke`, run as real subprocesses against real
databases.

As in tests/test_cli_*.py, only the command under test runs through `python -m
ticketd.cli`; setup (a workspace, a client to revoke) is done in-process through the
service layer, and effects are checked through an in-process app on the same database
with caching off, so what the CLI wrote shows at once (tests/support/helpdesk_cli.py).
Checks that fail before touching the database run on SQLite only."""

import httpx
import pytest

from tests.support.cli import assert_clean_failure, make_workspace, only_json_object
from tests.support.helpdesk_cli import exchange, in_process, is_guid
from tests.support.servers import run_cli
from ticketd.app import Services
from ticketd.cli import client_output
from ticketd.helpdesk import auth

pytestmark = pytest.mark.slow


# --- helpers -----------------------------------------------------------------------


def new_client(database_url: str, workspace_id: str, *, revoked: bool = False) -> dict[str, str]:
    """Setup only: a helpdesk client made in-process, optionally already revoked."""

    async def work(client: httpx.AsyncClient, services: Services) -> dict[str, str]:
        created = await auth.create_client(services.db, workspace_id=workspace_id, name="Setup")
        if revoked:
            assert await auth.revoke_client(services.db, client_id=created.client_id)
        return client_output(created)

    return in_process(database_url, work)


# --- token -------------------------------------------------------------------------


def test_token_create_json_prints_a_refresh_token_and_client_id_that_work(
    database_url: str,
) -> None:
    ws = make_workspace(database_url)

    result = run_cli(database_url, "token", "create", ws.id, "--name", "Web form", "--json")

    created = only_json_object(result)
    assert set(created) >= {"refreshToken", "clientId"}
    assert created["refreshToken"].startswith("rt_")
    assert is_guid(created["clientId"])

    async def work(client: httpx.AsyncClient, services: Services) -> list[str]:
        response = await exchange(client, created["refreshToken"], created["clientId"])
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "bearer"
        token = response.json()["access_token"]
        groups = await client.get(
            "/helpdesk/UserGroups", headers={"Authorization": f"Bearer {token}"}
        )
        assert groups.status_code == 200, groups.text
        return [g["key"] for g in groups.json()["data"]]

    # The token opens this workspace: its departments are the user groups.
    assert in_process(database_url, work) == ["support-dept", "moderation-dept"]


def test_token_revoke_refuses_the_refresh_token_and_its_access_tokens(
    database_url: str,
) -> None:
    ws = make_workspace(database_url)
    created = new_client(database_url, ws.id)

    async def access_token(client: httpx.AsyncClient, services: Services) -> str:
        response = await exchange(client, created["refreshToken"], created["clientId"])
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    token = in_process(database_url, access_token)

    result = run_cli(database_url, "token", "revoke", created["clientId"], "--json")

    assert only_json_object(result) == {"revoked": created["clientId"]}

    async def after(client: httpx.AsyncClient, services: Services) -> None:
        refused = await exchange(client, created["refreshToken"], created["clientId"])
        assert refused.status_code == 400, refused.text
        assert refused.json()["errorCode"] == 202
        assert refused.json()["error"] == "invalid_grant"
        call = await client.get(
            "/helpdesk/UserGroups", headers={"Authorization": f"Bearer {token}"}
        )
        assert call.status_code == 401, call.text
        assert call.json()["errorCode"] == 201

    in_process(database_url, after)


def test_token_revoke_of_a_revoked_client_fails(database_url: str) -> None:
    ws = make_workspace(database_url)
    created = new_client(database_url, ws.id, revoked=True)

    result = run_cli(database_url, "token", "revoke", created["clientId"], "--json")

    assert_clean_failure(result, f"no active helpdesk client {created['clientId']}")
    assert result.stdout == ""
