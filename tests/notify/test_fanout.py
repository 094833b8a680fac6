"""Which destinations an event goes to, from the workspace's configuration."""

import dataclasses

from tests.support import notices
from ticketd.notify import fanout
from ticketd.notify.fanout import Endpoint
from ticketd.notify.model import Channel
from ticketd.tickets import events
from ticketd.workspaces.config import WorkspaceConfig

WORKSPACE_HOOK = "https://discord.com/api/webhooks/1/workspace"
DEPARTMENT_HOOK = "https://discord.com/api/webhooks/2/department"


def config(**workspace: object) -> WorkspaceConfig:
    base = notices.config()
    settings = {"discord_webhook_url": WORKSPACE_HOOK, "discord_webhook_enabled": True}
    return dataclasses.replace(
        base, workspace=dataclasses.replace(base.workspace, **{**settings, **workspace})
    )


CREATED = notices.event(events.TicketCreated("medium"))
RESOLVED = notices.event(events.StatusChanged("in-progress", "resolved"))
REOPENED = notices.event(events.StatusChanged("resolved", "open"))


def test_by_default_discord_gets_creations_and_resolutions_only() -> None:
    chosen = config()
    assert fanout.discord_url(chosen, "staff", CREATED) == WORKSPACE_HOOK
    assert fanout.discord_url(chosen, "staff", RESOLVED) == WORKSPACE_HOOK
    assert fanout.discord_url(chosen, "staff", REOPENED) is None
    assert fanout.discord_url(config(discord_webhook_enabled=False), "staff", CREATED) is None


def test_a_workspace_chooses_its_discord_events() -> None:
    chosen = config(discord_events=("ticket.status_changed",))
    assert fanout.discord_url(chosen, "staff", REOPENED) == WORKSPACE_HOOK
    assert fanout.discord_url(chosen, "staff", CREATED) is None


def test_a_department_webhook_replaces_the_workspaces_for_its_tickets() -> None:
    base = config()
    staff = dataclasses.replace(base.departments["staff"], discord_webhook_url=DEPARTMENT_HOOK)
    chosen = dataclasses.replace(base, departments={"staff": staff})
    assert fanout.discord_url(chosen, "staff", CREATED) == DEPARTMENT_HOOK
    assert fanout.discord_url(chosen, None, CREATED) == WORKSPACE_HOOK


def test_endpoints_get_the_types_they_want() -> None:
    every = Endpoint("wh_1", "ws_1", "https://a.example/h", "series", "whsec_x", (), 0)
    claims = dataclasses.replace(every, id="wh_2", event_types=("ticket.claimed",))
    found = fanout.destinations(CREATED, config(), "staff", [every, claims])
    assert found == [(Channel.DISCORD, WORKSPACE_HOOK), (Channel.WEBHOOK, "wh_1")]
