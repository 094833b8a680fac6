"""The Socialboards-style helpdesk API: parse, call the core, render the envelope."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ticketd.helpdesk import log, render
from ticketd.helpdesk.auth import Client
from ticketd.helpdesk.envelope import error_response, ok
from ticketd.helpdesk.schemas import (
    AssigneeBody,
    CategoryBody,
    CreateTicketBody,
    FieldUpdateBody,
    FieldValueBody,
    ListBody,
    LogBody,
    NewFieldBody,
    NoteBody,
    NoteUpdateBody,
    ReplyBody,
    StatusBody,
    TagsBody,
    parse,
)
from ticketd.kit.clock import from_datetime
from ticketd.kit.errors import (
    CategoryNotFound,
    FieldNotFound,
    NotFound,
    TicketdError,
    TicketNotFound,
    ValidationFailed,
)
from ticketd.kit.html import sanitise, to_text
from ticketd.kit.http import read_body, read_json
from ticketd.tickets import conversation, edits, labels, queries
from ticketd.tickets import service as tickets
from ticketd.workspaces import fields
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import WorkspaceConfig

MAX_ID = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Caller:
    services: Any
    config: WorkspaceConfig
    client: Client

    @property
    def db(self) -> Any:
        return self.services.db

    @property
    def actor(self) -> tickets.Actor:
        return tickets.Actor(self.client.client_id, self.client.name, is_bot=True)


async def caller(request: Request) -> Caller:
    """Check the bearer token, count the request against its client's limit, load the
    workspace and check its plan and module."""
    s = request.app.state.services
    client = await s.tokens.authenticate(s.db, request.headers.get("authorization"))
    s.limiter.hit(client.client_id)
    config = await workspaces.get_config(s.db, s.cache, client.workspace_id)
    workspaces.require_tickets(config)
    return Caller(s, config, client)


def path_id(request: Request, name: str, missing: type[TicketdError] = TicketNotFound) -> int:
    value = request.path_params[name]
    if not 1 <= value <= MAX_ID:
        raise missing()
    return value


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ValidationFailed(f"Validation error: {name}: must be an integer from {low} to {high}")
    return int(raw)


def paging(request: Request) -> tuple[int, int]:
    return query_int(request, "skip", 0, 0, 1_000_000), query_int(request, "take", 25, 1, 50)


async def optional_json(request: Request) -> Any:
    """A JSON body where sending none means `{}`."""
    raw = await read_body(request)
    return await read_json(request) if raw.strip() else {}


def message_body(m: Any) -> tickets.Body:
    """Sanitised HTML and its plain text, or escaped text; http(s) attachments."""
    files = tuple({"url": a.url, "name": a.name} for a in m.attachments)
    if not m.isHtml:
        text = m.message.strip()
        if not text:
            raise ValidationFailed("Validation error: message: is required")
        return tickets.Body(text, None, files)
    html = sanitise(m.message).strip()
    text = to_text(html)
    if not text and "<img" not in html:
        raise ValidationFailed("Validation error: message: has no content once sanitised")
    return tickets.Body(text, html, files)


# --- auth --------------------------------------------------------------------------


async def token(request: Request) -> Response:
    """Exchange a refresh token for an access token (form-encoded, as OAuth 2)."""
    s = request.app.state.services
    try:
        raw = await read_body(request)
        if "json" in request.headers.get("content-type", ""):
            data = await read_json(request) or {}
            form = {k: str(v) for k, v in data.items() if v is not None}
        else:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        data = await s.tokens.exchange(
            s.db,
            grant_type=form.get("grant_type") or form.get("grand_type", ""),
            refresh_token=form.get("refresh_token", ""),
            client_id=form.get("client_id", ""),
        )
    except TicketdError as error:
        return error_response(error, oauth=True)
    except (AttributeError, TypeError):
        return error_response(ValidationFailed("Body must be form-encoded fields"), oauth=True)
    # The published endpoint answers with the bare OAuth object, not the envelope.
    return Response(
        orjson.dumps(data),
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


# --- tickets -----------------------------------------------------------------------


def _category_key(config: WorkspaceConfig, category_id: int | None) -> str | None:
    if category_id is None:
        return None
    category = config.categories_by_id.get(category_id)
    if category is None:
        raise CategoryNotFound()
    return category.key


def _unique_ignoring_case(addresses: list[str]) -> tuple[str, ...]:
    first: dict[str, str] = {}
    for address in addresses:
        first.setdefault(address.lower(), address)
    return tuple(first.values())


async def create_ticket(request: Request) -> Response:
    """Create a ticket; `data` is its integer id."""
    c = await caller(request)
    body = parse(CreateTicketBody, await read_json(request))
    ignored: list[str] = []
    assignee = body.assigneeId.lower() if body.assigneeId else None
    if assignee and assignee not in c.config.teammates:
        ignored.append(f"assigneeId={assignee}")
        assignee = None
    values = []
    for f in body.customFields:
        if f.id not in c.config.custom_fields:
            ignored.append(f"customFields.id={f.id}")
        elif f.value is not None:
            values.append((f.id, f.value))
    creator = body.creator
    new = tickets.NewTicket(
        subject=body.title,
        category=_category_key(c.config, body.categoryId),
        body=message_body(body),
        author=tickets.Author(
            email=creator.email,
            display_name=creator.name,
            avatar_url=creator.image,
            phone_number=creator.phoneNumber,
        ),
        sentiment=body.sentiment,
        detailed_source="api_helpdesk",
        source_name=body.sourceName,
        cc=_unique_ignoring_case(body.cc),
        tags=labels.checked_tags(body.tags),
        fields=tuple(values),
        assignee_guid=assignee,
    )
    ticket = await tickets.create(c.db, c.config, new)
    # References this inbox does not have (the published example names a teammate and
    # a custom field of its own) are dropped, not fatal; the caller is told here.
    headers = {"X-Ticketd-Ignored": "; ".join(ignored)} if ignored else None
    return ok(ticket["id"], headers)


async def get_ticket(request: Request) -> Response:
    """A ticket by its integer id."""
    c = await caller(request)
    page = await queries.get_ticket(c.db, c.config, path_id(request, "ticketId"))
    return ok(render.ticket(page.tickets[0], page, c.config))


async def list_tickets(request: Request) -> Response:
    """Tickets matching every given filter, `take` (≤ 50) at a time."""
    c = await caller(request)
    body = parse(ListBody, await optional_json(request))
    category: Any = queries.ANY
    if "categoryId" in body.model_fields_set:
        category = _category_key(c.config, body.categoryId)
    sources = ()
    if body.source is not None:
        if body.source not in render.SOURCES:
            known = ", ".join(render.SOURCES)
            raise ValidationFailed(f"Validation error: source: must be one of: {known}")
        sources = render.SOURCES[body.source]
    query = queries.ListFilter(
        category=category,
        field_values=tuple((f.key, f.value.strip()) for f in body.customFields),
        created_from=from_datetime(body.from_) if body.from_ else None,
        created_to=from_datetime(body.to) if body.to else None,
        statuses=render.STATUS_FILTER[body.status] if body.status else (),
        detailed_sources=sources,
        ticket_ids=tuple(body.ticketIds),
        order=body.orderBy,
        skip=body.skip,
        take=body.take,
    )
    page = await queries.list_tickets(c.db, c.config, query)
    return ok([render.ticket(t, page, c.config) for t in page.tickets])


async def update_assignee(request: Request) -> Response:
    """Assign or unassign, if `previousAssigneeId` is still the assignee."""
    c = await caller(request)
    body = parse(AssigneeBody, await read_json(request))
    await tickets.assign(
        c.db,
        c.config,
        path_id(request, "ticketId"),
        actor=c.actor,
        assignee_guid=body.assigneeId.lower() if body.assigneeId else None,
        previous_guid=body.previousAssigneeId.lower() if body.previousAssigneeId else None,
    )
    return ok({})


async def update_status(request: Request) -> Response:
    """Set open, pending or completed; `open` on a completed ticket reopens it."""
    c = await caller(request)
    body = parse(StatusBody, await read_json(request))
    ticket_id = path_id(request, "ticketId")
    status = render.STATUS_SET[body.status]
    await tickets.change_status(c.db, c.config, ticket_id, actor=c.actor, status=status)
    return ok({})


async def update_category(request: Request) -> Response:
    """File the ticket under another category, or none (null)."""
    c = await caller(request)
    body = parse(CategoryBody, await read_json(request))
    await edits.change_category(
        c.db, c.config, path_id(request, "ticketId"), actor=c.actor, category_id=body.categoryId
    )
    return ok({})


async def replace_tags(request: Request) -> Response:
    """Replace the ticket's tags with the given names (an array, or {"tags": [...]})."""
    c = await caller(request)
    raw = await read_json(request)
    body = parse(TagsBody, {"tags": raw} if isinstance(raw, list) else raw)
    names = await edits.replace_tags(
        c.db, c.config, path_id(request, "ticketId"), actor=c.actor, tags=body.tags
    )
    return ok(names)


