"""The ASGI application: one core, the Series dialect at the root."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from ticketd.db.database import Database, open_database
from ticketd.helpdesk import envelope as helpdesk_envelope
from ticketd.helpdesk import routes as helpdesk
from ticketd.helpdesk.auth import TokenAuthority
from ticketd.kit.errors import MethodNotAllowed, NotFound, TicketdError
from ticketd.kit.ratelimit import KeyRateLimiter
from ticketd.series import routes as series
from ticketd.settings import Settings, get_settings
from ticketd.workspaces.service import WorkspaceCache

log = logging.getLogger("ticketd")


@dataclass
class Services:
    settings: Settings
    db: Database
    cache: WorkspaceCache
    limiter: KeyRateLimiter
    tokens: TokenAuthority


def build_services(settings: Settings) -> Services:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return Services(
        settings=settings,
        db=open_database(settings.database_url, pool_size=settings.database_pool_size),
        cache=WorkspaceCache(settings.cache_ttl_seconds),
        limiter=KeyRateLimiter(settings.rate_limit_per_second),
        tokens=TokenAuthority(secret, settings.cache_ttl_seconds),
    )


async def health(request: Request) -> Response:
    """Liveness: the process answers."""
    return series.ok({"status": "ok"})


def _render_error(request: Request, error: TicketdError) -> Response:
    """Each dialect's envelope: the helpdesk's under its prefix, Series' elsewhere."""
    prefix = request.app.state.services.settings.helpdesk_prefix
    path = request.url.path
    if path == prefix or path.startswith(prefix + "/"):
        return helpdesk_envelope.error_response(error)
    return series.error_response(error)


async def on_ticketd_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, TicketdError)
    return _render_error(request, error)


async def on_http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 405:
        problem: TicketdError = MethodNotAllowed()
    elif error.status_code == 404:
        problem = NotFound()
    else:
        problem = TicketdError(str(error.detail))
        problem.status = error.status_code
    response = _render_error(request, problem)
    response.headers.update(error.headers or {})  # e.g. Allow on a 405
    return response


class InternalError(TicketdError):
    code = "internal"
    status = 500
    message = "Internal server error"


async def on_unexpected_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return _render_error(request, InternalError())


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    services = services or build_services(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.db.connect()
        try:
            yield
        finally:
            await services.db.close()

    app = Starlette(
        routes=[
            Route("/health", health, methods=["GET"]),
            Mount(services.settings.helpdesk_prefix, routes=helpdesk.routes),
            *series.routes,
        ],
        exception_handlers={
            TicketdError: on_ticketd_error,
            HTTPException: on_http_error,
            Exception: on_unexpected_error,
        },
        lifespan=lifespan,
    )
    app.state.services = services
    return app
