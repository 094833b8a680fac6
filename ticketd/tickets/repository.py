"""Ticket storage: tickets, open-ticket counters and ticket searches. Every statement
starts from the Scope's workspace, except the author's link lookup (a token unique
across the database is all its caller has)."""

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from ticketd.db import numbers
from ticketd.db.database import (
    Connection,
    Params,
    Row,
    Scope,
    UniqueViolation,
    placeholders,
    update_in_workspace,
)
from ticketd.db.search_index import LOWER_TICKET_TEXT
from ticketd.kit.errors import OpenTicketLimit
from ticketd.tickets import thread_repository, trigrams
from ticketd.tickets.labels import tag_key
from ticketd.tickets.model import (
    Message,
    Status,
    Ticket,
    TicketNumber,
    TicketOrder,
    TicketQuery,
    TicketRef,
)

TICKET_COLUMNS = (
    "id, code, object_id, workspace_id, subject, category_key, department_key, status,"
    " priority, author_guid, author_user_id, author_username, author_display_name,"
    " author_avatar_url, assignee_guid, claimed_by, claimed_at, game_report, place_id,"
    " server_id, sentiment, detailed_source, source_name, cc, reply_count, has_draft,"
    " last_thread_at, created_at, updated_at, closed_at, first_response_at,"
    " first_resolved_at, public_token, number"
)
_JOINED_COLUMNS = ", ".join(
    [f"t.{c.strip()}" for c in TICKET_COLUMNS.split(",")]
    + [f"m.{c.strip()}" for c in thread_repository.MESSAGE_COLUMNS.split(",")]
)
_MESSAGE_START = len(TICKET_COLUMNS.split(","))
_PUBLISHED = "m.type <> 'internal_note' AND m.is_draft = FALSE"  # no notes, no drafts
# A ticket with its published messages: each row carries the ticket's columns, then
# one message's.
_WITH_THREAD = (
    f"SELECT {_JOINED_COLUMNS} FROM tickets t LEFT JOIN messages m"
    " ON m.workspace_id = t.workspace_id AND m.ticket_id = t.id AND " + _PUBLISHED
)
_THREAD_ORDER = "ORDER BY m.created_at, m.id"
_OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
_ORDER_BY = {
    TicketOrder.LATEST_ACTIVITY_FIRST: "last_thread_at DESC, id DESC",
    TicketOrder.EARLIEST_ACTIVITY_FIRST: "last_thread_at, id",
    TicketOrder.NEWEST_FIRST: "id DESC",
    TicketOrder.OLDEST_FIRST: "id",
}


def _ref_column(ref: TicketRef) -> tuple[str, str | int] | None:
    """The column `ref` names a ticket by, and the value to find there."""
    if isinstance(ref, TicketNumber):
        return "number", ref.value
    if isinstance(ref, int):
        return "id", ref
    if ref.startswith("TICKET-"):
        return "code", ref
    if _OBJECT_ID.match(ref):
        return "object_id", ref
    return None


async def find_ticket(scope: Scope, ref: TicketRef, *, for_update: bool = False) -> Ticket | None:
    """By `code`, `object_id`, number or row id; other shapes cannot name a ticket."""
    found = _ref_column(ref)
    if found is None:
        return None
    column, value = found
    lock = " FOR UPDATE" if for_update and scope.dialect == "postgresql" else ""
    row = await scope.conn.fetchrow(
        f"SELECT {TICKET_COLUMNS} FROM tickets WHERE workspace_id = $1 AND {column} = $2{lock}",
        scope.workspace_id,
        value,
    )
    return None if row is None else Ticket.from_row(row)


async def find_ticket_with_thread(
    scope: Scope, ref: TicketRef
) -> tuple[Ticket | None, list[Message]]:
    """The ticket and its published messages (no notes, no drafts) in time order. On
    PostgreSQL in one query (one round trip), each row carrying the ticket's columns and
    then one message's; on SQLite, which has no round trips, two narrow queries cost
    less than repeating the ticket's columns in every row."""
    found = _ref_column(ref)
    if found is None:
        return None, []
    if scope.dialect != "postgresql":
        ticket = await find_ticket(scope, ref)
        return ticket, [] if ticket is None else await _published_thread(scope, ticket.id)
    column, value = found
    rows = await scope.conn.fetch(
        f"{_WITH_THREAD} WHERE t.workspace_id = $1 AND t.{column} = $2 {_THREAD_ORDER}",
        scope.workspace_id,
        value,
    )
    return _ticket_and_thread(rows)


