import re

import pytest

from tests.support.series import AUTHOR, STAFF, assert_error, create_ticket, ticket_body
from tests.support.workspaces import Workspace

pytestmark = pytest.mark.anyio


async def test_seed_create_example_returns_the_documented_shape(ws: Workspace) -> None:
    response = await ws.client.post("/tickets/create", json=ticket_body())

    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert list(data) == [
        "TicketId",
        "_id",
        "WorkspaceId",
        "Subject",
        "Category",
        "Department",
        "Status",
        "Priority",
        "Author",
        "CreatedAt",
        "UpdatedAt",
    ]
    assert re.fullmatch(r"TICKET-\d{10}-[A-Z0-9]{4}", data["TicketId"])
    assert re.fullmatch(r"[0-9a-f]{24}", data["_id"])
    assert data["WorkspaceId"] == ws.id
    assert (data["Subject"], data["Category"], data["Department"]) == (
        "Help with ranking",
        "support",
        "support-dept",
    )
    assert (data["Status"], data["Priority"]) == ("open", "medium")
    assert data["Author"] == {
        "UserId": AUTHOR,
        "Username": "player123",
        "DisplayName": "Player Name",
        "AvatarUrl": "https://tr.rbxcdn.com/avatar-url",
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", data["CreatedAt"])
    assert data["CreatedAt"] == data["UpdatedAt"]


async def test_seed_game_report_example_is_marked_and_routed(ws: Workspace) -> None:
    response = await ws.client.post(
        "/tickets/create-game-report",
        json={
            "subject": "Rule violation report",
            "category": "reports",
            "message": "Player was exploiting",
            "priority": "high",
            "authorUserId": 123456789,
            "authorUsername": "reporter123",
            "authorDisplayName": "Reporter Name",
            "authorAvatarUrl": "https://tr.rbxcdn.com/avatar-url",
            "placeId": "123456789",
            "serverId": "game-server-id-123",
        },
    )

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["Department"] == "moderation-dept"
    assert data["Priority"] == "high"
    assert data["GameReport"] is True
    assert data["GameData"] == {"PlaceId": 123456789, "ServerId": "game-server-id-123"}


async def test_priority_defaults_to_medium(ws: Workspace) -> None:
    data = await create_ticket(ws.client, priority=None)
    assert data["Priority"] == "medium"


async def test_known_members_stored_names_win_over_the_request(ws: Workspace) -> None:
    data = await create_ticket(
        ws.client, authorUserId=STAFF, authorUsername="impostor", authorDisplayName="Fake"
    )
    assert data["Author"]["Username"] == "staff123"
    assert data["Author"]["DisplayName"] == "Staff Member"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"subject": None}, "Validation error: Subject is required"),
        ({"subject": "   "}, "Validation error: Subject is required"),
        ({"category": None}, "Validation error: Category is required"),
        ({"message": None}, "Validation error: Message is required"),
        ({"authorUserId": None}, "Validation error: authorUserId is required"),
        ({"authorAvatarUrl": None}, "authorAvatarUrl is required"),
        ({"authorAvatarUrl": ""}, "authorAvatarUrl is required"),
        (
            {"authorAvatarUrl": "javascript:alert(document.cookie)"},
            "Validation error: authorAvatarUrl must be an http(s) URL",
        ),
        (
            {"authorAvatarUrl": "data:image/svg+xml,<svg/onload=alert(1)>"},
            "Validation error: authorAvatarUrl must be an http(s) URL",
        ),
        (
            {"authorAvatarUrl": "https://x.example/a b.png"},
            "Validation error: authorAvatarUrl must be an http(s) URL without spaces",
        ),
        ({"subject": 42}, "Validation error: Subject must be a string"),
        ({"authorUserId": "123"}, "Validation error: authorUserId must be an integer"),
        ({"authorUserId": 1.5}, "Validation error: authorUserId must be an integer"),
        ({"authorUserId": 0}, "Validation error: authorUserId must be a positive integer"),
        ({"authorUserId": 2**63}, "Validation error: authorUserId is too large"),
        ({"authorUserId": 10**30}, "Validation error: authorUserId is too large"),
        (
            {"priority": "critical"},
            "Validation error: Priority must be one of: low, medium, high, urgent",
        ),
        ({"subject": "x" * 201}, "Validation error: Subject must be at most 200 characters"),
        ({"message": "x" * 4001}, "Validation error: Message must be at most 4000 characters"),
        ({"subject": "nul\x00byte"}, "Validation error: Subject must not contain NUL characters"),
        ({"category": "nope"}, "Validation error: Category 'nope' does not exist"),
    ],
)
async def test_bad_create_bodies_get_400_in_the_envelope(
    ws: Workspace, overrides: dict[str, object], message: str
) -> None:
    body = ticket_body(**{k: v for k, v in overrides.items() if v is not None})
    for key in [k for k, v in overrides.items() if v is None]:
        body.pop(key)
    assert_error(await ws.client.post("/tickets/create", json=body), 400, message)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "Validation error: Request body must be valid JSON"),
        (b"", "Validation error: Request body must be valid JSON"),
        (b"[1, 2]", "Validation error: Request body must be a JSON object"),
        (b'"text"', "Validation error: Request body must be a JSON object"),
        (b'{"subject": "\\ud800"}', "Validation error: Request body must be valid JSON"),
    ],
)
async def test_malformed_json_gets_400(ws: Workspace, content: bytes, message: str) -> None:
    response = await ws.client.post(
        "/tickets/create", content=content, headers={"content-type": "application/json"}
    )
    assert_error(response, 400, message)


