"""Helpdesk endpoints for the inbox's own data: teammates, user groups, categories,
custom field definitions and tags."""

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from ticketd.helpdesk import render
from ticketd.helpdesk.envelope import ok
from ticketd.helpdesk.requests import Caller, caller, path_id, query_int
from ticketd.helpdesk.schemas import (
    FieldUpdateBody,
    NewFieldBody,
    parse,
)
from ticketd.kit.errors import (
    CategoryNotFound,
    FieldNotFound,
    InvalidInput,
    NotFound,
    ValidationFailed,
)
from ticketd.kit.http import read_json
from ticketd.kit.validation import MAX_BIGINT
from ticketd.tickets import queries
from ticketd.workspaces import fields


async def list_teammates(request: Request) -> Response:
    """Teammates, optionally of one user group (a department, by its integer id)."""
    c = await caller(request)
    group = query_int(request, "group", 0, 1, MAX_BIGINT)
    teammates = list(c.config.teammates.values())
    if group:
        department = c.config.departments_by_number.get(group)
        if department is None:
            raise NotFound("User group not found")
        teammates = [
            t
            for t in teammates
            if t.user_id is not None
            and department.has_staff(t.user_id, c.config.rank_of(t.user_id))
        ]
    return ok([render.teammate(t) for t in teammates])


async def list_user_groups(request: Request) -> Response:
    """User groups: the workspace's departments."""
    c = await caller(request)
    return ok(
        [{"id": d.number, "name": d.name, "key": d.key} for d in c.config.departments.values()]
    )


def _category_or_404(c: Caller, request: Request) -> Any:
    category = c.config.categories_by_number.get(path_id(request, "categoryId", CategoryNotFound))
    if category is None:
        raise CategoryNotFound()
    return category


async def list_categories(request: Request) -> Response:
    """Categories, each with its parents."""
    c = await caller(request)
    return ok([render.category(c.config, x) for x in c.config.categories.values()])


async def get_category(request: Request) -> Response:
    """A category by its integer id."""
    c = await caller(request)
    return ok(render.category(c.config, _category_or_404(c, request)))


async def list_subcategories(request: Request) -> Response:
    """The direct children of a category."""
    c = await caller(request)
    parent = _category_or_404(c, request)
    children = [x for x in c.config.categories.values() if x.parent_number == parent.number]
    return ok([render.category(c.config, x) for x in children])


def _field_or_404(c: Caller, request: Request) -> Any:
    field = c.config.fields_by_number.get(path_id(request, "fieldId", FieldNotFound))
    if field is None:
        raise FieldNotFound()
    return field


async def list_fields(request: Request) -> Response:
    """Custom field definitions."""
    c = await caller(request)
    return ok([render.custom_field(f) for f in c.config.custom_fields.values()])


async def get_field(request: Request) -> Response:
    """A custom field definition by its integer id."""
    c = await caller(request)
    return ok(render.custom_field(_field_or_404(c, request)))


async def add_field(request: Request) -> Response:
    """Define a custom field: text, number, date or dropdown."""
    c = await caller(request)
    body = parse(NewFieldBody, await read_json(request))
    try:
        created = await fields.add_field(
            c.db,
            c.services.cache,
            workspace_id=c.config.workspace.id,
            name=body.name,
            field_type=body.type,
            options=body.possibleValues,
            actor=c.actor,
        )
    except InvalidInput as error:
        raise ValidationFailed(f"Validation error: {error.message}") from None
    return ok(render.custom_field(created))


async def update_field(request: Request) -> Response:
    """Rename a custom field or change its options; its type stays."""
    c = await caller(request)
    field = _field_or_404(c, request)
    body = parse(FieldUpdateBody, await read_json(request))
    if body.type is not None and body.type != field.type:
        raise ValidationFailed(
            f"Validation error: type: a {field.type} field cannot become {body.type!r};"
            " add a new field instead"
        )
    try:
        updated = await fields.update_field(
            c.db,
            c.services.cache,
            field,
            workspace_id=c.config.workspace.id,
            name=body.name,
            options=body.possibleValues,
            actor=c.actor,
        )
    except InvalidInput as error:
        raise ValidationFailed(f"Validation error: {error.message}") from None
    return ok(render.custom_field(updated))


async def delete_field(request: Request) -> Response:
    """Delete a custom field and every ticket's value for it."""
    c = await caller(request)
    field = _field_or_404(c, request)
    await fields.delete_field(
        c.db, c.services.cache, workspace_id=c.config.workspace.id, field_id=field.id, actor=c.actor
    )
    return ok({})


async def list_tags(request: Request) -> Response:
    """The inbox's tag names, sorted."""
    c = await caller(request)
    return ok(await queries.workspace_tags(c.db, c.config))
