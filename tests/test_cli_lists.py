"""`ticketd … list` and `… show` (workspaces, keys, helpdesk clients, teammates,
categories, fields, tickets), run as real subprocesses against real databases.

One workspace per engine holds a bit of everything (tests/support/cli_listing.py); each
listing command runs once per engine in text and in JSON, and the tests read those
outputs. Filters and failures run their own commands."""

import json
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.cli import assert_clean_failure
from tests.support.cli_listing import (
    ALICE,
    BOB,
    DEPARTMENT_HOOK_TOKEN,
    WORKSPACE_HOOK_TOKEN,
    Listed,
    make_listed_workspace,
)
from tests.support.databases import ENGINES
from tests.support.servers import run_cli

pytestmark = pytest.mark.slow

COMMANDS = {
    "workspace list": ("workspace", "list"),
    "workspace show": ("workspace", "show", "{id}"),
    "key list": ("key", "list", "{id}"),
    "token list": ("token", "list", "{id}"),
    "teammate list": ("teammate", "list", "{id}"),
    "category list": ("category", "list", "{id}"),
    "field list": ("field", "list", "{id}"),
    "webhook list": ("webhook", "list", "{id}"),
    "staff list": ("staff", "list", "{id}"),
    "ticket list": ("ticket", "list", "{id}"),
    "ticket show": ("ticket", "show", "{id}", "{rank}"),
}


@dataclass
class Outputs:
    database_url: str
    made: Listed
    text: dict[str, subprocess.CompletedProcess[str]]
    json: dict[str, subprocess.CompletedProcess[str]]
    filtered: dict[str, subprocess.CompletedProcess[str]]  # ticket list with FILTERS[name]

    def parsed(self, command: str) -> Any:
        result = self.json[command]
        assert result.returncode == 0, result.stderr
        [line] = result.stdout.splitlines()
        return json.loads(line)

    def lines(self, command: str) -> list[str]:
        result = self.text[command]
        assert result.returncode == 0, result.stderr
        return result.stdout.splitlines()


def args_of(command: str, made: Listed) -> list[str]:
    values = {"id": made.id, "rank": str(made.tickets["rank"].number)}
    return [a.format(**values) for a in COMMANDS[command]]


@pytest.fixture(scope="module", params=ENGINES)
def outputs(request: pytest.FixtureRequest) -> Outputs:
    database_url = request.getfixturevalue(
        "pg_url" if request.param == "postgresql" else "sqlite_url"
    )
    made = make_listed_workspace(database_url)
    calls = {
        **{(c, "text"): args_of(c, made) for c in COMMANDS},
        **{(c, "json"): [*args_of(c, made), "--json"] for c in COMMANDS},
        **{(f, "filter"): ["ticket", "list", made.id, *FILTERS[f][0], "--json"] for f in FILTERS},
    }
    with ThreadPoolExecutor(4) as pool:  # read-only commands: all at once
        answers = pool.map(lambda a: run_cli(database_url, *a), calls.values())
        results = dict(zip(calls, answers, strict=True))
    return Outputs(
        database_url,
        made,
        text={c: results[c, "text"] for c in COMMANDS},
        json={c: results[c, "json"] for c in COMMANDS},
        filtered={f: results[f, "filter"] for f in FILTERS},
    )


def ticket_ids(rows: list[dict[str, Any]]) -> list[int]:
    return [row["id"] for row in rows]


