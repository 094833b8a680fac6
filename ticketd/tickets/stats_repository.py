"""The statistics' SQL: one statement per figure, whatever the number of tickets. Each
starts from the Scope's workspace and the departments its caller may see (`within`, as
in repository.search)."""

from dataclasses import dataclass

from ticketd.db.database import Params, Scope
from ticketd.tickets.model import OPEN_STATUSES, TicketQuery
from ticketd.tickets.repository import where_clause

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Window:
    """Tickets created from `since` (inclusive) to `until` (exclusive), in ms."""

    since: int
    until: int

    def query(self) -> TicketQuery:
        return TicketQuery(created_from=self.since, created_to=self.until - 1)


@dataclass(frozen=True, slots=True)
class TimesRow:
    """One department's tickets in the window ("created"), or the nearest-rank median
    and 90th percentile of the durations of one measure ("response", "resolution")."""

    measure: str
    department_key: str | None
    count: int
    median_ms: int | None  # None for "created"
    p90_ms: int | None


async def open_counts(
    scope: Scope, within: tuple[str, ...] | None
) -> list[tuple[str | None, str, int]]:
    """(department, status, tickets) of the open tickets, whenever created."""
    params = Params()
    clause = await where_clause(scope, TicketQuery(statuses=tuple(OPEN_STATUSES)), within, params)
    rows = await scope.conn.fetch(
        f"SELECT department_key, status, COUNT(*) FROM tickets WHERE {clause}"
        " GROUP BY department_key, status",
        *params.values,
    )
    return [(r[0], r[1], int(r[2])) for r in rows]


async def created_per_day(
    scope: Scope, within: tuple[str, ...] | None, window: Window
) -> dict[int, int]:
    """Tickets created per day of the window, by the day's number from 0 (days without
    any are left out)."""
    params = Params()
    clause = await where_clause(scope, window.query(), within, params)
    since = params.add(window.since)
    rows = await scope.conn.fetch(
        f"SELECT (created_at - CAST({since} AS BIGINT)) / {DAY_MS}, COUNT(*) FROM tickets"
        f" WHERE {clause} GROUP BY 1",
        *params.values,
    )
    return {int(r[0]): int(r[1]) for r in rows}


async def department_times(
    scope: Scope, within: tuple[str, ...] | None, window: Window
) -> list[TimesRow]:
    """Per department, the window's tickets, and the spread of the first-response and
    resolution times of those that have one. Ranked in SQL, so only the answer leaves
    the database: the nearest-rank percentile p of n durations is the one at place
    ceil(p * n), the first place with place >= p * n."""
    params = Params()
    clause = await where_clause(scope, window.query(), within, params)
    rows = await scope.conn.fetch(
        "WITH recent AS (SELECT department_key, created_at, first_response_at,"
        f" first_resolved_at FROM tickets WHERE {clause}),"
        " durations AS ("
        " SELECT 'response' AS measure, department_key, first_response_at - created_at AS ms"
        " FROM recent WHERE first_response_at IS NOT NULL"
        " UNION ALL SELECT 'resolution', department_key, first_resolved_at - created_at"
        " FROM recent WHERE first_resolved_at IS NOT NULL),"
        " ranked AS (SELECT measure, department_key, ms,"
        " ROW_NUMBER() OVER (PARTITION BY measure, department_key ORDER BY ms) AS place,"
        " COUNT(*) OVER (PARTITION BY measure, department_key) AS n FROM durations)"
        " SELECT measure, department_key, n, MIN(CASE WHEN place * 2 >= n THEN ms END),"
        " MIN(CASE WHEN place * 10 >= n * 9 THEN ms END)"
        " FROM ranked GROUP BY measure, department_key, n"
        " UNION ALL SELECT 'created', department_key, COUNT(*), NULL, NULL"
        " FROM recent GROUP BY department_key",
        *params.values,
    )
    return [TimesRow(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


async def busiest_categories(
    scope: Scope, within: tuple[str, ...] | None, window: Window, limit: int
) -> list[tuple[str | None, int]]:
    """(category, tickets created in the window), the most first; ties by key."""
    params = Params()
    clause = await where_clause(scope, window.query(), within, params)
    rows = await scope.conn.fetch(
        f"SELECT category_key, COUNT(*) AS created FROM tickets WHERE {clause}"
        f" GROUP BY category_key ORDER BY created DESC, COALESCE(category_key, '')"
        f" LIMIT {params.add(limit)}",
        *params.values,
    )
    return [(r[0], int(r[1])) for r in rows]
