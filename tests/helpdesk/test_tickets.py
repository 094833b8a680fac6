"""Helpdesk tickets: create (shape, sanitising, validation, limits), list filters and
paging, and the status, category, tags and custom-field edits, on both engines."""

import asyncio
import datetime as dt
import re
from typing import Any

import pytest

from tests.conftest import new_workspace
from tests.conftest import ticket_body as series_body
from tests.helpdesk.conftest import Helpdesk, access_token, assert_hd_error, ok, ticket_body
from ticketd.helpdesk import auth

pytestmark = pytest.mark.anyio

HUGE_ID = 99999999999999999999
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
TICKET_KEYS = {
    "id",
    "title",
    "message",
    "htmlMessage",
    "author",
    "category",
    "creationTime",
    "lastThreadElementCreationTime",
    "customFields",
    "lockedBy",
    "originalLink",
    "properties",
    "replyCount",
    "isMuted",
    "sentiment",
    "source",
    "detailedSource",
    "sourceName",
    "status",
    "tags",
    "attachments",
    "cc",
    "seriesTicketId",
    "gameReport",
}
USER_KEYS = {"customIdentifier", "email", "id", "image", "isBot", "name", "status"}
PROPERTY_KEYS = {
    "isAnonymized",
    "isMuted",
    "hasAttachments",
    "hasDraft",
    "isAssignedToBot",
    "isDeleted",
    "isExpired",
    "isHidden",
    "isLocked",
    "isSpam",
    "isSensitive",
}


# --- helpers -------------------------------------------------------------------------


async def post_ticket(hd: Helpdesk, **overrides: Any) -> Any:
    return await hd.client.post("/helpdesk/tickets", json=ticket_body(hd, **overrides))


async def listed(hd: Helpdesk, body: Any = None) -> list[dict[str, Any]]:
    return ok(await hd.client.post("/helpdesk/tickets/list", json={} if body is None else body))


async def listed_ids(hd: Helpdesk, body: Any = None) -> list[int]:
    return [t["id"] for t in await listed(hd, body)]


async def count_tickets(hd: Helpdesk) -> int:
    return len(await listed(hd, {"take": 50}))


async def tags_of_workspace(hd: Helpdesk) -> list[str]:
    return ok(await hd.client.get("/helpdesk/tags"))


def field_id(hd: Helpdesk, name: str) -> int:
    return hd.fields[name]["id"]


def unknown_category_id(hd: Helpdesk) -> int:
    return max(hd.categories.values()) + 1000


def unknown_field_id(hd: Helpdesk) -> int:
    return max(f["id"] for f in hd.fields.values()) + 1000


def creator(email: str, name: str = "Someone") -> dict[str, Any]:
    return {"name": name, "email": email}


async def set_status(hd: Helpdesk, ticket_id: int, status: str) -> None:
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/status", json={"status": status}
    )
    assert ok(response) == {}


