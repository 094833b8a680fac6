"""Helpdesk conversation: assignment, replies, internal notes and the ticket log, on
both engines."""

import re
from typing import Any

import httpx
import pytest

from tests.helpdesk.conftest import Helpdesk, assert_hd_error, ok

pytestmark = pytest.mark.anyio

CREATOR = "bill_smith@example.com"
ANN = "ann@example.com"
ADAM = "adam@example.com"
RITA = "rita@example.com"
STRANGER_GUID = "43b8adc7-755d-2be3-afb1-b6a462631977"
ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
USER_KEYS = {"customIdentifier", "email", "id", "image", "isBot", "name", "status"}
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
NOTE_KEYS = {
    "id",
    "message",
    "htmlMessage",
    "attachments",
    "author",
    "mentionedUsers",
    "creationTime",
    "updateTime",
}
LOG_KEYS = {"actionType", "actionString", "includedItems", "time", "user"}


# --- helpers -------------------------------------------------------------------------


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


async def locked_by(hd: Helpdesk, ticket_id: int) -> str | None:
    user = (await hd.get(ticket_id))["lockedBy"]
    return None if user is None else user["id"]


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


async def notes(hd: Helpdesk, ticket_id: int) -> list[dict[str, Any]]:
    return ok(await hd.client.get(path(ticket_id, "/notes")))


async def put_note(hd: Helpdesk, ticket_id: int, note_id: int, body: Any) -> httpx.Response:
    return await hd.client.put(path(ticket_id, f"/notes/{note_id}"), json=body)


async def post_log(
    hd: Helpdesk, ticket_id: int, body: Any = None, query: str = ""
) -> httpx.Response:
    return await hd.client.post(path(ticket_id, "/log") + query, json=body)


async def log(
    hd: Helpdesk, ticket_id: int, body: Any = None, query: str = ""
) -> list[dict[str, Any]]:
    return ok(await post_log(hd, ticket_id, {} if body is None else body, query))


async def action_types(hd: Helpdesk, ticket_id: int, body: Any = None) -> list[str]:
    return [e["actionType"] for e in await log(hd, ticket_id, body)]


