"""One queue, two dialects: a ticket opened through either API is read and worked
through the other, with the status, category and people mapping of docs/helpdesk-api.md."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, ok, ticket_body
from tests.support.series import AUTHOR, STAFF
from tests.support.series import ticket_body as series_body
from ticketd.kit.ids import user_guid

pytestmark = pytest.mark.anyio


async def series(hd: Helpdesk, method: str, path: str, **body: Any) -> dict[str, Any]:
    response = await hd.client.request(
        method, path, json=body or None, headers={"apikey": hd.ws.key}
    )
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    return response.json()["data"]


async def create_ticket(hd: Helpdesk, **overrides: Any) -> dict[str, Any]:
    return await series(hd, "POST", "/tickets/create", **series_body(**overrides))


async def series_ticket(hd: Helpdesk, code: str) -> dict[str, Any]:
    return (await series(hd, "GET", f"/tickets/get/{code}"))["Ticket"]


async def helpdesk_id_of(hd: Helpdesk, code: str) -> int:
    tickets = ok(await hd.client.post("/helpdesk/tickets/list", json={"take": 50}))
    return next(t["id"] for t in tickets if t["seriesTicketId"] == code)


async def test_a_helpdesk_ticket_reads_through_the_series_api(hd: Helpdesk) -> None:
    ticket_id = await hd.create(message="<p>Line one</p><p>Line two</p>")
    code = (await hd.get(ticket_id))["seriesTicketId"]
    ticket = await series_ticket(hd, code)
    assert ticket["Subject"] == "Cannot log in"
    assert ticket["Category"] == "support"
    assert ticket["Department"] == "support-dept"
    assert ticket["Status"] == "open"
    assert ticket["Author"] == {
        "UserId": None,
        "Username": None,
        "DisplayName": "Bill Smith",
        "AvatarUrl": None,
    }
    [opening] = ticket["Content"].values()
    assert opening["Type"] == "author_message"
    assert opening["Content"] == "Line one\n\nLine two"


async def test_a_series_ticket_reads_through_the_helpdesk_api(hd: Helpdesk) -> None:
    created = await create_ticket(hd, authorUserId=AUTHOR)
    ticket_id = await helpdesk_id_of(hd, created["TicketId"])
    ticket = await hd.get(ticket_id)
    assert ticket["title"] == "Help with ranking"
    assert ticket["message"] == "I need help getting ranked in the group"
    assert ticket["author"]["id"] == user_guid(hd.ws.id, AUTHOR)
    assert ticket["author"]["name"] == "Player Name"
    assert ticket["author"]["status"] == "client"
    assert ticket["category"]["key"] == "support"
    assert (ticket["source"], ticket["detailedSource"]) == ("api", "api_series")
    assert ticket["status"] == "open"


async def test_a_series_claim_shows_as_a_pending_ticket_locked_by_the_same_teammate(
    hd: Helpdesk,
) -> None:
    created = await create_ticket(hd, authorUserId=AUTHOR)
    await series(hd, "POST", f"/tickets/{created['TicketId']}/claim", staffUserId=STAFF)
    ticket = await hd.get(await helpdesk_id_of(hd, created["TicketId"]))
    assert ticket["status"] == "pending"
    # Adam is teammate and Series staff 987654321: one person, one GUID.
    assert ticket["lockedBy"]["id"] == hd.teammates["adam"]["id"] == user_guid(hd.ws.id, STAFF)
    assert ticket["lockedBy"]["email"] == "adam@example.com"


async def test_a_helpdesk_assignment_is_the_series_claim(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    code = (await hd.get(ticket_id))["seriesTicketId"]
    adam = hd.teammates["adam"]["id"]
    body = {"assigneeId": adam, "previousAssigneeId": None}
    ok(await hd.client.patch(f"/helpdesk/tickets/{ticket_id}/Assignee", json=body))
    assert (await series_ticket(hd, code))["ClaimedBy"] == STAFF
    # Holding the ticket, Series staff may reply without claiming again.
    path = f"/tickets/{code}/reply"
    await series(hd, "POST", path, staffUserId=STAFF, content="On it.")
    replies = ok(await hd.client.get(f"/helpdesk/tickets/{ticket_id}/replies"))
    assert [(r["message"], r["author"]["id"]) for r in replies] == [("On it.", adam)]
    # A Series claim by someone else is refused while a teammate holds it.
    claim = await hd.client.post(
        f"/tickets/{code}/claim", json={"staffUserId": STAFF}, headers={"apikey": hd.ws.key}
    )
    assert claim.json()["error"]["message"] == "Ticket already claimed"


async def test_a_teammate_without_a_roblox_id_shows_by_name_in_series(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    ann = hd.teammates["ann"]["id"]
    body = {"assigneeId": ann, "previousAssigneeId": None}
    ok(await hd.client.patch(f"/helpdesk/tickets/{ticket_id}/Assignee", json=body))
    ticket = await series_ticket(hd, (await hd.get(ticket_id))["seriesTicketId"])
    assert ticket["ClaimedBy"] is None
    assert ticket["ClaimedByUser"] == {"UserId": None, "DisplayName": "Ann Agent", "Username": None}


async def test_statuses_map_both_ways(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    code = (await hd.get(ticket_id))["seriesTicketId"]
    status_path = f"/helpdesk/tickets/{ticket_id}/status"
    seen = []
    for helpdesk_status in ("pending", "completed", "open"):
        ok(await hd.client.patch(status_path, json={"status": helpdesk_status}))
        seen.append((await series_ticket(hd, code))["Status"])
    assert seen == ["in-progress", "resolved", "open"]
    shown = []
    for series_status in ("closed", "in-progress", "resolved", "open"):
        await series(hd, "POST", f"/tickets/{code}/status", status=series_status, staffUserId=STAFF)
        shown.append((await hd.get(ticket_id))["status"])
    assert shown == ["completed", "pending", "completed", "open"]


async def test_a_teammate_reply_with_a_roblox_id_is_a_series_staff_message(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"author": {"email": "adam@example.com"}, "message": "Try resetting your password."}
    ok(await hd.client.post(f"/helpdesk/tickets/{ticket_id}/replies", json=body))
    ticket = await series_ticket(hd, (await hd.get(ticket_id))["seriesTicketId"])
    messages = [(m["Type"], m["Content"], m["Author"]) for m in ticket["Content"].values()]
    assert messages[1:] == [
        ("staff_message", "Try resetting your password.", STAFF),
        ("system_message", "Status changed from open to in-progress by Adam Admin", STAFF),
    ]


async def test_a_series_member_reply_is_a_helpdesk_client_reply(hd: Helpdesk) -> None:
    created = await create_ticket(hd, authorUserId=AUTHOR)
    await series(
        hd,
        "POST",
        f"/tickets/{created['TicketId']}/reply-member",
        content="Any news?",
        authorUserId=AUTHOR,
    )
    ticket_id = await helpdesk_id_of(hd, created["TicketId"])
    [reply] = ok(await hd.client.get(f"/helpdesk/tickets/{ticket_id}/replies"))
    assert reply["message"] == "Any news?"
    assert reply["properties"]["isByTeam"] is False
    assert reply["author"]["id"] == user_guid(hd.ws.id, AUTHOR)
    assert (await hd.get(ticket_id))["replyCount"] == 1


async def test_a_category_change_reroutes_the_series_department(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"categoryId": hd.categories["reports"]}
    ok(await hd.client.patch(f"/helpdesk/tickets/{ticket_id}/category", json=body))
    ticket = await series_ticket(hd, (await hd.get(ticket_id))["seriesTicketId"])
    assert (ticket["Category"], ticket["Department"]) == ("reports", "moderation-dept")


async def test_an_uncategorised_ticket_is_open_to_every_department_in_series(
    hd: Helpdesk,
) -> None:
    ticket_id = await hd.create(categoryId=None)
    code = (await hd.get(ticket_id))["seriesTicketId"]
    ticket = await series_ticket(hd, code)
    assert (ticket["Category"], ticket["Department"]) == (None, None)
    listed = await series(hd, "GET", f"/tickets/list?staffUserId={STAFF}")
    assert code in [t["TicketId"] for t in listed["Tickets"]]


async def test_series_search_finds_a_helpdesk_creator_by_name(hd: Helpdesk) -> None:
    await hd.create(creator={"name": "Zelda Quinn", "email": "zq@example.com"})
    found = await series(hd, "GET", "/tickets/list?search=zelda")
    assert [t["Author"]["DisplayName"] for t in found["Tickets"]] == ["Zelda Quinn"]


async def test_the_open_ticket_limit_counts_tickets_from_both_dialects(hd: Helpdesk) -> None:
    # Series author 123456789 and a helpdesk creator who is that same person.
    await hd.ws.configure(
        Members=[
            {"UserId": STAFF, "Username": "staff123", "DisplayName": "Staff Member", "Rank": 255},
        ]
    )
    for _ in range(5):
        await create_ticket(hd, authorUserId=STAFF)
    response = await hd.client.post(
        "/helpdesk/tickets",
        json=ticket_body(hd, creator={"name": "Adam", "email": "ADAM@example.com"}),
    )
    assert response.status_code == 400, response.text
    assert response.json()["errorCode"] == 101
