"""The Series webhook payload: the event's public id and type, the ticket as Series
`get` shows it, and what changed, in camelCase, from typed Notices."""

import dataclasses
import typing

import orjson
import pytest

from tests.support import notices
from ticketd.series import render
from ticketd.series.webhook_payload import payload, ping_payload
from ticketd.tickets import events
from ticketd.tickets.model import MessageKind, Status
from ticketd.workspaces.config import CustomField

BASE = "https://tickets.example.com/"


def test_a_status_change_carries_the_envelope_the_ticket_and_both_statuses() -> None:
    notice = notices.notice(
        events.StatusChanged(previous_status="in-progress", status="resolved"),
        ticket_=notices.ticket(status=Status.RESOLVED),
    )
    body = payload(notice, BASE)
    assert body == {
        "id": notices.EVENT_ID,
        "type": "ticket.status_changed",
        "timestamp": "2025-01-15T10:30:05.000Z",
        "workspaceId": notices.WORKSPACE_ID,
        "data": {
            "ticket": render.full(notice.ticket, notice.messages, notice.config),
            "ticketUrl": "https://tickets.example.com/staff/tickets/TICKET-1736937000-ABCD",
            "previousStatus": "in-progress",
            "status": "resolved",
            "actor": {"userId": notices.STAFF_ID, "name": "Sam Staff"},
        },
    }
    assert body["data"]["ticket"]["Status"] == "resolved"
    assert orjson.loads(orjson.dumps(body)) == body


def test_without_a_public_base_url_there_is_no_ticket_url() -> None:
    notice = notices.notice(events.TicketCreated(priority="high"))
    assert payload(notice, None)["data"]["ticketUrl"] is None


def test_a_claim_names_the_claimer_by_roblox_id_and_name() -> None:
    notice = notices.notice(events.Claimed(assignee_guid=notices.STAFF_GUID))
    data = payload(notice, BASE)["data"]
    assert data["assignee"] == {"userId": notices.STAFF_ID, "name": "Sam Staff"}


def test_a_claimer_nobody_stored_is_named_as_the_actor() -> None:
    notice = notices.notice(
        events.Claimed(assignee_guid=notices.STAFF_GUID), people=[], actor_name="Sam (in game)"
    )
    assert payload(notice, BASE)["data"]["assignee"] == {
        "userId": notices.STAFF_ID,
        "name": "Sam (in game)",
    }


def test_an_assignee_nobody_stored_is_named_from_the_workspace_members() -> None:
    notice = notices.notice(events.Assigned(notices.STAFF_GUID, None), people=[], actor_guid=None)
    assert payload(notice, BASE)["data"]["assignee"] == {
        "userId": notices.STAFF_ID,
        "name": "Sam Staff",
    }


def test_an_assignment_names_a_teammate_without_roblox_id_and_the_previous_assignee() -> None:
    notice = notices.notice(
        events.Assigned(
            assignee_guid=notices.TEAMMATE_GUID, previous_assignee_guid=notices.STAFF_GUID
        ),
        ticket_=notices.ticket(assignee_guid=notices.TEAMMATE_GUID, assignee_user_id=None),
        actor_guid=None,
        actor_user_id=None,
        actor_name="Web form",
    )
    data = payload(notice, BASE)["data"]
    assert data["assignee"] == {"userId": None, "name": "Tess Teammate"}
    assert data["previousAssignee"] == {"userId": notices.STAFF_ID, "name": "Sam Staff"}
    assert data["actor"] == {"userId": None, "name": "Web form"}


def test_a_staff_reply_comes_with_the_reply() -> None:
    reply = notices.message(MessageKind.STAFF)
    notice = notices.notice(events.StaffReplied(reply_id=reply.id), about=reply)
    data = payload(notice, BASE)["data"]
    assert data["reply"] == {
        "id": "msj_1736937002000_abc123",
        "content": "Try rejoining now.",
        "author": {"userId": notices.STAFF_ID, "name": "Sam Staff"},
        "createdAt": "2025-01-15T10:30:02.000Z",
    }
    assert "note" not in data
    assert reply.key in data["ticket"]["Content"]


def test_an_author_reply_names_the_author() -> None:
    reply = notices.message(MessageKind.AUTHOR)
    notice = notices.notice(events.AuthorReplied(reply_id=reply.id), about=reply)
    author = payload(notice, BASE)["data"]["reply"]["author"]
    assert author == {"userId": notices.AUTHOR_ID, "name": "Player One"}


def test_a_note_comes_as_a_note() -> None:
    note = notices.message(MessageKind.NOTE, text="Known issue")
    data = payload(notices.notice(events.NoteAdded(note_id=note.id), about=note), BASE)["data"]
    assert data["note"]["content"] == "Known issue"
    assert "reply" not in data


@pytest.mark.parametrize(
    ("change", "fields"),
    [
        (
            events.Transferred(from_department="support-dept", to_department="mod-dept"),
            {"fromDepartment": "support-dept", "toDepartment": "mod-dept"},
        ),
        (
            events.CategoryChanged(previous_category="support", category="reports"),
            {"previousCategory": "support", "category": "reports"},
        ),
        (events.TagsChanged(tags=["bug", "vip"]), {"tags": ["bug", "vip"]}),
        (
            events.Unclaimed(previous_assignee_guid=notices.STAFF_GUID),
            {"previousAssignee": {"userId": notices.STAFF_ID, "name": "Sam Staff"}},
        ),
    ],
)
def test_each_change_says_what_changed(change: events.Payload, fields: dict[str, object]) -> None:
    data = payload(notices.notice(change), BASE)["data"]
    assert {key: data[key] for key in fields} == fields


def test_a_field_value_change_names_the_field_by_its_number_in_the_workspace() -> None:
    config = notices.config()
    config.custom_fields[3] = CustomField(3, 2, "Region", "text", ())
    change = events.FieldValueChanged(field_id=3, value="EU")

    data = payload(notices.notice(change, workspace=config), BASE)["data"]

    assert (data["fieldId"], data["value"]) == (2, "EU")


@pytest.mark.parametrize("payload_type", list(events.PAYLOADS.values()))
def test_every_event_type_makes_a_json_payload_of_its_type(
    payload_type: type[events.Payload],
) -> None:
    guid = notices.STAFF_GUID
    samples = {int: 7, str: guid, list[str]: ["a"], int | None: None, str | None: None}
    hints = typing.get_type_hints(payload_type)
    change = payload_type(
        **{f.name: samples[hints[f.name]] for f in dataclasses.fields(payload_type)}
    )  # type: ignore[arg-type]
    body = orjson.loads(orjson.dumps(payload(notices.notice(change), BASE)))
    assert body["type"] == payload_type.type.value
    assert body["data"]["ticket"]["TicketId"] == "TICKET-1736937000-ABCD"


def test_the_ping_has_the_envelope_and_no_ticket() -> None:
    assert ping_payload("evt_ping", notices.WORKSPACE_ID, notices.CREATED) == {
        "id": "evt_ping",
        "type": "webhook.ping",
        "timestamp": "2025-01-15T10:30:00.000Z",
        "workspaceId": notices.WORKSPACE_ID,
        "data": {},
    }
