"""The author's link (/t/<token>), through the real app in process: what the page shows
and hides, who gets a 404, and replies under the Series `reply-member` rules."""

import re

import httpx
import pytest

from tests.staff.test_sign_in import PASSWORD, sign_in
from tests.support.series import AUTHOR, HOSTILE_AVATAR, STAFF, ticket_body
from tests.support.workspaces import Workspace
from ticketd.app import Services
from ticketd.demo import DEMO_STAFF_ID
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM, staff_member, teammate_by_email
from ticketd.public.app import csrf_token
from ticketd.tickets import conversation
from ticketd.tickets.model import Body
from ticketd.workspaces.access import get_config

pytestmark = pytest.mark.anyio
SAME_SITE = {"sec-fetch-site": "same-origin", "origin": "null"}  # what Chromium sends


async def open_ticket(ws: Workspace, **overrides: object) -> tuple[str, str]:
    """A new ticket's TicketId and its author's link path."""
    created = await ws.client.post("/tickets/create", json=ticket_body(**overrides))
    assert created.status_code == 200, created.text
    code = created.json()["data"]["TicketId"]
    return code, await link_of(ws, code)


async def link_of(ws: Workspace, code: str) -> str:
    async with ws.services.db.connection() as conn:
        token = await conn.fetchval("SELECT public_token FROM tickets WHERE code = $1", code)
    return f"/t/{token}"


@pytest.fixture
async def shared(ws: Workspace) -> Workspace:
    await ws.configure(PublicUrl=True)
    return ws


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert found is not None, html
    return found.group(1)


async def send(client: httpx.AsyncClient, link: str, text: str, **headers: str) -> httpx.Response:
    csrf = csrf_of((await client.get(link)).text)
    sent = {**SAME_SITE, **headers}
    return await client.post(f"{link}/reply", data={"csrf": csrf, "text": text}, headers=sent)


async def add_note(services: Services, ws: Workspace, code: str, text: str) -> None:
    config = await get_config(services.db, services.cache, ws.id)
    actor = staff_member(config, STAFF)
    await conversation.add_note(services.db, config, code, actor=actor, body=Body(text),
                                mentions=[])  # fmt: skip


async def teammate_replies(services: Services, ws: Workspace, code: str, text: str) -> None:
    await people.add_teammate(
        services.db, None, actor=SYSTEM, workspace_id=ws.id, name="Tess Teammate",
        email="tess@example.com", role="agent",
    )  # fmt: skip
    services.cache.clear()
    config = await get_config(services.db, services.cache, ws.id)
    actor = teammate_by_email(config, "tess@example.com")
    assert actor is not None
    await conversation.reply(services.db, config, code, actor=actor, body=Body(text))


async def test_the_page_shows_the_public_conversation_and_never_a_note_or_system_message(
    client: httpx.AsyncClient, services: Services, shared: Workspace
) -> None:
    code, link = await open_ticket(shared, subject="Cannot rank up")
    await shared.client.post(f"/tickets/{code}/claim", json={"staffUserId": STAFF})
    answer = {"staffUserId": STAFF, "content": "Rejoin the group."}
    await shared.client.post(f"/tickets/{code}/reply", json=answer)
    await add_note(services, shared, code, "staff-only remark about this player")
    await teammate_replies(services, shared, code, "Tess here, also looking.")
    page = await client.get(link)
    assert page.status_code == 200
    html = page.text
    assert "Cannot rank up" in html and "Support" in html and "in-progress" in html
    assert html.index("I need help getting ranked") < html.index("Rejoin the group.")
    assert "staff-only remark" not in html
    assert "Ticket claimed by" not in html  # system messages name staff and departments
    assert "Staff Member (staff)" in html and "Tess Teammate (staff)" in html
    assert "tess@example.com" not in html
    assert '<meta name="robots" content="noindex">' in html
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "<script" not in html and "style=" not in html


