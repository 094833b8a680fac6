"""The staff dashboard under /staff/: sign-in, the queue and ticket pages, rendered on
the server. Every action goes through the core as the signed-in person's Actor."""

import hashlib
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from ticketd.db.database import Database, Scope
from ticketd.kit.api import mounted_api
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import TicketdError, ValidationFailed
from ticketd.kit.web import same_origin, services
from ticketd.people.actors import Actor, staff_member, teammate
from ticketd.people.repository import find_by_guids
from ticketd.staff import actions, sessions
from ticketd.staff.charts import StatsCharts
from ticketd.staff.pages import (
    HERE,
    PATH,
    SECURITY_HEADERS,
    TEMPLATES,
    error_page,
    page,
    public_base,
    transcript_headers,
)
from ticketd.staff.queue import (
    COUNT_LIMIT,
    PAGE_SIZE,
    STATUS_FILTERS,
    Filters,
    shown_count,
    tab_counts,
)
from ticketd.tickets import author_link, queries, stats
from ticketd.tickets.model import (
    OPEN_STATUSES,
    PRIORITIES,
    MessageKind,
    Status,
    Ticket,
    TicketQuery,
)
from ticketd.workspaces.access import get_config
from ticketd.workspaces.config import WorkspaceConfig

COOKIE = "ticketd_staff"


class SignedIn:
    """Who is asking: their session, workspace configuration and Actor."""

    def __init__(self, session: sessions.Session, config: WorkspaceConfig, actor: Actor) -> None:
        self.session, self.config, self.actor = session, config, actor


def base(request: Request) -> str:
    return str(request.scope.get("root_path", "")) or PATH


async def signed_in(request: Request) -> SignedIn | None:
    token = request.cookies.get(COOKIE)
    if not token:
        return None
    s = services(request)
    idle_ms = int(s.settings.staff_session_idle_hours * 3_600_000)
    session = await sessions.session_of(s.db, token, idle_ms, now_ms())
    if session is None:
        return None
    config = await get_config(s.db, s.cache, session.workspace_id)
    actor = await _actor(s.db, config, session.person_guid)
    return None if actor is None else SignedIn(session, config, actor)


async def _actor(db: Database, config: WorkspaceConfig, guid: str) -> Actor | None:
    """The person as they act now: a teammate, or Series staff by Roblox user id while
    they still work a department."""
    if guid in config.teammates:
        return teammate(config, config.teammates[guid])
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        person = (await find_by_guids(scope, [guid])).get(guid)
    if person is None or person.user_id is None:
        return None
    actor = staff_member(config, person.user_id)
    return actor if actor.departments else None


def to_sign_in(request: Request) -> RedirectResponse:
    """Signed out, or the session ended: to the sign-in page, which brings you back here
    (a form's page, for a form sent without a session)."""
    here = request.url.path.removesuffix("/" + request.path_params.get("action", "-"))
    back = here + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{base(request)}/login?{urlencode({'next': back})}", 303)


def back_to(request: Request, target: str) -> str:
    """Where a sign-in returns to: a dashboard page named by `next`, else the queue
    (never another site: only paths under the dashboard)."""
    inside = target.startswith(base(request) + "/") and "//" not in target and "\\" not in target
    return target if inside else f"{base(request)}/"


async def login_form(request: Request) -> Response:
    if await signed_in(request):
        return RedirectResponse(f"{base(request)}/", 303)
    workspace = request.query_params.get("workspace", "")
    back = request.query_params.get("next", "")
    message = "Sign in to continue." if back else None
    return page("login.html", base=base(request), title="Sign in", workspace=workspace,
                next=back, notice=message)  # fmt: skip


async def login(request: Request) -> Response:
    form = await request.form()
    login_name, password = str(form.get("login", "")), str(form.get("password", ""))
    workspace = str(form.get("workspace", ""))[:36] or None
    back = str(form.get("next", ""))[:2000]
    if not same_origin(request):
        return page("login.html", 403, base=base(request), title="Sign in",
                    message="This form must be sent from this site.")  # fmt: skip
    address = request.client.host if request.client else "unknown"
    db = services(request).db
    try:
        token = await sessions.sign_in(db, login_name, password, address, now_ms(), workspace)
    except sessions.SignInRefused as refused:
        status = 429 if refused.locked else 401
        return page("login.html", status, base=base(request), title="Sign in",
                    message=str(refused), login=login_name, workspace=workspace,
                    next=back)  # fmt: skip
    response = RedirectResponse(back_to(request, back), 303)
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="lax", path=base(request),
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


async def logout(request: Request) -> Response:
    who = await signed_in(request)
    form = await request.form()
    if who is not None and same_origin(request) and form.get("csrf") == who.session.csrf_token:
        await sessions.sign_out(services(request).db, request.cookies[COOKIE])
    response = RedirectResponse(f"{base(request)}/login", 303)
    response.delete_cookie(COOKIE, path=base(request))
    return response


