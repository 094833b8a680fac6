"""Helpdesk assignment: the Assignee endpoint and its optimistic check of the previous
assignee, on both engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_conversation import (
    ADAM,
    ANN,
    STRANGER_GUID,
    assign,
    guid,
    patch_assignee,
    status_of,
)

pytestmark = pytest.mark.anyio


# --- helpers -------------------------------------------------------------------------


async def locked_by(hd: Helpdesk, ticket_id: int) -> str | None:
    user = (await hd.get(ticket_id))["lockedBy"]
    return None if user is None else user["id"]


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
