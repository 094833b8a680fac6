"""`ticketd category add`, run as a real subprocess against real databases.

As in tests/test_cli_*.py, only the command under test runs through `python -m
ticketd.cli`; setup (a workspace) is done in-process through the service layer, and
effects are checked through an in-process app on the same database with caching off, so
what the CLI wrote shows at once (tests/support/helpdesk_cli.py). Checks that fail
before touching the database run on SQLite only."""

import httpx
import pytest

from tests.support.cli import assert_clean_failure, make_workspace, only_json_object
from tests.support.helpdesk_cli import config_of, helpdesk_get, in_process
from tests.support.series import ticket_body as series_body
from tests.support.servers import run_cli
from ticketd.app import Services
from ticketd.demo import DEMO_CONFIG
from ticketd.people.actors import SYSTEM
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import WorkspaceConfig

pytestmark = pytest.mark.slow


# --- helpers -----------------------------------------------------------------------


def categories(config: WorkspaceConfig) -> dict[str, tuple[str, tuple[str, ...]]]:
    """key -> (name, departments): what a failed `category add` must leave alone."""
    return {c.key: (c.name, c.departments) for c in config.categories.values()}


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
        await workspaces.apply_config(
            services.db, None, workspace_id=made["id"], config=config, actor=SYSTEM
        )

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
    support = config_of(database_url, ws.id).categories["support"].number

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
    extra = run_cli(database_url, "category", "add", elsewhere.id, "--name", "Extra", "--json")
    foreign = only_json_object(extra)["id"]  # a number only the other workspace has
    assert foreign not in [c.number for c in config_of(database_url, ws.id).categories.values()]
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