async def _published_thread(scope: Scope, ticket_id: int) -> list[Message]:
    rows = await scope.conn.fetch(
        f"SELECT {thread_repository.MESSAGE_COLUMNS} FROM messages m"
        " WHERE m.workspace_id = $1 AND m.ticket_id = $2"
        f" AND {_PUBLISHED} {_THREAD_ORDER}",
        scope.workspace_id,
        ticket_id,
    )
    return [Message.from_row(r) for r in rows]


async def find_by_public_token(conn: Connection, token: str) -> tuple[Ticket | None, list[Message]]:
    """The ticket whose author's link carries `token`, in whichever workspace, and its
    published messages in time order, in one query on the token's unique index."""
    rows = await conn.fetch(f"{_WITH_THREAD} WHERE t.public_token = $1 {_THREAD_ORDER}", token)
    return _ticket_and_thread(rows)


def _ticket_and_thread(rows: Sequence[Row]) -> tuple[Ticket | None, list[Message]]:
    if not rows:
        return None, []
    start = _MESSAGE_START
    messages = [Message.from_row(r, start) for r in rows if r[start] is not None]
    return Ticket.from_row(rows[0]), messages


# Counts one more open ticket for an author in a category unless that would pass the
# limit (negative: never refuse). One conditional upsert: the row lock makes concurrent
# creates queue. `key` is the category key and author GUID, `limit` the limit.
_TAKE_SLOT = (
    "INSERT INTO open_ticket_counts (workspace_id, category_key, author_guid, open_count)"
    " VALUES ($1, {key}, 1) ON CONFLICT (workspace_id, category_key, author_guid)"
    " DO UPDATE SET open_count = open_ticket_counts.open_count + 1"
    " WHERE {limit} < 0 OR open_ticket_counts.open_count < {limit} RETURNING open_count"
)


async def take_open_slot(
    scope: Scope, category_key: str, author_guid: str, limit: int | None
) -> bool:
    """Counts one more open ticket for the author in a limited category, unless that
    would pass `limit` (None: count, but never refuse)."""
    row = await scope.conn.fetchrow(
        _TAKE_SLOT.format(key="$2, $3", limit="$4"),
        scope.workspace_id,
        category_key,
        author_guid,
        -1 if limit is None else limit,
    )
    return row is not None


async def release_open_slot(scope: Scope, category_key: str, author_guid: str) -> None:
    await scope.conn.execute(
        "UPDATE open_ticket_counts SET open_count = open_count - 1 WHERE workspace_id = $1"
        " AND category_key = $2 AND author_guid = $3 AND open_count > 0",
        scope.workspace_id,
        category_key,
        author_guid,
    )


_MESSAGE_INSERT_COLUMNS = (
    "key",
    "type",
    "author_user_id",
    "author_guid",
    "content",
    "html",
    "attachments",
    "created_at",
)
_MESSAGE_TYPES = ("text", "text", "bigint", "text", "text", "text", "text", "bigint")
_EVENT_COLUMNS = (
    "actor_user_id", "actor_guid", "actor_name", "type", "detail", "created_at", "public_id"
)  # fmt: skip
_EVENT_TYPES = ("bigint", "text", "text", "text", "text", "bigint", "text")


_TAKE_NUMBERS = numbers.take_sql("tickets", "messages")


async def take_ticket_numbers(conn: Connection, workspace_id: str) -> tuple[int, int]:
    """The numbers of a new ticket and of its opening message in the workspace."""
    taken = await conn.fetchrow(_TAKE_NUMBERS, workspace_id)
    assert taken is not None
    return taken[0], taken[1]


@dataclasses.dataclass(frozen=True, slots=True)
class OpenSlot:
    """An open ticket to count against the author's limit in a category (take_open_slot)."""

    category_key: str
    author_guid: str
    limit: int