async def series(hd: Helpdesk, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await hd.client.post(path, json=body, headers={"apikey": hd.ws.key})
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def helpdesk_id_of(hd: Helpdesk, code: str) -> int:
    return next(t["id"] for t in await listed(hd, {"take": 50}) if t["seriesTicketId"] == code)


# --- create: the id and the Ticket object ---------------------------------------------


async def test_create_returns_a_positive_integer_id_that_get_finds(hd: Helpdesk) -> None:
    ticket_id = ok(await post_ticket(hd))
    assert isinstance(ticket_id, int) and not isinstance(ticket_id, bool) and ticket_id > 0
    assert (await hd.get(ticket_id))["id"] == ticket_id


async def test_two_creates_return_different_ids(hd: Helpdesk) -> None:
    first = await hd.create()
    second = await hd.create()
    assert first != second


async def test_get_ticket_has_every_key_of_the_ticket_object(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create())
    assert set(ticket) == TICKET_KEYS


async def test_get_ticket_shows_the_created_values(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(cc=["ann_smith@example.com"]))
    assert ticket["title"] == "Cannot log in"
    assert ticket["status"] == "open"
    assert ticket["sentiment"] == "complaint"
    assert ticket["sourceName"] == "Contact form"
    assert (ticket["source"], ticket["detailedSource"]) == ("api", "api_helpdesk")
    assert ticket["tags"] == ["login"]
    assert ticket["cc"] == ["ann_smith@example.com"]
    assert ticket["lockedBy"] is None
    assert ticket["replyCount"] == 0
    assert ticket["gameReport"] is False
    assert ticket["seriesTicketId"].startswith("TICKET-")
    assert ticket["attachments"] == [] and ticket["customFields"] == []


async def test_get_ticket_author_is_a_client_user_object(hd: Helpdesk) -> None:
    image = "https://cdn.example.com/bill.png"
    ticket = await hd.get(
        await hd.create(
            creator={"name": "Bill Smith", "email": "bill_smith@example.com", "image": image}
        )
    )
    author = ticket["author"]
    assert set(author) == USER_KEYS
    assert author["email"] == "bill_smith@example.com"
    assert author["name"] == "Bill Smith"
    assert author["image"] == image
    assert author["status"] == "client"
    assert author["isBot"] is False
    assert GUID.match(author["id"])


async def test_get_ticket_category_has_id_name_and_parents(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create())
    category = ticket["category"]
    assert category["id"] == hd.categories["support"]
    assert category["name"] == "Support"
    assert category["key"] == "support"
    assert category["parents"] == []


async def test_get_ticket_properties_are_all_booleans(hd: Helpdesk) -> None:
    properties = (await hd.get(await hd.create()))["properties"]
    assert set(properties) == PROPERTY_KEYS
    assert all(isinstance(v, bool) for v in properties.values()), properties
    assert properties["isLocked"] is False and properties["hasAttachments"] is False


async def test_get_ticket_times_are_iso_with_a_utc_offset(hd: Helpdesk) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    ticket = await hd.get(await hd.create())
    after = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=5)
    assert ISO_UTC.match(ticket["creationTime"]), ticket["creationTime"]
    assert ISO_UTC.match(ticket["lastThreadElementCreationTime"])
    assert before <= dt.datetime.fromisoformat(ticket["creationTime"]) <= after


async def test_attachments_are_shown_as_not_content_parts(hd: Helpdesk) -> None:
    url = "https://files.example.com/receipt.pdf"
    ticket = await hd.get(await hd.create(attachments=[{"url": url, "name": "receipt.pdf"}]))
    assert ticket["attachments"] == [{"isContentPart": False, "name": "receipt.pdf", "url": url}]
    assert ticket["properties"]["hasAttachments"] is True


@pytest.mark.parametrize(
    "url", ["ftp://files.example.com/a.pdf", "javascript:alert(1)//aaaa", "files.example.com/a"]
)
async def test_an_attachment_url_that_is_not_http_is_refused(hd: Helpdesk, url: str) -> None:
    response = await post_ticket(hd, attachments=[{"url": url, "name": "a.pdf"}])
    assert_hd_error(response, 400, 100, "attachments")


# --- create: HTML and text messages ----------------------------------------------------


async def test_html_is_the_default_and_is_wrapped_in_the_message_div(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(message="<p>I cannot log in since <b>Tuesday</b>.</p>"))
    assert ticket["htmlMessage"] == (
        '<div class="sb-html-message"><p>I cannot log in since <b>Tuesday</b>.</p></div>'
    )
    assert ticket["message"] == "I cannot log in since Tuesday."


async def test_scripts_handlers_and_javascript_urls_are_removed_from_html(hd: Helpdesk) -> None:
    message = (
        '<p onclick="steal()">Hi <a href="javascript:alert(1)">link</a>'
        '<script>alert(2)</script><img src="https://x.example/a.png" onerror="bad()"></p>'
    )
    ticket = await hd.get(await hd.create(message=message))
    html = ticket["htmlMessage"]
    assert html.startswith('<div class="sb-html-message">') and html.endswith("</div>")
    for unsafe in ("<script", "alert", "onclick", "onerror", "javascript:", "steal", "bad()"):
        assert unsafe not in html, (unsafe, html)
    assert '<img src="https://x.example/a.png">' in html
    assert ticket["message"] == "Hi link"


async def test_plain_message_keeps_paragraph_breaks_of_the_html(hd: Helpdesk) -> None:
    ticket = await hd.get(await hd.create(message="<p>Line one</p><p>Line two</p>"))
    assert ticket["message"] == "Line one\n\nLine two"


async def test_html_with_nothing_left_after_sanitising_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, message="<script>alert(1)</script>")
    assert_hd_error(response, 400, 100, "message")
    assert await count_tickets(hd) == 0


