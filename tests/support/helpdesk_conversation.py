"""For the helpdesk conversation tests (assignment, replies, notes, the ticket log): the
`hd` fixture's people by e-mail and GUID, and one call per endpoint."""

import re
from typing import Any

import httpx

from tests.support.helpdesk import Helpdesk, ok

CREATOR = "bill_smith@example.com"
ANN = "ann@example.com"
ADAM = "adam@example.com"
RITA = "rita@example.com"
STRANGER_GUID = "43b8adc7-755d-2be3-afb1-b6a462631977"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
USER_KEYS = {"customIdentifier", "email", "id", "image", "isBot", "name", "status"}


def guid(hd: Helpdesk, name: str) -> str:
    return hd.teammates[name]["id"]


def path(ticket_id: int, suffix: str = "") -> str:
    return f"/helpdesk/tickets/{ticket_id}{suffix}"


async def patch_assignee(
    hd: Helpdesk, ticket_id: int, body: dict[str, Any], segment: str = "Assignee"
) -> httpx.Response:
    return await hd.client.patch(path(ticket_id, f"/{segment}"), json=body)


async def assign(hd: Helpdesk, ticket_id: int, assignee: str | None, previous: str | None) -> None:
    body = {"assigneeId": assignee, "previousAssigneeId": previous}
    assert ok(await patch_assignee(hd, ticket_id, body)) == {}


async def set_status(hd: Helpdesk, ticket_id: int, status: str) -> None:
    assert ok(await hd.client.patch(path(ticket_id, "/status"), json={"status": status})) == {}


async def status_of(hd: Helpdesk, ticket_id: int) -> str:
    return (await hd.get(ticket_id))["status"]


async def post_reply(
    hd: Helpdesk,
    ticket_id: int,
    email: str = ANN,
    message: str = "<p>We are looking into it.</p>",
    **extra: Any,
) -> httpx.Response:
    body = {"author": {"email": email}, "message": message, **extra}
    return await hd.client.post(path(ticket_id, "/replies"), json=body)


async def reply(hd: Helpdesk, ticket_id: int, email: str = ANN, **extra: Any) -> dict[str, Any]:
    return ok(await post_reply(hd, ticket_id, email, **extra))


async def replies(hd: Helpdesk, ticket_id: int, query: str = "") -> list[dict[str, Any]]:
    return ok(await hd.client.get(path(ticket_id, "/replies") + query))


async def post_note(
    hd: Helpdesk,
    ticket_id: int,
    email: str = ANN,
    message: str = "<p>Customer is a VIP.</p>",
    **extra: Any,
) -> httpx.Response:
    body = {"author": {"email": email}, "message": message, **extra}
    return await hd.client.post(path(ticket_id, "/notes"), json=body)


async def note(hd: Helpdesk, ticket_id: int, email: str = ANN, **extra: Any) -> dict[str, Any]:
    return ok(await post_note(hd, ticket_id, email, **extra))


async def put_note(hd: Helpdesk, ticket_id: int, note_id: int, body: Any) -> httpx.Response:
    return await hd.client.put(path(ticket_id, f"/notes/{note_id}"), json=body)


async def series_content(hd: Helpdesk, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's `Content` through the Series API, by its seriesTicketId."""
    code = (await hd.get(ticket_id))["seriesTicketId"]
    response = await hd.client.get(f"/tickets/get/{code}", headers={"apikey": hd.ws.key})
    assert response.status_code == 200, response.text
    return list(response.json()["data"]["Ticket"]["Content"].values())
