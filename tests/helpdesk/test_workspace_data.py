"""Workspace data through the helpdesk API: teammates and user groups, categories,
custom field definitions and tags, each workspace seeing only its own."""

import uuid
from typing import Any

import pytest

from tests.conftest import STAFF, Workspace, new_workspace
from tests.helpdesk.conftest import Helpdesk, access_token, assert_hd_error, ok, ticket_body
from ticketd.cli import teammate_output
from ticketd.helpdesk import auth
from ticketd.people import service as people
from ticketd.workspaces import fields
from ticketd.workspaces import service as workspaces

pytestmark = pytest.mark.anyio

HUGE_ID = 2**64  # past every integer column; still matches the path's int pattern


# --- helpers -----------------------------------------------------------------------


async def other_workspace(hd: Helpdesk) -> tuple[Workspace, dict[str, str]]:
    """A second demo workspace on the same database, and the headers of a helpdesk
    client of its own."""
    other = await new_workspace(hd.ws.services, hd.client)
    created = await auth.create_client(hd.db, workspace_id=other.id, name="Other inbox")
    token = await access_token(hd.client, created.refresh_token, created.client_id)
    return other, {"Authorization": f"Bearer {token}"}


async def add_teammate(hd: Helpdesk, name: str, email: str, user_id: int | None) -> dict[str, Any]:
    teammate = await people.add_teammate(
        hd.db,
        hd.ws.services.cache,
        workspace_id=hd.ws.id,
        name=name,
        email=email,
        role="agent",
        user_id=user_id,
    )
    return teammate_output(teammate)


async def add_category(
    hd: Helpdesk, name: str, parent: int | None = None, ws: Workspace | None = None
) -> int:
    created = await workspaces.add_category(
        hd.db,
        hd.ws.services.cache,
        workspace_id=(ws or hd.ws).id,
        name=name,
        parent_id=parent,
    )
    return created.id


async def user_groups(hd: Helpdesk, headers: dict[str, str] | None = None) -> dict[str, int]:
    """Department key -> its integer id (the user group id)."""
    groups = ok(await hd.client.get("/helpdesk/UserGroups", headers=headers))
    return {g["key"]: g["id"] for g in groups}


async def teammates(hd: Helpdesk, **params: Any) -> list[dict[str, Any]]:
    return ok(await hd.client.get("/helpdesk/Teammates", params=params))


