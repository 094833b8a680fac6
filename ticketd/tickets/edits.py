"""Changes to how a ticket is filed: its category, tags and custom field values."""

from ticketd.db.database import Database
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import CategoryNotFound, FieldNotFound
from ticketd.people.actors import Actor
from ticketd.tickets import events, labels, labels_repository, repository, rules
from ticketd.tickets.model import TicketRef
from ticketd.tickets.service import count_open, locked, system_message
from ticketd.workspaces.config import WorkspaceConfig


async def change_category(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    *,
    actor: Actor,
    category_key: str | None,
) -> None:
    """Files the ticket under another category (or none); its department follows the
    new category's routing and the assignee stays."""
    category = None
    if category_key is not None:
        category = config.categories.get(category_key)
        if category is None:
            raise CategoryNotFound()
    async with locked(db, config, ref, messages=1) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        previous = ticket.category_key
        new_key = category.key if category else None
        if previous == new_key:
            return
        now = now_ms()
        if ticket.is_open:
            await count_open(scope, config, ticket, previous, opened=False)
            await count_open(scope, config, ticket, new_key, opened=True)
        department = config.department_for(new_key) if new_key else None
        await repository.update_ticket(
            scope, ticket.id, category_key=new_key, department_key=department, updated_at=now
        )
        names = [
            config.categories[k].name if k in config.categories else k for k in (previous, new_key)
        ]
        text = f"Category changed from {names[0] or 'none'} to {names[1] or 'none'}"
        await system_message(scope, ticket, f"{text} by {actor.name}", now, actor=actor)
        await events.record(scope, ticket, actor, events.CategoryChanged(previous, new_key), now)


async def replace_tags(
    db: Database, config: WorkspaceConfig, ref: TicketRef, *, actor: Actor, tags: list[str]
) -> list[str]:
    """Returns the ticket's tags as stored: a name the workspace knows keeps its spelling."""
    names = labels.checked_tags(tags)
    async with locked(db, config, ref) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        now = now_ms()
        await labels_repository.detach_all_tags(scope, ticket.id)
        stored: list[str] = []
        if names:
            await labels_repository.attach_tags(scope, ticket.id, names)
            tags_of, _ = await labels_repository.labels_of(scope, [ticket.id])
            stored = tags_of[ticket.id]
        await repository.update_ticket(scope, ticket.id, updated_at=now)
        await events.record(scope, ticket, actor, events.TagsChanged(stored), now)
    return stored


async def set_custom_field(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    *,
    actor: Actor,
    field_id: int,
    value: str | None,
) -> str | None:
    """Sets (or with None clears) one value; returns the value as stored."""
    async with locked(db, config, ref) as (scope, ticket):
        rules.ensure_works_department(actor, ticket)
        if field_id not in config.custom_fields:
            raise FieldNotFound()
        now = now_ms()
        if value is None:
            await labels_repository.delete_field_value(scope, ticket.id, field_id)
        else:
            checked = labels.checked_field_value(config, field_id, value)
            await labels_repository.upsert_field_value(scope, ticket.id, checked)
            value = checked.value
        await repository.update_ticket(scope, ticket.id, updated_at=now)
        await events.record(scope, ticket, actor, events.FieldValueChanged(field_id, value), now)
    return value
