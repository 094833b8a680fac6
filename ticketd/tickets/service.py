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
    AssigneeChanged,
    ClaimClosed,
    DepartmentMismatch,
    DepartmentNotFound,
    MembershipRequired,
    NotClaimed,
    NotStaff,
    OpenTicketLimit,
    RankTooLow,
    SameDepartment,
    TeammateNotFound,
    TeammateReadOnly,
    TicketNotFound,
    Unavailable,
    ValidationFailed,
)
from ticketd.people import repository as people
from ticketd.tickets import labels, repository
from ticketd.workspaces.config import Category, Teammate, WorkspaceConfig

STATUSES = ("open", "in-progress", "resolved", "closed")
OPEN_STATUSES = frozenset({"open", "in-progress"})
PRIORITIES = ("low", "medium", "high", "urgent")
# A TicketId suffix has 36**4 values per second; at thousands of creates a second a
# collision is routine, and ten in a row is practically impossible.
MAX_ID_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class Author:
    """Who opens a ticket: a Roblox user (Series) or a contact by e-mail (helpdesk)."""

    user_id: int | None = None
    avatar_url: str | None = None
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


@dataclass(frozen=True, slots=True)
class Body:
    """A message as stored: plain text, plus sanitised HTML when it was sent as HTML."""

    text: str
    html: str | None = None
    attachments: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a change, for permission checks and the audit log: a staff member or
    teammate (`guid`, maybe a Roblox `user_id`) or an integration (`is_bot`)."""

    guid: str | None
    name: str
    user_id: int | None = None
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class NewTicket:
    subject: str
    category: str | None
    body: Body
    author: Author
    priority: str = "medium"
    place_id: int | None = None
    server_id: str | None = None
    sentiment: str | None = None
    detailed_source: str = "api_series"
    source_name: str | None = None
    cc: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[int, str], ...] = ()
    assignee_guid: str | None = None


def staff_actor(config: WorkspaceConfig, user_id: int) -> Actor:
    return Actor(config.guid_for_user(user_id), display_name(config, user_id), user_id)


def teammate_actor(teammate: Teammate) -> Actor:
    return Actor(teammate.guid, teammate.name, teammate.user_id)


def _check_category(
    config: WorkspaceConfig, key: str | None, user_id: int | None
) -> Category | None:
    if key is None:
        return None
    category = config.categories.get(key)
    if category is None:
        raise ValidationFailed(f"Validation error: Category '{key}' does not exist")
    member = config.members.get(user_id) if user_id is not None else None
    if category.membership_required and member is None:
        raise MembershipRequired()
    if category.min_rank > 0 and (member.rank if member and member.rank else 0) < category.min_rank:
        raise RankTooLow()
    return category


def working_teammate(config: WorkspaceConfig, guid: str) -> Teammate:
    teammate = config.teammates.get(guid)
    if teammate is None:
        raise TeammateNotFound()
    if not teammate.can_work:
        raise TeammateReadOnly()
    return teammate


async def create(db: Database, config: WorkspaceConfig, new: NewTicket) -> dict[str, Any]:
    assignee = working_teammate(config, new.assignee_guid) if new.assignee_guid else None
    fields = labels.checked_field_values(config, new.fields)
    now = now_ms()
    author = new.author
    values: dict[str, Any] = {
        "workspace_id": config.workspace.id,
        "code": "",
        "object_id": "",
        "subject": new.subject,
        "category_key": new.category,
        "department_key": None,
        "status": "open",
        "priority": new.priority,
        "author_guid": None,
        "author_user_id": author.user_id,
        "author_username": author.username,
        "author_display_name": author.display_name,
        "author_avatar_url": author.avatar_url,
        "assignee_guid": assignee.guid if assignee else None,
        "claimed_by": assignee.user_id if assignee else None,
        "claimed_at": now if assignee else None,
        "game_report": new.place_id is not None,
        "place_id": new.place_id,
        "server_id": new.server_id,
        "sentiment": new.sentiment,
        "detailed_source": new.detailed_source,
        "source_name": new.source_name,
        "cc": orjson.dumps(new.cc).decode() if new.cc else None,
        "last_thread_at": now,
        "created_at": now,
        "updated_at": now,
    }
    if author.email is None:
        _set_author(values, config, None)
    # Without a limit or a contact to look up, PostgreSQL needs no explicit transaction:
    # the insert is one statement (see repository.insert_new_ticket).
    category = config.categories.get(new.category or "")
    single_statement = (
        db.dialect == "postgresql"
        and author.email is None
        and not (category and category.max_open_tickets is not None)
        and not new.tags
        and not fields
    )
    async with db.connection() if single_statement else db.transaction() as conn:
        if author.email is not None:
            _set_author(values, config, await _upsert_contact(conn, config, author, now))
        category = _check_category(config, new.category, values["author_user_id"])
        if category is not None:
            values["department_key"] = config.department_for(category.key)
            limit = category.max_open_tickets
            if limit is not None and not await repository.take_open_slot(
                conn, config.workspace.id, category.key, values["author_guid"], limit
            ):
                raise OpenTicketLimit(limit)
        message = _message_values(
            "author_message", values["author_user_id"], values["author_guid"], new.body, now
        )
        event = _event_values(
            values["author_guid"], values["author_user_id"], "ticket_created", now
        )
        event["detail"] = orjson.dumps(
            {"gameReport": values["game_report"], "priority": new.priority}
        ).decode()
        values["id"] = await _insert_with_fresh_ids(conn, db.dialect, values, message, event)
        await labels.store_labels(conn, config.workspace.id, values["id"], new.tags, fields)
    return values


def _set_author(values: dict[str, Any], config: WorkspaceConfig, person: Row | None) -> None:
    if person is None:  # a Roblox user: a known member's stored names win
        user_id = values["author_user_id"]
        values["author_guid"] = config.guid_for_user(user_id)
        member = config.members.get(user_id)
        if member is not None:
            values["author_username"] = member.username
            values["author_display_name"] = member.display_name
        return
    values["author_guid"] = person["guid"]
    values["author_user_id"] = person["user_id"]
    values["author_display_name"] = person["display_name"]
    values["author_avatar_url"] = person["avatar_url"]


async def _upsert_contact(
    conn: Connection, config: WorkspaceConfig, author: Author, now: int
) -> Row:
    return await people.upsert_client(
        conn,
        workspace_id=config.workspace.id,
        guid=ids.new_guid(),
        email=author.email,
        name=author.display_name,
        image=author.avatar_url,
        phone_number=author.phone_number,
        now=now,
    )


def _message_values(
    type: str, user_id: int | None, guid: str | None, body: Body, now: int
) -> dict[str, Any]:
    return {
        "key": ids.message_key(now),
        "type": type,
        "author_user_id": user_id,
        "author_guid": guid,
        "content": body.text,
        "html": body.html,
        "attachments": orjson.dumps(body.attachments).decode() if body.attachments else None,
        "created_at": now,
    }


def _event_values(guid: str | None, user_id: int | None, type: str, now: int) -> dict[str, Any]:
    return {
        "actor_user_id": user_id,
        "actor_guid": guid,
        "actor_name": None,
        "type": type,
        "detail": "{}",
        "created_at": now,
    }


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


@asynccontextmanager
async def locked(
    db: Database, config: WorkspaceConfig, ref: str | int
) -> AsyncIterator[tuple[Connection, Row]]:
    """The ticket (by TicketId, _id or integer id), locked for the rest of the
    transaction."""
    async with db.transaction() as conn:
        ticket = await repository.find_ticket(
            conn, config.workspace.id, ref, for_update=True, dialect=db.dialect
        )
        if ticket is None:
            raise TicketNotFound()
        yield conn, ticket


def require_staff(config: WorkspaceConfig, ticket: Row, staff_user_id: int) -> None:
    if not config.is_staff(staff_user_id, ticket["department_key"]):
        raise NotStaff()


def display_name(config: WorkspaceConfig, user_id: int) -> str:
    teammate = config.teammates_by_user_id.get(user_id)
    if teammate is not None:
        return teammate.name
    member = config.members.get(user_id)
    if member is None:
        return f"User {user_id}"
    return member.display_name or member.username or f"User {user_id}"


async def claim(db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int) -> None:
    actor = staff_actor(config, staff_user_id)
    async with locked(db, config, ref) as (conn, ticket):
        require_staff(config, ticket, staff_user_id)
        if ticket["assignee_guid"] is not None:
            raise AlreadyClaimed()
        if ticket["status"] not in OPEN_STATUSES:
            raise ClaimClosed()
        now = now_ms()
        if not await repository.claim(conn, ticket["id"], actor.guid, staff_user_id, now):
            raise AlreadyClaimed()
        await system_message(conn, ticket, f"Ticket claimed by {actor.name}", actor, now)
        await record(conn, ticket, "ticket_assigned_to_user", actor, now, {"assignee": actor.guid})


async def unclaim(db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int) -> None:
    actor = staff_actor(config, staff_user_id)
    async with locked(db, config, ref) as (conn, ticket):
        require_staff(config, ticket, staff_user_id)
        previous = ticket["assignee_guid"]
        if previous is None:
            raise NotClaimed()
        now = now_ms()
        await repository.update_ticket(
            conn, ticket["id"], assignee_guid=None, claimed_by=None, claimed_at=None, updated_at=now
        )
        await system_message(conn, ticket, f"Ticket unclaimed by {actor.name}", actor, now)
        await record(conn, ticket, "ticket_unassigned", actor, now, {"previous": previous})


async def assign(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    *,
    actor: Actor,
    assignee_guid: str | None,
    previous_guid: str | None,
) -> None:
    """Sets or clears the assignee if it is still `previous_guid`: an optimistic check,
    so of many simultaneous calls made from the same view exactly one wins."""
    assignee = working_teammate(config, assignee_guid) if assignee_guid else None
    async with locked(db, config, ticket_id) as (conn, ticket):
        current = ticket["assignee_guid"]
        if current != previous_guid:
            raise AssigneeChanged(current)
        if current == assignee_guid:
            return
        now = now_ms()
        if not await repository.reassign(conn, ticket["id"], previous_guid, assignee, now):
            raise AssigneeChanged(None)
        text = f"Ticket assigned to {assignee.name}" if assignee else "Ticket unassigned"
        await system_message(conn, ticket, f"{text} by {actor.name}", actor, now)
        if assignee is None:
            await record(conn, ticket, "ticket_unassigned", actor, now, {"previous": current})
        else:
            detail = {"assignee": assignee.guid, "previous": current}
            await record(conn, ticket, "ticket_assigned_to_user", actor, now, detail)


async def change_status(
    db: Database, config: WorkspaceConfig, ref: str | int, *, actor: Actor, status: str
) -> None:
    """`actor.user_id` set and not a bot: Series staff, checked against the department."""
    async with locked(db, config, ref) as (conn, ticket):
        if not actor.is_bot and actor.user_id is not None:
            require_staff(config, ticket, actor.user_id)
        await set_status(conn, config, ticket, actor, status, now_ms())


async def set_status(
    conn: Connection, config: WorkspaceConfig, ticket: Row, actor: Actor, status: str, now: int
) -> None:
    previous = ticket["status"]
    if status == previous:
        return
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    was_open, is_open = previous in OPEN_STATUSES, status in OPEN_STATUSES
    if was_open != is_open:
        changes["closed_at"] = None if is_open else now
        await count_open(conn, config, ticket, ticket["category_key"], opened=is_open)
    await repository.update_ticket(conn, ticket["id"], **changes)
    await system_message(
        conn, ticket, f"Status changed from {previous} to {status} by {actor.name}", actor, now
    )
    detail = {"previous": previous, "status": status}
    await record(conn, ticket, "ticket_status_changed", actor, now, detail)


async def count_open(
    conn: Connection,
    config: WorkspaceConfig,
    ticket: Row,
    category_key: str | None,
    *,
    opened: bool,
) -> None:
    """Keeps the open-ticket counter of a limited category in step with a status or
    category change. Staff decisions may take the author past the limit."""
    category = config.categories.get(category_key or "")
    if category is None or category.max_open_tickets is None:
        return
    key = (ticket["workspace_id"], category.key, ticket["author_guid"])
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
    actor = staff_actor(config, staff_user_id)
    async with locked(db, config, ref) as (conn, ticket):
        require_staff(config, ticket, staff_user_id)
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
            assignee_guid=None,
            claimed_by=None,
            claimed_at=None,
            updated_at=now,
        )
        from_name = source.name if source else ticket["department_key"] or "no department"
        text = f"Ticket transferred from {from_name} to {target.name} by {actor.name}"
        await system_message(conn, ticket, text, actor, now)
        if ticket["assignee_guid"] is not None:
            text = f"Ticket unclaimed automatically after transfer to {target.name}"
            await system_message(conn, ticket, text, actor, now)
        detail = {"from": ticket["department_key"], "to": target.key}
        await record(conn, ticket, "ticket_transferred", actor, now, detail)
        return target.name


async def system_message(conn: Connection, ticket: Row, text: str, actor: Actor, now: int) -> None:
    await add_message(conn, ticket, "system_message", actor, Body(text), now)


async def add_message(
    conn: Connection, ticket: Row, type: str, actor: Actor, body: Body, now: int, **extra: Any
) -> int:
    values = _message_values(type, actor.user_id, actor.guid, body, now)
    return await repository.insert_message(conn, ticket_id=ticket["id"], **values, **extra)


async def record(
    conn: Connection, ticket: Row, type: str, actor: Actor, now: int, detail: dict[str, Any]
) -> None:
    """The event row for one change: audit trail and outbox at once."""
    await repository.insert_event(
        conn,
        workspace_id=ticket["workspace_id"],
        ticket_id=ticket["id"],
        actor_user_id=actor.user_id,
        actor_guid=actor.guid,
        actor_name=actor.name[:200],
        type=type,
        detail=orjson.dumps(detail).decode(),
        created_at=now,
    )