async def update_field_value(request: Request) -> Response:
    """Set one custom field's value on the ticket (null clears it)."""
    c = await caller(request)
    body = parse(FieldValueBody, await read_json(request))
    field_id = path_id(request, "fieldId", FieldNotFound)
    value = await edits.set_custom_field(
        c.db,
        c.config,
        path_id(request, "ticketId"),
        actor=c.actor,
        field_id=field_id,
        value=body.value,
    )
    return ok({"id": field_id, "value": value})


# --- conversation ------------------------------------------------------------------


async def create_reply(request: Request) -> Response:
    """Reply as a teammate (by e-mail) or as the ticket's creator."""
    c = await caller(request)
    body = parse(ReplyBody, await read_json(request))
    ticket_id = path_id(request, "ticketId")
    reply_id = await conversation.reply(
        c.db,
        c.config,
        ticket_id,
        author_email=body.author.email,
        body=message_body(body),
        parent_id=body.parentReplyId,
        is_draft=body.isDraft,
        complete=body.isTicketNeededToBeCompleted,
        update_status=not body.suppressTicketStatusAutoupdate,
    )
    ticket, row, people = await queries.message(c.db, c.config, ticket_id, reply_id)
    return ok(render.reply(row, ticket, c.config, people))


async def list_replies(request: Request) -> Response:
    """Replies and drafts after the opening message, oldest first."""
    c = await caller(request)
    skip, take = paging(request)
    ticket, rows, people = await queries.thread(
        c.db, c.config, path_id(request, "ticketId"), conversation.REPLY_TYPES, skip=skip, take=take
    )
    return ok([render.reply(r, ticket, c.config, people) for r in rows])


