"""The outbox's statements: events waiting for fan-out, deliveries, and destinations
with their schedule and lease. Every state change of a delivery updates its
destination's `pending` count in the same transaction."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from ticketd.db.database import Connection, Params, Row
from ticketd.notify.fanout import Endpoint
from ticketd.tickets.thread_repository import EVENT_COLUMNS

DELIVERY_COLUMNS = (
    "id, event_id, workspace_id, channel, destination, state, attempts, next_attempt_at,"
    " last_status, last_response, last_error, created_at, finished_at"
)


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    event_id: int
    workspace_id: str
    channel: str
    destination: str
    state: str  # pending | delivered | failed
    attempts: int
    next_attempt_at: int
    last_status: int | None
    last_response: str | None
    last_error: str | None
    created_at: int
    finished_at: int | None

    @classmethod
    def from_row(cls, r: Row) -> "Delivery":
        return cls(*(r[i] for i in range(13)))


@dataclass(frozen=True, slots=True)
class Destination:
    channel: str
    destination: str
    pending: int
    next_attempt_at: int
    leased_until: int | None
    failures: int
    disabled_reason: str | None


async def commit_without_waiting_for_disk(conn: Connection) -> None:
    """PostgreSQL, for this transaction only (see Worker._transaction)."""
    await conn.execute("SET LOCAL synchronous_commit = off")


# Fan-out


async def events_to_fan_out(conn: Connection, limit: int) -> Sequence[Row]:
    """The oldest events without deliveries yet: EVENT_COLUMNS, then workspace_id."""
    return await conn.fetch(
        f"SELECT {EVENT_COLUMNS}, workspace_id FROM events WHERE fanned_out_at IS NULL"
        " ORDER BY id LIMIT $1",
        limit,
    )


def _in_workspaces(params: Params, rows: Iterable[tuple[str, int | None]]) -> str | None:
    """A condition for the rows given as (workspace_id, id), one term per workspace;
    None when there are none."""
    by_workspace: dict[str, set[int]] = {}
    for workspace_id, row_id in rows:
        if row_id is not None:
            by_workspace.setdefault(workspace_id, set()).add(row_id)
    return (
        " OR ".join(
            f"(workspace_id = {params.add(w)} AND id IN ({params.add_all(sorted(ids))}))"
            for w, ids in sorted(by_workspace.items())
        )
        or None
    )


async def departments_of(
    conn: Connection, tickets: Iterable[tuple[str, int | None]]
) -> dict[int, str | None]:
    """Each ticket's department key, for the department's own Discord webhook; `tickets`
    as (workspace_id, ticket_id)."""
    params = Params()
    wanted = _in_workspaces(params, tickets)
    if wanted is None:
        return {}
    rows = await conn.fetch(
        f"SELECT id, department_key FROM tickets WHERE {wanted}", *params.values
    )
    return {r[0]: r[1] for r in rows}


async def disabled(conn: Connection, wanted: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Those of the (channel, destination) pairs that are disabled."""
    found: set[tuple[str, str]] = set()
    for channel in {c for c, _ in wanted}:
        reasons = await disabled_reasons(conn, channel, [d for c, d in wanted if c == channel])
        found.update((channel, destination) for destination in reasons)
    return found


async def mark_fanned_out(
    conn: Connection, fanned_out: Iterable[tuple[str, int]], now: int
) -> None:
    """`fanned_out`: the events as (workspace_id, event_id)."""
    params = Params(now)
    wanted = _in_workspaces(params, fanned_out)
    if wanted is not None:
        await conn.execute(f"UPDATE events SET fanned_out_at = $1 WHERE {wanted}", *params.values)


async def add_delivery(
    conn: Connection, event_id: int, workspace_id: str, channel: str, destination: str, now: int
) -> None:
    """Queues one delivery (once: a redone fan-out adds nothing) and counts it on its
    destination, which becomes due now unless it is backing off after failures."""
    added = await conn.fetchval(
        "INSERT INTO event_deliveries (event_id, workspace_id, channel, destination, state,"
        " attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)"
        " ON CONFLICT (event_id, channel, destination) DO NOTHING RETURNING id",
        event_id,
        workspace_id,
        channel,
        destination,
        now,
    )
    if added is not None:
        await count_pending(conn, channel, destination, 1, now)


async def count_pending(
    conn: Connection, channel: str, destination: str, added: int, now: int
) -> None:
    await conn.execute(
        "INSERT INTO delivery_destinations (channel, destination, pending, next_attempt_at,"
        " updated_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (channel, destination) DO UPDATE"
        " SET pending = delivery_destinations.pending + excluded.pending,"
        " next_attempt_at = CASE WHEN delivery_destinations.failures = 0"
        " AND delivery_destinations.pending = 0 THEN excluded.next_attempt_at"
        " ELSE delivery_destinations.next_attempt_at END, updated_at = excluded.updated_at",
        channel,
        destination,
        added,
        now,
    )


# Claiming and sending