async def series_content(hd: Helpdesk, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's `Content` through the Series API, by its seriesTicketId."""
    code = (await hd.get(ticket_id))["seriesTicketId"]
    response = await hd.client.get(f"/tickets/get/{code}", headers={"apikey": hd.ws.key})
    assert response.status_code == 200, response.text
    return list(response.json()["data"]["Ticket"]["Content"].values())


# --- assignee ------------------------------------------------------------------------


async def test_assigning_an_unassigned_ticket_locks_it_to_the_teammate(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": None}
    assert ok(await patch_assignee(hd, ticket_id, body)) == {}
    ticket = await hd.get(ticket_id)
    assert ticket["lockedBy"]["id"] == guid(hd, "ann")
    assert ticket["lockedBy"]["email"] == ANN
    assert ticket["lockedBy"]["status"] == "team"
    assert ticket["properties"]["isLocked"] is True


async def test_the_string_null_is_accepted_as_no_previous_assignee(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": "null"}
    assert ok(await patch_assignee(hd, ticket_id, body)) == {}
    assert await locked_by(hd, ticket_id) == guid(hd, "ann")


async def test_the_string_null_as_assignee_unassigns(hd: Helpdesk) -> None:
    ticket_id = await hd.create(assigneeId=guid(hd, "ann"))
    body = {"assigneeId": "null", "previousAssigneeId": guid(hd, "ann")}
    assert ok(await patch_assignee(hd, ticket_id, body)) == {}
    assert await locked_by(hd, ticket_id) is None


async def test_a_stale_previous_assignee_is_a_conflict_and_changes_nothing(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    # A second view still believes the ticket is unassigned.
    body = {"assigneeId": guid(hd, "adam"), "previousAssigneeId": None}
    error = assert_hd_error(await patch_assignee(hd, ticket_id, body), 409, 500)
    assert guid(hd, "ann") in error["errorText"]
    assert await locked_by(hd, ticket_id) == guid(hd, "ann")


async def test_a_previous_assignee_on_an_unassigned_ticket_is_a_conflict(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "adam"), "previousAssigneeId": guid(hd, "ann")}
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 409, 500)
    assert await locked_by(hd, ticket_id) is None


async def test_a_ticket_is_reassigned_when_the_previous_assignee_is_right(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    await assign(hd, ticket_id, guid(hd, "adam"), guid(hd, "ann"))
    ticket = await hd.get(ticket_id)
    assert ticket["lockedBy"]["id"] == guid(hd, "adam")
    assert ticket["lockedBy"]["email"] == ADAM


async def test_a_null_assignee_unassigns_the_ticket(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    await assign(hd, ticket_id, None, guid(hd, "ann"))
    ticket = await hd.get(ticket_id)
    assert ticket["lockedBy"] is None
    assert ticket["properties"]["isLocked"] is False


async def test_assignment_leaves_the_status_alone(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    assert await status_of(hd, ticket_id) == "open"


async def test_a_read_only_user_cannot_be_assigned(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "rita"), "previousAssigneeId": None}
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 403, 302)
    assert await locked_by(hd, ticket_id) is None


async def test_an_unknown_teammate_guid_is_not_found(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": STRANGER_GUID, "previousAssigneeId": None}
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 404, 404)
    assert await locked_by(hd, ticket_id) is None


@pytest.mark.parametrize("field", ["assigneeId", "previousAssigneeId"])
@pytest.mark.parametrize("value", ["ann@example.com", "43b8adc7-755d-2be3-afb1", 42])
async def test_a_malformed_guid_is_refused(hd: Helpdesk, field: str, value: Any) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": None, field: value}
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 400, 100, field)
    assert await locked_by(hd, ticket_id) is None


@pytest.mark.parametrize("missing", ["assigneeId", "previousAssigneeId"])
async def test_both_assignee_fields_are_required(hd: Helpdesk, missing: str) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": None}
    del body[missing]
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 400, 100, f"{missing}: is required")
    assert await locked_by(hd, ticket_id) is None


async def test_the_lower_case_assignee_path_also_assigns(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": None}
    assert ok(await patch_assignee(hd, ticket_id, body, segment="assignee")) == {}
    assert await locked_by(hd, ticket_id) == guid(hd, "ann")


async def test_assignee_guids_in_upper_case_are_matched(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann").upper(), None)
    await assign(hd, ticket_id, guid(hd, "adam").upper(), guid(hd, "ann").upper())
    assert await locked_by(hd, ticket_id) == guid(hd, "adam")


async def test_assigning_an_unknown_ticket_is_not_found(hd: Helpdesk) -> None:
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": None}
    assert_hd_error(await patch_assignee(hd, 424242, body), 404, 401)


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


# --- replies: status -------------------------------------------------------------------


async def test_a_teammate_reply_moves_an_open_ticket_to_pending(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id)
    assert await status_of(hd, ticket_id) == "pending"


async def test_a_teammate_reply_with_suppressed_autoupdate_leaves_it_open(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, suppressTicketStatusAutoupdate=True)
    assert await status_of(hd, ticket_id) == "open"


async def test_a_reply_that_needs_completing_completes_the_ticket(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, isTicketNeededToBeCompleted=True)
    assert await status_of(hd, ticket_id) == "completed"


async def test_completing_wins_over_a_suppressed_autoupdate(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(
        hd, ticket_id, isTicketNeededToBeCompleted=True, suppressTicketStatusAutoupdate=True
    )
    assert await status_of(hd, ticket_id) == "completed"


async def test_a_teammate_reply_keeps_a_pending_ticket_pending(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await set_status(hd, ticket_id, "pending")
    await reply(hd, ticket_id)
    assert await status_of(hd, ticket_id) == "pending"


async def test_a_creator_reply_is_not_by_the_team(hd: Helpdesk) -> None:
    ticket_id = await hd.create(cc=["boss@example.com"])
    created = await reply(hd, ticket_id, email=CREATOR, message="Still broken.")
    assert created["properties"]["isByTeam"] is False
    assert created["author"]["email"] == CREATOR
    assert created["author"]["status"] == "client"
    assert created["author"]["id"] == (await hd.get(ticket_id))["author"]["id"]
    assert (created["ccEmails"], created["toEmails"]) == ([], [])


async def test_the_creator_is_found_by_email_whatever_its_case(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await reply(hd, ticket_id, email="BILL_SMITH@Example.COM", message="Hello?")
    assert created["properties"]["isByTeam"] is False


async def test_a_creator_reply_moves_a_pending_ticket_back_to_open(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id)
    assert await status_of(hd, ticket_id) == "pending"
    await reply(hd, ticket_id, email=CREATOR, message="Still broken.")
    assert await status_of(hd, ticket_id) == "open"


async def test_a_creator_reply_with_suppressed_autoupdate_stays_pending(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await set_status(hd, ticket_id, "pending")
    await reply(
        hd, ticket_id, email=CREATOR, message="Still broken.", suppressTicketStatusAutoupdate=True
    )
    assert await status_of(hd, ticket_id) == "pending"


async def test_the_creator_cannot_reply_to_a_completed_ticket(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await set_status(hd, ticket_id, "completed")
    response = await post_reply(hd, ticket_id, email=CREATOR, message="Reopen please")
    assert_hd_error(response, 403, 307)
    assert await replies(hd, ticket_id) == []


async def test_the_creator_cannot_complete_a_ticket_by_replying(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_reply(
        hd, ticket_id, email=CREATOR, message="Done", isTicketNeededToBeCompleted=True
    )
    assert_hd_error(response, 403, 303, "Only a teammate can complete a ticket")
    assert await status_of(hd, ticket_id) == "open"
    assert await replies(hd, ticket_id) == []


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


# --- replies: drafts and counts ------------------------------------------------------------


async def test_a_draft_is_marked_as_a_draft(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    draft = await reply(hd, ticket_id, isDraft=True)
    assert draft["properties"]["isDraft"] is True
    [listed] = await replies(hd, ticket_id)
    assert listed["properties"]["isDraft"] is True


async def test_a_draft_sets_has_draft_and_changes_neither_count_nor_status(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, isDraft=True)
    ticket = await hd.get(ticket_id)
    assert ticket["properties"]["hasDraft"] is True
    assert ticket["replyCount"] == 0
    assert ticket["status"] == "open"


async def test_a_draft_that_needs_completing_does_not_complete(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, isDraft=True, isTicketNeededToBeCompleted=True)
    assert await status_of(hd, ticket_id) == "open"


async def test_a_draft_never_shows_in_the_series_api(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, message="Unsent draft text", isDraft=True)
    contents = [m["Content"] for m in await series_content(hd, ticket_id)]
    assert "Unsent draft text" not in contents
    assert len(contents) == 1  # the opening message only


async def test_reply_count_counts_published_replies_only(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert (await hd.get(ticket_id))["replyCount"] == 0
    await reply(hd, ticket_id)
    await reply(hd, ticket_id, email=CREATOR, message="Thanks")
    await reply(hd, ticket_id, isDraft=True)
    await note(hd, ticket_id)
    assert (await hd.get(ticket_id))["replyCount"] == 2


async def test_a_published_reply_sets_no_draft(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id)
    assert (await hd.get(ticket_id))["properties"]["hasDraft"] is False


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


# --- notes ------------------------------------------------------------------------------


async def test_a_note_is_a_note_object_by_its_author(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, message="<p>Customer is a <b>VIP</b>.</p>")
    assert set(created) == NOTE_KEYS
    assert isinstance(created["id"], int) and created["id"] > 0
    assert created["message"] == "Customer is a VIP."
    assert created["htmlMessage"] == (
        '<div class="sb-html-message"><p>Customer is a <b>VIP</b>.</p></div>'
    )
    assert created["author"]["id"] == guid(hd, "ann")
    assert created["author"]["status"] == "team"
    assert created["mentionedUsers"] == []
    assert ISO_UTC.match(created["creationTime"]), created["creationTime"]


async def test_a_new_note_has_no_update_time_until_it_is_updated(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id)
    assert created["updateTime"] is None
    updated = ok(await put_note(hd, ticket_id, created["id"], {"message": "Edited"}))
    assert ISO_UTC.match(updated["updateTime"]), updated["updateTime"]
    assert updated["updateTime"] >= updated["creationTime"]
    assert updated["creationTime"] == created["creationTime"]


async def test_note_mentions_by_guid_and_email_are_user_objects(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[guid(hd, "adam"), "RITA@example.com"])
    mentioned = created["mentionedUsers"]
    assert [u["id"] for u in mentioned] == [guid(hd, "adam"), guid(hd, "rita")]
    assert all(set(u) == USER_KEYS for u in mentioned)
    assert [(u["email"], u["name"], u["status"]) for u in mentioned] == [
        (ADAM, "Adam Admin", "team"),
        (RITA, "Rita Reader", "team"),
    ]


async def test_a_teammate_mentioned_twice_is_listed_once(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[guid(hd, "adam"), ADAM])
    assert [u["id"] for u in created["mentionedUsers"]] == [guid(hd, "adam")]


async def test_a_mention_by_guid_in_upper_case_finds_the_teammate(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[guid(hd, "adam").upper()])
    assert [u["id"] for u in created["mentionedUsers"]] == [guid(hd, "adam")]


@pytest.mark.parametrize("mention", [STRANGER_GUID, "someone@example.com", CREATOR])
async def test_a_mention_of_someone_who_is_no_teammate_is_refused(
    hd: Helpdesk, mention: str
) -> None:
    ticket_id = await hd.create()
    response = await post_note(hd, ticket_id, mentionedUsers=[mention])
    assert_hd_error(response, 400, 100, "mentioned")
    assert await notes(hd, ticket_id) == []


async def test_a_read_only_teammate_cannot_write_a_note(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert_hd_error(await post_note(hd, ticket_id, email=RITA), 403, 302)
    assert await notes(hd, ticket_id) == []


@pytest.mark.parametrize("email", ["someone@example.com", CREATOR])
async def test_a_note_author_who_is_no_teammate_is_refused(hd: Helpdesk, email: str) -> None:
    ticket_id = await hd.create()
    assert_hd_error(await post_note(hd, ticket_id, email=email), 403, 303)
    assert await notes(hd, ticket_id) == []


async def test_a_note_on_an_unknown_ticket_is_not_found(hd: Helpdesk) -> None:
    assert_hd_error(await post_note(hd, 424242), 404, 401)


async def test_notes_are_listed_oldest_first_without_replies(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    first = await note(hd, ticket_id, message="first note")
    await reply(hd, ticket_id, message="a reply")
    second = await note(hd, ticket_id, email=ADAM, message="second note", mentionedUsers=[ANN])
    assert await notes(hd, ticket_id) == [first, second]


async def test_a_note_changes_neither_status_nor_reply_count(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await note(hd, ticket_id)
    ticket = await hd.get(ticket_id)
    assert (ticket["status"], ticket["replyCount"]) == ("open", 0)


async def test_note_attachments_are_stored(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    url = "https://files.example.com/log.txt"
    await note(hd, ticket_id, attachments=[{"url": url, "name": "log.txt"}])
    [listed] = await notes(hd, ticket_id)
    assert listed["attachments"] == [{"isContentPart": False, "name": "log.txt", "url": url}]


async def test_a_note_update_changes_the_message_and_mentions(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[ADAM])
    body = {"message": "<p>Refund approved.</p>", "mentionedUsers": [guid(hd, "ann")]}
    updated = ok(await put_note(hd, ticket_id, created["id"], body))
    assert updated["id"] == created["id"]
    assert updated["message"] == "Refund approved."
    assert [u["id"] for u in updated["mentionedUsers"]] == [guid(hd, "ann")]
    assert updated["author"]["id"] == guid(hd, "ann")  # still the note's writer
    assert await notes(hd, ticket_id) == [updated]


async def test_a_note_update_without_mentions_keeps_them(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[ADAM])
    updated = ok(await put_note(hd, ticket_id, created["id"], {"message": "Edited"}))
    assert [u["id"] for u in updated["mentionedUsers"]] == [guid(hd, "adam")]


async def test_a_note_update_with_no_mentions_clears_them(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id, mentionedUsers=[ADAM])
    body = {"message": "Edited", "mentionedUsers": []}
    assert ok(await put_note(hd, ticket_id, created["id"], body))["mentionedUsers"] == []


async def test_a_note_update_with_an_unknown_mention_changes_nothing(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id)
    body = {"message": "Edited", "mentionedUsers": ["someone@example.com"]}
    assert_hd_error(await put_note(hd, ticket_id, created["id"], body), 400, 100, "mentioned")
    assert await notes(hd, ticket_id) == [created]


async def test_a_deleted_note_is_gone(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    kept = await note(hd, ticket_id, message="keep")
    dropped = await note(hd, ticket_id, message="drop")
    assert ok(await hd.client.delete(path(ticket_id, f"/notes/{dropped['id']}"))) == {}
    assert await notes(hd, ticket_id) == [kept]


async def test_a_note_deleted_twice_is_not_found_the_second_time(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id)
    ok(await hd.client.delete(path(ticket_id, f"/notes/{created['id']}")))
    assert_hd_error(await hd.client.delete(path(ticket_id, f"/notes/{created['id']}")), 404, 406)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_an_unknown_note_is_not_found(hd: Helpdesk, method: str) -> None:
    ticket_id = await hd.create()
    response = await hd.client.request(
        method, path(ticket_id, "/notes/424242"), json={"message": "x"}
    )
    assert_hd_error(response, 404, 406)


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_note_of_another_ticket_is_not_found(hd: Helpdesk, method: str) -> None:
    owner = await hd.create()
    created = await note(hd, owner, message="original")
    other = await hd.create()
    response = await hd.client.request(
        method, path(other, f"/notes/{created['id']}"), json={"message": "hijacked"}
    )
    assert_hd_error(response, 404, 406)
    assert [n["message"] for n in await notes(hd, owner)] == ["original"]


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_reply_is_not_a_note(hd: Helpdesk, method: str) -> None:
    ticket_id = await hd.create()
    created = await reply(hd, ticket_id, message="public answer")
    response = await hd.client.request(
        method, path(ticket_id, f"/notes/{created['id']}"), json={"message": "changed"}
    )
    assert_hd_error(response, 404, 406)
    assert [r["message"] for r in await replies(hd, ticket_id)] == ["public answer"]


async def test_notes_never_show_in_the_series_api(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await note(hd, ticket_id, message="Secret internal remark")
    await reply(hd, ticket_id, message="Public answer")
    content = await series_content(hd, ticket_id)
    assert "Secret internal remark" not in [m["Content"] for m in content]
    assert "internal_note" not in [m["Type"] for m in content]
    assert "Public answer" in [m["Content"] for m in content]


# --- ticket log --------------------------------------------------------------------------


async def worked_ticket(hd: Helpdesk) -> int:
    """Created, assigned to Ann, answered by Ann (open → pending), then completed."""
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    await reply(hd, ticket_id)
    await set_status(hd, ticket_id, "completed")
    return ticket_id


async def test_the_log_lists_what_happened_newest_first(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    assert await action_types(hd, ticket_id) == [
        "ticket_status_changed",  # completed by the integration
        "ticket_status_changed",  # pending, by Ann's reply
        "reply_created",
        "ticket_assigned_to_user",
        "ticket_created",
    ]


async def test_a_log_entry_has_the_ticket_log_shape(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    for entry in await log(hd, ticket_id):
        assert set(entry) == LOG_KEYS
        assert set(entry["includedItems"]) == {"categories", "tags", "users"}
        assert set(entry["user"]) == USER_KEYS
        assert ISO_UTC.match(entry["time"]), entry["time"]


async def test_log_action_strings_name_people_by_user_tokens(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    creator = (await hd.get(ticket_id))["author"]["id"]
    ann, bot = guid(hd, "ann"), hd.client_id
    assert [e["actionString"] for e in await log(hd, ticket_id)] == [
        f"{{User:{bot}}} changed status from Pending to Completed",
        f"{{User:{ann}}} changed status from Open to Pending",
        f"{{User:{ann}}} wrote a reply",
        f"{{User:{bot}}} assigned the ticket to {{User:{ann}}}",
        f"{{User:{creator}}} created the ticket",
    ]


async def test_the_log_user_is_who_acted(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    users = [e["user"] for e in await log(hd, ticket_id)]
    creator = (await hd.get(ticket_id))["author"]
    assert [u["id"] for u in users] == [
        hd.client_id,
        guid(hd, "ann"),
        guid(hd, "ann"),
        hd.client_id,
        creator["id"],
    ]
    assert users[1]["email"] == ANN and users[1]["isBot"] is False
    assert (users[4]["email"], users[4]["status"]) == (CREATOR, "client")


async def test_the_integrations_own_actions_show_as_a_bot_named_for_the_client(
    hd: Helpdesk,
) -> None:
    ticket_id = await hd.create()
    await set_status(hd, ticket_id, "pending")
    [entry] = await log(hd, ticket_id, {"action_types": ["ticket_status_changed"]})
    user = entry["user"]
    assert user["isBot"] is True
    assert user["name"] == "Web form"
    assert user["id"] == hd.client_id


async def test_an_assignment_entry_includes_the_assignee(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "adam"), None)
    [entry] = await log(hd, ticket_id, {"action_types": ["ticket_assigned_to_user"]})
    [user] = entry["includedItems"]["users"]
    assert user["id"] == guid(hd, "adam")
    assert (user["email"], user["status"]) == (ADAM, "team")


async def test_an_unassignment_is_logged(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await assign(hd, ticket_id, guid(hd, "ann"), None)
    await assign(hd, ticket_id, None, guid(hd, "ann"))
    [entry] = await log(hd, ticket_id, {"action_types": ["ticket_unassigned"]})
    assert entry["actionString"] == f"{{User:{hd.client_id}}} unassigned the ticket"


async def test_a_refused_assignment_is_not_logged(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"assigneeId": guid(hd, "ann"), "previousAssigneeId": guid(hd, "adam")}
    assert_hd_error(await patch_assignee(hd, ticket_id, body), 409, 500)
    assert await action_types(hd, ticket_id) == ["ticket_created"]


async def test_the_log_filters_by_action_types(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    body = {"action_types": ["reply_created", "ticket_assigned_to_user"]}
    assert await action_types(hd, ticket_id, body) == ["reply_created", "ticket_assigned_to_user"]


async def test_an_unknown_action_type_is_refused(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await post_log(hd, ticket_id, {"action_types": ["ticket_created", "ticket_eaten"]})
    assert_hd_error(response, 400, 100, "action_types")


async def test_ticket_read_alone_matches_nothing(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    assert await log(hd, ticket_id, {"action_types": ["ticket_read"]}) == []


async def test_ticket_read_with_other_types_still_returns_those(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    body = {"action_types": ["ticket_read", "ticket_created"]}
    assert await action_types(hd, ticket_id, body) == ["ticket_created"]


async def test_the_log_takes_a_request_without_a_body(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    entries = ok(await hd.client.post(path(ticket_id, "/log")))
    assert [e["actionType"] for e in entries] == ["ticket_created"]


async def test_the_log_is_paged_with_skip_and_take(hd: Helpdesk) -> None:
    ticket_id = await worked_ticket(hd)
    everything = await log(hd, ticket_id)
    assert await log(hd, ticket_id, query="?skip=1&take=2") == everything[1:3]
    assert await log(hd, ticket_id, query="?skip=4&take=2") == everything[4:]


@pytest.mark.parametrize("query", ["?take=51", "?take=0", "?skip=x"])
async def test_log_paging_outside_the_limits_is_refused(hd: Helpdesk, query: str) -> None:
    ticket_id = await hd.create()
    assert_hd_error(await post_log(hd, ticket_id, {}, query), 400, 100)


async def test_the_log_of_an_unknown_ticket_is_not_found(hd: Helpdesk) -> None:
    assert_hd_error(await post_log(hd, 424242, {}), 404, 401)


async def test_ticket_read_on_an_unknown_ticket_is_not_found(hd: Helpdesk) -> None:
    response = await post_log(hd, 424242, {"action_types": ["ticket_read"]})
    assert_hd_error(response, 404, 401)


async def test_drafts_are_logged_as_draft_created(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, isDraft=True)
    entries = await log(hd, ticket_id)
    assert [e["actionType"] for e in entries] == ["draft_created", "ticket_created"]
    assert entries[0]["actionString"] == f"{{User:{guid(hd, 'ann')}}} drafted a reply"


async def test_a_creator_reply_is_logged_by_the_creator(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    await reply(hd, ticket_id, email=CREATOR, message="More details")
    [entry] = await log(hd, ticket_id, {"action_types": ["reply_created"]})
    creator = (await hd.get(ticket_id))["author"]["id"]
    assert entry["user"]["id"] == creator
    assert entry["actionString"] == f"{{User:{creator}}} wrote a reply"


async def test_note_lifecycle_is_logged(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    created = await note(hd, ticket_id)
    ok(await put_note(hd, ticket_id, created["id"], {"message": "Edited"}))
    ok(await hd.client.delete(path(ticket_id, f"/notes/{created['id']}")))
    body = {"action_types": ["note_created", "note_updated", "note_deleted"]}
    entries = await log(hd, ticket_id, body)
    ann, bot = guid(hd, "ann"), hd.client_id
    assert [(e["actionType"], e["actionString"]) for e in entries] == [
        ("note_deleted", f"{{User:{bot}}} deleted a note"),
        ("note_updated", f"{{User:{bot}}} updated a note"),
        ("note_created", f"{{User:{ann}}} created a note"),
    ]


async def test_paging_in_the_body_of_a_log_request_is_refused_not_ignored(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    response = await hd.client.post(f"/helpdesk/tickets/{ticket_id}/log", json={"take": 1})
    assert_hd_error(response, 400, 100, "skip and take go in the query string")


async def test_a_note_update_keeps_what_it_does_not_send(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    ann = hd.teammates["ann"]
    body = {
        "author": {"email": ann["email"]},
        "message": "plain <b>text</b>",
        "isHtml": False,
        "attachments": [{"url": "https://files.example.com/a.png", "name": "a.png"}],
        "mentionedUsers": [ann["id"]],
    }
    note = ok(await hd.client.post(f"/helpdesk/tickets/{ticket_id}/notes", json=body))
    path = f"/helpdesk/tickets/{ticket_id}/notes/{note['id']}"
    updated = ok(await hd.client.put(path, json={"mentionedUsers": []}))
    assert updated["mentionedUsers"] == []
    assert (updated["message"], updated["htmlMessage"]) == (note["message"], note["htmlMessage"])
    assert updated["attachments"] == note["attachments"]
    assert updated["updateTime"] is not None
