"""Custom field definitions through the helpdesk API (list, create, update, delete),
each workspace seeing only its own, on both engines."""

from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_workspace_data import HUGE_ID, other_workspace
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import fields

pytestmark = pytest.mark.anyio


# --- helpers -----------------------------------------------------------------------


def field_view(hd: Helpdesk, name: str) -> dict[str, Any]:
    f = hd.fields[name]
    return {
        "id": f["id"],
        "name": f["name"],
        "type": f["type"],
        "possibleValues": [{"value": o} for o in f["options"]],
    }


async def set_value(hd: Helpdesk, ticket_id: int, field_id: int, value: str) -> None:
    response = await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/customFields/{field_id}", json={"value": value}
    )
    assert ok(response) == {"id": field_id, "value": value}


# --- custom fields -----------------------------------------------------------------


async def test_custom_fields_lists_the_workspaces_fields_with_possible_values(
    hd: Helpdesk,
) -> None:
    listed = ok(await hd.client.get("/helpdesk/customFields"))

    assert listed == [
        field_view(hd, "City"),
        field_view(hd, "Order number"),
        field_view(hd, "Purchase date"),
        field_view(hd, "Notes"),
    ]
    assert listed[0]["possibleValues"] == [{"value": "Oslo"}, {"value": "Bergen"}]
    assert listed[0]["type"] == "dropdown"
    assert [f["possibleValues"] for f in listed[1:]] == [[], [], []]


async def test_a_custom_field_by_id(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]

    assert ok(await hd.client.get(f"/helpdesk/customFields/{city}")) == field_view(hd, "City")


@pytest.mark.parametrize("kind", ["text", "number", "date"])
async def test_creating_a_field_without_options_returns_it_and_lists_it(
    hd: Helpdesk, kind: str
) -> None:
    response = await hd.client.post("/helpdesk/customFields", json={"name": "Extra", "type": kind})

    created = ok(response)
    assert isinstance(created["id"], int) and created["id"] > 0
    assert created == {"id": created["id"], "name": "Extra", "type": kind, "possibleValues": []}
    assert ok(await hd.client.get(f"/helpdesk/customFields/{created['id']}")) == created
    assert ok(await hd.client.get("/helpdesk/customFields"))[-1] == created


@pytest.mark.parametrize(
    "values",
    [
        ["Red", "Green"],
        [{"value": "Red"}, {"value": "Green"}],
        [{"value": "Red"}, "Green"],
    ],
    ids=["strings", "objects", "mixed"],
)
async def test_creating_a_dropdown_takes_possible_values_as_strings_or_objects(
    hd: Helpdesk, values: list[Any]
) -> None:
    body = {"name": "Colour", "type": "dropdown", "possibleValues": values}

    created = ok(await hd.client.post("/helpdesk/customFields", json=body))

    assert created["type"] == "dropdown"
    assert created["possibleValues"] == [{"value": "Red"}, {"value": "Green"}]
    assert ok(await hd.client.get(f"/helpdesk/customFields/{created['id']}")) == created


async def test_a_created_dropdown_checks_ticket_values_against_its_options(hd: Helpdesk) -> None:
    body = {"name": "Colour", "type": "dropdown", "possibleValues": ["Red", "Green"]}
    colour = ok(await hd.client.post("/helpdesk/customFields", json=body))["id"]
    ticket_id = await hd.create()

    await set_value(hd, ticket_id, colour, "Red")
    refused = await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/customFields/{colour}", json={"value": "Blue"}
    )

    assert_hd_error(refused, 400, 100, "must be one of: Red, Green")


@pytest.mark.parametrize("values", [None, []], ids=["absent", "empty"])
async def test_a_dropdown_without_options_is_400(hd: Helpdesk, values: list[str] | None) -> None:
    body: dict[str, Any] = {"name": "Colour", "type": "dropdown"}
    if values is not None:
        body["possibleValues"] = values

    response = await hd.client.post("/helpdesk/customFields", json=body)

    assert_hd_error(response, 400, 100, "at least one option")
    assert "Colour" not in [f["name"] for f in ok(await hd.client.get("/helpdesk/customFields"))]


@pytest.mark.parametrize("kind", ["text", "number", "date"])
async def test_options_on_a_field_that_is_not_a_dropdown_are_400(hd: Helpdesk, kind: str) -> None:
    body = {"name": "Extra", "type": kind, "possibleValues": ["a", "b"]}

    response = await hd.client.post("/helpdesk/customFields", json=body)

    assert_hd_error(response, 400, 100, "only dropdown fields have options")
    assert len(ok(await hd.client.get("/helpdesk/customFields"))) == 4


