"""The helpdesk ticket log: what is logged, by whom, its filters and paging, on both
engines."""

from typing import Any

import httpx
import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_conversation import (
    ADAM,
    ANN,
    CREATOR,
    ISO_UTC,
    USER_KEYS,
    assign,
    guid,
    note,
    patch_assignee,
    path,
    put_note,
    reply,
    set_status,
)

pytestmark = pytest.mark.anyio

LOG_KEYS = {"actionType", "actionString", "includedItems", "time", "user"}


# --- helpers -------------------------------------------------------------------------


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