async def any_due(conn: Connection, now: int) -> bool:
    row = await conn.fetchrow(
        "SELECT 1 FROM delivery_destinations WHERE pending > 0 AND next_attempt_at <= $1"
        " AND (leased_until IS NULL OR leased_until < $1) AND disabled_reason IS NULL LIMIT 1",
        now,
    )
    return row is not None


async def claim_destinations(
    conn: Connection, dialect: str, now: int, lease_until: int, limit: int
) -> list[tuple[str, str, int]]:
    """Leases up to `limit` destinations with due deliveries. Inside a transaction: on
    PostgreSQL rows another worker is claiming are skipped (SKIP LOCKED); SQLite runs
    one write transaction at a time."""
    skip_locked = " FOR UPDATE SKIP LOCKED" if dialect == "postgresql" else ""
    rows = await conn.fetch(
        "SELECT channel, destination, failures FROM delivery_destinations WHERE pending > 0"
        " AND next_attempt_at <= $1 AND (leased_until IS NULL OR leased_until < $1)"
        f" AND disabled_reason IS NULL ORDER BY next_attempt_at LIMIT $2{skip_locked}",
        now,
        limit,
    )
    claimed = [(r[0], r[1], r[2]) for r in rows]
    for channel, destination, _ in claimed:
        await conn.execute(
            "UPDATE delivery_destinations SET leased_until = $3"
            " WHERE channel = $1 AND destination = $2",
            channel,
            destination,
            lease_until,
        )
    return claimed


async def next_delivery(conn: Connection, channel: str, destination: str) -> Delivery | None:
    """The destination's oldest pending delivery: deliveries to one destination go out
    in event order."""
    row = await conn.fetchrow(
        f"SELECT {DELIVERY_COLUMNS} FROM event_deliveries WHERE channel = $1"
        " AND destination = $2 AND state = 'pending' ORDER BY event_id LIMIT 1",
        channel,
        destination,
    )
    return None if row is None else Delivery.from_row(row)


async def find_event(conn: Connection, workspace_id: str, event_id: int) -> Row | None:
    """EVENT_COLUMNS, then workspace_id."""
    return await conn.fetchrow(
        f"SELECT {EVENT_COLUMNS}, workspace_id FROM events WHERE workspace_id = $1 AND id = $2",
        workspace_id,
        event_id,
    )


async def record_attempt(
    conn: Connection, delivery: Delivery, state: str, result: dict[str, Any], now: int
) -> None:
    """One attempt's result; `state` is where the delivery now stands."""
    finished = None if state == "pending" else now
    await conn.execute(
        "UPDATE event_deliveries SET state = $2, attempts = attempts + 1, last_status = $3,"
        " last_response = $4, last_error = $5, finished_at = $6, next_attempt_at = $7"
        " WHERE id = $1",
        delivery.id,
        state,
        result.get("status"),
        result.get("response"),
        result.get("error"),
        finished,
        result.get("next_attempt_at", now),
    )


async def finish_one(
    conn: Connection, channel: str, destination: str, *, succeeded: bool, lease_until: int
) -> None:
    """A delivery of the destination is finished; a success ends a run of failures."""
    reset = ", failures = 0" if succeeded else ""
    await conn.execute(
        f"UPDATE delivery_destinations SET pending = pending - 1, leased_until = $3{reset}"
        " WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        lease_until,
    )


async def back_off(
    conn: Connection, channel: str, destination: str, next_attempt_at: int, now: int
) -> None:
    """The destination failed: nothing more goes to it until `next_attempt_at`."""
    await conn.execute(
        "UPDATE delivery_destinations SET failures = failures + 1, next_attempt_at = $3,"
        " leased_until = NULL, updated_at = $4 WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        next_attempt_at,
        now,
    )


async def pause(conn: Connection, channel: str, destination: str, until: int, now: int) -> None:
    """The receiver asked for a pause (a rate limit): not a failure."""
    await conn.execute(
        "UPDATE delivery_destinations SET next_attempt_at = $3, leased_until = NULL,"
        " updated_at = $4 WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        until,
        now,
    )


async def release(conn: Connection, channel: str, destination: str, now: int) -> None:
    await conn.execute(
        "UPDATE delivery_destinations SET leased_until = NULL, updated_at = $3"
        " WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        now,
    )


async def disable(conn: Connection, channel: str, destination: str, reason: str, now: int) -> None:
    """Fails every pending delivery of the destination and keeps it from being claimed
    until an operator enables it again."""
    await conn.execute(
        "UPDATE event_deliveries SET state = 'failed', finished_at = $3,"
        " last_error = COALESCE(last_error, $4) WHERE channel = $1 AND destination = $2"
        " AND state = 'pending'",
        channel,
        destination,
        now,
        f"destination disabled: {reason}",
    )
    await conn.execute(
        "UPDATE delivery_destinations SET pending = 0, disabled_reason = $3,"
        " leased_until = NULL, updated_at = $4 WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        reason,
        now,
    )