async def insert_new_ticket(
    scope: Scope,
    ticket: dict[str, Any],
    message: dict[str, Any],
    event: dict[str, Any],
    numbered: tuple[int, int],
    *,
    alone: bool = False,
    slot: OpenSlot | None = None,
) -> int | None:
    """Inserts a ticket (in the Scope's workspace) with its first message and its
    creation event, numbered as `numbered` (take_ticket_numbers), after taking `slot`
    (OpenTicketLimit when the author has none left). Returns the new row id, or None
    when `code` or `object_id` collided (nothing is then written).

    On PostgreSQL this is one statement. `alone` says no transaction is open around
    it: the statement is then atomic by itself, slot included, with no BEGIN/COMMIT
    round trips. On SQLite, where statements cost no round trip, it is three or four."""
    values = {"workspace_id": scope.workspace_id, **ticket, "number": numbered[0]}
    args = list(values.values())
    columns = ", ".join(values)
    if slot is not None and not (alone and scope.dialect == "postgresql"):
        if not await take_open_slot(scope, slot.category_key, slot.author_guid, slot.limit):
            raise OpenTicketLimit(slot.limit)
        slot = None
    if scope.dialect != "postgresql":
        ticket_id = await scope.conn.fetchval(
            f"INSERT INTO tickets ({columns}) VALUES ({placeholders(len(args))})"
            " ON CONFLICT DO NOTHING RETURNING id",
            *args,
        )
        if ticket_id is None:
            return None
        await thread_repository.insert_message(scope, ticket_id, message, number=numbered[1])
        await thread_repository.insert_event(scope, ticket_id, event)
        return ticket_id

    def casts(columns: dict[str, Any], types: tuple[str, ...]) -> str:
        start = len(args) + 1
        args.extend(columns.values())
        return ", ".join(f"${start + i}::{t}" for i, t in enumerate(types))

    message_values = casts({c: message[c] for c in _MESSAGE_INSERT_COLUMNS}, _MESSAGE_TYPES)
    event_values = casts({c: event[c] for c in _EVENT_COLUMNS}, _EVENT_TYPES)
    message_number = casts({"number": numbered[1]}, ("bigint",))
    # Inside a transaction a failed statement would end it: a collision is skipped.
    # Alone, a collision fails the whole statement, a slot taken in it included.
    ticket_values = f"VALUES ({placeholders(len(values))}) ON CONFLICT DO NOTHING"
    taking = ""
    if alone:
        ticket_values = f"SELECT {placeholders(len(values))}"
    if slot is not None:
        key = casts({"category_key": slot.category_key, "guid": slot.author_guid}, ("text",) * 2)
        limit = casts({"limit": slot.limit}, ("bigint",))
        taking = f"slot AS ({_TAKE_SLOT.format(key=key, limit=limit)}),"
        ticket_values += " WHERE EXISTS (SELECT 1 FROM slot)"
    sql = (
        f"WITH {taking} t AS (INSERT INTO tickets ({columns}) {ticket_values} RETURNING id),"
        " m AS (INSERT INTO messages (workspace_id, ticket_id, number,"
        f" {', '.join(_MESSAGE_INSERT_COLUMNS)})"
        f" SELECT $1, id, {message_number}, {message_values} FROM t),"
        f" e AS (INSERT INTO events (workspace_id, ticket_id, {', '.join(_EVENT_COLUMNS)})"
        f" SELECT $1, id, {event_values} FROM t)"
        f" SELECT (SELECT id FROM t), {'EXISTS (SELECT 1 FROM slot)' if taking else 'true'}"
    )
    try:
        row = await scope.conn.fetchrow(sql, *args)
    except UniqueViolation:
        if not alone:
            raise
        return None  # code or object_id taken: nothing was written
    assert row is not None
    if not row[1]:
        assert slot is not None
        raise OpenTicketLimit(slot.limit)
    return int(row[0]) if row[0] is not None else None


async def update_ticket(scope: Scope, ticket_id: int, **values: Any) -> int:
    """Sets columns of one ticket; returns the number of rows changed."""
    return await update_in_workspace(scope.conn, "tickets", scope.workspace_id, ticket_id, values)


async def claim(scope: Scope, ticket_id: int, guid: str, user_id: int | None, now: int) -> bool:
    """The conditional update that lets exactly one of many simultaneous claimers win."""
    changed = await scope.conn.execute(
        "UPDATE tickets SET assignee_guid = $3, claimed_by = $4, claimed_at = $5,"
        " updated_at = $5, status = 'in-progress' WHERE workspace_id = $1 AND id = $2"
        " AND assignee_guid IS NULL AND status IN ('open', 'in-progress')",
        scope.workspace_id,
        ticket_id,
        guid,
        user_id,
        now,
    )
    return changed == 1


