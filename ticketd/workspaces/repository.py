"""Workspace, API-key and configuration storage. Every statement names its workspace."""

from collections.abc import Sequence
from typing import Any

import orjson

from ticketd.db import numbers
from ticketd.db.database import Connection, Row, update_by_id
from ticketd.kit.errors import WorkspaceNotFound
from ticketd.kit.ids import user_guid
from ticketd.workspaces.config import (
    DEFAULT_DISCORD_EVENTS,
    KEEP,
    Category,
    CategorySettings,
    CustomField,
    Department,
    DepartmentSettings,
    Member,
    Teammate,
    Workspace,
    WorkspaceConfig,
    WorkspaceSettings,
)


async def insert_workspace(
    conn: Connection, *, id: str, name: str, plan: str, tickets_enabled: bool, now: int
) -> None:
    await conn.execute(
        "INSERT INTO workspaces (id, name, plan, tickets_enabled, public_url,"
        " discord_webhook_enabled, created_at) VALUES ($1, $2, $3, $4, FALSE, FALSE, $5)",
        id,
        name,
        plan,
        tickets_enabled,
        now,
    )


async def require_workspace(conn: Connection, workspace_id: str) -> None:
    """WorkspaceNotFound unless the workspace exists: what setup commands check first."""
    if await conn.fetchval("SELECT 1 FROM workspaces WHERE id = $1", workspace_id) is None:
        raise WorkspaceNotFound(workspace_id)


async def any_workspace(conn: Connection) -> bool:
    return await conn.fetchval("SELECT 1 FROM workspaces LIMIT 1") is not None


async def workspace_named(conn: Connection, name: str) -> bool:
    return await conn.fetchval("SELECT 1 FROM workspaces WHERE name = $1 LIMIT 1", name) is not None


WORKSPACE_SUMMARY = "id, name, plan, tickets_enabled, public_url, created_at"


async def list_workspaces(conn: Connection) -> Sequence[Row]:
    return await conn.fetch(f"SELECT {WORKSPACE_SUMMARY} FROM workspaces ORDER BY created_at, id")


async def find_workspace(conn: Connection, workspace_id: str) -> Row | None:
    return await conn.fetchrow(
        f"SELECT {WORKSPACE_SUMMARY} FROM workspaces WHERE id = $1", workspace_id
    )


async def update_workspace(conn: Connection, workspace_id: str, **values: Any) -> int:
    return await update_by_id(conn, "workspaces", workspace_id, values)


async def insert_api_key(
    conn: Connection, *, workspace_id: str, name: str, prefix: str, key_hash: str, now: int
) -> None:
    await conn.execute(
        "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        workspace_id,
        name,
        prefix,
        key_hash,
        now,
    )


async def find_api_key(conn: Connection, key_hash: str) -> Row | None:
    # By hash alone: the key is how a request's workspace is found.
    return await conn.fetchrow(
        "SELECT k.id, k.workspace_id, k.prefix, k.created_at, k.last_used_at, w.name"
        " FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id"
        " WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
        key_hash,
    )


async def api_keys_of(conn: Connection, workspace_id: str) -> Sequence[Row]:
    # Never the hash: nothing that lists keys needs it.
    return await conn.fetch(
        "SELECT prefix, name, created_at, last_used_at, revoked_at FROM api_keys"
        " WHERE workspace_id = $1 ORDER BY id",
        workspace_id,
    )


async def revoke_api_key(conn: Connection, prefix: str, now: int) -> int:
    # By prefix alone, as the operator names it (prefixes are unique).
    return await conn.execute(
        "UPDATE api_keys SET revoked_at = $2 WHERE prefix = $1 AND revoked_at IS NULL",
        prefix,
        now,
    )


async def touch_api_key(conn: Connection, workspace_id: str, key_id: int, now: int) -> None:
    await conn.execute(
        "UPDATE api_keys SET last_used_at = $3 WHERE workspace_id = $1 AND id = $2",
        workspace_id,
        key_id,
        now,
    )


