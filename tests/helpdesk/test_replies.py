"""Helpdesk replies: the Reply object, who may reply, threading and listing, on both
engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error
from tests.support.helpdesk_conversation import (
    ADAM,
    ANN,
    CREATOR,
    ISO_UTC,
    RITA,
    USER_KEYS,
    assign,
    guid,
    note,
    path,
    post_reply,
    replies,
    reply,
    status_of,
)

pytestmark = pytest.mark.anyio

REPLY_KEYS = {
    "id",
    "ticketId",
    "message",
    "htmlMessage",
    "author",
    "attachments",
    "creationTime",
    "tags",
    "ccEmails",
    "toEmails",
    "level",
    "parentReplyId",
    "properties",
}


# --- replies: the Reply object ---------------------------------------------------------


async def test_a_teammate_reply_is_a_team_reply_object(hd: Helpdesk) -> None:
    ticket_id = await hd.create(cc=["ann_smith@example.com", "boss@example.com"])
    created = await reply(hd, ticket_id, message="<p>Try <b>resetting</b> it.</p>")
    assert set(created) == REPLY_KEYS
    assert isinstance(created["id"], int) and created["id"] > 0
    assert created["ticketId"] == ticket_id
    assert created["message"] == "Try resetting it."
    assert created["htmlMessage"] == (
        '<div class="sb-html-message"><p>Try <b>resetting</b> it.</p></div>'
    )
    assert created["ccEmails"] == ["ann_smith@example.com", "boss@example.com"]
    assert created["toEmails"] == [CREATOR]
    assert created["level"] == 0 and created["parentReplyId"] is None
    assert created["properties"] == {"isByTeam": True, "isDraft": False, "isHidden": False}
    assert created["tags"] == [] and created["attachments"] == []
    assert ISO_UTC.match(created["creationTime"]), created["creationTime"]


async def test_a_teammate_reply_author_is_the_teammate_as_a_team_user(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    author = (await reply(hd, ticket_id))["author"]
    assert set(author) == USER_KEYS
    assert author["id"] == guid(hd, "ann")
    assert (author["email"], author["name"]) == (ANN, "Ann Agent")
    assert (author["status"], author["isBot"]) == ("team", False)


async def test_the_teammate_is_found_by_email_whatever_its_case(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await reply(hd, ticket_id, email="Ann@EXAMPLE.com")
    assert created["author"]["id"] == guid(hd, "ann")
    assert created["properties"]["isByTeam"] is True


async def test_a_reply_is_listed_exactly_as_it_was_answered(hd: Helpdesk) -> None:
    ticket_id = await hd.create(cc=["boss@example.com"])
    created = await reply(hd, ticket_id)
    assert await replies(hd, ticket_id) == [created]


async def test_reply_html_is_sanitised(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    message = (
        '<p onclick="steal()">Fixed<script>alert(1)</script> <a href="javascript:x()">ok</a></p>'
    )
    created = await reply(hd, ticket_id, message=message)
    html = created["htmlMessage"]
    for unsafe in ("<script", "alert", "onclick", "steal", "javascript:"):
        assert unsafe not in html, (unsafe, html)
    assert created["message"] == "Fixed ok"


async def test_a_plain_text_reply_is_escaped_into_html(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await reply(hd, ticket_id, message="1 < 2 & <b>", isHtml=False)
    assert created["message"] == "1 < 2 & <b>"
    assert created["htmlMessage"] == '<div class="sb-html-message">1 &lt; 2 &amp; &lt;b&gt;</div>'


async def test_reply_attachments_are_stored(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    url = "https://files.example.com/guide.pdf"
    created = await reply(hd, ticket_id, attachments=[{"url": url, "name": "guide.pdf"}])
    expected = [{"isContentPart": False, "name": "guide.pdf", "url": url}]
    assert created["attachments"] == expected
    [listed] = await replies(hd, ticket_id)
    assert listed["attachments"] == expected


async def test_a_reply_with_a_non_http_attachment_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    attachments = [{"url": "ftp://files.example.com/a.pdf", "name": "a.pdf"}]
    response = await post_reply(hd, ticket_id, attachments=attachments)
    assert_hd_error(response, 400, 100, "attachments")
    assert await replies(hd, ticket_id) == []


async def test_a_reply_without_author_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.post(path(ticket_id, "/replies"), json={"message": "Hi"})
    assert_hd_error(response, 400, 100, "author: is required")


async def test_a_reply_with_nothing_left_after_sanitising_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, message="<script>alert(1)</script>")
    assert_hd_error(response, 400, 100, "message")
    assert (await hd.get(ticket_id))["replyCount"] == 0


# --- replies: who may reply ---------------------------------------------------------------


async def test_a_reply_by_an_unknown_author_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, email="someone@example.com")
    assert_hd_error(response, 403, 303)
    assert await replies(hd, ticket_id) == []
    assert await status_of(hd, ticket_id) == "open"


async def test_the_creator_of_another_ticket_cannot_reply(hd: Helpdesk) -> None:
    await hd.create(creator={"name": "Other", "email": "other@example.com"})
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, email="other@example.com")
    assert_hd_error(response, 403, 303)


async def test_a_read_only_teammate_cannot_reply(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, email=RITA)
    assert_hd_error(response, 403, 302)
    ticket = await hd.get(ticket_id)
    assert (ticket["replyCount"], ticket["status"]) == (0, "open")
    assert await replies(hd, ticket_id) == []


async def test_a_reply_to_an_unknown_ticket_is_not_found(hd: Helpdesk) -> None:
    assert_hd_error(await post_reply(hd, 424242), 404, 401)


# --- replies: threading ------------------------------------------------------------------


async def test_a_reply_to_a_reply_is_one_level_deeper(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    parent = await reply(hd, ticket_id)
    child = await reply(hd, ticket_id, email=CREATOR, parentReplyId=parent["id"])
    assert (child["level"], child["parentReplyId"]) == (1, parent["id"])


async def test_a_reply_to_a_nested_reply_is_level_two(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    first = await reply(hd, ticket_id)
    second = await reply(hd, ticket_id, parentReplyId=first["id"])
    third = await reply(hd, ticket_id, parentReplyId=second["id"])
    assert (third["level"], third["parentReplyId"]) == (2, second["id"])


async def test_a_note_is_not_a_parent_reply(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    internal = await note(hd, ticket_id)
    response = await post_reply(hd, ticket_id, parentReplyId=internal["id"])
    assert_hd_error(response, 404, 405)
    assert await replies(hd, ticket_id) == []


async def test_an_unknown_parent_reply_is_not_found(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, parentReplyId=2**62)
    assert_hd_error(response, 404, 405)
    assert (await hd.get(ticket_id))["replyCount"] == 0


async def test_a_reply_of_another_ticket_is_not_a_parent(hd: Helpdesk) -> None:
    other = await hd.create()
    foreign = await reply(hd, other)
    ticket_id = await hd.create()
    response = await post_reply(hd, ticket_id, parentReplyId=foreign["id"])
    assert_hd_error(response, 404, 405)


# --- replies: listing ----------------------------------------------------------------------


async def test_replies_are_listed_oldest_first(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, message="first")
    await reply(hd, ticket_id, email=CREATOR, message="second")
    await reply(hd, ticket_id, email=ADAM, message="third")
    assert [r["message"] for r in await replies(hd, ticket_id)] == ["first", "second", "third"]


async def test_replies_exclude_the_opening_message_notes_and_system_messages(
    hd: Helpdesk,
) -> None:
    ticket_id = await hd.create()
    await note(hd, ticket_id, message="internal only")
    await reply(hd, ticket_id, message="the answer")  # also changes the status
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    assert [r["message"] for r in await replies(hd, ticket_id)] == ["the answer"]


async def test_a_ticket_without_replies_lists_none(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert await replies(hd, ticket_id) == []


async def test_replies_are_paged_with_skip_and_take(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    for i in range(5):
        await reply(hd, ticket_id, message=f"reply {i}")
    pages = [
        [r["message"] for r in await replies(hd, ticket_id, f"?skip={skip}&take=2")]
        for skip in (0, 2, 4, 6)
    ]
    assert pages == [["reply 0", "reply 1"], ["reply 2", "reply 3"], ["reply 4"], []]


@pytest.mark.parametrize("query", ["?take=51", "?take=0", "?take=abc", "?skip=-1"])
async def test_reply_paging_outside_the_limits_is_refused(hd: Helpdesk, query: str) -> None:
    ticket_id = await hd.create()
    response = await hd.client.get(path(ticket_id, "/replies") + query)
    assert_hd_error(response, 400, 100, query[1:].split("=")[0])


async def test_replies_of_an_unknown_ticket_are_not_found(hd: Helpdesk) -> None:
    assert_hd_error(await hd.client.get(path(424242, "/replies")), 404, 401)