async def reassign(
    scope: Scope,
    ticket_id: int,
    previous_guid: str | None,
    assignee: tuple[str, int | None] | None,
    now: int,
) -> bool:
    """Sets (or with None clears) the assignee, given as (GUID, Roblox user id), only if
    it is still `previous_guid`."""
    guid, user_id = assignee if assignee else (None, None)
    changed = await scope.conn.execute(
        "UPDATE tickets SET assignee_guid = $4, claimed_by = $5, claimed_at = $6,"
        " updated_at = $7 WHERE workspace_id = $1 AND id = $2 AND (assignee_guid = $3"
        " OR (assignee_guid IS NULL AND CAST($3 AS TEXT) IS NULL))",
        scope.workspace_id,
        ticket_id,
        previous_guid,
        guid,
        user_id,
        now if assignee else None,
        now,
    )
    return changed == 1


async def where_clause(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None, params: Params
) -> str:
    """`within`: only tickets of these departments or of none (None: no such limit)."""
    where = [f"workspace_id = {params.add(scope.workspace_id)}"]
    if query.uncategorised:
        where.append("category_key IS NULL")
    elif query.category is not None:
        where.append(f"category_key = {params.add(query.category)}")
    if query.department is not None:
        where.append(f"department_key = {params.add(query.department)}")
    if query.author_user_id is not None:
        where.append(f"author_user_id = {params.add(query.author_user_id)}")
    if query.text:
        where.append(await _text_matches(scope, query, params))
    if query.tag is not None:
        where.append(await _tagged(scope, query.tag, params))
    if within is not None:
        keys = f" OR department_key IN ({params.add_all(within)})" if within else ""
        where.append(f"(department_key IS NULL{keys})")
    for field_id, value in query.field_values:
        where.append(
            "EXISTS (SELECT 1 FROM ticket_field_values v"
            " WHERE v.workspace_id = tickets.workspace_id AND v.ticket_id = tickets.id"
            f" AND v.field_id = {params.add(field_id)}"
            f" AND v.value = {params.add(value)})"
        )
    if query.assignee_guid is not None:
        where.append(f"assignee_guid = {params.add(query.assignee_guid)}")
    if query.unassigned:
        where.append("assignee_guid IS NULL")
    if query.game_reports:
        where.append("game_report")
    if query.created_from is not None:
        where.append(f"created_at >= {params.add(query.created_from)}")
    if query.created_to is not None:
        where.append(f"created_at <= {params.add(query.created_to)}")
    for column, values in (
        ("status", query.statuses),
        ("detailed_source", query.sources),
        ("number", query.ticket_numbers),
        ("priority", query.priorities),
    ):
        if values:
            where.append(f"{column} IN ({params.add_all(values)})")
    return " AND ".join(where)


async def _text_matches(scope: Scope, query: TicketQuery, params: Params) -> str:
    """The text in the ticket (and, when asked, in a published message or note), as a
    substring, ignoring case. The matching ticket ids come from the search indexes:
    PostgreSQL's pg_trgm indexes find candidates by one rare trigram and strpos
    confirms them; on SQLite the FTS5 trigram tables find candidates and the LIKEs
    confirm them."""
    assert query.text is not None
    text = " ".join(query.text.lower().splitlines())
    if scope.dialect == "postgresql":
        return await _pg_text_matches(scope, query, text, params)
    workspace = params.add(scope.workspace_id)
    exact = params.add("%" + _like_escape(text) + "%")
    in_ticket = (
        f"SELECT id FROM tickets WHERE workspace_id = {workspace}"
        f" AND {LOWER_TICKET_TEXT} LIKE {exact} ESCAPE '\\'"
    )
    in_messages = (
        f"SELECT ticket_id FROM messages WHERE workspace_id = {workspace} AND NOT is_draft"
        f" AND lower(content) LIKE {exact} ESCAPE '\\'"
    )
    if scope.dialect == "sqlite" and await _common(scope, text, query):
        # Tested ticket by ticket, in the order of the list's own index.
        own_text = f"{LOWER_TICKET_TEXT} LIKE {exact} ESCAPE '\\'"
        if not query.text_in_messages:
            return own_text
        return f"({own_text} OR EXISTS ({in_messages} AND ticket_id = tickets.id))"
    if scope.dialect == "sqlite" and len(text) >= trigrams.TRIGRAM:
        found = params.add(await trigrams.match_expression(scope.conn, "ticket_search", text))
        in_ticket = (
            f"SELECT id FROM tickets WHERE id IN (SELECT rowid FROM ticket_search"
            f" WHERE ticket_search MATCH {found}) AND workspace_id = {workspace}"
            f" AND {LOWER_TICKET_TEXT} LIKE {exact} ESCAPE '\\'"
        )
        if query.text_in_messages:
            found = params.add(await trigrams.match_expression(scope.conn, "message_search", text))
            in_messages = (
                # CROSS JOIN keeps SQLite from scanning messages and querying the index per row
                "SELECT m.ticket_id FROM message_search CROSS JOIN messages m"
                f" WHERE m.id = message_search.rowid AND message_search MATCH {found}"
                f" AND m.workspace_id = {workspace} AND lower(m.content) LIKE {exact}"
                " ESCAPE '\\'"
            )
    if query.text_in_messages:
        return f"id IN ({in_ticket} UNION {in_messages})"
    return f"id IN ({in_ticket})"