async def load_config(
    conn: Connection, workspace_id: str, previous: WorkspaceConfig | None = None
) -> WorkspaceConfig | None:
    """The workspace's configuration; its members taken from `previous` (the same
    workspace's, read earlier) while they have not changed since."""
    w = await conn.fetchrow("SELECT * FROM workspaces WHERE id = $1", workspace_id)
    if w is None:
        return None
    workspace = Workspace(
        id=w["id"],
        name=w["name"],
        plan=w["plan"],
        tickets_enabled=bool(w["tickets_enabled"]),
        public_url=bool(w["public_url"]),
        discord_webhook_url=w["discord_webhook_url"],
        discord_webhook_enabled=bool(w["discord_webhook_enabled"]),
        discord_webhook_ping=w["discord_webhook_ping"],
        discord_events=tuple(orjson.loads(w["discord_events"]))
        if w["discord_events"] is not None
        else DEFAULT_DISCORD_EVENTS,
        discord_webhook_disabled=await conn.fetchval(
            "SELECT disabled_reason FROM delivery_destinations"
            " WHERE channel = 'discord' AND destination = $1",
            w["discord_webhook_url"],
        )
        if w["discord_webhook_url"]
        else None,
    )
    links = await conn.fetch(
        "SELECT d.key AS department, c.key AS category FROM department_categories dc"
        " JOIN departments d ON d.workspace_id = dc.workspace_id AND d.id = dc.department_id"
        " JOIN categories c ON c.workspace_id = dc.workspace_id AND c.id = dc.category_id"
        " WHERE dc.workspace_id = $1 ORDER BY d.position, dc.position",
        workspace_id,
    )
    staff = await conn.fetch(
        "SELECT d.key, m.user_id FROM department_members m"
        " JOIN departments d ON d.workspace_id = m.workspace_id AND d.id = m.department_id"
        " WHERE m.workspace_id = $1",
        workspace_id,
    )
    category_rows = await conn.fetch(
        "SELECT * FROM categories WHERE workspace_id = $1 ORDER BY position", workspace_id
    )
    category_numbers = {r["id"]: r["number"] for r in category_rows}
    categories = {
        r["key"]: Category(
            id=r["id"],
            number=r["number"],
            key=r["key"],
            name=r["name"],
            membership_required=bool(r["membership_required"]),
            min_rank=r["min_rank"],
            max_open_tickets=r["max_open_tickets"] or None,
            departments=tuple(link["department"] for link in links if link["category"] == r["key"]),
            parent_number=category_numbers.get(r["parent_id"]),
        )
        for r in category_rows
    }
    departments = {
        r["key"]: Department(
            id=r["id"],
            number=r["number"],
            key=r["key"],
            name=r["name"],
            members=frozenset(s["user_id"] for s in staff if s["key"] == r["key"]),
            from_rank=r["from_rank"],
            to_rank=r["to_rank"],
            categories=tuple(link["category"] for link in links if link["department"] == r["key"]),
            discord_webhook_url=r["discord_webhook_url"],
        )
        for r in await conn.fetch(
            "SELECT * FROM departments WHERE workspace_id = $1 ORDER BY position", workspace_id
        )
    }
    members_version = w["members_version"]
    if previous is not None and previous.members_version == members_version:
        members = previous.members
    else:
        members = await _load_members(conn, workspace_id)
    teammates = {
        r["guid"]: Teammate(
            guid=r["guid"],
            name=r["display_name"] or r["email"],
            email=r["email"],
            role=r["role"],
            user_id=r["user_id"],
            avatar_url=r["avatar_url"],
        )
        for r in await conn.fetch(
            "SELECT * FROM people WHERE workspace_id = $1 AND role IS NOT NULL ORDER BY id",
            workspace_id,
        )
    }
    fields = {
        r["id"]: CustomField(
            id=r["id"],
            number=r["number"],
            name=r["name"],
            type=r["type"],
            options=tuple(orjson.loads(r["options"] or "[]")),
        )
        for r in await conn.fetch(
            "SELECT * FROM custom_fields WHERE workspace_id = $1 ORDER BY id", workspace_id
        )
    }
    return WorkspaceConfig(
        workspace, categories, departments, members, teammates, fields, members_version
    )


async def _load_members(conn: Connection, workspace_id: str) -> dict[int, Member]:
    """Every member, by Roblox user id: thousands in a large community (2,000 took
    ~5 ms, most of a configuration's load)."""
    return {
        r["user_id"]: Member(
            user_id=r["user_id"],
            username=r["username"],
            display_name=r["display_name"],
            avatar_url=r["avatar_url"],
            rank=r["rank"],
        )
        for r in await conn.fetch(
            "SELECT * FROM people WHERE workspace_id = $1 AND is_member AND user_id IS NOT NULL",
            workspace_id,
        )
    }


