"""Custom field definitions (text, number, date, dropdown) and the checking of a value
against its field's type."""

import datetime as dt
import re

from ticketd.db.database import Database, IntegrityError
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import (
    Conflict,
    FieldNotFound,
    InvalidInput,
    ValidationFailed,
)
from ticketd.people.actors import Actor
from ticketd.workspaces import fields_repository as repository
from ticketd.workspaces import repository as workspace_repository
from ticketd.workspaces.access import WorkspaceCache, announce_change, ensure_may_configure
from ticketd.workspaces.config import FIELD_TYPES, CustomField
from ticketd.workspaces.service import checked_name

# Values are indexed (field, value) for list filters; 500 characters stay under
# PostgreSQL's B-tree entry limit (2,704 bytes) even at 4 bytes a character.
MAX_VALUE_LENGTH = 500
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_OPTIONS = 200


def check_value(field: CustomField, value: str) -> str:
    """The value as stored, or ValidationFailed naming the field and what it expects."""
    value = value.strip()
    problem = _problem(field, value)
    if problem:
        raise ValidationFailed(
            f"Validation error: custom field {field.number} ({field.name}) {problem}"
        )
    return value


def _problem(field: CustomField, value: str) -> str | None:
    if not value:
        return "needs a value"
    if len(value) > MAX_VALUE_LENGTH or "\x00" in value:
        return f"must be at most {MAX_VALUE_LENGTH} characters"
    if field.type == "number":
        return None if NUMBER.match(value) else "must be a number"
    if field.type == "date":
        try:
            valid = bool(DATE.match(value)) and bool(dt.date.fromisoformat(value))
        except ValueError:
            valid = False
        return None if valid else "must be a date as YYYY-MM-DD"
    if field.type == "dropdown" and value not in field.options:
        return f"must be one of: {', '.join(field.options)}"
    return None


def _checked_options(field_type: str, options: list[str] | None) -> list[str]:
    if field_type not in FIELD_TYPES:
        raise InvalidInput(f"type must be one of: {', '.join(FIELD_TYPES)}")
    options = [o.strip() for o in options or []]
    if field_type != "dropdown":
        if options:
            raise InvalidInput("only dropdown fields have options")
        return []
    if not options:
        raise InvalidInput("a dropdown field needs at least one option")
    if len(options) > MAX_OPTIONS or any(not 1 <= len(o) <= 200 for o in options):
        raise InvalidInput(f"a dropdown has 1 to {MAX_OPTIONS} options of 1 to 200 characters")
    if len(set(options)) != len(options):
        raise InvalidInput("dropdown options must be different from each other")
    return options


async def add_field(
    db: Database,
    cache: WorkspaceCache | None,
    *,
    actor: Actor,
    workspace_id: str,
    name: str,
    field_type: str,
    options: list[str] | None = None,
) -> CustomField:
    ensure_may_configure(actor)
    name = checked_name(name)
    options = _checked_options(field_type, options)
    async with db.transaction() as conn:
        await workspace_repository.require_workspace(conn, workspace_id)
        inserted = await repository.insert_field(
            conn,
            workspace_id=workspace_id,
            name=name,
            field_type=field_type,
            options=options,
            now=now_ms(),
        )
    if inserted is None:
        raise _name_taken(name)
    await announce_change(cache)
    field_id, number = inserted
    return CustomField(field_id, number, name, field_type, tuple(options))


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A custom field named {name!r} already exists")


async def update_field(
    db: Database,
    cache: WorkspaceCache,
    field: CustomField,
    *,
    actor: Actor,
    workspace_id: str,
    name: str | None,
    options: list[str] | None,
) -> CustomField:
    """Renames a field or replaces a dropdown's options. The type cannot change: stored
    values were checked against it. Values no longer among the options are kept."""
    ensure_may_configure(actor)
    name = checked_name(name) if name is not None else field.name
    new_options = list(field.options) if options is None else _checked_options(field.type, options)
    try:
        async with db.transaction() as conn:
            changed = await repository.update_field(
                conn, workspace_id=workspace_id, field_id=field.id, name=name, options=new_options
            )
    except IntegrityError:
        raise _name_taken(name) from None
    await announce_change(cache)
    if not changed:
        raise FieldNotFound()
    return CustomField(field.id, field.number, name, field.type, tuple(new_options))


async def delete_field(
    db: Database, cache: WorkspaceCache, *, actor: Actor, workspace_id: str, field_id: int
) -> None:
    """Deletes the field and every ticket's value for it."""
    ensure_may_configure(actor)
    async with db.transaction() as conn:
        changed = await repository.delete_field(conn, workspace_id=workspace_id, field_id=field_id)
    await announce_change(cache)
    if not changed:
        raise FieldNotFound()
