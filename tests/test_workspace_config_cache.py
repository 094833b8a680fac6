"""A workspace's cached configuration, loaded again when it expires: its members (the
largest part of it) are read again only when they changed (migration 0015)."""

import typing

import pytest

from ticketd.db.database import Database, Scope
from ticketd.demo import DEMO_STAFF_ID
from ticketd.people import repository as people
from ticketd.people import service as people_service
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import repository
from ticketd.workspaces.config import WorkspaceConfig

pytestmark = pytest.mark.anyio

PLAYER = 123456789


async def reload(db: Database, workspace_id: str, previous: WorkspaceConfig) -> WorkspaceConfig:
    async with db.connection() as conn:
        config = await repository.load_config(conn, workspace_id, previous)
    assert config is not None
    return config


async def test_members_are_read_again_only_after_they_changed(ws: typing.Any) -> None:
    db = ws.services.db
    first = await reload(db, ws.id, None)  # type: ignore[arg-type]
    assert set(first.members) == {DEMO_STAFF_ID}

    unchanged = await reload(db, ws.id, first)
    assert unchanged.members is first.members

    # Someone writing to the ticket: a contact who is no member changes nothing.
    async with db.transaction() as conn:
        await people.upsert_contact(
            Scope(conn, ws.id, db.dialect), guid="g-contact", email="ann@example.com",
            name="Ann", image=None, phone_number=None, now=1,
        )  # fmt: skip
    after_contact = await reload(db, ws.id, first)
    assert after_contact.members is first.members
    assert after_contact.members_version == first.members_version

    # Another process (no cache of ours to clear) replaces the members.
    member = {"UserId": PLAYER, "Username": "p", "DisplayName": "Player", "Rank": 10}
    await ws.configure(Members=[member])
    after_apply = await reload(db, ws.id, first)
    assert set(after_apply.members) == {PLAYER}
    assert after_apply.members_version > first.members_version

    # A member's own row changes when they become a teammate.
    await people_service.add_teammate(
        db, None, actor=SYSTEM, workspace_id=ws.id, name="Renamed Player",
        email="player@example.com", role="agent", user_id=PLAYER,
    )  # fmt: skip
    after_rename = await reload(db, ws.id, after_apply)
    assert after_rename.members[PLAYER].display_name == "Renamed Player"

    # And a member removed from the list is gone at the next reload.
    await ws.configure(Members=[])
    assert (await reload(db, ws.id, after_rename)).members == {}