async def _pg_text_matches(scope: Scope, query: TicketQuery, text: str, params: Params) -> str:
    """A rare text's tickets are gathered first and handed to the statement as an array
    of ids: given the search as an `IN` subquery, PostgreSQL guessed a rare word in
    messages at 4% of them and, at a million tickets, walked the whole list filtering by
    it (a dashboard search took 1.6 s); given it as `ANY(ARRAY(subquery))`, a statement
    counting per status ran the search once per status. A common text is tested ticket
    by ticket in the list's own order, as on SQLite."""
    if await _common(scope, text, query):
        own_text = f"strpos({LOWER_TICKET_TEXT}, {params.add(text)}) > 0"
        if not query.text_in_messages:
            return own_text
        in_messages = (
            "SELECT 1 FROM messages m WHERE m.workspace_id = tickets.workspace_id"
            " AND m.ticket_id = tickets.id AND NOT m.is_draft"
            f" AND strpos(lower(m.content), {params.add(text)}) > 0"
            # OFFSET 0 keeps PostgreSQL from hashing every message holding the text
            # up front: at 10,000 tickets it did (40 ms) for a page that tests 92.
            " OFFSET 0"
        )
        return f"({own_text} OR EXISTS ({in_messages}))"
    return f"id = ANY({params.add(await _pg_matching_ids(scope, text, query.text_in_messages))})"


async def _pg_matching_ids(scope: Scope, text: str, in_messages: bool) -> list[int]:
    found = scope.tickets_holding.get((text, in_messages))
    if found is None:
        params = Params()
        holding = await pg_tickets_holding(scope, text, in_messages, params)
        rows = await scope.conn.fetch_with_custom_plan(f"SELECT ARRAY({holding})", *params.values)
        found = scope.tickets_holding[(text, in_messages)] = list(rows[0][0])
    return found


async def pg_tickets_holding(scope: Scope, text: str, in_messages: bool, params: Params) -> str:
    """A SELECT of the ids of the tickets holding `text` (in a published message or
    note too, when `in_messages`), through the trigram indexes."""
    workspace = params.add(scope.workspace_id)
    holds = await _pg_holds(scope, "tickets", LOWER_TICKET_TEXT, text, params)
    found = f"SELECT id FROM tickets WHERE workspace_id = {workspace} AND {holds}"
    if in_messages:
        holds = await _pg_holds(scope, "messages", "lower(content)", text, params)
        found += (
            f" UNION SELECT ticket_id FROM messages WHERE workspace_id = {workspace}"
            f" AND NOT is_draft AND {holds}"
        )
    return found


async def _pg_holds(scope: Scope, table: str, column: str, text: str, params: Params) -> str:
    """`column` holds `text`, for PostgreSQL: its trigram index asked for the text's
    rarest trigrams only (trigrams.rarest_word_trigrams), the whole text then tested by
    strpos, which no index serves, so the planner cannot hand the index every trigram
    of the text again. Without a trigram of letters and digits, a LIKE of the text."""
    rarest = await trigrams.rarest_word_trigrams(scope.conn, table, text)
    if not rarest:
        return f"{column} LIKE {params.add('%' + _like_escape(text) + '%')} ESCAPE '\\'"
    likes = [f"{column} LIKE {params.add('%' + rare + '%')}" for rare in rarest]
    return " AND ".join([*likes, f"strpos({column}, {params.add(text)}) > 0"])


