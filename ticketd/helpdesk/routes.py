"""The helpdesk (Socialboards-style) API: the token endpoint and the route table."""

from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ticketd.helpdesk import tickets as t
from ticketd.helpdesk import workspace_data as w
from ticketd.helpdesk.envelope import error_response
from ticketd.helpdesk.schemas import TokenForm
from ticketd.kit.errors import (
    TicketdError,
    ValidationFailed,
)
from ticketd.kit.http import json_response, read_body, read_json
from ticketd.observe.metrics import REFUSALS


async def token(request: Request) -> Response:
    """Exchange a refresh token for an access token (form-encoded, as OAuth 2)."""
    s = request.app.state.services
    try:
        raw = await read_body(request)
        if "json" in request.headers.get("content-type", ""):
            form = _form_fields(await read_json(request) or {})
        else:
            form = dict(parse_qsl(raw.decode("utf-8", "replace")))
        fields = TokenForm.model_validate(form)
        data = await s.tokens.exchange(
            s.db,
            grant_type=fields.grant_type or fields.grand_type,
            refresh_token=fields.refresh_token,
            client_id=fields.client_id,
            address=request.client.host if request.client else "unknown",
        )
        with REFUSALS["helpdesk"]:  # an exchange is a request of its client's
            await s.limiter.hit(fields.client_id)
    except TicketdError as error:
        return error_response(error, oauth=True)
    # The published endpoint answers with the bare OAuth object, not the envelope.
    return json_response(data, headers={"Cache-Control": "no-store"})


def _form_fields(data: Any) -> dict[str, str]:
    """A JSON body taken as form fields: an object of strings and numbers."""
    if not isinstance(data, dict) or any(isinstance(v, dict | list) for v in data.values()):
        raise ValidationFailed("Body must be form-encoded fields")
    return {k: str(v) for k, v in data.items() if v is not None}


def route(path: str, **handlers: Any) -> Route:
    """One route per path, so a 405 names every method the path has (`Allow`)."""
    if len(handlers) == 1:
        [(method, endpoint)] = handlers.items()
        return Route(path, endpoint, methods=[method])

    async def dispatch(request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        return await handlers[method](request)

    return Route(path, dispatch, methods=list(handlers))


T = "/tickets/{ticketId:int}"
routes = [
    route("/token", POST=token),
    route("/tickets", POST=t.create_ticket),
    route("/tickets/list", POST=t.list_tickets),
    route(T, GET=t.get_ticket),
    route(f"{T}/Assignee", PATCH=t.update_assignee),
    route(f"{T}/assignee", PATCH=t.update_assignee),
    route(f"{T}/status", PATCH=t.update_status, PUT=t.update_status),
    route(f"{T}/category", PATCH=t.update_category, PUT=t.update_category),
    route(f"{T}/tags", PUT=t.replace_tags),
    route(f"{T}/customFields/{{fieldId:int}}", PUT=t.update_field_value),
    route(f"{T}/replies", GET=t.list_replies, POST=t.create_reply),
    route(f"{T}/notes", GET=t.list_notes, POST=t.add_note),
    route(f"{T}/notes/{{noteId:int}}", PUT=t.update_note, DELETE=t.delete_note),
    route(f"{T}/log", POST=t.ticket_log),
    route("/Teammates", GET=w.list_teammates),
    route("/teammates", GET=w.list_teammates),
    route("/UserGroups", GET=w.list_user_groups),
    route("/categories", GET=w.list_categories),
    route("/categories/{categoryId:int}", GET=w.get_category),
    route("/categories/{categoryId:int}/subcategories", GET=w.list_subcategories),
    route("/customFields", GET=w.list_fields, POST=w.add_field),
    route(
        "/customFields/{fieldId:int}", GET=w.get_field, PUT=w.update_field, DELETE=w.delete_field
    ),
    route("/tags", GET=w.list_tags),
]
