"""The ticket's life: opening, claiming, assigning, status changes and transfers. Only
the core changes a ticket; each change writes its system message and its event in the
same transaction (tickets/events.py)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson

from ticketd.db import numbers
from ticketd.db.database import Connection, Database, Scope
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    AlreadyClaimed,
    AssigneeChanged,
    ClaimClosed,
    DepartmentMismatch,
    DepartmentNotFound,
    InvalidInput,
    NotClaimed,
    SameDepartment,
    TicketNotFound,
    Unavailable,
)
from ticketd.people import repository as people
from ticketd.people.actors import Actor
from ticketd.people.model import Person
from ticketd.tickets import events, labels, labels_repository, repository, rules
from ticketd.tickets import thread_repository as thread
from ticketd.tickets.model import (
    OPEN_STATUSES,
    PRIORITIES,
    Author,
    Body,
    MessageKind,
    NewTicket,
    Status,
    Ticket,
    TicketRef,
    to_json,
)
from ticketd.workspaces.config import Department, WorkspaceConfig

# A TicketId suffix has 36**4 values per second; at thousands of creates a second a
# collision is routine, and ten in a row is practically impossible.
MAX_ID_ATTEMPTS = 10


@asynccontextmanager
async def locked(
    db: Database, config: WorkspaceConfig, ref: TicketRef, *, messages: int = 0
) -> AsyncIterator[tuple[Scope, Ticket]]:
    """The ticket (by code, object id, number or row id), locked for the rest of the
    transaction, which writes `messages` messages in the usual case (their numbers are
    taken ahead; more are taken inside)."""
    workspace_id = config.workspace.id
    taken: list[int] = []
    if messages:
        first = await numbers.ahead(
            db, lambda conn: numbers.take(conn, workspace_id, "messages", messages)
        )
        taken = [] if first is None else list(range(first, first + messages))
    async with db.transaction() as conn:
        scope = Scope(conn, workspace_id, db.dialect, taken)
        ticket = await repository.find_ticket(scope, ref, for_update=True)
        if ticket is None:
            raise TicketNotFound()
        yield scope, ticket


async def create(
    db: Database,
    config: WorkspaceConfig,
    new: NewTicket,
    *,
    actor: Actor,
    also: Callable[[Connection, Ticket], Awaitable[None]] | None = None,
) -> Ticket:
    """Opens a ticket for `new.author`, whoever submits it (the author, or an
    integration on their behalf). `also` runs in the same transaction with the new
    ticket (an API keeping its answer under an Idempotency-Key)."""
    assignee = None
    if new.assignee_guid is not None:
        rules.ensure_may_choose_assignee(actor)
        assignee = rules.assignable_teammate(config, new.assignee_guid)
    fields = labels.checked_field_values(config, new.fields)
    now = now_ms()
    values = _ticket_values(new, now)
    if assignee is not None:
        values.update(assignee_guid=assignee.guid, claimed_by=assignee.user_id, claimed_at=now)
    # Without a contact to look up, tags, fields or an answer to keep, PostgreSQL needs
    # no explicit transaction: the insert, open-ticket limit included, is one statement
    # (repository.insert_new_ticket).
    alone = (
        db.dialect == "postgresql"
        and new.author.email is None
        and not new.tags
        and not fields
        and also is None
    )
    numbered = await numbers.ahead(
        db, lambda conn: repository.take_ticket_numbers(conn, config.workspace.id)
    )
    async with db.connection() if alone else db.transaction() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        numbered = numbered or await repository.take_ticket_numbers(conn, scope.workspace_id)
        contact = await _upsert_contact(scope, new.author, now) if new.author.email else None
        _set_author(values, config, contact)
        slot = _route_to_category(config, values, new.category)
        values["id"] = await _insert_with_fresh_ids(
            scope, values, new, now, numbered, alone=alone, slot=slot
        )
        values["number"] = numbered[0]
        if new.tags:
            await labels_repository.attach_tags(scope, values["id"], new.tags)
        if fields:
            await labels_repository.insert_field_values(scope, values["id"], fields)
        ticket = _created(values, config.workspace.id)
        if also is not None:
            await also(conn, ticket)
    return ticket


def _created(v: dict[str, Any], workspace_id: str) -> Ticket:
    """The new ticket as stored, from the values it was inserted with."""
    return Ticket(
        v["id"], v["code"], v["object_id"], workspace_id, v["subject"], v["category_key"],
        v["department_key"], Status.OPEN, v["priority"], v["author_guid"], v["author_user_id"],
        v["author_username"], v["author_display_name"], v["author_avatar_url"],
        v["assignee_guid"], v["claimed_by"], v["claimed_at"], v["game_report"], v["place_id"],
        v["server_id"], v["sentiment"], v["detailed_source"], v["source_name"],
        tuple(orjson.loads(v["cc"])) if v["cc"] else (), 0, False, v["last_thread_at"],
        v["created_at"], v["updated_at"], None, None, None, v["public_token"], v["number"],
    )  # fmt: skip


def _ticket_values(new: NewTicket, now: int) -> dict[str, Any]:
    author = new.author
    return {
        "code": "",
        "object_id": "",
        "subject": new.subject,
        "category_key": new.category,
        "department_key": None,
        "status": Status.OPEN,
        "priority": new.priority,
        "author_guid": None,
        "author_user_id": author.user_id,
        "author_username": author.username,
        "author_display_name": author.display_name,
        "author_avatar_url": author.avatar_url,
        "assignee_guid": None,
        "claimed_by": None,
        "claimed_at": None,
        "game_report": new.place_id is not None,
        "place_id": new.place_id,
        "server_id": new.server_id,
        "sentiment": new.sentiment,
        "detailed_source": new.source,
        "source_name": new.source_name,
        "cc": to_json(new.cc),
        "last_thread_at": now,
        "created_at": now,
        "updated_at": now,
        "public_token": ids.public_token(),
    }


def _set_author(values: dict[str, Any], config: WorkspaceConfig, contact: Person | None) -> None:
    if contact is None:  # someone known by Roblox user id: a known member's names win
        user_id = values["author_user_id"]
        values["author_guid"] = config.guid_for_user(user_id)
        member = config.members.get(user_id)
        if member is not None:
            values["author_username"] = member.username
            values["author_display_name"] = member.display_name
        return
    values["author_guid"] = contact.guid
    values["author_user_id"] = contact.user_id
    values["author_display_name"] = contact.display_name
    values["author_avatar_url"] = contact.avatar_url


async def _upsert_contact(scope: Scope, author: Author, now: int) -> Person:
    assert author.email is not None
    return await people.upsert_contact(
        scope,
        guid=ids.new_guid(),
        email=author.email,
        name=author.display_name,
        image=author.avatar_url,
        phone_number=author.phone_number,
        now=now,
    )


def _route_to_category(
    config: WorkspaceConfig, values: dict[str, Any], key: str | None
) -> repository.OpenSlot | None:
    """Checks the author may file in the category and routes the ticket to its
    department; the open ticket to count against the author's limit there, if any."""
    category = rules.ensure_category_open_to(config, key, values["author_user_id"])
    if category is None:
        return None
    values["department_key"] = config.department_for(category.key)
    limit = category.max_open_tickets
    return (
        None if limit is None else repository.OpenSlot(category.key, values["author_guid"], limit)
    )


