"""Signing in to the dashboard: a login (a teammate's e-mail or a Series staff member's
Roblox user id) and a password give a server-side session; failed attempts are limited
per account and per address."""

import hashlib
import secrets
from dataclasses import dataclass

from ticketd.db.database import Database
from ticketd.people import credentials
from ticketd.people.credentials import HASHER
from ticketd.staff import repository

ACCOUNT_LIMIT = 5  # failed sign-ins per account per window
ADDRESS_LIMIT = 20  # per client address per window
WINDOW_MS = 15 * 60_000
TOUCH_EVERY_MS = 60_000  # how stale `last_seen_at` may be before a request updates it
# Verified when a login names nobody, so that an unknown login takes as long as a
# known one with a wrong password.
_DECOY_HASH = HASHER.hash(secrets.token_hex(16))


class SignInRefused(Exception):
    """Said to the person signing in, as it is; `locked` when it is the attempt limit."""

    def __init__(self, message: str, *, locked: bool = False) -> None:
        super().__init__(message)
        self.locked = locked


@dataclass(frozen=True, slots=True)
class Session:
    token_hash: str
    workspace_id: str
    person_guid: str
    csrf_token: str


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def sign_in(
    db: Database, login: str, password: str, address: str, now: int, workspace_id: str | None
) -> str:
    """A new session's token (for the cookie), or SignInRefused. Someone who works for
    several workspaces signs in to the one named, or else to the newest their password
    opens."""
    login = login.strip()
    keys = (f"account:{login.lower()[:250]}", f"address:{address[:250]}")
    await _ensure_not_locked(db, keys, now)
    found = await _verified(db, login, password, workspace_id)
    if found is None:
        async with db.transaction() as conn:
            for key in keys:
                await repository.count_failure(conn, key, now - WINDOW_MS, now)
        raise SignInRefused("Wrong login or password.")
    workspace_id, guid = found
    token = secrets.token_urlsafe(32)
    async with db.transaction() as conn:
        await repository.clear_failures(conn, keys[0])
        await repository.insert_session(
            conn, token_hash(token), workspace_id, guid, secrets.token_urlsafe(32), now
        )
    return token


async def _ensure_not_locked(db: Database, keys: tuple[str, str], now: int) -> None:
    async with db.connection() as conn:
        account = await repository.failures(conn, keys[0], now - WINDOW_MS)
        address = await repository.failures(conn, keys[1], now - WINDOW_MS)
    minutes = WINDOW_MS // 60_000
    if account >= ACCOUNT_LIMIT:
        raise SignInRefused(
            f"Too many failed sign-ins for this account. Try again in {minutes} minutes.",
            locked=True,
        )
    if address >= ADDRESS_LIMIT:
        raise SignInRefused(
            f"Too many failed sign-ins from your address. Try again in {minutes} minutes.",
            locked=True,
        )


async def _verified(
    db: Database, login: str, password: str, workspace_id: str | None
) -> tuple[str, str] | None:
    """(workspace id, person GUID) of the first account the login and password open."""
    user_id = int(login) if login.isdigit() and len(login) <= 18 else None
    async with db.connection() as conn:
        rows = await repository.credentials_for_login(
            conn, email=None if user_id else login.lower(), user_id=user_id,
            workspace_id=workspace_id,
        )  # fmt: skip
    if not rows:
        await credentials.matches(_DECOY_HASH, password)
        return None
    for row in rows:
        if await credentials.matches(row[2], password):
            return row[0], row[1]
    return None


async def session_of(db: Database, token: str, idle_ms: int, now: int) -> Session | None:
    """The live session the cookie's token names; an idle one is ended."""
    hashed = token_hash(token)
    async with db.connection() as conn:
        row = await repository.find_session(conn, hashed)
    if row is None:
        return None
    workspace_id, guid, csrf, last_seen = row[0], row[1], row[2], row[3]
    if now - last_seen > idle_ms:
        await sign_out(db, token)
        return None
    if now - last_seen > TOUCH_EVERY_MS:
        async with db.transaction() as conn:
            await repository.touch_session(conn, hashed, now)
    return Session(hashed, workspace_id, guid, csrf)


async def sign_out(db: Database, token: str) -> None:
    async with db.transaction() as conn:
        await repository.delete_session(conn, token_hash(token))
