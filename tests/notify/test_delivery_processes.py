"""Delivery between real processes over real HTTP: the `ticketd webhook` commands end
to end, at-least-once delivery across a `kill -9` of `ticketd serve`, three
`ticketd worker` processes racing over one PostgreSQL backlog, and a receiver that
fails for a while and then recovers.

Receivers check every request with the official Standard Webhooks library. Each test
gets a database of its own, so its workers see only its outbox."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.support.cli import assert_clean_failure, make_workspace, only_json_object
from tests.support.receiver import Received, Receiver, running
from tests.support.series import ticket_body
from tests.support.servers import free_port, ticketd_env
from tests.support.workspaces import settings_for
from ticketd.db.database import open_database
from ticketd.notify import endpoints

pytestmark = pytest.mark.slow

ALLOW_LOCAL = {"TICKETD_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"}
NO_ALLOW = {"TICKETD_OUTBOUND_ALLOW_HOSTS": ""}
# Retries within half a second; a 1 s timeout, so a lease of 8 s (3 × timeout + 5).
QUICK = {
    **ALLOW_LOCAL,
    "TICKETD_DELIVERY_POLL_SECONDS": "0.05",
    "TICKETD_DELIVERY_FIRST_RETRY_SECONDS": "0.2",
    "TICKETD_DELIVERY_MAX_RETRY_INTERVAL_SECONDS": "0.5",
    "TICKETD_DELIVERY_TIMEOUT_SECONDS": "1",
}


def query(database_url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    async def run() -> list[tuple[Any, ...]]:
        db = open_database(database_url)
        await db.connect()
        try:
            async with db.connection() as conn:
                return [tuple(row) for row in await conn.fetch(sql, *args)]
        finally:
            await db.close()

    return asyncio.run(run())


def events_in_order(database_url: str, workspace_id: str) -> list[tuple[str, int]]:
    """(public id, ticket id) of each of the workspace's events, oldest first."""
    sql = "SELECT public_id, ticket_id FROM events WHERE workspace_id = $1 ORDER BY id"
    return [(row[0], row[1]) for row in query(database_url, sql, workspace_id)]


def add_endpoint(database_url: str, workspace_id: str, url: str) -> str:
    """Setup only (the CLI has its own test): a Series endpoint; returns its secret."""

    async def run() -> str:
        db = open_database(database_url)
        await db.connect()
        try:
            settings = settings_for(database_url, outbound_allow_hosts="127.0.0.1")
            endpoint = await endpoints.add(
                db, settings, workspace_id=workspace_id, url=url, format="series"
            )
            return endpoint.secret
        finally:
            await db.close()

    return asyncio.run(run())


# --- processes ---------------------------------------------------------------------


