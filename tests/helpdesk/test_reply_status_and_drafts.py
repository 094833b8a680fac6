"""Helpdesk replies: how a reply moves the ticket's status, and drafts and the reply
count, on both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error
from tests.support.helpdesk_conversation import (
    CREATOR,
    note,
    post_reply,
    replies,
    reply,
    series_content,
    set_status,
    status_of,
)

pytestmark = pytest.mark.anyio


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
