"""`ticketd workspace create`, `set` and `configure`, run as real subprocesses against
real databases.

Commands under test always run through `python -m ticketd.cli`; workspaces that a test
only needs as a starting point are made in-process through the service layer, which
is far cheaper than a CLI start. Effects are checked over HTTP against a real
`ticketd serve` process (the `server` fixture: one per engine, caching off so CLI
changes show at once)."""

import asyncio
import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.support.cli import (
    Server,
    assert_clean_failure,
    check_key,
    create_ticket,
    get_config,
    make_workspace,
    only_json_object,
)
from tests.support.series import assert_error
from tests.support.servers import run_cli
from ticketd.db.database import open_database
from ticketd.demo import DEMO_CONFIG

pytestmark = pytest.mark.slow

PREMIUM_REQUIRED = "Tickets module requires a Premium or Enterprise subscription"
MODULE_DISABLED = "Tickets module is not enabled for this workspace"

# A configuration that shares nothing with DEMO_CONFIG, so applying it is visible.
NEW_CONFIG: dict[str, Any] = {
    "Enabled": True,
    "PublicUrl": True,
    "Categories": {
        "billing": {
            "Name": "Billing",
            "WorkspaceMembershipRequired": True,
            "MinAccessRank": 10,
            "MaxOpenTickets": 2,
        },
        "appeals": {"Name": "Appeals"},
    },
    "Departments": {
        "billing-dept": {
            "Name": "Billing team",
            "Members": [555, 111],
            "Categories": ["billing", "appeals"],
            "RankRange": {"FromRank": 50, "ToRank": 60},
        },
        "appeals-dept": {"Name": "Appeals team", "Categories": ["appeals"]},
    },
    "DiscordNotificationWebhookEnabled": True,
    "DiscordNotificationWebhookPing": "123456789012345678",
    "DiscordNotificationWebhookUrl": "https://discord.example/api/webhooks/1/abc",
    "Members": [{"UserId": 555, "Username": "lead", "Rank": 60}],
}

# What GET /tickets/config shows once NEW_CONFIG is applied.
NEW_CONFIG_VIEW: dict[str, Any] = {
    "Enabled": True,
    "PublicUrl": True,
    "Categories": {
        "billing": {
            "Name": "Billing",
            "WorkspaceMembershipRequired": True,
            "MinAccessRank": 10,
            "MaxOpenTickets": 2,
        },
        "appeals": {
            "Name": "Appeals",
            "WorkspaceMembershipRequired": False,
            "MinAccessRank": 0,
            "MaxOpenTickets": 0,
        },
    },
    "Departments": {
        "billing-dept": {
            "Name": "Billing team",
            "Members": [111, 555],
            "Categories": ["billing", "appeals"],
            "RankRange": {"FromRank": 50, "ToRank": 60},
        },
        "appeals-dept": {
            "Name": "Appeals team",
            "Members": [],
            "Categories": ["appeals"],
            "RankRange": None,
        },
    },
    "DiscordNotificationWebhookEnabled": True,
    "DiscordNotificationWebhookPing": "123456789012345678",
    "DiscordNotificationEvents": [
        "ticket.created",
        "ticket.game_report_created",
        "ticket.status_changed:resolved",
        "ticket.status_changed:closed",
    ],
    "DiscordNotificationWebhookDisabledReason": None,
}


# --- helpers -----------------------------------------------------------------------


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


# --- workspace create ------------------------------------------------------------


def test_workspace_create_json_prints_one_object_with_id_name_plan_and_key(
    database_url: str,
) -> None:
    result = run_cli(
        database_url,
        "workspace",
        "create",
        "--name",
        "Café Support",
        "--plan",
        "enterprise",
        "--json",
    )

    data = only_json_object(result)
    assert set(data) == {"id", "name", "plan", "apiKey"}
    assert uuid.UUID(data["id"])
    assert data["name"] == "Café Support"
    assert data["plan"] == "enterprise"
    assert isinstance(data["apiKey"], str) and data["apiKey"]


def test_workspace_create_defaults_to_the_premium_plan(database_url: str) -> None:
    result = run_cli(database_url, "workspace", "create", "--name", "Defaults", "--json")

    assert only_json_object(result)["plan"] == "premium"


@pytest.mark.parametrize("name", ["x" * 201, "   "])
def test_workspace_and_key_names_must_be_1_to_200_characters(database_url: str, name: str) -> None:
    result = run_cli(database_url, "workspace", "create", "--name", name)
    assert_clean_failure(result, "name must be 1 to 200 characters")


