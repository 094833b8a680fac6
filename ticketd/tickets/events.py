"""Events: the contract for everything that listens to tickets (the audit log, the
notification senders, the dashboard). One constant and one payload type per kind of
change; `record` is the one place that writes them, in the change's transaction, and
`read` the one place that turns stored rows back into typed events."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

import orjson

from ticketd.db.database import Row, Scope
from ticketd.kit import ids
from ticketd.people.actors import Actor
from ticketd.tickets import thread_repository
from ticketd.tickets.model import Ticket
from ticketd.workspaces.config import WorkspaceConfig


class EventType(StrEnum):
    TICKET_CREATED = "ticket.created"
    GAME_REPORT_CREATED = "ticket.game_report_created"
    CLAIMED = "ticket.claimed"
    UNCLAIMED = "ticket.unclaimed"
    ASSIGNED = "ticket.assigned"
    UNASSIGNED = "ticket.unassigned"
    STATUS_CHANGED = "ticket.status_changed"
    PRIORITY_CHANGED = "ticket.priority_changed"
    TRANSFERRED = "ticket.transferred"
    CATEGORY_CHANGED = "ticket.category_changed"
    TAGS_CHANGED = "ticket.tags_changed"
    FIELD_VALUE_CHANGED = "ticket.field_value_changed"
    STAFF_REPLIED = "reply.by_staff"
    AUTHOR_REPLIED = "reply.by_author"
    REPLY_DRAFTED = "reply.drafted"
    NOTE_ADDED = "note.added"
    NOTE_UPDATED = "note.updated"
    NOTE_DELETED = "note.deleted"


class Payload:
    """What one kind of change records. Subclasses are frozen dataclasses whose fields
    are stored as the event's JSON detail."""

    __slots__ = ()
    type: ClassVar[EventType]

    def people(self) -> tuple[str, ...]:
        """GUIDs of the people the change names, besides its actor."""
        return ()


@dataclass(frozen=True, slots=True)
class TicketCreated(Payload):
    type = EventType.TICKET_CREATED
    priority: str


@dataclass(frozen=True, slots=True)
class GameReportCreated(Payload):
    type = EventType.GAME_REPORT_CREATED
    priority: str


@dataclass(frozen=True, slots=True)
class Claimed(Payload):
    type = EventType.CLAIMED
    assignee_guid: str

    def people(self) -> tuple[str, ...]:
        return (self.assignee_guid,)


@dataclass(frozen=True, slots=True)
class Unclaimed(Payload):
    type = EventType.UNCLAIMED
    previous_assignee_guid: str

    def people(self) -> tuple[str, ...]:
        return (self.previous_assignee_guid,)


@dataclass(frozen=True, slots=True)
class Assigned(Payload):
    type = EventType.ASSIGNED
    assignee_guid: str
    previous_assignee_guid: str | None

    def people(self) -> tuple[str, ...]:
        previous = self.previous_assignee_guid
        return (self.assignee_guid,) if previous is None else (self.assignee_guid, previous)


@dataclass(frozen=True, slots=True)
class Unassigned(Payload):
    type = EventType.UNASSIGNED
    previous_assignee_guid: str

    def people(self) -> tuple[str, ...]:
        return (self.previous_assignee_guid,)


@dataclass(frozen=True, slots=True)
class StatusChanged(Payload):
    type = EventType.STATUS_CHANGED
    previous_status: str
    status: str


@dataclass(frozen=True, slots=True)
class PriorityChanged(Payload):
    type = EventType.PRIORITY_CHANGED
    previous_priority: str
    priority: str


@dataclass(frozen=True, slots=True)
class Transferred(Payload):
    type = EventType.TRANSFERRED
    from_department: str | None
    to_department: str


@dataclass(frozen=True, slots=True)
class CategoryChanged(Payload):
    type = EventType.CATEGORY_CHANGED
    previous_category: str | None
    category: str | None


@dataclass(frozen=True, slots=True)
class TagsChanged(Payload):
    type = EventType.TAGS_CHANGED
    tags: list[str]


@dataclass(frozen=True, slots=True)
class FieldValueChanged(Payload):
    type = EventType.FIELD_VALUE_CHANGED
    field_id: int
    value: str | None


