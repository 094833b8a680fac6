"""The workspace's tag names through the helpdesk API, each workspace seeing only its
own, on both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, ok, ticket_body
from tests.support.helpdesk_workspace_data import other_workspace

pytestmark = pytest.mark.anyio


# --- tags --------------------------------------------------------------------------


async def test_tags_is_empty_before_any_ticket_has_one(hd: Helpdesk) -> None:
    await hd.create(tags=[])

    assert ok(await hd.client.get("/helpdesk/tags")) == []


async def test_tags_lists_every_tag_used_by_tickets_once_sorted(hd: Helpdesk) -> None:
    await hd.create(tags=["zeta", "login"])
    await hd.create(tags=["login", "billing"])
    await hd.create(tags=[])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["billing", "login", "zeta"]


async def test_tags_are_sorted_without_regard_to_case(hd: Helpdesk) -> None:
    await hd.create(tags=["beta", "Charlie", "alpha"])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["alpha", "beta", "Charlie"]


async def test_tags_set_on_an_existing_ticket_are_listed(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])

    ok(await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json=["refund", "login"]))

    assert ok(await hd.client.get("/helpdesk/tags")) == ["login", "refund"]


async def test_tags_of_another_workspace_are_not_listed(hd: Helpdesk) -> None:
    _, headers = await other_workspace(hd)
    foreign = ticket_body(hd, categoryId=None, tags=["secret-project"])
    assert ok(await hd.client.post("/helpdesk/tickets", json=foreign, headers=headers))
    await hd.create(tags=["login"])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["login"]
    assert ok(await hd.client.get("/helpdesk/tags", headers=headers)) == ["secret-project"]
