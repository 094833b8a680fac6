"""The Series Tickets API: parse, call one core function, render the envelope."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ticketd.kit import idempotency
from ticketd.kit.clock import iso
from ticketd.kit.errors import ValidationFailed
from ticketd.kit.http import query_int, read_json
from ticketd.kit.validation import MAX_BIGINT
from ticketd.observe.metrics import REFUSALS
from ticketd.people import actors
from ticketd.people.actors import Actor
from ticketd.series import render
from ticketd.series.config_file import file_view
from ticketd.series.envelope import ok
from ticketd.series.schemas import (
    LIST_TEXT_PARAMS,
    PAGE_SIZE,
    SEARCH_COUNT_LIMIT,
    STATUS_MESSAGE,
    STATUSES,
    CreateGameReportBody,
    CreateTicketBody,
    MemberReplyBody,
    StaffBody,
    StaffBodyT,
    StaffReplyBody,
    StatusBody,
    TransferBody,
    parse,
)
from ticketd.tickets import author_link, conversation, queries
from ticketd.tickets import service as tickets
from ticketd.tickets.model import (
    Author,
    Body,
    NewTicket,
    Source,
    Status,
    TicketOrder,
    TicketQuery,
)
from ticketd.workspaces import access
from ticketd.workspaces.config import WorkspaceConfig


async def workspace_of(request: Request, *, enabled: bool = True) -> WorkspaceConfig:
    """Authenticate the key, count the request against its limit, check plan and module."""
    s = request.app.state.services
    headers = request.headers
    key = await access.authenticate(
        s.db, s.cache, headers.get("apikey") or headers.get("x-api-key")
    )
    with REFUSALS["series"]:
        await s.limiter.hit(key.prefix)
    return await access.tickets_workspace(s.db, s.cache, key.workspace_id, enabled=enabled)


def _new_ticket(body: CreateTicketBody, **game: Any) -> NewTicket:
    author = Author(
        user_id=body.authorUserId,
        avatar_url=body.authorAvatarUrl,
        username=body.authorUsername,
        display_name=body.authorDisplayName,
    )
    return NewTicket(
        subject=body.subject,
        category=body.category,
        body=Body(body.message),
        author=author,
        priority=body.priority,
        **game,
    )


async def create_ticket(request: Request) -> Response:
    """Open a ticket for a player or member."""
    config = await workspace_of(request)
    body = parse(CreateTicketBody, await read_json(request))
    return await _create(request, config, _new_ticket(body), body.authorUserId, "series.create")


async def create_game_report(request: Request) -> Response:
    """File an in-game player report from a game server."""
    config = await workspace_of(request)
    body = parse(CreateGameReportBody, await read_json(request))
    new = _new_ticket(
        body, place_id=int(body.placeId), server_id=body.serverId, source=Source.GAME_REPORT
    )
    return await _create(request, config, new, body.authorUserId, "series.game_report")


async def _create(
    request: Request, config: WorkspaceConfig, new: NewTicket, author: int, endpoint: str
) -> Response:
    db = request.app.state.services.db
    actor = actors.member(config, author)
    return await idempotency.answer_once(
        request, db, config.workspace.id, endpoint,
        lambda keep: tickets.create(db, config, new, actor=actor, also=keep),
        lambda ticket: ok(render.created(ticket)),
    )  # fmt: skip


async def get_ticket(request: Request) -> Response:
    """A ticket with its messages, claim and game-report data, by TicketId or _id."""
    config = await workspace_of(request)
    s = request.app.state.services
    ticket, messages = await queries.ticket_with_messages(
        s.db, config, request.path_params["ticketId"]
    )
    public_url = author_link.url(s.settings.public_base_url, config, ticket)
    public_url = public_url or author_link.path(config, ticket)
    return ok({"Ticket": render.full(ticket, messages, config, public_url)})


def _int_param(request: Request, name: str) -> int | None:
    return query_int(
        request, name, 1, MAX_BIGINT, "Validation error: {name} must be a positive integer"
    )


def _text_param(request: Request, name: str) -> str | None:
    max_length, _ = LIST_TEXT_PARAMS[name]
    raw = (request.query_params.get(name) or "").strip()
    if len(raw) > max_length or "\x00" in raw:
        raise ValidationFailed(f"Validation error: {name} must be at most {max_length} characters")
    return raw or None


async def list_tickets(request: Request) -> Response:
    """Tickets newest first, ten a page, with filters and pagination totals."""
    config = await workspace_of(request)
    status = _text_param(request, "status")
    if status is not None and status not in STATUSES:
        raise ValidationFailed(STATUS_MESSAGE)
    page = _int_param(request, "page") or 1
    staff_user_id = _int_param(request, "staffUserId")
    text = _text_param(request, "search")
    query = TicketQuery(
        statuses=(Status(status),) if status else (),
        author_user_id=_int_param(request, "author"),
        department=_text_param(request, "department"),
        text=text,
        visible_to=actors.staff_member(config, staff_user_id) if staff_user_id else None,
        order=TicketOrder.NEWEST_FIRST,
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        count_total=True,
        count_limit=SEARCH_COUNT_LIMIT if text else None,
    )
    found = await queries.find_tickets(request.app.state.services.db, config, query)
    return ok(
        {
            "Tickets": [render.summary(t, config) for t in found.tickets],
            "Pagination": render.pagination(page, found.total or 0, PAGE_SIZE),
        }
    )


async def _staff_action(
    request: Request, model: type[StaffBodyT]
) -> tuple[StaffBodyT, WorkspaceConfig, Actor]:
    """The body, the workspace, and the staff member named by `staffUserId`."""
    config = await workspace_of(request)
    body = parse(model, await read_json(request))
    return body, config, actors.staff_member(config, body.staffUserId)


async def claim(request: Request) -> Response:
    """Claim a ticket: one claimer at a time; status becomes in-progress."""
    _, config, actor = await _staff_action(request, StaffBody)
    db = request.app.state.services.db
    await tickets.claim(db, config, request.path_params["ticketId"], actor=actor)
    return ok({"message": "Ticket claimed successfully"})


async def unclaim(request: Request) -> Response:
    """Release a claim; the status is left as it is."""
    _, config, actor = await _staff_action(request, StaffBody)
    db = request.app.state.services.db
    await tickets.unclaim(db, config, request.path_params["ticketId"], actor=actor)
    return ok({"message": "Ticket unclaimed successfully"})


async def reply_staff(request: Request) -> Response:
    """Reply as the staff member who claimed the ticket."""
    body, config, actor = await _staff_action(request, StaffReplyBody)
    await conversation.reply(
        request.app.state.services.db,
        config,
        request.path_params["ticketId"],
        actor=actor,
        body=Body(body.content),
        update_status=False,
    )
    return ok({"message": "Reply sent successfully"})


async def reply_member(request: Request) -> Response:
    """Reply as the ticket's author."""
    config = await workspace_of(request)
    body = parse(MemberReplyBody, await read_json(request))
    await conversation.reply(
        request.app.state.services.db,
        config,
        request.path_params["ticketId"],
        actor=actors.member(config, body.authorUserId),
        body=Body(body.content),
        update_status=False,
    )
    return ok({"message": "Reply sent successfully"})


