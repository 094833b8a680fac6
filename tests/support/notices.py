"""Typed Notices for testing senders without a database, built from the core's own
dataclasses. One world: the workspace "Acme Games" (a category nested in another, a
department, a Roblox staff member, a teammate), one open ticket by a player, assigned
to the staff member, and the messages and events about it. Every builder takes keyword
overrides (dataclasses.replace). MailThread writes a thread reply by reply, for mail."""

import dataclasses
from collections.abc import Callable
from typing import Any

from ticketd.kit.ids import user_guid
from ticketd.notify.model import Notice
from ticketd.people.model import Person
from ticketd.tickets import events
from ticketd.tickets.model import Message, MessageKind, Source, Status, Ticket, TicketDetails
from ticketd.workspaces.config import (
    Category,
    Department,
    Member,
    Teammate,
    Workspace,
    WorkspaceConfig,
)

WORKSPACE_ID = "6f1c1d0e-8a9b-4c3d-9e8f-0a1b2c3d4e5f"
AUTHOR_ID, STAFF_ID = 123456789, 987654321  # Roblox user ids
AUTHOR_GUID, STAFF_GUID = user_guid(WORKSPACE_ID, AUTHOR_ID), user_guid(WORKSPACE_ID, STAFF_ID)
TEAMMATE_GUID = "0d7f4a52-3b1e-4e0c-9a53-6f2b8c1d2e3f"
TICKET_ID = 42
CODE = "TICKET-1736937000-ABCD"
CREATED = 1_736_937_000_000  # 2025-01-15T10:30:00.000Z, when the ticket was opened
OPENING = "I need help getting ranked in the group"
AVATAR = "https://tr.rbxcdn.com/avatar.png"
EVENT_ID = "evt_" + "ab" * 16


def config(
    *,
    name: str = "Acme Games",
    category_name: str = "General Support",
    department_name: str = "Staff team",
    public_url: bool = False,
) -> WorkspaceConfig:
    """The workspace; the ticket is filed in category "support" (under "help") and
    handled by department "staff"."""
    workspace = Workspace(
        id=WORKSPACE_ID, name=name, plan="premium", tickets_enabled=True, public_url=public_url,
        discord_webhook_url=None, discord_webhook_enabled=False, discord_webhook_ping=None,
    )  # fmt: skip
    staff_team = Department(
        1, 1, "staff", department_name, frozenset({STAFF_ID}), 100, 255, ("support",)
    )
    return WorkspaceConfig(
        workspace,
        categories=categories(support_name=category_name),
        departments={"staff": staff_team},
        members={STAFF_ID: Member(STAFF_ID, "sam_staff", "Sam Staff", None, 200)},
        teammates={TEAMMATE_GUID: teammate()},
    )


def categories(*, support_name: str) -> dict[str, Category]:
    help_ = Category(1, 1, "help", "Help", False, 0, None, ("staff",))
    support = Category(2, 2, "support", support_name, False, 0, 3, ("staff",), parent_number=1)
    reports = Category(3, 3, "reports", "Player Reports", False, 0, None, ("staff",))
    return {c.key: c for c in (help_, support, reports)}


def teammate() -> Teammate:
    """A dashboard agent without a Roblox account; known to the workspace only."""
    return Teammate(TEAMMATE_GUID, "Tess Teammate", "tess@acme.test", "agent", None, None)


def author(**changes: Any) -> Person:
    """The player who opened the ticket."""
    player = Person(
        AUTHOR_GUID, AUTHOR_ID, "player1", "Player One", AVATAR, "cara@example.com", None, None
    )
    return dataclasses.replace(player, **changes)


def staff(**changes: Any) -> Person:
    """The Roblox staff member the ticket is assigned to."""
    member = Person(
        STAFF_GUID, STAFF_ID, "sam_staff", "Sam Staff", None, "sam@acme.test", None, None
    )
    return dataclasses.replace(member, **changes)


def ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id=TICKET_ID, code=CODE, object_id="65a4b3c2d1e0f9a8b7c6d5e4",
        workspace_id=WORKSPACE_ID, subject="Help with ranking", category_key="support",
        department_key="staff", status=Status.OPEN, priority="medium",
        author_guid=AUTHOR_GUID, author_user_id=AUTHOR_ID, author_username="player1",
        author_display_name="Player One", author_avatar_url=AVATAR,
        assignee_guid=STAFF_GUID, assignee_user_id=STAFF_ID, assigned_at=CREATED + 1000,
        game_report=False, place_id=None, server_id=None, sentiment=None,
        source=Source.SERIES_API, source_name=None, cc=(), reply_count=1, has_draft=False,
        last_thread_at=CREATED + 2000, created_at=CREATED, updated_at=CREATED + 3000,
        closed_at=None, first_response_at=CREATED + 2000, first_resolved_at=None,
        public_token="0123456789abcdef0123456789abcdef", number=TICKET_ID,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def game_report(**changes: Any) -> Ticket:
    """The ticket as a report from inside a game: a place and a server."""
    game = {"place_id": 1818, "server_id": "c6f3b2e0-1d2a-4c9b-9a8e-3f1e2d4c5b6a"}
    return ticket(game_report=True, **{**game, **changes})


