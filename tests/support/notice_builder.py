"""Typed Notices built directly from the core's dataclasses, without a database: one
workspace (a nested category, a department, a staff member, a teammate), one ticket,
its author and the messages and events about it. Override any field with keywords."""

import dataclasses
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
AUTHOR, STAFF = 123456789, 987654321  # Roblox user ids
AUTHOR_GUID, STAFF_GUID = user_guid(WORKSPACE_ID, AUTHOR), user_guid(WORKSPACE_ID, STAFF)
TEAMMATE_GUID = "0d7f4a52-3b1e-4e0c-9a53-6f2b8c1d2e3f"
CREATED = 1_736_937_000_000  # 2025-01-15T10:30:00.000Z
EVENT_ID = "evt_" + "ab" * 16


def config() -> WorkspaceConfig:
    workspace = Workspace(WORKSPACE_ID, "Acme Games", "premium", True, False, None, False, None)
    help_ = Category(1, "help", "Help", False, 0, None, ("support-dept",))
    support = Category(2, "support", "General Support", False, 0, 3, ("support-dept",), 1)
    reports = Category(3, "reports", "Player Reports", False, 0, None, ("support-dept",))
    department = Department(
        1, "support-dept", "Support Team", frozenset({STAFF}), 100, 255, ("support",)
    )
    staff = Member(STAFF, "sam_staff", "Sam Staff", None, 200)
    teammate = Teammate(TEAMMATE_GUID, "Tess Teammate", "tess@example.com", "agent", None, None)
    return WorkspaceConfig(
        workspace,
        categories={c.key: c for c in (help_, support, reports)},
        departments={"support-dept": department},
        members={STAFF: staff},
        teammates={TEAMMATE_GUID: teammate},
    )


def author() -> Person:
    return Person(AUTHOR_GUID, AUTHOR, "player1", "Player One", None, "p1@example.com", None, None)


def staff() -> Person:
    return Person(STAFF_GUID, STAFF, "sam_staff", "Sam Staff", None, None, None, None)


def ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id=42, code="TICKET-1736937000-ABCD", object_id="65a4b3c2d1e0f9a8b7c6d5e4",
        workspace_id=WORKSPACE_ID, subject="Can't join the game", category_key="support",
        department_key="support-dept", status=Status.IN_PROGRESS, priority="high",
        author_guid=AUTHOR_GUID, author_user_id=AUTHOR, author_username="player1",
        author_display_name="Player One", author_avatar_url="https://cdn.example/a.png",
        assignee_guid=STAFF_GUID, assignee_user_id=STAFF, assigned_at=CREATED + 1000,
        game_report=False, place_id=None, server_id=None, sentiment=None,
        source=Source.SERIES_API, source_name=None, cc=(), reply_count=1, has_draft=False,
        last_thread_at=CREATED + 2000, created_at=CREATED, updated_at=CREATED + 3000,
        closed_at=None, first_response_at=CREATED + 2000,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def message(kind: MessageKind = MessageKind.STAFF, **changes: Any) -> Message:
    by_staff = kind in (MessageKind.STAFF, MessageKind.NOTE)
    base = Message(
        id=7, ticket_id=42, key="msj_1736937002000_abc123", kind=kind,
        author_user_id=STAFF if by_staff else AUTHOR,
        author_guid=STAFF_GUID if by_staff else AUTHOR_GUID,
        text="Try rejoining now.", html=None, attachments=(), mentions=(), parent_id=None,
        level=0, is_draft=False, created_at=CREATED + 2000, updated_at=None,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def opening() -> Message:
    return message(MessageKind.AUTHOR, id=1, key="msj_1736937000000_open01",
                   text="I can't join.", created_at=CREATED)  # fmt: skip


def event(payload: events.Payload, **changes: Any) -> events.Event:
    base = events.Event(
        id=99, ticket_id=42, actor_guid=STAFF_GUID, actor_user_id=STAFF,
        actor_name="Sam Staff", payload=payload, created_at=CREATED + 5000,
        public_id=EVENT_ID,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def notice(
    payload: events.Payload,
    *,
    about: Message | None = None,
    ticket_changes: dict[str, Any] | None = None,
    people: list[Person] | None = None,
    **event_changes: Any,
) -> Notice:
    """`payload` happening to the ticket; `about` is the reply or note it concerns;
    `people` are those the fan-out found (by default the author and the staff member)."""
    the_ticket = ticket(**(ticket_changes or {}))
    first = opening()
    details = TicketDetails(
        openings={the_ticket.id: first},
        tags={the_ticket.id: ["bug"]},
        people={p.guid: p for p in (people if people is not None else [author(), staff()])},
    )
    replies = [first] + ([about] if about and about.kind is not MessageKind.NOTE else [])
    return Notice(
        event=event(payload, **event_changes),
        config=config(),
        ticket=the_ticket,
        messages=replies,
        details=details,
        message=about,
        people={p.guid: p for p in (people if people is not None else [author(), staff()])},
    )
