"""The Socialboards webhook payload: `{CommunityName, EventType, Events[], TicketId}`
with PascalCase keys; each event has `InboxLink`, the helpdesk Ticket (`Category` as
`{Id, Name, Parents}`), `PreviousTicketStatus` on a status change (in helpdesk words:
open, pending, completed), `PreviousCategory` on a re-filing, and the `Reply` or `Note`
it is about. Socialboards publishes only `ticket_status_change`; the other names
follow its pattern, one per core event type (EVENT_TYPES)."""

from typing import Any

from ticketd.helpdesk import render
from ticketd.notify.model import Notice
from ticketd.tickets import events
from ticketd.tickets.events import EventType as E
from ticketd.tickets.model import Message, MessageKind, Status
from ticketd.workspaces.config import WorkspaceConfig

# core event type -> Socialboards EventType
EVENT_TYPES: dict[E, str] = {
    E.TICKET_CREATED: "ticket_created",
    E.GAME_REPORT_CREATED: "ticket_created",  # the Ticket says `GameReport: true`
    E.CLAIMED: "ticket_assigned",
    E.ASSIGNED: "ticket_assigned",
    E.UNCLAIMED: "ticket_unassigned",
    E.UNASSIGNED: "ticket_unassigned",
    E.STATUS_CHANGED: "ticket_status_change",
    E.PRIORITY_CHANGED: "ticket_priority_change",
    E.TRANSFERRED: "ticket_transferred",
    E.CATEGORY_CHANGED: "ticket_category_change",
    E.TAGS_CHANGED: "ticket_tags_change",
    E.FIELD_VALUE_CHANGED: "ticket_custom_field_change",
    E.STAFF_REPLIED: "reply_created",
    E.AUTHOR_REPLIED: "reply_created",
    E.REPLY_DRAFTED: "draft_created",
    E.NOTE_ADDED: "note_created",
    E.NOTE_UPDATED: "note_updated",
    E.NOTE_DELETED: "note_deleted",
}
PING = "webhook_ping"


def payload(notice: Notice, base_url: str | None) -> dict[str, Any]:
    return {
        "CommunityName": notice.config.workspace.name,
        "EventType": EVENT_TYPES[notice.event.type],
        "Events": [_event(notice, base_url)],
        "TicketId": notice.ticket.number,
    }


def ping_payload(community_name: str) -> dict[str, Any]:
    """What `webhook test` sends: the envelope of every delivery, with no event."""
    return {"CommunityName": community_name, "EventType": PING, "Events": [], "TicketId": None}


def _event(notice: Notice, base_url: str | None) -> dict[str, Any]:
    ticket, config = notice.ticket, notice.config
    link = f"{base_url.rstrip('/')}/staff/tickets/{ticket.code}" if base_url else None
    event: dict[str, Any] = {"InboxLink": link}
    p = notice.event.payload
    if isinstance(p, events.StatusChanged):
        event["PreviousTicketStatus"] = render.STATUS_VIEW[Status(p.previous_status)]
    event["Ticket"] = pascal(render.ticket(ticket, notice.details, config))
    event["Ticket"]["Category"] = _category(config, ticket.category_key)
    if isinstance(p, events.CategoryChanged):
        event["PreviousCategory"] = _category(config, p.previous_category)
    if notice.message is not None:
        event.update(_message(notice, notice.message))
    return event


def _category(config: WorkspaceConfig, key: str | None) -> dict[str, Any] | None:
    filed = config.categories.get(key or "")
    if filed is None:
        return None
    shown = pascal(render.category(config, filed))
    return {"Id": shown["Id"], "Name": shown["Name"], "Parents": shown["Parents"]}


def _message(notice: Notice, m: Message) -> dict[str, Any]:
    config = notice.config
    people = {**notice.details.people, **notice.people}
    if m.kind is MessageKind.NOTE:
        return {"Note": pascal(render.note(m, config, people))}
    return {"Reply": pascal(render.reply(m, notice.ticket, config, people))}


def pascal(value: Any) -> Any:
    """`value` with every object key in PascalCase (`htmlMessage` -> `HtmlMessage`)."""
    if isinstance(value, dict):
        return {key[:1].upper() + key[1:]: pascal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [pascal(item) for item in value]
    return value
