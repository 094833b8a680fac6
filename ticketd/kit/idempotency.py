"""`Idempotency-Key` on creates, for both APIs. The first answer to a key is stored in
the same transaction as the ticket it made; a retry with the same key and body gets that
answer back (marked `Idempotent-Replayed: true`), even when the first attempt's answer
was lost in a crash after its COMMIT; the same key with another body is refused (422).
Keys are per workspace and endpoint, and live a day (docs/series-api.md)."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import Response

from ticketd.db.database import Connection, Database, IntegrityError
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import TicketdError, ValidationFailed
from ticketd.kit.http import read_body

HEADER = "Idempotency-Key"
KEY_LIFETIME_MS = 24 * 3_600_000
MAX_KEY_LENGTH = 255

T = TypeVar("T")
# Called inside the create's transaction with what it made, to store the answer with it.
Keep = Callable[[Connection, T], Awaitable[None]]


class IdempotencyKeyReused(TicketdError):
    code = "idempotency_key_reused"
    message = "Idempotency-Key was already used with a different request body"


@dataclass
class _Request:
    workspace_id: str
    endpoint: str
    key: str
    fingerprint: str
    response: Response | None = None


async def answer_once(
    request: Request,
    db: Database,
    workspace_id: str,
    endpoint: str,
    create: Callable[[Keep[T] | None], Awaitable[T]],
    respond: Callable[[T], Response],
) -> Response:
    """`respond(await create(keep))`, once per Idempotency-Key when the request has one."""
    once = await _from(request, workspace_id, endpoint)
    if once is None:
        return respond(await create(None))
    stored = await _stored(db, once)
    if stored is not None:
        return stored

    async def keep(conn: Connection, made: T) -> None:
        once.response = respond(made)
        await _store(conn, once, once.response)

    try:
        await create(keep)
    except IntegrityError:  # the same key's first request committed meanwhile
        stored = await _stored(db, once)
        if stored is None:
            raise
        return stored
    assert once.response is not None
    return once.response


async def _from(request: Request, workspace_id: str, endpoint: str) -> _Request | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"Validation error: {HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        )
    fingerprint = hashlib.sha256(await read_body(request)).hexdigest()
    return _Request(workspace_id, endpoint, key, fingerprint)


async def _stored(db: Database, once: _Request) -> Response | None:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT fingerprint, status, body FROM idempotency_keys WHERE workspace_id = $1"
            " AND endpoint = $2 AND key = $3 AND created_at >= $4",
            once.workspace_id, once.endpoint, once.key, now_ms() - KEY_LIFETIME_MS,
        )  # fmt: skip
    if row is None:
        return None
    if row[0] != once.fingerprint:
        raise IdempotencyKeyReused()
    headers = {"Idempotent-Replayed": "true"}
    return Response(row[2], row[1], headers, media_type="application/json")


async def _store(conn: Connection, once: _Request, response: Response) -> None:
    now = now_ms()
    await conn.execute(  # this workspace's expired keys go as new ones come
        "DELETE FROM idempotency_keys WHERE workspace_id = $1 AND created_at < $2",
        once.workspace_id, now - KEY_LIFETIME_MS,
    )  # fmt: skip
    await conn.execute(
        "INSERT INTO idempotency_keys (workspace_id, endpoint, key, fingerprint, status, body,"
        " created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        once.workspace_id, once.endpoint, once.key, once.fingerprint, response.status_code,
        bytes(response.body).decode(), now,
    )  # fmt: skip
