"""What senders learn about the people an event names."""

from ticketd.kit.ids import user_guid
from ticketd.notify.notices import staff_by_user_id
from ticketd.workspaces.config import Department, Member, Workspace, WorkspaceConfig

WS = "2f1c9a5e-8d4b-4c1a-9e7f-3b6d5a4c2e10"


def test_staff_and_members_known_only_by_roblox_id_are_named() -> None:
    workspace = Workspace(WS, "W", "premium", True, False, None, False, None)
    config = WorkspaceConfig(
        workspace,
        departments={
            "mods": Department(1, 1, "mods", "Mods", frozenset({555}), None, None, ()),
        },
        members={777: Member(777, "kay", "Kay K", "https://cdn.example/k.png", 3)},
    )
    staff, member = user_guid(WS, 555), user_guid(WS, 777)

    found = staff_by_user_id(config, {staff, member, "someone-else"})

    assert set(found) == {staff, member}
    assert (found[staff].user_id, found[staff].name) == (555, "User 555")
    assert (found[member].user_id, found[member].name) == (777, "Kay K")
    assert found[member].avatar_url == "https://cdn.example/k.png"