async def test_text_message_is_escaped_into_html_message(hd: Helpdesk) -> None:
    text = "<b>5 > 3</b> & co\nnext line"
    ticket = await hd.get(await hd.create(message=text, isHtml=False))
    assert ticket["message"] == text
    assert ticket["htmlMessage"] == (
        '<div class="sb-html-message">&lt;b&gt;5 &gt; 3&lt;/b&gt; &amp; co<br>next line</div>'
    )


async def test_a_text_message_with_a_nul_character_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, message="before\u0000after", isHtml=False)
    assert_hd_error(response, 400, 100)
    assert await count_tickets(hd) == 0


# --- create: validation ---------------------------------------------------------------


async def test_an_invalid_creator_email_is_refused(hd: Helpdesk) -> None:
    response = await post_ticket(hd, creator=creator("bill at example"))
    assert_hd_error(response, 400, 100, "creator.email")


async def test_a_creator_image_with_a_nul_character_is_refused(hd: Helpdesk) -> None:
    image = "https://cdn.example.com/a\u0000.png"
    response = await post_ticket(hd, creator={"email": "nul@example.com", "image": image})
    assert_hd_error(response, 400, 100)
    assert await count_tickets(hd) == 0


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


# --- list -------------------------------------------------------------------------------


async def test_list_with_no_body_returns_the_tickets(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.post("/helpdesk/tickets/list")
    tickets = ok(response)
    assert [t["id"] for t in tickets] == [ticket_id]


async def test_list_with_an_empty_object_returns_full_ticket_objects(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    [ticket] = await listed(hd, {})
    assert set(ticket) == TICKET_KEYS
    assert ticket == await hd.get(ticket_id)


async def test_list_of_an_empty_workspace_is_an_empty_array(hd: Helpdesk) -> None:
    assert await listed(hd) == []


async def test_list_body_that_is_not_an_object_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json=[])
    assert_hd_error(response, 400, 100)


async def test_list_by_category_returns_only_that_category(hd: Helpdesk) -> None:
    support = await hd.create()
    reports = await hd.create(categoryId=hd.categories["reports"])
    await hd.create(categoryId=None)
    assert await listed_ids(hd, {"categoryId": hd.categories["support"]}) == [support]
    assert await listed_ids(hd, {"categoryId": hd.categories["reports"]}) == [reports]


async def test_list_with_null_category_returns_only_uncategorised(hd: Helpdesk) -> None:
    await hd.create()
    await hd.create(categoryId=hd.categories["reports"])
    none = await hd.create(categoryId=None)
    assert await listed_ids(hd, {"categoryId": None}) == [none]


async def test_list_without_category_returns_every_category(hd: Helpdesk) -> None:
    ids = {
        await hd.create(),
        await hd.create(categoryId=hd.categories["reports"]),
        await hd.create(categoryId=None),
    }
    assert set(await listed_ids(hd, {})) == ids


async def test_list_with_an_unknown_category_is_not_found(hd: Helpdesk) -> None:
    response = await hd.client.post(
        "/helpdesk/tickets/list", json={"categoryId": unknown_category_id(hd)}
    )
    assert_hd_error(response, 404, 402)


async def test_list_by_custom_fields_needs_every_value_to_match(hd: Helpdesk) -> None:
    city, notes = field_id(hd, "City"), field_id(hd, "Notes")
    both = await hd.create(
        categoryId=None, customFields=[{"id": city, "value": "Oslo"}, {"id": notes, "value": "vip"}]
    )
    oslo = await hd.create(categoryId=None, customFields=[{"id": city, "value": "Oslo"}])
    await hd.create(
        categoryId=None,
        customFields=[{"id": city, "value": "Bergen"}, {"id": notes, "value": "vip"}],
    )
    await hd.create(categoryId=None)
    only_city = {"customFields": [{"key": city, "value": "Oslo"}]}
    assert set(await listed_ids(hd, only_city)) == {both, oslo}
    city_and_notes = {
        "customFields": [{"key": city, "value": "Oslo"}, {"key": notes, "value": "vip"}]
    }
    assert await listed_ids(hd, city_and_notes) == [both]


async def test_list_by_custom_field_with_no_match_is_empty(hd: Helpdesk) -> None:
    city = field_id(hd, "City")
    await hd.create(customFields=[{"id": city, "value": "Oslo"}])
    assert await listed(hd, {"customFields": [{"key": city, "value": "Bergen"}]}) == []


async def test_list_by_custom_field_with_a_nul_character_is_refused(hd: Helpdesk) -> None:
    city = field_id(hd, "City")
    await hd.create(customFields=[{"id": city, "value": "Oslo"}])
    response = await hd.client.post(
        "/helpdesk/tickets/list", json={"customFields": [{"key": city, "value": "Os\u0000lo"}]}
    )
    assert_hd_error(response, 400, 100)


async def test_list_by_number_field_accepts_a_json_number(hd: Helpdesk) -> None:
    order = field_id(hd, "Order number")
    match = await hd.create(customFields=[{"id": order, "value": "42"}])
    await hd.create(customFields=[{"id": order, "value": "43"}])
    assert await listed_ids(hd, {"customFields": [{"key": order, "value": 42}]}) == [match]


async def test_list_by_creation_window_with_offsets_is_inclusive(hd: Helpdesk) -> None:
    ids = []
    for _ in range(3):
        ids.append(await hd.create(categoryId=None))
        await asyncio.sleep(0.02)
    created = [(await hd.get(i))["creationTime"] for i in ids]
    assert len(set(created)) == 3, created
    middle = dt.datetime.fromisoformat(created[1])
    plus_two = dt.timezone(dt.timedelta(hours=2))
    at_plus_two = middle.astimezone(plus_two).isoformat(timespec="milliseconds")
    assert at_plus_two.endswith("+02:00")
    assert await listed_ids(hd, {"from": at_plus_two, "to": at_plus_two}) == [ids[1]]
    from_middle = await listed_ids(hd, {"from": created[1], "orderBy": "creation_time_asc"})
    assert from_middle == ids[1:]
    to_middle = await listed_ids(hd, {"to": created[1], "orderBy": "creation_time_asc"})
    assert to_middle == ids[:2]


async def test_list_window_before_every_ticket_is_empty(hd: Helpdesk) -> None:
    await hd.create()
    assert await listed(hd, {"to": "2000-01-01T00:00:00+00:00"}) == []
    assert await listed(hd, {"from": "2999-01-01T00:00:00-05:00"}) == []


async def test_list_with_an_unreadable_from_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"from": "yesterday"})
    assert_hd_error(response, 400, 100, "from")


