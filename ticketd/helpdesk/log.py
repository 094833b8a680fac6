"""The Ticket Log: the core's audit events in the helpdesk's vocabulary. An action
string names people as `{User:<guid>}` tokens, as the published examples do."""

from typing import Any

import orjson

from ticketd.db.database import Row
from ticketd.helpdesk.render import STATUS_VIEW, category, known_user
from ticketd.kit.clock import iso_offset
from ticketd.workspaces.config import WorkspaceConfig

# helpdesk action type -> core event types it covers
ACTION_TYPES: dict[str, tuple[str, ...]] = {
    "ticket_created": ("ticket_created",),
    "ticket_read": (),  # reads are not recorded; accepted, matches nothing
    "ticket_status_changed": ("ticket_status_changed",),
    # ticket_claimed/unclaimed: the names of Series claims recorded before 0002
    "ticket_assigned_to_user": ("ticket_assigned_to_user", "ticket_claimed"),
    "ticket_unassigned": ("ticket_unassigned", "ticket_unclaimed"),
    "reply_created": ("reply_created",),
    "draft_created": ("reply_drafted",),
    "note_created": ("note_created",),
    "note_updated": ("note_updated",),
    "note_deleted": ("note_deleted",),
    "ticket_category_changed": ("ticket_category_changed",),
    "ticket_department_changed": ("ticket_transferred",),
    "ticket_tags_changed": ("ticket_tags_changed",),
    "custom_field_value_changed": ("custom_field_changed",),
}
NOBODY = "00000000-0000-0000-0000-000000000000"
ACTION_OF = {core: action for action, cores in ACTION_TYPES.items() for core in cores}


def core_types(action_types: list[str]) -> tuple[str, ...] | None:
    """The core event types to select, () for all; None if nothing can match."""
    unknown = [a for a in action_types if a not in ACTION_TYPES]
    if unknown:
        raise ValueError(f"unknown action type {unknown[0]!r}; known: {', '.join(ACTION_TYPES)}")
    if not action_types:
        return ()
    types = tuple(t for a in dict.fromkeys(action_types) for t in ACTION_TYPES[a])
    return types or None


def _label(status: str | None) -> str:
    return STATUS_VIEW.get(status or "", status or "none").capitalize()


def entry(e: Row, config: WorkspaceConfig, people: dict[str, Row]) -> dict[str, Any]:
    detail = orjson.loads(e["detail"])
    user_id = e["actor_user_id"]
    guid = e["actor_guid"] or (config.guid_for_user(user_id) if user_id else NOBODY)
    actor = known_user(config, people, guid, user_id, e["actor_name"])
    who = f"{{User:{actor['id']}}}"
    items: dict[str, list[Any]] = {"categories": [], "tags": [], "users": []}
    kind = e["type"]
    text = f"{who} changed the ticket"
    if kind == "ticket_created":
        text = f"{who} created the ticket"
    elif kind == "ticket_status_changed":
        text = (
            f"{who} changed status from {_label(detail.get('previous'))}"
            f" to {_label(detail.get('status'))}"
        )
    elif kind in ("ticket_assigned_to_user", "ticket_claimed"):
        assignee = known_user(config, people, detail.get("assignee") or guid, user_id)
        items["users"].append(assignee)
        text = f"{who} assigned the ticket to {{User:{assignee['id']}}}"
    elif kind in ("ticket_unassigned", "ticket_unclaimed"):
        text = f"{who} unassigned the ticket"
    elif kind in ("reply_created", "reply_drafted"):
        text = f"{who} {'drafted' if kind == 'reply_drafted' else 'wrote'} a reply"
    elif kind.startswith("note_"):
        text = f"{who} {kind.removeprefix('note_')} a note"
    elif kind == "ticket_category_changed":
        filed = config.categories.get(detail.get("category") or "")
        if filed:
            items["categories"].append(category(config, filed))
        text = f"{who} moved the ticket to {filed.name if filed else 'no category'}"
    elif kind == "ticket_transferred":
        target = config.departments.get(detail.get("to") or "")
        text = f"{who} transferred the ticket to {target.name if target else detail.get('to')}"
    elif kind == "ticket_tags_changed":
        items["tags"] = list(detail.get("tags", []))
        text = f"{who} set tags: {', '.join(items['tags']) or 'none'}"
    elif kind == "custom_field_changed":
        field = config.custom_fields.get(detail.get("field") or 0)
        name = field.name if field else f"field {detail.get('field')}"
        value = detail.get("value")
        text = f"{who} set {name} to {value!r}" if value is not None else f"{who} cleared {name}"
    return {
        "actionType": ACTION_OF.get(kind, kind),
        "actionString": text,
        "includedItems": items,
        "time": iso_offset(e["created_at"]),
        "user": actor,
    }
