"""The Series API's OpenAPI 3.1 document, served at `GET /openapi.json`: request bodies
from the models routes.py validates with, answers from responses.py, examples from the
seeds (seed_examples.json, copied from shared/seeds), and links for stateful fuzzing."""

import json
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from ticketd.kit.http import MAX_BODY_BYTES
from ticketd.kit.openapi import (
    IDEMPOTENCY_KEY,
    OPENAPI_VERSION,
    RETRY_AFTER,
    Operation,
    Schemas,
    link,
    path_param,
    paths,
    query,
)
from ticketd.kit.validation import MAX_BIGINT
from ticketd.series import responses as r
from ticketd.series import routes
from ticketd.series.schemas import (
    LIST_INT_PARAMS,
    LIST_TEXT_PARAMS,
    STATUSES,
    CreateGameReportBody,
    CreateTicketBody,
    MemberReplyBody,
    StaffBody,
    StaffReplyBody,
    StatusBody,
    TransferBody,
)

SEEDS = json.loads(Path(__file__).with_name("seed_examples.json").read_text())
REQUESTS = (
    CreateTicketBody,
    CreateGameReportBody,
    StaffBody,
    StaffReplyBody,
    MemberReplyBody,
    StatusBody,
    TransferBody,
)
ERROR_MEANINGS = {
    400: "Validation error, or a rule of the ticket refuses the action",
    401: "API key missing, unknown or revoked",
    403: "Plan, module, membership, rank or staff rule refuses the caller",
    404: "Ticket (or department) not found in this workspace",
    413: f"Request body larger than {MAX_BODY_BYTES} bytes",
    415: "Body declared as something other than JSON",
    422: "Idempotency-Key already used with another body",
    429: "Over the key's limit (25 requests a second by default); see Retry-After",
    503: "Database unavailable or busy; see Retry-After",
}
TICKET_ID = path_param(
    "ticketId", {"type": "string", "minLength": 1}, "TicketId or _id of the ticket"
)
AUTHED = (401, 403, 429, 503)
WITH_BODY = (400, 413, 415, *AUTHED)
ON_TICKET = (404, *WITH_BODY)


def seed_answers(seed: str) -> dict[int, dict[str, Any]]:
    """The seed's answers as examples by status: its success and each error it shows."""
    out: dict[int, dict[str, Any]] = {200: {"seed": SEEDS[seed]["response"]}}
    for i, error in enumerate(SEEDS[seed]["errors"], 1):
        out.setdefault(error["error"]["code"], {})[f"seed{i}"] = error
    return out


class _Builder:
    def __init__(self) -> None:
        self.schemas = Schemas(REQUESTS, r.RESPONSES)
        self.error = self.schemas.ref(r.ErrorEnvelope)

    def answers(
        self, ok: type, errors: tuple[int, ...], meaning: str = "Success"
    ) -> dict[int, tuple[str, dict[str, Any]]]:
        out = {status: (ERROR_MEANINGS[status], self.error) for status in errors}
        out[200] = (meaning, self.schemas.ref(ok))
        return out

    def staff_action(
        self, op_id: str, endpoint: Any, body: type, summary: str, **links: dict[str, Any]
    ) -> Operation:
        return Operation(
            op_id,
            endpoint,
            self.answers(r.DoneAnswer, ON_TICKET),
            summary,
            body=self.schemas.ref(body),
            parameters=[TICKET_ID],
            links=links,
            headers=_retry_headers(),
        )


def _retry_headers() -> dict[int, dict[str, Any]]:
    return {429: RETRY_AFTER, 503: RETRY_AFTER}


def _after_create() -> dict[str, dict[str, Any]]:
    """Where a new ticket leads: read, claim, reply as its author, change its status."""
    ticket = {"ticketId": "$response.body#/data/TicketId"}
    return {
        "GetTicket": link("getTicket", parameters=ticket),
        "GetTicketByObjectId": link(
            "getTicket", parameters={"ticketId": "$response.body#/data/_id"}
        ),
        "ClaimTicket": link("claimTicket", parameters=ticket),
        "ReplyAsAuthor": link(
            "replyAsMember",
            parameters=ticket,
            requestBody={"authorUserId": "$request.body#/authorUserId", "content": "Thanks"},
        ),
        "ChangeStatus": link("changeStatus", parameters=ticket),
        "TransferTicket": link("transferTicket", parameters=ticket),
    }


def _after_claim() -> dict[str, dict[str, Any]]:
    """The claimer replies, changes the status or lets go."""
    same = {"ticketId": "$request.path.ticketId"}
    staff = "$request.body#/staffUserId"
    return {
        "ReplyAsStaff": link(
            "replyAsStaff", parameters=same, requestBody={"staffUserId": staff, "content": "On it"}
        ),
        "ChangeStatus": link("changeStatus", parameters=same),
        "Unclaim": link("unclaimTicket", parameters=same, requestBody={"staffUserId": staff}),
        "GetTicket": link("getTicket", parameters=same),
    }


