"""Replies and internal notes: the ticket's thread."""

from typing import Any

from ticketd.db.database import Database, Scope
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import NoteNotFound, ReplyNotFound, UnknownReplyAuthor, ValidationFailed
from ticketd.people.actors import Actor, ActorKind
from ticketd.tickets import events, repository, rules
from ticketd.tickets import thread_repository as thread
from ticketd.tickets.model import (
    REPLY_KINDS,
    Attachment,
    Body,
    MessageKind,
    Status,
    Ticket,
    TicketRef,
    to_json,
)
from ticketd.tickets.service import add_message, locked, set_status
from ticketd.workspaces.config import WorkspaceConfig


async def reply(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    *,
    actor: Actor,
    body: Body,
    parent_number: int | None = None,
    is_draft: bool = False,
    complete: bool = False,
    update_status: bool = True,
) -> int:
    """A reply by staff or by the ticket's author (tickets/rules.py says who may), under
    the reply numbered `parent_number` if given; returns the new reply's number. A
    staff reply moves an open ticket to in-progress and an author's reply moves it back
    to open, unless `update_status` is off; `complete` (staff only) resolves it."""
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.check_may_reply(actor, ticket)
        if actor.kind is ActorKind.MEMBER:
            actor = _as_author(actor, ticket)
        kind = MessageKind.AUTHOR if actor.kind is ActorKind.MEMBER else MessageKind.STAFF
        if complete and kind is not MessageKind.STAFF:
            raise UnknownReplyAuthor("Only a teammate can complete a ticket")
        extra: dict[str, Any] = {"level": 0, "is_draft": is_draft}
        if parent_number is not None:
            parent = await thread.find_numbered_message(scope, ticket.id, parent_number)
            if parent is None or parent.kind not in REPLY_KINDS:
                raise ReplyNotFound("parentReplyId is not a reply of this ticket")
            extra.update(parent_id=parent.id, parent_number=parent.number, level=parent.level + 1)
        now = now_ms()
        number = await _publish(scope, ticket, kind, actor, body, now, **extra)
        if not is_draft:
            await _update_status_after_reply(
                scope, config, ticket, actor, kind, now, complete, update_status
            )
    return number


def _as_author(actor: Actor, ticket: Ticket) -> Actor:
    """The author as the ticket knows them, so their events name the ticket's author."""
    name = actor.name if actor.user_id is None else ticket.author_display_name or ""
    return Actor(ActorKind.MEMBER, ticket.author_guid, name, actor.user_id)


async def _update_status_after_reply(
    scope: Scope,
    config: WorkspaceConfig,
    ticket: Ticket,
    actor: Actor,
    kind: MessageKind,
    now: int,
    complete: bool,
    update_status: bool,
) -> None:
    if complete:
        await set_status(scope, config, ticket, Status.RESOLVED, now, actor=actor)
    elif update_status and kind is MessageKind.STAFF and ticket.status is Status.OPEN:
        await set_status(scope, config, ticket, Status.IN_PROGRESS, now, actor=actor)
    elif update_status and kind is MessageKind.AUTHOR and ticket.status is Status.IN_PROGRESS:
        await set_status(scope, config, ticket, Status.OPEN, now, actor=actor)


async def _publish(
    scope: Scope,
    ticket: Ticket,
    kind: MessageKind,
    actor: Actor,
    body: Body,
    now: int,
    **extra: Any,
) -> int:
    """Returns the message's number."""
    message_id, number = await add_message(scope, ticket, kind, body, now, actor=actor, **extra)
    changes: dict[str, Any] = {"updated_at": now}
    change: events.Payload
    if extra.get("is_draft"):
        changes["has_draft"] = True
        change = events.ReplyDrafted(message_id)
    else:
        changes["last_thread_at"] = now
        changes["reply_count"] = ticket.reply_count + 1
        if kind is MessageKind.STAFF and ticket.first_response_at is None:
            changes["first_response_at"] = now
        staff = kind is MessageKind.STAFF
        change = events.StaffReplied(message_id) if staff else events.AuthorReplied(message_id)
    await repository.update_ticket(scope, ticket.id, **changes)
    await events.record(scope, ticket, actor, change, now)
    return number


def _mention_guids(config: WorkspaceConfig, mentions: list[str]) -> str | None:
    """Teammates named by GUID or e-mail, as the stored JSON array of GUIDs."""
    guids: list[str] = []
    for name in mentions:
        teammate = config.teammates.get(name.lower()) or config.teammates_by_email.get(name.lower())
        if teammate is None:
            raise ValidationFailed(f"Validation error: mentioned user {name!r} is not a teammate")
        if teammate.guid not in guids:
            guids.append(teammate.guid)
    return to_json(guids)


async def add_note(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    *,
    actor: Actor,
    body: Body,
    mentions: list[str],
) -> int:
    """Returns the new note's number."""
    rules.ensure_may_write_notes(actor)
    mentioned = _mention_guids(config, mentions)
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        now = now_ms()
        note_id, number = await add_message(
            scope, ticket, MessageKind.NOTE, body, now, actor=actor, mentions=mentioned
        )
        await repository.update_ticket(scope, ticket.id, updated_at=now, last_thread_at=now)
        await events.record(scope, ticket, actor, events.NoteAdded(note_id), now)
    return number


async def update_note(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    note_number: int,
    *,
    actor: Actor,
    body: Body | None,
    files: tuple[Attachment, ...] | None,
    mentions: list[str] | None,
) -> None:
    """Replaces what is given (text, attachments, mentions) of the note numbered
    `note_number`; None keeps it."""
    mentioned = None if mentions is None else _mention_guids(config, mentions)
    async with locked(db, config, ref) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        note_id = await _find_note(scope, ticket, note_number)
        now = now_ms()
        changes: dict[str, Any] = {"updated_at": now}
        if body is not None:
            changes["content"], changes["html"] = body.text, body.html
        if files is not None:
            changes["attachments"] = to_json(files)
        if mentions is not None:
            changes["mentions"] = mentioned
        await thread.update_message(scope, ticket.id, note_id, **changes)
        await events.record(scope, ticket, actor, events.NoteUpdated(note_id), now)


async def delete_note(
    db: Database, config: WorkspaceConfig, ref: TicketRef, note_number: int, *, actor: Actor
) -> None:
    async with locked(db, config, ref) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        note_id = await _find_note(scope, ticket, note_number)
        await thread.delete_message(scope, ticket.id, note_id)
        await events.record(scope, ticket, actor, events.NoteDeleted(note_id), now_ms())


async def _find_note(scope: Scope, ticket: Ticket, number: int) -> int:
    """The row id of the ticket's note numbered `number`."""
    note = await thread.find_numbered_message(scope, ticket.id, number)
    if note is None or note.kind is not MessageKind.NOTE:
        raise NoteNotFound()
    return note.id
