import re
import uuid

import pytest

from tests.support.series import create_ticket
from tests.support.workspaces import Workspace
from ticketd.kit import ids

pytestmark = pytest.mark.anyio


def test_ids_have_the_seed_shapes() -> None:
    assert re.fullmatch(r"TICKET-\d{10}-[A-Z0-9]{4}", ids.ticket_code())
    assert re.fullmatch(r"[0-9a-f]{24}", ids.object_id())
    assert re.fullmatch(r"msj_1736937000000_[a-z0-9]{6}", ids.message_key(1736937000000))
    key, prefix = ids.api_key()
    assert re.fullmatch(r"tk_[0-9a-f]{8}_[A-Za-z0-9]{32}", key)
    assert key.startswith(prefix + "_")


def test_object_ids_from_one_process_never_repeat() -> None:
    assert len({ids.object_id() for _ in range(100_000)}) == 100_000


async def test_a_colliding_ticket_id_is_retried(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await create_ticket(ws.client)
    codes = iter([first["TicketId"], first["TicketId"], "TICKET-1736937000-NEW1"])
    monkeypatch.setattr(ids, "ticket_code", lambda: next(codes))

    second = await create_ticket(ws.client, authorUserId=777)

    assert second["TicketId"] == "TICKET-1736937000-NEW1"
    listed = (await ws.client.get("/tickets/list")).json()["data"]
    assert listed["Pagination"]["TotalCount"] == 2


async def test_ten_collisions_in_a_row_give_503_and_store_nothing(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await create_ticket(ws.client)
    monkeypatch.setattr(ids, "ticket_code", lambda: first["TicketId"])

    response = await ws.client.post(
        "/tickets/create",
        json={
            "subject": "s",
            "category": "support",
            "message": "m",
            "authorUserId": 5,
            "authorAvatarUrl": "https://a",
        },
    )

    assert response.status_code == 503
    assert response.json()["error"]["message"] == "Could not allocate a ticket id, try again"
    listed = (await ws.client.get("/tickets/list")).json()["data"]
    assert listed["Pagination"]["TotalCount"] == 1
    async with ws.services.db.connection() as conn:
        counted = await conn.fetchval(
            "SELECT SUM(open_count) FROM open_ticket_counts WHERE workspace_id = $1", ws.id
        )
    assert counted == 1  # the first ticket's: no attempt kept the slot it took


def test_user_guid_is_the_standard_uuid5_of_the_user_in_the_workspace() -> None:
    workspace = str(uuid.uuid4())
    for user_id in (1, 42, 987654321, 2**63 - 1):
        expected = uuid.uuid5(uuid.UUID(workspace), f"roblox:{user_id}")
        assert ids.user_guid(workspace, user_id) == str(expected)
    assert ids.user_guid(workspace, 1) != ids.user_guid(str(uuid.uuid4()), 1)