async def replace_config(
    conn: Connection, workspace_id: str, settings: WorkspaceSettings, now: int
) -> None:
    """Upsert categories and departments by key (so their integer ids stay stable),
    delete the ones no longer named, and rebuild the links."""
    webhook: dict[str, object] = {}
    if settings.discord_webhook_url is not KEEP:
        webhook["discord_webhook_url"] = settings.discord_webhook_url
    await update_workspace(
        conn,
        workspace_id,
        tickets_enabled=settings.tickets_enabled,
        public_url=settings.public_url,
        discord_webhook_enabled=settings.discord_webhook_enabled,
        discord_webhook_ping=settings.discord_webhook_ping,
        discord_events=orjson.dumps(settings.discord_events).decode(),
        **webhook,
    )
    category_ids = await _replace_categories(conn, workspace_id, settings.categories)
    await _recount_open_tickets(conn, workspace_id, settings.categories)
    await _replace_departments(conn, workspace_id, settings.departments, category_ids)
    if settings.members is not KEEP:
        await _replace_members(conn, workspace_id, settings.members, now)


async def _replace_categories(
    conn: Connection, workspace_id: str, categories: tuple[CategorySettings, ...]
) -> dict[str, int]:
    ids: dict[str, int] = {}
    number = await _numbers_by_key(conn, "categories", workspace_id, [c.key for c in categories])
    for position, c in enumerate(categories):
        ids[c.key] = await conn.fetchval(
            "INSERT INTO categories (workspace_id, key, name, membership_required, min_rank,"
            " max_open_tickets, position, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (workspace_id, key) DO UPDATE SET name = excluded.name,"
            " membership_required = excluded.membership_required,"
            " min_rank = excluded.min_rank, max_open_tickets = excluded.max_open_tickets,"
            " position = excluded.position RETURNING id",
            workspace_id,
            c.key,
            c.name,
            c.membership_required,
            c.min_rank,
            c.max_open_tickets,
            position,
            number[c.key],
        )
    await _delete_missing(conn, "categories", workspace_id, list(ids.values()))
    return ids


async def _recount_open_tickets(
    conn: Connection, workspace_id: str, categories: tuple[CategorySettings, ...]
) -> None:
    """Open-ticket counters exist for limited categories only; rebuilt from the tickets
    so that a limit added to a category with open tickets counts them."""
    await conn.execute("DELETE FROM open_ticket_counts WHERE workspace_id = $1", workspace_id)
    for category in categories:
        if category.max_open_tickets:
            await conn.execute(
                "INSERT INTO open_ticket_counts (workspace_id, category_key, author_guid,"
                " open_count) SELECT workspace_id, category_key, author_guid, COUNT(*)"
                " FROM tickets WHERE workspace_id = $1 AND category_key = $2"
                " AND status IN ('open', 'in-progress')"
                " GROUP BY workspace_id, category_key, author_guid",
                workspace_id,
                category.key,
            )


async def _replace_departments(
    conn: Connection,
    workspace_id: str,
    departments: tuple[DepartmentSettings, ...],
    category_ids: dict[str, int],
) -> None:
    kept: list[int] = []
    number = await _numbers_by_key(conn, "departments", workspace_id, [d.key for d in departments])
    for position, d in enumerate(departments):
        dept_id = await conn.fetchval(
            "INSERT INTO departments (workspace_id, key, name, from_rank, to_rank, position,"
            " discord_webhook_url, number) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (workspace_id, key) DO UPDATE SET name = excluded.name,"
            " from_rank = excluded.from_rank, to_rank = excluded.to_rank,"
            " position = excluded.position, discord_webhook_url = excluded.discord_webhook_url"
            " RETURNING id",
            workspace_id,
            d.key,
            d.name,
            d.from_rank,
            d.to_rank,
            position,
            d.discord_webhook_url,
            number[d.key],
        )
        kept.append(dept_id)
        await _replace_department_links(conn, workspace_id, dept_id, d, category_ids)
    await _delete_missing(conn, "departments", workspace_id, kept)