@pytest.mark.parametrize("name", ["City", "city", "CITY", "  City  "])
async def test_a_name_already_taken_in_any_case_is_409_with_error_code_501(
    hd: Helpdesk, name: str
) -> None:
    response = await hd.client.post("/helpdesk/customFields", json={"name": name, "type": "text"})

    assert_hd_error(response, 409, 501, "already exists")
    assert len(ok(await hd.client.get("/helpdesk/customFields"))) == 4


async def test_the_same_name_is_free_in_another_workspace(hd: Helpdesk) -> None:
    _, headers = await other_workspace(hd)

    response = await hd.client.post(
        "/helpdesk/customFields", json={"name": "City", "type": "text"}, headers=headers
    )

    assert ok(response)["name"] == "City"


@pytest.mark.parametrize("kind", ["checkbox", "Text", "", None])
async def test_an_unknown_field_type_is_400(hd: Helpdesk, kind: str | None) -> None:
    response = await hd.client.post("/helpdesk/customFields", json={"name": "Extra", "type": kind})

    assert_hd_error(response, 400, 100, "type")
    assert len(ok(await hd.client.get("/helpdesk/customFields"))) == 4


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
async def test_a_field_name_must_be_1_to_200_characters(hd: Helpdesk, name: str) -> None:
    response = await hd.client.post("/helpdesk/customFields", json={"name": name, "type": "text"})

    assert_hd_error(response, 400, 100, "name")


async def test_put_renames_a_field_and_keeps_its_options(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]

    updated = ok(await hd.client.put(f"/helpdesk/customFields/{city}", json={"name": "Town"}))

    expected = {**field_view(hd, "City"), "name": "Town"}
    assert updated == expected
    assert ok(await hd.client.get(f"/helpdesk/customFields/{city}")) == expected


async def test_put_may_change_only_the_case_of_a_fields_own_name(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]

    updated = ok(await hd.client.put(f"/helpdesk/customFields/{city}", json={"name": "CITY"}))

    assert updated["name"] == "CITY"


async def test_put_replaces_a_dropdowns_options_and_keeps_its_name(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]
    body = {"possibleValues": [{"value": "Tromsø"}, "Stavanger"]}

    updated = ok(await hd.client.put(f"/helpdesk/customFields/{city}", json=body))

    assert updated == {
        "id": city,
        "name": "City",
        "type": "dropdown",
        "possibleValues": [{"value": "Tromsø"}, {"value": "Stavanger"}],
    }
    assert ok(await hd.client.get(f"/helpdesk/customFields/{city}")) == updated


async def test_replaced_options_are_the_ones_ticket_values_are_checked_against(
    hd: Helpdesk,
) -> None:
    city = hd.fields["City"]["id"]
    ticket_id = await hd.create()
    ok(await hd.client.put(f"/helpdesk/customFields/{city}", json={"possibleValues": ["Tromsø"]}))

    refused = await hd.client.put(
        f"/helpdesk/tickets/{ticket_id}/customFields/{city}", json={"value": "Oslo"}
    )
    await set_value(hd, ticket_id, city, "Tromsø")

    assert_hd_error(refused, 400, 100, "must be one of: Tromsø")


async def test_put_options_on_a_text_field_is_400(hd: Helpdesk) -> None:
    notes = hd.fields["Notes"]["id"]

    response = await hd.client.put(
        f"/helpdesk/customFields/{notes}", json={"possibleValues": ["a"]}
    )

    assert_hd_error(response, 400, 100, "only dropdown fields have options")
    assert ok(await hd.client.get(f"/helpdesk/customFields/{notes}")) == field_view(hd, "Notes")


async def test_put_no_options_on_a_dropdown_is_400(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]

    response = await hd.client.put(f"/helpdesk/customFields/{city}", json={"possibleValues": []})

    assert_hd_error(response, 400, 100, "at least one option")
    assert ok(await hd.client.get(f"/helpdesk/customFields/{city}")) == field_view(hd, "City")


async def test_put_a_name_another_field_has_is_409_with_error_code_501(hd: Helpdesk) -> None:
    notes = hd.fields["Notes"]["id"]

    response = await hd.client.put(f"/helpdesk/customFields/{notes}", json={"name": "city"})

    assert_hd_error(response, 409, 501, "already exists")
    assert ok(await hd.client.get(f"/helpdesk/customFields/{notes}"))["name"] == "Notes"


