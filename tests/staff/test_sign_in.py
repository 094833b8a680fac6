"""The dashboard's sign-in, sessions and queue, through the real app in process (the
browser tests come with the rest of the dashboard)."""

import copy
import json
import re

import httpx
import pytest

from tests.support.series import HOSTILE_AVATAR, ticket_body
from tests.support.statements import StatementCounter
from tests.support.workspaces import Workspace, new_workspace
from ticketd.app import Services
from ticketd.demo import DEMO_CONFIG, DEMO_STAFF_EMAIL, DEMO_STAFF_ID
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM
from ticketd.staff.sessions import ACCOUNT_LIMIT

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery staple"


@pytest.fixture
async def staff_password(services: Services, ws: Workspace) -> str:
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                   password=PASSWORD, user_id=DEMO_STAFF_ID)  # fmt: skip
    return PASSWORD


async def sign_in(
    client: httpx.AsyncClient, login: str, password: str, workspace: str = ""
) -> httpx.Response:
    data = {"login": login, "password": password, "workspace": workspace}
    return await client.post("/staff/login", data=data)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


async def test_staff_sign_in_and_see_their_queue(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    await ws.client.post("/tickets/create", json=ticket_body(subject="Cannot rank up"))
    answer = await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)
    assert answer.status_code == 303 and answer.headers["location"] == "/staff/"
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/staff" in cookie
    queue = await client.get("/staff/")
    assert queue.status_code == 200
    assert "Cannot rank up" in queue.text and "Staff Member" in queue.text


async def test_pages_carry_a_strict_content_security_policy(client: httpx.AsyncClient) -> None:
    answer = await client.get("/staff/login")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert answer.headers["x-frame-options"] == "DENY"
    assert "<script" not in answer.text and "style=" not in answer.text


async def test_without_a_session_every_page_sends_you_to_sign_in_and_back(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    for path, back in (
        ("/staff/?tag=vip", "%2Fstaff%2F%3Ftag%3Dvip"),
        ("/staff/tickets/TICKET-1700000000-ABCD", "%2Fstaff%2Ftickets%2FTICKET-1700000000-ABCD"),
    ):
        answer = await client.get(path)
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            f"/staff/login?next={back}",
        )
    form = await client.get("/staff/login?next=%2Fstaff%2F%3Ftag%3Dvip")
    assert (
        "Sign in to continue." in form.text and 'name="next" value="/staff/?tag=vip"' in form.text
    )
    data = {"login": str(DEMO_STAFF_ID), "password": staff_password, "workspace": ws.id}
    back = await client.post("/staff/login", data={**data, "next": "/staff/?tag=vip"})
    assert back.headers["location"] == "/staff/?tag=vip"
    for elsewhere in ("https://evil.example/", "//evil.example/staff/", "/staff/\\evil"):
        client.cookies.clear()
        answer = await client.post("/staff/login", data={**data, "next": elsewhere})
        assert answer.headers["location"] == "/staff/", elsewhere


async def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_account(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    login = f"{DEMO_STAFF_ID}"
    for _ in range(ACCOUNT_LIMIT):
        refused = await sign_in(client, login, "not the password", ws.id)
        assert refused.status_code == 401 and "Wrong login or password." in refused.text
    locked = await sign_in(client, login, staff_password, ws.id)  # even the right one, for now
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account" in locked.text
    assert "ticketd_staff" not in locked.headers.get("set-cookie", "")


async def test_the_lock_holds_the_person_whichever_login_was_tried(
    client: httpx.AsyncClient, services: Services, ws: Workspace, staff_password: str
) -> None:
    await people.add_teammate(services.db, None, actor=SYSTEM, workspace_id=ws.id,
                              name="Staff Member", email=DEMO_STAFF_EMAIL, role="admin",
                              user_id=DEMO_STAFF_ID)  # the same person, by e-mail  # fmt: skip
    for _ in range(ACCOUNT_LIMIT):
        refused = await sign_in(client, DEMO_STAFF_EMAIL.upper(), "not the password", ws.id)
        assert refused.status_code == 401
    by_user_id = await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)
    assert by_user_id.status_code == 429, by_user_id.text


async def test_an_unknown_login_is_refused_like_a_wrong_password(
    client: httpx.AsyncClient,
) -> None:
    refused = await sign_in(client, "nobody@example.com", PASSWORD)
    assert refused.status_code == 401 and "Wrong login or password." in refused.text