async def test_oversized_body_gets_413(ws: Workspace) -> None:
    response = await ws.client.post("/tickets/create", json=ticket_body(message="x" * 2_000_000))
    assert_error(response, 413, "Request body is larger than 1048576 bytes")


@pytest.mark.parametrize(
    ("place", "ok"),
    [("123456789", True), (123456789, True), ("abc", False), ("", False), (-5, False)],
)
async def test_game_report_place_id_must_be_numeric(ws: Workspace, place: object, ok: bool) -> None:
    response = await ws.client.post(
        "/tickets/create-game-report", json=ticket_body(category="reports", placeId=place)
    )
    if ok:
        assert response.json()["data"]["GameData"]["PlaceId"] == 123456789
    else:
        assert_error(response, 400, "Validation error: placeId must be a numeric place id")


async def test_game_report_requires_place_id(ws: Workspace) -> None:
    response = await ws.client.post("/tickets/create-game-report", json=ticket_body())
    assert_error(response, 400, "Validation error: placeId is required")


async def test_membership_required_category_refuses_non_members(ws: Workspace) -> None:
    await ws.configure(
        Categories={
            "support": {"Name": "Support", "WorkspaceMembershipRequired": True},
            "reports": {"Name": "Reports"},
        }
    )
    response = await ws.client.post("/tickets/create", json=ticket_body())
    assert_error(
        response, 403, "Workspace membership is required to create tickets in this category"
    )
    assert (await create_ticket(ws.client, authorUserId=STAFF))["Category"] == "support"


async def test_minimum_rank_is_enforced(ws: Workspace) -> None:
    await ws.configure(
        Categories={"support": {"Name": "Support", "MinAccessRank": 50}, "reports": {"Name": "R"}},
        Members=[
            {"UserId": STAFF, "Username": "staff123", "Rank": 255},
            {"UserId": 555, "Username": "lowrank", "Rank": 10},
        ],
    )
    for author in (AUTHOR, 555):
        response = await ws.client.post("/tickets/create", json=ticket_body(authorUserId=author))
        assert_error(response, 403, "Your rank is too low to create tickets in this category")
    await create_ticket(ws.client, authorUserId=STAFF)


async def test_open_ticket_limit_uses_the_configured_number(ws: Workspace) -> None:
    await ws.configure(
        Categories={
            "support": {"Name": "Support", "MaxOpenTickets": 3},
            "reports": {"Name": "R"},
        }
    )
    for _ in range(3):
        await create_ticket(ws.client)
    response = await ws.client.post("/tickets/create", json=ticket_body())
    assert_error(response, 400, "You can only have 3 open tickets in this category")
    # Other authors and other categories are counted separately.
    await create_ticket(ws.client, authorUserId=42)
    await create_ticket(ws.client, category="reports")


async def test_closing_a_ticket_frees_a_slot_and_reopening_takes_it_back(ws: Workspace) -> None:
    await ws.configure(
        Categories={
            "support": {"Name": "Support", "MaxOpenTickets": 1},
            "reports": {"Name": "R"},
        }
    )
    first = await create_ticket(ws.client)
    assert (await ws.client.post("/tickets/create", json=ticket_body())).status_code == 400
    closed = await ws.client.post(
        f"/tickets/{first['TicketId']}/status", json={"status": "closed", "staffUserId": STAFF}
    )
    assert closed.status_code == 200
    second = await create_ticket(ws.client)
    reopened = await ws.client.post(
        f"/tickets/{first['TicketId']}/status", json={"status": "open", "staffUserId": STAFF}
    )
    assert reopened.status_code == 200  # staff may reopen past the limit
    assert (await ws.client.post("/tickets/create", json=ticket_body())).status_code == 400
    await ws.client.post(
        f"/tickets/{second['TicketId']}/status", json={"status": "resolved", "staffUserId": STAFF}
    )
    assert (await ws.client.post("/tickets/create", json=ticket_body())).status_code == 400


async def test_an_integer_written_with_a_zero_fraction_is_that_integer(ws: Workspace) -> None:
    # JSON Schema's `integer` (the published contract) admits 123456789.0; the contract
    # fuzz found it refused as "must be an integer".
    ticket = await create_ticket(ws.client, authorUserId=float(AUTHOR))
    assert ticket["Author"]["UserId"] == AUTHOR
    path = f"/tickets/{ticket['TicketId']}/claim"
    claimed = await ws.client.post(path, json={"staffUserId": float(STAFF)})
    assert claimed.status_code == 200, claimed.text


@pytest.mark.parametrize("value", [123456789.5, "123456789", True])
async def test_a_fraction_a_string_or_a_boolean_is_still_not_a_user_id(
    ws: Workspace, value: object
) -> None:
    response = await ws.client.post("/tickets/create", json=ticket_body(authorUserId=value))
    assert_error(response, 400, "Validation error: authorUserId must be an integer")
    listed = await ws.client.get("/tickets/list")
    assert listed.json()["data"]["Pagination"]["TotalCount"] == 0
