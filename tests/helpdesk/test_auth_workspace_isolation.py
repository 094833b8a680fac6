"""A valid access token of another workspace sees none of this workspace's tickets, on
both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_auth import get_with_token, second_client
from tests.support.workspaces import Workspace, new_workspace
from ticketd.helpdesk.envelope import ERRORS

pytestmark = pytest.mark.anyio


# --- workspace isolation -----------------------------------------------------------


async def other_workspace_token(hd: Helpdesk) -> tuple[Workspace, str]:
    other = await new_workspace(hd.ws.services, hd.client)
    return other, await second_client(hd, other.id)


async def test_token_of_another_workspace_cannot_read_a_ticket(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert (await hd.get(ticket_id))["id"] == ticket_id
    _, foreign = await other_workspace_token(hd)
    ok(await get_with_token(hd, foreign))  # the token itself is good
    response = await hd.client.get(
        f"/helpdesk/tickets/{ticket_id}", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert_hd_error(response, 404, ERRORS["ticket_not_found"][0])


async def test_token_of_another_workspace_cannot_read_a_tickets_replies(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    _, foreign = await other_workspace_token(hd)
    response = await hd.client.get(
        f"/helpdesk/tickets/{ticket_id}/replies", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert_hd_error(response, 404, ERRORS["ticket_not_found"][0])


async def test_token_of_another_workspace_does_not_list_its_tickets(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"ticketIds": [ticket_id]}
    own = ok(await hd.client.post("/helpdesk/tickets/list", json=body))
    assert [t["id"] for t in own] == [ticket_id]
    _, foreign = await other_workspace_token(hd)
    response = await hd.client.post(
        "/helpdesk/tickets/list", json=body, headers={"Authorization": f"Bearer {foreign}"}
    )
    assert ok(response) == []
