"""Dashboard passwords: who may have one, how they are kept, and how they are checked."""

import json

import pytest

from tests.support.cli import assert_clean_failure, make_workspace
from tests.support.servers import run_cli
from tests.support.workspaces import Workspace
from ticketd.app import Services
from ticketd.demo import DEMO_STAFF_ID
from ticketd.kit.errors import InvalidInput, NotAllowed, NotFound
from ticketd.people import credentials
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM, Actor, ActorKind

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery staple"


async def test_series_staff_get_a_password_kept_only_as_an_argon2_hash(
    services: Services, ws: Workspace
) -> None:
    account = await credentials.set_password(
        services.db, actor=SYSTEM, workspace_id=ws.id, password=PASSWORD, user_id=DEMO_STAFF_ID
    )
    assert (account.user_id, account.role, account.has_password) == (DEMO_STAFF_ID, "staff", True)
    async with services.db.connection() as conn:
        stored = await conn.fetchval(
            "SELECT password_hash FROM staff_credentials WHERE person_guid = $1", account.guid
        )
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert await credentials.check_password(services.db, ws.id, account.guid, PASSWORD)
    assert not await credentials.check_password(services.db, ws.id, account.guid, PASSWORD + "!")


async def test_teammates_are_named_by_email_and_a_new_password_replaces_the_old(
    services: Services, ws: Workspace
) -> None:
    await people.add_teammate(services.db, None, actor=SYSTEM, workspace_id=ws.id,
                              name="Ann", email="ann@example.com", role="agent")  # fmt: skip
    first = await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                           password=PASSWORD, email="ANN@example.com")  # fmt: skip
    await credentials.set_password(
        services.db, actor=SYSTEM, workspace_id=ws.id, password="another long one",
        email="ann@example.com",
    )  # fmt: skip
    assert not await credentials.check_password(services.db, ws.id, first.guid, PASSWORD)
    assert await credentials.check_password(services.db, ws.id, first.guid, "another long one")


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ({"user_id": 5}, NotFound),  # not in any department
        ({"email": "nobody@example.com"}, NotFound),
        ({}, InvalidInput),
        ({"user_id": DEMO_STAFF_ID, "email": "ann@example.com"}, InvalidInput),
    ],
)
async def test_only_people_who_work_tickets_get_a_password(
    services: Services, ws: Workspace, who: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        await credentials.set_password(
            services.db,
            actor=SYSTEM,
            workspace_id=ws.id,
            password=PASSWORD,
            **who,  # type: ignore[arg-type]
        )
    assert not any(a.has_password for a in await credentials.accounts(services.db, ws.id))


@pytest.mark.parametrize("password", ["", "nine char", "x" * 1025])
async def test_passwords_have_10_to_1024_characters(
    services: Services, ws: Workspace, password: str
) -> None:
    with pytest.raises(InvalidInput, match="10 to 1024"):
        await credentials.set_password(services.db, actor=SYSTEM, workspace_id=ws.id,
                                       password=password, user_id=DEMO_STAFF_ID)  # fmt: skip


async def test_only_the_operator_or_an_admin_sets_passwords(
    services: Services, ws: Workspace
) -> None:
    member = Actor(ActorKind.MEMBER, "g", "Mallory", 42)
    with pytest.raises(NotAllowed):
        await credentials.set_password(services.db, actor=member, workspace_id=ws.id,
                                       password=PASSWORD, user_id=DEMO_STAFF_ID)  # fmt: skip


@pytest.mark.slow
def test_staff_commands_set_a_password_from_stdin_and_list_who_has_one(
    database_url: str,
) -> None:
    made = make_workspace(database_url)
    result = run_cli(database_url, "staff", "set-password", made.id, "--user-id",
                 str(DEMO_STAFF_ID), "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Password set for Staff Member (staff)"  # the demo's name
    listed = run_cli(database_url, "staff", "list", made.id, "--json")
    [account] = json.loads(listed.stdout)
    assert (account["userId"], account["hasPassword"]) == (DEMO_STAFF_ID, True)
    refused = run_cli(database_url, "staff", "set-password", made.id, "--user-id", "5",
                  "--password-stdin", input=PASSWORD + "\n")  # fmt: skip
    assert_clean_failure(refused, "user 5 is not staff")