async def test_list_by_status_maps_the_three_statuses(hd: Helpdesk) -> None:
    opened = await hd.create(categoryId=None)
    pending = await hd.create(categoryId=None)
    completed = await hd.create(categoryId=None)
    await set_status(hd, pending, "pending")
    await set_status(hd, completed, "completed")
    assert await listed_ids(hd, {"status": "open"}) == [opened]
    assert await listed_ids(hd, {"status": "pending"}) == [pending]
    assert await listed_ids(hd, {"status": "completed"}) == [completed]


async def test_list_by_completed_includes_tickets_closed_through_series(hd: Helpdesk) -> None:
    created = await series(hd, "/tickets/create", series_body())
    code = created["TicketId"]
    response = await hd.client.post(
        f"/tickets/{code}/status",
        json={"status": "closed", "staffUserId": 987654321},
        headers={"apikey": hd.ws.key},
    )
    assert response.status_code == 200, response.text
    ticket_id = await helpdesk_id_of(hd, code)
    assert await listed_ids(hd, {"status": "completed"}) == [ticket_id]
    assert (await hd.get(ticket_id))["status"] == "completed"


async def test_list_with_an_unknown_status_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"status": "closed"})
    assert_hd_error(response, 400, 100, "status")


async def test_list_by_source_separates_api_and_game_tickets(hd: Helpdesk) -> None:
    helpdesk = await hd.create(categoryId=None)
    series_code = (await series(hd, "/tickets/create", series_body()))["TicketId"]
    game_code = (
        await series(
            hd, "/tickets/create-game-report", series_body(category="reports", placeId="1818")
        )
    )["TicketId"]
    from_series = await helpdesk_id_of(hd, series_code)
    game = await helpdesk_id_of(hd, game_code)
    assert set(await listed_ids(hd, {"source": "api"})) == {helpdesk, from_series}
    assert await listed_ids(hd, {"source": "game"}) == [game]
    assert await listed_ids(hd, {"source": "api_helpdesk"}) == [helpdesk]
    assert await listed_ids(hd, {"source": "api_series"}) == [from_series]
    game_ticket = await hd.get(game)
    assert (game_ticket["source"], game_ticket["gameReport"]) == ("game", True)