def test_workspace_create_rejects_an_unknown_plan(sqlite_url: str) -> None:
    result = run_cli(sqlite_url, "workspace", "create", "--name", "Gold", "--plan", "gold")

    assert result.returncode != 0
    assert "invalid choice: 'gold'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_created_premium_key_authenticates_its_workspace_over_http(server: Server) -> None:
    result = run_cli(server.database_url, "workspace", "create", "--name", "Over HTTP", "--json")
    created = only_json_object(result)

    response = get_config(server, created["apiKey"])
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    checked = check_key(server, created["apiKey"])
    assert checked["valid"] is True
    assert checked["workspaceId"] == created["id"]
    assert checked["workspaceName"] == "Over HTTP"


def test_created_free_workspace_key_is_refused_the_tickets_module(server: Server) -> None:
    result = run_cli(
        server.database_url, "workspace", "create", "--name", "Free", "--plan", "free", "--json"
    )
    created = only_json_object(result)

    assert_error(get_config(server, created["apiKey"]), 403, PREMIUM_REQUIRED)


# --- workspace set ---------------------------------------------------------------


def test_workspace_set_plan_free_takes_away_the_tickets_module(server: Server) -> None:
    ws = make_workspace(server.database_url, plan="premium")
    assert get_config(server, ws.key).status_code == 200

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--plan", "free")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Updated workspace {ws.id}"
    assert_error(get_config(server, ws.key), 403, PREMIUM_REQUIRED)


def test_workspace_set_plan_enterprise_grants_the_tickets_module(server: Server) -> None:
    ws = make_workspace(server.database_url, plan="free")
    assert_error(get_config(server, ws.key), 403, PREMIUM_REQUIRED)

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--plan", "enterprise")

    assert result.returncode == 0, result.stderr
    assert get_config(server, ws.key).status_code == 200


def test_workspace_set_tickets_disabled_refuses_ticket_creation(server: Server) -> None:
    ws = make_workspace(server.database_url)
    assert create_ticket(server.url, ws.key).status_code == 200

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--tickets-disabled")

    assert result.returncode == 0, result.stderr
    assert_error(create_ticket(server.url, ws.key), 403, MODULE_DISABLED)
    config = get_config(server, ws.key)  # stays readable while the module is off
    assert config.status_code == 200, config.text
    assert config.json()["data"]["Enabled"] is False


def test_workspace_set_tickets_enabled_allows_ticket_creation_again(server: Server) -> None:
    ws = make_workspace(server.database_url, config={**DEMO_CONFIG, "Enabled": False})
    assert_error(create_ticket(server.url, ws.key), 403, MODULE_DISABLED)

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--tickets-enabled")

    assert result.returncode == 0, result.stderr
    response = create_ticket(server.url, ws.key)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["Department"] == "support-dept"


def test_workspace_set_unknown_id_fails_with_a_clear_message(database_url: str) -> None:
    missing = str(uuid.uuid4())

    result = run_cli(database_url, "workspace", "set", missing, "--plan", "free")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""


def test_workspace_set_without_a_change_fails_with_a_clear_message(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url, config=None, keys=0)

    result = run_cli(sqlite_url, "workspace", "set", ws.id)

    assert_clean_failure(result, "nothing to change")


# --- workspace configure ---------------------------------------------------------


