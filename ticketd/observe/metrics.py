"""Prometheus metrics (prometheus-client) and the `/metrics` endpoint.

One process keeps them in its own registry. When PROMETHEUS_MULTIPROC_DIR is set before
ticketd starts, prometheus-client's multiprocess mode keeps every process's values in
files of its own in that directory, and `/metrics` in any process adds them all up
(docs/operations.md#metrics)."""

import atexit
import os
import time
from pathlib import Path
from types import TracebackType

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ticketd.db.database import Database
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import RateLimited
from ticketd.notify import repository as outbox

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
BACKLOG_CACHE_SECONDS = 5.0  # a scrape every few seconds costs at most one query each

REQUESTS = Counter(
    "ticketd_http_requests", "HTTP requests answered.", ["method", "route", "status"]
)
DURATION = Histogram(
    "ticketd_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer.",
    ["method", "route", "status_class"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RATE_LIMITED = Counter(
    "ticketd_rate_limit_rejections", "Requests refused by a per-key rate limit.", ["api"]
)
POOL_SIZE = Gauge("ticketd_db_pool_size", "Database connections open.", multiprocess_mode="livesum")
POOL_IN_USE = Gauge(
    "ticketd_db_pool_in_use", "Database connections lent out.", multiprocess_mode="livesum"
)
POOL_MAX = Gauge(
    "ticketd_db_pool_max", "Most connections the pools may open.", multiprocess_mode="livesum"
)
BACKLOG = Gauge(
    "ticketd_outbox_backlog",
    "Notification work not done yet: deliveries pending, destinations backing off,"
    " events waiting for fan-out.",
    ["kind"],
    multiprocess_mode="livemostrecent",
)
DELIVERY_FAILURES = Counter(
    "ticketd_delivery_failures",
    "Delivery attempts that failed (to be retried, given up, or disabling the destination).",
    ["channel"],
)


class CountingRefusals:
    """`with REFUSALS["series"]: limiter.hit(key)` counts the limiter's refusals and lets
    them through unchanged."""

    __slots__ = ("_counter",)

    def __init__(self, api: str) -> None:
        self._counter = RATE_LIMITED.labels(api)

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is not None and issubclass(kind, RateLimited):
            self._counter.inc()


REFUSALS = {api: CountingRefusals(api) for api in ("series", "helpdesk", "author_link")}


def delivery_failed(channel: str) -> None:
    DELIVERY_FAILURES.labels(str(channel)).inc()


def sample_pool(db: Database) -> None:
    use = db.pool_use()
    POOL_SIZE.set(use.size)
    POOL_IN_USE.set(use.in_use)
    POOL_MAX.set(use.max_size)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROCESS_DIR) or None


def forget_earlier_processes() -> None:
    """Before `ticketd serve --workers N` starts its processes: the multiprocess
    directory's files from an earlier run would otherwise be summed with theirs."""
    directory = multiprocess_dir()
    if directory is not None:
        for stale in Path(directory).glob("*.db"):
            stale.unlink(missing_ok=True)


def forget_this_process_at_exit() -> None:
    """A process that ends takes its pool gauges out of the sums; its counters stay."""
    if multiprocess_dir():
        atexit.register(multiprocess.mark_process_dead, os.getpid())


def exposition() -> bytes:
    path = multiprocess_dir()
    if path is None:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path)
    return generate_latest(registry)


class Scrape:
    """The `/metrics` endpoint of one application, with its backlog cache."""

    def __init__(self) -> None:
        self._backlog_fresh_until = 0.0

    async def endpoint(self, request: Request) -> Response:
        db = request.app.state.services.db
        sample_pool(db)
        await self._refresh_backlog(db)
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    async def _refresh_backlog(self, db: Database) -> None:
        if time.monotonic() < self._backlog_fresh_until:
            return
        async with db.connection() as conn:
            pending, backing_off, waiting = await outbox.backlog(conn, now_ms())
        BACKLOG.labels("deliveries_pending").set(pending)
        BACKLOG.labels("destinations_backing_off").set(backing_off)
        BACKLOG.labels("events_waiting").set(waiting)
        self._backlog_fresh_until = time.monotonic() + BACKLOG_CACHE_SECONDS


def route() -> Route:
    return Route("/metrics", Scrape().endpoint, methods=["GET"])
