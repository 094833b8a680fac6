"""The helpdesk envelope: `{"data": …, "errorCode": -1, "errorText": null}` on success;
on failure a positive `errorCode` (stable, listed in docs/helpdesk-api.md), a readable
`errorText` and a fitting HTTP status."""

from typing import Any

from starlette.responses import Response

from ticketd.kit.errors import TicketdError
from ticketd.kit.http import error_headers, json_response

# core error code -> (errorCode, HTTP status); the hundreds group the kind of failure.
ERRORS: dict[str, tuple[int, int]] = {
    "error": (100, 400),
    "validation_error": (100, 400),
    "open_ticket_limit": (101, 400),
    "claim_closed": (102, 400),
    "department_mismatch": (103, 400),
    "same_department": (104, 400),
    "unauthorized": (200, 401),
    "invalid_token": (201, 401),
    "invalid_grant": (202, 400),
    "plan_required": (300, 403),
    "module_disabled": (301, 403),
    "teammate_read_only": (302, 403),
    "unknown_reply_author": (303, 403),
    "membership_required": (304, 403),
    "rank_too_low": (305, 403),
    "game_report_read_only": (306, 403),
    "ticket_closed": (307, 403),
    "not_staff": (308, 403),
    "not_allowed": (310, 403),
    # A reply's author is named by e-mail: someone who is not the ticket's creator.
    "not_ticket_author": (303, 403),
    "not_found": (400, 404),
    "ticket_not_found": (401, 404),
    "category_not_found": (402, 404),
    "custom_field_not_found": (403, 404),
    "teammate_not_found": (404, 404),
    "reply_not_found": (405, 404),
    "note_not_found": (406, 404),
    "department_not_found": (407, 404),
    "method_not_allowed": (408, 405),
    "workspace_not_found": (409, 404),
    "assignee_changed": (500, 409),
    "conflict": (501, 409),
    "already_claimed": (502, 409),
    "not_claimed": (503, 409),
    "claim_required": (504, 409),
    "category_key_taken": (505, 409),
    "idempotency_key_reused": (506, 422),
    "rate_limited": (600, 429),
    "body_too_large": (601, 413),
    "unsupported_media_type": (602, 415),
    "unavailable": (900, 503),
    "internal": (999, 500),
}


# Where the core's default wording names the other API's idea of a caller.
MESSAGES = {
    "not_ticket_author": "The author must be a teammate or the ticket's creator",
    "rate_limited": "Rate limit exceeded: too many requests for this client",
}


def _wording(error: TicketdError) -> str:
    if error.message != type(error).message:
        return error.message  # said for this case, not the code's default
    return MESSAGES.get(error.code, error.message)


def ok(data: Any, headers: dict[str, str] | None = None) -> Response:
    return json_response({"data": data, "errorCode": -1, "errorText": None}, headers=headers)


def error_response(
    error: TicketdError, status: int | None = None, *, oauth: bool = False
) -> Response:
    """`status`, when given, overrides the code's own; `oauth`: the token endpoint, which
    also sets OAuth 2's `error` field."""
    code, default_status = ERRORS.get(error.code, ERRORS["error"])
    status = status or default_status
    body: dict[str, Any] = {
        "data": None,
        "errorCode": code,
        "errorText": _wording(error),
    }
    if oauth:
        body["error"] = "invalid_grant" if error.code == "invalid_grant" else "invalid_request"
    headers = error_headers(error)
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Bearer realm="ticketd"'}
    return json_response(body, status, headers)