@dataclass(frozen=True, slots=True)
class StaffReplied(Payload):
    type = EventType.STAFF_REPLIED
    reply_id: int | None  # None in replies recorded before reply ids were kept


@dataclass(frozen=True, slots=True)
class AuthorReplied(Payload):
    type = EventType.AUTHOR_REPLIED
    reply_id: int | None


@dataclass(frozen=True, slots=True)
class ReplyDrafted(Payload):
    type = EventType.REPLY_DRAFTED
    reply_id: int | None


@dataclass(frozen=True, slots=True)
class NoteAdded(Payload):
    type = EventType.NOTE_ADDED
    note_id: int


@dataclass(frozen=True, slots=True)
class NoteUpdated(Payload):
    type = EventType.NOTE_UPDATED
    note_id: int


@dataclass(frozen=True, slots=True)
class NoteDeleted(Payload):
    type = EventType.NOTE_DELETED
    note_id: int


PAYLOADS: dict[EventType, type[Payload]] = {p.type: p for p in Payload.__subclasses__()}


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    ticket_id: int | None
    actor_guid: str | None
    actor_user_id: int | None
    actor_name: str | None
    payload: Payload
    created_at: int
    public_id: str  # evt_<32 hex>: what receivers de-duplicate on

    @property
    def type(self) -> EventType:
        return self.payload.type


def stored(
    actor_guid: str | None,
    actor_user_id: int | None,
    actor_name: str | None,
    payload: Payload,
    now: int,
) -> dict[str, Any]:
    """The event's column values (without workspace and ticket)."""
    return {
        "actor_user_id": actor_user_id,
        "actor_guid": actor_guid,
        "actor_name": actor_name[:200] if actor_name else actor_name,
        "type": payload.type,  # a StrEnum: both drivers take it as text
        "detail": orjson.dumps(payload).decode(),
        "created_at": now,
        "public_id": ids.event_id(),
    }


async def record(scope: Scope, ticket: Ticket, actor: Actor, payload: Payload, now: int) -> None:
    """The event of one change, written with it: audit trail and outbox at once."""
    values = stored(actor.guid, actor.user_id, actor.name, payload, now)
    await thread_repository.insert_event(scope, ticket.id, values)


def read(row: Row) -> Event:
    """From a row holding thread_repository.EVENT_COLUMNS, in order."""
    payload_type = PAYLOADS[EventType(row[5])]
    payload = payload_type(**orjson.loads(row[6]))
    return Event(row[0], row[1], row[3], row[2], row[4], payload, row[7], row[8])


def sentence(
    event: Event,
    config: WorkspaceConfig,
    *,
    who: str,
    person: Callable[[str], str],
    status: Callable[[str], str] = str,
) -> str:
    """What happened, in one line: `who` names the actor, `person` another person by
    GUID, `status` a status, each as the reader shows them."""
    p = event.payload
    match p:
        case TicketCreated() | GameReportCreated():
            return f"{who} created the ticket"
        case StatusChanged():
            return f"{who} changed status from {status(p.previous_status)} to {status(p.status)}"
        case PriorityChanged():
            return f"{who} changed priority from {p.previous_priority} to {p.priority}"
        case Claimed() | Assigned():
            return f"{who} assigned the ticket to {person(p.assignee_guid)}"
        case Unclaimed() | Unassigned():
            return f"{who} unassigned the ticket"
        case StaffReplied() | AuthorReplied():
            return f"{who} wrote a reply"
        case ReplyDrafted():
            return f"{who} drafted a reply"
        case NoteAdded():
            return f"{who} created a note"
        case NoteUpdated():
            return f"{who} updated a note"
        case NoteDeleted():
            return f"{who} deleted a note"
        case CategoryChanged():
            filed = config.categories.get(p.category or "")
            return f"{who} moved the ticket to {filed.name if filed else 'no category'}"
        case Transferred():
            target = config.departments.get(p.to_department)
            return f"{who} transferred the ticket to {target.name if target else p.to_department}"
        case TagsChanged():
            return f"{who} set tags: {', '.join(p.tags) or 'none'}"
        case FieldValueChanged():
            field = config.custom_fields.get(p.field_id)
            name = field.name if field else f"field {p.field_id}"
            return (
                f"{who} set {name} to {p.value!r}"
                if p.value is not None
                else f"{who} cleared {name}"
            )
    return f"{who} changed the ticket"