def _creates(b: _Builder) -> dict[tuple[str, str], Operation]:
    def create(op_id: str, endpoint: Any, body: type, seed: str, summary: str) -> Operation:
        return Operation(
            op_id,
            endpoint,
            b.answers(r.Created, (422, *WITH_BODY), "Ticket created"),
            summary,
            body=b.schemas.ref(body),
            parameters=[IDEMPOTENCY_KEY],
            links=_after_create(),
            examples={"seed": SEEDS[seed]["request"]},
            response_examples=seed_answers(seed),
            headers=_retry_headers(),
        )

    return {
        ("/tickets/create", "post"): create(
            "createTicket", routes.create_ticket, CreateTicketBody, "createTicket", "Create ticket"
        ),
        ("/tickets/create-game-report", "post"): create(
            "createGameReport",
            routes.create_game_report,
            CreateGameReportBody,
            "createGameReport",
            "Create game report",
        ),
    }


def _reads(b: _Builder) -> dict[tuple[str, str], Operation]:
    list_params = [
        query(name, {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT}, description)
        for name, description in LIST_INT_PARAMS.items()
    ] + [
        query(name, _text_param_schema(name, limit), description)
        for name, (limit, description) in LIST_TEXT_PARAMS.items()
    ]
    return {
        ("/tickets/get/{ticketId}", "get"): Operation(
            "getTicket",
            routes.get_ticket,
            b.answers(r.TicketAnswer, (404, *AUTHED)),
            "Get ticket details",
            parameters=[TICKET_ID],
            response_examples=seed_answers("getTicket"),
            headers=_retry_headers(),
        ),
        ("/tickets/list", "get"): Operation(
            "listTickets",
            routes.list_tickets,
            b.answers(r.TicketListAnswer, (400, *AUTHED)),
            "List tickets",
            parameters=list_params,
            headers=_retry_headers(),
        ),
        ("/tickets/config", "get"): Operation(
            "getConfig",
            routes.get_config,
            b.answers(r.ConfigAnswer, AUTHED),
            "Workspace ticket configuration",
            headers=_retry_headers(),
        ),
        ("/basic/check-key/{apiKey}", "get"): Operation(
            "checkKey",
            routes.check_key,
            b.answers(r.KeyCheckAnswer, (503,)),
            "Check an API key",
            parameters=[path_param("apiKey", {"type": "string"}, "The API key to check")],
            security=False,
            headers={503: RETRY_AFTER},
        ),
    }


def _text_param_schema(name: str, limit: int) -> dict[str, Any]:
    if name == "status":
        return {"type": "string", "enum": list(STATUSES)}
    return {"type": "string", "maxLength": limit}


def _staff(b: _Builder) -> dict[tuple[str, str], Operation]:
    return {
        ("/tickets/{ticketId}/claim", "post"): b.staff_action(
            "claimTicket", routes.claim, StaffBody, "Claim ticket", **_after_claim()
        ),
        ("/tickets/{ticketId}/unclaim", "post"): b.staff_action(
            "unclaimTicket", routes.unclaim, StaffBody, "Unclaim ticket"
        ),
        ("/tickets/{ticketId}/reply", "post"): _seeded(
            b.staff_action("replyAsStaff", routes.reply_staff, StaffReplyBody, "Reply as staff"),
            "replyAsStaff",
        ),
        ("/tickets/{ticketId}/reply-member", "post"): b.staff_action(
            "replyAsMember", routes.reply_member, MemberReplyBody, "Reply as the author"
        ),
        ("/tickets/{ticketId}/status", "post"): b.staff_action(
            "changeStatus",
            routes.change_status,
            StatusBody,
            "Change status",
            GetTicket=link("getTicket", parameters={"ticketId": "$request.path.ticketId"}),
        ),
        ("/tickets/{ticketId}/transfer", "post"): b.staff_action(
            "transferTicket", routes.transfer, TransferBody, "Transfer to another department"
        ),
    }


def _seeded(operation: Operation, seed: str) -> Operation:
    return replace(
        operation, examples={"seed": SEEDS[seed]["request"]}, response_examples=seed_answers(seed)
    )


def operations(b: _Builder) -> dict[tuple[str, str], Operation]:
    return {**_creates(b), **_reads(b), **_staff(b)}


DESCRIPTION = """The Series Tickets API as ticketd serves it (docs/series-api.md).
Every answer is JSON in one envelope: `{"success": true, "data": …}` with 200, or
`{"success": false, "error": {"code": <HTTP status>, "message": …}}`. Besides the
statuses each operation lists, any path answers 404 and any wrong method 405 (with
`Allow`) in the same envelope. 429 is part of the contract: each key may make 25
requests in any rolling second unless the operator sets TICKETD_RATE_LIMIT_PER_SECOND."""


@cache
def document() -> dict[str, Any]:
    b = _Builder()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Series Tickets API (ticketd)",
            "version": "1",
            "description": DESCRIPTION,
        },
        "servers": [{"url": "/"}],
        "security": [{"apikey": []}, {"xApiKey": []}],
        "paths": paths(operations(b)),
        "components": {
            "schemas": b.schemas.components,
            "securitySchemes": {
                "apikey": {"type": "apiKey", "in": "header", "name": "apikey"},
                "xApiKey": {"type": "apiKey", "in": "header", "name": "x-api-key"},
            },
        },
    }


def served(request: Request) -> dict[str, Any]:
    return document()
