"""The statistics page: its figures for a seeded set of tickets with known times, who sees
which departments, its statement count, and that names are shown as text."""

import copy
import re
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from tests.staff.test_sign_in import PASSWORD, sign_in
from tests.support.series import create_ticket
from tests.support.statements import StatementCounter
from tests.support.workspaces import Workspace
from ticketd.app import Services
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_ID
from ticketd.kit.clock import now_ms
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM, member, staff_member, teammate_by_email
from ticketd.tickets import stats
from ticketd.tickets.model import Status
from ticketd.tickets.stats import CategoryCount, DepartmentOpen, DepartmentTimes, Spread
from ticketd.workspaces.access import get_config

pytestmark = pytest.mark.anyio
MINUTE, HOUR, DAY = 60_000, 3_600_000, 86_400_000
TODAY = int(datetime(2030, 3, 15, tzinfo=UTC).timestamp() * 1000)  # a UTC midnight
NOW = TODAY + 15 * HOUR


@dataclass(frozen=True)
class Seed:
    department: str | None
    category: str
    status: str
    created: int
    responded_after: int | None = None
    resolved_after: int | None = None


SUPPORT, MODERATION = "support-dept", "moderation-dept"
SEEDS = [
    Seed(SUPPORT, "support", "resolved", TODAY + 10 * HOUR, 10 * MINUTE, 2 * HOUR),
    Seed(SUPPORT, "support", "in-progress", TODAY - DAY, 30 * MINUTE),
    Seed(SUPPORT, "support", "closed", TODAY - DAY + HOUR, 60 * MINUTE, 5 * HOUR),
    Seed(SUPPORT, "support", "open", TODAY - 3 * DAY),
    Seed(SUPPORT, "support", "open", TODAY - 29 * DAY, 20 * MINUTE),  # the window's first day
    Seed(SUPPORT, "support", "open", TODAY - 29 * DAY - MINUTE, MINUTE),  # just before it
    Seed(MODERATION, "reports", "in-progress", TODAY + HOUR, 5 * MINUTE),
    Seed(MODERATION, "reports", "open", TODAY - 2 * DAY),
    Seed(None, "support", "open", TODAY + 2 * HOUR),
]


@pytest.fixture
def fixed_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "now_ms", lambda: NOW)


async def seed(services: Services, ws: Workspace, seeds: list[Seed]) -> None:
    """Tickets created through the API, then given the seed's department and times."""
    for n, s in enumerate(seeds):
        made = await create_ticket(
            ws.client, subject=f"Seeded {n}", category=s.category, authorUserId=5000 + n
        )
        responded = None if s.responded_after is None else s.created + s.responded_after
        resolved = None if s.resolved_after is None else s.created + s.resolved_after
        async with services.db.transaction() as conn:
            await conn.execute(
                "UPDATE tickets SET department_key = $1, status = $2, created_at = $3,"
                " first_response_at = $4, first_resolved_at = $5"
                " WHERE workspace_id = $6 AND code = $7",
                s.department, s.status, s.created, responded, resolved, ws.id,
                made["TicketId"],
            )  # fmt: skip


async def staff_signed_in(client: httpx.AsyncClient, services: Services, ws: Workspace) -> None:
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                   password=PASSWORD, user_id=DEMO_STAFF_ID)  # fmt: skip
    answer = await sign_in(client, str(DEMO_STAFF_ID), PASSWORD, ws.id)
    assert answer.status_code == 303, answer.text


async def overview_for_staff(services: Services, ws: Workspace) -> stats.Overview:
    config = await get_config(services.db, services.cache, ws.id)
    return await stats.overview(services.db, config, staff_member(config, DEMO_STAFF_ID))


def open_counts(open_: int, in_progress: int) -> dict[Status, int]:
    return {Status.OPEN: open_, Status.IN_PROGRESS: in_progress}


