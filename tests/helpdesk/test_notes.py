"""Helpdesk internal notes: the Note object, mentions, who may write one, update and
delete, on both engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_conversation import (
    ADAM,
    ANN,
    CREATOR,
    ISO_UTC,
    RITA,
    STRANGER_GUID,
    USER_KEYS,
    guid,
    note,
    path,
    post_note,
    put_note,
    replies,
    reply,
    series_content,
)

pytestmark = pytest.mark.anyio

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


# --- helpers -------------------------------------------------------------------------


async def notes(hd: Helpdesk, ticket_id: int) -> list[dict[str, Any]]:
    return ok(await hd.client.get(path(ticket_id, "/notes")))


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
