"""Replies and internal notes: the ticket's thread."""

from typing import Any

import orjson

from ticketd.db.database import Connection, Database, Row
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    ClaimRequired,
    GameReportReadOnly,
    NoteNotFound,
    NotTicketAuthor,
    ReplyNotFound,
    TeammateReadOnly,
    TicketClosed,
    UnknownReplyAuthor,
    ValidationFailed,
)
from ticketd.people import repository as people
from ticketd.tickets import repository
from ticketd.tickets.service import (
    OPEN_STATUSES,
    Actor,
    Body,
    add_message,
    locked,
    record,
    require_staff,
    set_status,
    staff_actor,
    teammate_actor,
)
from ticketd.workspaces.config import Teammate, WorkspaceConfig

REPLY_TYPES = ("author_message", "staff_message")


async def reply_as_staff(
    db: Database, config: WorkspaceConfig, ref: str, *, staff_user_id: int, content: str
) -> None:
    """Series: only the staff member who claimed the ticket replies."""
    actor = staff_actor(config, staff_user_id)
    async with locked(db, config, ref) as (conn, ticket):
        if ticket["game_report"]:
            raise GameReportReadOnly()
        require_staff(config, ticket, staff_user_id)
        if ticket["assignee_guid"] != actor.guid:
            raise ClaimRequired()
        await _publish(conn, ticket, "staff_message", actor, Body(content), now_ms())


async def reply_as_author(
    db: Database, config: WorkspaceConfig, ref: str, *, author_user_id: int, content: str
) -> None:
    async with locked(db, config, ref) as (conn, ticket):
        if ticket["author_user_id"] != author_user_id:
            raise NotTicketAuthor()
        _check_author_may_reply(ticket)
        actor = Actor(ticket["author_guid"], ticket["author_display_name"] or "", author_user_id)
        await _publish(conn, ticket, "author_message", actor, Body(content), now_ms())


def _check_author_may_reply(ticket: Row) -> None:
    if ticket["game_report"]:
        raise GameReportReadOnly()
    if ticket["status"] not in OPEN_STATUSES:
        raise TicketClosed()


async def reply(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    *,
    author_email: str,
    body: Body,
    parent_id: int | None = None,
    is_draft: bool = False,
    complete: bool = False,
    update_status: bool = True,
) -> int:
    """Helpdesk: a teammate (admin or agent) or the ticket's creator replies, without
    claiming first. A teammate's reply moves an open ticket to in-progress (pending) and
    a creator's reply moves it back to open, unless `update_status` is off; `complete`
    resolves it."""
    async with locked(db, config, ticket_id) as (conn, ticket):
        actor, type = await _reply_author(conn, config, ticket, author_email)
        if complete and type != "staff_message":
            raise UnknownReplyAuthor("Only a teammate can complete a ticket")
        level = 0
        if parent_id is not None:
            parent = await repository.find_message(conn, ticket["id"], parent_id)
            if parent is None or parent["type"] not in REPLY_TYPES:
                raise ReplyNotFound("parentReplyId is not a reply of this ticket")
            level = parent["level"] + 1
        now = now_ms()
        message_id = await _publish(
            conn,
            ticket,
            type,
            actor,
            body,
            now,
            parent_id=parent_id,
            level=level,
            is_draft=is_draft,
        )
        if not is_draft:
            await _update_status_after_reply(
                conn, config, ticket, actor, type, now, complete, update_status
            )
    return message_id


async def _reply_author(
    conn: Connection, config: WorkspaceConfig, ticket: Row, email: str
) -> tuple[Actor, str]:
    teammate = config.teammates_by_email.get(email.lower())
    if teammate is not None:
        _check_can_work(teammate)
        if ticket["game_report"]:
            raise GameReportReadOnly()
        return teammate_actor(teammate), "staff_message"
    found = await people.find_by_guids(conn, ticket["workspace_id"], [ticket["author_guid"]])
    creator = found.get(ticket["author_guid"])
    if creator is None or (creator["email"] or "").lower() != email.lower():
        raise UnknownReplyAuthor()
    _check_author_may_reply(ticket)
    name = creator["display_name"] or creator["email"]
    return Actor(creator["guid"], name, creator["user_id"]), "author_message"


def _check_can_work(teammate: Teammate) -> None:
    if not teammate.can_work:
        raise TeammateReadOnly()