@pytest.mark.parametrize("source", ["web", "API", ""])
async def test_list_with_an_unknown_source_is_refused(hd: Helpdesk, source: str) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"source": source})
    assert_hd_error(response, 400, 100, "source")


async def test_list_orders_by_creation_time(hd: Helpdesk) -> None:
    ids = [await hd.create(categoryId=None) for _ in range(3)]
    assert await listed_ids(hd, {"orderBy": "creation_time_asc"}) == ids
    assert await listed_ids(hd, {"orderBy": "creation_time_desc"}) == ids[::-1]


async def test_list_orders_by_last_thread_activity(hd: Helpdesk) -> None:
    first, second, third = [await hd.create(categoryId=None) for _ in range(3)]
    await asyncio.sleep(0.02)
    response = await hd.client.post(
        f"/helpdesk/tickets/{first}/notes",
        json={"message": "Looking into it", "author": {"email": "ann@example.com"}},
    )
    ok(response)
    assert await listed_ids(hd, {"orderBy": "last_thread_activity_desc"}) == [first, third, second]
    assert await listed_ids(hd, {"orderBy": "last_thread_activity_asc"}) == [second, third, first]
    # The default order is the most recent activity first.
    assert await listed_ids(hd, {}) == [first, third, second]


async def test_list_with_an_unknown_order_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"orderBy": "title_asc"})
    assert_hd_error(response, 400, 100, "orderBy")


async def test_list_by_ticket_ids_returns_only_those(hd: Helpdesk) -> None:
    a, _, c = [await hd.create(categoryId=None) for _ in range(3)]
    found = await listed_ids(hd, {"ticketIds": [a, c], "orderBy": "creation_time_asc"})
    assert found == [a, c]


async def test_list_by_unknown_ticket_ids_is_empty(hd: Helpdesk) -> None:
    await hd.create()
    assert await listed(hd, {"ticketIds": [2**62]}) == []


async def test_list_filters_combine(hd: Helpdesk) -> None:
    city = field_id(hd, "City")
    wanted = await hd.create(customFields=[{"id": city, "value": "Oslo"}])
    done = await hd.create(customFields=[{"id": city, "value": "Oslo"}])
    await hd.create(categoryId=None, customFields=[{"id": city, "value": "Oslo"}])
    await set_status(hd, done, "completed")
    body = {
        "categoryId": hd.categories["support"],
        "status": "open",
        "customFields": [{"key": city, "value": "Oslo"}],
        "source": "api",
    }
    assert await listed_ids(hd, body) == [wanted]


async def test_list_takes_25_by_default(hd: Helpdesk) -> None:
    for _ in range(26):
        await hd.create(categoryId=None)
    assert len(await listed(hd, {})) == 25
    assert len(await listed(hd, {"take": 50})) == 26


@pytest.mark.parametrize("take", [51, 0, -1])
async def test_list_take_outside_1_to_50_is_refused(hd: Helpdesk, take: int) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"take": take})
    assert_hd_error(response, 400, 100, "take")


async def test_list_negative_skip_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list", json={"skip": -1})
    assert_hd_error(response, 400, 100, "skip")


async def test_list_pages_do_not_overlap_and_cover_every_ticket(hd: Helpdesk) -> None:
    ids = [await hd.create(categoryId=None) for _ in range(5)]
    pages = [
        await listed_ids(hd, {"skip": skip, "take": 2, "orderBy": "creation_time_asc"})
        for skip in (0, 2, 4)
    ]
    assert pages == [ids[0:2], ids[2:4], ids[4:5]]
    assert await listed(hd, {"skip": 5, "take": 2}) == []


# --- status ----------------------------------------------------------------------------


