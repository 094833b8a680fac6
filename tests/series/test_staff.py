"""Claim, unclaim, replies, status and transfer."""

import pytest

from tests.support.series import AUTHOR, STAFF, assert_error, create_ticket, ticket_body
from tests.support.workspaces import Workspace

pytestmark = pytest.mark.anyio

OUTSIDER = 111  # not listed in any department, no rank


async def post(ws: Workspace, ticket: dict, action: str, **body: object):
    return await ws.client.post(f"/tickets/{ticket['TicketId']}/{action}", json=body)


async def get(ws: Workspace, ticket: dict) -> dict:
    response = await ws.client.get(f"/tickets/get/{ticket['TicketId']}")
    return response.json()["data"]["Ticket"]


def messages(ticket: dict) -> list[tuple[str, str]]:
    return [(m["Type"], m["Content"]) for m in ticket["Content"].values()]


async def test_claim_reply_flow_as_in_the_seeds(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    claimed = await post(ws, ticket, "claim", staffUserId=STAFF)
    assert claimed.json() == {"success": True, "data": {"message": "Ticket claimed successfully"}}
    reply = await post(ws, ticket, "reply", staffUserId=STAFF, content="Please join the center.")
    assert reply.json() == {"success": True, "data": {"message": "Reply sent successfully"}}

    full = await get(ws, ticket)
    assert full["Status"] == "in-progress"
    assert full["ClaimedBy"] == STAFF
    assert full["ClaimedByUser"] == {
        "UserId": STAFF,
        "DisplayName": "Staff Member",
        "Username": "staff123",
    }
    assert messages(full) == [
        ("author_message", "I need help getting ranked in the group"),
        ("system_message", "Ticket claimed by Staff Member"),
        ("staff_message", "Please join the center."),
    ]
    assert all(key.startswith("msj_") for key in full["Content"])


async def test_reply_without_claim_is_refused(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    response = await post(ws, ticket, "reply", staffUserId=STAFF, content="hello")
    assert_error(response, 400, "You must claim this ticket before replying")


async def test_reply_by_other_staff_than_the_claimer_is_refused(ws: Workspace) -> None:
    await ws.configure(
        Members=[
            {"UserId": STAFF, "Username": "staff123", "Rank": 255},
            {"UserId": 222, "Username": "helper", "Rank": 150},  # in support-dept's rank range
        ]
    )
    ticket = await create_ticket(ws.client)
    assert (await post(ws, ticket, "claim", staffUserId=222)).status_code == 200
    response = await post(ws, ticket, "reply", staffUserId=STAFF, content="hello")
    assert_error(response, 400, "You must claim this ticket before replying")


async def test_game_reports_refuse_replies(ws: Workspace) -> None:
    response = await ws.client.post(
        "/tickets/create-game-report", json=ticket_body(category="reports", placeId="1")
    )
    report = response.json()["data"]
    assert (await post(ws, report, "claim", staffUserId=STAFF)).status_code == 200
    assert_error(
        await post(ws, report, "reply", staffUserId=STAFF, content="x"),
        403,
        "Cannot reply to game reports",
    )
    assert_error(
        await post(ws, report, "reply-member", authorUserId=AUTHOR, content="x"),
        403,
        "Cannot reply to game reports",
    )


async def test_second_claim_is_refused(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    await post(ws, ticket, "claim", staffUserId=STAFF)
    assert_error(await post(ws, ticket, "claim", staffUserId=STAFF), 400, "Ticket already claimed")


async def test_non_staff_cannot_act_on_a_ticket(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    message = "You are not a staff member of this ticket's department"
    for action, body in [
        ("claim", {}),
        ("unclaim", {}),
        ("status", {"status": "closed"}),
        ("transfer", {"departmentId": "moderation-dept"}),
    ]:
        response = await post(ws, ticket, action, staffUserId=OUTSIDER, **body)
        assert_error(response, 403, message)


async def test_rank_in_range_makes_staff(ws: Workspace) -> None:
    await ws.configure(Members=[{"UserId": 333, "Username": "ranked", "Rank": 120}])
    ticket = await create_ticket(ws.client)
    assert (await post(ws, ticket, "claim", staffUserId=333)).status_code == 200
    report = (
        await ws.client.post(
            "/tickets/create-game-report", json=ticket_body(category="reports", placeId="1")
        )
    ).json()["data"]
    # moderation-dept takes ranks 200-255 only
    assert (await post(ws, report, "claim", staffUserId=333)).status_code == 403


async def test_unclaim_keeps_status_and_adds_a_system_message(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    assert_error(await post(ws, ticket, "unclaim", staffUserId=STAFF), 400, "Ticket is not claimed")
    await post(ws, ticket, "claim", staffUserId=STAFF)
    response = await post(ws, ticket, "unclaim", staffUserId=STAFF)
    assert response.json()["data"] == {"message": "Ticket unclaimed successfully"}
    full = await get(ws, ticket)
    assert (full["Status"], full["ClaimedBy"], full["ClaimedByUser"]) == ("in-progress", None, None)
    assert messages(full)[-1] == ("system_message", "Ticket unclaimed by Staff Member")


async def test_status_changes_reopen_and_reject_unknown_values(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    assert_error(
        await post(ws, ticket, "status", staffUserId=STAFF, status="done"),
        400,
        "Invalid status. Must be one of: open, in-progress, resolved, closed",
    )
    resolved = await post(ws, ticket, "status", staffUserId=STAFF, status="resolved")
    assert resolved.json()["data"] == {"message": "Ticket status updated to resolved"}
    assert_error(
        await post(ws, ticket, "claim", staffUserId=STAFF),
        400,
        "Cannot claim a closed or resolved ticket; reopen it first",
    )
    assert (await post(ws, ticket, "status", staffUserId=STAFF, status="open")).status_code == 200
    full = await get(ws, ticket)
    assert full["Status"] == "open"
    assert messages(full)[-2:] == [
        ("system_message", "Status changed from open to resolved by Staff Member"),
        ("system_message", "Status changed from resolved to open by Staff Member"),
    ]


async def test_member_replies_to_own_open_ticket_only(ws: Workspace) -> None:
    ticket = await create_ticket(ws.client)
    ok = await post(ws, ticket, "reply-member", authorUserId=AUTHOR, content="Any news?")
    assert ok.json()["data"] == {"message": "Reply sent successfully"}
    assert messages(await get(ws, ticket))[-1] == ("author_message", "Any news?")
    assert_error(
        await post(ws, ticket, "reply-member", authorUserId=4242, content="x"),
        403,
        "You can only reply to your own tickets",
    )
    await post(ws, ticket, "status", staffUserId=STAFF, status="closed")
    assert_error(
        await post(ws, ticket, "reply-member", authorUserId=AUTHOR, content="x"),
        403,
        "Cannot reply to closed or resolved tickets",
    )


async def test_transfer_moves_department_and_unclaims(ws: Workspace) -> None:
    await ws.configure(
        Departments={
            "support-dept": {"Name": "Support", "Members": [STAFF], "Categories": ["support"]},
            "moderation-dept": {
                "Name": "Moderation",
                "Members": [STAFF],
                "Categories": ["reports", "support"],
            },
            "billing-dept": {"Name": "Billing", "Members": [STAFF], "Categories": ["reports"]},
        }
    )
    ticket = await create_ticket(ws.client)
    await post(ws, ticket, "claim", staffUserId=STAFF)
    assert_error(
        await post(ws, ticket, "transfer", staffUserId=STAFF, departmentId="nope"),
        404,
        "Department not found",
    )
    assert_error(
        await post(ws, ticket, "transfer", staffUserId=STAFF, departmentId="billing-dept"),
        400,
        "That department does not handle this ticket's category",
    )
    moved = await post(ws, ticket, "transfer", staffUserId=STAFF, departmentId="moderation-dept")
    assert moved.json()["data"] == {"message": "Ticket transferred to Moderation"}
    full = await get(ws, ticket)
    assert (full["Department"], full["ClaimedBy"]) == ("moderation-dept", None)
    assert messages(full)[-2:] == [
        ("system_message", "Ticket transferred from Support to Moderation by Staff Member"),
        ("system_message", "Ticket unclaimed automatically after transfer to Moderation"),
    ]


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        ("claim", {}, "Validation error: staffUserId is required"),
        ("claim", {"staffUserId": "987654321"}, "Validation error: staffUserId must be an integer"),
        ("reply", {"staffUserId": STAFF}, "Validation error: Content is required"),
        (
            "reply",
            {"staffUserId": STAFF, "content": "x" * 4001},
            "Validation error: Content must be at most 4000 characters",
        ),
        ("reply-member", {"content": "hi"}, "Validation error: authorUserId is required"),
        ("status", {"staffUserId": STAFF}, "Validation error: Status is required"),
        ("transfer", {"staffUserId": STAFF}, "Validation error: departmentId is required"),
    ],
)
async def test_bad_staff_bodies_get_400(
    ws: Workspace, action: str, body: dict, message: str
) -> None:
    ticket = await create_ticket(ws.client)
    assert_error(await post(ws, ticket, action, **body), 400, message)


async def test_actions_on_unknown_tickets_are_404(ws: Workspace) -> None:
    for ref in ("TICKET-0000000000-AAAA", "0" * 24, "garbage", "'; DROP TABLE tickets; --"):
        response = await ws.client.post(f"/tickets/{ref}/claim", json={"staffUserId": STAFF})
        assert_error(response, 404, "Ticket not found")
        assert_error(await ws.client.get(f"/tickets/get/{ref}"), 404, "Ticket not found")
