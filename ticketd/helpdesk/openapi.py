"""The helpdesk API's OpenAPI 3.1 document, served at `<prefix>/openapi.json`: request
bodies from the models the endpoints validate with, answers from responses.py, the
seed's example (seed_examples.json, copied from shared/seeds), and links for stateful
fuzzing: token → create → read, reply, note, edit."""

import json
from functools import cache
from pathlib import Path
from typing import Any

from starlette.requests import Request

from ticketd.helpdesk import responses as r
from ticketd.helpdesk import tickets as t
from ticketd.helpdesk import workspace_data as w
from ticketd.helpdesk.routes import token
from ticketd.helpdesk.schemas import (
    DEFAULT_TAKE,
    MAX_SKIP,
    MAX_TAKE,
    AssigneeBody,
    CategoryBody,
    CreateTicketBody,
    FieldUpdateBody,
    FieldValueBody,
    ListBody,
    LogBody,
    NewFieldBody,
    NoteBody,
    NoteUpdateBody,
    ReplyBody,
    StatusBody,
    TagsBody,
    TokenForm,
)
from ticketd.kit.http import MAX_BODY_BYTES
from ticketd.kit.openapi import (
    IDEMPOTENCY_KEY,
    JSON,
    OPENAPI_VERSION,
    RETRY_AFTER,
    Operation,
    Schemas,
    link,
    path_param,
    paths,
    query,
)
from ticketd.kit.validation import MAX_BIGINT

SEEDS = json.loads(Path(__file__).with_name("seed_examples.json").read_text())
REQUESTS = (
    TokenForm,
    CreateTicketBody,
    ListBody,
    AssigneeBody,
    StatusBody,
    CategoryBody,
    TagsBody,
    FieldValueBody,
    ReplyBody,
    NoteBody,
    NoteUpdateBody,
    LogBody,
    NewFieldBody,
    FieldUpdateBody,
)
MEANINGS = {
    400: "Validation error (errorCode 100) or a rule refuses the action (101-104)",
    401: "Access token missing, invalid, expired or revoked (200, 201)",
    403: "Plan, module or a teammate's role refuses the action (300-310)",
    404: "Not found: ticket, category, field, note, teammate… (400-409)",
    409: "Conflict: the assignee changed meanwhile, or an e-mail belongs to someone else",
    413: f"Request body larger than {MAX_BODY_BYTES} bytes (601)",
    415: "Body declared as something other than JSON (602)",
    422: "Idempotency-Key already used with another body (506)",
    429: "Over the client's request limit (600); see Retry-After",
    503: "Database unavailable or busy (900); see Retry-After",
}
ID = {"type": "integer", "minimum": 1, "maximum": MAX_BIGINT}
TICKET_ID = path_param("ticketId", ID, "The ticket's integer id")
NOTE_ID = path_param("noteId", ID, "The note's integer id")
FIELD_ID = path_param("fieldId", ID, "The custom field's integer id")
CATEGORY_ID = path_param("categoryId", ID, "The category's integer id")
PAGING = [
    query("skip", {"type": "integer", "minimum": 0, "maximum": MAX_SKIP}, "Items to skip"),
    query(
        "take",
        {"type": "integer", "minimum": 1, "maximum": MAX_TAKE, "default": DEFAULT_TAKE},
        "Items to return",
    ),
]
AUTHED = (401, 403, 429, 503)
WITH_BODY = (400, 413, 415, *AUTHED)
ON_TICKET = (404, 409, *WITH_BODY)
READ_TICKET = (400, 404, *AUTHED)
SAME_TICKET = {"ticketId": "$request.path.ticketId"}


