"""The dashboard in a real browser against a real `ticketd serve`: sign in, find a
ticket created through the Series API in the queue, open it, sign out."""

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.cli import Server, make_workspace
from tests.support.series import ticket_body
from tests.support.servers import run_cli
from ticketd.demo import DEMO_STAFF_ID

pytestmark = pytest.mark.slow
PASSWORD = "correct horse battery staple"


def signed_in_workspace(server: Server) -> tuple[str, str]:
    """A workspace with a staff password and a ticket: (workspace id, ticket code).
    Made in another thread: Playwright's event loop runs in this one."""
    with ThreadPoolExecutor(1) as elsewhere:
        made = elsewhere.submit(make_workspace, server.database_url).result()
    result = run_cli(server.database_url, "staff", "set-password", made.id, "--user-id",
                     str(DEMO_STAFF_ID), "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    created = httpx.post(
        f"{server.url}/tickets/create", headers={"apikey": made.key},
        json=ticket_body(subject="Stuck <b>below</b> the map"),
    )  # fmt: skip
    assert created.status_code == 200, created.text
    return made.id, created.json()["data"]["TicketId"]


def test_sign_in_open_a_ticket_and_sign_out(server: Server, page: Page) -> None:
    workspace_id, code = signed_in_workspace(server)
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
    workspace_id, _ = signed_in_workspace(server)
    page.goto(f"{server.url}/staff/login?workspace={workspace_id}")
    page.get_by_label("E-mail or Roblox user id").fill(str(DEMO_STAFF_ID))
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong login or password.")
