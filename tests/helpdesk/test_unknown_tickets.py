"""Helpdesk tickets that do not exist, or belong to another workspace, are not found
by any ticket endpoint, on both engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, access_token, assert_hd_error, ok, ticket_body
from tests.support.helpdesk_tickets import HUGE_ID, field_id, listed
from tests.support.workspaces import new_workspace
from ticketd.helpdesk import auth

pytestmark = pytest.mark.anyio


# --- unknown tickets ---------------------------------------------------------------------


@pytest.mark.parametrize("ticket_id", [0, 424242, 2**63 - 1, 2**63, HUGE_ID])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "/status", {"status": "completed"}),
        ("PATCH", "/category", {"categoryId": None}),
        ("PUT", "/tags", ["vip"]),
        ("PUT", "/customFields/{field}", {"value": "Oslo"}),
    ],
    ids=["get", "status", "category", "tags", "field"],
)
async def test_an_unknown_ticket_is_not_found(
    hd: Helpdesk, ticket_id: int, method: str, suffix: str, body: Any
) -> None:
    await hd.create()
    path = f"/helpdesk/tickets/{ticket_id}" + suffix.format(field=field_id(hd, "City"))
    response = await hd.client.request(method, path, json=body)
    assert_hd_error(response, 404, 401)


async def other_workspace_ticket(hd: Helpdesk) -> tuple[int, dict[str, str]]:
    """A ticket of another workspace, and the headers its own integration sends."""
    other = await new_workspace(hd.ws.services, hd.client)
    created = await auth.create_client(hd.db, workspace_id=other.id, name="Other form")
    token = await access_token(hd.client, created.refresh_token, created.client_id)
    headers = {"Authorization": f"Bearer {token}"}
    body = ticket_body(hd, categoryId=None)
    return ok(await hd.client.post("/helpdesk/tickets", json=body, headers=headers)), headers


async def test_a_ticket_of_another_workspace_is_not_found(hd: Helpdesk) -> None:
    other_id, _ = await other_workspace_ticket(hd)
    assert_hd_error(await hd.client.get(f"/helpdesk/tickets/{other_id}"), 404, 401)
    assert await listed(hd, {"ticketIds": [other_id]}) == []


async def test_a_ticket_of_another_workspace_cannot_be_changed(hd: Helpdesk) -> None:
    other_id, headers = await other_workspace_ticket(hd)
    response = await hd.client.patch(
        f"/helpdesk/tickets/{other_id}/status", json={"status": "completed"}
    )
    assert_hd_error(response, 404, 401)
    response = await hd.client.get(f"/helpdesk/tickets/{other_id}", headers=headers)
    assert ok(response)["status"] == "open"