# Testing tickets one by one in the list's order finds the `wanted` matches of a page or
# of a count that stops at its limit after about wanted ÷ share tickets, where `share`
# is the part of all tickets that match; gathering reads every match through the search
# indexes, each worth about this many tests. So a count to 1,000 at a million tickets
# goes one by one from about 20,000 matches (a word in a quarter of them took 3 s to
# gather, 1.6 ms to page), and a count to 100 at ten thousand tickets from about 600.
GATHER_COST = 2.5


def _one_by_one(wanted: int, matches: int, tickets: int) -> bool:
    """Whether testing tickets in order (wanted × tickets ÷ matches tests) is cheaper
    than gathering the matches (GATHER_COST × matches)."""
    return wanted * tickets < GATHER_COST * matches * matches


async def _common(scope: Scope, text: str, query: TicketQuery) -> bool:
    if len(text) < trigrams.TRIGRAM:
        return True  # no index finds it: every ticket is tested anyway
    tickets, messages = _SEARCHED[scope.dialect]
    found, rows = await trigrams.estimated_rows(scope.conn, tickets, text)
    if query.text_in_messages:
        found += (await trigrams.estimated_rows(scope.conn, messages, text))[0]
    return _one_by_one(_wanted(query, found), found, rows)


def _wanted(query: TicketQuery, matches: int) -> int:
    """How many matches a statement of the query reads at most: its count's limit, or
    every match when it counts them all, or its page."""
    if query.count_limit is not None:
        return query.count_limit
    return matches if query.count_total else query.offset + query.limit


# With a search text, tickets carrying a tag are gathered cheaply through ticket_tags
# (a tag alone is listed from there: _tag_list_source), and counted in tag_counts: a
# tag goes one by one only once it is on this many tickets.
ONE_BY_ONE_FROM = 20_000


# The indexed text of tickets and of messages, as trigrams.py names them per engine.
_SEARCHED = {"sqlite": ("ticket_search", "message_search"), "postgresql": ("tickets", "messages")}


async def _tagged(scope: Scope, tag: str, params: Params) -> str:
    """Tickets carrying the tag, as a filter beside a search text. A tag on many
    tickets is tested ticket by ticket in the list's order (one primary-key probe
    each), which finds a page without gathering all of them first, as a common word is
    (ONE_BY_ONE_FROM)."""
    tag_id = _tag_id(scope, tag, params)
    if await _tag_total(scope, tag) >= ONE_BY_ONE_FROM:
        return (
            "EXISTS (SELECT 1 FROM ticket_tags WHERE workspace_id = tickets.workspace_id"
            f" AND ticket_id = tickets.id AND tag_id = {tag_id})"
        )
    workspace = params.add(scope.workspace_id)
    return (
        f"id IN (SELECT ticket_id FROM ticket_tags WHERE workspace_id = {workspace}"
        f" AND tag_id = {tag_id})"
    )


def _tag_id(scope: Scope, tag: str, params: Params) -> str:
    workspace, name = params.add(scope.workspace_id), params.add(tag_key(tag))
    return f"(SELECT id FROM tags WHERE workspace_id = {workspace} AND name_key = {name})"


async def _tag_total(scope: Scope, tag: str) -> int:
    params = Params()
    tag_id = _tag_id(scope, tag, params)
    total = await scope.conn.fetchval(
        f"SELECT SUM(n) FROM tag_counts WHERE workspace_id = {params.add(scope.workspace_id)}"
        f" AND tag_id = {tag_id}",
        *params.values,
    )
    return int(total or 0)


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def count_by_status(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None
) -> dict[str, int]:
    """How many tickets match the query's other filters, per status (each up to the
    query's count_limit, when it has one)."""
    others = dataclasses.replace(query, statuses=())
    if _counted(others):
        counted = await _counted_per_status(scope, others, within)
        return {k: min(v, query.count_limit or v) for k, v in counted.items() if v}
    params = Params()
    source, clause = await _source(scope, others, within, params)
    if query.count_limit is None:
        sql = f"SELECT status, COUNT(*) FROM {source} WHERE {clause} GROUP BY status"
    else:
        limit = params.add(query.count_limit)
        counts = []
        for n, status in enumerate(Status):
            value = params.add(status.value)
            counts.append(
                f"SELECT CAST({value} AS TEXT), COUNT(*) FROM (SELECT 1 FROM {source}"
                f" WHERE {clause} AND status = {value} LIMIT {limit}) AS s{n}"
            )
        sql = " UNION ALL ".join(counts)
    rows = await scope.conn.fetch_with_custom_plan(sql, *params.values)
    return {r[0]: int(r[1]) for r in rows if r[1]}