async def _replace_department_links(
    conn: Connection,
    workspace_id: str,
    dept_id: int,
    department: DepartmentSettings,
    category_ids: dict[str, int],
) -> None:
    for table in ("department_members", "department_categories"):
        await conn.execute(
            f"DELETE FROM {table} WHERE workspace_id = $1 AND department_id = $2",
            workspace_id,
            dept_id,
        )
    if department.members:
        await conn.executemany(
            "INSERT INTO department_members (workspace_id, department_id, user_id)"
            " VALUES ($1, $2, $3)",
            [(workspace_id, dept_id, user_id) for user_id in dict.fromkeys(department.members)],
        )
    if department.categories:
        await conn.executemany(
            "INSERT INTO department_categories (workspace_id, department_id, category_id,"
            " position) VALUES ($1, $2, $3, $4)",
            [
                (workspace_id, dept_id, category_ids[c], i)
                for i, c in enumerate(dict.fromkeys(department.categories))
            ],
        )


async def _numbers_by_key(
    conn: Connection, table: str, workspace_id: str, keys: list[str]
) -> dict[str, int]:
    """The number of each of `keys` in `table`: its own if stored, else a new one."""
    rows = await conn.fetch(
        f"SELECT key, number FROM {table} WHERE workspace_id = $1", workspace_id
    )
    found = {r["key"]: r["number"] for r in rows}
    new = [k for k in dict.fromkeys(keys) if k not in found]
    if new:
        first = await numbers.take(conn, workspace_id, table, len(new))
        found.update((key, first + i) for i, key in enumerate(new))
    return found


async def _delete_missing(conn: Connection, table: str, workspace_id: str, kept: list[int]) -> None:
    rows = await conn.fetch(f"SELECT id FROM {table} WHERE workspace_id = $1", workspace_id)
    keep = set(kept)
    gone = [r["id"] for r in rows if r["id"] not in keep]
    for row_id in gone:
        await conn.execute(
            f"DELETE FROM {table} WHERE workspace_id = $1 AND id = $2", workspace_id, row_id
        )


async def _replace_members(
    conn: Connection, workspace_id: str, members: tuple[Member, ...], now: int
) -> None:
    await conn.execute("UPDATE people SET is_member = FALSE WHERE workspace_id = $1", workspace_id)
    await conn.executemany(
        "INSERT INTO people (workspace_id, user_id, username, display_name, avatar_url, rank,"
        " is_member, created_at, guid) VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8)"
        " ON CONFLICT (workspace_id, user_id) DO UPDATE SET username = excluded.username,"
        " display_name = excluded.display_name, avatar_url = excluded.avatar_url,"
        " rank = excluded.rank, is_member = TRUE",
        [
            (
                workspace_id,
                m.user_id,
                m.username,
                m.display_name,
                m.avatar_url,
                m.rank,
                now,
                user_guid(workspace_id, m.user_id),
            )
            for m in members
        ],
    )


async def insert_category(
    conn: Connection, *, workspace_id: str, key: str, name: str, parent_id: int | None
) -> tuple[int, int] | None:
    """The new category's id and number, or None when the key is taken."""
    number = await numbers.take(conn, workspace_id, "categories")
    row = await conn.fetchrow(
        "INSERT INTO categories (workspace_id, key, name, parent_id, membership_required,"
        " min_rank, position, number) SELECT CAST($1 AS VARCHAR), $2, $3, CAST($4 AS BIGINT),"
        " FALSE, 0, COALESCE(MAX(position), -1) + 1, CAST($5 AS BIGINT) FROM categories"
        " WHERE workspace_id = $1 ON CONFLICT (workspace_id, key) DO NOTHING RETURNING id",
        workspace_id,
        key,
        name,
        parent_id,
        number,
    )
    return None if row is None else (row[0], number)


async def numbered_category(conn: Connection, workspace_id: str, number: int) -> int | None:
    """The row id of the workspace's category with this number."""
    found: int | None = await conn.fetchval(
        "SELECT id FROM categories WHERE workspace_id = $1 AND number = $2", workspace_id, number
    )
    return found


async def route_category(
    conn: Connection, workspace_id: str, category_id: int, department_key: str
) -> bool:
    """Adds the category to the department's list; False if there is no such department."""
    changed = await conn.execute(
        "INSERT INTO department_categories (workspace_id, department_id, category_id, position)"
        " SELECT d.workspace_id, d.id, CAST($3 AS BIGINT), (SELECT COALESCE(MAX(position), -1)"
        " + 1 FROM department_categories WHERE workspace_id = $1 AND department_id = d.id)"
        " FROM departments d WHERE d.workspace_id = $1 AND d.key = $2",
        workspace_id,
        department_key,
        category_id,
    )
    return changed == 1
