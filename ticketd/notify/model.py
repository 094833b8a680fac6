"""What senders take and return: a Notice (one event with everything needed to describe
it) and an Outcome (what one attempt came to)."""

from dataclasses import dataclass, field
from enum import StrEnum

from ticketd.people.model import Person
from ticketd.tickets.events import Event
from ticketd.tickets.model import Message, Ticket, TicketDetails
from ticketd.workspaces.config import WorkspaceConfig


class Channel(StrEnum):
    DISCORD = "discord"
    WEBHOOK = "webhook"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Notice:
    """One event as senders see it: the ticket as it is now, its published messages,
    the message the event is about (a reply or note), and the people all of them name."""

    event: Event
    config: WorkspaceConfig
    ticket: Ticket
    messages: list[Message]  # published (no notes, no drafts), oldest first
    details: TicketDetails  # openings, tags, field values of this one ticket
    message: Message | None = None  # the reply or note the event is about
    people: dict[str, Person] = field(default_factory=dict)  # by GUID


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to."""

    delivered: bool
    status: int | None = None  # HTTP status or SMTP reply code
    response: str | None = None  # the start of the receiver's answer
    error: str | None = None
    # Seconds the receiver asked us to wait before sending it anything else (a 429's
    # retry_after, or an exhausted rate-limit bucket after a success).
    wait: float | None = None
    permanent: bool = False  # retrying this delivery cannot help (a 400, a bad address)
    # Set when no delivery to this destination can succeed (a Discord webhook answering
    # 401/404): the destination is disabled with this reason until reconfigured.
    disable_reason: str | None = None


RESPONSE_LIMIT = 2000  # characters of a receiver's answer kept with the delivery


def truncated(text: str | None, limit: int = RESPONSE_LIMIT) -> str | None:
    return text if text is None or len(text) <= limit else text[: limit - 1] + "…"