async def test_signing_out_ends_the_session_on_the_server(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)
    token = client.cookies["ticketd_staff"]
    queue = await client.get("/staff/")
    out = await client.post("/staff/logout", data={"csrf": csrf_of(queue.text)})
    assert out.status_code == 303
    client.cookies.set("ticketd_staff", token, path="/staff")  # a copy of the old cookie
    assert (await client.get("/staff/")).status_code == 303


async def test_signing_out_needs_the_pages_csrf_token(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)
    token = client.cookies["ticketd_staff"]
    await client.post("/staff/logout", data={"csrf": "forged"})
    client.cookies.set("ticketd_staff", token, path="/staff")
    assert (await client.get("/staff/")).status_code == 200  # still signed in


async def test_a_cross_site_sign_in_post_is_refused(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    answer = await client.post(
        "/staff/login", data={"login": str(DEMO_STAFF_ID), "password": staff_password},
        headers={"origin": "https://evil.example"},
    )  # fmt: skip
    assert answer.status_code == 403 and "ticketd_staff" not in answer.headers.get("set-cookie", "")


async def test_ticket_text_is_shown_as_text(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    created = await ws.client.post(
        "/tickets/create",
        json=ticket_body(subject=attack, message=attack, authorAvatarUrl=HOSTILE_AVATAR),
    )
    assert created.status_code == 200, created.text
    code = created.json()["data"]["TicketId"]
    await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)
    for path in ("/staff/", f"/staff/tickets/{code}"):
        page = await client.get(path)
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "<svg/onload" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "javascript:" not in page.text


async def test_a_teammate_signs_in_by_email_and_sees_the_ticket_page(
    client: httpx.AsyncClient, services: Services, ws: Workspace
) -> None:
    await people.add_teammate(services.db, None, actor=SYSTEM, workspace_id=ws.id,
                              name="Rita Reader", email="rita@example.com",
                              role="read_only_user")  # fmt: skip
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                   password=PASSWORD, email="rita@example.com")  # fmt: skip
    created = await ws.client.post("/tickets/create", json=ticket_body(subject="Lost items"))
    code = created.json()["data"]["TicketId"]
    assert (await sign_in(client, "RITA@example.com", PASSWORD, ws.id)).status_code == 303
    page = await client.get(f"/staff/tickets/{code}")
    assert page.status_code == 200 and "Lost items" in page.text and "Rita Reader" in page.text


async def test_staff_of_two_workspaces_sign_in_to_the_one_named(
    client: httpx.AsyncClient, services: Services, ws: Workspace, staff_password: str
) -> None:
    other = await new_workspace(services, client)
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=other.id,
                                   password=PASSWORD, user_id=DEMO_STAFF_ID)  # fmt: skip
    await sign_in(client, str(DEMO_STAFF_ID), PASSWORD, ws.id)
    assert (await client.get("/staff/")).text.count("Test workspace") == 1
    async with services.db.connection() as conn:
        signed_into = await conn.fetchval(
            "SELECT workspace_id FROM staff_sessions WHERE person_guid IN"
            " (SELECT guid FROM people WHERE user_id = $1) ORDER BY created_at DESC LIMIT 1",
            DEMO_STAFF_ID,
        )
    assert signed_into == ws.id


async def signed_in_on(client: httpx.AsyncClient, ws: Workspace, password: str) -> str:
    """Signs the demo staff member in; returns a ticket's code, its page's CSRF token."""
    created = await ws.client.post("/tickets/create", json=ticket_body(subject="Help me"))
    await sign_in(client, str(DEMO_STAFF_ID), password, ws.id)
    return str(created.json()["data"]["TicketId"])