async def test_unknown_malformed_and_unshared_links_are_the_same_404(
    client: httpx.AsyncClient, ws: Workspace
) -> None:
    _, unshared = await open_ticket(ws)  # PublicUrl is off in this workspace
    answers = [
        await client.get(path)
        for path in (unshared, "/t/" + "0" * 32, "/t/not-a-token", "/t/" + "A" * 32, "/t/x/y")
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1
    assert "This link does not open a ticket" in answers[0].text
    assert answers[0].headers["referrer-policy"] == "no-referrer"
    refused = await client.post(f"{unshared}/reply", data={"text": "hello"}, headers=SAME_SITE)
    assert refused.status_code == 404 and refused.text == answers[0].text


async def test_turning_public_url_off_closes_existing_links(
    client: httpx.AsyncClient, shared: Workspace
) -> None:
    _, link = await open_ticket(shared)
    assert (await client.get(link)).status_code == 200
    await shared.configure(PublicUrl=False)
    assert (await client.get(link)).status_code == 404


async def test_a_reply_from_the_page_is_the_authors_message_in_the_api(
    client: httpx.AsyncClient, shared: Workspace
) -> None:
    code, link = await open_ticket(shared)
    await shared.client.post(f"/tickets/{code}/claim", json={"staffUserId": STAFF})
    sent = await send(client, link, "  Still stuck, any news?  ")
    assert (sent.status_code, sent.headers["location"]) == (303, f"{link}#latest")
    got = (await shared.client.get(f"/tickets/get/{code}")).json()["data"]["Ticket"]
    last = list(got["Content"].values())[-1]
    assert (last["Type"], last["Content"], last["Author"]) == (
        "author_message", "Still stuck, any news?", AUTHOR,
    )  # fmt: skip
    assert got["Status"] == "in-progress"  # as reply-member leaves it
    assert "Still stuck, any news?" in (await client.get(link)).text


async def test_replies_follow_the_reply_member_rules(
    client: httpx.AsyncClient, shared: Workspace
) -> None:
    code, link = await open_ticket(shared)
    csrf = csrf_of((await client.get(link)).text)
    await shared.client.post(f"/tickets/{code}/status",
                             json={"staffUserId": STAFF, "status": "closed"})  # fmt: skip
    api = await shared.client.post(f"/tickets/{code}/reply-member",
                                   json={"authorUserId": AUTHOR, "content": "hello?"})  # fmt: skip
    page = await client.post(f"{link}/reply", data={"csrf": csrf, "text": "hello?"},
                             headers=SAME_SITE)  # fmt: skip
    assert api.status_code == 403 and page.status_code == 409
    assert api.json()["error"]["message"] in page.text  # Cannot reply to closed or resolved…
    assert "takes no more replies" in page.text

    report_body = ticket_body(category="reports", placeId="1")
    report = await shared.client.post("/tickets/create-game-report", json=report_body)
    report_link = await link_of(shared, report.json()["data"]["TicketId"])
    assert "Send reply" not in (await client.get(report_link)).text
    refused = await client.post(f"{report_link}/reply", data={"csrf": csrf, "text": "x"},
                                headers=SAME_SITE)  # fmt: skip
    assert refused.status_code == 403  # another ticket's form token
    report_csrf = await csrf_token(shared.services, report_link.removeprefix("/t/"))
    refused = await client.post(f"{report_link}/reply", headers=SAME_SITE,
                                data={"csrf": report_csrf, "text": "Any news?"})  # fmt: skip
    assert refused.status_code == 409 and "Cannot reply to game reports" in refused.text


async def test_the_apis_length_limits_apply(client: httpx.AsyncClient, shared: Workspace) -> None:
    _, link = await open_ticket(shared)
    blank = await send(client, link, "   ")
    assert blank.status_code == 400 and "Write something first." in blank.text
    long = await send(client, link, "x" * 4001)
    assert long.status_code == 400 and "at most 4000 characters" in long.text
    assert "x" * 4001 in long.text  # the draft is kept
    assert (await send(client, link, "x" * 4000)).status_code == 303


async def test_cross_site_posts_are_refused(client: httpx.AsyncClient, shared: Workspace) -> None:
    code, link = await open_ticket(shared)
    csrf = csrf_of((await client.get(link)).text)
    for headers in (
        {"sec-fetch-site": "cross-site", "origin": "null"},
        {"origin": "https://evil.example"},
        {"origin": "null"},
    ):
        refused = await client.post(f"{link}/reply", data={"csrf": csrf, "text": "hi"},
                                    headers=headers)  # fmt: skip
        assert refused.status_code == 403 and "This form has expired" in refused.text
    for forged_csrf in ("0" * 64, "é" * 64, ""):
        forged = await client.post(f"{link}/reply", data={"csrf": forged_csrf, "text": "hi"},
                                   headers=SAME_SITE)  # fmt: skip
        assert forged.status_code == 403
    got = (await shared.client.get(f"/tickets/get/{code}")).json()["data"]["Ticket"]
    assert len(got["Content"]) == 1  # only the opening message


async def test_replies_are_limited_per_link(client: httpx.AsyncClient, shared: Workspace) -> None:
    _, link = await open_ticket(shared)
    for n in range(5):
        assert (await send(client, link, f"reply {n}")).status_code == 303
    limited = await send(client, link, "one too many")
    assert limited.status_code == 429 and "too fast" in limited.text
    _, other = await open_ticket(shared)
    assert (await send(client, other, "another ticket")).status_code == 303


async def test_ticket_text_is_shown_as_text(client: httpx.AsyncClient, shared: Workspace) -> None:
    attack = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    _, link = await open_ticket(
        shared, subject=attack, message=attack, authorDisplayName=attack,
        authorAvatarUrl=HOSTILE_AVATAR,
    )  # fmt: skip
    await send(client, link, attack)
    html = (await client.get(link)).text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "<svg/onload" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # title, h1, name, texts
    assert "javascript:" not in html


async def test_the_staff_ticket_page_shows_the_link_only_while_it_is_shared(
    client: httpx.AsyncClient, services: Services, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                   password=PASSWORD, user_id=DEMO_STAFF_ID)  # fmt: skip
    code, link = await open_ticket(ws)
    await sign_in(client, str(DEMO_STAFF_ID), PASSWORD, ws.id)
    assert "Author's link" not in (await client.get(f"/staff/tickets/{code}")).text
    await ws.configure(PublicUrl=True)
    shown = (await client.get(f"/staff/tickets/{code}")).text
    assert f'href="http://ticketd.test{link}"' in shown  # this page's origin, by default
    monkeypatch.setattr(services.settings, "public_base_url", "https://help.example.com")
    shown = (await client.get(f"/staff/tickets/{code}")).text
    assert f'href="https://help.example.com{link}"' in shown