async def _update_status_after_reply(
    conn: Connection,
    config: WorkspaceConfig,
    ticket: Row,
    actor: Actor,
    type: str,
    now: int,
    complete: bool,
    update_status: bool,
) -> None:
    status = ticket["status"]
    if complete:
        await set_status(conn, config, ticket, actor, "resolved", now)
    elif update_status and type == "staff_message" and status == "open":
        await set_status(conn, config, ticket, actor, "in-progress", now)
    elif update_status and type == "author_message" and status == "in-progress":
        await set_status(conn, config, ticket, actor, "open", now)


async def _publish(
    conn: Connection, ticket: Row, type: str, actor: Actor, body: Body, now: int, **extra: Any
) -> int:
    message_id = await add_message(conn, ticket, type, actor, body, now, **extra)
    draft = extra.get("is_draft", False)
    changes: dict[str, Any] = {"updated_at": now}
    if draft:
        changes["has_draft"] = True
    else:
        changes["last_thread_at"] = now
        changes["reply_count"] = ticket["reply_count"] + 1
        if type == "staff_message" and ticket["first_response_at"] is None:
            changes["first_response_at"] = now
    await repository.update_ticket(conn, ticket["id"], **changes)
    by = "staff" if type == "staff_message" else "author"
    detail = {"by": by, "replyId": message_id, "draft": draft}
    await record(conn, ticket, "reply_drafted" if draft else "reply_created", actor, now, detail)
    return message_id


def _mention_guids(config: WorkspaceConfig, mentions: list[str]) -> str | None:
    """Teammates named by GUID or e-mail, as the stored JSON array of GUIDs."""
    guids: list[str] = []
    for name in mentions:
        teammate = config.teammates.get(name.lower()) or config.teammates_by_email.get(name.lower())
        if teammate is None:
            raise ValidationFailed(f"Validation error: mentioned user {name!r} is not a teammate")
        if teammate.guid not in guids:
            guids.append(teammate.guid)
    return orjson.dumps(guids).decode() if guids else None


async def add_note(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    *,
    author_email: str,
    body: Body,
    mentions: list[str],
) -> int:
    teammate = config.teammates_by_email.get(author_email.lower())
    if teammate is None:
        raise UnknownReplyAuthor("A note's author must be a teammate")
    _check_can_work(teammate)
    mentioned = _mention_guids(config, mentions)
    actor = teammate_actor(teammate)
    async with locked(db, config, ticket_id) as (conn, ticket):
        now = now_ms()
        note_id = await add_message(
            conn, ticket, "internal_note", actor, body, now, mentions=mentioned
        )
        await repository.update_ticket(conn, ticket["id"], updated_at=now, last_thread_at=now)
        await record(conn, ticket, "note_created", actor, now, {"noteId": note_id})
    return note_id


async def update_note(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    note_id: int,
    *,
    actor: Actor,
    body: Body | None,
    files: tuple[dict[str, str], ...] | None,
    mentions: list[str] | None,
) -> None:
    """Replaces what is given (text, attachments, mentions); None keeps it."""
    mentioned = None if mentions is None else _mention_guids(config, mentions)
    async with locked(db, config, ticket_id) as (conn, ticket):
        await _find_note(conn, ticket, note_id)
        now = now_ms()
        changes: dict[str, Any] = {"updated_at": now}
        if body is not None:
            changes["content"], changes["html"] = body.text, body.html
        if files is not None:
            changes["attachments"] = orjson.dumps(files).decode() if files else None
        if mentions is not None:
            changes["mentions"] = mentioned
        await repository.update_message(conn, note_id, **changes)
        await record(conn, ticket, "note_updated", actor, now, {"noteId": note_id})


async def delete_note(
    db: Database, config: WorkspaceConfig, ticket_id: int, note_id: int, *, actor: Actor
) -> None:
    async with locked(db, config, ticket_id) as (conn, ticket):
        await _find_note(conn, ticket, note_id)
        await repository.delete_message(conn, note_id)
        await record(conn, ticket, "note_deleted", actor, now_ms(), {"noteId": note_id})


async def _find_note(conn: Connection, ticket: Row, note_id: int) -> Row:
    note = await repository.find_message(conn, ticket["id"], note_id)
    if note is None or note["type"] != "internal_note":
        raise NoteNotFound()
    return note
