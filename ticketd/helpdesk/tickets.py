"""Helpdesk ticket endpoints: tickets, their edits, replies, notes and log."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ticketd.helpdesk import log, render
from ticketd.helpdesk.envelope import ok
from ticketd.helpdesk.requests import (
    attachments,
    caller,
    message_body,
    paging,
    path_id,
    ticket_number,
)
from ticketd.helpdesk.schemas import (
    AssigneeBody,
    CategoryBody,
    CreateTicketBody,
    FieldValueBody,
    ListBody,
    LogBody,
    NoteBody,
    NoteUpdateBody,
    ReplyBody,
    StatusBody,
    TagsBody,
    parse,
)
from ticketd.kit import idempotency
from ticketd.kit.clock import from_datetime
from ticketd.kit.errors import (
    CategoryNotFound,
    FieldNotFound,
    ValidationFailed,
)
from ticketd.kit.http import optional_json, read_json
from ticketd.people import actors
from ticketd.tickets import conversation, edits, labels, queries
from ticketd.tickets import service as tickets
from ticketd.tickets.model import (
    REPLY_KINDS,
    Author,
    MessageKind,
    NewTicket,
    Source,
    TicketOrder,
    TicketQuery,
)
from ticketd.workspaces.config import WorkspaceConfig


def _category_key(config: WorkspaceConfig, category_id: int | None) -> str | None:
    """The category a helpdesk integer id (its number in the workspace) names."""
    if category_id is None:
        return None
    category = config.categories_by_number.get(category_id)
    if category is None:
        raise CategoryNotFound()
    return category.key


def _field_id(config: WorkspaceConfig, number: int) -> int:
    """The row id of the custom field a helpdesk integer id (its number in the
    workspace) names; 0, which no field has, when there is none."""
    field = config.fields_by_number.get(number)
    return 0 if field is None else field.id


def _known_references(
    config: WorkspaceConfig, body: CreateTicketBody
) -> tuple[str | None, tuple[tuple[int, str], ...], list[str]]:
    """The assignee and custom field values this inbox has, and what it dropped: the
    published example names a teammate and a custom field of its own inbox, so
    references to unknown ones are reported rather than fatal."""
    dropped: list[str] = []
    assignee = body.assigneeId.lower() if body.assigneeId else None
    if assignee and assignee not in config.teammates:
        dropped.append(f"assigneeId={assignee}")
        assignee = None
    values = []
    for f in body.customFields:
        field_id = _field_id(config, f.id)
        if not field_id:
            dropped.append(f"customFields.id={f.id}")
        elif f.value is not None:
            values.append((field_id, f.value))
    return assignee, tuple(values), dropped


async def create_ticket(request: Request) -> Response:
    """Create a ticket; `data` is its integer id."""
    c = await caller(request)
    body = parse(CreateTicketBody, await read_json(request))
    assignee, values, dropped = _known_references(c.config, body)
    creator = body.creator
    new = NewTicket(
        subject=body.title,
        category=_category_key(c.config, body.categoryId),
        body=message_body(body),
        author=Author(
            email=creator.email,
            display_name=creator.name,
            avatar_url=creator.image,
            phone_number=creator.phoneNumber,
        ),
        sentiment=body.sentiment,
        source=Source.HELPDESK_API,
        source_name=body.sourceName,
        cc=labels.unique_ignoring_case(body.cc),
        tags=labels.checked_tags(body.tags),
        fields=values,
        assignee_guid=assignee,
    )
    headers = {"X-Ticketd-Ignored": "; ".join(dropped)} if dropped else None
    return await idempotency.answer_once(
        request, c.db, c.config.workspace.id, "helpdesk.create",
        lambda keep: tickets.create(c.db, c.config, new, actor=c.actor, also=keep),
        lambda ticket: ok(ticket.number, headers),
    )  # fmt: skip


def misplaced(sent: Any, where: str) -> None:
    """Paging sent where this endpoint does not read it would be silently ignored."""
    if "skip" in sent or "take" in sent:
        raise ValidationFailed(f"Validation error: skip and take go {where} here")


async def get_ticket(request: Request) -> Response:
    """A ticket by its integer id."""
    c = await caller(request)
    ticket, details = await queries.ticket_with_details(c.db, c.config, ticket_number(request))
    return ok(render.ticket(ticket, details, c.config))


async def list_tickets(request: Request) -> Response:
    """Tickets matching every given filter, `take` (≤ 50) at a time."""
    c = await caller(request)
    misplaced(request.query_params, "in the request body")
    body = parse(ListBody, await optional_json(request))
    category = None
    if "categoryId" in body.model_fields_set:
        category = _category_key(c.config, body.categoryId)
    sources: tuple[Source, ...] = ()
    if body.source is not None:
        if body.source not in render.SOURCES:
            known = ", ".join(render.SOURCES)
            raise ValidationFailed(f"Validation error: source: must be one of: {known}")
        sources = render.SOURCES[body.source]
    query = TicketQuery(
        category=category,
        uncategorised="categoryId" in body.model_fields_set and category is None,
        field_values=tuple(
            (_field_id(c.config, f.key), f.value.strip()) for f in body.customFields
        ),
        created_from=from_datetime(body.from_) if body.from_ else None,
        created_to=from_datetime(body.to) if body.to else None,
        statuses=render.STATUS_FILTER[body.status] if body.status else (),
        sources=sources,
        ticket_numbers=tuple(body.ticketIds),
        order=TicketOrder(body.orderBy),
        offset=body.skip,
        limit=body.take,
        with_details=True,
    )
    page = await queries.find_tickets(c.db, c.config, query)
    return ok([render.ticket(t, page.details, c.config) for t in page.tickets])


async def update_assignee(request: Request) -> Response:
    """Assign or unassign, if `previousAssigneeId` is still the assignee."""
    c = await caller(request)
    body = parse(AssigneeBody, await read_json(request))
    await tickets.assign(
        c.db,
        c.config,
        ticket_number(request),
        actor=c.actor,
        assignee_guid=body.assigneeId.lower() if body.assigneeId else None,
        previous_guid=body.previousAssigneeId.lower() if body.previousAssigneeId else None,
    )
    return ok({})


async def update_status(request: Request) -> Response:
    """Set open, pending or completed; `open` on a completed ticket reopens it."""
    c = await caller(request)
    body = parse(StatusBody, await read_json(request))
    ticket = ticket_number(request)
    status = render.STATUS_SET[body.status]
    await tickets.change_status(c.db, c.config, ticket, actor=c.actor, status=status)
    return ok({})


async def update_category(request: Request) -> Response:
    """File the ticket under another category, or none (null)."""
    c = await caller(request)
    body = parse(CategoryBody, await read_json(request))
    category = _category_key(c.config, body.categoryId)
    await edits.change_category(
        c.db, c.config, ticket_number(request), actor=c.actor, category_key=category
    )
    return ok({})


async def replace_tags(request: Request) -> Response:
    """Replace the ticket's tags with the given names (an array, or {"tags": [...]})."""
    c = await caller(request)
    raw = await read_json(request)
    body = parse(TagsBody, {"tags": raw} if isinstance(raw, list) else raw)
    names = await edits.replace_tags(
        c.db, c.config, ticket_number(request), actor=c.actor, tags=body.tags
    )
    return ok(names)


