"""Signing in to the dashboard: a login (a teammate's e-mail or a Series staff member's
Roblox user id) and a password give a server-side session; failed attempts are limited
per account and per address."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from ticketd.db.database import Database
from ticketd.kit import attempts
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
    accounts = await _accounts(db, login.strip(), workspace_id)
    # Failures count against the person (whichever login they were tried with), or
    # against the login when it opens no account, and against the address.
    people = [f"account:{guid}" for _, guid, _ in accounts] or [
        f"login:{login.strip().lower()[:250]}"
    ]
    address_key = f"address:{address[:250]}"
    await _ensure_not_locked(db, people, address_key, now)
    found = await _verified(accounts, password)
    if found is None:
        async with db.transaction() as conn:
            for key in [*people, address_key]:
                await attempts.count_failure(conn, key, now - WINDOW_MS, now)
        raise SignInRefused("Wrong login or password.")
    workspace_id, guid = found
    token = secrets.token_urlsafe(32)
    async with db.transaction() as conn:
        await attempts.clear_failures(conn, f"account:{guid}")
        await repository.insert_session(
            conn, token_hash(token), workspace_id, guid, secrets.token_urlsafe(32), now
        )
    return token


async def _ensure_not_locked(db: Database, people: list[str], address_key: str, now: int) -> None:
    async with db.connection() as conn:
        account = max([await attempts.failures(conn, k, now - WINDOW_MS) for k in people])
        address = await attempts.failures(conn, address_key, now - WINDOW_MS)
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


async def _accounts(db: Database, login: str, workspace_id: str | None) -> list[Any]:
    """(workspace id, person GUID, password hash) of each account the login names."""
    user_id = int(login) if login.isascii() and login.isdigit() and len(login) <= 18 else None
    async with db.connection() as conn:
        return list(
            await repository.credentials_for_login(
                conn, email=None if user_id else login.lower(), user_id=user_id,
                workspace_id=workspace_id,
            )
        )  # fmt: skip


async def _verified(accounts: list[Any], password: str) -> tuple[str, str] | None:
    """(workspace id, person GUID) of the first account the password opens."""
    if not accounts:
        await credentials.matches(_DECOY_HASH, password)
        return None
    for row in accounts:
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
