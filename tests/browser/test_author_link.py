"""The author's link in a real browser: its page sends no referrer, so Chromium posts
the reply form with `Origin: null`; the reply must still be accepted as same-origin."""

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.test_dashboard import sign_in, signed_in_workspace
from tests.support.cli import Server
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_ID

pytestmark = pytest.mark.slow


def test_staff_copy_the_link_and_the_author_replies_without_an_account(
    server: Server, browser: Browser
) -> None:
    workspace_id, _, code = signed_in_workspace(server, {**DEMO_CONFIG, "PublicUrl": True})
    staff = browser.new_context().new_page()
    sign_in(staff, server, workspace_id, str(DEMO_STAFF_ID))
    staff.goto(f"{server.url}/staff/tickets/{code}")
    link = staff.locator("#author-link").get_attribute("href")
    assert link is not None and link.startswith(f"{server.url}/t/")

    author = browser.new_context().new_page()  # no cookies: no account
    author.goto(link)
    expect(author.get_by_role("heading", level=1)).to_have_text("Stuck <b>below</b> the map")
    author.get_by_label("Reply").fill("Still under the map, sorry!")
    author.get_by_role("button", name="Send reply").click()
    expect(author.locator("#latest")).to_contain_text("Still under the map, sorry!")
    assert author.url == f"{link}#latest"

    staff.reload()
    expect(staff.locator(".message.author_message").last).to_contain_text("Still under the map")
