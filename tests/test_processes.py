"""Production mode between real processes: two `ticketd serve` and two `ticketd worker`
on one PostgreSQL database, linked by Redis, behave as one service: one API key held to
25 requests/s in total, ticket ids unique under concurrent creates through both
servers, every outbox event delivered exactly once, and a revoked key refused by both
servers at once (their caches would otherwise keep it for a minute)."""

import json
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.notify.test_delivery_processes import (
    ALLOW_LOCAL,
    Recorder,
    Ticketd,
    add_endpoint,
    cli,
    events_in_order,
    query,
    serve,
    wait_for,
)
from tests.support.cli import make_workspace
from tests.support.receiver import running
from tests.support.redis import require_redis
from tests.support.series import ticket_body
from tests.support.servers import free_port

pytestmark = pytest.mark.slow
LIMIT = 25


def hammer(urls: list[str], key: str, seconds: float) -> tuple[Counter[int], float]:
    """As many `GET /tickets/config` as 8 clients manage, spread over the servers."""
    statuses: Counter[int] = Counter()
    started = time.monotonic()

    def client(n: int) -> Counter[int]:
        seen: Counter[int] = Counter()
        with httpx.Client(base_url=urls[n % len(urls)], headers={"apikey": key}) as http:
            while time.monotonic() - started < seconds:
                seen[http.get("/tickets/config").status_code] += 1
        return seen

    with ThreadPoolExecutor(8) as pool:
        for seen in pool.map(client, range(8)):
            statuses.update(seen)
    return statuses, time.monotonic() - started


def create_through(url: str, key: str, authors: range) -> list[str]:
    """Creates one ticket per author, waiting out the key's limit as a client should."""
    codes = []
    with httpx.Client(base_url=url, headers={"apikey": key}, timeout=10) as http:
        for author in authors:
            made = http.post("/tickets/create", json=ticket_body(authorUserId=author))
            while made.status_code == 429:
                time.sleep(0.1)
                made = http.post("/tickets/create", json=ticket_body(authorUserId=author))
            assert made.status_code == 200, made.text
            codes.append(made.json()["data"]["TicketId"])
    return codes


def test_two_servers_and_two_workers_on_postgresql_and_redis_behave_as_one(
    own_pg_url: str,
) -> None:
    made = make_workspace(own_pg_url, keys=5)
    env = {
        **ALLOW_LOCAL, "TICKETD_REDIS_URL": require_redis(),
        "TICKETD_RATE_LIMIT_PER_SECOND": str(LIMIT), "TICKETD_CACHE_TTL_SECONDS": "60",
        "TICKETD_DELIVERY_POLL_SECONDS": "0.05",
    }  # fmt: skip
    with ExitStack() as stack:
        receiver = stack.enter_context(running(Recorder()))
        receiver.secrets["/hook"] = add_endpoint(own_pg_url, made.id, receiver.url + "/hook")
        servers = [serve(stack, own_pg_url, env=env) for _ in range(2)]
        urls = [s.url for s in servers]
        workers = [Ticketd(own_pg_url, "worker", env=env) for _ in range(2)]
        for worker in workers:
            stack.callback(worker.close)

        statuses, seconds = hammer(urls, made.keys[0][0], 3.0)
        assert set(statuses) <= {200, 429}, statuses
        # A rolling one-second window: at most LIMIT in any second, so over `seconds`
        # at most LIMIT per started second, and every second full while clients push.
        assert LIMIT * (seconds - 1) <= statuses[200] <= LIMIT * (int(seconds) + 1), statuses

        with ThreadPoolExecutor(8) as pool:
            batches = pool.map(
                lambda n: create_through(urls[n % 2], made.keys[1 + n % 4][0],
                                         range(10_000 + 20 * n, 10_020 + 20 * n)),
                range(8),
            )  # fmt: skip
            codes = [code for batch in batches for code in batch]
        assert len(codes) == 160 and len(set(codes)) == 160

        every_id = [public_id for public_id, _ in events_in_order(own_pg_url, made.id)]
        assert len(every_id) == 160
        wait_for(
            lambda: set(receiver.answered("/hook", 200)) >= set(every_id), 60,
            lambda: f"{len(set(receiver.answered('/hook', 200)))} of 160 delivered",
        )  # fmt: skip
        time.sleep(1.0)  # time for a duplicate, were one on its way
        delivered = Counter(receiver.answered("/hook", 200))
        twice = [i for i, n in delivered.items() if n > 1]
        assert twice == [], duplicates_explained(own_pg_url, twice, receiver, servers + workers)
        assert receiver.rejected == []

        key, prefix = made.keys[0]
        for url in urls:  # both servers have the key cached now
            assert httpx.get(f"{url}/tickets/config", headers={"apikey": key}).status_code in (
                200, 429,
            )  # fmt: skip
        revoked = cli(
            own_pg_url, "key", "revoke", prefix, TICKETD_REDIS_URL=env["TICKETD_REDIS_URL"]
        )
        assert revoked.returncode == 0, revoked.stderr
        time.sleep(0.5)
        for url in urls:
            refused = httpx.get(f"{url}/tickets/config", headers={"apikey": key})
            assert refused.status_code == 401, (url, refused.text)


