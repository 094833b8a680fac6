"""A webhook receiver for tests: a real HTTP server on 127.0.0.1 that checks every
POST with the official Standard Webhooks library, as an integrator's endpoint would, and
answers the Socialboards verification handshake on GET. Optionally over TLS, with a
certificate made for the test (`self_signed`)."""

import shutil
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    method: str
    path: str  # with the query
    headers: dict[str, str]  # names in lower case
    body: bytes


@dataclass
class Receiver:
    """What the server saw: every request, the payloads that verified, the reasons
    others were rejected, and (over TLS) the server name each connection asked for."""

    secret: str
    verify_token: str | None = None  # None: handshakes are answered `ok`, not echoed
    url: str = ""
    requests: list[Received] = field(default_factory=list)
    verified: list[Any] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    server_names: list[str | None] = field(default_factory=list)

    def answer_post(self, received: Received) -> tuple[int, str]:
        try:
            self.verified.append(Webhook(self.secret).verify(received.body, received.headers))
        except WebhookVerificationError as error:
            self.rejected.append(str(error))
            return 401, str(error)
        return 200, "ok"

    def answer_get(self, received: Received) -> tuple[int, str]:
        """A handshake (a `challenge` in the query) is echoed when it carries the verify
        token; `/redirect` redirects to the metadata service; anything else is `ok`."""
        url = urlsplit(received.path)
        query = parse_qs(url.query)
        if url.path == "/redirect":
            return 302, "http://169.254.169.254/latest/meta-data/"
        if "challenge" not in query or self.verify_token is None:
            return 200, "ok"
        if query.get("verifyToken") != [self.verify_token]:
            return 403, "wrong verify token"
        return 200, query["challenge"][0]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep connections open, as real receivers do
    # Headers and body go out in two writes: without TCP_NODELAY the body waits for the
    # client's delayed ACK, some 40 ms a request.
    disable_nagle_algorithm = True
    server: "_Server"

    def do_POST(self) -> None:
        self._answer(self.server.receiver.answer_post)

    def do_GET(self) -> None:
        self._answer(self.server.receiver.answer_get)

    def _answer(self, answer: Callable[[Received], tuple[int, str]]) -> None:
        length = int(self.headers.get("content-length") or 0)
        headers = {name.lower(): value for name, value in self.headers.items()}
        received = Received(self.command, self.path, headers, self.rfile.read(length))
        self.server.receiver.requests.append(received)
        status, text = answer(received)
        body = b"" if status == 302 else text.encode()
        self.send_response(status)
        if status == 302:
            self.send_header("Location", text)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: Receiver


@contextmanager
def running(receiver: Receiver, tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    """Serves `receiver` on a free port of 127.0.0.1 until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = receiver
    if tls is not None:
        tls.sni_callback = lambda _socket, name, _context: receiver.server_names.append(name)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    receiver.url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def self_signed(directory: Path, *names: str) -> Path:
    """A certificate for `names` (needs `openssl`); its key is beside it, `.key`."""
    certificate = directory / f"{names[0]}.pem"
    alt_names = ",".join(f"DNS:{name}" for name in names)
    subprocess.run(
        [shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "ec",
         "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
         "-subj", f"/CN={names[0]}", "-addext", f"subjectAltName={alt_names}",
         "-keyout", str(certificate.with_suffix(".key")), "-out", str(certificate)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate


def server_context(certificate: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, certificate.with_suffix(".key"))
    return context


def client_context(*trusted: Path) -> ssl.SSLContext:
    """Trusts only the given certificates, and checks the server's name against them."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for certificate in trusted:
        context.load_verify_locations(certificate)
    return context


VERIFY_TOKEN = "verify-me-123"  # what the `receiver` fixture expects in handshakes
