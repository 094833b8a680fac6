"""Helpdesk ticket create: the id, the Ticket object that get shows, and how HTML and text
messages are sanitised and stored, on both engines."""

import datetime as dt
import re

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_tickets import TICKET_KEYS, USER_KEYS, count_tickets, post_ticket

pytestmark = pytest.mark.anyio

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
GUID = re.compile(r"^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")
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
