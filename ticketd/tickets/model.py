"""The ticket core's vocabulary: statuses, message kinds, and the typed values services
take and return. Each API translates these to its own names (docs/helpdesk-api.md has
the mapping)."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from ticketd.db.database import Row
from ticketd.people.actors import Actor
from ticketd.people.model import Person


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in-progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES = frozenset({Status.OPEN, Status.IN_PROGRESS})
PRIORITIES = ("low", "medium", "high", "urgent")


class MessageKind(StrEnum):
    AUTHOR = "author_message"
    STAFF = "staff_message"
    SYSTEM = "system_message"
    NOTE = "internal_note"


REPLY_KINDS = (MessageKind.AUTHOR, MessageKind.STAFF)
# Stored value -> member: a dict lookup costs a tenth of calling the enum.
_STATUS = {s.value: s for s in Status}
_KIND = {k.value: k for k in MessageKind}


class Source(StrEnum):
    """How a ticket came in."""

    SERIES_API = "api_series"
    HELPDESK_API = "api_helpdesk"
    GAME_REPORT = "game_report"


_SOURCE = {s.value: s for s in Source}


class TicketOrder(StrEnum):
    LATEST_ACTIVITY_FIRST = "last_thread_activity_desc"
    EARLIEST_ACTIVITY_FIRST = "last_thread_activity_asc"
    NEWEST_FIRST = "creation_time_desc"
    OLDEST_FIRST = "creation_time_asc"


@dataclass(frozen=True, slots=True)
class TicketNumber:
    """A ticket's number within its workspace (1, 2, 3…): the integer id an API shows.
    Not a bare int, which names a ticket by its row id inside the core."""

    value: int


# How a caller names a ticket: its code (TICKET-…), its object id (24 hex), its number
# in the workspace, or (inside the core) its row id.
TicketRef = str | int | TicketNumber


@dataclass(frozen=True, slots=True)
class Attachment:
    url: str
    name: str


def attachments_from_json(raw: str | None) -> tuple[Attachment, ...]:
    return tuple(Attachment(a["url"], a["name"]) for a in orjson.loads(raw)) if raw else ()


def to_json(items: tuple[Any, ...] | list[Any]) -> str | None:
    """A JSON array column: NULL when empty."""
    return orjson.dumps(items).decode() if items else None


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Body:
    """A message as stored: plain text, plus sanitised HTML when it was sent as HTML."""

    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Author:
    """Who opens a ticket: someone known by a Roblox user id, or a contact by e-mail."""

    user_id: int | None = None
    avatar_url: str | None = None
    username: str | None = None
    display_name: str | None = None
    email: str | None = None
    phone_number: str | None = None


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class NewTicket:
    subject: str
    category: str | None
    body: Body
    author: Author
    priority: str = "medium"
    place_id: int | None = None
    server_id: str | None = None
    sentiment: str | None = None
    source: Source = Source.SERIES_API
    source_name: str | None = None
    cc: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fields: tuple[tuple[int, str], ...] = ()
    assignee_guid: str | None = None


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Ticket:
    id: int
    code: str  # TICKET-<seconds>-<4 chars>
    object_id: str  # 24 hex characters
    workspace_id: str
    subject: str
    category_key: str | None  # None: uncategorised
    department_key: str | None
    status: Status
    priority: str
    author_guid: str
    author_user_id: int | None
    author_username: str | None
    author_display_name: str | None
    author_avatar_url: str | None
    assignee_guid: str | None
    assignee_user_id: int | None  # the assignee's Roblox user id, when they have one
    assigned_at: int | None
    game_report: bool
    place_id: int | None
    server_id: str | None
    sentiment: str | None
    source: Source
    source_name: str | None
    cc: tuple[str, ...]
    reply_count: int
    has_draft: bool
    last_thread_at: int
    created_at: int
    updated_at: int
    closed_at: int | None
    first_response_at: int | None
    first_resolved_at: int | None  # the first move to a closed status; kept when reopened
    public_token: str
    number: int  # within the workspace: what the helpdesk API shows as its id

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @classmethod
    def from_row(cls, r: Row) -> "Ticket":
        """From a row whose first columns are repository.TICKET_COLUMNS, in order (by
        position: sqlite3.Row finds a column by name with a scan of all its names)."""
        return cls(
            r[0], r[1], r[2], r[3], r[4], r[5], r[6], _STATUS[r[7]], r[8], r[9], r[10],
            r[11], r[12], r[13], r[14], r[15], r[16], bool(r[17]), r[18], r[19], r[20],
            _SOURCE[r[21]], r[22], tuple(orjson.loads(r[23])) if r[23] else (), r[24],
            bool(r[25]), r[26], r[27], r[28], r[29], r[30], r[31], r[32], r[33],
        )  # fmt: skip


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Message:
    id: int
    ticket_id: int
    key: str  # msj_<milliseconds>_<6 alnum>
    kind: MessageKind
    author_user_id: int | None
    author_guid: str | None
    text: str
    html: str | None
    attachments: tuple[Attachment, ...]
    mentions: tuple[str, ...]  # GUIDs of mentioned teammates (notes)
    parent_number: int | None  # the number of the reply this one answers
    level: int
    is_draft: bool
    created_at: int
    updated_at: int | None
    number: int  # within the workspace: what the helpdesk API shows as its id

    @classmethod
    def from_row(cls, r: Row, start: int = 0) -> "Message":
        """From a row holding thread_repository.MESSAGE_COLUMNS, in order, from `start`."""
        mentions = r[start + 9]
        return cls(
            r[start], r[start + 1], r[start + 2], _KIND[r[start + 3]], r[start + 4],
            r[start + 5], r[start + 6], r[start + 7], attachments_from_json(r[start + 8]),
            tuple(orjson.loads(mentions)) if mentions else (), r[start + 10], r[start + 11],
            bool(r[start + 12]), r[start + 13], r[start + 14], r[start + 15],
        )  # fmt: skip


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class TicketQuery:
    """Which tickets, in which order, which page; every filter given must match."""

    statuses: tuple[Status, ...] = ()
    category: str | None = None  # a category key
    uncategorised: bool = False  # only tickets without a category
    department: str | None = None
    author_user_id: int | None = None
    text: str | None = None  # in the subject or the author's names, ignoring case
    text_in_messages: bool = False  # `text` may also be in a message or note (not drafts)
    tag: str | None = None  # only tickets with this tag, ignoring case
    visible_to: Actor | None = None  # only tickets this actor works
    field_values: tuple[tuple[int, str], ...] = ()  # (custom field id, value)
    created_from: int | None = None
    created_to: int | None = None
    sources: tuple[Source, ...] = ()
    ticket_numbers: tuple[int, ...] = ()
    priorities: tuple[str, ...] = ()
    assignee_guid: str | None = None  # only tickets claimed by or assigned to them
    unassigned: bool = False  # only tickets nobody holds
    game_reports: bool = False  # only game reports
    order: TicketOrder = TicketOrder.LATEST_ACTIVITY_FIRST
    offset: int = 0
    limit: int = 25
    count_total: bool = False
    count_limit: int | None = None  # totals stop counting here, so they stay cheap
    with_details: bool = False  # load what TicketDetails holds


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class FieldValue:
    field_id: int
    value: str


@dataclass(slots=True)
class TicketDetails:
    """What a full view of tickets needs beyond their rows, keyed by ticket id or GUID:
    opening messages, tags, custom field values and the people they name."""

    openings: dict[int, Message] = field(default_factory=dict)
    tags: dict[int, list[str]] = field(default_factory=dict)
    fields: dict[int, list[FieldValue]] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)


@dataclass(slots=True)
class TicketPage:
    tickets: list[Ticket]
    total: int | None = None  # counted when the query asks for it
    details: TicketDetails = field(default_factory=TicketDetails)


@dataclass(frozen=True, slots=True)
class Thread:
    """Messages of one ticket and the people who wrote or are named in them."""

    ticket: Ticket
    messages: list[Message]
    people: dict[str, Person]