async def test_claim_reply_note_and_close_from_the_ticket_page(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    code = await signed_in_on(client, ws, staff_password)
    page = await client.get(f"/staff/tickets/{code}")
    csrf = csrf_of(page.text)
    for action, data in [
        ("claim", {}),
        ("reply", {"text": "Join the help centre, please."}),
        ("note", {"text": "Probably a rank sync issue."}),
        ("status", {"status": "closed"}),
    ]:
        done = await client.post(f"/staff/tickets/{code}/{action}", data={"csrf": csrf, **data})
        assert (done.status_code, done.headers["location"]) == (303, f"/staff/tickets/{code}")
    got = (await ws.client.get(f"/tickets/get/{code}")).json()["data"]["Ticket"]  # the API agrees
    assert got["Status"] == "closed" and got["ClaimedBy"] == DEMO_STAFF_ID
    kinds = [m["Type"] for m in got["Content"].values()]
    assert "staff_message" in kinds and "internal_note" not in kinds
    shown = (await client.get(f"/staff/tickets/{code}")).text
    assert "Probably a rank sync issue." in shown and "Join the help centre" in shown
    assert "First response</dt><dd>0 min</dd>" in shown
    assert "Resolution</dt><dd>0 min</dd>" in shown


async def test_a_refused_action_is_explained_on_the_page(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    departments = copy.deepcopy(DEMO_CONFIG["Departments"])
    departments["support-dept"]["Members"].append(555)
    await ws.configure(Departments=departments)
    code = await signed_in_on(client, ws, staff_password)
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    # Someone else claims it first, through the API.
    other = await ws.client.post(f"/tickets/{code}/claim", json={"staffUserId": 555})
    assert other.status_code == 200, other.text
    refused = await client.post(f"/staff/tickets/{code}/claim", data={"csrf": csrf})
    assert refused.status_code == 409
    assert "Ticket already claimed" in refused.text and "User 555" in refused.text
    forged = await client.post(f"/staff/tickets/{code}/unclaim", data={"csrf": "forged"})
    assert forged.status_code == 403 and "This form has expired" in forged.text
    long_note = "Seen it " + "x" * 4000  # refused: what was typed comes back in its box
    refused_note = await client.post(f"/staff/tickets/{code}/note",
                                     data={"csrf": csrf, "text": long_note})  # fmt: skip
    assert refused_note.status_code == 400 and "at most 4000 characters" in refused_note.text
    assert f'name="text" rows="3" maxlength="4000" required>{long_note}</textarea>' in (
        refused_note.text
    )


async def test_queue_filters_live_in_the_url_and_count_per_status(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    for subject, priority in (("Lag in lobby", "high"), ("Lost pet", "low"), ("Lag again", "low")):
        created = await ws.client.post(
            "/tickets/create", json=ticket_body(subject=subject, priority=priority)
        )
        assert created.status_code == 200, created.text
    report = await ws.client.post(
        "/tickets/create-game-report",
        json=ticket_body(subject="Exploiter", category="reports", placeId="1"),
    )
    assert report.status_code == 200, report.text
    await sign_in(client, str(DEMO_STAFF_ID), staff_password, ws.id)

    def subjects(html: str) -> set[str]:
        shown = {"Lag in lobby", "Lost pet", "Lag again", "Exploiter"}
        return {s for s in shown if s in html}

    assert subjects((await client.get("/staff/?q=lag")).text) == {"Lag in lobby", "Lag again"}
    low = await client.get("/staff/?q=lag&priority=low")
    assert subjects(low.text) == {"Lag again"}
    assert subjects((await client.get("/staff/?game_reports=1")).text) == {"Exploiter"}
    claimed = await client.get("/staff/?held_by=me")
    assert subjects(claimed.text) == set()
    counts = await client.get("/staff/?status=all")
    assert re.search(r'open <span class="n">4</span>', counts.text), counts.text
    stale = await client.get("/staff/?status=nonsense&priority=&page=x")  # old bookmarks open
    assert stale.status_code == 200 and len(subjects(stale.text)) == 4


async def test_queue_search_reads_messages_and_notes_and_filters_by_tag(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    code = await signed_in_on(client, ws, staff_password)
    other = await ws.client.post("/tickets/create", json=ticket_body(subject="Other"))
    assert other.status_code == 200, other.text
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    for action, data in (
        ("note", {"text": "Seen a Purple_Dragon here"}),
        ("tags", {"tags": "VIP"}),
    ):
        done = await client.post(f"/staff/tickets/{code}/{action}", data={"csrf": csrf, **data})
        assert done.status_code == 303, done.text

    def codes(html: str) -> set[str]:
        return set(re.findall(r'data-code="([^"]+)"', html))

    assert codes((await client.get("/staff/?q=purple_dragon")).text) == {code}
    assert codes((await client.get("/staff/?q=purple%dragon")).text) == set()  # % is literal
    assert codes((await client.get("/staff/?tag=vip")).text) == {code}
    assert codes((await client.get("/staff/?tag=vip&q=other")).text) == set()
    assert len(codes((await client.get("/staff/")).text)) == 2


async def test_tags_are_edited_on_the_ticket_page_and_shown_with_its_facts(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    code = await signed_in_on(client, ws, staff_password)
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    saved = await client.post(f"/staff/tickets/{code}/tags",
                              data={"csrf": csrf, "tags": "vip, <b>bug</b>,  "})  # fmt: skip
    assert saved.status_code == 303
    shown = (await client.get(f"/staff/tickets/{code}")).text
    assert '?status=all&amp;tag=vip">vip</a>' in shown
    assert '">&lt;b&gt;bug&lt;/b&gt;</a>' in shown
    assert "First response</dt><dd>not yet" in shown


async def test_pages_run_the_same_statements_for_1_or_30_tickets(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    code = await signed_in_on(client, ws, staff_password)
    await client.get("/staff/")  # settles the session's last-seen write
    counter = StatementCounter(monkeypatch)
    queue_one = await counter.measure(client.get("/staff/?status=all"))
    page_one = await counter.measure(client.get(f"/staff/tickets/{code}"))
    for n in range(29):
        await ws.client.post("/tickets/create", json=ticket_body(subject=f"More {n}"))
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    for n in range(5):
        await client.post(f"/staff/tickets/{code}/note", data={"csrf": csrf, "text": f"n{n}"})
    assert await counter.measure(client.get("/staff/?status=all")) == queue_one
    assert await counter.measure(client.get(f"/staff/tickets/{code}")) == page_one
    sqlite = ws.services.db.dialect == "sqlite"  # the ticket and its thread: two queries
    assert (queue_one, page_one) == (4, 8 if sqlite else 7)  # docs/dashboard.md lists them


async def test_priority_changes_are_recorded_and_shown_in_the_helpdesk_log_words(
    client: httpx.AsyncClient, services: Services, ws: Workspace, staff_password: str
) -> None:
    code = await signed_in_on(client, ws, staff_password)
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    changed = await client.post(f"/staff/tickets/{code}/priority",
                                data={"csrf": csrf, "priority": "urgent"})  # fmt: skip
    assert changed.status_code == 303
    refused = await client.post(f"/staff/tickets/{code}/priority",
                                data={"csrf": csrf, "priority": "whenever"})  # fmt: skip
    assert refused.status_code == 400 and "priority must be one of" in refused.text
    got = (await ws.client.get(f"/tickets/get/{code}")).json()["data"]["Ticket"]
    assert got["Priority"] == "urgent"
    async with services.db.connection() as conn:
        recorded = await conn.fetch(
            "SELECT type, detail FROM events WHERE workspace_id = $1"
            " AND type = 'ticket.priority_changed'",
            ws.id,
        )
    assert [(r[0], json.loads(r[1])) for r in recorded] == [
        ("ticket.priority_changed", {"previous_priority": "medium", "priority": "urgent"})
    ]


async def test_assigning_a_teammate_from_a_stale_page_is_refused_with_the_current_state(
    client: httpx.AsyncClient, services: Services, ws: Workspace, staff_password: str
) -> None:
    for name in ("Ann Agent", "Bo Agent"):
        email = f"{name.split()[0].lower()}@example.com"
        await people.add_teammate(services.db, None, actor=SYSTEM, workspace_id=ws.id,
                                  name=name, email=email, role="agent")  # fmt: skip
    services.cache.clear()
    code = await signed_in_on(client, ws, staff_password)
    page = (await client.get(f"/staff/tickets/{code}")).text
    csrf = csrf_of(page)
    guids = dict(re.findall(r'<option value="([0-9a-f-]{36})"[^>]*>([^<]+)</option>', page))
    ann, bo = (g for g, name in guids.items() if name in ("Ann Agent", "Bo Agent"))
    first = await client.post(f"/staff/tickets/{code}/assign",
                              data={"csrf": csrf, "assignee": ann, "previous": ""})  # fmt: skip
    assert first.status_code == 303
    stale = await client.post(f"/staff/tickets/{code}/assign",
                              data={"csrf": csrf, "assignee": bo, "previous": ""})  # fmt: skip
    assert stale.status_code == 409
    assert '<dd id="claimed-by">Ann Agent</dd>' in stale.text


async def test_a_transcript_is_one_self_contained_file_without_notes(
    client: httpx.AsyncClient, ws: Workspace, staff_password: str
) -> None:
    code = await signed_in_on(client, ws, staff_password)
    csrf = csrf_of((await client.get(f"/staff/tickets/{code}")).text)
    for action, data in [
        ("claim", {}),
        ("reply", {"text": "Fixed <now>."}),
        ("note", {"text": "staff-only remark"}),
        ("status", {"status": "closed"}),
    ]:
        await client.post(f"/staff/tickets/{code}/{action}", data={"csrf": csrf, **data})
    got = await client.get(f"/staff/tickets/{code}/transcript")
    assert got.status_code == 200
    assert got.headers["content-disposition"] == f'attachment; filename="{code}.html"'
    html = got.text
    assert "Fixed &lt;now&gt;." in html and "Help me" in html and "closed" in html
    assert "staff-only remark" not in html
    assert not re.search(r"(src|href)=|<link|<script", html)  # nothing to fetch
