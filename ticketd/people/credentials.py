"""Passwords of the people who work tickets, for the staff dashboard: Series staff (by
Roblox user id) and helpdesk teammates (by e-mail). Only argon2id hashes are kept."""

import asyncio
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ticketd.db.database import Connection, Database
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import InvalidInput, NotFound
from ticketd.people import repository
from ticketd.people.actors import Actor, display_name
from ticketd.workspaces import repository as workspace_repository
from ticketd.workspaces.access import ensure_may_configure
from ticketd.workspaces.config import WorkspaceConfig

HASHER = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory defaults
MIN_LENGTH = 10
MAX_LENGTH = 1024  # hashing is deliberately slow; unbounded input would make it slower


@dataclass(frozen=True, slots=True)
class StaffAccount:
    guid: str
    name: str
    email: str | None
    user_id: int | None
    role: str  # a teammate's role, or "staff" for Series department staff
    departments: tuple[str, ...]
    has_password: bool


def checked_password(password: str) -> str:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(f"a password has {MIN_LENGTH} to {MAX_LENGTH} characters")
    return password


async def set_password(
    db: Database,
    *,
    actor: Actor,
    workspace_id: str,
    password: str,
    user_id: int | None = None,
    email: str | None = None,
) -> StaffAccount:
    """Gives a staff member (by Roblox user id) or a teammate (by e-mail) a password,
    replacing any they had."""
    ensure_may_configure(actor)
    hashed = await asyncio.to_thread(HASHER.hash, checked_password(password))
    async with db.transaction() as conn:
        config = await _config(conn, workspace_id)
        guid = await _staff_guid(conn, config, user_id=user_id, email=email)
        await repository.set_password_hash(conn, workspace_id, guid, hashed, now_ms())
    [account] = [a for a in await accounts(db, workspace_id) if a.guid == guid]
    return account


async def _config(conn: Connection, workspace_id: str) -> WorkspaceConfig:
    await workspace_repository.require_workspace(conn, workspace_id)
    config = await workspace_repository.load_config(conn, workspace_id)
    assert config is not None  # it exists: checked just now, in this transaction
    return config


async def _staff_guid(
    conn: Connection, config: WorkspaceConfig, *, user_id: int | None, email: str | None
) -> str:
    if (user_id is None) == (email is None):
        raise InvalidInput("name the staff member by a user id or an e-mail, not both")
    if email is not None:
        teammate = config.teammates_by_email.get(email.lower())
        if teammate is None:
            raise NotFound(f"{email} is not a teammate of this workspace")
        return teammate.guid
    assert user_id is not None
    if not (config.staff_departments(user_id) or user_id in config.teammates_by_user_id):
        raise NotFound(f"user {user_id} is not staff of any department of this workspace")
    guid = config.guid_for_user(user_id)
    await repository.ensure_person_by_user_id(
        conn, config.workspace.id, guid=guid, user_id=user_id, now=now_ms()
    )
    return guid


async def accounts(db: Database, workspace_id: str) -> list[StaffAccount]:
    """Everyone who works this workspace's tickets, whether they have a password yet."""
    async with db.connection() as conn:
        config = await _config(conn, workspace_id)
        with_password = await repository.guids_with_password(conn, workspace_id)
    found: dict[str, StaffAccount] = {}
    for t in config.teammates.values():
        departments = tuple(config.departments) if t.can_work else ()
        found[t.guid] = StaffAccount(t.guid, t.name, t.email, t.user_id, t.role, departments,
                                     t.guid in with_password)  # fmt: skip
    staff_ids = {u for d in config.departments.values() for u in d.members}
    for user_id in sorted(staff_ids):
        guid = config.guid_for_user(user_id)
        if guid not in found:
            found[guid] = StaffAccount(
                guid, display_name(config, user_id), None, user_id, "staff",
                tuple(config.staff_departments(user_id)), guid in with_password,
            )  # fmt: skip
    return list(found.values())


async def check_password(db: Database, workspace_id: str, guid: str, password: str) -> bool:
    """Whether the password is this person's; False for someone without one."""
    async with db.connection() as conn:
        hashed = await repository.password_hash(conn, workspace_id, guid)
    return hashed is not None and await matches(hashed, password)


async def matches(hashed: str, password: str) -> bool:
    """Whether `password` is the one `hashed` was made from, checked in a thread (it is
    slow on purpose); an over-long password never matches."""
    if len(password) > MAX_LENGTH:
        return False
    return await asyncio.to_thread(_verify, hashed, password)


def _verify(hashed: str, password: str) -> bool:
    try:
        return HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
