"""Categories and subcategories through the helpdesk API, each workspace seeing only
its own, on both engines."""

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_workspace_data import HUGE_ID, other_workspace
from tests.support.workspaces import Workspace
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import service as workspaces

pytestmark = pytest.mark.anyio


# --- helpers -----------------------------------------------------------------------


async def add_category(
    hd: Helpdesk, name: str, parent: int | None = None, ws: Workspace | None = None
) -> int:
    created = await workspaces.add_category(
        hd.db,
        hd.ws.services.cache,
        workspace_id=(ws or hd.ws).id,
        name=name,
        parent_number=parent,
        actor=SYSTEM,
    )
    return created.number


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
