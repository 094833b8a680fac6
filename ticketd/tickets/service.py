"""The ticket rules. The only code that changes a ticket; each change writes its
system message, audit row and outbox event in the same transaction."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from ticketd.db.database import Connection, Database, Row
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    AlreadyClaimed,
    ClaimClosed,
    ClaimRequired,
    DepartmentMismatch,
    DepartmentNotFound,
    GameReportReadOnly,
    MembershipRequired,
    NotClaimed,
    NotStaff,
    NotTicketAuthor,
    OpenTicketLimit,
    RankTooLow,
    SameDepartment,
    TicketClosed,
    TicketNotFound,
    Unavailable,
    ValidationFailed,
)
from ticketd.tickets import repository
from ticketd.workspaces.config import WorkspaceConfig

STATUSES = ("open", "in-progress", "resolved", "closed")
OPEN_STATUSES = frozenset({"open", "in-progress"})
PRIORITIES = ("low", "medium", "high", "urgent")
PAGE_SIZE = 10
# A TicketId suffix has 36**4 values per second; at thousands of creates a second a
# collision is routine, and ten in a row is practically impossible.
MAX_ID_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class NewTicket:
    subject: str
    category: str
    message: str
    priority: str
    author_user_id: int
    author_avatar_url: str
    author_username: str | None = None
    author_display_name: str | None = None
    place_id: int | None = None
    server_id: str | None = None


@dataclass(frozen=True, slots=True)
class TicketFilter:
    page: int = 1
    status: str | None = None
    author_user_id: int | None = None
    department: str | None = None
    search: str | None = None
    staff_user_id: int | None = None


async def create(db: Database, config: WorkspaceConfig, new: NewTicket) -> dict[str, Any]:
    category = config.categories.get(new.category)
    if category is None:
        raise ValidationFailed(f"Validation error: Category '{new.category}' does not exist")
    member = config.members.get(new.author_user_id)
    if category.membership_required and member is None:
        raise MembershipRequired()
    if category.min_rank > 0 and (member.rank if member and member.rank else 0) < category.min_rank:
        raise RankTooLow()
    now = now_ms()
    game_report = new.place_id is not None
    values: dict[str, Any] = {
        "workspace_id": config.workspace.id,
        "code": "",
        "object_id": "",
        "subject": new.subject,
        "category_key": category.key,
        "department_key": config.department_for(category.key),
        "status": "open",
        "priority": new.priority,
        "author_user_id": new.author_user_id,
        # A known member's stored names win over what the caller sends.
        "author_username": member.username if member else new.author_username,
        "author_display_name": member.display_name if member else new.author_display_name,
        "author_avatar_url": new.author_avatar_url,
        "game_report": game_report,
        "place_id": new.place_id,
        "server_id": new.server_id,
        "created_at": now,
        "updated_at": now,
    }
    message = {
        "key": ids.message_key(now),
        "type": "author_message",
        "author_user_id": new.author_user_id,
        "content": new.message,
        "created_at": now,
    }
    event = {
        "actor_user_id": new.author_user_id,
        "type": "ticket_created",
        "detail": orjson.dumps({"gameReport": game_report, "priority": new.priority}).decode(),
        "created_at": now,
    }
    limit = category.max_open_tickets
    # Without a limit to check, PostgreSQL needs no explicit transaction: the insert is
    # one statement (see repository.insert_new_ticket).
    single_statement = limit is None and db.dialect == "postgresql"
    async with db.connection() if single_statement else db.transaction() as conn:
        if limit is not None and not await repository.take_open_slot(
            conn, config.workspace.id, category.key, new.author_user_id, limit
        ):
            raise OpenTicketLimit(limit)
        values["id"] = await _insert_with_fresh_ids(conn, db.dialect, values, message, event)
    return values


async def _insert_with_fresh_ids(
    conn: Connection,
    dialect: str,
    values: dict[str, Any],
    message: dict[str, Any],
    event: dict[str, Any],
) -> int:
    for _ in range(MAX_ID_ATTEMPTS):
        values["code"], values["object_id"] = ids.ticket_code(), ids.object_id()
        ticket_id = await repository.insert_new_ticket(conn, dialect, values, message, event)
        if ticket_id is not None:
            return ticket_id
    raise Unavailable("Could not allocate a ticket id, try again")


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
    filters: list[tuple[str, Any]] = []
    if query.status:
        filters.append(("status = ?", query.status))
    if query.author_user_id is not None:
        filters.append(("author_user_id = ?", query.author_user_id))
    if query.department:
        filters.append(("department_key = ?", query.department))
    if query.search:
        pattern = (
            "%"
            + query.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            + "%"
        )
        filters.append(
            (
                "(lower(subject) LIKE ? ESCAPE '\\' OR lower(author_username) LIKE ? ESCAPE '\\'"
                " OR lower(author_display_name) LIKE ? ESCAPE '\\')",
                pattern,
            )
        )
    if query.staff_user_id is not None:
        departments = config.staff_departments(query.staff_user_id)
        if not departments:
            return [], 0
        keys = ", ".join(f"'{_sql_literal(d)}'" for d in departments)
        filters.append((f"(department_key IS NULL OR department_key IN ({keys}))", None))
    offset = (query.page - 1) * PAGE_SIZE
    async with db.connection() as conn:
        return await repository.search_tickets(
            conn, config.workspace.id, filters=filters, limit=PAGE_SIZE, offset=offset
        )


def _sql_literal(department_key: str) -> str:
    # Department keys match KEY_PATTERN (no quotes), checked when configured; doubled
    # quotes keep this safe even so.
    return department_key.replace("'", "''")


@asynccontextmanager
async def _locked(
    db: Database, config: WorkspaceConfig, ref: str
) -> AsyncIterator[tuple[Connection, Row]]:
    async with db.transaction() as conn:
        ticket = await repository.find_ticket(
            conn, config.workspace.id, ref, for_update=True, dialect=db.dialect
        )
        if ticket is None:
            raise TicketNotFound()
        yield conn, ticket


def _require_staff(config: WorkspaceConfig, ticket: Row, staff_user_id: int) -> None:
    if not config.is_staff(staff_user_id, ticket["department_key"]):
        raise NotStaff()


def display_name(config: WorkspaceConfig, user_id: int) -> str:
    member = config.members.get(user_id)
    if member is None:
        return f"User {user_id}"
    return member.display_name or member.username or f"User {user_id}"


async def claim(db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int) -> None:
    async with _locked(db, config, ref) as (conn, ticket):
        _require_staff(config, ticket, staff_user_id)
        if ticket["claimed_by"] is not None:
            raise AlreadyClaimed()
        if ticket["status"] not in OPEN_STATUSES:
            raise ClaimClosed()
        now = now_ms()
        if not await repository.claim(conn, ticket["id"], staff_user_id, now):
            raise AlreadyClaimed()
        await _system_message(
            conn,
            ticket,
            f"Ticket claimed by {display_name(config, staff_user_id)}",
            staff_user_id,
            now,
        )
        await _record(conn, ticket, "ticket_claimed", staff_user_id, now, {})


async def unclaim(db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int) -> None:
    async with _locked(db, config, ref) as (conn, ticket):
        _require_staff(config, ticket, staff_user_id)
        previous = ticket["claimed_by"]
        if previous is None:
            raise NotClaimed()
        now = now_ms()
        await repository.update_ticket(
            conn, ticket["id"], claimed_by=None, claimed_at=None, updated_at=now
        )
        await _system_message(
            conn,
            ticket,
            f"Ticket unclaimed by {display_name(config, staff_user_id)}",
            staff_user_id,
            now,
        )
        await _record(conn, ticket, "ticket_unclaimed", staff_user_id, now, {"previous": previous})


async def reply_as_staff(
    db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int, content: str
) -> None:
    async with _locked(db, config, ref) as (conn, ticket):
        if ticket["game_report"]:
            raise GameReportReadOnly()
        _require_staff(config, ticket, staff_user_id)
        if ticket["claimed_by"] != staff_user_id:
            raise ClaimRequired()
        now = now_ms()
        await _add_message(conn, ticket, "staff_message", staff_user_id, content, now)
        changes: dict[str, Any] = {"updated_at": now}
        if ticket["first_response_at"] is None:
            changes["first_response_at"] = now
        await repository.update_ticket(conn, ticket["id"], **changes)
        await _record(conn, ticket, "reply_created", staff_user_id, now, {"by": "staff"})


async def reply_as_author(
    db: Database, config: WorkspaceConfig, ref: str, *, author_user_id: int, content: str
) -> None:
    async with _locked(db, config, ref) as (conn, ticket):
        if ticket["author_user_id"] != author_user_id:
            raise NotTicketAuthor()
        if ticket["game_report"]:
            raise GameReportReadOnly()
        if ticket["status"] not in OPEN_STATUSES:
            raise TicketClosed()
        now = now_ms()
        await _add_message(conn, ticket, "author_message", author_user_id, content, now)
        await repository.update_ticket(conn, ticket["id"], updated_at=now)
        await _record(conn, ticket, "reply_created", author_user_id, now, {"by": "author"})


async def change_status(
    db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int, status: str
) -> None:
    async with _locked(db, config, ref) as (conn, ticket):
        _require_staff(config, ticket, staff_user_id)
        previous = ticket["status"]
        if status == previous:
            return
        now = now_ms()
        changes: dict[str, Any] = {"status": status, "updated_at": now}
        was_open, is_open = previous in OPEN_STATUSES, status in OPEN_STATUSES
        if was_open != is_open:
            changes["closed_at"] = None if is_open else now
            await _count_open(conn, config, ticket, opened=is_open)
        await repository.update_ticket(conn, ticket["id"], **changes)
        await _system_message(
            conn,
            ticket,
            f"Status changed from {previous} to {status} by {display_name(config, staff_user_id)}",
            staff_user_id,
            now,
        )
        await _record(
            conn,
            ticket,
            "ticket_status_changed",
            staff_user_id,
            now,
            {"previous": previous, "status": status},
        )


async def _count_open(
    conn: Connection, config: WorkspaceConfig, ticket: Row, *, opened: bool
) -> None:
    """Keeps the open-ticket counter of a limited category in step with a status change.
    A reopen is a staff decision, so it may take the author past the limit."""
    category = config.categories.get(ticket["category_key"])
    if category is None or category.max_open_tickets is None:
        return
    key = (ticket["workspace_id"], ticket["category_key"], ticket["author_user_id"])
    if opened:
        await repository.take_open_slot(conn, *key, None)
    else:
        await repository.release_open_slot(conn, *key)


async def transfer(
    db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int, department_key: str
) -> str:
    """Moves the ticket to another department that handles its category, unclaiming it.
    Returns the new department's name."""
    target = config.departments.get(department_key)
    if target is None:
        raise DepartmentNotFound()
    async with _locked(db, config, ref) as (conn, ticket):
        _require_staff(config, ticket, staff_user_id)
        if ticket["department_key"] == target.key:
            raise SameDepartment()
        if ticket["category_key"] not in target.categories:
            raise DepartmentMismatch()
        now = now_ms()
        source = config.departments.get(ticket["department_key"] or "")
        await repository.update_ticket(
            conn,
            ticket["id"],
            department_key=target.key,
            claimed_by=None,
            claimed_at=None,
            updated_at=now,
        )
        staff = display_name(config, staff_user_id)
        from_name = source.name if source else ticket["department_key"] or "no department"
        await _system_message(
            conn,
            ticket,
            f"Ticket transferred from {from_name} to {target.name} by {staff}",
            staff_user_id,
            now,
        )
        if ticket["claimed_by"] is not None:
            await _system_message(
                conn,
                ticket,
                f"Ticket unclaimed automatically after transfer to {target.name}",
                staff_user_id,
                now,
            )
        await _record(
            conn,
            ticket,
            "ticket_transferred",
            staff_user_id,
            now,
            {"from": ticket["department_key"], "to": target.key},
        )
        return target.name


async def _system_message(
    conn: Connection, ticket: Row, text: str, actor_user_id: int, now: int
) -> None:
    await _add_message(conn, ticket, "system_message", actor_user_id, text, now)


async def _add_message(
    conn: Connection, ticket: Row, type: str, author_user_id: int, content: str, now: int
) -> None:
    await repository.insert_message(
        conn,
        ticket_id=ticket["id"],
        key=ids.message_key(now),
        type=type,
        author_user_id=author_user_id,
        content=content,
        created_at=now,
    )


async def _record(
    conn: Connection,
    ticket: Row | dict[str, Any],
    type: str,
    actor_user_id: int,
    now: int,
    detail: dict[str, Any],
) -> None:
    """The event row for one change: audit trail and outbox at once."""
    await repository.insert_event(
        conn,
        workspace_id=ticket["workspace_id"],
        ticket_id=ticket["id"],
        actor_user_id=actor_user_id,
        type=type,
        detail=orjson.dumps(detail).decode(),
        created_at=now,
    )