async def test_status_goes_open_pending_completed_and_reopens(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert (await hd.get(ticket_id))["status"] == "open"
    for status in ("pending", "completed", "open"):
        await set_status(hd, ticket_id, status)
        assert (await hd.get(ticket_id))["status"] == status


async def test_setting_the_same_status_again_is_accepted(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await set_status(hd, ticket_id, "pending")
    await set_status(hd, ticket_id, "pending")
    assert (await hd.get(ticket_id))["status"] == "pending"


@pytest.mark.parametrize("status", ["closed", "in-progress", "OPEN", ""])
async def test_an_invalid_status_is_refused(hd: Helpdesk, status: str) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/status", json={"status": status}
    )
    assert_hd_error(response, 400, 100, "status")
    assert (await hd.get(ticket_id))["status"] == "open"


async def test_a_status_body_without_status_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(f"/helpdesk/tickets/{ticket_id}/status", json={})
    assert_hd_error(response, 400, 100, "status: is required")


# --- category ----------------------------------------------------------------------------


async def test_category_can_be_changed(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/category", json={"categoryId": hd.categories["reports"]}
    )
    assert ok(response) == {}
    category = (await hd.get(ticket_id))["category"]
    assert (category["id"], category["name"]) == (hd.categories["reports"], "Player Reports")


async def test_category_can_be_set_to_null(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/category", json={"categoryId": None}
    )
    ok(response)
    assert (await hd.get(ticket_id))["category"] is None
    assert await listed_ids(hd, {"categoryId": None}) == [ticket_id]


async def test_an_uncategorised_ticket_can_be_given_a_category(hd: Helpdesk) -> None:
    ticket_id = await hd.create(categoryId=None)
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/category", json={"categoryId": hd.categories["support"]}
    )
    ok(response)
    assert (await hd.get(ticket_id))["category"]["key"] == "support"


async def test_changing_to_an_unknown_category_is_not_found(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(
        f"/helpdesk/tickets/{ticket_id}/category", json={"categoryId": unknown_category_id(hd)}
    )
    assert_hd_error(response, 404, 402)
    assert (await hd.get(ticket_id))["category"]["key"] == "support"


async def test_a_category_body_without_category_id_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.patch(f"/helpdesk/tickets/{ticket_id}/category", json={})
    assert_hd_error(response, 400, 100, "categoryId")


# --- tags --------------------------------------------------------------------------------


async def test_tags_are_replaced_by_an_array_body(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])
    response = await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json=["billing", "vip"])
    assert ok(response) == ["billing", "vip"]
    assert (await hd.get(ticket_id))["tags"] == ["billing", "vip"]


async def test_tags_are_replaced_by_an_object_body(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])
    response = await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json={"tags": ["refund"]})
    assert ok(response) == ["refund"]
    assert (await hd.get(ticket_id))["tags"] == ["refund"]


async def test_tags_can_be_replaced_by_none(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])
    assert ok(await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json=[])) == []
    assert (await hd.get(ticket_id))["tags"] == []


async def test_tags_are_trimmed_and_deduplicated_ignoring_case(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=[])
    response = await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/tags", json=["Billing", " billing ", "BILLING", "Refund"]
    )
    assert ok(response) == ["Billing", "Refund"]
    assert (await hd.get(ticket_id))["tags"] == ["Billing", "Refund"]


async def test_tags_on_create_are_deduplicated_ignoring_case(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["Login", "login", " LOGIN"])
    assert (await hd.get(ticket_id))["tags"] == ["Login"]


async def test_an_empty_tag_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])
    response = await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json=["ok", "  "])
    assert_hd_error(response, 400, 100, "tag")
    assert (await hd.get(ticket_id))["tags"] == ["login"]


async def test_a_tags_body_of_the_wrong_shape_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json={"tags": "vip"})
    assert_hd_error(response, 400, 100, "tags")


async def test_the_tags_endpoint_lists_every_tag_name_of_the_workspace(hd: Helpdesk) -> None:
    first = await hd.create(tags=["login"])
    await hd.create(tags=["Billing"])
    ok(await hd.client.put(f"/helpdesk/tickets/{first}/tags", json=["vip"]))
    # A tag no ticket carries any more is still a known name.
    assert await tags_of_workspace(hd) == ["Billing", "login", "vip"]


async def test_a_tag_known_in_another_case_is_still_attached(hd: Helpdesk) -> None:
    await hd.create(tags=["login"])
    second = await hd.create(tags=[])
    ok(await hd.client.put(f"/helpdesk/tickets/{second}/tags", json=["Login"]))
    [tag] = (await hd.get(second))["tags"]
    assert tag.lower() == "login"


async def test_replacing_tags_answers_the_names_as_the_ticket_shows_them(hd: Helpdesk) -> None:
    await hd.create(tags=["login"])
    second = await hd.create(tags=[])
    answered = ok(await hd.client.put(f"/helpdesk/tickets/{second}/tags", json=["Login", "vip"]))
    assert answered == (await hd.get(second))["tags"]


