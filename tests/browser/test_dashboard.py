"""The dashboard in a real browser against a real `ticketd serve`: sign in, find a
ticket created through the Series API in the queue, open it, sign out."""

import copy
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.cli import Server, make_workspace
from tests.support.series import ticket_body
from tests.support.servers import run_cli
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_ID

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"
OTHER_STAFF = 555


class Prepared(NamedTuple):
    workspace_id: str
    key: str  # its Series API key
    code: str  # a ticket's TicketId


def signed_in_workspace(
    server: Server, config: dict[str, Any] = DEMO_CONFIG, extra_staff: int | None = None
) -> Prepared:
    """A workspace with staff passwords and a ticket. Made in another thread:
    Playwright's event loop runs in this one."""
    with ThreadPoolExecutor(1) as elsewhere:
        made = elsewhere.submit(make_workspace, server.database_url, config=config).result()
    for user_id in (DEMO_STAFF_ID, extra_staff):
        if user_id is not None:
            result = run_cli(server.database_url, "staff", "set-password", made.id,
                             "--user-id", str(user_id), "--password-stdin",
                             input=PASSWORD + "\n")  # fmt: skip
            assert result.returncode == 0, result.stderr
    created = httpx.post(
        f"{server.url}/tickets/create", headers={"apikey": made.key},
        json=ticket_body(subject="Stuck <b>below</b> the map"),
    )  # fmt: skip
    assert created.status_code == 200, created.text
    return Prepared(made.id, made.key, created.json()["data"]["TicketId"])


def test_sign_in_open_a_ticket_and_sign_out(server: Server, page: Page) -> None:
    workspace_id, _, code = signed_in_workspace(server)
    page.goto(f"{server.url}/staff/login?workspace={workspace_id}")
    page.get_by_label("E-mail or Roblox user id").fill(str(DEMO_STAFF_ID))
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(f"{server.url}/staff/")
    row = page.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("Stuck <b>below</b> the map")  # shown as text
    row.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Stuck <b>below</b> the map")

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{server.url}/staff/login")
    page.goto(f"{server.url}/staff/")
    expect(page).to_have_url(f"{server.url}/staff/login")


def test_a_wrong_password_says_so_in_the_page(server: Server, page: Page) -> None:
    workspace_id, _, _ = signed_in_workspace(server)
    page.goto(f"{server.url}/staff/login?workspace={workspace_id}")
    page.get_by_label("E-mail or Roblox user id").fill(str(DEMO_STAFF_ID))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")


def sign_in(page: Page, server: Server, workspace_id: str, login: str) -> None:
    page.goto(f"{server.url}/staff/login?workspace={workspace_id}")
    page.get_by_label("E-mail or Roblox user id").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/staff/")


def test_claim_reply_and_close_in_the_browser(server: Server, page: Page) -> None:
    workspace_id, _, code = signed_in_workspace(server)
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    page.goto(f"{server.url}/staff/tickets/{code}")
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#claimed-by")).to_have_text("Staff Member")
    page.get_by_label("Reply to the author").fill("Try rejoining now.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator(".message.staff_message")).to_contain_text("Try rejoining now.")
    page.get_by_label("Status").select_option("closed")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator(".facts .badge").first).to_have_text("closed")


def test_two_staff_race_to_claim_and_exactly_one_wins(server: Server, browser: Browser) -> None:
    config = copy.deepcopy(DEMO_CONFIG)
    config["Departments"]["support-dept"]["Members"].append(OTHER_STAFF)
    workspace_id, _, code = signed_in_workspace(server, config, extra_staff=OTHER_STAFF)
    pages = []
    for login in (str(DEMO_STAFF_ID), str(OTHER_STAFF)):
        page = browser.new_context().new_page()
        sign_in(page, server, workspace_id, login)
        page.goto(f"{server.url}/staff/tickets/{code}")
        pages.append(page)
    for page in pages:  # both pages show Claim; both click it
        page.get_by_role("button", name="Claim").click()
    outcomes = [p.get_by_role("alert").count() for p in pages]
    assert sorted(outcomes) == [0, 1]  # exactly one was refused
    loser = pages[outcomes.index(1)]
    expect(loser.get_by_role("alert")).to_have_text("Ticket already claimed")
    winner_name = "Staff Member" if outcomes[0] == 0 else f"User {OTHER_STAFF}"
    expect(loser.locator("#claimed-by")).to_have_text(winner_name)


def test_a_new_ticket_appears_in_the_queue_without_a_reload(server: Server, page: Page) -> None:
    workspace_id, key, _ = signed_in_workspace(server)
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    expect(page).to_have_title("(1) Queue · ticketd")
    created = httpx.post(f"{server.url}/tickets/create", headers={"apikey": key},
                         json=ticket_body(subject="Arrived while watching"))  # fmt: skip
    assert created.status_code == 200, created.text
    expect(page.get_by_role("row").filter(has_text="Arrived while watching")).to_be_visible(
        timeout=10_000
    )
    expect(page).to_have_title("(2) Queue · ticketd")


def test_the_transcript_downloads_as_one_html_file(server: Server, page: Page) -> None:
    workspace_id, _, code = signed_in_workspace(server)
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    page.goto(f"{server.url}/staff/tickets/{code}")
    with page.expect_download() as arriving:
        page.get_by_role("link", name="Download transcript").click()
    download = arriving.value
    assert download.suggested_filename == f"{code}.html"
    content = Path(download.path()).read_text()
    assert "Stuck &lt;b&gt;below&lt;/b&gt; the map" in content and "<script" not in content
