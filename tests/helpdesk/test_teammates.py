"""Teammates and user groups through the helpdesk API, each workspace seeing only its
own, on both engines."""

import uuid
from typing import Any

import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_workspace_data import other_workspace
from tests.support.series import STAFF
from ticketd.cli import teammate_output
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM

pytestmark = pytest.mark.anyio


# --- helpers -----------------------------------------------------------------------


async def add_teammate(hd: Helpdesk, name: str, email: str, user_id: int | None) -> dict[str, Any]:
    teammate = await people.add_teammate(
        hd.db,
        hd.ws.services.cache,
        workspace_id=hd.ws.id,
        name=name,
        email=email,
        role="agent",
        user_id=user_id,
        actor=SYSTEM,
    )
    return teammate_output(teammate)


async def user_groups(hd: Helpdesk, headers: dict[str, str] | None = None) -> dict[str, int]:
    """Department key -> its integer id (the user group id)."""
    groups = ok(await hd.client.get("/helpdesk/UserGroups", headers=headers))
    return {g["key"]: g["id"] for g in groups}


async def teammates(hd: Helpdesk, **params: Any) -> list[dict[str, Any]]:
    return ok(await hd.client.get("/helpdesk/Teammates", params=params))


def by_email(people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(people, key=lambda p: p["email"])


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


async def test_a_group_id_is_a_number_within_the_workspace(hd: Helpdesk) -> None:
    """Both demo workspaces number their departments alike: the other's number of a
    group names this workspace's own group of that number, never the other's."""
    _, headers = await other_workspace(hd)
    theirs, ours = await user_groups(hd, headers), await user_groups(hd)
    assert theirs == ours

    response = await hd.client.get("/helpdesk/Teammates", params={"group": max(ours.values()) + 1})

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
        actor=SYSTEM,
    )

    mine = {t["email"] for t in await teammates(hd)}
    theirs = ok(await hd.client.get("/helpdesk/Teammates", headers=headers))

    assert "olga@example.com" not in mine
    assert [t["email"] for t in theirs] == ["olga@example.com"]