async def count(scope: Scope, query: TicketQuery, within: tuple[str, ...] | None) -> int:
    """How many tickets match (up to the query's count_limit, when it has one)."""
    if _counted(query):
        total = await _counted_total(scope, query, within)
        return total if query.count_limit is None else min(total, query.count_limit)
    params = Params()
    source, clause = await _source(scope, query, within, params)
    matching = f"SELECT 1 FROM {source} WHERE {clause}"
    if query.count_limit is not None:
        matching += f" LIMIT {params.add(query.count_limit)}"
    found = await scope.conn.fetch_with_custom_plan(
        f"SELECT COUNT(*) FROM ({matching}) AS matching", *params.values
    )
    return int(found[0][0])


# Parts of a TicketQuery that are not filters on tickets, or that ticket_counts (kept by
# triggers since migration 0009) answers: status, department and (through `within`)
# the departments an actor works; with a tag, tag_counts (0014) answers the same.
_COUNTED_PARTS = ("statuses", "department", "visible_to", "text_in_messages", "order",
                  "offset", "limit", "count_total", "count_limit", "with_details",
                  "tag")  # fmt: skip


def _counted(query: TicketQuery) -> bool:
    """Whether ticket_counts or tag_counts holds the answer: no filter but status,
    department and one tag."""
    kept = {name: getattr(query, name) for name in _COUNTED_PARTS}
    return query.department != "" and TicketQuery(**kept) == query


async def _counted_per_status(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None
) -> dict[str, int]:
    params = Params()
    where = [f"workspace_id = {params.add(scope.workspace_id)}"]
    table = "ticket_counts"
    if query.tag is not None:
        table = "tag_counts"
        where.append(f"tag_id = {_tag_id(scope, query.tag, params)}")
    if query.statuses:
        where.append(f"status IN ({params.add_all(query.statuses)})")
    if query.department is not None:
        where.append(f"department_key = {params.add(query.department)}")
    if within is not None:
        where.append(f"department_key IN ({params.add_all(('', *within))})")
    rows = await scope.conn.fetch(
        f"SELECT status, SUM(n) FROM {table} WHERE {' AND '.join(where)} GROUP BY status",
        *params.values,
    )
    return {r[0]: int(r[1]) for r in rows}


async def _counted_total(scope: Scope, query: TicketQuery, within: tuple[str, ...] | None) -> int:
    return sum((await _counted_per_status(scope, query, within)).values())


async def _source(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None, params: Params
) -> tuple[str, str]:
    """The FROM and WHERE of a search. On SQLite, a search of the tickets' own text
    starts from the FTS5 table, which hands matches over in id order: a page or a
    bounded count then reads only as many matches as it needs, where `id IN (…)` would
    first collect every one (a quarter of a million for a common word)."""
    if _listed_by_tag(query):
        return await _tag_list_source(scope, query, within, params)
    if not _streams_from_search_table(scope, query):
        return "tickets", await where_clause(scope, query, within, params)
    assert query.text is not None
    text = " ".join(query.text.lower().splitlines())
    found = params.add(await trigrams.match_expression(scope.conn, "ticket_search", text))
    exact = params.add("%" + _like_escape(text) + "%")
    others = await where_clause(scope, dataclasses.replace(query, text=None), within, params)
    return (
        "ticket_search CROSS JOIN tickets ON tickets.id = ticket_search.rowid",
        f"ticket_search MATCH {found} AND {others}"
        f" AND {LOWER_TICKET_TEXT} LIKE {exact} ESCAPE '\\'",
    )


def _listed_by_tag(query: TicketQuery) -> bool:
    return query.tag is not None and not query.text


