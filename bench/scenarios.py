"""What each benchmark scenario sends: request lines for bench/wrk/requests.lua
(METHOD, TAB, PATH, TAB, BODY; "%N%" is a counter) and the headers to send with them."""

import json
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from floor_app import floor_code

# Connections in flight at once stay far below this, so a claim's ticket is claimed
# before its reply goes out, and replied to before it is unclaimed (claim_reply).
CLAIM_LAG = 64
HELPDESK_MAX_SKIP = 1_000_000  # the helpdesk API's own limit


@dataclass
class Facts:
    """A loaded workspace as the scenarios need it."""

    series_key: str
    create_category: str
    department: str
    staff_user_id: int
    helpdesk_category_id: int
    rare_word: str
    common_word: str
    codes: list[str]  # tickets to get, in random order
    claim_pool: list[str]  # open, unclaimed, not game reports: claimed and let go in turn
    last_page: int = 1
    bearer: str = ""  # a helpdesk access token, taken once the server runs
    staff_cookie: str = ""  # a signed-in dashboard session ("name=value")
    tag: str = ""  # a tag on many tickets
    helpdesk_prefix: str = "/helpdesk"
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    name: str
    lines: list[str]
    headers: dict[str, str]
    writes: bool  # changes the database: runs after every reading scenario

    def header_text(self) -> str:
        return "|".join(f"{name}: {value}" for name, value in self.headers.items())


def line(method: str, path: str, body: object = None) -> str:
    text = "" if body is None else json.dumps(body, separators=(",", ":"))
    return f"{method}\t{path}\t{text}"


def series_body(category: str) -> dict[str, object]:
    """The README's create body; the author's id changes with every request."""
    return {
        "subject": "Help with ranking",
        "category": category,
        "message": "I need help getting ranked in the group",
        "priority": "medium",
        "authorUserId": "AUTHOR",
        "authorUsername": "player123",
        "authorDisplayName": "Player Name",
        "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
    }


def with_counter(text: str) -> str:
    """A distinct author per request: 9%N% is 91, 92, … as a JSON number."""
    return text.replace('"AUTHOR"', "9%N%")


def series_create(facts: Facts, game_report: bool = False) -> Scenario:
    body = series_body(facts.create_category)
    path = "/tickets/create"
    if game_report:
        body |= {"placeId": "1818", "serverId": "server-%N%"}
        path = "/tickets/create-game-report"
    name = "series_game_report" if game_report else "series_create"
    return Scenario(name, [with_counter(line("POST", path, body))], _series(facts), writes=True)


def series_reads(facts: Facts) -> list[Scenario]:
    def listing(name: str, query: str) -> Scenario:
        return Scenario(name, [line("GET", f"/tickets/list?{query}")], _series(facts), False)

    gets = [line("GET", f"/tickets/get/{quote(code)}") for code in facts.codes]
    return [
        Scenario("series_get", gets, _series(facts), writes=False),
        listing("series_list", "page=1"),
        listing("series_list_last_page", f"page={facts.last_page}"),
        listing("series_department", f"department={quote(facts.department)}"),
        listing("series_search_rare", f"search={quote(facts.rare_word)}"),
        listing("series_search_common", f"search={quote(facts.common_word)}"),
    ]


def claim_reply(facts: Facts) -> Scenario:
    """Claim a ticket, reply to the one claimed CLAIM_LAG steps before, let go of the
    one claimed twice as long ago. The first 2 × CLAIM_LAG tickets of the pool must be
    claimed beforehand (see `pre_claimed`); the lines then repeat without a conflict."""
    pool, staff = facts.claim_pool, facts.staff_user_id
    if len(pool) < 4 * CLAIM_LAG:
        raise ValueError(f"claim_reply needs {4 * CLAIM_LAG} open unclaimed tickets")
    lines = []
    for step in range(2 * CLAIM_LAG, 2 * CLAIM_LAG + len(pool)):
        claimed, replied, released = (
            pool[(step - lag) % len(pool)] for lag in (0, CLAIM_LAG, 2 * CLAIM_LAG)
        )
        lines.append(line("POST", f"/tickets/{quote(claimed)}/claim", {"staffUserId": staff}))
        reply = {"content": "Looking into it now.", "staffUserId": staff}
        lines.append(line("POST", f"/tickets/{quote(replied)}/reply", reply))
        lines.append(line("POST", f"/tickets/{quote(released)}/unclaim", {"staffUserId": staff}))
    return Scenario("claim_reply", lines, _series(facts), writes=True)