async def disabled_reasons(
    conn: Connection, channel: str, destinations: list[str]
) -> dict[str, str]:
    if not destinations:
        return {}
    params = Params(channel)
    rows = await conn.fetch(
        "SELECT destination, disabled_reason FROM delivery_destinations WHERE channel = $1"
        f" AND destination IN ({params.add_all(destinations)})"
        " AND disabled_reason IS NOT NULL",
        *params.values,
    )
    return {r[0]: r[1] for r in rows}


async def enable(conn: Connection, channel: str, destination: str, now: int) -> int:
    return await conn.execute(
        "UPDATE delivery_destinations SET disabled_reason = NULL, failures = 0,"
        " next_attempt_at = $3, updated_at = $3 WHERE channel = $1 AND destination = $2",
        channel,
        destination,
        now,
    )


# Operators


async def list_deliveries(
    conn: Connection, *, failed_only: bool, workspace_id: str | None, limit: int
) -> list[Delivery]:
    params = Params()
    where = ["TRUE"]
    if failed_only:
        where.append("state = 'failed'")
    if workspace_id is not None:
        where.append(f"workspace_id = {params.add(workspace_id)}")
    rows = await conn.fetch(
        f"SELECT {DELIVERY_COLUMNS} FROM event_deliveries WHERE {' AND '.join(where)}"
        f" ORDER BY id DESC LIMIT {params.add(limit)}",
        *params.values,
    )
    return [Delivery.from_row(r) for r in rows]


async def requeue(conn: Connection, delivery_ids: list[int] | None, now: int) -> int:
    """Failed deliveries (the given ones, or all) become pending again, due now."""
    params = Params(now)
    only = f" AND id IN ({params.add_all(delivery_ids)})" if delivery_ids is not None else ""
    rows = await conn.fetch(
        "UPDATE event_deliveries SET state = 'pending', next_attempt_at = $1,"
        f" finished_at = NULL WHERE state = 'failed'{only} RETURNING channel, destination",
        *params.values,
    )
    for r in rows:
        await count_pending(conn, r[0], r[1], 1, now)
        await enable(conn, r[0], r[1], now)
    return len(rows)


async def list_destinations(conn: Connection) -> list[Destination]:
    rows = await conn.fetch(
        "SELECT channel, destination, pending, next_attempt_at, leased_until, failures,"
        " disabled_reason FROM delivery_destinations ORDER BY channel, destination"
    )
    return [Destination(*(r[i] for i in range(7))) for r in rows]


async def backlog(conn: Connection, now: int) -> tuple[int, int, int]:
    """(pending deliveries, destinations backing off, events waiting for fan-out)."""
    row = await conn.fetchrow(
        "SELECT COALESCE(SUM(pending), 0), COALESCE(SUM(CASE WHEN pending > 0"
        " AND next_attempt_at > $1 THEN 1 ELSE 0 END), 0) FROM delivery_destinations",
        now,
    )
    waiting = await conn.fetchval("SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL")
    assert row is not None
    return int(row[0]), int(row[1]), int(waiting)


async def prune(conn: Connection, finished_before: int, limit: int) -> int:
    """Deletes up to `limit` delivered or failed deliveries finished before the time."""
    return await conn.execute(
        "DELETE FROM event_deliveries WHERE id IN (SELECT id FROM event_deliveries"
        " WHERE finished_at IS NOT NULL AND finished_at < $1 LIMIT $2)",
        finished_before,
        limit,
    )


# Integrators' endpoints

ENDPOINT_COLUMNS = "id, workspace_id, url, format, secret, event_types, created_at"


def _endpoint(r: Row) -> Endpoint:
    types = tuple(orjson.loads(r[5])) if r[5] else ()
    return Endpoint(r[0], r[1], r[2], r[3], r[4], types, r[6])


async def insert_endpoint(conn: Connection, e: Endpoint) -> None:
    await conn.execute(
        f"INSERT INTO webhook_endpoints ({ENDPOINT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        e.id,
        e.workspace_id,
        e.url,
        e.format,
        e.secret,
        orjson.dumps(e.event_types).decode() if e.event_types else None,
        e.created_at,
    )


async def endpoints_of(conn: Connection, workspace_id: str) -> list[Endpoint]:
    rows = await conn.fetch(
        f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE workspace_id = $1"
        " ORDER BY created_at, id",
        workspace_id,
    )
    return [_endpoint(r) for r in rows]


async def find_endpoint(conn: Connection, endpoint_id: str) -> Endpoint | None:
    row = await conn.fetchrow(
        f"SELECT {ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1", endpoint_id
    )
    return None if row is None else _endpoint(row)


async def delete_endpoint(conn: Connection, endpoint_id: str) -> int:
    return await conn.execute("DELETE FROM webhook_endpoints WHERE id = $1", endpoint_id)


async def set_endpoint_secret(conn: Connection, endpoint_id: str, secret: str) -> int:
    return await conn.execute(
        "UPDATE webhook_endpoints SET secret = $2 WHERE id = $1", endpoint_id, secret
    )