class _Builder:
    def __init__(self) -> None:
        self.schemas = Schemas(REQUESTS, r.RESPONSES)
        self.error = self.schemas.ref(r.ErrorEnvelope)

    def op(
        self,
        op_id: str,
        endpoint: Any,
        ok: type,
        errors: tuple[int, ...],
        body: Any = None,
        **more: Any,
    ) -> Operation:
        answers = {status: (MEANINGS[status], self.error) for status in errors}
        answers[200] = ("Success", self.schemas.ref(ok))
        if isinstance(body, type):
            body = self.schemas.ref(body)
        headers: dict[int, dict[str, Any]] = {s: RETRY_AFTER for s in (429, 503) if s in errors}
        summary = (endpoint.__doc__ or op_id).strip().split("\n")[0]
        return Operation(op_id, endpoint, answers, summary, body=body, headers=headers, **more)


def _token(b: _Builder) -> Operation:
    answers = {
        200: (
            "An access token (the bare OAuth 2 object, no envelope)",
            b.schemas.ref(r.AccessToken),
        ),
        400: ("Missing or unknown grant (errorCode 100, 202)", b.schemas.ref(r.TokenError)),
        413: (MEANINGS[413], b.schemas.ref(r.TokenError)),
        415: (MEANINGS[415], b.schemas.ref(r.TokenError)),
        503: (MEANINGS[503], b.schemas.ref(r.TokenError)),
    }
    bearer = {"Authorization": "Bearer {$response.body#/access_token}"}
    return Operation(
        "getToken",
        token,
        answers,
        "Exchange a refresh token for an access token",
        body=b.schemas.ref(TokenForm),
        body_media_types=("application/x-www-form-urlencoded", JSON),
        security=False,
        headers={503: RETRY_AFTER},
        links={
            "CreateTicket": link(
                "createTicket", parameters={"header.Authorization": bearer["Authorization"]}
            ),
            "ListTickets": link(
                "listTickets", parameters={"header.Authorization": bearer["Authorization"]}
            ),
        },
    )


def _after_create() -> dict[str, dict[str, Any]]:
    new = {"ticketId": "$response.body#/data"}
    return {
        "GetTicket": link("getTicket", parameters=new),
        "CreateReply": link("createReply", parameters=new),
        "ListReplies": link("listReplies", parameters=new),
        "AddNote": link("addNote", parameters=new),
        "ListNotes": link("listNotes", parameters=new),
        "UpdateStatus": link("updateStatus", parameters=new),
        "UpdateAssignee": link("updateAssignee", parameters=new),
        "UpdateCategory": link("updateCategory", parameters=new),
        "ReplaceTags": link("replaceTags", parameters=new),
        "TicketLog": link("ticketLog", parameters=new),
    }


def _after_note() -> dict[str, dict[str, Any]]:
    note = {**SAME_TICKET, "noteId": "$response.body#/data/id"}
    return {
        "UpdateNote": link("updateNote", parameters=note),
        "DeleteNote": link("deleteNote", parameters=note),
        "ListNotes": link("listNotes", parameters=SAME_TICKET),
    }


def _back_to_ticket() -> dict[str, dict[str, Any]]:
    return {
        "GetTicket": link("getTicket", parameters=SAME_TICKET),
        "TicketLog": link("ticketLog", parameters=SAME_TICKET),
    }


