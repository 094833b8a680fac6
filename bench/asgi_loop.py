"""Drive an ASGI app in process: hand-made scopes, no sockets, no HTTP client.

The same loop times ticketd and the raw-ASGI floor, so their ratio shows what the
application adds on top of calling an ASGI callable at all."""

import asyncio
import time
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    MutableMapping,
    Sequence,
)
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

Message = MutableMapping[str, Any]
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]

Headers = tuple[tuple[bytes, bytes], ...]


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request, before it becomes a scope."""

    method: str
    path: str
    headers: Headers = ()
    body: bytes = b""


@dataclass(slots=True)
class Answer:
    status: int
    body: bytes
    error: str | None = None  # what the app raised (Starlette re-raises after a 500)


@dataclass(slots=True)
class Timed:
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time over the same span
    answers: list[Answer]


class Exchange:
    """receive/send for one request: hands over the body once, collects the answer."""

    __slots__ = ("request_body", "delivered", "status", "chunks", "error")

    def __init__(self, request_body: bytes) -> None:
        self.request_body = request_body
        self.delivered = False
        self.status = 0
        self.chunks: list[bytes] = []
        self.error: str | None = None

    async def receive(self) -> Message:
        if self.delivered:
            return {"type": "http.disconnect"}
        self.delivered = True
        return {"type": "http.request", "body": self.request_body, "more_body": False}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.status = message["status"]
        elif kind == "http.response.body":
            self.chunks.append(message.get("body", b""))


def http_scope(call: Call, state: dict[str, Any]) -> Scope:
    path, _, query = call.path.partition("?")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": call.method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": query.encode(),
        "headers": list(call.headers),
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": dict(state),
    }


async def drive(
    app: ASGIApp, calls: Sequence[Call], state: dict[str, Any], concurrency: int = 1
) -> Timed:
    """Send every call, `concurrency` at a time (1: strictly one after another); only
    the awaits are timed (scopes are built beforehand, answers are checked afterwards)."""
    scopes = [http_scope(c, state) for c in calls]
    exchanges = [Exchange(c.body) for c in calls]
    pending = iter(zip(scopes, exchanges, strict=True))

    async def worker() -> None:
        for scope, exchange in pending:
            try:
                await app(scope, exchange.receive, exchange.send)
            except Exception as error:  # a server would log it and go on: so do we
                exchange.error = f"{type(error).__name__}: {error}"

    cpu_started, started = time.process_time(), time.perf_counter()
    if concurrency == 1:
        await worker()
    else:
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    answers = [Answer(e.status, b"".join(e.chunks), e.error) for e in exchanges]
    return Timed(seconds, cpu_seconds, answers)


async def call_once(app: ASGIApp, call: Call, state: dict[str, Any]) -> Answer:
    return (await drive(app, [call], state)).answers[0]


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run the app's ASGI lifespan (startup before, shutdown after); yields its state."""
    state: dict[str, Any] = {}
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}}

    async def serve() -> None:
        await app({**scope, "state": state}, inbox.get, outbox.put)

    task = asyncio.create_task(serve())
    await inbox.put({"type": "lifespan.startup"})
    await _expect(task, outbox, "lifespan.startup.complete")
    try:
        yield state
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await _expect(task, outbox, "lifespan.shutdown.complete")
        await task


async def _expect(task: "asyncio.Task[None]", outbox: "asyncio.Queue[Message]", kind: str) -> None:
    reply = asyncio.ensure_future(outbox.get())
    await asyncio.wait([reply, task], return_when=asyncio.FIRST_COMPLETED)
    if not reply.done():
        reply.cancel()
        task.result()  # raises the app's own error
        raise RuntimeError(f"the app ended its lifespan without {kind}")
    message = reply.result()
    if message["type"] != kind:
        raise RuntimeError(f"lifespan: expected {kind}, got {message}")


FLOOR_BODY = b'{"success":true,"data":{"status":"ok"}}'
FLOOR_HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(FLOOR_BODY)).encode()),
]


async def floor_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The raw-ASGI floor: a fixed JSON answer, nothing else."""
    await send({"type": "http.response.start", "status": 200, "headers": FLOOR_HEADERS})
    await send({"type": "http.response.body", "body": FLOOR_BODY})
