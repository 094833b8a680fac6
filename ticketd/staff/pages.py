"""Rendering dashboard pages: Jinja2 with autoescaping on, so ticket text is always
text; the security headers every dashboard response carries."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from ticketd.kit.errors import TicketdError
from ticketd.people.actors import display_name
from ticketd.people.model import Person
from ticketd.staff.charts import share
from ticketd.staff.queue import shown_count
from ticketd.tickets.model import Message, Ticket
from ticketd.workspaces.config import WorkspaceConfig

HERE = Path(__file__).parent
TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
# No inline script or style anywhere, so the policy can forbid both.
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https:;"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
}
STATUS_OF_CODE = {"ticket_not_found": 404, "not_found": 404, "method_not_allowed": 405}


def transcript_headers(code: str) -> dict[str, str]:
    """A download whose only asset is its own inline style; sandboxed if opened here."""
    return {
        "content-disposition": f'attachment; filename="{code}.html"',
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
    }


def page(name: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(**context)
    return HTMLResponse(html, status_code=http_status, headers=SECURITY_HEADERS)


def error_page(error: TicketdError, status: int | None = None) -> Response:
    """A domain error as a page: the dashboard never shows a JSON envelope."""
    shown = status or STATUS_OF_CODE.get(error.code, 400)
    title = "Something went wrong" if shown >= 500 else "That did not work"
    return page("error.html", shown, base=PATH, title=title, message=error.message)


PATH = "/staff"  # where ticketd.app mounts the dashboard


def public_base(request: Request) -> str:
    """Where outsiders reach ticketd: TICKETD_PUBLIC_BASE_URL, else this page's origin."""
    configured: str | None = request.app.state.services.settings.public_base_url
    return configured or f"{request.url.scheme}://{request.url.netloc}"


def safe_image(url: str | None) -> str | None:
    """Only http(s) images are shown (no javascript:, data: or relative tricks)."""
    return url if url and url.startswith(("https://", "http://")) else None


def person_name(
    config: WorkspaceConfig, people: dict[str, Person], guid: str | None, user_id: int | None
) -> str:
    """Someone a page names, as the workspace knows them; messages without a writer are
    ticketd's own (system messages)."""
    if guid in people:
        return people[guid].name
    if guid in config.teammates:
        return config.teammates[guid].name
    return display_name(config, user_id) if user_id is not None else "ticketd"


def author_name(ticket: Ticket) -> str:
    """The ticket's author by the names the ticket carries (which a Series author, known
    only by Roblox user id, has nowhere else)."""
    return ticket.author_display_name or ticket.author_username or f"User {ticket.author_user_id}"


def writer_name(
    config: WorkspaceConfig, people: dict[str, Person], ticket: Ticket, message: Message
) -> str:
    if message.author_guid == ticket.author_guid:
        return author_name(ticket)
    return person_name(config, people, message.author_guid, message.author_user_id)


def when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


def day(ms: int) -> str:
    """A UTC day, as the statistics page names it: `Mon 7 Dec`."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return f"{moment:%a} {moment.day} {moment:%b}"


def department_name(config: WorkspaceConfig, key: str | None) -> str:
    if key is None:
        return "No department"
    found = config.departments.get(key)
    return found.name if found else f"{key} (no longer configured)"


def category_name(config: WorkspaceConfig, key: str | None) -> str:
    if key is None:
        return "Uncategorised"
    found = config.categories.get(key)
    return found.name if found else f"{key} (no longer configured)"


def duration(ms: int) -> str:
    minutes = max(0, ms) // 60_000
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


TEMPLATES.filters["safe_image"] = safe_image
TEMPLATES.filters["when"] = when
TEMPLATES.filters["duration"] = duration
TEMPLATES.filters["shown_count"] = shown_count
TEMPLATES.filters["day"] = day
TEMPLATES.globals["person_name"] = person_name
TEMPLATES.globals["writer_name"] = writer_name
TEMPLATES.globals["author_name"] = author_name
TEMPLATES.globals["department_name"] = department_name
TEMPLATES.globals["category_name"] = category_name
TEMPLATES.globals["share"] = share
