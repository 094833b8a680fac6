"""The Series webhook payload: one event as camelCase JSON, with the ticket as
`GET /tickets/get/{ticketId}` shows it and what the change was:

    {"id": "evt_…", "type": "ticket.status_changed", "timestamp": "…Z",
     "workspaceId": "…", "data": {"ticket": {…}, "ticketUrl": "…" | null,
      "previousStatus": "open", "status": "resolved", "actor": {"userId", "name"}}}

`type` is the core's event type; the fields beside `ticket` depend on it (`_changes`),
and the reply or note an event is about comes as `reply` or `note`. People are
`{"userId": <Roblox user id or null>, "name": <display name or null>}`."""

from typing import Any

from ticketd.kit.clock import iso
from ticketd.notify.model import Notice
from ticketd.people.actors import display_name
from ticketd.series import render
from ticketd.tickets import events
from ticketd.tickets.model import Message, MessageKind

PING = "webhook.ping"


def payload(notice: Notice, base_url: str | None) -> dict[str, Any]:
    event, ticket = notice.event, notice.ticket
    data: dict[str, Any] = {
        "ticket": render.full(ticket, notice.messages, notice.config),
        "ticketUrl": f"{base_url.rstrip('/')}/staff/tickets/{ticket.code}" if base_url else None,
        **_changes(notice),
    }
    if notice.message is not None:
        kind = "note" if notice.message.kind is MessageKind.NOTE else "reply"
        data[kind] = _message(notice, notice.message)
    data["actor"] = {"userId": event.actor_user_id, "name": event.actor_name}
    workspace_id = notice.config.workspace.id
    return _envelope(event.public_id, event.type.value, event.created_at, workspace_id, data)


def ping_payload(event_id: str, workspace_id: str, now_ms: int) -> dict[str, Any]:
    """What `webhook test` sends: the envelope of every delivery, with no ticket."""
    return _envelope(event_id, PING, now_ms, workspace_id, {})


def _envelope(
    event_id: str, type_: str, at: int, workspace_id: str, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": event_id,
        "type": type_,
        "timestamp": iso(at),
        "workspaceId": workspace_id,
        "data": data,
    }


def _changes(notice: Notice) -> dict[str, Any]:
    """What changed, by event type; the ticket itself already shows the new state."""
    p = notice.event.payload
    match p:
        case events.StatusChanged():
            return {"previousStatus": p.previous_status, "status": p.status}
        case events.Claimed():
            return {"assignee": _person(notice, p.assignee_guid)}
        case events.Assigned():
            previous = p.previous_assignee_guid
            return {
                "assignee": _person(notice, p.assignee_guid),
                "previousAssignee": _person(notice, previous) if previous else None,
            }
        case events.Unclaimed() | events.Unassigned():
            return {"previousAssignee": _person(notice, p.previous_assignee_guid)}
        case events.Transferred():
            return {"fromDepartment": p.from_department, "toDepartment": p.to_department}
        case events.PriorityChanged():
            return {"previousPriority": p.previous_priority, "priority": p.priority}
        case events.CategoryChanged():
            return {"previousCategory": p.previous_category, "category": p.category}
        case events.TagsChanged():
            return {"tags": list(p.tags)}
        case events.FieldValueChanged():
            field = notice.config.custom_fields.get(p.field_id)
            # its number in the workspace, as the helpdesk API shows it; None once deleted
            return {"fieldId": field.number if field else None, "value": p.value}
    return {}


def _message(notice: Notice, m: Message) -> dict[str, Any]:
    return {
        "id": m.key,
        "content": m.text,
        "author": _person(notice, m.author_guid, m.author_user_id),
        "createdAt": iso(m.created_at),
    }


def _person(notice: Notice, guid: str | None, user_id: int | None = None) -> dict[str, Any]:
    """Someone by GUID: their Roblox user id and name, as far as ticketd knows them
    (the people the notice names, teammates, the actor, the ticket's assignee)."""
    event, ticket = notice.event, notice.ticket
    known = notice.people.get(guid or "") or notice.config.teammates.get(guid or "")
    if known is not None:
        return {"userId": user_id or known.user_id, "name": known.name}
    if guid is not None and guid == event.actor_guid:
        return {"userId": user_id or event.actor_user_id, "name": event.actor_name}
    if user_id is None and guid is not None and guid == ticket.assignee_guid:
        user_id = ticket.assignee_user_id
    name = display_name(notice.config, user_id) if user_id is not None else None
    return {"userId": user_id, "name": name}
