"""Error handling per published API: each renders every error raised under it in its
own envelope: domain errors, Starlette's 404 and 405 (with `Allow`), and unexpected
exceptions (500, logged with their traceback)."""

import logging
from collections.abc import Sequence
from typing import Any, Protocol

from starlette.exceptions import HTTPException
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Router
from starlette.types import ASGIApp, ExceptionHandler

from ticketd.kit.errors import InternalError, MethodNotAllowed, NotFound, TicketdError
from ticketd.observe.routes import route_template

log = logging.getLogger("ticketd")


class ErrorRenderer(Protocol):
    def __call__(self, error: TicketdError, status: int | None = None) -> Response:
        """The API's error response; `status`, when given, overrides the code's own."""
        ...


def exception_handlers(render: ErrorRenderer) -> dict[Any, ExceptionHandler]:
    """Starlette exception handlers rendering through `render`."""

    async def on_ticketd_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, TicketdError)
        return render(error)

    async def on_http_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        if error.status_code == 405:
            response = render(MethodNotAllowed())
        elif error.status_code == 404:
            response = render(NotFound())
        else:
            response = render(TicketdError(str(error.detail)), error.status_code)
        response.headers.update(error.headers or {})  # e.g. Allow on a 405
        return response

    async def on_unexpected_error(request: Request, error: Exception) -> Response:
        # The route template, not the path, which may carry a key (`/basic/check-key/…`).
        route = route_template(request.scope)
        log.exception("unhandled error on %s %s", request.method, route, exc_info=error)
        return render(InternalError())

    return {
        TicketdError: on_ticketd_error,
        HTTPException: on_http_error,
        Exception: on_unexpected_error,
    }


def mounted_api(routes: Sequence[BaseRoute], render: ErrorRenderer) -> ASGIApp:
    """An API to mount under a prefix: its routes behind an exception middleware that
    handles every exception, unexpected ones included, so none reaches the enclosing
    application's handlers (which would render and log it a second time)."""
    return ExceptionMiddleware(Router(list(routes)), handlers=exception_handlers(render))
