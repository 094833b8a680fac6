"""Workspaces, API keys and configuration: the operator's side of the core."""

import hashlib
import re
import uuid
from dataclasses import dataclass

from cachetools import TTLCache

from ticketd.db.database import Database
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import ModuleDisabled, PlanRequired, Unauthorized
from ticketd.workspaces import repository
from ticketd.workspaces.config import (
    KEY_PATTERN,
    PLANS,
    TICKET_PLANS,
    ConfigFile,
    WorkspaceConfig,
)


# API keys are 190 random bits, so a fast hash is enough: nobody can brute-force one.
def hash_key(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


_MISSING = object()


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: int
    workspace_id: str
    workspace_name: str
    prefix: str
    created_at: int
    last_used_at: int | None


class WorkspaceCache:
    """Per-process caches for the two lookups every request makes. Changes made in this
    process clear them at once; changes from another process show within the TTL."""

    LAST_USED_INTERVAL_MS = 60_000

    def __init__(self, ttl_seconds: float) -> None:
        size = 10_000
        self.keys: TTLCache[str, ApiKey | None] = TTLCache(size, ttl_seconds or 1e-9)
        self.configs: TTLCache[str, WorkspaceConfig] = TTLCache(size, ttl_seconds or 1e-9)
        self.touched: TTLCache[int, int] = TTLCache(size, self.LAST_USED_INTERVAL_MS / 1000)

    def clear(self) -> None:
        self.keys.clear()
        self.configs.clear()


def checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ValueError("name must be 1 to 200 characters")
    return name


async def create_workspace(
    db: Database, *, name: str, plan: str = "premium", tickets_enabled: bool = True
) -> str:
    name = checked_name(name)
    if plan not in PLANS:
        raise ValueError(f"plan must be one of: {', '.join(PLANS)}")
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
    db: Database, *, workspace_id: str, name: str = "default"
) -> tuple[str, str]:
    """Returns (api_key, prefix). Only the hash is stored; the key is shown once."""
    name = checked_name(name)
    api_key, prefix = ids.api_key()
    async with db.transaction() as conn:
        if not await repository.workspace_exists(conn, workspace_id):
            raise LookupError(f"no workspace {workspace_id}")
        await repository.insert_api_key(
            conn,
            workspace_id=workspace_id,
            name=name,
            prefix=prefix,
            key_hash=hash_key(api_key),
            now=now_ms(),
        )
    return api_key, prefix


async def revoke_api_key(db: Database, cache: WorkspaceCache | None, *, prefix: str) -> bool:
    async with db.transaction() as conn:
        revoked = await repository.revoke_api_key(conn, prefix, now_ms()) > 0
    if cache is not None:
        cache.clear()
    return revoked


async def set_workspace(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    workspace_id: str,
    plan: str | None = None,
    tickets_enabled: bool | None = None,
) -> None:
    values: dict[str, object] = {}
    if plan is not None:
        if plan not in PLANS:
            raise ValueError(f"plan must be one of: {', '.join(PLANS)}")
        values["plan"] = plan
    if tickets_enabled is not None:
        values["tickets_enabled"] = tickets_enabled
    if not values:
        raise ValueError("nothing to change: give --plan, --tickets-enabled or --tickets-disabled")
    async with db.transaction() as conn:
        if await repository.update_workspace(conn, workspace_id, **values) == 0:
            raise LookupError(f"no workspace {workspace_id}")
    if cache is not None:
        cache.clear()


async def apply_config(
    db: Database, cache: WorkspaceCache | None, *, workspace_id: str, config: ConfigFile
) -> None:
    async with db.transaction() as conn:
        if not await repository.workspace_exists(conn, workspace_id):
            raise LookupError(f"no workspace {workspace_id}")
        await repository.replace_config(conn, workspace_id, config, now_ms())
    if cache is not None:
        cache.clear()


async def any_workspace(db: Database) -> bool:
    async with db.connection() as conn:
        return await repository.any_workspace(conn)


async def get_config(db: Database, cache: WorkspaceCache, workspace_id: str) -> WorkspaceConfig:
    config = cache.configs.get(workspace_id)
    if config is None:
        async with db.connection() as conn:
            config = await repository.load_config(conn, workspace_id)
        if config is None:
            raise Unauthorized()
        cache.configs[workspace_id] = config
    return config


async def find_key(db: Database, cache: WorkspaceCache, api_key: str) -> ApiKey | None:
    # Cached by the key itself, so a hit costs no hashing.
    cached = cache.keys.get(api_key, _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    async with db.connection() as conn:
        row = await repository.find_api_key(conn, hash_key(api_key))
    key = None
    if row is not None:
        key = ApiKey(
            id=row["id"],
            workspace_id=row["workspace_id"],
            workspace_name=row["name"],
            prefix=row["prefix"],
            created_at=row["created_at"],
            last_used_at=row["last_used_at"],
        )
    cache.keys[api_key] = key
    return key


async def authenticate(db: Database, cache: WorkspaceCache, api_key: str | None) -> ApiKey:
    if not api_key:
        raise Unauthorized("API key is required: send it in the apikey or x-api-key header")
    key = await find_key(db, cache, api_key)
    if key is None:
        raise Unauthorized("Invalid API key")
    await _record_use(db, cache, key)
    return key


async def _record_use(db: Database, cache: WorkspaceCache, key: ApiKey) -> None:
    """Writes last-used time at most once a minute per key, not on every request."""
    if key.id in cache.touched:
        return
    now = now_ms()
    cache.touched[key.id] = now
    async with db.transaction() as conn:
        await repository.touch_api_key(conn, key.id, now)


def require_tickets(config: WorkspaceConfig, *, enabled: bool = True) -> None:
    if config.workspace.plan not in TICKET_PLANS:
        raise PlanRequired()
    if enabled and not config.workspace.tickets_enabled:
        raise ModuleDisabled()


def slug(name: str) -> str:
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:100]
    return text or "category"


async def add_category(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    workspace_id: str,
    name: str,
    key: str | None = None,
    parent_id: int | None = None,
    department: str | None = None,
) -> dict[str, object]:
    """One more category, without touching the others. `key` (the Series id) defaults to
    a slug of the name; `department` routes the category's tickets there."""
    name = checked_name(name)
    key = key or slug(name)
    if not re.match(KEY_PATTERN, key):
        raise ValueError("key must be 1-100 letters, digits, '.', '_' or '-'")
    async with db.transaction() as conn:
        if not await repository.workspace_exists(conn, workspace_id):
            raise LookupError(f"no workspace {workspace_id}")
        if parent_id is not None and not await repository.category_exists(
            conn, workspace_id, parent_id
        ):
            raise LookupError(f"no category {parent_id} in workspace {workspace_id}")
        category_id = await repository.insert_category(
            conn, workspace_id=workspace_id, key=key, name=name, parent_id=parent_id
        )
        if category_id is None:
            raise ValueError(f"a category with key {key!r} already exists")
        if department is not None and not await repository.route_category(
            conn, workspace_id, category_id, department
        ):
            raise LookupError(f"no department {department!r} in workspace {workspace_id}")
    if cache is not None:
        cache.clear()
    return {
        "id": category_id,
        "key": key,
        "name": name,
        "parentId": parent_id,
        "department": department,
    }
