"""The queue's filters, read from the URL (so a view can be bookmarked and shared) into
the core's TicketQuery."""

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from ticketd.people.actors import Actor
from ticketd.tickets.model import OPEN_STATUSES, PRIORITIES, Status, TicketOrder, TicketQuery
from ticketd.workspaces.config import WorkspaceConfig

PAGE_SIZE = 25
COUNT_LIMIT = 1000  # totals and counts per status stop here ("1,000+"): cheap at any size
# A search's counts stop sooner: a common word is counted by testing tickets one by one,
# and counting every tab to 1,000 took 110 ms at a million tickets, to 100 under 10 ms.
SEARCH_COUNT_LIMIT = 100
STATUS_FILTERS: dict[str, tuple[Status, ...]] = {
    "active": tuple(sorted(OPEN_STATUSES)),  # open and in progress: what needs work
    **{s.value: (s,) for s in Status},
    "all": (),
}
HOLDERS = ("anyone", "me", "nobody")
ORDERS = {
    "activity": TicketOrder.LATEST_ACTIVITY_FIRST,
    "newest": TicketOrder.NEWEST_FIRST,
    "oldest": TicketOrder.OLDEST_FIRST,
}


@dataclass(frozen=True, slots=True)
class Filters:
    status: str = "active"
    department: str = ""
    category: str = ""
    priority: str = ""
    held_by: str = "anyone"
    game_reports: bool = False
    tag: str = ""
    text: str = ""
    order: str = "activity"
    page: int = 1

    @classmethod
    def read(cls, params: QueryParams, config: WorkspaceConfig) -> "Filters":
        """Unknown values fall back to the defaults: a stale bookmark still opens."""
        return cls(
            status=_one_of(params.get("status"), STATUS_FILTERS, "active"),
            department=_one_of(params.get("department"), config.departments, ""),
            category=_one_of(params.get("category"), config.categories, ""),
            priority=_one_of(params.get("priority"), PRIORITIES, ""),
            held_by=_one_of(params.get("held_by"), HOLDERS, "anyone"),
            game_reports=params.get("game_reports") == "1",
            tag=_text(params.get("tag", "")),
            text=_text(params.get("q", "")),
            order=_one_of(params.get("order"), ORDERS, "activity"),
            page=_page(params.get("page", "1")),
        )

    def query(self, actor: Actor) -> TicketQuery:
        return TicketQuery(
            statuses=STATUS_FILTERS[self.status],
            department=self.department or None,
            category=self.category or None,
            priorities=(self.priority,) if self.priority else (),
            assignee_guid=actor.guid if self.held_by == "me" else None,
            unassigned=self.held_by == "nobody",
            game_reports=self.game_reports,
            text=self.text or None,
            text_in_messages=True,
            tag=self.tag or None,
            visible_to=actor,
            order=ORDERS[self.order],
            offset=(self.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
            count_total=True,
            count_limit=self.count_limit,
        )

    @property
    def count_limit(self) -> int:
        return SEARCH_COUNT_LIMIT if self.text else COUNT_LIMIT

    def url(self, **changes: object) -> str:
        """This view's query string with `changes`, leaving out defaults."""
        values = {**self._values(), **changes}
        defaults = Filters()._values()
        return "?" + urlencode({k: v for k, v in values.items() if v != defaults[k]})

    def _values(self) -> dict[str, object]:
        return {
            "status": self.status, "department": self.department, "category": self.category,
            "priority": self.priority, "held_by": self.held_by,
            "game_reports": "1" if self.game_reports else "", "tag": self.tag,
            "q": self.text,
            "order": self.order, "page": self.page,
        }  # fmt: skip


def tab_counts(by_status: dict[str, int]) -> dict[str, int]:
    """The count of each status tab (one status, or several)."""
    return {
        tab: sum(by_status.get(s, 0) for s in statuses or Status)
        for tab, statuses in STATUS_FILTERS.items()
    }


def shown_count(n: int, limit: int = COUNT_LIMIT) -> str:
    """A count as shown: "1,000+" once it reaches the point where counting stops."""
    return f"{limit:,}+" if n >= limit else f"{n:,}"


def _page(raw: str) -> int:
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else 0
    return number if number > 0 else 1


def _text(value: str) -> str:
    """A filter's text on one line, without NUL (which PostgreSQL text cannot hold)."""
    return " ".join(value.replace("\x00", "").split())[:100]


def _one_of(value: str | None, allowed: object, default: str) -> str:
    return value if value is not None and value in allowed else default  # type: ignore[operator]
