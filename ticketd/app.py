"""The ASGI application: settings → services, the probes, the helpdesk API under its
prefix, the staff dashboard, the authors' links and the Series API at the root, each
rendering its own errors."""

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from ticketd.db.database import Database, database_for
from ticketd.db.presence import alone_on_database
from ticketd.helpdesk import app as helpdesk
from ticketd.helpdesk.auth import TokenAuthority
from ticketd.kit import changes
from ticketd.kit.ratelimit import KeyRateLimiter, SharedRateLimiter
from ticketd.notify.senders import delivering
from ticketd.observe import metrics
from ticketd.observe.middleware import Observed
from ticketd.probes import healthz, readyz
from ticketd.public import app as public
from ticketd.series import app as series
from ticketd.series.envelope import ok
from ticketd.serving import tune_collector
from ticketd.settings import Settings, get_settings
from ticketd.staff import app as staff
from ticketd.staff import pages as staff_pages
from ticketd.workspaces.access import WorkspaceCache


@dataclass
class Services:
    settings: Settings
    db: Database
    cache: WorkspaceCache
    limiter: KeyRateLimiter | SharedRateLimiter
    tokens: TokenAuthority
    author_replies: KeyRateLimiter  # replies through each author's link


def build_services(settings: Settings) -> Services:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return Services(
        settings=settings,
        db=database_for(settings),
        cache=WorkspaceCache(settings.cache_ttl_seconds),
        limiter=(
            SharedRateLimiter(settings.redis_url, settings.rate_limit_per_second)
            if settings.redis_url
            else KeyRateLimiter(settings.rate_limit_per_second)
        ),
        tokens=TokenAuthority(secret, settings.cache_ttl_seconds),
        author_replies=public.reply_limiter(),
    )


async def health(request: Request) -> Response:
    """Liveness: the process answers."""
    return ok({"status": "ok"})


SHARED_WITHOUT_REDIS = (
    "ANOTHER ticketd serve IS RUNNING ON THIS DATABASE and TICKETD_REDIS_URL is not set: "
    "each process limits API keys on its own (a key gets its limit once per process) and "
    "sees changes to keys and configuration from the others only after "
    "TICKETD_CACHE_TTL_SECONDS. Set TICKETD_REDIS_URL (docs/deployment.md)."
)


@asynccontextmanager
async def following_changes(services: Services) -> AsyncIterator[None]:
    """With Redis, this process drops its cached keys, clients and configurations as
    soon as any process announces a change (ticketd/kit/changes.py). Without it, a
    second server on the same database is warned about, as it would limit and cache
    on its own."""
    feed = changes.use(services.settings.redis_url)
    if feed.redis_url is None:
        # A session lock means nothing through a transaction pooler: no check there.
        pooled = services.settings.database_pooler == "transaction"
        async with alone_on_database(services.db, check=not pooled) as alone:
            if not alone:
                logging.getLogger("ticketd").warning(SHARED_WITHOUT_REDIS)
            yield
        return

    def forget() -> None:
        services.cache.clear()
        services.tokens.clients.clear()

    following = asyncio.create_task(feed.follow(forget))
    try:
        yield
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
        await feed.close()


NO_DELIVERY_VARIABLE = "TICKETD_SERVE_NO_WORKER"  # set by `ticketd serve --no-worker`


def served_app() -> ASGIApp:
    """The app of one `ticketd serve --workers N` process."""
    return create_app(
        get_settings(), deliver=not os.environ.get(NO_DELIVERY_VARIABLE), serving=True
    )


def create_app(
    settings: Settings | None = None,
    services: Services | None = None,
    *,
    deliver: bool = False,
    serving: bool = False,
) -> ASGIApp:
    """`deliver` runs the delivery worker in this process (`ticketd serve` does unless
    told --no-worker); `serving` says the app is its process's own (`ticketd serve`),
    whose garbage collector it may tune."""
    services = services or build_services(settings or get_settings())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.db.connect()
        if serving:
            tune_collector()
        try:
            async with following_changes(services):
                if deliver:
                    async with delivering(services.db, services.settings):
                        yield
                else:
                    yield
        finally:
            await services.limiter.close()
            await services.db.close()

    helpdesk_api = Mount(services.settings.helpdesk_prefix, app=helpdesk.build_app())
    dashboard = Mount(staff_pages.PATH, app=staff.build_app())
    author_links = Mount("/t", app=public.build_app())
    probes = [
        Route("/health", health, methods=["GET"]),  # the first releases' liveness probe
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        metrics.route(),  # no key, no rate limit: for the operator's scraper
    ]
    mounts = [helpdesk_api, dashboard, author_links]
    app = series.build_app(services, mounts, probes, lifespan)
    return Observed(app, services.db, access=services.settings.access_log)
