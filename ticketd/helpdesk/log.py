"""The Ticket Log: the core's events in the helpdesk's vocabulary. An action string
names people as `{User:<guid>}` tokens, as the published examples do."""

from typing import Any

from ticketd.helpdesk.render import STATUS_VIEW, category, known_user
from ticketd.kit.clock import iso_offset
from ticketd.kit.errors import ValidationFailed
from ticketd.people.model import Person
from ticketd.tickets import events
from ticketd.tickets.events import EventType as E
from ticketd.tickets.model import Status
from ticketd.workspaces.config import WorkspaceConfig

# helpdesk action type -> the core event types it covers
ACTION_TYPES: dict[str, tuple[E, ...]] = {
    "ticket_created": (E.TICKET_CREATED, E.GAME_REPORT_CREATED),
    "ticket_read": (),  # reads are not recorded; accepted, matches nothing
    "ticket_status_changed": (E.STATUS_CHANGED,),
    "ticket_assigned_to_user": (E.ASSIGNED, E.CLAIMED),
    "ticket_unassigned": (E.UNASSIGNED, E.UNCLAIMED),
    "reply_created": (E.STAFF_REPLIED, E.AUTHOR_REPLIED),
    "draft_created": (E.REPLY_DRAFTED,),
    "note_created": (E.NOTE_ADDED,),
    "note_updated": (E.NOTE_UPDATED,),
    "note_deleted": (E.NOTE_DELETED,),
    "ticket_category_changed": (E.CATEGORY_CHANGED,),
    "ticket_department_changed": (E.TRANSFERRED,),
    "ticket_tags_changed": (E.TAGS_CHANGED,),
    "custom_field_value_changed": (E.FIELD_VALUE_CHANGED,),
    "ticket_priority_changed": (E.PRIORITY_CHANGED,),
}
NOBODY = "00000000-0000-0000-0000-000000000000"
ACTION_OF = {core: action for action, cores in ACTION_TYPES.items() for core in cores}


def event_types(action_types: list[str]) -> tuple[E, ...] | None:
    """The core event types to select, () for all; None if nothing can match."""
    unknown = [a for a in action_types if a not in ACTION_TYPES]
    if unknown:
        raise ValidationFailed(
            f"Validation error: action_types: unknown action type {unknown[0]!r};"
            f" known: {', '.join(ACTION_TYPES)}"
        )
    if not action_types:
        return ()
    types = tuple(t for a in dict.fromkeys(action_types) for t in ACTION_TYPES[a])
    return types or None


def _label(status: str) -> str:
    return STATUS_VIEW[Status(status)].capitalize()


def entry(e: events.Event, config: WorkspaceConfig, people: dict[str, Person]) -> dict[str, Any]:
    user_id = e.actor_user_id
    guid = e.actor_guid or (config.guid_for_user(user_id) if user_id else NOBODY)
    actor = known_user(config, people, guid, user_id, e.actor_name)
    users: list[dict[str, Any]] = []

    def token(other: str) -> str:
        found = known_user(config, people, other, user_id)
        users.append(found)
        return f"{{User:{found['id']}}}"

    text = events.sentence(e, config, who=f"{{User:{actor['id']}}}", person=token, status=_label)
    return {
        "actionType": ACTION_OF[e.type],
        "actionString": text,
        "includedItems": _items(e.payload, config, users),
        "time": iso_offset(e.created_at),
        "user": actor,
    }


def _items(
    payload: events.Payload, config: WorkspaceConfig, users: list[dict[str, Any]]
) -> dict[str, list[Any]]:
    items: dict[str, list[Any]] = {"categories": [], "tags": [], "users": users}
    if isinstance(payload, events.CategoryChanged):
        filed = config.categories.get(payload.category or "")
        if filed:
            items["categories"].append(category(config, filed))
    elif isinstance(payload, events.TagsChanged):
        items["tags"] = list(payload.tags)
    return items