def by_email(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(people, key=lambda p: p["email"])


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


# --- teammates and user groups -----------------------------------------------------


async def test_teammates_lists_every_teammate_with_guid_name_email_role_and_user_id(
    hd: Helpdesk,
) -> None:
    listed = await teammates(hd)

    assert by_email(listed) == by_email(list(hd.teammates.values()))
    assert {t["role"] for t in listed} == {"admin", "agent", "read_only_user"}
    for teammate in listed:
        assert set(teammate) == {"id", "name", "email", "role", "userId"}
        assert str(uuid.UUID(teammate["id"])) == teammate["id"]
    adam = next(t for t in listed if t["email"] == "adam@example.com")
    assert adam["userId"] == STAFF
    assert adam["name"] == "Adam Admin"


async def test_the_lowercase_teammates_path_answers_the_same(hd: Helpdesk) -> None:
    lower = ok(await hd.client.get("/helpdesk/teammates"))

    assert by_email(lower) == by_email(await teammates(hd))
    assert len(lower) == 3


async def test_ticket_creators_and_series_members_are_not_teammates(hd: Helpdesk) -> None:
    await hd.create(creator={"name": "Bill Smith", "email": "bill_smith@example.com"})

    emails = {t["email"] for t in await teammates(hd)}

    assert emails == {"ann@example.com", "adam@example.com", "rita@example.com"}


async def test_user_groups_are_the_workspaces_departments(hd: Helpdesk) -> None:
    groups = ok(await hd.client.get("/helpdesk/UserGroups"))

    assert [(g["key"], g["name"]) for g in groups] == [
        ("support-dept", "Support"),
        ("moderation-dept", "Moderation"),
    ]
    for group in groups:
        assert set(group) == {"id", "name", "key"}
        assert isinstance(group["id"], int) and group["id"] > 0
    assert len({g["id"] for g in groups}) == 2


async def test_group_keeps_only_teammates_who_are_staff_of_that_department(
    hd: Helpdesk,
) -> None:
    # Ann and Rita have no Roblox user id; Zed has one that no department lists.
    await add_teammate(hd, "Zed Outsider", "zed@example.com", 42)
    groups = await user_groups(hd)

    listed = await teammates(hd, group=groups["support-dept"])

    assert listed == [hd.teammates["adam"]]


async def test_group_counts_staff_by_the_departments_rank_range(hd: Helpdesk) -> None:
    # Mia (rank 150) is in Support's range (100-255) but not Moderation's (200-255);
    # neither department lists her as a member.
    await hd.ws.configure(
        Members=[
            {"UserId": STAFF, "Username": "staff123", "Rank": 255},
            {"UserId": 555, "Username": "mia", "Rank": 150},
        ]
    )
    mia = await add_teammate(hd, "Mia Member", "mia@example.com", 555)
    groups = await user_groups(hd)

    support = await teammates(hd, group=groups["support-dept"])
    moderation = await teammates(hd, group=groups["moderation-dept"])

    adam = hd.teammates["adam"]["id"]
    assert sorted(t["id"] for t in support) == sorted([adam, mia["id"]])
    assert [t["id"] for t in moderation] == [adam]


async def test_an_empty_group_parameter_lists_every_teammate(hd: Helpdesk) -> None:
    listed = ok(await hd.client.get("/helpdesk/Teammates?group="))

    assert len(listed) == 3


@pytest.mark.parametrize("group", [999_999_999, 2**63 - 1])
async def test_an_unknown_group_is_404_with_error_code_400(hd: Helpdesk, group: int) -> None:
    response = await hd.client.get("/helpdesk/Teammates", params={"group": group})

    assert_hd_error(response, 404, 400, "User group not found")


async def test_another_workspaces_group_is_404(hd: Helpdesk) -> None:
    _, headers = await other_workspace(hd)
    foreign = (await user_groups(hd, headers))["support-dept"]

    response = await hd.client.get("/helpdesk/Teammates", params={"group": foreign})

    assert_hd_error(response, 404, 400)


@pytest.mark.parametrize("group", ["abc", "0", "-1", "1.5", str(2**63)])
async def test_a_group_that_is_not_a_positive_integer_is_400_with_error_code_100(
    hd: Helpdesk, group: str
) -> None:
    response = await hd.client.get("/helpdesk/Teammates", params={"group": group})

    assert_hd_error(response, 400, 100, "group")


async def test_teammates_of_another_workspace_are_not_listed(hd: Helpdesk) -> None:
    other, headers = await other_workspace(hd)
    await people.add_teammate(
        hd.db,
        hd.ws.services.cache,
        workspace_id=other.id,
        name="Olga Other",
        email="olga@example.com",
        role="admin",
    )

    mine = {t["email"] for t in await teammates(hd)}
    theirs = ok(await hd.client.get("/helpdesk/Teammates", headers=headers))

    assert "olga@example.com" not in mine
    assert [t["email"] for t in theirs] == ["olga@example.com"]


# --- categories --------------------------------------------------------------------


async def test_categories_lists_the_workspaces_categories_in_order(hd: Helpdesk) -> None:
    listed = ok(await hd.client.get("/helpdesk/categories"))

    assert listed == [
        {
            "id": hd.categories["support"],
            "name": "Support",
            "key": "support",
            "parentId": None,
            "parents": [],
        },
        {
            "id": hd.categories["reports"],
            "name": "Player Reports",
            "key": "reports",
            "parentId": None,
            "parents": [],
        },
    ]


async def test_an_added_category_is_listed_with_its_parent(hd: Helpdesk) -> None:
    support = hd.categories["support"]
    child = await add_category(hd, "Account Recovery", parent=support)

    listed = ok(await hd.client.get("/helpdesk/categories"))

    assert [c["key"] for c in listed] == ["support", "reports", "account-recovery"]
    assert listed[-1] == {
        "id": child,
        "name": "Account Recovery",
        "key": "account-recovery",
        "parentId": support,
        "parents": [{"id": support, "name": "Support"}],
    }


async def test_a_category_by_id(hd: Helpdesk) -> None:
    reports = hd.categories["reports"]

    found = ok(await hd.client.get(f"/helpdesk/categories/{reports}"))

    assert found == {
        "id": reports,
        "name": "Player Reports",
        "key": "reports",
        "parentId": None,
        "parents": [],
    }


async def test_a_nested_category_lists_its_parents_root_first(hd: Helpdesk) -> None:
    billing = await add_category(hd, "Billing")
    refunds = await add_category(hd, "Refunds", parent=billing)
    cards = await add_category(hd, "Card refunds", parent=refunds)

    found = ok(await hd.client.get(f"/helpdesk/categories/{cards}"))

    assert found == {
        "id": cards,
        "name": "Card refunds",
        "key": "card-refunds",
        "parentId": refunds,
        "parents": [{"id": billing, "name": "Billing"}, {"id": refunds, "name": "Refunds"}],
    }


async def test_subcategories_are_the_direct_children_only(hd: Helpdesk) -> None:
    billing = await add_category(hd, "Billing")
    refunds = await add_category(hd, "Refunds", parent=billing)
    invoices = await add_category(hd, "Invoices", parent=billing)
    await add_category(hd, "Card refunds", parent=refunds)  # a grandchild
    await add_category(hd, "Bans", parent=hd.categories["reports"])  # another tree

    children = ok(await hd.client.get(f"/helpdesk/categories/{billing}/subcategories"))

    assert [(c["id"], c["name"]) for c in children] == [
        (refunds, "Refunds"),
        (invoices, "Invoices"),
    ]
    assert all(c["parentId"] == billing for c in children)
    assert children[0]["parents"] == [{"id": billing, "name": "Billing"}]


async def test_a_category_without_children_has_no_subcategories(hd: Helpdesk) -> None:
    support = hd.categories["support"]

    assert ok(await hd.client.get(f"/helpdesk/categories/{support}/subcategories")) == []


async def test_a_ticket_filed_under_a_subcategory_shows_its_parents(hd: Helpdesk) -> None:
    support = hd.categories["support"]
    login = await add_category(hd, "Login problems", parent=support)

    ticket = await hd.get(await hd.create(categoryId=login))

    assert ticket["category"] == {
        "id": login,
        "name": "Login problems",
        "key": "login-problems",
        "parentId": support,
        "parents": [{"id": support, "name": "Support"}],
    }


@pytest.mark.parametrize("suffix", ["", "/subcategories"])
@pytest.mark.parametrize("category_id", [0, 999_999_999, HUGE_ID])
async def test_an_unknown_category_is_404_with_error_code_402(
    hd: Helpdesk, category_id: int, suffix: str
) -> None:
    response = await hd.client.get(f"/helpdesk/categories/{category_id}{suffix}")

    assert_hd_error(response, 404, 402, "Category not found")


@pytest.mark.parametrize("suffix", ["", "/subcategories"])
async def test_another_workspaces_category_is_404(hd: Helpdesk, suffix: str) -> None:
    other, _ = await other_workspace(hd)
    foreign = await add_category(hd, "Elsewhere", ws=other)

    response = await hd.client.get(f"/helpdesk/categories/{foreign}{suffix}")

    assert_hd_error(response, 404, 402)


async def test_another_workspaces_categories_are_not_listed(hd: Helpdesk) -> None:
    other, _ = await other_workspace(hd)
    await add_category(hd, "Elsewhere", ws=other)

    listed = ok(await hd.client.get("/helpdesk/categories"))

    assert [c["key"] for c in listed] == ["support", "reports"]


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
    other, headers = await other_workspace(hd)
    foreign = await fields.add_field(
        hd.db, hd.ws.services.cache, workspace_id=other.id, name="Theirs", field_type="text"
    )

    response = await hd.client.request(method, f"/helpdesk/customFields/{foreign.id}", json=body)

    assert_hd_error(response, 404, 403)
    still = ok(await hd.client.get(f"/helpdesk/customFields/{foreign.id}", headers=headers))
    assert still["name"] == "Theirs"


# --- tags --------------------------------------------------------------------------


async def test_tags_is_empty_before_any_ticket_has_one(hd: Helpdesk) -> None:
    await hd.create(tags=[])

    assert ok(await hd.client.get("/helpdesk/tags")) == []


async def test_tags_lists_every_tag_used_by_tickets_once_sorted(hd: Helpdesk) -> None:
    await hd.create(tags=["zeta", "login"])
    await hd.create(tags=["login", "billing"])
    await hd.create(tags=[])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["billing", "login", "zeta"]


async def test_tags_are_sorted_without_regard_to_case(hd: Helpdesk) -> None:
    await hd.create(tags=["beta", "Charlie", "alpha"])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["alpha", "beta", "Charlie"]


async def test_tags_set_on_an_existing_ticket_are_listed(hd: Helpdesk) -> None:
    ticket_id = await hd.create(tags=["login"])

    ok(await hd.client.put(f"/helpdesk/tickets/{ticket_id}/tags", json=["refund", "login"]))

    assert ok(await hd.client.get("/helpdesk/tags")) == ["login", "refund"]


async def test_tags_of_another_workspace_are_not_listed(hd: Helpdesk) -> None:
    _, headers = await other_workspace(hd)
    foreign = ticket_body(hd, categoryId=None, tags=["secret-project"])
    assert ok(await hd.client.post("/helpdesk/tickets", json=foreign, headers=headers))
    await hd.create(tags=["login"])

    assert ok(await hd.client.get("/helpdesk/tags")) == ["login"]
    assert ok(await hd.client.get("/helpdesk/tags", headers=headers)) == ["secret-project"]
