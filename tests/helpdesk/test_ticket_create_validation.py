"""Helpdesk ticket create: what is refused (creator, cc, sentiment, title, body,
category, assignee) and the checks of custom field values, on both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_tickets import (
    USER_KEYS,
    count_tickets,
    creator,
    field_id,
    post_ticket,
    unknown_category_id,
    unknown_field_id,
)

pytestmark = pytest.mark.anyio


# --- create: validation ---------------------------------------------------------------


async def test_an_invalid_creator_email_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, creator=creator("bill at example"))
    assert_hd_error(response, 400, 100, "creator.email")


async def test_a_creator_image_with_a_nul_character_is_refused(hd: Helpdesk) -> None:
    image = "https://cdn.example.com/a\u0000.png"
    response = await post_ticket(hd, creator={"email": "nul@example.com", "image": image})
    assert_hd_error(response, 400, 100)
    assert await count_tickets(hd) == 0


@pytest.mark.parametrize("image", [{}, [], 0, False])
async def test_a_creator_image_that_is_no_string_is_refused(hd: Helpdesk, image: object) -> None:
    # Found by the contract fuzz: each was read as "no image" and the ticket made.
    response = await post_ticket(hd, creator={"email": "img@example.com", "image": image})
    assert_hd_error(response, 400, 100, "creator.image")
    assert await count_tickets(hd) == 0


async def test_an_empty_creator_image_is_no_image(hd: Helpdesk) -> None:
    response = await post_ticket(hd, creator={"email": "img@example.com", "image": ""})
    ticket = await hd.get(ok(response))
    assert ticket["author"]["image"] is None


async def test_a_missing_creator_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, creator=...)
    assert_hd_error(response, 400, 100, "creator")


async def test_an_invalid_cc_email_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, cc=["ann@example.com", "not-an-address"])
    assert_hd_error(response, 400, 100, "cc")


@pytest.mark.parametrize("sentiment", ["angry", "Question", ""])
async def test_a_sentiment_outside_the_four_is_refused(hd: Helpdesk, sentiment: str) -> None:
    response = await post_ticket(hd, sentiment=sentiment)
    assert_hd_error(response, 400, 100, "sentiment")


@pytest.mark.parametrize("sentiment", ["question", "praise", "suggestion", "complaint"])
async def test_each_of_the_four_sentiments_is_stored(hd: Helpdesk, sentiment: str) -> None:
    ticket = await hd.get(await hd.create(sentiment=sentiment))
    assert ticket["sentiment"] == sentiment


async def test_a_missing_title_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, title=...)
    assert_hd_error(response, 400, 100, "title: is required")


async def test_a_blank_title_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, title="   ")
    assert_hd_error(response, 400, 100, "title")


async def test_a_title_over_200_characters_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, title="x" * 201)
    assert_hd_error(response, 400, 100, "title")


async def test_a_title_of_200_characters_is_accepted(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(title="x" * 200))
    assert ticket["title"] == "x" * 200


async def test_a_body_that_is_not_json_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post(
        "/helpdesk/tickets", content=b"title=hello", headers={"content-type": "application/json"}
    )
    assert_hd_error(response, 400, 100, "JSON")


@pytest.mark.parametrize("raw", [b"[]", b'"a ticket"', b"42", b"null"])
async def test_a_json_body_that_is_not_an_object_is_refused(hd: Helpdesk, raw: bytes) -> None:
    response = await hd.client.post(
        "/helpdesk/tickets", content=raw, headers={"content-type": "application/json"}
    )
    assert_hd_error(response, 400, 100, "JSON object")


async def test_a_null_category_creates_an_uncategorised_ticket(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(categoryId=None))
    assert ticket["category"] is None


async def test_an_absent_category_creates_an_uncategorised_ticket(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(categoryId=...))
    assert ticket["category"] is None


async def test_an_unknown_category_is_not_found(hd: Helpdesk) -> None:
    response = await post_ticket(hd, categoryId=unknown_category_id(hd))
    assert_hd_error(response, 404, 402)


async def test_a_teammate_assignee_locks_the_ticket_to_that_teammate(hd: Helpdesk) -> None:
    ann = hd.teammates["ann"]
    ticket = await hd.get(await hd.create(assigneeId=ann["id"]))
    locked_by = ticket["lockedBy"]
    assert set(locked_by) == USER_KEYS
    assert locked_by["id"] == ann["id"]
    assert locked_by["email"] == "ann@example.com"
    assert locked_by["name"] == "Ann Agent"
    assert locked_by["status"] == "team"
    assert ticket["properties"]["isLocked"] is True


async def test_an_assignee_guid_in_upper_case_finds_the_teammate(hd: Helpdesk) -> None:
    ann = hd.teammates["ann"]
    ticket = await hd.get(await hd.create(assigneeId=ann["id"].upper()))
    assert ticket["lockedBy"]["id"] == ann["id"]


async def test_a_read_only_assignee_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, assigneeId=hd.teammates["rita"]["id"])
    assert_hd_error(response, 403, 302)


async def test_an_unknown_assignee_is_ignored_and_reported(hd: Helpdesk) -> None:
    stranger = "43b8adc7-755d-2be3-afb1-b6a462631977"
    response = await post_ticket(hd, assigneeId=stranger)
    ticket = await hd.get(ok(response))
    assert ticket["lockedBy"] is None
    assert response.headers["X-Ticketd-Ignored"] == f"assigneeId={stranger}"


async def test_an_assignee_that_is_not_a_guid_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, assigneeId="ann@example.com")
    assert_hd_error(response, 400, 100, "assigneeId")


# --- create: custom fields ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("Order number", "12abc", "must be a number"),
        ("Order number", "NaN", "must be a number"),
        ("Purchase date", "2024-13-01", "must be a date"),
        ("Purchase date", "01/02/2024", "must be a date"),
        ("City", "Paris", "must be one of: Oslo, Bergen"),
        ("City", "oslo", "must be one of: Oslo, Bergen"),
        ("Notes", "   ", "needs a value"),
    ],
)
async def test_a_custom_field_value_of_the_wrong_type_is_refused_naming_the_field(
    hd: Helpdesk, name: str, value: str, expected: str
) -> None:
    response = await post_ticket(hd, customFields=[{"id": field_id(hd, name), "value": value}])
    body = assert_hd_error(response, 400, 100, expected)
    assert name in body["errorText"]
    assert await count_tickets(hd) == 0


async def test_good_custom_field_values_are_stored_and_shown(hd: Helpdesk) -> None:
    values = [
        {"id": field_id(hd, "Notes"), "value": "  fragile  "},
        {"id": field_id(hd, "City"), "value": "Bergen"},
        {"id": field_id(hd, "Order number"), "value": 42},
        {"id": field_id(hd, "Purchase date"), "value": "2024-02-29"},
    ]
    ticket = await hd.get(await hd.create(customFields=values))
    assert ticket["customFields"] == [
        {"id": field_id(hd, "City"), "value": "Bergen"},
        {"id": field_id(hd, "Order number"), "value": "42"},
        {"id": field_id(hd, "Purchase date"), "value": "2024-02-29"},
        {"id": field_id(hd, "Notes"), "value": "fragile"},
    ]


async def test_a_null_custom_field_value_on_create_stores_nothing(hd: Helpdesk) -> None:
    ticket = await hd.get(
        await hd.create(customFields=[{"id": field_id(hd, "Notes"), "value": None}])
    )
    assert ticket["customFields"] == []


async def test_an_unknown_custom_field_on_create_is_ignored_and_reported(hd: Helpdesk) -> None:
    unknown = unknown_field_id(hd)
    response = await post_ticket(hd, customFields=[{"id": unknown, "value": "x"}])
    ticket = await hd.get(ok(response))
    assert ticket["customFields"] == []
    assert response.headers["X-Ticketd-Ignored"] == f"customFields.id={unknown}"
