"""Helpdesk ticket create: creators found again by e-mail, the open-ticket limit per
creator, and that a refused create stores nothing, on both engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_tickets import (
    count_tickets,
    creator,
    field_id,
    post_ticket,
    set_status,
    tags_of_workspace,
)

pytestmark = pytest.mark.anyio


# --- create: creators and the open-ticket limit -----------------------------------------


async def test_the_creator_is_found_again_by_email_whatever_its_case(hd: Helpdesk) -> None:
    first = await hd.get(await hd.create(creator=creator("bill_smith@example.com", "Bill")))
    second = await hd.get(await hd.create(creator=creator("BILL_SMITH@EXAMPLE.COM", "William")))
    assert second["author"]["id"] == first["author"]["id"]
    # What is already stored wins.
    assert second["author"]["name"] == "Bill"


async def test_different_creators_get_different_author_ids(hd: Helpdesk) -> None:
    first = await hd.get(await hd.create(creator=creator("one@example.com")))
    second = await hd.get(await hd.create(creator=creator("two@example.com")))
    assert first["author"]["id"] != second["author"]["id"]


async def test_the_sixth_open_support_ticket_of_a_creator_is_refused(hd: Helpdesk) -> None:
    for _ in range(5):
        await hd.create()
    response = await post_ticket(hd)
    assert_hd_error(response, 400, 101, "5 open tickets")
    assert await count_tickets(hd) == 5


async def test_the_limit_counts_the_creator_whatever_the_email_case(hd: Helpdesk) -> None:
    for i in range(5):
        email = "bill_smith@example.com" if i % 2 else "Bill_Smith@EXAMPLE.com"
        await hd.create(creator=creator(email))
    response = await post_ticket(hd, creator=creator("BILL_SMITH@example.com"))
    assert_hd_error(response, 400, 101)


async def test_the_limit_is_per_creator(hd: Helpdesk) -> None:
    for _ in range(5):
        await hd.create()
    other = await hd.create(creator=creator("someone.else@example.com"))
    assert (await hd.get(other))["category"]["key"] == "support"


async def test_the_support_limit_does_not_apply_to_uncategorised_tickets(hd: Helpdesk) -> None:
    for _ in range(5):
        await hd.create()
    ticket_id = await hd.create(categoryId=None)
    assert (await hd.get(ticket_id))["category"] is None


async def test_completing_a_support_ticket_frees_a_slot(hd: Helpdesk) -> None:
    ids = [await hd.create() for _ in range(5)]
    await set_status(hd, ids[0], "completed")
    sixth = await hd.create()
    assert (await hd.get(sixth))["status"] == "open"


async def test_moving_a_ticket_out_of_support_frees_a_slot(hd: Helpdesk) -> None:
    ids = [await hd.create() for _ in range(5)]
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ids[0]}/category", json={"categoryId": None}
    )
    ok(response)
    sixth = await hd.create()
    assert (await hd.get(sixth))["category"]["key"] == "support"


async def test_a_refused_create_over_the_limit_stores_no_tags(hd: Helpdesk) -> None:
    for _ in range(5):
        await hd.create()
    response = await post_ticket(hd, tags=["ghost"])
    assert_hd_error(response, 400, 101)
    assert "ghost" not in await tags_of_workspace(hd)


@pytest.mark.parametrize(
    "overrides",
    [
        {"categoryId": 10**9},
        {"sentiment": "angry"},
        {"attachments": [{"url": "ftp://example.com/a", "name": "a"}]},
        {"customFields": [{"id": 0, "value": "x"}]},
        {"tags": [""]},
        {"message": "<script>x</script>"},
    ],
    ids=["category", "sentiment", "attachment", "field-id", "tag", "empty-message"],
)
async def test_nothing_is_stored_after_a_failed_create(
    hd: Helpdesk, overrides: dict[str, Any]
) -> None:
    response = await post_ticket(hd, **overrides)
    assert response.status_code in (400, 404), response.text
    assert await count_tickets(hd) == 0


async def test_nothing_is_stored_after_a_create_refused_for_its_assignee(hd: Helpdesk) -> None:
    response = await post_ticket(hd, assigneeId=hd.teammates["rita"]["id"], tags=["ghost"])
    assert_hd_error(response, 403, 302)
    assert await count_tickets(hd) == 0
    assert "ghost" not in await tags_of_workspace(hd)


async def test_nothing_is_stored_after_a_create_refused_for_a_field_value(hd: Helpdesk) -> None:
    bad = [{"id": field_id(hd, "City"), "value": "Paris"}]
    response = await post_ticket(hd, customFields=bad, tags=["ghost"])
    assert_hd_error(response, 400, 100, "City")
    assert await count_tickets(hd) == 0
    assert "ghost" not in await tags_of_workspace(hd)
