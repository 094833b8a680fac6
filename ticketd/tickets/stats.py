"""Statistics for team leads: the open tickets, the tickets created per day and in which
categories, and how long first responses and resolutions take, per department. Over
one workspace, limited to the departments the Actor may see (as ticket searches are),
in four SQL statements whatever the number of tickets."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from ticketd.db.database import Database, Scope
from ticketd.kit.clock import now_ms
from ticketd.people.actors import Actor
from ticketd.tickets import rules, stats_repository
from ticketd.tickets.model import OPEN_STATUSES, Status
from ticketd.tickets.stats_repository import DAY_MS, TimesRow, Window
from ticketd.workspaces.config import WorkspaceConfig

WINDOW_DAYS = 30  # today (UTC) and the 29 days before
TOP_CATEGORIES = 8
# Open statuses in the order a ticket goes through them.
OPEN_ORDER = tuple(s for s in Status if s in OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class Spread:
    """Nearest-rank median and 90th percentile of `count` durations, in ms."""

    count: int
    median_ms: int
    p90_ms: int


@dataclass(frozen=True, slots=True)
class DepartmentOpen:
    department_key: str | None  # None: tickets of no department
    by_status: dict[Status, int]  # every open status, zero included

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True, slots=True)
class DepartmentTimes:
    """Over the window's tickets of one department: from creation to the first staff
    reply, and to the first move to a closed status (kept when reopened)."""

    department_key: str | None
    created: int  # the window's tickets; the spreads count those that have the time
    first_response: Spread | None  # None: no ticket has one yet
    resolution: Spread | None


@dataclass(frozen=True, slots=True)
class DayCount:
    day: int  # the UTC day's start, in ms
    created: int


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category_key: str | None  # None: uncategorised
    created: int


@dataclass(slots=True)
class Overview:
    window: Window
    open_tickets: list[DepartmentOpen] = field(default_factory=list)
    created_per_day: list[DayCount] = field(default_factory=list)
    times: list[DepartmentTimes] = field(default_factory=list)
    busiest_categories: list[CategoryCount] = field(default_factory=list)


def window_ending(now: int) -> Window:
    """The WINDOW_DAYS whole UTC days up to and including the one holding `now`."""
    tomorrow = now - now % DAY_MS + DAY_MS
    return Window(tomorrow - WINDOW_DAYS * DAY_MS, tomorrow)


async def overview(db: Database, config: WorkspaceConfig, actor: Actor) -> Overview:
    window = window_ending(now_ms())
    sees_any, within = rules.visibility(actor)
    if not sees_any:
        return Overview(window, created_per_day=_every_day(window, {}))
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        open_rows = await stats_repository.open_counts(scope, within)
        per_day = await stats_repository.created_per_day(scope, within, window)
        times = await stats_repository.department_times(scope, within, window)
        top = await stats_repository.busiest_categories(scope, within, window, TOP_CATEGORIES)
    return Overview(
        window,
        open_tickets=_open_by_department(config, open_rows),
        created_per_day=_every_day(window, per_day),
        times=_times_by_department(config, times),
        busiest_categories=[CategoryCount(key, n) for key, n in top],
    )


def _every_day(window: Window, counts: dict[int, int]) -> list[DayCount]:
    """One entry per day of the window, oldest first; days without tickets count 0."""
    return [
        DayCount(window.since + n * DAY_MS, counts.get(n, 0))
        for n in range((window.until - window.since) // DAY_MS)
    ]


def _open_by_department(
    config: WorkspaceConfig, rows: list[tuple[str | None, str, int]]
) -> list[DepartmentOpen]:
    counts: dict[str | None, dict[Status, int]] = {}
    for department, status, n in rows:
        counts.setdefault(department, dict.fromkeys(OPEN_ORDER, 0))[Status(status)] = n
    return [DepartmentOpen(key, counts[key]) for key in department_order(config, counts)]


def _times_by_department(config: WorkspaceConfig, rows: list[TimesRow]) -> list[DepartmentTimes]:
    created = {r.department_key: r.count for r in rows if r.measure == "created"}
    spreads: dict[tuple[str, str | None], Spread] = {
        (r.measure, r.department_key): Spread(r.count, r.median_ms, r.p90_ms)
        for r in rows
        if r.median_ms is not None and r.p90_ms is not None
    }
    return [
        DepartmentTimes(
            key, created[key], spreads.get(("response", key)), spreads.get(("resolution", key))
        )
        for key in department_order(config, created)
    ]


def department_order(config: WorkspaceConfig, keys: Iterable[str | None]) -> list[str | None]:
    """The workspace's departments in its order, then tickets of no department, then
    departments no longer configured (by key)."""
    present = set(keys)
    known = [key for key in config.departments if key in present]
    gone = sorted(key for key in present if key is not None and key not in config.departments)
    return [*known, *([None] if None in present else []), *gone]
