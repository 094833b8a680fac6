"""Reads: the Series get and paged search, and for the helpdesk tickets with
everything its Ticket object shows (a fixed number of queries whatever the page
size), threads and logs."""

from dataclasses import dataclass, field
from typing import Any

import orjson

from ticketd.db.database import Connection, Database, Row
from ticketd.kit.errors import TicketNotFound
from ticketd.people import repository as people
from ticketd.tickets import labels, repository
from ticketd.workspaces.config import WorkspaceConfig

PAGE_SIZE = 10  # Series list
ANY = object()  # the category filter when none is given (None means uncategorised)


@dataclass(frozen=True, slots=True)
class TicketFilter:
    page: int = 1
    status: str | None = None
    author_user_id: int | None = None
    department: str | None = None
    search: str | None = None
    staff_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class ListFilter:
    category: Any = ANY  # ANY, None (uncategorised) or a category key
    field_values: tuple[tuple[int, str], ...] = ()
    created_from: int | None = None
    created_to: int | None = None
    statuses: tuple[str, ...] = ()
    detailed_sources: tuple[str, ...] = ()
    ticket_ids: tuple[int, ...] = ()
    order: str = "last_thread_activity_desc"
    skip: int = 0
    take: int = 25


@dataclass(slots=True)
class TicketPage:
    """Tickets and what their views need: opening messages, tags, custom field values
    and the people they name, keyed by ticket id or GUID."""

    tickets: list[Row]
    openings: dict[int, Row] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    fields: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    people: dict[str, Row] = field(default_factory=dict)


async def get(db: Database, config: WorkspaceConfig, ref: str) -> tuple[Row, list[Row]]:
    async with db.connection() as conn:
        ticket, messages = await repository.find_ticket_with_messages(
            conn, config.workspace.id, ref
        )
    if ticket is None:
        raise TicketNotFound()
    return ticket, messages


async def search(
    db: Database, config: WorkspaceConfig, query: TicketFilter
) -> tuple[list[Row], int]:
    filters: list[repository.Filter] = []
    if query.status:
        filters.append(("status = ?", (query.status,)))
    if query.author_user_id is not None:
        filters.append(("author_user_id = ?", (query.author_user_id,)))
    if query.department:
        filters.append(("department_key = ?", (query.department,)))
    if query.search:
        pattern = "%" + like_escape(query.search.lower()) + "%"
        filters.append(
            (
                "(lower(subject) LIKE ? ESCAPE '\\' OR lower(author_username) LIKE ? ESCAPE '\\'"
                " OR lower(author_display_name) LIKE ? ESCAPE '\\')",
                (pattern,) * 3,
            )
        )
    if query.staff_user_id is not None:
        departments = config.staff_departments(query.staff_user_id)
        if not departments and not config.works_everywhere(query.staff_user_id):
            return [], 0
        keys = ", ".join(f"'{_sql_literal(d)}'" for d in departments) or "NULL"
        filters.append((f"(department_key IS NULL OR department_key IN ({keys}))", ()))
    offset = (query.page - 1) * PAGE_SIZE
    async with db.connection() as conn:
        return await repository.search_tickets(
            conn, config.workspace.id, filters=filters, limit=PAGE_SIZE, offset=offset
        )


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _sql_literal(department_key: str) -> str:
    # Department keys match KEY_PATTERN (no quotes), checked when configured; doubled
    # quotes keep this safe even so.
    return department_key.replace("'", "''")


async def _complete(conn: Connection, workspace_id: str, rows: list[Row]) -> TicketPage:
    page = TicketPage(rows)
    ids = [r["id"] for r in rows]
    page.openings = await repository.opening_messages(conn, ids)
    page.tags, page.fields = await labels.labels_of(conn, ids)
    guids = {r["author_guid"] for r in rows} | {r["assignee_guid"] for r in rows}
    guids.discard(None)
    page.people = await people.find_by_guids(conn, workspace_id, sorted(guids))
    return page


async def get_ticket(db: Database, config: WorkspaceConfig, ticket_id: int) -> TicketPage:
    async with db.connection() as conn:
        ticket = await repository.find_ticket(conn, config.workspace.id, ticket_id)
        if ticket is None:
            raise TicketNotFound()
        return await _complete(conn, config.workspace.id, [ticket])


