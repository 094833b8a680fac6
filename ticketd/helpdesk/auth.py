"""Helpdesk integration auth, OAuth-style: a named client holds a long-lived refresh
token (shown once, stored hashed) and exchanges it for signed access tokens (JWT,
HS256) that expire after 3599 s. Revoking the client refuses both at once, because
every request also checks that its client is still active."""

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt

from ticketd.db.database import Database
from ticketd.helpdesk import repository
from ticketd.kit import attempts, ids
from ticketd.kit.cache import ExpiringCache
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    InvalidGrant,
    InvalidToken,
    RateLimited,
    Unauthorized,
    ValidationFailed,
)
from ticketd.workspaces import repository as workspace_repository
from ticketd.workspaces.access import announce_change
from ticketd.workspaces.service import checked_name

ACCESS_TOKEN_SECONDS = 3599
ALGORITHM = "HS256"
SIGNING_KEY_NAME = "token_signing_key"
FAILURES_PER_ADDRESS = 20  # failed exchanges per client address per window
FAILURE_WINDOW_MS = 15 * 60_000
TOO_MANY_FAILURES = "Too many failed token requests from this address; try again later"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True, slots=True)
class Client:
    id: int
    workspace_id: str
    name: str
    client_id: str


@dataclass(frozen=True, slots=True)
class NewClient:
    """A client just created, with the refresh token shown this once."""

    client_id: str
    name: str
    refresh_token: str


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client as the operator sees it: never its refresh token or the token's hash.
    `last_used_at` is the last exchange of the refresh token for an access token."""

    client_id: str
    name: str
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


class TokenAuthority:
    """Signs and checks access tokens; caches active clients for a few seconds, so a
    revocation made by another process is seen within that time."""

    def __init__(self, secret_key: str | None, cache_ttl_seconds: float) -> None:
        self._key = secret_key
        self.clients: ExpiringCache[str, Client | None] = ExpiringCache(cache_ttl_seconds)

    async def signing_key(self, db: Database) -> str:
        if self._key is None:
            self._key = await _stored_signing_key(db)
        return self._key

    async def exchange(
        self, db: Database, *, grant_type: str, refresh_token: str, client_id: str, address: str
    ) -> dict[str, Any]:
        if not (grant_type or refresh_token or client_id):
            raise ValidationFailed(
                "Send grant_type, refresh_token and client_id form-encoded"
                " (application/x-www-form-urlencoded) or as a JSON object"
            )
        if grant_type != "refresh_token":
            raise ValidationFailed("grant_type must be refresh_token")
        if not refresh_token or not client_id:
            raise ValidationFailed("refresh_token and client_id are required")
        client = await self._verified_client(db, client_id, refresh_token, address)
        now = int(time.time())
        claims = {
            "sub": client.client_id,
            "ws": client.workspace_id,
            "iat": now,
            "exp": now + ACCESS_TOKEN_SECONDS,
            "jti": secrets.token_hex(8),
        }
        token = jwt.encode(claims, await self.signing_key(db), algorithm=ALGORITHM)
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": ACCESS_TOKEN_SECONDS,
            "refresh_token": refresh_token,
        }

    async def _verified_client(
        self, db: Database, client_id: str, refresh_token: str, address: str
    ) -> Client:
        """The client the refresh token opens; failures count against the address, and
        too many in a window refuse it for the rest of the window."""
        key, now = f"token-address:{address[:250]}", now_ms()
        async with db.connection() as conn:
            failed = await attempts.failures(conn, key, now - FAILURE_WINDOW_MS)
        if failed >= FAILURES_PER_ADDRESS:
            raise RateLimited(FAILURE_WINDOW_MS // 1000, TOO_MANY_FAILURES)
        client = await self._client(db, client_id) if GUID.match(client_id) else None
        if client is None or not await _refresh_matches(db, client, refresh_token):
            async with db.transaction() as conn:
                await attempts.count_failure(conn, key, now - FAILURE_WINDOW_MS, now)
            raise InvalidGrant()
        return client

    async def authenticate(self, db: Database, authorization: str | None) -> Client:
        if not authorization:
            raise Unauthorized("Send Authorization: Bearer <access token> (POST /token gives one)")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("Send Authorization: Bearer <access token> (POST /token gives one)")
        try:
            claims = jwt.decode(
                token.strip(),
                await self.signing_key(db),
                algorithms=[ALGORITHM],
                options={"require": ["exp", "iat", "sub", "ws"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("Access token has expired; get a new one from POST /token") from None
        except jwt.InvalidTokenError:
            raise InvalidToken() from None
        client = await self._client(db, str(claims["sub"]))
        if client is None:
            raise InvalidToken("Access token's client has been revoked")
        if client.workspace_id != claims["ws"]:
            raise InvalidToken()
        return client

    async def _client(self, db: Database, client_id: str) -> Client | None:
        return await self.clients.get_or_load(client_id, lambda: _load_client(db, client_id))


async def _load_client(db: Database, client_id: str) -> Client | None:
    async with db.connection() as conn:
        row = await repository.find_active_client(conn, client_id)
    if row is None:
        return None
    return Client(row["id"], row["workspace_id"], row["name"], row["client_id"])


async def _refresh_matches(db: Database, client: Client, refresh_token: str) -> bool:
    async with db.transaction() as conn:
        return await repository.use_refresh_token(
            conn,
            workspace_id=client.workspace_id,
            client_row_id=client.id,
            refresh_hash=ids.secret_hash(refresh_token),
            now=now_ms(),
        )


async def _stored_signing_key(db: Database) -> str:
    async with db.transaction() as conn:
        return await repository.instance_secret(conn, SIGNING_KEY_NAME, secrets.token_urlsafe(48))


async def create_client(db: Database, *, workspace_id: str, name: str) -> NewClient:
    """A new integration client; its refresh token is shown this once."""
    name = checked_name(name)
    refresh_token, client_id = ids.refresh_token(), ids.new_guid()
    async with db.transaction() as conn:
        await workspace_repository.require_workspace(conn, workspace_id)
        await repository.insert_client(
            conn,
            workspace_id=workspace_id,
            name=name,
            client_id=client_id,
            refresh_hash=ids.secret_hash(refresh_token),
            now=now_ms(),
        )
    return NewClient(client_id=client_id, name=name, refresh_token=refresh_token)


async def list_clients(db: Database, *, workspace_id: str) -> list[ClientRecord]:
    """The workspace's clients, revoked ones too, oldest first."""
    async with db.connection() as conn:
        await workspace_repository.require_workspace(conn, workspace_id)
        rows = await repository.clients_of(conn, workspace_id)
    return [
        ClientRecord(r["client_id"], r["name"], r["created_at"], r["last_used_at"], r["revoked_at"])
        for r in rows
    ]


async def revoke_client(db: Database, *, client_id: str) -> bool:
    async with db.transaction() as conn:
        revoked = await repository.revoke_client(conn, client_id, now_ms())
    await announce_change(None)
    return revoked
