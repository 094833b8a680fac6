"""Migrations keep what is stored, and leave the schema the code describes."""

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.databases import empty_database
from ticketd.db.migrate import alembic_config, alembic_url
from ticketd.db.schema import is_search_object, metadata
from ticketd.kit.ids import user_guid
from ticketd.tickets import events
from ticketd.tickets.thread_repository import EVENT_COLUMNS

WS = "11111111-2222-4333-8444-555555555555"


@pytest.fixture
def blank_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same engine as `database_url`."""
    with empty_database(database_url, tmp_path, "blank") as url:
        yield url


def run(url: str, *statements: str) -> list[list[tuple]]:
    """Runs statements on `url` in one transaction; returns each one's rows."""

    def work(conn: sa.Connection) -> list[list[tuple]]:
        results = []
        for statement in statements:
            result = conn.execute(sa.text(statement))
            results.append([tuple(r) for r in result] if result.returns_rows else [])
        return results

    if url.startswith("sqlite"):
        engine = sa.create_engine(url)
        try:
            with engine.begin() as conn:
                return work(conn)
        finally:
            engine.dispose()

    async def run_async() -> list[list[tuple]]:
        engine = create_async_engine(alembic_url(url))
        try:
            async with engine.begin() as conn:
                return await conn.run_sync(work)
        finally:
            await engine.dispose()

    return asyncio.run(run_async())


