"""When what ticketd depends on goes away. PostgreSQL, behind a TCP forwarder the test
cuts: every API answers 503 in its own envelope with Retry-After within a second, one
short log line a request and no traceback, /readyz says not ready, and all of it
recovers by itself once the database is reachable again. Redis, stopped under two
servers: each limits a key on its own until Redis is back. A client, in the middle of
its request body: a 400 nobody reads, not a logged error."""

import logging
import time
import typing
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.support.cli import make_workspace
from tests.support.helpdesk import bearer
from tests.support.proof import tally
from tests.support.redis import private_redis
from tests.support.series import ticket_body
from tests.support.servers import running_servers
from tests.support.tcp_proxy import TcpProxy
from tests.support.workspaces import Workspace, new_workspace, settings_for
from ticketd.app import build_services, create_app
from ticketd.helpdesk.envelope import ERRORS

pytestmark = pytest.mark.anyio


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{port}"))


@pytest.fixture
async def proxied(own_pg_url: str) -> AsyncIterator[tuple[TcpProxy, httpx.AsyncClient, Workspace]]:
    target = urlsplit(own_pg_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    services = build_services(settings_for(through(own_pg_url, proxy.port)))
    await services.db.connect()
    transport = httpx.ASGITransport(app=create_app(services=services))
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        ws = await new_workspace(services, client)
        yield proxy, client, ws
    await proxy.start()  # the pool closes its connections cleanly
    await services.db.close()
    await proxy.cut()


async def test_while_postgresql_is_away_every_api_answers_503_and_recovers(
    proxied: tuple[TcpProxy, httpx.AsyncClient, Workspace], caplog: pytest.LogCaptureFixture
) -> None:
    proxy, client, ws = proxied
    series = {"apikey": ws.key}
    created = await client.post("/tickets/create", json=ticket_body(), headers=series)
    code = created.json()["data"]["TicketId"]
    helpdesk = await bearer(ws)

    await proxy.cut()
    caplog.clear()
    calls = [
        ("POST", "/tickets/create", series, ticket_body(authorUserId=42)),
        ("GET", f"/tickets/get/{code}", series, None),
        ("GET", "/tickets/list", series, None),
        ("POST", "/helpdesk/tickets/list", helpdesk, {}),
    ]
    for method, path, headers, body in calls:
        began = time.monotonic()
        answer = await client.request(method, path, headers=headers, json=body)
        assert time.monotonic() - began < 1.5, path
        assert answer.status_code == 503, (path, answer.text)
        assert answer.headers["retry-after"] == "1"
        if path.startswith("/helpdesk"):
            assert answer.json()["errorCode"] == ERRORS["unavailable"][0]
        else:
            assert answer.json() == {"success": False, "error": {
                "code": 503, "message": "The database is unavailable, try again"}}  # fmt: skip
        tally(f"answers while PostgreSQL was away: {answer.status_code}")
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"
    database_lines = [r for r in caplog.records if r.name == "ticketd.db"]
    assert 1 <= len(database_lines) <= len(calls) + 1  # one a request (and the probe)
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in database_lines)
    assert not any(r.exc_info for r in caplog.records), [r.getMessage() for r in caplog.records]

    await proxy.start()
    for method, path, headers, body in calls:
        answer = await client.request(method, path, headers=headers, json=body)
        assert answer.status_code == 200, (path, answer.text)
    assert (await client.get("/readyz")).status_code == 200
    listed = await client.get("/tickets/list", headers=series)
    assert listed.json()["data"]["Pagination"]["TotalCount"] == 2  # nothing lost or doubled


async def test_a_client_that_disconnects_mid_body_is_no_error(
    services: typing.Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Once logged as an unhandled error with two tracebacks; now a 400 nobody reads,
    and nothing stored."""
    app = create_app(services=services)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as client:
        ws = await new_workspace(services, client)
    messages = iter([
        {"type": "http.request", "body": b'{"subject": "Half a tick', "more_body": True},
        {"type": "http.disconnect"},
    ])  # fmt: skip
    sent: list[dict[str, typing.Any]] = []

    async def receive() -> dict[str, typing.Any]:
        return next(messages)

    async def send(message: dict[str, typing.Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/tickets/create", "raw_path": b"/tickets/create",
        "query_string": b"", "root_path": "", "server": ("ticketd.test", 80),
        "client": ("127.0.0.1", 5555),
        "headers": [(b"host", b"ticketd.test"), (b"apikey", ws.key.encode()),
                    (b"content-type", b"application/json"), (b"content-length", b"400")],
    }  # fmt: skip
    caplog.clear()
    await app(scope, receive, send)
    assert sent[0]["status"] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    async with services.db.connection() as conn:
        stored = await conn.fetchval("SELECT COUNT(*) FROM tickets WHERE workspace_id = $1", ws.id)
    assert stored == 0


def statuses(url: str, key: str, times: int) -> Counter[int]:
    with httpx.Client(base_url=url, headers={"apikey": key}, timeout=5) as client:
        return Counter(client.get("/tickets/list").status_code for _ in range(times))


@pytest.mark.slow
def test_while_redis_is_away_two_servers_limit_each_on_its_own_and_share_again(
    sqlite_url: str,
) -> None:
    """The documented fallback (docs/deployment.md): a key keeps its limit per process,
    requests never fail for Redis, /readyz says degraded, and sharing comes back."""
    key = make_workspace(sqlite_url).keys[0][0]
    with (
        private_redis() as redis,
        running_servers(
            sqlite_url, 2, TICKETD_REDIS_URL=redis.url, TICKETD_RATE_LIMIT_PER_SECOND="5"
        ) as [one, other],
    ):
        assert statuses(one, key, 4) + statuses(other, key, 4) == Counter({200: 5, 429: 3})
        redis.stop()
        time.sleep(1.1)  # a fresh window
        away = statuses(one, key, 7) + statuses(other, key, 7)
        assert away == Counter({200: 10, 429: 4})  # 5 a process, each alone
        ready = httpx.get(f"{one}/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded"
        redis.start()
        time.sleep(2.2)  # REDIS_RETRY_SECONDS, and a fresh window
        back = statuses(one, key, 4) + statuses(other, key, 4)
        assert back == Counter({200: 5, 429: 3})  # one window for both again
        assert httpx.get(f"{other}/readyz").json()["status"] == "ready"
    for status, n in away.items():
        tally(f"answers while Redis was away: {status}", n)
