"""The helpdesk's `ticketd` commands (token, teammate, category, field), run as real
subprocesses against real databases.

As in tests/test_cli.py, only the command under test runs through `python -m
ticketd.cli`; setup (a workspace, a client to revoke, a teammate to update) is done
in-process through the service layer, and effects are checked through an in-process
app on the same database with caching off, so what the CLI wrote shows at once.
Checks that fail before touching the database run on SQLite only."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx
import pytest

from tests.conftest import settings_for
from tests.conftest import ticket_body as series_body
from tests.servers import run_cli
from tests.test_cli import assert_clean_failure, make_workspace, only_json_object
from ticketd.app import Services, build_services, create_app
from ticketd.cli import client_output, teammate_output
from ticketd.demo import DEMO_CONFIG
from ticketd.helpdesk import auth
from ticketd.kit.ids import user_guid
from ticketd.people import service as people
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import access
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import WorkspaceConfig

T = TypeVar("T")
ROBLOX_USER = 555  # not a member of the demo workspace: the GUID is derived anew
Work = Callable[[httpx.AsyncClient, Services], Awaitable[T]]


# --- helpers -----------------------------------------------------------------------


def in_process(database_url: str, work: Work[T]) -> T:
    """Runs `work` with a client of a fresh in-process app on this database."""

    async def run() -> T:
        services = build_services(settings_for(database_url, cache_ttl_seconds=0))
        await services.db.connect()
        try:
            transport = httpx.ASGITransport(app=create_app(services=services))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://ticketd.test"
            ) as client:
                return await work(client, services)
        finally:
            await services.db.close()

    return asyncio.run(run())


async def exchange(client: httpx.AsyncClient, refresh_token: str, client_id: str) -> httpx.Response:
    return await client.post(
        "/helpdesk/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
        },
    )


def helpdesk_get(database_url: str, workspace_id: str, path: str) -> Any:
    """`data` of a helpdesk GET, made by a client created for the purpose."""

    async def work(client: httpx.AsyncClient, services: Services) -> Any:
        created = await auth.create_client(services.db, workspace_id=workspace_id, name="Check")
        token = await exchange(client, created.refresh_token, created.client_id)
        assert token.status_code == 200, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        response = await client.get(f"/helpdesk{path}", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    return in_process(database_url, work)


def config_of(database_url: str, workspace_id: str) -> WorkspaceConfig:
    async def work(client: httpx.AsyncClient, services: Services) -> WorkspaceConfig:
        return await access.get_config(services.db, services.cache, workspace_id)

    return in_process(database_url, work)


def new_client(database_url: str, workspace_id: str, *, revoked: bool = False) -> dict[str, str]:
    """Setup only: a helpdesk client made in-process, optionally already revoked."""

    async def work(client: httpx.AsyncClient, services: Services) -> dict[str, str]:
        created = await auth.create_client(services.db, workspace_id=workspace_id, name="Setup")
        if revoked:
            assert await auth.revoke_client(services.db, client_id=created.client_id)
        return client_output(created)

    return in_process(database_url, work)


def categories(config: WorkspaceConfig) -> dict[str, tuple[str, tuple[str, ...]]]:
    """key -> (name, departments): what a failed `category add` must leave alone."""
    return {c.key: (c.name, c.departments) for c in config.categories.values()}


def is_guid(value: Any) -> bool:
    return isinstance(value, str) and str(uuid.UUID(value)) == value


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


# --- category ----------------------------------------------------------------------


def test_category_add_json_defaults_the_key_to_a_slug_of_the_name(database_url: str) -> None:
    ws = make_workspace(database_url)

    result = run_cli(
        database_url, "category", "add", ws.id, "--name", "Billing & Refunds!", "--json"
    )

    added = only_json_object(result)
    assert isinstance(added["id"], int) and added["id"] > 0
    assert added["key"] == "billing-refunds"
    assert added["name"] == "Billing & Refunds!"
    found = helpdesk_get(database_url, ws.id, f"/categories/{added['id']}")
    assert found == {
        "id": added["id"],
        "name": "Billing & Refunds!",
        "key": "billing-refunds",
        "parentId": None,
        "parents": [],
    }


def test_category_add_with_a_department_routes_series_tickets_there(database_url: str) -> None:
    made = only_json_object(
        run_cli(database_url, "workspace", "create", "--name", "Routing", "--json")
    )

    async def configure(client: httpx.AsyncClient, services: Services) -> None:
        config = ConfigFile.model_validate(DEMO_CONFIG).to_settings()
        await workspaces.apply_config(services.db, None, workspace_id=made["id"], config=config)

    in_process(database_url, configure)

    result = run_cli(
        database_url,
        *("category", "add", made["id"], "--name", "Appeals", "--key", "appeals"),
        *("--department", "support-dept", "--json"),
    )

    assert only_json_object(result)["key"] == "appeals"

    async def create(client: httpx.AsyncClient, services: Services) -> httpx.Response:
        return await client.post(
            "/tickets/create",
            json=series_body(category="appeals"),
            headers={"apikey": made["apiKey"]},
        )

    response = in_process(database_url, create)
    assert response.status_code == 200, response.text
    ticket = response.json()["data"]
    assert ticket["Category"] == "appeals"
    assert ticket["Department"] == "support-dept"


def test_category_add_with_a_parent_nests_it_under_that_category(database_url: str) -> None:
    ws = make_workspace(database_url)
    support = config_of(database_url, ws.id).categories["support"].id

    result = run_cli(
        database_url,
        *("category", "add", ws.id, "--name", "Login help", "--parent", str(support), "--json"),
    )

    added = only_json_object(result)
    found = helpdesk_get(database_url, ws.id, f"/categories/{added['id']}")
    assert found["parentId"] == support
    assert found["parents"] == [{"id": support, "name": "Support"}]
    children = helpdesk_get(database_url, ws.id, f"/categories/{support}/subcategories")
    assert [c["id"] for c in children] == [added["id"]]


def test_category_add_with_a_key_already_taken_fails_and_changes_nothing(
    database_url: str,
) -> None:
    ws = make_workspace(database_url)
    before = categories(config_of(database_url, ws.id))

    result = run_cli(
        database_url,
        *("category", "add", ws.id, "--name", "Another support", "--key", "support", "--json"),
    )

    assert_clean_failure(result, "'support' already exists")
    assert result.stdout == ""
    assert categories(config_of(database_url, ws.id)) == before


def test_category_add_with_a_parent_not_in_the_workspace_fails_and_creates_nothing(
    database_url: str,
) -> None:
    ws, elsewhere = make_workspace(database_url), make_workspace(database_url)
    foreign = config_of(database_url, elsewhere.id).categories["support"].id
    before = categories(config_of(database_url, ws.id))

    result = run_cli(
        database_url,
        *("category", "add", ws.id, "--name", "Orphan", "--parent", str(foreign), "--json"),
    )

    assert_clean_failure(result, f"no category {foreign}")
    assert result.stdout == ""
    assert categories(config_of(database_url, ws.id)) == before


def test_category_add_with_an_unknown_department_fails_and_creates_nothing(
    database_url: str,
) -> None:
    ws = make_workspace(database_url)
    before = categories(config_of(database_url, ws.id))

    result = run_cli(
        database_url,
        *("category", "add", ws.id, "--name", "Lost", "--department", "no-such-dept", "--json"),
    )

    assert_clean_failure(result, "no department 'no-such-dept'")
    assert result.stdout == ""
    assert categories(config_of(database_url, ws.id)) == before


# --- field -------------------------------------------------------------------------


def test_field_add_json_prints_the_field_and_the_api_lists_it(database_url: str) -> None:
    ws = make_workspace(database_url)

    result = run_cli(
        database_url,
        *("field", "add", ws.id, "--name", "Region", "--type", "dropdown"),
        *("--option", "North", "--option", "South", "--json"),
    )

    added = only_json_object(result)
    assert isinstance(added["id"], int) and added["id"] > 0
    assert added["name"] == "Region"
    assert added["type"] == "dropdown"
    assert helpdesk_get(database_url, ws.id, "/customFields") == [
        {
            "id": added["id"],
            "name": "Region",
            "type": "dropdown",
            "possibleValues": [{"value": "North"}, {"value": "South"}],
        }
    ]


def test_field_add_dropdown_without_an_option_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url, "field", "add", ws.id, "--name", "Region", "--type", "dropdown", "--json"
    )

    assert_clean_failure(result, "at least one option")
    assert result.stdout == ""
    assert config_of(sqlite_url, ws.id).custom_fields == {}


def test_field_add_text_with_an_option_fails(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url)

    result = run_cli(
        sqlite_url,
        *("field", "add", ws.id, "--name", "Notes", "--type", "text", "--option", "x", "--json"),
    )

    assert_clean_failure(result, "only dropdown fields have options")
    assert config_of(sqlite_url, ws.id).custom_fields == {}


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


def test_teammate_add_refuses_to_give_a_person_a_second_user_id(database_url: str) -> None:
    ws = make_workspace(database_url)
    add = ("teammate", "add", ws.id, "--name", "A", "--email", "a@example.com", "--role", "agent")
    assert only_json_object(run_cli(database_url, *add, "--user-id", "11", "--json"))

    result = run_cli(database_url, *add, "--user-id", "12", "--json")

    assert_clean_failure(result, "a@example.com already belongs to user id 11")
    [listed] = helpdesk_get(database_url, ws.id, "/Teammates")
    assert listed["userId"] == 11
