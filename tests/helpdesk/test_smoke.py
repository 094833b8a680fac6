"""The published example, sent as it is (with a real category id)."""

import pytest

from tests.support.helpdesk import Helpdesk, ok, seed_body

pytestmark = pytest.mark.anyio


async def test_the_seed_body_creates_a_ticket_and_returns_its_integer_id(hd: Helpdesk) -> None:
    body = seed_body()
    body["categoryId"] = hd.categories["support"]
    response = await hd.client.post("/helpdesk/tickets", json=body)
    ticket_id = ok(response)
    assert isinstance(ticket_id, int) and ticket_id > 0
    # The example's teammate and custom field belong to someone else's inbox.
    assert response.headers["X-Ticketd-Ignored"] == (
        "assigneeId=43b8adc7-755d-2be3-afb1-b6a462631977; customFields.id=42623"
    )
    ticket = await hd.get(ticket_id)
    assert ticket["title"] == "New car price list."
    assert ticket["author"]["email"] == "bill_smith@gmail.com"
    assert ticket["cc"] == ["ann_smith@gmail.com"]
    assert ticket["sentiment"] == "question"
    assert ticket["lockedBy"] is None
