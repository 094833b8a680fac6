"""The HTTP protocol `ticketd serve` runs: uvicorn's httptools protocol with deadlines a
slow client cannot stretch, and a JSON answer for a request the parser cannot read.

A request's line and headers must arrive within TICKETD_HEADER_TIMEOUT_SECONDS of its
first byte (or of the connection, for the first request), and its body within
TICKETD_BODY_TIMEOUT_SECONDS of its headers; otherwise the connection is closed. A
client sending one byte every few seconds cannot hold a connection open for long."""

import asyncio
import gc
import logging

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from ticketd.settings import get_settings

log = logging.getLogger("ticketd.serving")

UNREADABLE = orjson.dumps(
    {"success": False, "error": {"code": 400, "message": "Invalid HTTP request"}}
)


# Under load, the objects of requests in flight outlive young collections, and Python
# then ran a full collection about once a second, holding the event loop 25-35 ms:
# most of a create's p99 (docs/decisions.md, "Python's garbage collector tuned").
YOUNG_COLLECTION_EVERY = 10_000


def tune_collector() -> None:
    """For a serving process, once its application has started."""
    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    gc.freeze()


class GuardedProtocol(HttpToolsProtocol):
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(get_settings().header_timeout_seconds)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._deadline is None:  # a keep-alive connection's next request
            self._arm(get_settings().header_timeout_seconds)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(get_settings().body_timeout_seconds)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """uvicorn answers in plain text; this answers in the Series envelope (the path
        is not known yet, so it cannot be the helpdesk's)."""
        head = (
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            b"content-length: " + str(len(UNREADABLE)).encode() + b"\r\nconnection: close\r\n\r\n"
        )
        self.transport.write(head + UNREADABLE)
        self.transport.close()

    def _arm(self, seconds: float) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection from %s: request too slow", self.client)
            self.transport.close()