async def _tag_list_source(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None, params: Params
) -> tuple[str, str]:
    """One tag's tickets, read from its ticket_tags rows in the list's order (0018
    keeps them in both orders) and tested against the other filters, so a page of a
    tag on many tickets reads about a page of them. USING merges the two workspace
    columns, which the filters name unqualified."""
    assert query.tag is not None
    join = "CROSS JOIN" if scope.dialect == "sqlite" else "JOIN"  # SQLite: tags first
    others = await where_clause(scope, dataclasses.replace(query, tag=None), within, params)
    return (
        f"ticket_tags {join} tickets USING (workspace_id)",
        f"ticket_tags.tag_id = {_tag_id(scope, query.tag, params)}"
        f" AND tickets.id = ticket_tags.ticket_id AND {others}",
    )


def _order(scope: Scope, query: TicketQuery) -> str:
    if _listed_by_tag(query):
        return _TAG_LIST_ORDER[query.order]
    if _streams_from_search_table(scope, query):
        return _ROWID_ORDER[query.order]
    return _ORDER_BY[query.order]


_TAG_LIST_ORDER = {
    TicketOrder.LATEST_ACTIVITY_FIRST: "ticket_tags.ticket_thread_at DESC, ticket_id DESC",
    TicketOrder.EARLIEST_ACTIVITY_FIRST: "ticket_tags.ticket_thread_at, ticket_id",
    TicketOrder.NEWEST_FIRST: "ticket_id DESC",
    TicketOrder.OLDEST_FIRST: "ticket_id",
}


def _streams_from_search_table(scope: Scope, query: TicketQuery) -> bool:
    return (
        scope.dialect == "sqlite"
        and query.text is not None
        and len(query.text) >= trigrams.TRIGRAM
        and not query.text_in_messages
        and query.order in _ROWID_ORDER
    )


_ROWID_ORDER = {
    TicketOrder.NEWEST_FIRST: "ticket_search.rowid DESC",
    TicketOrder.OLDEST_FIRST: "ticket_search.rowid",
}
_REVERSED = {
    TicketOrder.NEWEST_FIRST: TicketOrder.OLDEST_FIRST,
    TicketOrder.OLDEST_FIRST: TicketOrder.NEWEST_FIRST,
    TicketOrder.LATEST_ACTIVITY_FIRST: TicketOrder.EARLIEST_ACTIVITY_FIRST,
    TicketOrder.EARLIEST_ACTIVITY_FIRST: TicketOrder.LATEST_ACTIVITY_FIRST,
}


async def search(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None
) -> tuple[list[Ticket], int | None]:
    """A page of matching tickets in the query's order, and their total count when the
    query asks for it. A page in the back half of a list whose length is known (counted
    exactly, or kept in ticket_counts) is read from the other end, in the reverse
    order: the last page costs what the first does."""
    total = await count(scope, query, within) if query.count_total else None
    length = await _exact_length(scope, query, within, total)
    if length is not None and query.offset > length // 2:
        return await _page_from_the_end(scope, query, within, length), total
    return await _page(scope, query, within), total


async def _exact_length(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None, total: int | None
) -> int | None:
    if total is not None:
        return total if query.count_limit is None or total < query.count_limit else None
    if query.offset >= _DEEP_OFFSET and _counted(query):
        return await _counted_total(scope, query, within)
    return None


_DEEP_OFFSET = 1000  # from here, a page without a total is worth a look at ticket_counts


async def _page_from_the_end(
    scope: Scope, query: TicketQuery, within: tuple[str, ...] | None, length: int
) -> list[Ticket]:
    limit = min(query.limit, length - query.offset)
    if limit <= 0:
        return []
    backwards = dataclasses.replace(
        query,
        order=_REVERSED[query.order],
        offset=max(0, length - query.offset - query.limit),
        limit=limit,
    )
    return list(reversed(await _page(scope, backwards, within)))


async def _page(scope: Scope, query: TicketQuery, within: tuple[str, ...] | None) -> list[Ticket]:
    params = Params()
    source, clause = await _source(scope, query, within, params)
    page = f"LIMIT {params.add(query.limit)} OFFSET {params.add(query.offset)}"
    rows = await scope.conn.fetch_with_custom_plan(
        f"SELECT {TICKET_COLUMNS} FROM {source} WHERE {clause}"
        f" ORDER BY {_order(scope, query)} {page}",
        *params.values,
    )
    return [Ticket.from_row(r) for r in rows]
