"""The fields of a Discord embed: where the ticket stands (category, department,
priority, status), what an event changed shown as "before → after", a game report's
place and server, and the author's link. Values are markdown, names in them escaped."""

from typing import Any

from ticketd.notify.discord_text import clean, cut, literal, shown
from ticketd.notify.model import Notice
from ticketd.tickets import events
from ticketd.tickets.events import EventType
from ticketd.tickets.model import Status

FIELD_NAME, FIELD_VALUE = 256, 1024
GAME_URL = "https://www.roblox.com/games/{}"
STATUS_LABELS: dict[str, str] = {
    Status.OPEN: "Open",
    Status.IN_PROGRESS: "In progress",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}


def fields(notice: Notice, author_url: str | None = None) -> list[dict[str, Any]]:
    """`author_url`: the author's link, last and on a line of its own, for staff to send."""
    shown = [_field(name, value) for name, value in _values(notice)]
    if author_url:
        shown.append({"name": "Author's link", "value": cut(author_url, FIELD_VALUE)})
    return shown


def _field(name: str, value: str) -> dict[str, Any]:
    # Discord refuses an empty or blank field value.
    name, value = cut(name, FIELD_NAME) or "Field", cut(value, FIELD_VALUE) or "—"
    return {"name": name, "value": value, "inline": True}


def _values(notice: Notice) -> list[tuple[str, str]]:
    values = [
        ("Category", _category_value(notice)),
        ("Department", _department_value(notice)),
        ("Priority", shown(notice.ticket.priority.capitalize())),
        ("Status", _status_value(notice)),
    ]
    values += _change_values(notice)
    if is_game_report(notice):
        values += _game_values(notice.ticket.place_id, notice.ticket.server_id)
    return values


def is_game_report(notice: Notice) -> bool:
    return notice.ticket.game_report or notice.event.type is EventType.GAME_REPORT_CREATED


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status) or shown(status)


def name_of(notice: Notice, guid: str | None) -> str | None:
    """A person's name as the notice or the workspace knows them."""
    person = notice.people.get(guid or "")
    teammate = notice.config.teammates.get(guid or "")
    return person.name if person else teammate.name if teammate else None


def _category_value(notice: Notice) -> str:
    payload = notice.event.payload
    if isinstance(payload, events.CategoryChanged):
        before = _category(notice, payload.previous_category)
        return f"{before} → {_category(notice, payload.category)}"
    return _category(notice, notice.ticket.category_key)


def _category(notice: Notice, key: str | None) -> str:
    category = notice.config.categories.get(key or "")
    return shown(category.name if category else key or "None")


def _department_value(notice: Notice) -> str:
    payload = notice.event.payload
    if isinstance(payload, events.Transferred):
        before = _department(notice, payload.from_department)
        return f"{before} → {_department(notice, payload.to_department)}"
    return _department(notice, notice.ticket.department_key)


def _department(notice: Notice, key: str | None) -> str:
    department = notice.config.departments.get(key or "")
    return shown(department.name if department else key or "None")


def _status_value(notice: Notice) -> str:
    payload = notice.event.payload
    if isinstance(payload, events.StatusChanged):
        return f"{status_label(payload.previous_status)} → {status_label(payload.status)}"
    return status_label(notice.ticket.status)


def _change_values(notice: Notice) -> list[tuple[str, str]]:
    """What an assignment, a tag change or a field change set."""
    payload = notice.event.payload
    match payload:
        case events.Claimed() | events.Assigned(previous_assignee_guid=None):
            return [("Assignee", _person(notice, payload.assignee_guid))]
        case events.Assigned(assignee_guid=new, previous_assignee_guid=old):
            return [("Assignee", f"{_person(notice, old)} → {_person(notice, new)}")]
        case events.Unclaimed() | events.Unassigned():
            return [("Assignee", f"{_person(notice, payload.previous_assignee_guid)} → None")]
        case events.TagsChanged():
            return [("Tags", shown(", ".join(payload.tags)) or "None")]
        case events.FieldValueChanged():
            field = notice.config.custom_fields.get(payload.field_id)
            name = field.name if field else f"Field {payload.field_id}"
            return [(shown(name), shown(payload.value or "") or "(cleared)")]
    return []


def _person(notice: Notice, guid: str | None) -> str:
    return shown(name_of(notice, guid) or "Someone")


def _game_values(place_id: int | None, server_id: str | None) -> list[tuple[str, str]]:
    values = []
    if place_id is not None:
        values.append(("Place", f"[{place_id}]({GAME_URL.format(place_id)})"))
    if server_id:
        values.append(("Server", _code(cut(clean(server_id), FIELD_VALUE - 2))))
    return values


def _code(text: str) -> str:
    """Inline code, so an id shows as typed and copies whole."""
    return literal(text) if "`" in text else f"`{text}`"