async def update_field_value(request: Request) -> Response:
    """Set one custom field's value on the ticket (null clears it)."""
    c = await caller(request)
    body = parse(FieldValueBody, await read_json(request))
    number = path_id(request, "fieldId", FieldNotFound)
    value = await edits.set_custom_field(
        c.db,
        c.config,
        ticket_number(request),
        actor=c.actor,
        field_id=_field_id(c.config, number),
        value=body.value,
    )
    return ok({"id": number, "value": value})


# --- conversation ------------------------------------------------------------------


async def create_reply(request: Request) -> Response:
    """Reply as a teammate (by e-mail) or as the ticket's creator."""
    c = await caller(request)
    body = parse(ReplyBody, await read_json(request))
    ticket = ticket_number(request)
    reply = await conversation.reply(
        c.db,
        c.config,
        ticket,
        actor=await actors.by_email(c.db, c.config, body.author.email),
        body=message_body(body),
        parent_number=body.parentReplyId,
        is_draft=body.isDraft,
        complete=body.isTicketNeededToBeCompleted,
        update_status=not body.suppressTicketStatusAutoupdate,
    )
    thread = await queries.message(c.db, c.config, ticket, reply)
    return ok(render.reply(thread.messages[0], thread.ticket, c.config, thread.people))


async def list_replies(request: Request) -> Response:
    """Replies and drafts after the opening message, oldest first."""
    c = await caller(request)
    skip, take = paging(request)
    thread = await queries.messages(
        c.db, c.config, ticket_number(request), REPLY_KINDS, offset=skip, limit=take
    )
    return ok([render.reply(m, thread.ticket, c.config, thread.people) for m in thread.messages])


async def add_note(request: Request) -> Response:
    """Add an internal note (never shown to the creator or through the Series API)."""
    c = await caller(request)
    body = parse(NoteBody, await read_json(request))
    ticket = ticket_number(request)
    note = await conversation.add_note(
        c.db,
        c.config,
        ticket,
        actor=await actors.by_email(c.db, c.config, body.author.email),
        body=message_body(body),
        mentions=body.mentionedUsers,
    )
    thread = await queries.message(c.db, c.config, ticket, note)
    return ok(render.note(thread.messages[0], c.config, thread.people))


async def list_notes(request: Request) -> Response:
    """Internal notes, oldest first."""
    c = await caller(request)
    skip, take = paging(request)
    thread = await queries.messages(
        c.db, c.config, ticket_number(request), (MessageKind.NOTE,), offset=skip, limit=take
    )
    return ok([render.note(m, c.config, thread.people) for m in thread.messages])


async def update_note(request: Request) -> Response:
    """Change a note: each field given replaces the note's, each absent is kept."""
    c = await caller(request)
    body = parse(NoteUpdateBody, await read_json(request))
    ticket, note = ticket_number(request), path_id(request, "noteId")
    await conversation.update_note(
        c.db,
        c.config,
        ticket,
        note,
        actor=c.actor,
        body=message_body(body) if body.message is not None else None,
        files=attachments(body.attachments) if body.attachments is not None else None,
        mentions=body.mentionedUsers,
    )
    thread = await queries.message(c.db, c.config, ticket, note)
    return ok(render.note(thread.messages[0], c.config, thread.people))


async def delete_note(request: Request) -> Response:
    """Delete a note."""
    c = await caller(request)
    await conversation.delete_note(
        c.db, c.config, ticket_number(request), path_id(request, "noteId"), actor=c.actor
    )
    return ok({})


async def ticket_log(request: Request) -> Response:
    """The ticket's log, newest first, optionally only some action types."""
    c = await caller(request)
    skip, take = paging(request)
    raw = await optional_json(request)
    if isinstance(raw, dict):
        misplaced(raw, "in the query string")
    body = parse(LogBody, raw)
    types = log.event_types(body.action_types)
    ticket = ticket_number(request)
    if types is None:  # only types that are never recorded
        await queries.ensure_exists(c.db, c.config, ticket)
        return ok([])
    found, people = await queries.history(c.db, c.config, ticket, types, offset=skip, limit=take)
    return ok([log.entry(e, c.config, people) for e in found])
