"""The outermost layer of the application: gives each request its id, echoes it in the
`X-Request-Id` response header, counts and times the request by route template, and
writes its access line. It wraps Starlette's own error middleware, so answers to
unexpected errors carry the id and are counted too."""

import logging
import re
import secrets
import time

from prometheus_client.metrics import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ticketd.db.database import Database
from ticketd.observe import context, metrics
from ticketd.observe.context import RequestContext
from ticketd.observe.logs import AccessRecord
from ticketd.observe.routes import route_template

access_log = logging.getLogger("ticketd.access")

HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[\x21-\x7e]{1,128}")  # printable ASCII, no spaces
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
POOL_SAMPLE_SECONDS = 1.0


def request_id_of(scope: Scope) -> str:
    """The caller's X-Request-Id when it is a sane token; a new random one otherwise."""
    for name, value in scope["headers"]:
        if name == HEADER:
            if SANE_REQUEST_ID.fullmatch(value):
                return value.decode("ascii")
            break
    return secrets.token_hex(16)


class Observed:
    def __init__(self, app: ASGIApp, db: Database, *, access: bool) -> None:
        self.app = app
        self.db = db
        self.access = access
        self._series: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._next_pool_sample = 0.0
        metrics.forget_this_process_at_exit()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request = RequestContext(request_id_of(scope))
        header = (HEADER, request.request_id.encode("ascii"))
        status = 500  # what the client gets if the application fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                # A new list: the response's own may be shared with other answers.
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = context.current.set(request)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._finished(scope, request, status, time.perf_counter() - started)
            context.current.reset(token)

    def _finished(self, scope: Scope, request: RequestContext, status: int, took: float) -> None:
        method = scope["method"]
        route = route_template(scope, status)
        self._count(method if method in METHODS else "other", route, status, took)
        if self.access and access_log.isEnabledFor(logging.INFO):
            client = scope.get("client")
            fields = {
                "method": method,
                "route": route,
                "status": status,
                "duration_ms": round(took * 1000, 2),
                "workspace_id": request.workspace_id,
                "client": client[0] if client else None,
            }
            access_log.handle(AccessRecord(f"{method} {route} {status}", fields))

    def _count(self, method: str, route: str, status: int, took: float) -> None:
        series = self._series.get((method, route, status))
        if series is None:
            series = self._series[(method, route, status)] = (
                metrics.REQUESTS.labels(method, route, str(status)),
                metrics.DURATION.labels(method, route, f"{status // 100}xx"),
            )
        series[0].inc()
        series[1].observe(took)
        now = time.monotonic()
        if now >= self._next_pool_sample:
            self._next_pool_sample = now + POOL_SAMPLE_SECONDS
            metrics.sample_pool(self.db)