def pre_claimed(facts: Facts) -> list[str]:
    return facts.claim_pool[: 2 * CLAIM_LAG]


def helpdesk_create(facts: Facts) -> Scenario:
    body = {
        "title": "New car price list.",
        "categoryId": facts.helpdesk_category_id,
        "message": "How can I get a price list?",
        "creator": {"name": "Bill Smith", "email": "bill_%N%@example.com"},
        "sentiment": "question",
    }
    path = f"{facts.helpdesk_prefix}/tickets"
    return Scenario("helpdesk_create", [line("POST", path, body)], _helpdesk(facts), writes=True)


def helpdesk_lists(facts: Facts) -> list[Scenario]:
    """The first page, and a page near the end (skip: the Series list's length)."""
    path = f"{facts.helpdesk_prefix}/tickets/list"
    deep = {"skip": min(max(0, facts.last_page * 10 - 50), HELPDESK_MAX_SKIP), "take": 25}
    return [
        Scenario("helpdesk_list", [line("POST", path, {"take": 25})], _helpdesk(facts), False),
        Scenario("helpdesk_list_deep", [line("POST", path, deep)], _helpdesk(facts), False),
    ]


def dashboard_reads(facts: Facts) -> list[Scenario]:
    """The staff dashboard as a signed-in admin sees it: the queue of active tickets, a
    department, a busy tag and both search words over every status (tickets and their
    messages), the live-update poll every open queue makes, and ticket pages."""
    headers = {"Cookie": facts.staff_cookie}

    def view(name: str, query: dict[str, str]) -> Scenario:
        return Scenario(name, [line("GET", f"/staff/?{urlencode(query)}")], headers, False)

    every = {"status": "all"}
    pages = [line("GET", f"/staff/tickets/{quote(code)}") for code in facts.codes[:1000]]
    return [
        Scenario("dashboard_queue", [line("GET", "/staff/")], headers, writes=False),
        view("dashboard_department", every | {"department": facts.department}),
        view("dashboard_tag", every | {"tag": facts.tag}),
        view("dashboard_search_rare", every | {"q": facts.rare_word}),
        view("dashboard_search_common", every | {"q": facts.common_word}),
        Scenario("dashboard_poll", [line("GET", "/staff/queue-state")], headers, writes=False),
        Scenario("dashboard_ticket", pages, headers, writes=False),
    ]


def ticketd_scenarios(facts: Facts) -> list[Scenario]:
    """Every ticketd scenario, the reading ones first."""
    return [
        *series_reads(facts),
        *helpdesk_lists(facts),
        *dashboard_reads(facts),
        series_create(facts),
        series_create(facts, game_report=True),
        claim_reply(facts),
        helpdesk_create(facts),
    ]


def floor_scenarios(category: str, ticket_count: int) -> list[Scenario]:
    gets = [line("GET", f"/tickets/get/{floor_code(n)}") for n in range(1, ticket_count + 1, 7)]
    create = with_counter(line("POST", "/tickets/create", series_body(category)))
    headers = {"Content-Type": "application/json"}
    return [
        Scenario("series_get", gets, headers, writes=False),
        Scenario("series_create", [create], headers, writes=True),
    ]


def _series(facts: Facts) -> dict[str, str]:
    return {"Content-Type": "application/json", "apikey": facts.series_key}


def _helpdesk(facts: Facts) -> dict[str, str]:
    return {"Content-Type": "application/json", "Authorization": f"Bearer {facts.bearer}"}