def _filters(query: ListFilter) -> list[repository.Filter]:
    filters: list[repository.Filter] = []
    if query.category is None:
        filters.append(("category_key IS NULL", ()))
    elif query.category is not ANY:
        filters.append(("category_key = ?", (query.category,)))
    for field_id, value in query.field_values:
        filters.append(
            (
                "EXISTS (SELECT 1 FROM ticket_field_values v WHERE v.ticket_id = tickets.id"
                " AND v.field_id = ? AND v.value = ?)",
                (field_id, value),
            )
        )
    if query.created_from is not None:
        filters.append(("created_at >= ?", (query.created_from,)))
    if query.created_to is not None:
        filters.append(("created_at <= ?", (query.created_to,)))
    for column, values in (
        ("status", query.statuses),
        ("detailed_source", query.detailed_sources),
        ("id", query.ticket_ids),
    ):
        if values:
            marks = ", ".join("?" * len(values))
            filters.append((f"{column} IN ({marks})", tuple(values)))
    return filters


async def list_tickets(db: Database, config: WorkspaceConfig, query: ListFilter) -> TicketPage:
    async with db.connection() as conn:
        rows = await repository.list_tickets(
            conn,
            config.workspace.id,
            filters=_filters(query),
            order=query.order,
            limit=query.take,
            offset=query.skip,
        )
        return await _complete(conn, config.workspace.id, rows)


async def _ticket_or_404(conn: Connection, config: WorkspaceConfig, ticket_id: int) -> Row:
    ticket = await repository.find_ticket(conn, config.workspace.id, ticket_id)
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def thread(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    types: tuple[str, ...],
    *,
    skip: int,
    take: int,
) -> tuple[Row, list[Row], dict[str, Row]]:
    """Replies or notes of a ticket, oldest first, and the people who wrote them."""
    async with db.connection() as conn:
        ticket = await _ticket_or_404(conn, config, ticket_id)
        rows = await repository.list_messages(conn, ticket["id"], types, skip=skip, take=take)
        return ticket, rows, await _writers(conn, config, ticket, rows)


async def message(
    db: Database, config: WorkspaceConfig, ticket_id: int, message_id: int
) -> tuple[Row, Row, dict[str, Row]]:
    """One reply or note, with its ticket and the people it names."""
    async with db.connection() as conn:
        ticket = await _ticket_or_404(conn, config, ticket_id)
        row = await repository.find_message(conn, ticket["id"], message_id)
        if row is None:
            raise TicketNotFound("Message not found")
        return ticket, row, await _writers(conn, config, ticket, [row])


async def _writers(
    conn: Connection, config: WorkspaceConfig, ticket: Row, rows: list[Row]
) -> dict[str, Row]:
    guids = {r["author_guid"] for r in rows if r["author_guid"]} | _mentioned(rows)
    guids.add(ticket["author_guid"])
    return await people.find_by_guids(conn, config.workspace.id, sorted(guids))


def _mentioned(rows: list[Row]) -> set[str]:
    found: set[str] = set()
    for row in rows:
        found.update(orjson.loads(row["mentions"] or "[]"))
    return found


async def log(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    types: tuple[str, ...],
    *,
    skip: int,
    take: int,
) -> tuple[list[Row], dict[str, Row]]:
    """The ticket's events, newest first, and the people they name."""
    async with db.connection() as conn:
        ticket = await _ticket_or_404(conn, config, ticket_id)
        rows = await repository.list_events(conn, ticket["id"], types, skip=skip, take=take)
        guids = {r["actor_guid"] for r in rows if r["actor_guid"]}
        guids |= {ticket["author_guid"]}
        for row in rows:
            guids |= _named_in(row["detail"])
        return rows, await people.find_by_guids(conn, config.workspace.id, sorted(guids))


def _named_in(detail: str) -> set[str]:
    """The GUIDs an assignment event names (a status change's `previous` is a status)."""
    data = orjson.loads(detail)
    return {
        data[k]
        for k in ("assignee", "previous")
        if isinstance(data.get(k), str) and len(data[k]) == 36
    }
