"""Helpdesk ticket edits: status, category, tags and custom field values, on both
engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_tickets import (
    HUGE_ID,
    field_id,
    listed_ids,
    set_status,
    tags_of_workspace,
    unknown_category_id,
    unknown_field_id,
)

pytestmark = pytest.mark.anyio


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


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_status_and_category_take_patch_or_put(hd: Helpdesk, method: str) -> None:
    ticket_id = await hd.create()
    path = f"/helpdesk/tickets/{ticket_id}"
    ok(await hd.client.request(method, f"{path}/status", json={"status": "pending"}))
    body = {"categoryId": hd.categories["reports"]}
    ok(await hd.client.request(method, f"{path}/category", json=body))
    ticket = await hd.get(ticket_id)
    assert (ticket["status"], ticket["category"]["key"]) == ("pending", "reports")
