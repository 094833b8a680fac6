"""Notices built from typed values, for testing senders without a database: one
workspace with a category, a department and a teammate, and a ticket by a player."""

import dataclasses
from typing import Any

from ticketd.notify.model import Notice
from ticketd.people.model import Person
from ticketd.tickets import events
from ticketd.tickets.model import Message, MessageKind, Source, Status, Ticket, TicketDetails
from ticketd.workspaces.config import Category, Department, Teammate, Workspace, WorkspaceConfig

AUTHOR_GUID = "5d41402a-bc4b-2a76-b971-9d911017c592"
STAFF_GUID = "7d793037-a076-4a7a-8dd0-c1f4e2f5f8f2"
CREATED_AT = 1_700_000_000_123  # 2023-11-14T22:13:20.123Z
CODE = "TICKET-1700000000-AB12"
OPENING = "I need help getting ranked in the group"


def config(
    *, category_name: str = "Support", department_name: str = "Staff team"
) -> WorkspaceConfig:
    workspace = Workspace(
        id="ws_1", name="Test workspace", plan="premium", tickets_enabled=True,
        public_url=False, discord_webhook_url=None, discord_webhook_enabled=True,
        discord_webhook_ping=None,
    )  # fmt: skip
    return WorkspaceConfig(
        workspace,
        categories={"support": Category(1, "support", category_name, False, 0, None, ("staff",))},
        departments={
            "staff": Department(1, "staff", department_name, frozenset(), None, None, ("support",))
        },
        teammates={
            STAFF_GUID: Teammate(STAFF_GUID, "Ann Agent", "ann@example.com", "agent", 1, None)
        },
    )


def ticket(**changes: Any) -> Ticket:
    base = Ticket(
        id=1, code=CODE, object_id="a" * 24, workspace_id="ws_1", subject="Help with ranking",
        category_key="support", department_key="staff", status=Status.OPEN, priority="medium",
        author_guid=AUTHOR_GUID, author_user_id=123456789, author_username="player123",
        author_display_name="Player Name", author_avatar_url="https://tr.rbxcdn.com/avatar.png",
        assignee_guid=None, assignee_user_id=None, assigned_at=None, game_report=False,
        place_id=None, server_id=None, sentiment=None, source=Source.SERIES_API,
        source_name=None, cc=(), reply_count=0, has_draft=False, last_thread_at=CREATED_AT,
        created_at=CREATED_AT, updated_at=CREATED_AT, closed_at=None, first_response_at=None,
    )  # fmt: skip
    return dataclasses.replace(base, **changes)


def game_report(**changes: Any) -> Ticket:
    game = {"place_id": 1818, "server_id": "c6f3b2e0-1d2a-4c9b-9a8e-3f1e2d4c5b6a"}
    return ticket(game_report=True, **{**game, **changes})


def message(
    text: str = OPENING, *, kind: MessageKind = MessageKind.AUTHOR, author_guid: str = AUTHOR_GUID
) -> Message:
    return Message(
        1, 1, "msj_1700000000123_abcdef", kind, None, author_guid, text, None, (), (), None, 0,
        False, CREATED_AT, None,
    )  # fmt: skip


def event(payload: events.Payload, *, actor_guid: str = AUTHOR_GUID) -> events.Event:
    name = "Ann Agent" if actor_guid == STAFF_GUID else "Player Name"
    return events.Event(7, 1, actor_guid, None, name, payload, CREATED_AT, "evt_" + "0" * 32)


def staff_person(name: str = "Ann Agent", avatar: str | None = None) -> Person:
    return Person(STAFF_GUID, None, None, name, avatar, "ann@example.com", None, "agent")


def notice(
    payload: events.Payload | None = None,
    *,
    ticket_: Ticket | None = None,
    opening: str = OPENING,
    about: Message | None = None,
    actor_guid: str = AUTHOR_GUID,
    workspace: WorkspaceConfig | None = None,
) -> Notice:
    """`payload` defaults to a ticket's creation; `about` is the reply or note."""
    chosen = ticket_ or ticket()
    first = message(opening)
    return Notice(
        event=event(payload or events.TicketCreated(chosen.priority), actor_guid=actor_guid),
        config=workspace or config(),
        ticket=chosen,
        messages=[first],
        details=TicketDetails(openings={chosen.id: first}),
        message=about,
        people={STAFF_GUID: staff_person()},
    )