async def add_note(request: Request) -> Response:
    """Add an internal note (never shown to the creator or through the Series API)."""
    c = await caller(request)
    body = parse(NoteBody, await read_json(request))
    ticket_id = path_id(request, "ticketId")
    note_id = await conversation.add_note(
        c.db,
        c.config,
        ticket_id,
        author_email=body.author.email,
        body=message_body(body),
        mentions=body.mentionedUsers,
    )
    _, row, people = await queries.message(c.db, c.config, ticket_id, note_id)
    return ok(render.note(row, c.config, people))


async def list_notes(request: Request) -> Response:
    c = await caller(request)
    skip, take = paging(request)
    _, rows, people = await queries.thread(
        c.db, c.config, path_id(request, "ticketId"), ("internal_note",), skip=skip, take=take
    )
    return ok([render.note(r, c.config, people) for r in rows])


async def update_note(request: Request) -> Response:
    c = await caller(request)
    body = parse(NoteUpdateBody, await read_json(request))
    ticket_id, note_id = path_id(request, "ticketId"), path_id(request, "noteId")
    await conversation.update_note(
        c.db,
        c.config,
        ticket_id,
        note_id,
        actor=c.actor,
        body=message_body(body),
        mentions=body.mentionedUsers,
    )
    _, row, people = await queries.message(c.db, c.config, ticket_id, note_id)
    return ok(render.note(row, c.config, people))


async def delete_note(request: Request) -> Response:
    c = await caller(request)
    await conversation.delete_note(
        c.db, c.config, path_id(request, "ticketId"), path_id(request, "noteId"), actor=c.actor
    )
    return ok({})


async def ticket_log(request: Request) -> Response:
    """The ticket's log, newest first, optionally only some action types."""
    c = await caller(request)
    skip, take = paging(request)
    body = parse(LogBody, await optional_json(request))
    try:
        types = log.core_types(body.action_types)
    except ValueError as error:
        raise ValidationFailed(f"Validation error: action_types: {error}") from None
    ticket_id = path_id(request, "ticketId")
    if types is None:  # only types that are never recorded
        await queries.get_ticket(c.db, c.config, ticket_id)
        return ok([])
    rows, people = await queries.log(c.db, c.config, ticket_id, types, skip=skip, take=take)
    return ok([log.entry(e, c.config, people) for e in rows])


# --- workspace data ----------------------------------------------------------------


async def list_teammates(request: Request) -> Response:
    """Teammates, optionally of one user group (a department, by its integer id)."""
    c = await caller(request)
    group = query_int(request, "group", 0, 1, MAX_ID)
    teammates = list(c.config.teammates.values())
    if group:
        department = next((d for d in c.config.departments.values() if d.id == group), None)
        if department is None:
            raise NotFound("User group not found")
        teammates = [
            t
            for t in teammates
            if t.user_id is not None
            and department.has_staff(t.user_id, c.config.rank_of(t.user_id))
        ]
    return ok([render.teammate(t) for t in teammates])


