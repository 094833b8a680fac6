"""The screenshots in docs/screenshots/ (shown in the README), made from a realistic
workspace in a real browser: the queue, a ticket page and the statistics page. Each
page is checked for what the picture is meant to show before it is taken.

The suite writes them to a temporary directory; to refresh the committed ones:
    TICKETD_SCREENSHOTS_DIR=docs/screenshots .venv/bin/pytest tests/browser/test_screenshots.py
"""

import os
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import PASSWORD, sign_in
from tests.support.cli import Made, Server, make_workspace
from tests.support.series import ticket_body
from tests.support.servers import run_cli, running_servers
from ticketd.demo import DEMO_STAFF_ID

pytestmark = pytest.mark.slow
DAY = 86_400_000
TICKETS = [  # subject, category, priority, author, days ago, what staff did
    ("Can't join the private server", "support", "high", "NovaBuilds", 0, "claimed"),
    ("Purchased VIP but no perks", "support", "urgent", "kairo_07", 1, "replied"),
    ("Rank not updated after promotion", "support", "medium", "MapleLeafy", 2, "resolved"),
    ("Trade scam in the market district", "reports", "high", "Quinnith", 3, ""),
    ("Lost my pet after the update", "support", "low", "sunny_dune", 5, "closed"),
    ("Voice chat cuts out in lobby", "support", "medium", "Brickwell", 8, ""),
    ("Exploiter flying near spawn", "reports", "urgent", "ObbyQueen", 12, "closed"),
    ("Badge not awarded for event", "support", "low", "tomtom_rbx", 17, "resolved"),
    ("Group payout missing", "support", "high", "PixelMarrow", 23, "replied"),
]


@pytest.fixture(scope="module")
def sqlite_server(sqlite_url: str) -> Iterator[Server]:
    with running_servers(sqlite_url, 1, TICKETD_CACHE_TTL_SECONDS="0") as [url]:
        yield Server(sqlite_url, url)


def populate(server: Server) -> tuple[str, str]:
    """A workspace whose tickets were opened over three weeks and worked by staff;
    returns its id and the code of the ticket to show."""
    made = make_workspace(server.database_url)
    result = run_cli(server.database_url, "staff", "set-password", made.id, "--user-id",
                     str(DEMO_STAFF_ID), "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    codes = [work_ticket(server, made, n, *spec) for n, spec in enumerate(TICKETS)]
    age_tickets(server.database_url, made.id, codes)
    return made.id, codes[1]


def work_ticket(server: Server, made: Made, n: int, subject: str, category: str, priority: str,
                author: str, days_ago: int, done: str) -> str:  # fmt: skip
    del days_ago
    with httpx.Client(base_url=server.url, headers={"apikey": made.key}) as api:
        return work_with(api, n, subject, category, priority, author, done)


def work_with(api: httpx.Client, n: int, subject: str, category: str, priority: str,
              author: str, done: str) -> str:  # fmt: skip
    body = ticket_body(subject=subject, category=category, priority=priority,
                       authorUserId=1000 + n, authorUsername=author, authorDisplayName=author,
                       message=f"Hi! {subject}. It started yesterday evening.")  # fmt: skip
    if category == "reports":
        answer = api.post("/tickets/create-game-report", json={**body, "placeId": "4924922222",
                          "serverId": "8b1f2c3d-4e5f-4a6b-9c7d-0e1f2a3b4c5d"})  # fmt: skip
    else:
        answer = api.post("/tickets/create", json=body)
    assert answer.status_code == 200, answer.text
    code = answer.json()["data"]["TicketId"]
    staff = {"staffUserId": DEMO_STAFF_ID}
    if done:
        assert api.post(f"/tickets/{code}/claim", json=staff).status_code == 200
    if done in ("replied", "resolved", "closed") and category != "reports":
        reply = "Thanks for the report! Could you send your order id from the receipt?"
        answered = api.post(f"/tickets/{code}/reply", json={**staff, "content": reply})
        assert answered.status_code == 200, answered.text
        member = {"authorUserId": 1000 + n, "content": "Sure, it is R-88213. Thanks!"}
        assert api.post(f"/tickets/{code}/reply-member", json=member).status_code == 200
    if done in ("resolved", "closed"):
        changed = api.post(f"/tickets/{code}/status", json={**staff, "status": done})
        assert changed.status_code == 200, changed.text
    return code


def age_tickets(database_url: str, workspace_id: str, codes: list[str]) -> None:
    """Moves each ticket and its messages back by its age, as if opened that day; no
    avatars (this machine cannot load Roblox's)."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as db:
        for code, spec in zip(codes, TICKETS, strict=True):
            shift = spec[4] * DAY + 3_600_000 * (len(spec[0]) % 7)
            db.execute(
                "UPDATE tickets SET created_at = created_at - ?,"
                " first_response_at = first_response_at - ? + 2400000,"
                " first_resolved_at = first_resolved_at - ? + 16000000,"
                " closed_at = closed_at - ? + 16000000, last_thread_at = last_thread_at - ?,"
                " author_avatar_url = NULL"
                " WHERE workspace_id = ? AND code = ?",
                (shift, shift, shift, shift, shift, workspace_id, code),
            )
            db.execute(
                "UPDATE messages SET created_at = created_at - ? WHERE ticket_id ="
                " (SELECT id FROM tickets WHERE code = ?)",
                (shift, code),
            )


def test_screenshots_of_the_queue_a_ticket_and_the_statistics(
    sqlite_server: Server, page: Page, tmp_path: Path
) -> None:
    with ThreadPoolExecutor(1) as elsewhere:
        workspace_id, code = elsewhere.submit(populate, sqlite_server).result()
    shots = Path(os.environ.get("TICKETD_SCREENSHOTS_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 860})
    sign_in(page, sqlite_server, workspace_id, str(DEMO_STAFF_ID))

    page.goto(f"{sqlite_server.url}/staff/?status=all")
    expect(page.get_by_role("row").filter(has=page.get_by_role("link"))).to_have_count(9)
    page.screenshot(path=shots / "queue.png")

    page.goto(f"{sqlite_server.url}/staff/tickets/{code}")
    csrf = page.locator("input[name=csrf]").first.input_value()
    noted = page.request.post(f"{sqlite_server.url}/staff/tickets/{code}/note", form={
        "csrf": csrf, "text": "Checked the payment log: the VIP pass went through."})  # fmt: skip
    assert noted.ok
    page.goto(f"{sqlite_server.url}/staff/tickets/{code}")
    expect(page.locator(".message.internal_note")).to_have_count(1)
    page.screenshot(path=shots / "ticket.png", full_page=True)

    page.goto(f"{sqlite_server.url}/staff/stats")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=shots / "stats.png", full_page=True)