def header_and_rows(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header's column names and each row's cells (cells hold no double spaces)."""
    cells = [[c.strip() for c in line.split("  ") if c.strip()] for line in lines]
    return cells[0], cells[1:]


# --- no secret anywhere -------------------------------------------------------------


@pytest.mark.parametrize("command", list(COMMANDS))
def test_no_output_shows_a_secret(outputs: Outputs, command: str) -> None:
    for result in (outputs.text[command], outputs.json[command]):
        assert result.returncode == 0, result.stderr
        for secret in outputs.made.secrets:
            assert secret not in result.stdout, (command, secret)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_text_output_has_a_header_then_aligned_lines(outputs: Outputs, command: str) -> None:
    lines = outputs.lines(command)

    assert lines, command
    if command.endswith("list") and outputs.parsed(command):
        columns, rows = header_and_rows(lines)
        assert len(rows) == len(outputs.parsed(command))
        assert all(len(row) == len(columns) for row in rows), lines
        starts = {line.index(cells[1]) for line, cells in zip(lines[1:], rows, strict=True)}
        assert starts == {lines[0].index(columns[1])}, lines


# --- workspaces ---------------------------------------------------------------------


def test_workspace_list_names_the_workspace(outputs: Outputs) -> None:
    [row] = [w for w in outputs.parsed("workspace list") if w["id"] == outputs.made.id]

    assert set(row) == {"id", "name", "plan", "ticketsEnabled", "publicUrl", "createdAt"}
    assert (row["name"], row["plan"], row["ticketsEnabled"], row["publicUrl"]) == (
        "Listed", "premium", True, False,
    )  # fmt: skip
    assert isinstance(row["createdAt"], int)
    assert any(line.startswith(outputs.made.id) for line in outputs.lines("workspace list"))


def test_workspace_show_summarises_the_configuration(outputs: Outputs) -> None:
    data = outputs.parsed("workspace show")

    assert data["id"] == outputs.made.id
    assert data["categories"] == ["support", "reports"]
    assert [(d["key"], d["staff"], d["categories"]) for d in data["departments"]] == [
        ("support-dept", 1, ["support"]),
        ("moderation-dept", 1, ["reports"]),
    ]
    assert data["departments"][1]["discordWebhookUrl"] == "https://discord.com/…"
    assert (data["members"], data["teammates"], data["customFields"]) == (1, 1, 1)
    assert data["discordWebhook"]["enabled"] is True
    assert data["discordWebhook"]["url"] == "https://discord.com/…"
    assert data["ticketsByStatus"] == {"open": 1, "in-progress": 1, "resolved": 1, "closed": 0}


def test_workspace_show_text_masks_the_webhooks(outputs: Outputs) -> None:
    text = outputs.text["workspace show"].stdout

    assert "discordWebhook: enabled=yes  url=https://discord.com/…" in text
    assert "ticketsByStatus: open=1  in-progress=1  resolved=1  closed=0" in text
    assert WORKSPACE_HOOK_TOKEN not in text and DEPARTMENT_HOOK_TOKEN not in text


# --- keys and helpdesk clients ------------------------------------------------------


def test_key_list_shows_prefixes_and_which_are_revoked(outputs: Outputs) -> None:
    rows = outputs.parsed("key list")

    assert [set(r) for r in rows] == [
        {"prefix", "name", "createdAt", "lastUsedAt", "revoked", "revokedAt"}
    ] * 2
    made = outputs.made
    assert [(r["prefix"], r["name"], r["revoked"]) for r in rows] == [
        (made.active_prefix, "active key", False),
        (made.revoked_prefix, "revoked key", True),
    ]
    assert rows[0]["revokedAt"] is None and isinstance(rows[1]["revokedAt"], int)


def test_token_list_shows_clients_and_which_are_revoked(outputs: Outputs) -> None:
    rows = outputs.parsed("token list")

    made = outputs.made
    assert [(r["clientId"], r["name"], r["revoked"]) for r in rows] == [
        (made.active_client, "active client", False),
        (made.revoked_client, "revoked client", True),
    ]
    assert set(rows[0]) == {"clientId", "name", "createdAt", "lastUsedAt", "revoked", "revokedAt"}
    _, text_rows = header_and_rows(outputs.lines("token list"))
    assert [r[:2] for r in text_rows] == [
        [made.active_client, "active client"],
        [made.revoked_client, "revoked client"],
    ]


# --- teammates, categories, fields --------------------------------------------------


def test_teammate_list(outputs: Outputs) -> None:
    assert outputs.parsed("teammate list") == [
        {
            "id": outputs.made.teammate_guid,
            "name": "Tess Mate",
            "email": "tess@example.com",
            "role": "admin",
            "userId": None,
        }
    ]


def test_category_list_in_order_with_their_limits(outputs: Outputs) -> None:
    rows = outputs.parsed("category list")

    assert [(c["key"], c["name"], c["department"], c["maxOpenTickets"]) for c in rows] == [
        ("support", "Support", "support-dept", 5),
        ("reports", "Player Reports", "moderation-dept", 10),
    ]
    assert set(rows[0]) == {"id", "key", "name", "parentId", "department",
                            "membershipRequired", "minRank", "maxOpenTickets"}  # fmt: skip


def test_field_list(outputs: Outputs) -> None:
    assert outputs.parsed("field list") == [
        {"id": outputs.made.field_number, "name": "Platform", "type": "dropdown",
         "options": ["PC", "Mobile"]}
    ]  # fmt: skip
    _, rows = header_and_rows(outputs.lines("field list"))
    assert rows == [[str(outputs.made.field_number), "Platform", "dropdown", "PC,Mobile"]]


def test_an_empty_list_prints_its_header_only(outputs: Outputs) -> None:
    assert outputs.parsed("webhook list") == []
    assert outputs.lines("webhook list") == ["id  workspaceId  url  format  events"]


# --- tickets ------------------------------------------------------------------------


def test_ticket_list_shows_every_ticket_latest_activity_first(outputs: Outputs) -> None:
    rows = outputs.parsed("ticket list")

    t = outputs.made.tickets
    assert ticket_ids(rows) == [t["rank"].number, t["zebra"].number, t["report"].number]
    rank = rows[0]
    assert (rank["code"], rank["status"], rank["author"], rank["authorUserId"]) == (
        t["rank"].code, "in-progress", "Alice", ALICE,
    )  # fmt: skip
    assert rank["tags"] == ["vip"]
    columns, text_rows = header_and_rows(outputs.lines("ticket list"))
    assert columns[:3] == ["id", "code", "status"] and columns[-1] == "subject"
    assert text_rows[0][:3] == [str(t["rank"].number), t["rank"].code, "in-progress"]
    assert text_rows[0][-1] == "Cannot rank up"


FILTERS = {
    "status": (["--status", "open"], ["zebra"]),
    "statuses": (["--status", "open", "--status", "resolved"], ["zebra", "report"]),
    "department": (["--department", "moderation-dept"], ["report"]),
    "category": (["--category", "support"], ["rank", "zebra"]),
    "author": (["--author", str(BOB)], ["report"]),
    "search in a subject": (["--search", "RANK UP"], ["rank"]),
    "search in a message": (["--search", "zebra"], ["zebra"]),
    "search in a note": (["--search", "the logs"], ["rank"]),
    "no match": (["--search", "nothing like this"], []),
    "limit": (["--limit", "1"], ["rank"]),
}


@pytest.mark.parametrize("name", list(FILTERS))
def test_ticket_list_filters(outputs: Outputs, name: str) -> None:
    _, expected = FILTERS[name]

    result = outputs.filtered[name]

    assert result.returncode == 0, result.stderr
    assert ticket_ids(json.loads(result.stdout)) == [
        outputs.made.tickets[n].number for n in expected
    ]


def test_ticket_show_has_facts_tags_fields_and_the_conversation(outputs: Outputs) -> None:
    data = outputs.parsed("ticket show")

    rank = outputs.made.tickets["rank"]
    assert (data["id"], data["code"], data["objectId"]) == (rank.number, rank.code, rank.object_id)
    assert data["tags"] == ["vip"]
    assert data["fields"] == [{"id": outputs.made.field_number, "name": "Platform", "value": "PC"}]
    assert [(m["kind"], m["author"], m["text"]) for m in data["messages"]] == [
        ("author", "Alice", "Please rank me"),
        ("staff", "Tess Mate", "On it"),
        ("system", "Tess Mate", "Status changed from open to in-progress by Tess Mate"),
        ("note", "Tess Mate", "Check the logs first"),
    ]


def test_ticket_show_text_marks_the_notes(outputs: Outputs) -> None:
    lines = outputs.lines("ticket show")

    assert f"code: {outputs.made.tickets['rank'].code}" in lines
    assert "tags: vip" in lines
    conversation = lines[lines.index("conversation:") + 1 :]
    assert conversation[-2].endswith("Tess Mate  (INTERNAL NOTE)"), conversation
    assert conversation[-1] == "    Check the logs first"
    assert conversation[1] == "    Please rank me"


@pytest.mark.parametrize("ref", ["code", "object_id"])
def test_ticket_show_finds_a_ticket_by_code_or_object_id(outputs: Outputs, ref: str) -> None:
    report = outputs.made.tickets["report"]

    result = run_cli(
        outputs.database_url, "ticket", "show", outputs.made.id, getattr(report, ref), "--json"
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["id"] == report.number


# --- failures -----------------------------------------------------------------------


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "workspace list"])
def test_an_unknown_workspace_fails(sqlite_url: str, command: str) -> None:
    missing = str(uuid.uuid4())
    args = [a.format(id=missing, rank="1") for a in COMMANDS[command]]

    result = run_cli(sqlite_url, *args, "--json")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""


@pytest.mark.parametrize("ref", ["999999", "TICKET-1-ABCD", "not-a-ticket", "9" * 30])
def test_an_unknown_ticket_fails(outputs: Outputs, ref: str) -> None:
    result = run_cli(outputs.database_url, "ticket", "show", outputs.made.id, ref)

    assert_clean_failure(result, f"no ticket {ref} in workspace {outputs.made.id}")
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "0"], "--limit must be 1 to 1000"),
        (["--limit", "1001"], "--limit must be 1 to 1000"),
        (["--author", str(2**63)], "--author must be a Roblox user id"),
    ],
)
def test_ticket_list_refuses_bad_bounds(sqlite_url: str, args: list[str], message: str) -> None:
    result = run_cli(sqlite_url, "ticket", "list", str(uuid.uuid4()), *args)

    assert_clean_failure(result, message)
