"""Who may use a workspace's tickets: API keys, the cached configuration, and the plan
and module check every request makes, whichever API it comes through."""

from dataclasses import dataclass

from ticketd.db.database import Database
from ticketd.kit import changes
from ticketd.kit.cache import ExpiringCache
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import ModuleDisabled, NotAllowed, PlanRequired, Unauthorized
from ticketd.kit.ids import secret_hash
from ticketd.observe.context import note_workspace
from ticketd.people.actors import Actor, ActorKind
from ticketd.workspaces import repository
from ticketd.workspaces.config import TICKET_PLANS, WorkspaceConfig


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
        self.keys: ExpiringCache[str, ApiKey | None] = ExpiringCache(ttl_seconds)
        self.configs: ExpiringCache[str, WorkspaceConfig | None] = ExpiringCache(ttl_seconds)
        self.touched: ExpiringCache[int, int] = ExpiringCache(self.LAST_USED_INTERVAL_MS / 1000)

    def clear(self) -> None:
        self.keys.clear()
        self.configs.clear()


async def announce_change(cache: WorkspaceCache | None) -> None:
    """After a change to API keys, helpdesk clients or configuration: this process
    forgets what it cached now, and so does every other process Redis links."""
    if cache is not None:
        cache.clear()
    await changes.FEED.announce()


async def get_config(db: Database, cache: WorkspaceCache, workspace_id: str) -> WorkspaceConfig:
    config = await cache.configs.get_or_load(
        workspace_id, lambda: _load_config(db, workspace_id, cache.configs.stale(workspace_id))
    )
    if config is None:
        raise Unauthorized()
    note_workspace(workspace_id)
    return config


async def _load_config(
    db: Database, workspace_id: str, previous: WorkspaceConfig | None
) -> WorkspaceConfig | None:
    """Reloaded once the cached one expires; its members are kept while unchanged."""
    async with db.connection() as conn:
        return await repository.load_config(conn, workspace_id, previous)


def require_tickets(config: WorkspaceConfig, *, enabled: bool = True) -> None:
    if config.workspace.plan not in TICKET_PLANS:
        raise PlanRequired()
    if enabled and not config.workspace.tickets_enabled:
        raise ModuleDisabled()


async def tickets_workspace(
    db: Database, cache: WorkspaceCache, workspace_id: str, *, enabled: bool = True
) -> WorkspaceConfig:
    """The caller's workspace, once its plan includes tickets and (with `enabled`) its
    tickets module is on."""
    config = await get_config(db, cache, workspace_id)
    require_tickets(config, enabled=enabled)
    return config


async def find_key(db: Database, cache: WorkspaceCache, api_key: str) -> ApiKey | None:
    # Cached by the key itself, so a hit costs no hashing.
    return await cache.keys.get_or_load(api_key, lambda: _load_key(db, api_key))


async def _load_key(db: Database, api_key: str) -> ApiKey | None:
    async with db.connection() as conn:
        row = await repository.find_api_key(conn, secret_hash(api_key))
    if row is None:
        return None
    return ApiKey(
        id=row["id"],
        workspace_id=row["workspace_id"],
        workspace_name=row["name"],
        prefix=row["prefix"],
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
    )


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
        await repository.touch_api_key(conn, key.workspace_id, key.id, now)


def ensure_operator(actor: Actor) -> None:
    """Workspaces, plans and API keys are the operator's: whoever runs `ticketd`."""
    if actor.kind is not ActorKind.SYSTEM:
        raise NotAllowed()


def ensure_may_configure(actor: Actor) -> None:
    """Categories, custom fields and teammates are set up by the operator, an
    integration acting for the workspace, or an admin teammate."""
    if actor.kind in (ActorKind.SYSTEM, ActorKind.INTEGRATION):
        return
    if actor.kind is not ActorKind.TEAMMATE or actor.role != "admin":
        raise NotAllowed()