async def queue(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_sign_in(request)
    filters = Filters.read(request.query_params, who.config)
    query = filters.query(who.actor)
    db = services(request).db
    by_status, found = await queries.counts_and_page(db, who.config, query)
    counts = tab_counts(by_status)
    # The view's tab, each status counted up to the limit: at or past it, so is the
    # view; below it, exact. What counting the view again would say, for one pass less.
    total = min(counts[filters.status], filters.count_limit)
    return page(
        "queue.html", base=base(request), title="Queue", who=who, tickets=found.tickets,
        fingerprint=view_fingerprint(found.tickets, total),
        total=total, counts=counts, filters=filters, statuses=list(STATUS_FILTERS),
        limit=filters.count_limit, more_pages=len(found.tickets) == PAGE_SIZE,
        pages=max(1, -(-total // PAGE_SIZE)), config=who.config, priorities=PRIORITIES,
    )  # fmt: skip


async def queue_state(request: Request) -> Response:
    """What the queue page polls: a fingerprint of the view (it changes when a ticket in
    it is created or changed) and the count of open tickets nobody has claimed."""
    who = await signed_in(request)
    if who is None:
        return JSONResponse({"signedIn": False}, status_code=401)
    filters = Filters.read(request.query_params, who.config)
    db = services(request).db
    found = await queries.find_tickets(db, who.config, filters.query(who.actor))
    waiting = TicketQuery(statuses=tuple(OPEN_STATUSES), unassigned=True, visible_to=who.actor,
                          count_limit=COUNT_LIMIT)  # fmt: skip
    unclaimed = await queries.count_tickets(db, who.config, waiting)
    return JSONResponse(
        {"view": view_fingerprint(found.tickets, found.total), "unclaimed": shown_count(unclaimed)},
        headers=SECURITY_HEADERS,
    )


def view_fingerprint(tickets: list[Ticket], total: int | None) -> str:
    text = f"{total}|" + ",".join(f"{t.id}:{t.updated_at}:{t.status}" for t in tickets)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


async def statistics(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_sign_in(request)
    found = await stats.overview(services(request).db, who.config, who.actor)
    return page("stats.html", base=base(request), title="Statistics", who=who,
                config=who.config, stats=found, charts=StatsCharts.of(found),
                open_statuses=[status.value for status in stats.OPEN_ORDER])  # fmt: skip


async def ticket_page(request: Request) -> Response:
    who = await signed_in(request)
    if who is None:
        return to_sign_in(request)
    return await _ticket_view(request, who, request.path_params["code"])


async def _ticket_view(
    request: Request, who: SignedIn, code: str, message: str | None = None,
    http_status: int = 200, drafts: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    """The ticket as it is now, with `message` (a refused action) on top and the text of
    a refused reply or note (`drafts`, by action) back in its box."""
    found = await queries.staff_view(services(request).db, who.config, code, who.actor)
    if found is None:
        return page("error.html", 404, base=base(request), title="Not found",
                    message="Ticket not found")  # fmt: skip
    thread, details = found
    return page("ticket.html", http_status, base=base(request), title=thread.ticket.subject,
                who=who, ticket=thread.ticket, messages=thread.messages, people=thread.people,
                tags=details.tags.get(thread.ticket.id, []),
                fields=details.fields.get(thread.ticket.id, []),
                config=who.config, message=message, statuses=[s.value for s in Status],
                priorities=PRIORITIES,
                author_url=author_link.url(public_base(request), who.config, thread.ticket),
                may_act=actions.may_act(who.actor),
                drafts={"reply": "", "note": "", **(drafts or {})})  # fmt: skip


async def transcript(request: Request) -> Response:
    """The public conversation and the ticket's facts in one self-contained HTML file
    (its own inline style, no other assets), to download."""
    who = await signed_in(request)
    if who is None:
        return to_sign_in(request)
    found = await queries.staff_view(
        services(request).db, who.config, request.path_params["code"], who.actor
    )
    if found is None:
        return page("error.html", 404, base=base(request), title="Not found",
                    message="Ticket not found")  # fmt: skip
    thread, _ = found
    public = [m for m in thread.messages if m.kind is not MessageKind.NOTE]
    html = TEMPLATES.get_template("transcript.html").render(
        ticket=thread.ticket, messages=public, people=thread.people, config=who.config,
        now=now_ms(),
    )  # fmt: skip
    return HTMLResponse(html, headers=transcript_headers(thread.ticket.code))


async def act(request: Request) -> Response:
    """One action on a ticket from its page; a refusal (someone claimed it first, a
    rule) is shown on the page with the ticket as it is now."""
    who = await signed_in(request)
    if who is None:
        return to_sign_in(request)
    form = await request.form()
    code = request.path_params["code"]
    if not same_origin(request) or form.get("csrf") != who.session.csrf_token:
        return await _ticket_view(request, who, code, "This form has expired; try again.", 403)
    fields = {k: str(v) for k, v in form.items()}
    action = request.path_params["action"]
    try:
        await actions.perform(services(request).db, who.config, who.actor, code, action, fields)
    except TicketdError as refused:
        status = 400 if isinstance(refused, ValidationFailed) else 409
        drafts = {action: fields.get("text", "")} if action in ("reply", "note") else None
        return await _ticket_view(request, who, code, refused.message, status, drafts)
    return RedirectResponse(f"{base(request)}/tickets/{code}", 303)


routes = [
    Route("/", queue, methods=["GET"]),
    Route("/queue-state", queue_state, methods=["GET"]),
    Route("/stats", statistics, methods=["GET"]),
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/tickets/{code}", ticket_page, methods=["GET"]),
    Route("/tickets/{code}/transcript", transcript, methods=["GET"]),
    Route("/tickets/{code}/{action}", act, methods=["POST"]),
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]


def build_app() -> ASGIApp:
    return mounted_api(routes, error_page)