async def test_put_cannot_change_a_fields_type(hd: Helpdesk) -> None:
    notes = hd.fields["Notes"]["id"]

    response = await hd.client.put(
        f"/helpdesk/customFields/{notes}", json={"name": "Remarks", "type": "number"}
    )

    assert_hd_error(response, 400, 100, "a text field cannot become 'number'")
    assert ok(await hd.client.get(f"/helpdesk/customFields/{notes}"))["name"] == "Notes"


async def test_put_with_the_fields_own_type_is_accepted(hd: Helpdesk) -> None:
    notes = hd.fields["Notes"]["id"]
    body = {"name": "Remarks", "type": "text"}
    assert ok(await hd.client.put(f"/helpdesk/customFields/{notes}", json=body))["name"] == (
        "Remarks"
    )


async def test_delete_removes_the_field(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]

    assert ok(await hd.client.delete(f"/helpdesk/customFields/{city}")) == {}

    assert_hd_error(await hd.client.get(f"/helpdesk/customFields/{city}"), 404, 403)
    listed = ok(await hd.client.get("/helpdesk/customFields"))
    assert [f["name"] for f in listed] == ["Order number", "Purchase date", "Notes"]


async def test_delete_removes_the_fields_values_from_tickets(hd: Helpdesk) -> None:
    city, notes = hd.fields["City"]["id"], hd.fields["Notes"]["id"]
    ticket_id = await hd.create()
    await set_value(hd, ticket_id, city, "Oslo")
    assert (await hd.get(ticket_id))["customFields"] == [{"id": city, "value": "Oslo"}]

    ok(await hd.client.delete(f"/helpdesk/customFields/{city}"))

    assert (await hd.get(ticket_id))["customFields"] == []
    await set_value(hd, ticket_id, notes, "still works")
    assert (await hd.get(ticket_id))["customFields"] == [{"id": notes, "value": "still works"}]


async def test_delete_keeps_the_values_of_other_fields(hd: Helpdesk) -> None:
    city, notes = hd.fields["City"]["id"], hd.fields["Notes"]["id"]
    ticket_id = await hd.create()
    await set_value(hd, ticket_id, city, "Bergen")
    await set_value(hd, ticket_id, notes, "VIP")

    ok(await hd.client.delete(f"/helpdesk/customFields/{city}"))

    assert (await hd.get(ticket_id))["customFields"] == [{"id": notes, "value": "VIP"}]


async def test_a_ticket_log_naming_a_deleted_field_still_reads(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]
    ticket_id = await hd.create()
    await set_value(hd, ticket_id, city, "Oslo")
    ok(await hd.client.delete(f"/helpdesk/customFields/{city}"))

    entries = ok(
        await hd.client.post(
            f"/helpdesk/tickets/{ticket_id}/log",
            json={"action_types": ["custom_field_value_changed"]},
        )
    )

    assert len(entries) == 1
    assert "'Oslo'" in entries[0]["actionString"]


async def test_a_deleted_name_can_be_used_again(hd: Helpdesk) -> None:
    city = hd.fields["City"]["id"]
    ok(await hd.client.delete(f"/helpdesk/customFields/{city}"))

    created = ok(
        await hd.client.post("/helpdesk/customFields", json={"name": "City", "type": "text"})
    )

    assert created["id"] != city
    assert created["type"] == "text"


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PUT", {"name": "Renamed"}), ("DELETE", None)]
)
@pytest.mark.parametrize("field_id", [0, 999_999_999, HUGE_ID])
async def test_an_unknown_field_is_404_with_error_code_403(
    hd: Helpdesk, method: str, body: dict[str, Any] | None, field_id: int
) -> None:
    response = await hd.client.request(method, f"/helpdesk/customFields/{field_id}", json=body)

    assert_hd_error(response, 404, 403, "Custom field not found")


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PUT", {"name": "Renamed"}), ("DELETE", None)]
)
async def test_another_workspaces_field_is_404_and_left_alone(
    hd: Helpdesk, method: str, body: dict[str, Any] | None
) -> None:
    """Field ids are numbers within the workspace: the other's fifth field has a number
    this workspace (with four) does not."""
    other, headers = await other_workspace(hd)
    for n in range(len(hd.fields) + 1):
        foreign = await fields.add_field(
            hd.db,
            hd.ws.services.cache,
            workspace_id=other.id,
            name=f"Theirs {n}",
            field_type="text",
            actor=SYSTEM,
        )

    url = f"/helpdesk/customFields/{foreign.number}"
    response = await hd.client.request(method, url, json=body)

    assert_hd_error(response, 404, 403)
    still = ok(await hd.client.get(url, headers=headers))
    assert still["name"] == f"Theirs {len(hd.fields)}"
