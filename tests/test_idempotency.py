"""`Idempotency-Key` on the creates of both APIs (ticketd/kit/idempotency.py): a retry
with the same key and body gets the first answer and makes no second ticket, whether
the first attempt's answer arrived or not; another body under the key is refused; keys
expire after a day; racing retries still make one ticket."""

import asyncio
import typing

import pytest

from tests.support.helpdesk import bearer
from tests.support.series import ticket_body
from tests.support.workspaces import Workspace
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit import idempotency

pytestmark = pytest.mark.anyio


async def ticket_count(ws: Workspace) -> int:
    async with ws.services.db.connection() as conn:
        count = await conn.fetchval("SELECT COUNT(*) FROM tickets WHERE workspace_id = $1", ws.id)
    return int(count)


def keyed(key: str) -> dict[str, typing.Any]:
    return {"Idempotency-Key": key.encode()}


async def test_a_retry_gets_the_first_answer_and_makes_no_second_ticket(ws: Workspace) -> None:
    body = ticket_body(authorUserId=4242)
    first = await ws.client.post("/tickets/create", json=body, headers=keyed("order-17"))
    assert first.status_code == 200, first.text
    again = await ws.client.post("/tickets/create", json=body, headers=keyed("order-17"))
    assert (again.status_code, again.content) == (200, first.content)
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await ticket_count(ws) == 1
    other_key = await ws.client.post("/tickets/create", json=body, headers=keyed("order-18"))
    assert other_key.json()["data"]["TicketId"] != first.json()["data"]["TicketId"]
    unkeyed = await ws.client.post("/tickets/create", json=body)
    assert unkeyed.status_code == 200 and await ticket_count(ws) == 3


async def test_the_same_key_with_another_body_is_refused(ws: Workspace) -> None:
    await ws.client.post("/tickets/create", json=ticket_body(), headers=keyed("k1"))
    changed = ticket_body(subject="Something else")
    refused = await ws.client.post("/tickets/create", json=changed, headers=keyed("k1"))
    assert refused.status_code == 422
    assert refused.json() == {"success": False, "error": {
        "code": 422, "message": "Idempotency-Key was already used with a different request body",
    }}  # fmt: skip
    assert await ticket_count(ws) == 1
    # Keys are per endpoint: a game report may use the same one.
    report = ticket_body(placeId="1818", category="reports")
    filed = await ws.client.post("/tickets/create-game-report", json=report, headers=keyed("k1"))
    assert filed.status_code == 200, filed.text


async def test_helpdesk_creates_take_keys_too(ws: Workspace) -> None:
    headers = {**await bearer(ws), **keyed("form-submission-9")}
    body = {"title": "Price list", "message": "How much?",
            "creator": {"name": "Bill", "email": "bill@example.com"}}  # fmt: skip
    first = await ws.client.post("/helpdesk/tickets", json=body, headers=headers)
    again = await ws.client.post("/helpdesk/tickets", json=body, headers=headers)
    assert first.status_code == 200 and again.content == first.content
    refused = await ws.client.post(
        "/helpdesk/tickets", json={**body, "title": "Other"}, headers=headers
    )
    assert (refused.status_code, refused.json()["errorCode"]) == (
        422, ERRORS["idempotency_key_reused"][0],
    )  # fmt: skip
    assert await ticket_count(ws) == 1


async def test_racing_retries_make_one_ticket(ws: Workspace) -> None:
    body = ticket_body(authorUserId=777)
    answers = await asyncio.gather(*(
        ws.client.post("/tickets/create", json=body, headers=keyed("race")) for _ in range(6)
    ))  # fmt: skip
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["data"]["TicketId"] for a in answers}) == 1
    assert await ticket_count(ws) == 1


async def test_a_key_expires_after_a_day(ws: Workspace) -> None:
    body = ticket_body()
    await ws.client.post("/tickets/create", json=body, headers=keyed("old"))
    async with ws.services.db.transaction() as conn:
        await conn.execute(
            "UPDATE idempotency_keys SET created_at = created_at - $1 WHERE workspace_id = $2",
            idempotency.KEY_LIFETIME_MS + 1, ws.id,
        )  # fmt: skip
    fresh = await ws.client.post("/tickets/create", json=body, headers=keyed("old"))
    assert fresh.status_code == 200 and "idempotent-replayed" not in fresh.headers
    assert await ticket_count(ws) == 2
    async with ws.services.db.connection() as conn:
        kept = await conn.fetchval(
            "SELECT COUNT(*) FROM idempotency_keys WHERE workspace_id = $1", ws.id
        )
    assert kept == 1  # the expired row made way for the new one


async def test_when_the_answer_cannot_be_kept_no_ticket_is_made(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The key and the ticket commit together or not at all, which is what makes a
    retry after a crash safe."""

    async def failing(*args: typing.Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(idempotency, "_store", failing)
    with pytest.raises(RuntimeError):
        await ws.client.post("/tickets/create", json=ticket_body(), headers=keyed("lost"))
    assert await ticket_count(ws) == 0


@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
async def test_a_malformed_key_is_refused(ws: Workspace, key: str) -> None:
    answer = await ws.client.post("/tickets/create", json=ticket_body(), headers=keyed(key))
    assert answer.status_code == 400, answer.text
    assert "Idempotency-Key must be 1 to 255 printable ASCII characters" in answer.text
    assert await ticket_count(ws) == 0


async def test_a_refused_create_keeps_nothing_under_its_key(ws: Workspace) -> None:
    """The client corrects the body and sends it again with the same key: it is a new
    request, since nothing was made."""
    bad = ticket_body(category="nope")
    refused = await ws.client.post("/tickets/create", json=bad, headers=keyed("k"))
    assert refused.status_code == 400
    fixed = await ws.client.post("/tickets/create", json=ticket_body(), headers=keyed("k"))
    assert fixed.status_code == 200 and await ticket_count(ws) == 1