def message(
    kind: MessageKind = MessageKind.STAFF, *, by: Person | Teammate | None = None, **changes: Any
) -> Message:
    """A reply or note on the ticket, written by `by`: by default the author for an
    author's message, the staff member for anything else."""
    writer = by or (author() if kind is MessageKind.AUTHOR else staff())
    base = Message(
        id=7, ticket_id=TICKET_ID, key="msj_1736937002000_abc123", kind=kind,
        author_user_id=writer.user_id, author_guid=writer.guid, text="Try rejoining now.",
        html=None, attachments=(), mentions=(), parent_number=None, level=0, is_draft=False,
        created_at=CREATED + 2000, updated_at=None, number=7,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def opening_message(text: str = OPENING) -> Message:
    """The author's first message, which opened the ticket."""
    key = "msj_1736937000000_open01"
    return message(MessageKind.AUTHOR, id=1, number=1, key=key, text=text, created_at=CREATED)


def event(payload: events.Payload, **changes: Any) -> events.Event:
    """`payload` happening to the ticket; by default the staff member did it."""
    base = events.Event(
        id=99, ticket_id=TICKET_ID, actor_guid=STAFF_GUID, actor_user_id=STAFF_ID,
        actor_name="Sam Staff", payload=payload, created_at=CREATED + 5000, public_id=EVENT_ID,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def notice(
    payload: events.Payload | None = None,
    *,
    ticket_: Ticket | None = None,
    workspace: WorkspaceConfig | None = None,
    opening: str = OPENING,
    about: Message | None = None,
    people: list[Person] | None = None,
    **event_changes: Any,
) -> Notice:
    """`payload` (by default the ticket's creation) as the fan-out loads it: `about` is
    the reply or note it concerns, `people` those found (by default the author and the
    staff member); `event_changes` override the event's fields (actor, created_at…)."""
    chosen = ticket_ or ticket()
    first = opening_message(opening)
    published = [first] + ([about] if about and about.kind is not MessageKind.NOTE else [])
    found = {p.guid: p for p in (people if people is not None else [author(), staff()])}
    details = TicketDetails(
        openings={chosen.id: first}, tags={chosen.id: ["bug"]}, people=dict(found)
    )
    happened = event(payload or events.TicketCreated(chosen.priority), **event_changes)
    return Notice(happened, workspace or config(), chosen, published, details, about, found)


PAYLOAD_OF_KIND: dict[MessageKind, Callable[[int], events.Payload]] = {
    MessageKind.STAFF: events.StaffReplied,
    MessageKind.AUTHOR: events.AuthorReplied,
    MessageKind.NOTE: events.NoteAdded,
}


@dataclasses.dataclass
class MailThread:
    """A ticket and every message written on it so far, notes included, a minute apart
    from the ticket's creation; a Notice gets the published ones, as the fan-out would
    give them."""

    ticket: Ticket = dataclasses.field(default_factory=ticket)
    config: WorkspaceConfig = dataclasses.field(default_factory=config)
    written: list[Message] = dataclasses.field(default_factory=list)

    def write(
        self,
        kind: MessageKind,
        text: str,
        *,
        html: str | None = None,
        by: Person | Teammate | None = None,
    ) -> Message:
        number = len(self.written) + 1
        at = self.ticket.created_at + number * 60_000
        key = f"msj_{at}_{number:06d}"
        new = message(kind, by=by, id=100 + number, key=key, text=text, html=html, created_at=at)
        self.written.append(new)
        return new

    def reply(
        self, text: str, *, html: str | None = None, by: Person | Teammate | None = None
    ) -> Notice:
        """A staff reply written now (by the staff member unless `by`), and its notice."""
        return self.notice_of(self.write(MessageKind.STAFF, text, html=html, by=by))

    def notice_of(self, written: Message, *, messages: list[Message] | None = None) -> Notice:
        """The notice of the event `written` made; `messages` replaces the thread."""
        published = [m for m in self.written if m.kind is not MessageKind.NOTE]
        made = notice(
            PAYLOAD_OF_KIND[written.kind](written.id),
            ticket_=self.ticket,
            workspace=self.config,
            about=written,
            actor_guid=written.author_guid,
            actor_user_id=written.author_user_id,
            actor_name=None,
            created_at=written.created_at,
        )
        return dataclasses.replace(made, messages=published if messages is None else messages)
