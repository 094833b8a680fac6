"""What every helpdesk endpoint does with its request: authenticate the caller, read
ids, paging and message bodies."""

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ticketd.helpdesk.auth import Client
from ticketd.kit.errors import (
    RateLimited,
    TicketdError,
    TicketNotFound,
    ValidationFailed,
)
from ticketd.kit.html import sanitise, to_text
from ticketd.kit.http import read_body, read_json
from ticketd.tickets import actors
from ticketd.tickets.actors import Actor
from ticketd.tickets.model import Attachment, Body
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
    def actor(self) -> Actor:
        return actors.integration(self.client.client_id, self.client.name)


async def caller(request: Request) -> Caller:
    """Check the bearer token, count the request against its client's limit, load the
    workspace and check its plan and module."""
    s = request.app.state.services
    client = await s.tokens.authenticate(s.db, request.headers.get("authorization"))
    try:
        s.limiter.hit(client.client_id)
    except RateLimited as limited:
        message = "Rate limit exceeded: too many requests for this client"
        raise RateLimited(limited.retry_after, message) from None
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
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        expected = "a positive integer" if high == MAX_ID else f"an integer from {low} to {high}"
        raise ValidationFailed(f"Validation error: {name}: must be {expected}")
    return int(raw)


def paging(request: Request) -> tuple[int, int]:
    return query_int(request, "skip", 0, 0, 1_000_000), query_int(request, "take", 25, 1, 50)


async def optional_json(request: Request) -> Any:
    """A JSON body where sending none means `{}`."""
    raw = await read_body(request)
    return await read_json(request) if raw.strip() else {}


def attachments(items: list[Any]) -> tuple[Attachment, ...]:
    return tuple(Attachment(a.url, a.name) for a in items)


def message_body(m: Any) -> Body:
    """Sanitised HTML and its plain text, or escaped text; http(s) attachments."""
    files = attachments(m.attachments or [])
    if not m.isHtml:
        text = m.message.strip()
        if not text:
            raise ValidationFailed("Validation error: message: is required")
        return Body(text, None, files)
    html = sanitise(m.message).strip()
    text = to_text(html)
    if not text and "<img" not in html:
        raise ValidationFailed("Validation error: message: has no content once sanitised")
    return Body(text, html, files)
