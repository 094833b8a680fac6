"""People storage: clients found by e-mail, teammates, and lookups by GUID."""

from collections.abc import Sequence

from ticketd.db.database import Connection, Params, Row, Scope, insert_sql, update_in_workspace
from ticketd.people.model import Person

PERSON_COLUMNS = "guid, user_id, username, display_name, avatar_url, email, phone_number, role"


async def upsert_contact(
    scope: Scope,
    *,
    guid: str,
    email: str,
    name: str | None,
    image: str | None,
    phone_number: str | None,
    now: int,
) -> Person:
    """The person with this e-mail (any case), created when new. What is already stored
    wins; a value is only filled in where the stored one is empty."""
    row = await scope.conn.fetchrow(
        "INSERT INTO people (workspace_id, guid, email, email_key, display_name, avatar_url,"
        " phone_number, is_member, created_at) VALUES ($1, $2, $3, $8, $4, $5, $6,"
        " FALSE, $7) ON CONFLICT (workspace_id, email_key) DO UPDATE SET"
        " display_name = COALESCE(people.display_name, excluded.display_name),"
        " avatar_url = COALESCE(people.avatar_url, excluded.avatar_url),"
        " phone_number = COALESCE(people.phone_number, excluded.phone_number)"
        f" RETURNING {PERSON_COLUMNS}",
        scope.workspace_id,
        guid,
        email,
        name,
        image,
        phone_number,
        now,
        email.lower(),
    )
    assert row is not None  # an upsert always returns its row
    return Person.from_row(row)


async def find_matching(
    conn: Connection, workspace_id: str, *, email: str, user_id: int | None
) -> Sequence[Row]:
    return await conn.fetch(
        f"SELECT id, {PERSON_COLUMNS} FROM people WHERE workspace_id = $1"
        " AND (email_key = $2 OR (CAST($3 AS BIGINT) IS NOT NULL AND user_id = $3))",
        workspace_id,
        email.lower(),
        user_id,
    )


async def insert_person(conn: Connection, *, workspace_id: str, **values: object) -> None:
    sql = insert_sql("people", ["workspace_id", *values])
    await conn.execute(sql, workspace_id, *values.values())


async def update_person(
    conn: Connection, workspace_id: str, person_id: int, **values: object
) -> None:
    await update_in_workspace(conn, "people", workspace_id, person_id, values)


async def find_by_guids(scope: Scope, guids: list[str]) -> dict[str, Person]:
    if not guids:
        return {}
    params = Params(scope.workspace_id)
    rows = await scope.conn.fetch(
        f"SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1"
        f" AND guid IN ({params.add_all(guids)})",
        *params.values,
    )
    found = (Person.from_row(r) for r in rows)
    return {p.guid: p for p in found}


async def find_by_email(scope: Scope, email: str) -> Person | None:
    row = await scope.conn.fetchrow(
        f"SELECT {PERSON_COLUMNS} FROM people WHERE workspace_id = $1 AND email_key = $2",
        scope.workspace_id,
        email.lower(),
    )
    return None if row is None else Person.from_row(row)


async def ensure_person_by_user_id(
    conn: Connection, workspace_id: str, *, guid: str, user_id: int, now: int
) -> None:
    """A row for someone known only by Roblox user id (Series staff need none to work
    tickets, but a password hangs off one)."""
    await conn.execute(
        "INSERT INTO people (workspace_id, guid, user_id, is_member, created_at)"
        " VALUES ($1, $2, $3, FALSE, $4) ON CONFLICT (workspace_id, user_id) DO NOTHING",
        workspace_id,
        guid,
        user_id,
        now,
    )


async def set_password_hash(
    conn: Connection, workspace_id: str, guid: str, password_hash: str, now: int
) -> None:
    await conn.execute(
        "INSERT INTO staff_credentials (person_guid, workspace_id, password_hash, changed_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id, person_guid) DO UPDATE"
        " SET password_hash = excluded.password_hash, changed_at = excluded.changed_at",
        guid,
        workspace_id,
        password_hash,
        now,
    )


async def password_hash(conn: Connection, workspace_id: str, guid: str) -> str | None:
    value: str | None = await conn.fetchval(
        "SELECT password_hash FROM staff_credentials WHERE workspace_id = $1 AND person_guid = $2",
        workspace_id,
        guid,
    )
    return value


async def guids_with_password(conn: Connection, workspace_id: str) -> set[str]:
    rows = await conn.fetch(
        "SELECT person_guid FROM staff_credentials WHERE workspace_id = $1", workspace_id
    )
    return {r[0] for r in rows}