def schema_drift(url: str) -> list:
    def context(conn: sa.Connection) -> MigrationContext:
        def include_name(name: str | None, *_: object) -> bool:
            return not is_search_object(name)

        return MigrationContext.configure(conn, opts={"include_name": include_name})

    if url.startswith("sqlite"):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            diff = compare_metadata(context(conn), metadata)
        engine.dispose()
        return diff

    async def compare() -> list:
        engine = create_async_engine(alembic_url(url))
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda c: compare_metadata(context(c), metadata))
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def test_upgrading_from_the_first_release_keeps_tickets_and_fills_new_columns(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0001")
    run(
        blank_url,
        f"INSERT INTO workspaces (id, name, plan, tickets_enabled, public_url,"
        f" discord_webhook_enabled, created_at) VALUES ('{WS}', 'w', 'premium', TRUE, FALSE,"
        " FALSE, 0)",
        f"INSERT INTO categories (workspace_id, key, name, membership_required, min_rank,"
        f" max_open_tickets, position) VALUES ('{WS}', 'support', 'Support', FALSE, 0, 5, 0)",
        f"INSERT INTO people (workspace_id, user_id, username, is_member, created_at)"
        f" VALUES ('{WS}', 42, 'bob', TRUE, 0)",
        f"INSERT INTO tickets (workspace_id, code, object_id, subject, category_key, status,"
        " priority, author_user_id, claimed_by, game_report, created_at, updated_at) VALUES"
        f" ('{WS}', 'TICKET-1', '{'a' * 24}', 'Help', 'support', 'in-progress', 'medium',"
        " 42, 7, FALSE, 1, 9)",
        "INSERT INTO messages (ticket_id, key, type, author_user_id, content, created_at)"
        " VALUES (1, 'k1', 'author_message', 42, 'hi', 1), (1, 'k2', 'staff_message', 7,"
        " 'hello', 2)",
        f"INSERT INTO events (workspace_id, ticket_id, actor_user_id, type, detail, created_at)"
        f" VALUES ('{WS}', 1, 7, 'ticket_claimed', '{{}}', 2)",
    )

    command.upgrade(config, "0002")

    tickets, messages, events, counts, people = run(
        blank_url,
        "SELECT author_guid, assignee_guid, reply_count, last_thread_at, detailed_source,"
        " subject FROM tickets",
        "SELECT key, content, author_guid FROM messages ORDER BY id",
        "SELECT type, actor_user_id FROM events",
        "SELECT category_key, author_guid, open_count FROM open_ticket_counts",
        "SELECT guid, username FROM people",
    )
    bob, staff = user_guid(WS, 42), user_guid(WS, 7)
    # The thread's time is its newest message's (2), not the ticket's last update (9).
    assert tickets == [(bob, staff, 1, 2, "api_series", "Help")]
    assert messages == [("k1", "hi", bob), ("k2", "hello", staff)]
    assert events == [("ticket_claimed", 7)]
    assert counts == [("support", bob, 1)]
    assert people == [(bob, "bob")]


OLD_EVENTS = [  # (type, detail) as releases before 0003 wrote them
    ("ticket_created", {"gameReport": True, "priority": "high"}),
    ("ticket_claimed", {}),
    ("ticket_unclaimed", {"previous": 7}),
    ("ticket_assigned_to_user", {"assignee": "g-ann"}),
    ("ticket_assigned_to_user", {"assignee": "g-bob", "previous": "g-ann"}),
    ("ticket_unassigned", {"previous": "g-bob"}),
    ("ticket_status_changed", {"previous": "open", "status": "resolved"}),
    ("reply_created", {"by": "staff", "replyId": 5, "draft": False}),
    ("reply_created", {"by": "author"}),
    ("reply_drafted", {"by": "staff", "replyId": 6, "draft": True}),
    ("note_deleted", {"noteId": 8}),
    ("ticket_category_changed", {"previous": "support", "category": None}),
    ("ticket_transferred", {"from": "support-dept", "to": "moderation-dept"}),
    ("ticket_tags_changed", {"tags": ["vip"]}),
    ("custom_field_changed", {"field": 3, "value": "Oslo"}),
]


def test_upgrading_to_typed_events_names_every_change_and_keeps_its_facts(blank_url: str) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0002")
    run(
        blank_url,
        f"INSERT INTO workspaces (id, name, plan, tickets_enabled, public_url,"
        f" discord_webhook_enabled, created_at) VALUES ('{WS}', 'w', 'premium', TRUE, FALSE,"
        " FALSE, 0)",
        *(
            "INSERT INTO events (workspace_id, actor_user_id, type, detail, created_at)"
            f" VALUES ('{WS}', 7, '{kind}', '{json.dumps(detail)}', 1)"
            for kind, detail in OLD_EVENTS
        ),
    )

    command.upgrade(config, "head")

    [rows] = run(blank_url, f"SELECT {EVENT_COLUMNS}, fanned_out_at FROM events ORDER BY id")
    staff = user_guid(WS, 7)
    assert [(r[5], json.loads(r[6])) for r in rows] == [
        ("ticket.game_report_created", {"priority": "high"}),
        ("ticket.claimed", {"assignee_guid": staff}),
        ("ticket.unclaimed", {"previous_assignee_guid": staff}),
        ("ticket.claimed", {"assignee_guid": "g-ann"}),
        ("ticket.assigned", {"assignee_guid": "g-bob", "previous_assignee_guid": "g-ann"}),
        ("ticket.unassigned", {"previous_assignee_guid": "g-bob"}),
        ("ticket.status_changed", {"previous_status": "open", "status": "resolved"}),
        ("reply.by_staff", {"reply_id": 5}),
        ("reply.by_author", {"reply_id": None}),
        ("reply.drafted", {"reply_id": 6}),
        ("note.deleted", {"note_id": 8}),
        ("ticket.category_changed", {"previous_category": "support", "category": None}),
        (
            "ticket.transferred",
            {"from_department": "support-dept", "to_department": "moderation-dept"},
        ),
        ("ticket.tags_changed", {"tags": ["vip"]}),
        ("ticket.field_value_changed", {"field_id": 3, "value": "Oslo"}),
    ]
    read = [events.read(r) for r in rows]
    assert [e.type.value for e in read] == [r[5] for r in rows]
    assert read[4].payload.people() == ("g-bob", "g-ann")
    # 0004: every old event gets its own public id and counts as already fanned out (old
    # history is not news to send).
    assert all(re.fullmatch(r"evt_[0-9a-f]{32}", e.public_id) for e in read)
    assert len({e.public_id for e in read}) == len(read)
    assert [r[9] for r in rows] == [e.created_at for e in read]


def test_the_migrated_schema_matches_the_code(blank_url: str) -> None:
    command.upgrade(alembic_config(blank_url), "head")
    assert schema_drift(blank_url) == []


def ticket_row(number: int, status: str, first_response_at: str, closed_at: str) -> str:
    """A ticket as 0005 stores it, created at 1."""
    return (
        f"('{WS}', 'TICKET-{number}', '{str(number) * 24}', 'Help', '{status}', 'medium',"
        f" 'g-author', FALSE, 'api_series', 1, 1, 1, {first_response_at}, {closed_at})"
    )


def test_upgrading_to_ticket_times_fills_first_response_and_resolution_from_history(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0005")
    status_changes = [  # (ticket, time, detail) as 0003's rewrite and today's code write them
        (1, 5, json.dumps({"previous_status": "open", "status": "in-progress"})),
        (1, 20, json.dumps({"previous_status": "in-progress", "status": "resolved"})),
        (1, 30, '{"previous_status":"resolved","status":"open"}'),
        (4, 70, '{"previous_status":"open","status":"closed"}'),
        (4, 75, '{"previous_status":"closed","status":"open"}'),
        (4, 80, '{"previous_status":"open","status":"closed"}'),
    ]
    run(
        blank_url,
        f"INSERT INTO workspaces (id, name, plan, tickets_enabled, public_url,"
        f" discord_webhook_enabled, created_at) VALUES ('{WS}', 'w', 'premium', TRUE, FALSE,"
        " FALSE, 0)",
        "INSERT INTO tickets (workspace_id, code, object_id, subject, status, priority,"
        " author_guid, game_report, detailed_source, last_thread_at, created_at, updated_at,"
        " first_response_at, closed_at) VALUES "
        + ", ".join(
            [
                ticket_row(1, "open", "NULL", "NULL"),  # reopened after its resolution
                ticket_row(2, "closed", "7", "50"),  # closed with no status change recorded
                ticket_row(3, "open", "NULL", "NULL"),  # never answered nor resolved
                ticket_row(4, "closed", "NULL", "80"),  # closed, reopened, closed again
            ]
        ),
        "INSERT INTO messages (ticket_id, key, type, content, is_draft, created_at) VALUES"
        " (1, 'a', 'author_message', 'hi', FALSE, 1), (1, 'n', 'internal_note', 'n', FALSE, 2),"
        " (1, 's', 'system_message', 's', FALSE, 3), (1, 'd', 'staff_message', 'd', TRUE, 4),"
        " (1, 'r1', 'staff_message', 'r', FALSE, 6), (1, 'r2', 'staff_message', 'r', FALSE, 8),"
        " (2, 'r3', 'staff_message', 'r', FALSE, 9), (3, 'n2', 'internal_note', 'n', FALSE, 2)",
        *(
            "INSERT INTO events (workspace_id, ticket_id, type, detail, created_at, public_id)"
            f" VALUES ('{WS}', {ticket}, 'ticket.status_changed', '{detail}', {at}, 'evt_{at}')"
            for ticket, at, detail in status_changes
        ),
        "INSERT INTO events (workspace_id, ticket_id, type, detail, created_at, public_id)"
        f" VALUES ('{WS}', 3, 'ticket.claimed', '{{\"status\": \"closed\"}}', 60, 'evt_60'),"
        f" ('{WS}', 3, 'note.added', 'not json', 61, 'evt_61')",
    )

    command.upgrade(config, "0006")

    [tickets] = run(
        blank_url, "SELECT code, first_response_at, first_resolved_at FROM tickets ORDER BY id"
    )
    assert tickets == [
        ("TICKET-1", 6, 20),  # the first published staff message; kept when reopened
        ("TICKET-2", 7, 50),  # a recorded first response is kept; else the closing time
        ("TICKET-3", None, None),
        ("TICKET-4", None, 70),  # the first closing, not the last
    ]


OTHER_WS = "99999999-2222-4333-8444-555555555555"


def fill_0007(url: str) -> None:
    """Two workspaces as 0007 stores them: tickets with messages (a draft among them),
    tags, field values, department links and a staff password."""
    workspace = ("INSERT INTO workspaces (id, name, plan, tickets_enabled, public_url,"
                 " discord_webhook_enabled, created_at) VALUES ('{}', 'w', 'premium', TRUE,"
                 " FALSE, FALSE, 0)")  # fmt: skip
    run(
        url,
        workspace.format(WS),
        workspace.format(OTHER_WS),
        "INSERT INTO tickets (workspace_id, code, object_id, subject, status, priority,"
        " author_guid, author_username, game_report, detailed_source, last_thread_at,"
        " created_at, updated_at, public_token) VALUES "
        + ", ".join(
            f"('{ws}', 'TICKET-{n}', '{str(n) * 24}', 'Printer {n} on fire', 'open', 'medium',"
            f" 'g-{n}', 'player{n}', FALSE, 'api_series', 1, 1, 1, 'token{n}')"
            for n, ws in ((1, WS), (2, OTHER_WS), (3, WS))
        ),
        "INSERT INTO messages (ticket_id, key, type, content, is_draft, created_at) VALUES"
        " (1, 'a', 'author_message', 'the toner smells', FALSE, 1),"
        " (2, 'a', 'author_message', 'paper jam again', FALSE, 1),"
        " (2, 'd', 'staff_message', 'secret draft', TRUE, 2),"
        " (3, 'a', 'author_message', 'cartridge empty', FALSE, 1)",
        f"INSERT INTO tags (workspace_id, name, name_key) VALUES ('{WS}', 'VIP', 'vip'),"
        f" ('{OTHER_WS}', 'vip', 'vip')",
        "INSERT INTO ticket_tags (ticket_id, tag_id) VALUES (1, 1), (2, 2)",
        f"INSERT INTO custom_fields (workspace_id, name, name_key, type, created_at)"
        f" VALUES ('{OTHER_WS}', 'City', 'city', 'text', 0)",
        "INSERT INTO ticket_field_values (ticket_id, field_id, value) VALUES (2, 1, 'Oslo')",
        f"INSERT INTO departments (workspace_id, key, name, position)"
        f" VALUES ('{OTHER_WS}', 'support', 'Support', 0)",
        f"INSERT INTO categories (workspace_id, key, name, membership_required, min_rank,"
        f" position) VALUES ('{OTHER_WS}', 'help', 'Help', FALSE, 0, 0)",
        "INSERT INTO department_members (department_id, user_id) VALUES (1, 7)",
        "INSERT INTO department_categories (department_id, category_id, position) VALUES (1, 1, 0)",
        f"INSERT INTO people (workspace_id, guid, is_member, email, email_key, created_at)"
        f" VALUES ('{OTHER_WS}', 'g-staff', FALSE, 'ann@example.com', 'ann@example.com', 0)",
        f"INSERT INTO staff_credentials (person_guid, workspace_id, password_hash, changed_at)"
        f" VALUES ('g-staff', '{OTHER_WS}', 'hash', 0)",
        f"INSERT INTO staff_sessions (token_hash, workspace_id, person_guid, csrf_token,"
        f" created_at, last_seen_at) VALUES ('t', '{OTHER_WS}', 'g-staff', 'c', 0, 0)",
    )


WORKSPACE_OF_EACH_ROW = [
    "SELECT id, workspace_id, key, content FROM messages ORDER BY id",
    "SELECT workspace_id, ticket_id, tag_id FROM ticket_tags ORDER BY ticket_id",
    "SELECT workspace_id, ticket_id, field_id, value FROM ticket_field_values",
    "SELECT workspace_id, department_id, user_id FROM department_members",
    "SELECT workspace_id, department_id, category_id FROM department_categories",
]


def search(url: str, text: str) -> list[int]:
    """Ticket ids whose text or published messages hold `text`, through the search
    indexes of 0007 (SQLite FTS5 tables; pg_trgm on PostgreSQL, asked as the code asks)."""
    if url.startswith("sqlite"):
        [found] = run(
            url,
            f"SELECT rowid FROM ticket_search WHERE text LIKE '%{text}%' UNION SELECT m.ticket_id"
            f" FROM message_search JOIN messages m ON m.id = message_search.rowid"
            f" WHERE message_search.content LIKE '%{text}%' ORDER BY 1",
        )
    else:
        [found] = run(
            url,
            f"SELECT id FROM tickets WHERE lower(subject) LIKE '%{text}%' UNION SELECT ticket_id"
            f" FROM messages WHERE NOT is_draft AND lower(content) LIKE '%{text}%' ORDER BY 1",
        )
    return [row[0] for row in found]


def search_machinery(url: str) -> list[str]:
    if url.startswith("sqlite"):
        [rows] = run(url, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    else:
        [rows] = run(
            url,
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE '%search' UNION"
            " SELECT stxname FROM pg_statistic_ext ORDER BY 1",
        )
    return [row[0] for row in rows]


def test_upgrading_to_0008_gives_every_row_its_workspace_and_keeps_search_working(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0007")
    fill_0007(blank_url)
    machinery = search_machinery(blank_url)

    command.upgrade(config, "0008")

    messages, tags, values, members, links = run(blank_url, *WORKSPACE_OF_EACH_ROW)
    assert messages == [
        (1, WS, "a", "the toner smells"),
        (2, OTHER_WS, "a", "paper jam again"),
        (3, OTHER_WS, "d", "secret draft"),
        (4, WS, "a", "cartridge empty"),
    ]
    assert tags == [(WS, 1, 1), (OTHER_WS, 2, 2)]
    assert values == [(OTHER_WS, 2, 1, "Oslo")]
    assert members == [(OTHER_WS, 1, 7)] and links == [(OTHER_WS, 1, 1)]
    assert search_machinery(blank_url) == machinery
    assert search(blank_url, "toner") == [1] and search(blank_url, "printer 3") == [3]
    assert search(blank_url, "secret") == []  # drafts stay out of the index
    if blank_url.startswith("sqlite"):
        assert run(blank_url, "PRAGMA foreign_key_check") == [[]]
    # The search triggers work again: new and changed rows are found.
    run(
        blank_url,
        f"INSERT INTO messages (workspace_id, ticket_id, key, type, content, created_at)"
        f" VALUES ('{WS}', 3, 'b', 'staff_message', 'try a new drum', 2)",
        "UPDATE tickets SET subject = 'Scanner on fire' WHERE id = 2",
    )
    assert search(blank_url, "drum") == [3] and search(blank_url, "scanner") == [2]


def test_0008_makes_codes_and_guids_unique_per_workspace_and_can_be_undone(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0007")
    fill_0007(blank_url)
    command.upgrade(config, "0008")
    same_code = (
        "INSERT INTO tickets (workspace_id, code, object_id, subject, status, priority,"
        " author_guid, game_report, detailed_source, last_thread_at, created_at, updated_at,"
        " public_token) VALUES ('{}', 'TICKET-1', '{}', 'x', 'open', 'medium', 'g', FALSE,"
        " 'api_series', 1, 1, 1, '{}')"
    )
    run(blank_url, same_code.format(OTHER_WS, "1" * 24, "token-other"))  # another workspace
    with pytest.raises(sa.exc.IntegrityError):
        run(blank_url, same_code.format(WS, "9" * 24, "token-again"))  # the same one
    with pytest.raises(sa.exc.IntegrityError):  # a message may not name another's ticket
        run(
            blank_url,
            "PRAGMA foreign_keys = ON" if blank_url.startswith("sqlite") else "SELECT 1",
            f"INSERT INTO messages (workspace_id, ticket_id, key, type, content, created_at)"
            f" VALUES ('{WS}', 2, 'x', 'staff_message', 'wrong workspace', 2)",
        )
    run(blank_url, "DELETE FROM tickets WHERE id = 4")

    command.downgrade(config, "0007")

    assert run(blank_url, "SELECT id, ticket_id, key FROM messages ORDER BY id") == [
        [(1, 1, "a"), (2, 2, "a"), (3, 2, "d"), (4, 3, "a")]
    ]
    assert run(blank_url, "SELECT ticket_id, tag_id FROM ticket_tags ORDER BY 1") == [
        [(1, 1), (2, 2)]
    ]
    assert search(blank_url, "toner") == [1]
    with pytest.raises(sa.exc.IntegrityError):  # codes are unique across workspaces again
        run(blank_url, same_code.format(OTHER_WS, "8" * 24, "token-8"))
    command.upgrade(config, "head")
    assert schema_drift(blank_url) == []


def test_0009_counts_the_stored_tickets_and_0010_clears_avatars_that_are_not_http(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0007")
    fill_0007(blank_url)
    kept = ["https://tr.rbxcdn.com/avatar-url", "HTTP://EXAMPLE.COM/a.png"]
    run(
        blank_url,
        "UPDATE tickets SET author_avatar_url = 'javascript:alert(1)' WHERE id = 1",
        f"UPDATE tickets SET author_avatar_url = '{kept[0]}', status = 'closed' WHERE id = 2",
        f"UPDATE tickets SET author_avatar_url = '{kept[1]}' WHERE id = 3",
        "UPDATE people SET avatar_url = 'https://a.example/b c.png'",
    )
    command.upgrade(config, "0009")
    counted = run(blank_url, "SELECT workspace_id, department_key, status, n FROM ticket_counts"
                  " ORDER BY workspace_id, status")[0]  # fmt: skip
    assert sorted(counted) == sorted([(WS, "", "open", 2), (OTHER_WS, "", "closed", 1)])

    command.upgrade(config, "head")
    avatars = run(blank_url, "SELECT id, author_avatar_url FROM tickets ORDER BY id",
                  "SELECT avatar_url FROM people")  # fmt: skip
    assert avatars == [[(1, None), (2, kept[0]), (3, kept[1])], [(None,)]]


def test_0012_numbers_each_workspaces_rows_from_one_and_new_rows_carry_on(
    blank_url: str,
) -> None:
    config = alembic_config(blank_url)
    command.upgrade(config, "0007")
    fill_0007(blank_url)  # tickets 1 and 3 in WS, 2 in OTHER_WS
    run(blank_url, "UPDATE messages SET parent_id = 2 WHERE id = 3")  # the draft answers
    command.upgrade(config, "0012")

    numbered = run(
        blank_url,
        "SELECT id, workspace_id, number FROM tickets ORDER BY id",
        "SELECT id, workspace_id, number, parent_number FROM messages ORDER BY id",
        "SELECT workspace_id, tickets, messages, categories, custom_fields, departments"
        " FROM workspace_numbers ORDER BY workspace_id",
    )
    assert numbered == [
        [(1, WS, 1), (2, OTHER_WS, 1), (3, WS, 2)],
        [(1, WS, 1, None), (2, OTHER_WS, 1, None), (3, OTHER_WS, 2, 1), (4, WS, 2, None)],
        sorted([(WS, 2, 2, 0, 0, 0), (OTHER_WS, 1, 2, 1, 1, 1)]),
    ]
    with pytest.raises(sa.exc.IntegrityError):  # a number is unique in its workspace
        run(blank_url, "UPDATE tickets SET number = 1 WHERE id = 3")
    command.upgrade(config, "head")  # the model is the newest migration's
    assert schema_drift(blank_url) == []

    command.downgrade(config, "0011")
    command.upgrade(config, "head")
    assert run(blank_url, "SELECT number FROM tickets ORDER BY id") == [[(1,), (1,), (2,)]]
