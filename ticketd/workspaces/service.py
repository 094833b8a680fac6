"""Workspaces, API keys, configuration and categories: the operator's side of the core."""

import re
import uuid
from dataclasses import dataclass

from ticketd.db.database import Database, Row
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    CategoryKeyTaken,
    CategoryNotFound,
    DepartmentNotFound,
    InvalidInput,
    WorkspaceNotFound,
)
from ticketd.people.actors import Actor
from ticketd.workspaces import repository
from ticketd.workspaces.access import (
    WorkspaceCache,
    announce_change,
    ensure_may_configure,
    ensure_operator,
)
from ticketd.workspaces.config import (
    KEY_PATTERN,
    PLANS,
    Category,
    WorkspaceConfig,
    WorkspaceSettings,
)


@dataclass(frozen=True, slots=True)
class WorkspaceSummary:
    id: str
    name: str
    plan: str
    tickets_enabled: bool
    public_url: bool
    created_at: int


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """An API key as the operator sees it: never the key or its hash. `last_used_at` is
    written at most once a minute per key and process (access._record_use)."""

    prefix: str
    name: str
    created_at: int
    last_used_at: int | None
    revoked_at: int | None


DEMO_WORKSPACE_NAME = "Demo workspace"  # ticketd/demo.py creates it on a first start


def checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("name must be 1 to 200 characters")
    return name


def checked_plan(plan: str) -> str:
    if plan not in PLANS:
        raise InvalidInput(f"plan must be one of: {', '.join(PLANS)}")
    return plan


async def create_workspace(
    db: Database, *, actor: Actor, name: str, plan: str = "premium", tickets_enabled: bool = True
) -> str:
    ensure_operator(actor)
    name = checked_name(name)
    plan = checked_plan(plan)
    workspace_id = str(uuid.uuid4())
    async with db.transaction() as conn:
        await repository.insert_workspace(
            conn,
            id=workspace_id,
            name=name,
            plan=plan,
            tickets_enabled=tickets_enabled,
            now=now_ms(),
        )
    return workspace_id


async def create_api_key(
    db: Database, *, actor: Actor, workspace_id: str, name: str = "default"
) -> tuple[str, str]:
    """Returns (api_key, prefix). Only the hash is stored; the key is shown once."""
    ensure_operator(actor)
    name = checked_name(name)
    api_key, prefix = ids.api_key()
    async with db.transaction() as conn:
        await repository.require_workspace(conn, workspace_id)
        await repository.insert_api_key(
            conn,
            workspace_id=workspace_id,
            name=name,
            prefix=prefix,
            key_hash=ids.secret_hash(api_key),
            now=now_ms(),
        )
    return api_key, prefix


async def revoke_api_key(
    db: Database, cache: WorkspaceCache | None, *, actor: Actor, prefix: str
) -> bool:
    ensure_operator(actor)
    async with db.transaction() as conn:
        revoked = await repository.revoke_api_key(conn, prefix, now_ms()) > 0
    await announce_change(cache)
    return revoked


async def set_workspace(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    actor: Actor,
    workspace_id: str,
    plan: str | None = None,
    tickets_enabled: bool | None = None,
) -> None:
    ensure_operator(actor)
    values: dict[str, object] = {}
    if plan is not None:
        values["plan"] = checked_plan(plan)
    if tickets_enabled is not None:
        values["tickets_enabled"] = tickets_enabled
    if not values:
        raise InvalidInput(
            "nothing to change: give --plan, --tickets-enabled or --tickets-disabled"
        )
    async with db.transaction() as conn:
        if await repository.update_workspace(conn, workspace_id, **values) == 0:
            raise WorkspaceNotFound(workspace_id)
    await announce_change(cache)


async def apply_config(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    actor: Actor,
    workspace_id: str,
    config: WorkspaceSettings,
) -> None:
    ensure_may_configure(actor)
    async with db.transaction() as conn:
        await repository.require_workspace(conn, workspace_id)
        await repository.replace_config(conn, workspace_id, config, now_ms())
    await announce_change(cache)


async def has_demo_workspace(db: Database) -> bool:
    """Whether the workspace a first start creates is there (known by its name)."""
    async with db.connection() as conn:
        return await repository.workspace_named(conn, DEMO_WORKSPACE_NAME)


async def any_workspace(db: Database) -> bool:
    async with db.connection() as conn:
        return await repository.any_workspace(conn)


def _summary(row: Row) -> WorkspaceSummary:
    return WorkspaceSummary(
        id=row["id"],
        name=row["name"],
        plan=row["plan"],
        tickets_enabled=bool(row["tickets_enabled"]),
        public_url=bool(row["public_url"]),
        created_at=row["created_at"],
    )


async def list_workspaces(db: Database, *, actor: Actor) -> list[WorkspaceSummary]:
    """Every workspace, oldest first."""
    ensure_operator(actor)
    async with db.connection() as conn:
        return [_summary(r) for r in await repository.list_workspaces(conn)]


async def find_workspace(db: Database, *, actor: Actor, workspace_id: str) -> WorkspaceSummary:
    ensure_operator(actor)
    async with db.connection() as conn:
        row = await repository.find_workspace(conn, workspace_id)
    if row is None:
        raise WorkspaceNotFound(workspace_id)
    return _summary(row)


async def workspace_config(db: Database, workspace_id: str) -> WorkspaceConfig:
    """The configuration as stored now, not as a cache holds it."""
    async with db.connection() as conn:
        config = await repository.load_config(conn, workspace_id)
    if config is None:
        raise WorkspaceNotFound(workspace_id)
    return config


async def list_api_keys(db: Database, *, actor: Actor, workspace_id: str) -> list[ApiKeyRecord]:
    """The workspace's keys, revoked ones too, oldest first."""
    ensure_operator(actor)
    async with db.connection() as conn:
        await repository.require_workspace(conn, workspace_id)
        rows = await repository.api_keys_of(conn, workspace_id)
    return [
        ApiKeyRecord(r["prefix"], r["name"], r["created_at"], r["last_used_at"], r["revoked_at"])
        for r in rows
    ]


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100]
    return text or "category"


async def add_category(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    actor: Actor,
    workspace_id: str,
    name: str,
    key: str | None = None,
    parent_number: int | None = None,
    department: str | None = None,
) -> Category:
    """One more category, without touching the others. `key` (its string id) defaults to
    a slug of the name; `parent_number` is the number of its parent category;
    `department` routes the category's tickets there."""
    ensure_may_configure(actor)
    name = checked_name(name)
    key = key or slug(name)
    if not re.match(KEY_PATTERN, key):
        raise InvalidInput("key must be 1-100 letters, digits, '.', '_' or '-'")
    async with db.transaction() as conn:
        await repository.require_workspace(conn, workspace_id)
        parent_id = None
        if parent_number is not None:
            parent_id = await repository.numbered_category(conn, workspace_id, parent_number)
            if parent_id is None:
                raise CategoryNotFound(f"no category {parent_number} in workspace {workspace_id}")
        inserted = await repository.insert_category(
            conn, workspace_id=workspace_id, key=key, name=name, parent_id=parent_id
        )
        if inserted is None:
            raise CategoryKeyTaken(key)
        category_id, number = inserted
        if department is not None and not await repository.route_category(
            conn, workspace_id, category_id, department
        ):
            raise DepartmentNotFound(f"no department {department!r} in workspace {workspace_id}")
    await announce_change(cache)
    return Category(
        id=category_id,
        number=number,
        key=key,
        name=name,
        membership_required=False,
        min_rank=0,
        max_open_tickets=None,
        departments=(department,) if department is not None else (),
        parent_number=parent_number,
    )