def message_values(
    kind: MessageKind, user_id: int | None, guid: str | None, body: Body, now: int
) -> dict[str, Any]:
    return {
        "key": ids.message_key(now),
        "type": kind,
        "author_user_id": user_id,
        "author_guid": guid,
        "content": body.text,
        "html": body.html,
        "attachments": to_json(body.attachments),
        "created_at": now,
    }


async def _insert_with_fresh_ids(
    scope: Scope,
    values: dict[str, Any],
    new: NewTicket,
    now: int,
    numbered: tuple[int, int],
    *,
    alone: bool,
    slot: repository.OpenSlot | None,
) -> int:
    guid, user_id = values["author_guid"], values["author_user_id"]
    message = message_values(MessageKind.AUTHOR, user_id, guid, new.body, now)
    created = (
        events.GameReportCreated(new.priority)
        if new.place_id is not None
        else events.TicketCreated(new.priority)
    )
    event = events.stored(guid, user_id, None, created, now)
    for _ in range(MAX_ID_ATTEMPTS):
        values["code"], values["object_id"] = ids.ticket_code(), ids.object_id()
        inserted = await repository.insert_new_ticket(
            scope, values, message, event, numbered, alone=alone, slot=slot
        )
        if inserted is not None:
            return inserted
        if not alone:
            slot = None  # taken once in this transaction, and kept
    raise Unavailable("Could not allocate a ticket id, try again")


async def claim(db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor) -> None:
    """The actor takes the ticket; exactly one of many simultaneous claimers wins."""
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.check_may_claim(actor, ticket)
        if ticket.assignee_guid is not None:
            raise AlreadyClaimed()
        if not ticket.is_open:
            raise ClaimClosed()
        now = now_ms()
        assert actor.guid is not None
        if not await repository.claim(scope, ticket.id, actor.guid, actor.user_id, now):
            raise AlreadyClaimed()
        await system_message(scope, ticket, f"Ticket claimed by {actor.name}", now, actor=actor)
        await events.record(scope, ticket, actor, events.Claimed(actor.guid), now)


async def unclaim(db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor) -> None:
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        previous = ticket.assignee_guid
        if previous is None:
            raise NotClaimed()
        now = now_ms()
        await repository.update_ticket(
            scope, ticket.id, assignee_guid=None, claimed_by=None, claimed_at=None, updated_at=now
        )
        await system_message(scope, ticket, f"Ticket unclaimed by {actor.name}", now, actor=actor)
        await events.record(scope, ticket, actor, events.Unclaimed(previous), now)


