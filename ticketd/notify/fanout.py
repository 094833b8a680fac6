"""Which destinations an event goes to: the workspace's (or its department's) Discord
webhook for the kinds of change it chose, every integrator endpoint that wants the
type, and, for staff replies, the ticket's creator and cc by e-mail."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ticketd.notify.model import Channel, Notice
from ticketd.tickets.events import Event, EventType, StatusChanged
from ticketd.workspaces.config import WorkspaceConfig


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An integrator's signed webhook."""

    id: str
    workspace_id: str
    url: str
    format: str  # series | socialboards
    secret: str
    event_types: tuple[str, ...]  # empty: every type
    created_at: int

    def wants(self, event: Event) -> bool:
        return not self.event_types or event.type in self.event_types


def discord_notice_name(event: Event) -> str:
    """How a workspace names the change in DiscordNotificationEvents."""
    if isinstance(event.payload, StatusChanged):
        return f"{event.type}:{event.payload.status}"
    return event.type


def discord_url(config: WorkspaceConfig, department_key: str | None, event: Event) -> str | None:
    """The webhook this event goes to, or None when the workspace does not want it."""
    w = config.workspace
    if not w.discord_webhook_enabled:
        return None
    wanted = event.type in w.discord_events or discord_notice_name(event) in w.discord_events
    if not wanted:
        return None
    department = config.departments.get(department_key or "")
    return (department and department.discord_webhook_url) or w.discord_webhook_url


def destinations(
    event: Event,
    config: WorkspaceConfig,
    department_key: str | None,
    endpoints: Sequence[Endpoint],
) -> list[tuple[Channel, str]]:
    """Every HTTP destination of the event (e-mail needs the loaded ticket: see
    `mail_destinations`)."""
    found: list[tuple[Channel, str]] = []
    url = discord_url(config, department_key, event)
    if url:
        found.append((Channel.DISCORD, url))
    found.extend((Channel.WEBHOOK, e.id) for e in endpoints if e.wants(event))
    return found


def wants_mail(event: Event) -> bool:
    return event.type == EventType.STAFF_REPLIED


def mail_destinations(
    notice: Notice, recipients: Callable[[Notice], list[str]]
) -> list[tuple[Channel, str]]:
    if notice.message is None or notice.message.is_draft:
        return []
    return [(Channel.EMAIL, address) for address in recipients(notice)]
