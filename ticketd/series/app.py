"""The Series API as the root application: its envelope renders every error outside
what the assembly mounts with error handling of its own (the helpdesk)."""

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.routing import BaseRoute

from ticketd.kit.api import exception_handlers
from ticketd.kit.openapi import contract_routes
from ticketd.series import openapi, routes
from ticketd.series.envelope import error_response


def build_app(
    services: object,
    mounts: Sequence[BaseRoute],
    extra_routes: Sequence[BaseRoute],
    lifespan: Callable[[Starlette], AbstractAsyncContextManager[None]],
) -> Starlette:
    """`extra_routes` (`/health`, polled by load balancers) and `mounts` (the other APIs,
    each under its prefix) are tried first, one check each. Series' own routes are in
    this router, not behind a mount, so a Series request crosses no more layers than the
    application needs."""
    contract = contract_routes("Series Tickets API (ticketd)", openapi.served)
    app = Starlette(
        routes=[*extra_routes, *mounts, *routes.routes, *contract],
        exception_handlers=exception_handlers(error_response),
        lifespan=lifespan,
    )
    app.state.services = services
    return app