async def list_user_groups(request: Request) -> Response:
    """User groups: the workspace's departments."""
    c = await caller(request)
    return ok([{"id": d.id, "name": d.name, "key": d.key} for d in c.config.departments.values()])


def _category_or_404(c: Caller, request: Request) -> Any:
    category = c.config.categories_by_id.get(path_id(request, "categoryId", CategoryNotFound))
    if category is None:
        raise CategoryNotFound()
    return category


async def list_categories(request: Request) -> Response:
    c = await caller(request)
    return ok([render.category(c.config, x) for x in c.config.categories.values()])


async def get_category(request: Request) -> Response:
    c = await caller(request)
    return ok(render.category(c.config, _category_or_404(c, request)))


async def list_subcategories(request: Request) -> Response:
    c = await caller(request)
    parent = _category_or_404(c, request)
    children = [x for x in c.config.categories.values() if x.parent_id == parent.id]
    return ok([render.category(c.config, x) for x in children])


def _field_or_404(c: Caller, request: Request) -> Any:
    field = c.config.custom_fields.get(path_id(request, "fieldId", FieldNotFound))
    if field is None:
        raise FieldNotFound()
    return field


async def list_fields(request: Request) -> Response:
    c = await caller(request)
    return ok([fields.view(f) for f in c.config.custom_fields.values()])


async def get_field(request: Request) -> Response:
    c = await caller(request)
    return ok(fields.view(_field_or_404(c, request)))


async def add_field(request: Request) -> Response:
    c = await caller(request)
    body = parse(NewFieldBody, await read_json(request))
    try:
        created = await fields.add_field(
            c.db,
            c.services.cache,
            workspace_id=c.config.workspace.id,
            name=body.name,
            field_type=body.type,
            options=body.possibleValues,
        )
    except ValueError as error:
        raise ValidationFailed(f"Validation error: {error}") from None
    return ok(fields.view(created))


async def update_field(request: Request) -> Response:
    c = await caller(request)
    field = _field_or_404(c, request)
    body = parse(FieldUpdateBody, await read_json(request))
    try:
        updated = await fields.update_field(
            c.db,
            c.services.cache,
            field,
            workspace_id=c.config.workspace.id,
            name=body.name,
            options=body.possibleValues,
        )
    except ValueError as error:
        raise ValidationFailed(f"Validation error: {error}") from None
    return ok(fields.view(updated))


async def delete_field(request: Request) -> Response:
    c = await caller(request)
    field = _field_or_404(c, request)
    await fields.delete_field(
        c.db, c.services.cache, workspace_id=c.config.workspace.id, field_id=field.id
    )
    return ok({})


async def list_tags(request: Request) -> Response:
    c = await caller(request)
    return ok(await labels.list_tags(c.db, c.config.workspace.id))


def route(path: str, **handlers: Any) -> Route:
    """One route per path, so a 405 names every method the path has (`Allow`)."""
    if len(handlers) == 1:
        [(method, endpoint)] = handlers.items()
        return Route(path, endpoint, methods=[method])

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))


T = "/tickets/{ticketId:int}"
routes = [
    route("/token", POST=token),
    route("/tickets", POST=create_ticket),
    route("/tickets/list", POST=list_tickets),
    route(T, GET=get_ticket),
    route(f"{T}/Assignee", PATCH=update_assignee),
    route(f"{T}/assignee", PATCH=update_assignee),
    route(f"{T}/status", PATCH=update_status),
    route(f"{T}/category", PATCH=update_category),
    route(f"{T}/tags", PUT=replace_tags),
    route(f"{T}/customFields/{{fieldId:int}}", PUT=update_field_value),
    route(f"{T}/replies", GET=list_replies, POST=create_reply),
    route(f"{T}/notes", GET=list_notes, POST=add_note),
    route(f"{T}/notes/{{noteId:int}}", PUT=update_note, DELETE=delete_note),
    route(f"{T}/log", POST=ticket_log),
    route("/Teammates", GET=list_teammates),
    route("/teammates", GET=list_teammates),
    route("/UserGroups", GET=list_user_groups),
    route("/categories", GET=list_categories),
    route("/categories/{categoryId:int}", GET=get_category),
    route("/categories/{categoryId:int}/subcategories", GET=list_subcategories),
    route("/customFields", GET=list_fields, POST=add_field),
    route("/customFields/{fieldId:int}", GET=get_field, PUT=update_field, DELETE=delete_field),
    route("/tags", GET=list_tags),
]