async def assign(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: TicketRef,
    *,
    actor: Actor,
    assignee_guid: str | None,
    previous_guid: str | None,
) -> None:
    """Sets or clears the assignee if it is still `previous_guid`: an optimistic check,
    so of many simultaneous calls made from the same view exactly one wins."""
    assignee = rules.assignable_teammate(config, assignee_guid) if assignee_guid else None
    async with locked(db, config, ticket_id, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        current = ticket.assignee_guid
        if current != previous_guid:
            raise AssigneeChanged(current)
        if current == assignee_guid:
            return
        now = now_ms()
        target = (assignee.guid, assignee.user_id) if assignee else None
        if not await repository.reassign(scope, ticket.id, previous_guid, target, now):
            raise AssigneeChanged(None)
        text = f"Ticket assigned to {assignee.name}" if assignee else "Ticket unassigned"
        await system_message(scope, ticket, f"{text} by {actor.name}", now, actor=actor)
        change: events.Payload
        if assignee is None:
            assert current is not None
            change = events.Unassigned(current)
        else:
            change = events.Assigned(assignee.guid, current)
        await events.record(scope, ticket, actor, change, now)


async def change_status(
    db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor, status: Status
) -> None:
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        await set_status(scope, config, ticket, status, now_ms(), actor=actor)


async def change_priority(
    db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor, priority: str
) -> None:
    if priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of: {', '.join(PRIORITIES)}")
    async with locked(db, config, ref) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        rules.ensure_may_work(actor)
        if ticket.priority == priority:
            return
        now = now_ms()
        await repository.update_ticket(scope, ticket.id, priority=priority, updated_at=now)
        payload = events.PriorityChanged(ticket.priority, priority)
        await events.record(scope, ticket, actor, payload, now)


async def set_status(
    scope: Scope,
    config: WorkspaceConfig,
    ticket: Ticket,
    status: Status,
    now: int,
    *,
    actor: Actor,
) -> None:
    """Within a change the caller has already checked and locked."""
    previous = ticket.status
    if status == previous:
        return
    changes: dict[str, Any] = {"status": status, "updated_at": now}
    was_open, is_open = previous in OPEN_STATUSES, status in OPEN_STATUSES
    if was_open != is_open:
        changes["closed_at"] = None if is_open else now
        if not is_open and ticket.first_resolved_at is None:
            changes["first_resolved_at"] = now
        await count_open(scope, config, ticket, ticket.category_key, opened=is_open)
    await repository.update_ticket(scope, ticket.id, **changes)
    text = f"Status changed from {previous} to {status} by {actor.name}"
    await system_message(scope, ticket, text, now, actor=actor)
    await events.record(scope, ticket, actor, events.StatusChanged(previous, status), now)


async def count_open(
    scope: Scope,
    config: WorkspaceConfig,
    ticket: Ticket,
    category_key: str | None,
    *,
    opened: bool,
) -> None:
    """Keeps the open-ticket counter of a limited category in step with a status or
    category change. Staff decisions may take the author past the limit."""
    category = config.categories.get(category_key or "")
    if category is None or category.max_open_tickets is None:
        return
    if opened:
        await repository.take_open_slot(scope, category.key, ticket.author_guid, None)
    else:
        await repository.release_open_slot(scope, category.key, ticket.author_guid)


async def transfer(
    db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor, department_key: str
) -> Department:
    """Moves the ticket to another department that handles its category, unclaiming it.
    Returns that department."""
    target = config.departments.get(department_key)
    if target is None:
        raise DepartmentNotFound()
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        if ticket.department_key == target.key:
            raise SameDepartment()
        if ticket.category_key not in target.categories:
            raise DepartmentMismatch()
        now = now_ms()
        await repository.update_ticket(
            scope,
            ticket.id,
            department_key=target.key,
            assignee_guid=None,
            claimed_by=None,
            claimed_at=None,
            updated_at=now,
        )
        source = config.departments.get(ticket.department_key or "")
        from_name = source.name if source else ticket.department_key or "no department"
        text = f"Ticket transferred from {from_name} to {target.name} by {actor.name}"
        await system_message(scope, ticket, text, now, actor=actor)
        if ticket.assignee_guid is not None:
            text = f"Ticket unclaimed automatically after transfer to {target.name}"
            await system_message(scope, ticket, text, now, actor=actor)
        change = events.Transferred(ticket.department_key, target.key)
        await events.record(scope, ticket, actor, change, now)
        return target


async def system_message(
    scope: Scope, ticket: Ticket, text: str, now: int, *, actor: Actor
) -> None:
    await add_message(scope, ticket, MessageKind.SYSTEM, Body(text), now, actor=actor)


async def add_message(
    scope: Scope,
    ticket: Ticket,
    kind: MessageKind,
    body: Body,
    now: int,
    *,
    actor: Actor,
    **extra: Any,
) -> tuple[int, int]:
    """The new message's row id and number."""
    values = message_values(kind, actor.user_id, actor.guid, body, now)
    return await thread.insert_message(scope, ticket.id, {**values, **extra})