async def test_figures_for_tickets_with_known_times(
    services: Services, ws: Workspace, fixed_now: None
) -> None:
    await seed(services, ws, SEEDS)
    found = await overview_for_staff(services, ws)

    assert (found.window.since, found.window.until) == (TODAY - 29 * DAY, TODAY + DAY)
    assert found.open_tickets == [
        DepartmentOpen(SUPPORT, open_counts(3, 1)),  # open ones of any age count
        DepartmentOpen(MODERATION, open_counts(1, 1)),
        DepartmentOpen(None, open_counts(1, 0)),
    ]
    per_day = {d.day: d.created for d in found.created_per_day}
    assert len(per_day) == 30 and min(per_day) == TODAY - 29 * DAY and max(per_day) == TODAY
    assert {day: n for day, n in per_day.items() if n} == {
        TODAY: 3, TODAY - DAY: 2, TODAY - 2 * DAY: 1, TODAY - 3 * DAY: 1, TODAY - 29 * DAY: 1,
    }  # fmt: skip
    # Support's first responses: 10, 20, 30 and 60 min (the one-minute answer is older).
    # Nearest rank: the median is the 2nd of 4, the 90th percentile the 4th.
    assert found.times == [
        DepartmentTimes(
            SUPPORT, 5, Spread(4, 20 * MINUTE, 60 * MINUTE), Spread(2, 2 * HOUR, 5 * HOUR)
        ),
        DepartmentTimes(MODERATION, 2, Spread(1, 5 * MINUTE, 5 * MINUTE), None),
        DepartmentTimes(None, 1, None, None),
    ]
    assert found.busiest_categories == [CategoryCount("support", 6), CategoryCount("reports", 2)]


async def test_percentiles_take_the_nearest_rank_of_ten_durations(
    services: Services, ws: Workspace, fixed_now: None
) -> None:
    minutes = [7, 1, 9, 3, 10, 2, 8, 4, 6, 5]  # 1…10, shuffled
    await seed(services, ws, [
        Seed(SUPPORT, "support", "open", TODAY + n * MINUTE, m * MINUTE)
        for n, m in enumerate(minutes)
    ])  # fmt: skip
    [support] = (await overview_for_staff(services, ws)).times
    assert support.first_response == Spread(10, 5 * MINUTE, 9 * MINUTE)


async def test_the_page_draws_the_figures_and_links_from_every_page(
    client: httpx.AsyncClient, services: Services, ws: Workspace, fixed_now: None
) -> None:
    await seed(services, ws, SEEDS)
    await staff_signed_in(client, services, ws)
    page = await client.get("/staff/stats")
    assert page.status_code == 200
    html = page.text
    assert "style=" not in html and "<script" not in html  # the CSP allows neither
    assert 'href="/staff/stats" aria-current="page"' in html
    assert 'href="/staff/stats"' in (await client.get("/staff/")).text
    assert "9 tickets" not in html and "8 tickets; the busiest day was Fri 15 Mar with 3" in html
    assert len(re.findall(r'<rect class="fill-day"', html)) == 5  # one per day with tickets
    times = table(html, "times")
    assert times[0] == ["Support", "5", "20 min", "1 h 0 min", "4", "2 h 0 min", "5 h 0 min", "2"]
    assert times[1] == ["Moderation", "2", "5 min", "5 min", "1", "none yet"]
    assert times[2] == ["No department", "1", "none yet", "none yet"]
    assert table(html, "open-tickets") == [
        ["Support", "3", "1", "4"], ["Moderation", "1", "1", "2"],
        ["No department", "1", "0", "1"],
    ]  # fmt: skip
    assert table(html, "categories") == [["Support", "6"], ["Player Reports", "2"]]


def table(html: str, table_id: str) -> list[list[str]]:
    """The text of each body row's cells."""
    found = re.search(rf'<table class="stats" id="{table_id}">.*?<tbody>(.*?)</tbody>', html, re.S)
    assert found is not None, html
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