def _tickets(b: _Builder) -> dict[tuple[str, str], Operation]:
    seed = SEEDS["createTicket"]
    tid = [TICKET_ID]
    return {
        ("/token", "post"): _token(b),
        ("/tickets", "post"): b.op(
            "createTicket",
            t.create_ticket,
            r.TicketIdAnswer,
            (404, 409, 422, *WITH_BODY),
            CreateTicketBody,
            parameters=[IDEMPOTENCY_KEY],
            links=_after_create(),
            examples={"seed": seed["request"]},
            response_examples={200: {"seed": seed["response"]}},
        ),
        ("/tickets/list", "post"): b.op(
            "listTickets",
            t.list_tickets,
            r.TicketsAnswer,
            (404, *WITH_BODY),
            ListBody,
            body_required=False,
        ),
        ("/tickets/{ticketId}", "get"): b.op(
            "getTicket", t.get_ticket, r.TicketAnswer, (404, *AUTHED), parameters=tid
        ),
        ("/tickets/{ticketId}/Assignee", "patch"): b.op(
            "updateAssignee",
            t.update_assignee,
            r.NothingAnswer,
            ON_TICKET,
            AssigneeBody,
            parameters=tid,
            links=_back_to_ticket(),
        ),
        ("/tickets/{ticketId}/assignee", "patch"): b.op(
            "updateAssigneeLowercase",
            t.update_assignee,
            r.NothingAnswer,
            ON_TICKET,
            AssigneeBody,
            parameters=tid,
        ),
        ("/tickets/{ticketId}/status", "patch"): b.op(
            "updateStatus",
            t.update_status,
            r.NothingAnswer,
            ON_TICKET,
            StatusBody,
            parameters=tid,
            links=_back_to_ticket(),
        ),
        ("/tickets/{ticketId}/status", "put"): b.op(
            "putStatus", t.update_status, r.NothingAnswer, ON_TICKET, StatusBody, parameters=tid
        ),
        ("/tickets/{ticketId}/category", "patch"): b.op(
            "updateCategory",
            t.update_category,
            r.NothingAnswer,
            ON_TICKET,
            CategoryBody,
            parameters=tid,
            links=_back_to_ticket(),
        ),
        ("/tickets/{ticketId}/category", "put"): b.op(
            "putCategory",
            t.update_category,
            r.NothingAnswer,
            ON_TICKET,
            CategoryBody,
            parameters=tid,
        ),
        ("/tickets/{ticketId}/tags", "put"): b.op(
            "replaceTags",
            t.replace_tags,
            r.TagsAnswer,
            ON_TICKET,
            {
                "oneOf": [
                    b.schemas.ref(TagsBody),
                    {"type": "array", "items": {"type": "string"}, "maxItems": 50},
                ]
            },
            parameters=tid,
            links=_back_to_ticket(),
        ),
        ("/tickets/{ticketId}/customFields/{fieldId}", "put"): b.op(
            "setCustomFieldValue",
            t.update_field_value,
            r.FieldValueAnswer,
            ON_TICKET,
            FieldValueBody,
            parameters=[TICKET_ID, FIELD_ID],
        ),
    }


def _conversation(b: _Builder) -> dict[tuple[str, str], Operation]:
    tid = [TICKET_ID]
    return {
        ("/tickets/{ticketId}/replies", "get"): b.op(
            "listReplies", t.list_replies, r.RepliesAnswer, READ_TICKET, parameters=[*tid, *PAGING]
        ),
        ("/tickets/{ticketId}/replies", "post"): b.op(
            "createReply",
            t.create_reply,
            r.ReplyAnswer,
            ON_TICKET,
            ReplyBody,
            parameters=tid,
            links=_back_to_ticket(),
        ),
        ("/tickets/{ticketId}/notes", "get"): b.op(
            "listNotes", t.list_notes, r.NotesAnswer, READ_TICKET, parameters=[*tid, *PAGING]
        ),
        ("/tickets/{ticketId}/notes", "post"): b.op(
            "addNote",
            t.add_note,
            r.NoteAnswer,
            ON_TICKET,
            NoteBody,
            parameters=tid,
            links=_after_note(),
        ),
        ("/tickets/{ticketId}/notes/{noteId}", "put"): b.op(
            "updateNote",
            t.update_note,
            r.NoteAnswer,
            ON_TICKET,
            NoteUpdateBody,
            parameters=[TICKET_ID, NOTE_ID],
        ),
        ("/tickets/{ticketId}/notes/{noteId}", "delete"): b.op(
            "deleteNote",
            t.delete_note,
            r.NothingAnswer,
            (404, 409, *AUTHED),
            parameters=[TICKET_ID, NOTE_ID],
        ),
        ("/tickets/{ticketId}/log", "post"): b.op(
            "ticketLog",
            t.ticket_log,
            r.LogAnswer,
            (404, *WITH_BODY),
            LogBody,
            parameters=[*tid, *PAGING],
            body_required=False,
        ),
    }