async def change_status(request: Request) -> Response:
    """Set open, in-progress, resolved or closed; resolved and closed tickets can reopen."""
    body, config, actor = await _staff_action(request, StatusBody)
    await tickets.change_status(
        request.app.state.services.db,
        config,
        request.path_params["ticketId"],
        actor=actor,
        status=Status(body.status),
    )
    return ok({"message": f"Ticket status updated to {body.status}"})


async def transfer(request: Request) -> Response:
    """Move the ticket to another department that handles its category; unclaims it."""
    body, config, actor = await _staff_action(request, TransferBody)
    department = await tickets.transfer(
        request.app.state.services.db,
        config,
        request.path_params["ticketId"],
        actor=actor,
        department_key=body.departmentId,
    )
    return ok({"message": f"Ticket transferred to {department.name}"})


async def get_config(request: Request) -> Response:
    """The workspace's ticket configuration (readable while the module is off)."""
    config = await workspace_of(request, enabled=False)
    return ok(file_view(config))


async def check_key(request: Request) -> Response:
    """Whether an API key is valid; needs no auth header."""
    s = request.app.state.services
    key = await access.find_key(s.db, s.cache, request.path_params["apiKey"])
    if key is None:
        return ok(
            {"valid": False, "status": "inactive", "message": "API key is inactive or invalid"}
        )
    remaining, reset_at = await s.limiter.remaining(key.prefix)
    return ok(
        {
            "valid": True,
            "workspaceId": key.workspace_id,
            "workspaceName": key.workspace_name,
            "status": "active",
            "createdAt": iso(key.created_at),
            "lastUsed": iso(key.last_used_at),
            "rateLimitRemaining": remaining,
            "rateLimitReset": iso(int(reset_at * 1000)),
        }
    )


# The busiest first: the router tries them in order.
routes = [
    Route("/tickets/get/{ticketId}", get_ticket, methods=["GET"]),
    Route("/tickets/create", create_ticket, methods=["POST"]),
    Route("/tickets/list", list_tickets, methods=["GET"]),
    Route("/tickets/create-game-report", create_game_report, methods=["POST"]),
    Route("/tickets/config", get_config, methods=["GET"]),
    Route("/tickets/{ticketId}/claim", claim, methods=["POST"]),
    Route("/tickets/{ticketId}/unclaim", unclaim, methods=["POST"]),
    Route("/tickets/{ticketId}/reply", reply_staff, methods=["POST"]),
    Route("/tickets/{ticketId}/reply-member", reply_member, methods=["POST"]),
    Route("/tickets/{ticketId}/status", change_status, methods=["POST"]),
    Route("/tickets/{ticketId}/transfer", transfer, methods=["POST"]),
    Route("/basic/check-key/{apiKey}", check_key, methods=["GET"]),
]
