"""A real `ticketd serve` against clients that trickle (ticketd/serving.py): headers or
a body sent a byte at a time are cut off at their deadline, while a request that
arrives in time is served; an unparseable request is answered in JSON."""

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.servers import running_servers

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def url(sqlite_url: str) -> Iterator[str]:
    limits = {"TICKETD_HEADER_TIMEOUT_SECONDS": "1", "TICKETD_BODY_TIMEOUT_SECONDS": "1"}
    with running_servers(sqlite_url, 1, **limits) as [served]:
        yield served


def connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=5)


def trickle(sock: socket.socket, data: bytes, every: float, for_at_most: float) -> float:
    """Sends `data` a byte at a time; how long until the server closed the connection."""
    began = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except OSError:
            break
        time.sleep(every)
        if time.monotonic() - began > for_at_most:
            break
    sock.settimeout(3)
    try:
        while sock.recv(4096):
            pass
    except (TimeoutError, OSError):
        return float("inf")
    return time.monotonic() - began


def test_headers_sent_a_byte_at_a_time_are_cut_off(url: str) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    with connect(url) as sock:
        closed_after = trickle(sock, request, every=0.2, for_at_most=6)
    assert 0.9 <= closed_after <= 3.0


def test_a_connection_that_sends_nothing_is_closed(url: str) -> None:
    with connect(url) as sock:
        began = time.monotonic()
        sock.settimeout(5)
        assert sock.recv(10) == b""
        assert time.monotonic() - began <= 3.0


def test_a_body_sent_a_byte_at_a_time_is_cut_off(url: str) -> None:
    head = (b"POST /tickets/create HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
            b"content-length: 300\r\n\r\n")  # fmt: skip
    with connect(url) as sock:
        sock.sendall(head)
        closed_after = trickle(sock, b"{" + b" " * 298 + b"}", every=0.2, for_at_most=6)
    assert 0.9 <= closed_after <= 3.0


def test_a_request_in_time_is_served_and_an_unreadable_one_answered_in_json(url: str) -> None:
    assert httpx.get(f"{url}/healthz").status_code == 200
    with connect(url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Bad: a\x7fb\r\n\r\n")
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head
    assert json.loads(body) == {
        "success": False, "error": {"code": 400, "message": "Invalid HTTP request"},
    }  # fmt: skip
