"""Tags and custom field values: checking what a caller sends before it is stored."""

from ticketd.kit.errors import FieldNotFound, ValidationFailed
from ticketd.tickets.model import FieldValue
from ticketd.workspaces.config import WorkspaceConfig
from ticketd.workspaces.fields import check_value

MAX_TAGS = 50
MAX_FIELDS = 100


def tag_key(name: str) -> str:
    """What makes two tags one: the name, ignoring case."""
    return name.lower()


def unique_ignoring_case(items: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Without repeats that differ only in case; the first spelling wins, order kept."""
    first: dict[str, str] = {}
    for item in items:
        first.setdefault(tag_key(item), item)
    return tuple(first.values())


def checked_tags(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Trimmed, without repeats (first spelling wins, case-insensitively)."""
    trimmed = [raw.strip() for raw in names]
    for name in trimmed:
        # lower() may lengthen a name ("İ" → "i̇"); the stored key must fit too
        if not 1 <= len(name) <= 100 or len(tag_key(name)) > 100 or "\x00" in name:
            raise ValidationFailed("Validation error: tags: a tag is 1 to 100 characters")
    unique = unique_ignoring_case(trimmed)
    if len(unique) > MAX_TAGS:
        raise ValidationFailed(f"Validation error: tags: a ticket has at most {MAX_TAGS} tags")
    return unique


def checked_field_values(
    config: WorkspaceConfig, values: tuple[tuple[int, str], ...]
) -> tuple[FieldValue, ...]:
    """One value per field (the last given wins), each checked against its field's type."""
    if len(values) > MAX_FIELDS:
        raise ValidationFailed(f"Validation error: at most {MAX_FIELDS} custom field values")
    checked: dict[int, str] = {}
    for field_id, value in values:
        field = config.custom_fields.get(field_id)
        if field is None:
            raise ValidationFailed(f"Validation error: custom field {field_id} does not exist")
        checked[field_id] = check_value(field, value)
    return tuple(FieldValue(i, v) for i, v in checked.items())


def checked_field_value(config: WorkspaceConfig, field_id: int, value: str) -> FieldValue:
    field = config.custom_fields.get(field_id)
    if field is None:
        raise FieldNotFound()
    return FieldValue(field_id, check_value(field, value))
