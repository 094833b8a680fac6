"""The dashboard in a real browser against a real `ticketd serve`: sign in, find a
ticket created through the Series API in the queue, open it, sign out."""

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.cli import Server, make_workspace
from tests.support.series import HOSTILE_AVATAR, ticket_body
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
    expect(page).to_have_url(f"{server.url}/staff/login?next=%2Fstaff%2F")


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


def test_repeated_wrong_passwords_lock_the_account_with_a_clear_message(
    server: Server, page: Page
) -> None:
    locked_staff = 556  # its own account: the module's other tests sign in as the demo staff
    config = copy.deepcopy(DEMO_CONFIG)
    config["Departments"]["support-dept"]["Members"].append(locked_staff)
    workspace_id, _, _ = signed_in_workspace(server, config, extra_staff=locked_staff)
    page.goto(f"{server.url}/staff/login?workspace={workspace_id}")
    for attempt in range(6):
        page.get_by_label("E-mail or Roblox user id").fill(str(locked_staff))
        page.get_by_label("Password").fill(PASSWORD if attempt == 5 else f"wrong {attempt}")
        page.get_by_role("button", name="Sign in").click()
        expected = "Too many failed sign-ins" if attempt == 5 else "Wrong login or password."
        expect(page.get_by_role("alert")).to_contain_text(expected)
    expect(page).to_have_url(f"{server.url}/staff/login")  # even the right password waits


def test_queue_filters_and_search_are_set_in_the_page_and_kept_in_the_url(
    server: Server, page: Page
) -> None:
    workspace_id, key, first = signed_in_workspace(server)
    for subject, priority in (("Lag in the lobby", "high"), ("Lost my pet", "low")):
        created = httpx.post(f"{server.url}/tickets/create", headers={"apikey": key},
                             json=ticket_body(subject=subject, priority=priority))  # fmt: skip
        assert created.status_code == 200, created.text
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    rows = page.get_by_role("row").filter(has=page.get_by_role("link"))
    expect(rows).to_have_count(3)

    page.get_by_role("searchbox", name="Search").fill("lobby")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lag in the lobby")
    assert "q=lobby" in page.url

    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_label("Priority").select_option("low")
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lost my pet")
    bookmarked = page.url
    page.goto(f"{server.url}/staff/")
    page.goto(bookmarked)  # the view comes back from its URL alone
    expect(rows).to_have_count(1)
    expect(page.get_by_label("Priority")).to_have_value("low")

    page.goto(f"{server.url}/staff/")
    page.keyboard.press("j")  # keyboard: the first ticket, then open it
    page.keyboard.press("Enter")
    expect(page.locator("#ticket")).to_be_visible()
    page.keyboard.press("c")
    expect(page.locator("#claimed-by")).to_have_text("Staff Member")
    assert first  # the oldest ticket is last in the view, so the first row is a new one


XSS = '<img src=x onerror="window.xss=1"><script>window.xss=1</script>'


def hostile_helpdesk_ticket(server: Server, workspace_id: str) -> None:
    """Every text a helpdesk integration sends, carrying markup that would run."""
    client = run_cli(server.database_url, "token", "create", workspace_id, "--name", "x", "--json")
    field = run_cli(server.database_url, "field", "add", workspace_id, "--name", "Town",
                    "--type", "text", "--json")  # fmt: skip
    assert client.returncode == 0 and field.returncode == 0, client.stderr + field.stderr
    credentials, field_id = json.loads(client.stdout), json.loads(field.stdout)["id"]
    token = httpx.post(f"{server.url}/helpdesk/token", data={
        "grant_type": "refresh_token", "refresh_token": credentials["refreshToken"],
        "client_id": credentials["clientId"],
    })  # fmt: skip
    assert token.status_code == 200, token.text
    created = httpx.post(
        f"{server.url}/helpdesk/tickets",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
        json={
            "title": "Helpdesk " + XSS, "message": XSS + "<a href='javascript:window.xss=1'>x</a>",
            "creator": {"name": XSS[:60], "email": "mallory@example.com"},
            "tags": ["<b>t</b>"], "customFields": [{"id": field_id, "value": XSS}],
            "attachments": [{"url": "https://example.com/a.png", "name": XSS[:40]}],
        },
    )  # fmt: skip
    assert created.status_code == 200, created.text


def test_markup_sent_through_either_api_never_runs_in_the_dashboard(
    server: Server, page: Page
) -> None:
    workspace_id, key, _ = signed_in_workspace(server)
    series = httpx.post(f"{server.url}/tickets/create", headers={"apikey": key}, json=ticket_body(
        subject="Series " + XSS, message=XSS, authorDisplayName=XSS[:60],
        authorAvatarUrl=HOSTILE_AVATAR,
    ))  # fmt: skip
    assert series.status_code == 200, series.text
    hostile_helpdesk_ticket(server, workspace_id)
    blocked: list[str] = []  # a CSP report means markup reached the page as markup
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)
    page.on("dialog", lambda d: blocked.append(d.message))
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    links = page.get_by_role("link", name="TICKET-")
    codes = [links.nth(i).inner_text() for i in range(links.count())]
    assert len(codes) == 3
    for url in ["/staff/", *(f"/staff/tickets/{c}" for c in codes)]:
        page.goto(server.url + url)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert (
            page.locator(
                "main img[src='x'], main script, main a[href^='javascript'], main [onload]"
            ).count()
            == 0
        )
        assert page.evaluate("window.xss") is None
    page.goto(f"{server.url}/staff/?status=all&q=Series")
    expect(page.get_by_role("row").filter(has_text="Series <img")).to_have_count(1)
    assert blocked == []


def test_every_page_fits_a_phone_screen(server: Server, browser: Browser) -> None:
    workspace_id, _, code = signed_in_workspace(server)
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()
    sign_in(page, server, workspace_id, str(DEMO_STAFF_ID))
    for path in ("/staff/", f"/staff/tickets/{code}", "/staff/stats"):
        page.goto(server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        wide = page.evaluate("""[...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > 376)
            .map(e => e.tagName + '.' + e.className).slice(0, 5)""")
        assert width <= 375, f"{path} is {width} px wide: {wide}"
    context.close()
