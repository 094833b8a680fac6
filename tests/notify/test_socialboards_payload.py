"""The Socialboards webhook payload: `{CommunityName, EventType, Events[], TicketId}`
with the helpdesk ticket in PascalCase, from typed Notices."""

import dataclasses
import typing
from typing import Any

import orjson
import pytest

from tests.support import notices
from ticketd.helpdesk import render
from ticketd.helpdesk.webhook_payload import EVENT_TYPES, pascal, payload, ping_payload
from ticketd.tickets import events
from ticketd.tickets.events import EventType
from ticketd.tickets.model import MessageKind, Status

BASE = "https://tickets.example.com"
SUPPORT = {"Id": 2, "Name": "General Support", "Parents": [{"Id": 1, "Name": "Help"}]}


def status_change() -> dict[str, Any]:
    notice = notices.notice(
        events.StatusChanged(previous_status="in-progress", status="resolved"),
        ticket_=notices.ticket(status=Status.RESOLVED),
    )
    return payload(notice, BASE)


def keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(k for item in value.values() for k in keys(item))]
    return [k for item in value for k in keys(item)] if isinstance(value, list) else []


def test_a_status_change_in_the_published_shape() -> None:
    body = status_change()
    assert body["CommunityName"] == "Acme Games"
    assert body["EventType"] == "ticket_status_change"
    assert body["TicketId"] == 42
    [event] = body["Events"]
    assert list(event) == ["InboxLink", "PreviousTicketStatus", "Ticket"]
    assert event["InboxLink"] == f"{BASE}/staff/tickets/TICKET-1736937000-ABCD"
    assert event["PreviousTicketStatus"] == "pending"  # in-progress, in helpdesk words
    assert event["Ticket"]["Status"] == "completed"
    assert event["Ticket"]["Category"] == SUPPORT
    assert orjson.loads(orjson.dumps(body)) == body


def test_the_ticket_is_the_helpdesk_ticket_with_every_key_in_pascal_case() -> None:
    notice = notices.notice(events.TicketCreated(priority="high"))
    ticket = payload(notice, BASE)["Events"][0]["Ticket"]
    shown = render.ticket(notice.ticket, notice.details, notice.config)
    assert ticket["Id"] == shown["id"] == 42
    assert ticket["HtmlMessage"] == shown["htmlMessage"]
    assert ticket["Author"]["Name"] == "Player One"
    assert ticket["Properties"]["IsLocked"] is True
    assert ticket["Tags"] == ["bug"]
    assert all(key[0].isupper() for key in keys(ticket))
    assert len(keys(ticket)) == len(keys(shown)) - 2  # Category: no Key, no ParentId


def test_an_uncategorised_ticket_has_no_category() -> None:
    uncategorised = notices.ticket(category_key=None)
    notice = notices.notice(events.TicketCreated(priority="low"), ticket_=uncategorised)
    assert payload(notice, BASE)["Events"][0]["Ticket"]["Category"] is None


def test_without_a_public_base_url_there_is_no_inbox_link() -> None:
    notice = notices.notice(events.TicketCreated(priority="high"))
    assert payload(notice, None)["Events"][0]["InboxLink"] is None


def test_a_reply_comes_as_the_helpdesk_reply() -> None:
    reply = notices.message(MessageKind.STAFF)
    body = payload(notices.notice(events.StaffReplied(reply_id=reply.id), about=reply), BASE)
    assert body["EventType"] == "reply_created"
    event = body["Events"][0]
    assert event["Reply"]["Id"] == 7
    assert event["Reply"]["Message"] == "Try rejoining now."
    assert event["Reply"]["Properties"] == {"IsByTeam": True, "IsDraft": False, "IsHidden": False}
    assert "Note" not in event


def test_a_note_comes_as_the_helpdesk_note() -> None:
    note = notices.message(MessageKind.NOTE, text="Known issue", mentions=(notices.TEAMMATE_GUID,))
    body = payload(notices.notice(events.NoteAdded(note_id=note.id), about=note), BASE)
    assert body["EventType"] == "note_created"
    event = body["Events"][0]
    assert event["Note"]["Message"] == "Known issue"
    assert event["Note"]["MentionedUsers"][0]["Name"] == "Tess Teammate"
    assert "Reply" not in event


def test_a_category_change_names_the_previous_category() -> None:
    change = events.CategoryChanged(previous_category="support", category="reports")
    notice = notices.notice(change, ticket_=notices.ticket(category_key="reports"))
    event = payload(notice, BASE)["Events"][0]
    assert event["PreviousCategory"] == SUPPORT
    assert event["Ticket"]["Category"] == {"Id": 3, "Name": "Player Reports", "Parents": []}


def test_every_core_event_type_has_a_socialboards_name() -> None:
    assert set(EVENT_TYPES) == set(EventType)
    assert EVENT_TYPES[EventType.CLAIMED] == EVENT_TYPES[EventType.ASSIGNED] == "ticket_assigned"


@pytest.mark.parametrize("payload_type", list(events.PAYLOADS.values()))
def test_every_event_type_makes_a_json_payload(payload_type: type[events.Payload]) -> None:
    samples = {int: 7, str: "open", list[str]: ["a"], int | None: None, str | None: None}
    hints = typing.get_type_hints(payload_type)
    change = payload_type(
        **{f.name: samples[hints[f.name]] for f in dataclasses.fields(payload_type)}
    )  # type: ignore[arg-type]
    body = orjson.loads(orjson.dumps(payload(notices.notice(change), BASE)))
    assert body["EventType"] == EVENT_TYPES[payload_type.type]
    assert body["Events"][0]["Ticket"]["SeriesTicketId"] == "TICKET-1736937000-ABCD"


def test_pascal_case_reaches_into_lists_and_leaves_values_alone() -> None:
    shown = {"lockedBy": None, "parents": [{"id": 1, "name": "camelCase"}], "isX": "aB"}
    assert pascal(shown) == {
        "LockedBy": None,
        "Parents": [{"Id": 1, "Name": "camelCase"}],
        "IsX": "aB",
    }


def test_the_ping() -> None:
    assert ping_payload("Acme Games") == {
        "CommunityName": "Acme Games",
        "EventType": "webhook_ping",
        "Events": [],
        "TicketId": None,
    }