async def test_the_tags_endpoint_lists_a_name_once_whatever_its_case(hd: Helpdesk) -> None:
    await hd.create(tags=["login"])
    await hd.create(tags=["Login"])
    assert [t.lower() for t in await tags_of_workspace(hd)] == ["login"]


# --- custom field values -----------------------------------------------------------------


async def put_field(hd: Helpdesk, ticket_id: int, fid: int, value: Any) -> Any:
    return await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/customFields/{fid}", json={"value": value}
    )


async def test_a_custom_field_value_can_be_set(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    city = field_id(hd, "City")
    assert ok(await put_field(hd, ticket_id, city, "Oslo")) == {"id": city, "value": "Oslo"}
    assert (await hd.get(ticket_id))["customFields"] == [{"id": city, "value": "Oslo"}]


async def test_a_custom_field_value_can_be_updated(hd: Helpdesk) -> None:
    city = field_id(hd, "City")
    ticket_id = await hd.create(customFields=[{"id": city, "value": "Oslo"}])
    assert ok(await put_field(hd, ticket_id, city, "Bergen")) == {"id": city, "value": "Bergen"}
    assert (await hd.get(ticket_id))["customFields"] == [{"id": city, "value": "Bergen"}]


async def test_a_number_value_is_stored_as_its_text(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    order = field_id(hd, "Order number")
    assert ok(await put_field(hd, ticket_id, order, 1234.5)) == {"id": order, "value": "1234.5"}
    assert (await hd.get(ticket_id))["customFields"] == [{"id": order, "value": "1234.5"}]


async def test_a_null_custom_field_value_clears_it(hd: Helpdesk) -> None:
    city, notes = field_id(hd, "City"), field_id(hd, "Notes")
    ticket_id = await hd.create(
        customFields=[{"id": city, "value": "Oslo"}, {"id": notes, "value": "vip"}]
    )
    assert ok(await put_field(hd, ticket_id, city, None)) == {"id": city, "value": None}
    assert (await hd.get(ticket_id))["customFields"] == [{"id": notes, "value": "vip"}]


async def test_clearing_a_custom_field_that_has_no_value_is_accepted(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    city = field_id(hd, "City")
    assert ok(await put_field(hd, ticket_id, city, None)) == {"id": city, "value": None}
    assert (await hd.get(ticket_id))["customFields"] == []


@pytest.mark.parametrize(
    ("name", "value"),
    [("City", "Paris"), ("Order number", "lots"), ("Purchase date", "2024-02-30")],
)
async def test_a_bad_custom_field_value_is_refused_and_nothing_changes(
    hd: Helpdesk, name: str, value: str
) -> None:
    fid = field_id(hd, name)
    ticket_id = await hd.create()
    response = await put_field(hd, ticket_id, fid, value)
    assert_hd_error(response, 400, 100, name)
    assert (await hd.get(ticket_id))["customFields"] == []


async def test_a_custom_field_body_without_value_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/customFields/{field_id(hd, 'Notes')}", json={}
    )
    assert_hd_error(response, 400, 100, "value")


@pytest.mark.parametrize("which", ["unknown", "huge", "zero"])
async def test_an_unknown_custom_field_is_not_found(hd: Helpdesk, which: str) -> None:
    ticket_id = await hd.create()
    fid = {"unknown": unknown_field_id(hd), "huge": HUGE_ID, "zero": 0}[which]
    response = await put_field(hd, ticket_id, fid, "x")
    assert_hd_error(response, 404, 403)


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


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_status_and_category_take_patch_or_put(hd: Helpdesk, method: str) -> None:
    ticket_id = await hd.create()
    path = f"/helpdesk/tickets/{ticket_id}"
    ok(await hd.client.request(method, f"{path}/status", json={"status": "pending"}))
    body = {"categoryId": hd.categories["reports"]}
    ok(await hd.client.request(method, f"{path}/category", json=body))
    ticket = await hd.get(ticket_id)
    assert (ticket["status"], ticket["category"]["key"]) == ("pending", "reports")


async def test_paging_in_the_query_string_of_a_list_is_refused_not_ignored(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/tickets/list?take=10", json={})
    assert_hd_error(response, 400, 100, "skip and take go in the request body")