def cli(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ticketd.cli", *args],
        env=ticketd_env(database_url, **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


class Ticketd:
    """A `ticketd serve` or `ticketd worker` process; its output goes to a file, which
    it appends to (a shared file offset would let it overwrite what was read)."""

    def __init__(self, database_url: str, *args: str, env: dict[str, str]) -> None:
        self.url = ""  # where a `serve` answers
        fd, name = tempfile.mkstemp(prefix="ticketd-", suffix=".log")
        os.close(fd)
        self.log = Path(name)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ticketd.cli", *args],
                env=ticketd_env(database_url, **{"TICKETD_LOG_LEVEL": "warning", **env}),
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no lease released, a send in flight cut off."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.wait()
        self.log.unlink(missing_ok=True)


def serve(stack: ExitStack, database_url: str, *args: str, env: dict[str, str]) -> Ticketd:
    """A `ticketd serve` that answers /health, stopped when `stack` closes."""
    port = free_port()
    server = Ticketd(database_url, "serve", "--no-demo", "--port", str(port), *args, env=env)
    stack.callback(server.close)
    server.url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if server.process.poll() is not None:
            pytest.fail(f"ticketd serve exited early:\n{server.output()}")
        try:
            return httpx.get(f"{server.url}/health", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    wait_for(up, 30, lambda: f"ticketd serve did not answer /health:\n{server.output()}")
    return server


def wait_for(condition: Callable[[], bool], timeout: float, problem: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout} s: {problem()}")
        time.sleep(0.02)


def open_tickets(base_url: str, key: str, count: int, *, reply_every: int = 0) -> None:
    """`count` tickets over the Series API, each by its own author (a category limits
    open tickets per author); every `reply_every`-th one gets its author's reply too."""
    with httpx.Client(base_url=base_url, headers={"apikey": key}, timeout=10) as client:
        for i in range(count):
            author = 10_000 + i
            created = client.post("/tickets/create", json=ticket_body(authorUserId=author))
            assert created.status_code == 200, created.text
            if reply_every and i % reply_every == 0:
                ticket_id = created.json()["data"]["TicketId"]
                reply = {"content": "Any news?", "authorUserId": author}
                answer = client.post(f"/tickets/{ticket_id}/reply-member", json=reply)
                assert answer.status_code == 200, answer.text


# --- a receiver for several endpoints ----------------------------------------------


def opened() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


@dataclass
class Recorder(Receiver):
    """Endpoints told apart by their path, each verified with its own secret. Answers
    each POST after `delay` with `status`, except every `busy_every`-th one to a path,
    answered 503. Records under a lock each arrival in order, each answer, how many
    requests a path had in flight at once, and any event that reached an endpoint while
    already in flight there. With `hold_next` set, the next request is `held` until
    `release` is set; while `gate` is clear, every request waits for it."""

    secret: str = ""  # unused: see `secrets`
    secrets: dict[str, str] = field(default_factory=dict)  # path -> the endpoint's secret
    delay: float = 0.0
    status: int = 200
    busy_every: int = 0
    hold_next: bool = False
    held: tuple[str, str] | None = None
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    gate: threading.Event = field(default_factory=opened)
    arrivals: list[tuple[str, str]] = field(default_factory=list)  # (path, webhook-id)
    answers: list[tuple[str, str, int]] = field(default_factory=list)  # (…, status)
    per_path: Counter[str] = field(default_factory=Counter)
    in_flight: Counter[tuple[str, str]] = field(default_factory=Counter)
    twice_in_flight: list[tuple[str, str]] = field(default_factory=list)
    at_once: Counter[str] = field(default_factory=Counter)  # per path, now
    most_at_once: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer_post(self, received: Received) -> tuple[int, str]:
        key = path, message_id = received.path, received.headers.get("webhook-id", "")
        with self.lock:
            self.arrivals.append(key)
            self.per_path[path] += 1
            busy = self.busy_every > 0 and self.per_path[path] % self.busy_every == 0
            if self.in_flight[key]:
                self.twice_in_flight.append(key)
            self.in_flight[key] += 1
            self.at_once[path] += 1
            self.most_at_once[path] = max(self.most_at_once[path], self.at_once[path])
            hold, self.hold_next = self.hold_next, False
            if hold:
                self.held = key
        try:
            self.gate.wait(30)
            if hold:
                self.holding.set()
                self.release.wait(30)
            time.sleep(self.delay)
            return self._answer(path, message_id, received, 503 if busy else self.status)
        finally:  # out before the answer is written: the sender may go on once it has it
            with self.lock:
                self.in_flight[key] -= 1
                self.at_once[path] -= 1

    def _answer(
        self, path: str, message_id: str, received: Received, status: int
    ) -> tuple[int, str]:
        try:
            payload = Webhook(self.secrets[path]).verify(received.body, received.headers)
        except (KeyError, WebhookVerificationError) as error:
            with self.lock:
                self.rejected.append(f"{path}: {error!r}")
            return 401, "not verified"
        with self.lock:
            if payload["id"] != message_id:
                self.rejected.append(f"{path}: payload id {payload['id']} != {message_id}")
            self.answers.append((path, message_id, status))
            if status == 200:
                self.verified.append(payload)
        return status, "ok" if status == 200 else "not now"

    def arrived(self, path: str) -> list[str]:
        with self.lock:
            return [message_id for p, message_id in self.arrivals if p == path]

    def answered(self, path: str, status: int) -> list[str]:
        with self.lock:
            return [message_id for p, message_id, s in self.answers if (p, s) == (path, status)]


def first_arrivals(message_ids: list[str]) -> list[str]:
    return list(dict.fromkeys(message_ids))


def assert_in_ticket_order(arrived: list[str], events: list[tuple[str, int]]) -> None:
    """Each ticket's events arrived first in the order they happened."""
    position = {public_id: i for i, (public_id, _) in enumerate(events)}
    ticket_of = dict(events)
    per_ticket: dict[int, list[int]] = defaultdict(list)
    for public_id in first_arrivals(arrived):
        per_ticket[ticket_of[public_id]].append(position[public_id])
    assert len(per_ticket) == len(set(ticket_of.values()))
    for ticket_id, positions in per_ticket.items():
        assert positions == sorted(positions), (ticket_id, positions)


# --- 1. the webhook commands -------------------------------------------------------


def webhook(database_url: str, *args: str, **env: str) -> dict[str, Any]:
    """`ticketd webhook … --json`, which must succeed and print one JSON object."""
    return only_json_object(cli(database_url, "webhook", *args, "--json", **env))


def test_webhook_commands_round_trip(own_database_url: str, receiver: Receiver) -> None:
    made = make_workspace(own_database_url)
    url = receiver.url + "/hook"
    missing = str(uuid.uuid4())
    with ThreadPoolExecutor(max_workers=2) as pool:  # beside the rest: reads only
        unknown = pool.submit(
            cli, own_database_url, "webhook", "add", missing, "--url", url, "--json", **ALLOW_LOCAL
        )
        events = ("--event", "ticket.created", "--event", "reply.by_author")
        added = webhook(own_database_url, "add", made.id, "--url", url, *events, **ALLOW_LOCAL)
        endpoint_id, secret = added["id"], added["secret"]
        assert added == {"id": endpoint_id, "url": url, "format": "series", "secret": secret}
        assert endpoint_id.startswith("wh_") and secret.startswith("whsec_")

        listing = pool.submit(cli, own_database_url, "webhook", "list", made.id, "--json")
        receiver.secret = secret
        pinged = webhook(own_database_url, "test", endpoint_id, **ALLOW_LOCAL)
        assert pinged == {"delivered": True, "status": 200, "response": "ok", "error": None}
        assert receiver.rejected == []
        [ping] = receiver.verified
        assert ping["type"] == "webhook.ping" and ping["workspaceId"] == made.id
        assert receiver.requests[-1].headers["webhook-id"] == ping["id"]

        listed = listing.result()
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == [
            {
                "id": endpoint_id,
                "workspaceId": made.id,
                "url": url,
                "format": "series",
                "events": ["ticket.created", "reply.by_author"],
            }
        ]
        assert secret.removeprefix("whsec_") not in listed.stdout

        rotated = webhook(own_database_url, "rotate-secret", endpoint_id)
        new_secret = rotated["secret"]
        assert rotated == {"id": endpoint_id, "secret": new_secret}
        assert new_secret.startswith("whsec_") and new_secret != secret

        receiver.secret = new_secret
        pinged = webhook(own_database_url, "test", endpoint_id, **ALLOW_LOCAL)
        assert pinged["delivered"] is True, pinged
        assert receiver.rejected == [] and len(receiver.verified) == 2
        last = receiver.requests[-1]
        signed = Webhook(new_secret).verify(last.body, last.headers)
        assert signed["id"] == last.headers["webhook-id"] != ping["id"]
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(last.body, last.headers)

        removed = cli(own_database_url, "webhook", "remove", endpoint_id)
        assert removed.returncode == 0, removed.stderr
        assert removed.stdout == f"Removed webhook endpoint {endpoint_id}\n"
        assert query(own_database_url, "SELECT id FROM webhook_endpoints") == []

        assert_clean_failure(unknown.result(), f"no workspace {missing}")
        assert unknown.result().stdout == ""
    assert len(receiver.requests) == 2


# Refused before the database is read, so on SQLite only: (arguments, settings, why).
REFUSED = {
    "ftp": (
        ("--url", "ftp://127.0.0.1/hook"),
        NO_ALLOW,
        "webhook URL refused: only http:// and https:// URLs can be used",
    ),
    "private": (
        ("--url", "http://10.0.0.1/hook"),
        NO_ALLOW,
        "webhook URL refused: 10.0.0.1 is a private address",
    ),
    "metadata": (
        ("--url", "http://169.254.169.254/latest/meta-data/"),
        NO_ALLOW,
        "webhook URL refused: 169.254.169.254 is a link-local address",
    ),
    "event": (
        ("--url", "http://127.0.0.1:9/hook", "--event", "ticket.exploded"),
        ALLOW_LOCAL,
        "unknown event type 'ticket.exploded'",
    ),
}


def test_webhook_add_refuses_bad_input_in_one_line(own_sqlite_url: str) -> None:
    made = make_workspace(own_sqlite_url)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = {
            name: pool.submit(
                cli, own_sqlite_url, "webhook", "add", made.id, *args, "--json", **env
            )
            for name, (args, env, _) in REFUSED.items()
        }
    for name, (_, _, why) in REFUSED.items():
        result = results[name].result()
        assert_clean_failure(result, why)
        assert result.stdout == "", name
    assert query(own_sqlite_url, "SELECT id FROM webhook_endpoints") == []


# --- 2. at least once across kill -9 -------------------------------------------------


def test_every_event_arrives_after_the_server_is_killed_mid_delivery(own_database_url: str) -> None:
    made = make_workspace(own_database_url)
    with ExitStack() as stack:
        receiver = stack.enter_context(running(Recorder(delay=0.1)))
        stack.callback(receiver.release.set)
        receiver.secrets["/hook"] = add_endpoint(own_database_url, made.id, receiver.url + "/hook")
        server = serve(stack, own_database_url, env=QUICK)

        open_tickets(server.url, made.key, 60, reply_every=3)
        events = events_in_order(own_database_url, made.id)
        every_id = [public_id for public_id, _ in events]
        assert len(events) == 80

        def progress() -> str:
            return f"{len(set(receiver.arrived('/hook')))} of {len(events)} arrived"

        wait_for(lambda: len(set(receiver.arrived("/hook"))) >= 10, 30, progress)
        with receiver.lock:
            receiver.hold_next = True
        assert receiver.holding.wait(10), progress()
        server.kill()  # while the held delivery waits for its answer
        before = receiver.arrived("/hook")
        receiver.delay = 0.01  # slow only to have a delivery in flight at the kill
        receiver.release.set()
        assert receiver.held is not None
        assert 10 <= len(set(before)) < len(events)

        restarted = serve(stack, own_database_url, env=QUICK)
        wait_for(
            lambda: set(receiver.arrived("/hook")) >= set(every_id),
            60,
            lambda: f"{progress()}:\n{restarted.output()}",
        )
        states = "SELECT state, COUNT(*) FROM event_deliveries GROUP BY state"
        settled = [("delivered", 80)]
        wait_for(
            lambda: query(own_database_url, states) == settled,
            10,
            lambda: str(query(own_database_url, states)),
        )

    arrived = receiver.arrived("/hook")
    assert receiver.rejected == []
    assert set(arrived) == set(every_id)
    # The delivery the kill cut off was never recorded as delivered: it comes again,
    # first, and what was answered before the kill does not.
    held = receiver.held[1]
    assert before[-1] == held and arrived[len(before)] == held
    assert first_arrivals(arrived[len(before) :]) == every_id[every_id.index(held) :]
    assert_in_ticket_order(arrived, events)
    # A destination gets its deliveries in event order, so first arrivals come in it.
    assert first_arrivals(arrived) == every_id


# --- 3. workers racing on PostgreSQL -------------------------------------------------


def test_three_workers_share_a_backlog_without_overlap_or_loss(own_pg_url: str) -> None:
    """Every eighth request to an endpoint is answered 503: the destination backs off
    for a few milliseconds and is released, and whichever worker polls first takes it
    over (each holds one destination at a time). None may send what another sends."""
    made = make_workspace(own_pg_url)
    paths = ["/a", "/b", "/c"]
    with ExitStack() as stack:
        receiver = stack.enter_context(running(Recorder(delay=0.02, busy_every=8)))
        for path in paths:
            receiver.secrets[path] = add_endpoint(own_pg_url, made.id, receiver.url + path)
        env = {
            **ALLOW_LOCAL,
            "TICKETD_DELIVERY_POLL_SECONDS": "0.05",
            "TICKETD_DELIVERY_FIRST_RETRY_SECONDS": "0.05",
            "TICKETD_DELIVERY_CONCURRENCY": "1",
        }
        backlog = serve(stack, own_pg_url, "--no-worker", env=env)
        open_tickets(backlog.url, made.key, 150)
        time.sleep(0.3)  # a worker would have fanned out and sent something by now
        backlog.close()
        assert receiver.arrivals == []
        every_id = [public_id for public_id, _ in events_in_order(own_pg_url, made.id)]
        assert len(every_id) == 150

        receiver.gate.clear()  # the first claims wait until every worker runs
        workers = [Ticketd(own_pg_url, "worker", env=env) for _ in range(3)]
        for worker in workers:
            stack.callback(worker.close)
        wait_for(
            lambda: all("ticketd worker: delivering" in w.output() for w in workers),
            30,
            lambda: "\n".join(worker.output() for worker in workers),
        )
        receiver.gate.set()
        wait_for(
            lambda: all(set(receiver.answered(path, 200)) >= set(every_id) for path in paths),
            60,
            lambda: (
                f"{Counter(p for p, _, s in receiver.answers if s == 200)} of 150 each:\n"
                + "\n".join(worker.output() for worker in workers)
            ),
        )

        for worker in workers:
            worker.process.send_signal(signal.SIGTERM)
        stopping = time.monotonic()
        codes = [worker.process.wait(timeout=10) for worker in workers]
        stopped_in = time.monotonic() - stopping
        outputs = [worker.output() for worker in workers]

    assert codes == [0, 0, 0], outputs
    assert stopped_in < 4, stopped_in
    for output in outputs:
        assert "Traceback" not in output and "ERROR" not in output, output
        # Each worker delivered its share: each was answered 503 at least once.
        assert "failing (HTTP 503)" in output, output
    assert receiver.rejected == []
    assert receiver.twice_in_flight == []
    assert receiver.most_at_once == dict.fromkeys(paths, 1)
    for path in paths:
        # In event order, each event once, but for a retry right after each 503.
        arrived = receiver.arrived(path)
        assert [message_id for message_id, _ in groupby(arrived)] == every_id, path
        assert len(arrived) - 150 == len(receiver.answered(path, 503)) == len(arrived) // 8
    deliveries = query(
        own_pg_url, "SELECT state, COUNT(*), SUM(attempts) FROM event_deliveries GROUP BY state"
    )
    assert deliveries == [("delivered", 450, len(receiver.arrivals))]
    destinations = query(
        own_pg_url, "SELECT pending, failures, leased_until FROM delivery_destinations"
    )
    assert destinations == [(0, 0, None)] * 3


# --- 4. a receiver down for a while --------------------------------------------------


def test_a_failing_receiver_gets_every_event_once_it_recovers(own_database_url: str) -> None:
    made = make_workspace(own_database_url)
    with ExitStack() as stack:
        receiver = stack.enter_context(running(Recorder(status=500)))
        receiver.secrets["/hook"] = add_endpoint(own_database_url, made.id, receiver.url + "/hook")
        server = serve(stack, own_database_url, env=QUICK)

        open_tickets(server.url, made.key, 10, reply_every=1)
        events = events_in_order(own_database_url, made.id)
        every_id = [public_id for public_id, _ in events]
        assert len(events) == 20

        wait_for(lambda: len(receiver.answered("/hook", 500)) >= 3, 30, lambda: server.output())
        receiver.status = 200
        wait_for(
            lambda: set(receiver.answered("/hook", 200)) >= set(every_id),
            30,
            lambda: f"{receiver.answers}\n{server.output()}",
        )
        settled = "SELECT COUNT(*) FROM event_deliveries WHERE state = 'delivered'"
        wait_for(lambda: query(own_database_url, settled) == [(20,)], 10, lambda: "not recorded")
        listed = cli(own_database_url, "deliveries", "list", "--workspace", made.id, "--json")

    assert receiver.rejected == []
    # Only the oldest event was tried while the receiver failed: nothing overtook it.
    outage = receiver.answered("/hook", 500)
    assert set(outage) == {every_id[0]}
    delivered = receiver.answered("/hook", 200)
    assert delivered == every_id  # each once, in event order
    assert_in_ticket_order(delivered, events)

    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    sql = "SELECT id, public_id FROM events WHERE workspace_id = $1"
    public_id = dict(query(own_database_url, sql, made.id))
    tries = Counter(receiver.arrived("/hook"))
    assert len(rows) == 20
    for row in rows:
        assert (row["channel"], row["state"], row["lastStatus"]) == ("webhook", "delivered", 200)
        assert row["attempts"] == tries[public_id[row["eventId"]]], row
    assert len(outage) >= 3
    assert sorted(row["attempts"] for row in rows) == [1] * 19 + [len(outage) + 1]