async def test_department_staff_see_only_their_departments_and_those_of_none(
    client: httpx.AsyncClient, services: Services, ws: Workspace, fixed_now: None
) -> None:
    departments = copy.deepcopy(DEMO_CONFIG["Departments"])
    departments[SUPPORT]["Members"] = []
    departments[SUPPORT]["RankRange"] = None
    await ws.configure(Departments=departments)
    await seed(services, ws, SEEDS)
    found = await overview_for_staff(services, ws)
    assert [d.department_key for d in found.open_tickets] == [MODERATION, None]
    assert [t.department_key for t in found.times] == [MODERATION, None]
    assert sum(d.created for d in found.created_per_day) == 3
    assert found.busiest_categories == [CategoryCount("reports", 2), CategoryCount("support", 1)]
    await staff_signed_in(client, services, ws)
    html = (await client.get("/staff/stats")).text
    assert [row[0] for row in table(html, "open-tickets")] == ["Moderation", "No department"]


async def test_admins_see_every_department_and_members_none(
    services: Services, ws: Workspace, fixed_now: None
) -> None:
    await people.add_teammate(services.db, services.cache, actor=SYSTEM, workspace_id=ws.id,
                              name="Ada Admin", email="ada@example.com", role="admin")  # fmt: skip
    await seed(services, ws, SEEDS)
    config = await get_config(services.db, services.cache, ws.id)
    admin = teammate_by_email(config, "ada@example.com")
    assert admin is not None
    found = await stats.overview(services.db, config, admin)
    assert [d.department_key for d in found.open_tickets] == [SUPPORT, MODERATION, None]
    assert sum(d.created for d in found.created_per_day) == 8
    nobody = await stats.overview(services.db, config, member(config, 5000))
    assert (nobody.open_tickets, nobody.times, nobody.busiest_categories) == ([], [], [])
    assert [d.created for d in nobody.created_per_day] == [0] * 30


async def test_a_page_without_tickets_says_what_to_do(
    client: httpx.AsyncClient, services: Services, ws: Workspace
) -> None:
    await staff_signed_in(client, services, ws)
    html = (await client.get("/staff/stats")).text
    assert html.count("No tickets in the last 30 days") == 3
    assert "No open tickets in the departments you see" in html


async def test_without_a_session_the_page_sends_you_to_sign_in(client: httpx.AsyncClient) -> None:
    answer = await client.get("/staff/stats")
    assert (answer.status_code, answer.headers["location"]) == (
        303,
        "/staff/login?next=%2Fstaff%2Fstats",
    )


async def test_department_and_category_names_are_shown_as_text(
    client: httpx.AsyncClient, services: Services, ws: Workspace
) -> None:
    attack = "<script>alert(1)</script>"
    categories = copy.deepcopy(DEMO_CONFIG["Categories"])
    categories["support"]["Name"] = attack
    departments = copy.deepcopy(DEMO_CONFIG["Departments"])
    departments[SUPPORT]["Name"] = '<img src=x onerror="alert(2)">'
    await ws.configure(Categories=categories, Departments=departments)
    await create_ticket(ws.client, subject="Escaping")
    await staff_signed_in(client, services, ws)
    html = (await client.get("/staff/stats")).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(2)&#34;&gt;" in html


async def test_the_page_runs_the_same_statements_for_1_or_30_tickets(
    client: httpx.AsyncClient, services: Services, ws: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    await create_ticket(ws.client, subject="First")
    await staff_signed_in(client, services, ws)
    await client.get("/staff/stats")  # settles the session's last-seen write
    counter = StatementCounter(monkeypatch)
    with_one = await counter.measure(client.get("/staff/stats"))
    now = now_ms() - 1
    await seed(services, ws, [
        Seed((SUPPORT, MODERATION, None)[n % 3], ("support", "reports")[n % 2],
             ("open", "in-progress", "resolved", "closed")[n % 4],
             now - (n % 10) * DAY, n * MINUTE, n * HOUR)
        for n in range(29)
    ])  # fmt: skip
    assert await counter.measure(client.get("/staff/stats")) == with_one
    assert with_one == 6  # docs/dashboard.md lists them
