"""A real SMTP server for mail tests (aiosmtpd's Controller, in its own thread, on a free
local port) that keeps what it receives, and settings that point ticketd at it."""

import asyncio
import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.support.servers import free_port
from ticketd.settings import Settings

USER, PASSWORD = "mailer", "correct horse battery"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage  # parsed with the modern policy: headers decoded
    raw: bytes
    authenticated: bool


@dataclass
class Inbox:
    """aiosmtpd handler: accepts and keeps every mail unless told how to answer instead."""

    received: list[Received] = field(default_factory=list)
    rcpt_answer: str | None = None  # e.g. "550 5.1.1 No such user"
    data_answer: str | None = None  # e.g. "451 4.3.0 Try again later"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_answer:
            return self.data_answer
        raw = envelope.original_content
        # Line ends as a mail client reads them: CRLF on the wire, "\n" in the text.
        message = email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        received = Received(
            envelope.mail_from, list(envelope.rcpt_tos), message, raw, bool(session.authenticated)
        )
        self.received.append(received)
        return "250 2.0.0 Queued as test"

    def only(self) -> Received:
        assert len(self.received) == 1, self.received
        return self.received[0]


def careless_authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    """Accepts USER with PASSWORD; refuses anything else with a 535 that repeats the
    password it was given, as a careless server might."""
    assert isinstance(auth_data, LoginPassword)
    if auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode():
        return AuthResult(success=True, auth_data=auth_data)
    given = auth_data.password.decode()
    return AuthResult(success=False, handled=False, message=f"535 5.7.8 Bad password {given}")


@dataclass(frozen=True)
class SmtpServer:
    inbox: Inbox
    port: int

    def settings(self, **overrides: Any) -> Settings:
        """Settings sending to this server: no TLS, a short timeout, no login."""
        values: dict[str, Any] = {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.port,
            "smtp_security": "none",
            "smtp_from": "support@ticketd.test",
            "delivery_timeout_seconds": 5.0,
        }
        return Settings(**{**values, **overrides})


@contextmanager
def running_smtp_server() -> Iterator[SmtpServer]:
    """Offers AUTH without TLS (auth_require_tls=False) so logins can be tested in plain
    text; AUTH is not required, so each Received says whether the sender logged in."""
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=careless_authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(inbox, port)
    finally:
        controller.stop()


@asynccontextmanager
async def silent_server() -> AsyncIterator[int]:
    """A port that accepts connections and never answers: an SMTP greeting times out."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)  # kept open, silent, until the server stops

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for writer in connections:
            writer.close()
            await writer.wait_closed()
        await server.wait_closed()
