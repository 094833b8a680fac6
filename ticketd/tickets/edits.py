"""Changes to how a ticket is filed: its category, tags and custom field values."""

from ticketd.db.database import Database
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import CategoryNotFound
from ticketd.tickets import labels, repository, service
from ticketd.tickets.service import Actor
from ticketd.workspaces.config import WorkspaceConfig


async def change_category(
    db: Database, config: WorkspaceConfig, ticket_id: int, *, actor: Actor, category_id: int | None
) -> None:
    """Files the ticket under another category (or none); its department follows the
    new category's routing and the assignee stays."""
    category = None
    if category_id is not None:
        category = config.categories_by_id.get(category_id)
        if category is None:
            raise CategoryNotFound()
    async with service.locked(db, config, ticket_id) as (conn, ticket):
        previous = ticket["category_key"]
        new_key = category.key if category else None
        if previous == new_key:
            return
        now = now_ms()
        if ticket["status"] in service.OPEN_STATUSES:
            await service.count_open(conn, config, ticket, previous, opened=False)
            await service.count_open(conn, config, ticket, new_key, opened=True)
        department = config.department_for(new_key) if new_key else None
        await repository.update_ticket(
            conn, ticket["id"], category_key=new_key, department_key=department, updated_at=now
        )
        names = [
            config.categories[k].name if k in config.categories else k for k in (previous, new_key)
        ]
        text = f"Category changed from {names[0] or 'none'} to {names[1] or 'none'}"
        await service.system_message(conn, ticket, f"{text} by {actor.name}", actor, now)
        detail = {"previous": previous, "category": new_key}
        await service.record(conn, ticket, "ticket_category_changed", actor, now, detail)


async def replace_tags(
    db: Database, config: WorkspaceConfig, ticket_id: int, *, actor: Actor, tags: list[str]
) -> list[str]:
    names = labels.checked_tags(tags)
    async with service.locked(db, config, ticket_id) as (conn, ticket):
        now = now_ms()
        stored = await labels.replace_tags(conn, ticket, names)
        await repository.update_ticket(conn, ticket["id"], updated_at=now)
        await service.record(conn, ticket, "ticket_tags_changed", actor, now, {"tags": stored})
    return stored


async def set_custom_field(
    db: Database,
    config: WorkspaceConfig,
    ticket_id: int,
    *,
    actor: Actor,
    field_id: int,
    value: str | None,
) -> str | None:
    async with service.locked(db, config, ticket_id) as (conn, ticket):
        now = now_ms()
        stored = await labels.set_field_value(conn, config, ticket, field_id, value)
        await repository.update_ticket(conn, ticket["id"], updated_at=now)
        detail = {"field": field_id, "value": stored}
        await service.record(conn, ticket, "custom_field_changed", actor, now, detail)
    return stored