def _inbox(b: _Builder) -> dict[tuple[str, str], Operation]:
    group = query("group", ID, "Only the staff of this user group (a department)")
    fid, cid = [FIELD_ID], [CATEGORY_ID]
    return {
        ("/Teammates", "get"): b.op(
            "listTeammates",
            w.list_teammates,
            r.TeammatesAnswer,
            (400, 404, *AUTHED),
            parameters=[group],
        ),
        ("/teammates", "get"): b.op(
            "listTeammatesLowercase",
            w.list_teammates,
            r.TeammatesAnswer,
            (400, 404, *AUTHED),
            parameters=[group],
        ),
        ("/UserGroups", "get"): b.op(
            "listUserGroups", w.list_user_groups, r.UserGroupsAnswer, AUTHED
        ),
        ("/categories", "get"): b.op(
            "listCategories", w.list_categories, r.CategoriesAnswer, AUTHED
        ),
        ("/categories/{categoryId}", "get"): b.op(
            "getCategory", w.get_category, r.CategoryAnswer, (404, *AUTHED), parameters=cid
        ),
        ("/categories/{categoryId}/subcategories", "get"): b.op(
            "listSubcategories",
            w.list_subcategories,
            r.CategoriesAnswer,
            (404, *AUTHED),
            parameters=cid,
        ),
        ("/customFields", "get"): b.op(
            "listCustomFields", w.list_fields, r.CustomFieldsAnswer, AUTHED
        ),
        ("/customFields", "post"): b.op(
            "addCustomField", w.add_field, r.CustomFieldAnswer, (409, *WITH_BODY), NewFieldBody
        ),
        ("/customFields/{fieldId}", "get"): b.op(
            "getCustomField", w.get_field, r.CustomFieldAnswer, (404, *AUTHED), parameters=fid
        ),
        ("/customFields/{fieldId}", "put"): b.op(
            "updateCustomField",
            w.update_field,
            r.CustomFieldAnswer,
            (404, 409, *WITH_BODY),
            FieldUpdateBody,
            parameters=fid,
        ),
        ("/customFields/{fieldId}", "delete"): b.op(
            "deleteCustomField", w.delete_field, r.NothingAnswer, (404, *AUTHED), parameters=fid
        ),
        ("/tags", "get"): b.op("listTags", w.list_tags, r.TagsAnswer, AUTHED),
    }


DESCRIPTION = """The Socialboards-style helpdesk API as ticketd serves it
(docs/helpdesk-api.md). Answers are `{"data": …, "errorCode": -1, "errorText": null}`
with 200; failures carry a positive `errorCode`, an `errorText` and a fitting status.
Besides the statuses each operation lists, any unknown path under the prefix answers 404
(errorCode 400) and a wrong method 405 (errorCode 408, with `Allow`). 429 is part of the
contract: each client is limited per second (TICKETD_RATE_LIMIT_PER_SECOND)."""


def operations(b: _Builder) -> dict[tuple[str, str], Operation]:
    return {**_tickets(b), **_conversation(b), **_inbox(b)}


@cache
def document(prefix: str) -> dict[str, Any]:
    b = _Builder()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Helpdesk Tickets API (ticketd)",
            "version": "1",
            "description": DESCRIPTION,
        },
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "paths": paths(operations(b)),
        "components": {
            "schemas": b.schemas.components,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "JWT",
                    "description": "An access token from POST /token",
                },
            },
        },
    }


def served(request: Request) -> dict[str, Any]:
    """The document for the prefix this API is mounted at."""
    return document(request.scope.get("root_path", ""))