def duplicates_explained(
    database_url: str, public_ids: list[str], receiver: Recorder, processes: list[Ticketd]
) -> str:
    """What a failed exactly-once check needs to be understood: each delivery's
    attempts, what reached the receiver, and the processes' warnings."""
    rows = query(
        database_url,
        "SELECT e.public_id, d.id, d.state, d.attempts, d.last_status, d.last_error"
        " FROM event_deliveries d JOIN events e ON e.id = d.event_id"
        " AND e.workspace_id = d.workspace_id WHERE e.public_id = ANY($1)",
        public_ids,
    )
    arrivals = [a for a in receiver.answers if a[1] in public_ids]
    logs = "\n".join(p.output() for p in processes)
    return f"deliveries {rows}\nanswers {arrivals}\nlogs:\n{logs}"


def refused_start(database_url: str, *args: str, **env: str) -> str:
    """`ticketd serve ARGS` that must refuse to start: its one-line reason."""
    started = cli(database_url, "serve", "--port", "1", *args, **env)
    assert started.returncode == 1, started.stdout + started.stderr
    return started.stderr.strip().splitlines()[-1]


SECRET = {"TICKETD_SECRET_KEY": "s" * 40}


def test_production_mode_refuses_what_is_unsafe_there(own_pg_url: str, tmp_path: Path) -> None:
    production = {"TICKETD_ENV": "production"}
    assert refused_start(own_pg_url, "--no-demo", **production) == (
        "ticketd: refusing to start in production: TICKETD_SECRET_KEY is unset (tokens would "
        "be signed with a key kept in the database)"
    )
    sqlite = f"sqlite:///{tmp_path}/t.db"
    assert refused_start(
        sqlite, "--workers", "2", **production, **SECRET, TICKETD_REDIS_URL=require_redis()
    ) == (
        "ticketd: refusing to start in production: --workers 2 on SQLite: one writer at a "
        "time; use PostgreSQL"
    )
    assert "without TICKETD_REDIS_URL" in refused_start(
        own_pg_url, "--workers", "2", **production, **SECRET
    )
    with_demo = cli(
        own_pg_url, "serve", "--port", "1", "--host", "256.0.0.1"
    )  # makes the demo, then fails to bind
    assert "Created demo workspace" in with_demo.stdout
    assert refused_start(own_pg_url, **production, **SECRET) == (
        "ticketd: refusing to start in production: the database holds the demo workspace"
    )


def test_serve_with_several_workers_starts_them_and_they_serve(own_pg_url: str) -> None:
    port = free_port()
    env = {"TICKETD_REDIS_URL": require_redis(), "TICKETD_LOG_LEVEL": "info"}
    server = Ticketd(
        own_pg_url, "serve", "--no-demo", "--port", str(port), "--workers", "2", env=env
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(lambda: _up(url), 60, server.output)
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        workers = {int(pid) for pid in children.read_text().split() if _is_worker(int(pid))}
        assert len(workers) == 2, server.output()

        def ready(_: int) -> int:
            return httpx.get(f"{url}/readyz", headers={"connection": "close"}).status_code

        with ThreadPoolExecutor(8) as pool:
            assert set(pool.map(ready, range(80))) == {200}
        wait_for(lambda: _pids(server.output()) <= workers and _pids(server.output()), 10,
                 server.output)  # fmt: skip
    finally:
        server.close()


def _is_worker(pid: int) -> bool:
    """uvicorn's worker processes (not multiprocessing's resource tracker)."""
    return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()


def _up(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _pids(output: str) -> set[int]:
    """The processes that wrote access lines for /readyz."""
    found = set()
    for line in output.splitlines():
        if line.startswith("{") and '"/readyz"' in line:
            found.add(json.loads(line).get("pid"))
    return found


@pytest.mark.parametrize("redis", [False, True], ids=["without-redis", "with-redis"])
def test_a_second_server_on_one_database_without_redis_is_warned_about(
    own_database_url: str, redis: bool
) -> None:
    env = {"TICKETD_REDIS_URL": require_redis()} if redis else {}
    with ExitStack() as stack:
        first = serve(stack, own_database_url, env=env)
        second = serve(stack, own_database_url, env=env)
        time.sleep(0.5)  # its lifespan has logged by the time it answers, but to be sure
        warned = [s for s in (first, second) if "ANOTHER ticketd serve IS RUNNING" in s.output()]
        assert warned == ([] if redis else [second])
