"""What every helpdesk endpoint does with its request: authenticate the caller, read
ids, paging and message bodies."""

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from ticketd.helpdesk.auth import Client
from ticketd.helpdesk.schemas import DEFAULT_TAKE, MAX_SKIP, MAX_TAKE
from ticketd.kit.errors import (
    TicketdError,
    TicketNotFound,
    ValidationFailed,
)
from ticketd.kit.html import sanitise, to_text
from ticketd.kit.http import query_int as _query_int
from ticketd.kit.validation import MAX_BIGINT
from ticketd.observe.metrics import REFUSALS
from ticketd.people import actors
from ticketd.people.actors import Actor
from ticketd.tickets.model import Attachment, Body, TicketNumber
from ticketd.workspaces import access
from ticketd.workspaces.config import WorkspaceConfig


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
    with REFUSALS["helpdesk"]:
        await s.limiter.hit(client.client_id)
    config = await access.tickets_workspace(s.db, s.cache, client.workspace_id)
    return Caller(s, config, client)


def path_id(request: Request, name: str, missing: type[TicketdError] = TicketNotFound) -> int:
    value = request.path_params[name]
    if not 1 <= value <= MAX_BIGINT:
        raise missing()
    return value


def ticket_number(request: Request) -> TicketNumber:
    """The ticket the path names: the helpdesk's integer ids are numbers within the
    workspace."""
    return TicketNumber(path_id(request, "ticketId"))


POSITIVE = "Validation error: {name}: must be a positive integer"
IN_RANGE = "Validation error: {name}: must be an integer from {low} to {high}"


def query_int(request: Request, name: str, default: int, low: int, high: int) -> int:
    wording = POSITIVE if high == MAX_BIGINT else IN_RANGE
    value = _query_int(request, name, low, high, wording)
    return default if value is None else value


def paging(request: Request) -> tuple[int, int]:
    skip = query_int(request, "skip", 0, 0, MAX_SKIP)
    return skip, query_int(request, "take", DEFAULT_TAKE, 1, MAX_TAKE)


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