def test_workspace_configure_replaces_the_configuration(server: Server, tmp_path: Path) -> None:
    ws = make_workspace(server.database_url)
    path = write_config(tmp_path, NEW_CONFIG)

    result = run_cli(server.database_url, "workspace", "configure", ws.id, "--file", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Applied configuration to workspace {ws.id}"
    response = get_config(server, ws.key)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == NEW_CONFIG_VIEW


def test_the_config_endpoints_answer_applies_as_it_is(server: Server, tmp_path: Path) -> None:
    """What `GET /tickets/config` shows, edited and applied, is the way docs/dashboard.md
    gives to turn on one setting without rebuilding the file."""
    ws = make_workspace(server.database_url)
    shown = get_config(server, ws.key).json()["data"]
    assert "DiscordNotificationWebhookDisabledReason" in shown  # read-only, yet accepted
    path = write_config(tmp_path, {**shown, "PublicUrl": True})
    result = run_cli(server.database_url, "workspace", "configure", ws.id, "--file", str(path))
    assert result.returncode == 0, result.stderr
    assert get_config(server, ws.key).json()["data"] == {**shown, "PublicUrl": True}


def _with(change: Any) -> dict[str, Any]:
    config = copy.deepcopy(NEW_CONFIG)
    change(config)
    return config


INVALID_CONFIGS: dict[str, tuple[str | None, str]] = {
    # name: (file contents, or None for no file at all; what the message must name)
    "unknown-category": (
        json.dumps(
            _with(lambda c: c["Departments"]["billing-dept"].update(Categories=["refunds"]))
        ),
        "department 'billing-dept' handles unknown category 'refunds'",
    ),
    "bad-json": (json.dumps(NEW_CONFIG)[:-1], "Invalid JSON"),
    "missing-enabled": (json.dumps(_with(lambda c: c.pop("Enabled"))), "Enabled: Field required"),
    "min-access-rank-300": (
        json.dumps(_with(lambda c: c["Categories"]["billing"].update(MinAccessRank=300))),
        "Categories.billing.MinAccessRank: Input should be less than or equal to 255",
    ),
    "duplicate-member": (
        json.dumps(
            _with(lambda c: c["Members"].append({"UserId": 555, "Username": "again", "Rank": 1}))
        ),
        "Members lists the same UserId twice",
    ),
    "missing-file": (None, "No such file or directory"),
    "unknown-discord-event": (
        json.dumps(_with(lambda c: c.update(DiscordNotificationEvents=["ticket.exploded"]))),
        "DiscordNotificationEvents.0: Input should be 'ticket.created'",
    ),
    "ping-not-an-id": (
        json.dumps(_with(lambda c: c.update(DiscordNotificationWebhookPing="@everyone"))),
        "DiscordNotificationWebhookPing: String should match pattern",
    ),
    "webhook-to-a-private-address": (
        json.dumps(_with(lambda c: c.update(DiscordNotificationWebhookUrl="http://10.1.2.3/x"))),
        "Discord webhook URL refused: 10.1.2.3 is a private address",
    ),
    "department-webhook-not-http": (
        json.dumps(
            _with(
                lambda c: c["Departments"]["billing-dept"].update(
                    DiscordNotificationWebhookUrl="ftp://discord.com/x"
                )
            )
        ),
        "DiscordNotificationWebhookUrl must be an http(s) URL",
    ),
    "member-avatar-not-http": (
        json.dumps(
            _with(
                lambda c: c["Members"].append(
                    {"UserId": 55, "Username": "x", "AvatarUrl": "javascript:alert(1)"}
                )
            )
        ),
        "must be an http(s) URL",
    ),
}


@pytest.mark.parametrize("case", list(INVALID_CONFIGS))
def test_workspace_configure_rejects_an_invalid_file_and_changes_nothing(
    server: Server, tmp_path: Path, case: str
) -> None:
    contents, problem = INVALID_CONFIGS[case]
    path = tmp_path / "config.json"
    if contents is not None:
        path.write_text(contents)
    ws = make_workspace(server.database_url)
    before = get_config(server, ws.key)
    assert before.status_code == 200, before.text
    assert set(before.json()["data"]["Categories"]) == {"support", "reports"}

    result = run_cli(server.database_url, "workspace", "configure", ws.id, "--file", str(path))

    assert_clean_failure(result, str(path), problem)
    assert result.stdout == ""
    after = get_config(server, ws.key)
    assert after.status_code == 200, after.text
    assert after.json() == before.json()


def test_configure_keeps_the_webhook_url_when_absent_and_clears_it_on_null(
    database_url: str, tmp_path: Path
) -> None:
    workspace_id = make_workspace(database_url).id
    url = "https://discord.com/api/webhooks/1/abc"

    def stored() -> str | None:
        async def read() -> str | None:
            db = open_database(database_url)
            await db.connect()
            try:
                async with db.connection() as conn:
                    return await conn.fetchval(
                        "SELECT discord_webhook_url FROM workspaces WHERE id = $1", workspace_id
                    )
            finally:
                await db.close()

        return asyncio.run(read())

    for change, expected in [
        ({"DiscordNotificationWebhookUrl": url}, url),
        ({}, url),
        ({"DiscordNotificationWebhookUrl": None}, None),
    ]:
        path = write_config(tmp_path, {**DEMO_CONFIG, **change})
        result = run_cli(database_url, "workspace", "configure", workspace_id, "--file", str(path))
        assert result.returncode == 0, result.stderr
        assert stored() == expected
