"""The author's link, /t/<token>: a ticket's public conversation, where its author
replies without an account through the same core function and rules as the Series
`reply-member` endpoint. The token in the URL is the only credential, so every page
here answers an unknown, malformed or unshared token with the same 404, sends no
referrer and asks not to be indexed."""

import hashlib
import hmac
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from ticketd.kit.api import mounted_api
from ticketd.kit.errors import RateLimited, TicketdError, TicketNotFound, ValidationFailed
from ticketd.kit.ratelimit import KeyRateLimiter
from ticketd.kit.web import message_text, same_origin, services
from ticketd.observe.metrics import REFUSALS
from ticketd.staff.pages import page
from ticketd.tickets import author_link, conversation
from ticketd.tickets.model import Body, Message, Ticket
from ticketd.workspaces.access import get_config
from ticketd.workspaces.config import WorkspaceConfig

PREFIX = author_link.PATH.rstrip("/")
REPLIES_PER_WINDOW, REPLY_WINDOW_SECONDS = 5, 60.0  # per link
HEADERS = {"referrer-policy": "no-referrer", "x-robots-tag": "noindex"}
NOT_FOUND = "This link does not open a ticket. Ask the team for a new one."
_CSRF_PURPOSE = b"ticketd author reply\x00"


class Shown:
    """A ticket its author's link opens, with the workspace it belongs to."""

    def __init__(self, config: WorkspaceConfig, ticket: Ticket, messages: list[Message]) -> None:
        self.config, self.ticket, self.messages = config, ticket, messages


def reply_limiter() -> KeyRateLimiter:
    return KeyRateLimiter(REPLIES_PER_WINDOW, window_seconds=REPLY_WINDOW_SECONDS)


def author_page(name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    response = page(name, http_status, **context)
    response.headers.update(HEADERS)
    return response


def not_found() -> HTMLResponse:
    return author_page("author_error.html", 404, title="Not found", message=NOT_FOUND)


def error_page(error: TicketdError, status: int | None = None) -> Response:
    """Whatever goes wrong under /t/ shows as a page; a path that names nothing is the
    same 404 as an unknown token."""
    shown = status or (404 if error.code == "not_found" else 400)
    if shown == 404:
        return not_found()
    title = "Something went wrong" if shown >= 500 else "That did not work"
    return author_page("author_error.html", shown, title=title, message=error.message)


async def shared_ticket(request: Request) -> Shown | None:
    """The ticket the URL's token opens, if its workspace shares authors' links."""
    s = services(request)
    found = await author_link.find(s.db, request.path_params["token"])
    if found is None:
        return None
    ticket, messages = found
    config = await get_config(s.db, s.cache, ticket.workspace_id)
    return Shown(config, ticket, messages) if author_link.is_shared(config) else None


async def csrf_token(s: Any, public_token: str) -> str:
    """Derived from the ticket's token with the server's secret key: only a page we
    rendered for this ticket carries it, and it needs no cookie or stored state."""
    key = await s.tokens.signing_key(s.db)
    message = _CSRF_PURPOSE + public_token.encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def from_our_page(request: Request) -> bool:
    """Our pages send no referrer, so a browser posts their forms with `Origin: null`;
    its `Sec-Fetch-Site` still tells a same-origin post from a cross-site one."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    return same_origin(request)


async def ticket_page(request: Request) -> Response:
    shown = await shared_ticket(request)
    if shown is None:
        return not_found()
    return await _view(request, shown)


async def _view(
    request: Request, shown: Shown, message: str | None = None, http_status: int = 200,
    draft: str = "",
) -> Response:  # fmt: skip
    """The ticket as it is now, with `message` (a refused reply) on top."""
    ticket = shown.ticket
    csrf = await csrf_token(services(request), ticket.public_token)
    return author_page(
        "author_ticket.html", http_status, title=ticket.subject, ticket=ticket,
        messages=shown.messages, config=shown.config, csrf=csrf,
        action=f"{PREFIX}/{ticket.public_token}/reply", message=message, draft=draft,
    )  # fmt: skip


async def reply(request: Request) -> Response:
    """An author's message from the page; a refusal is explained on the page."""
    shown = await shared_ticket(request)
    if shown is None:
        return not_found()
    form = await request.form()
    text = str(form.get("text", ""))
    if not await _is_our_form(request, shown, str(form.get("csrf", ""))):
        return await _view(request, shown, "This form has expired; try again.", 403, text)
    try:
        with REFUSALS["author_link"]:
            await services(request).author_replies.hit(shown.ticket.public_token)
        await _reply(request, shown, text)
    except RateLimited:
        message = "You are sending replies too fast; wait a minute and try again."
        return await _view(request, shown, message, 429, text)
    except TicketNotFound:
        return not_found()
    except TicketdError as refused:
        status = 400 if isinstance(refused, ValidationFailed) else 409
        return await _view(request, shown, refused.message, status, text)
    return RedirectResponse(f"{PREFIX}/{shown.ticket.public_token}#latest", 303)


async def _is_our_form(request: Request, shown: Shown, sent_csrf: str) -> bool:
    expected = await csrf_token(services(request), shown.ticket.public_token)
    matches = hmac.compare_digest(sent_csrf.encode(), expected.encode())
    return matches and from_our_page(request)


async def _reply(request: Request, shown: Shown, text: str) -> None:
    actor = author_link.author(shown.config, shown.ticket)
    db = services(request).db
    body = Body(message_text(text))
    await conversation.reply(
        db, shown.config, shown.ticket.id, actor=actor, body=body, update_status=False
    )


routes = [
    Route("/{token}", ticket_page, methods=["GET"]),
    Route("/{token}/reply", reply, methods=["POST"]),
]


def build_app() -> ASGIApp:
    return mounted_api(routes, error_page)
