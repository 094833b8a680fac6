"""The Series envelope: `{"success": true, "data": …}` on success, `{"success": false,
"error": {"code": <HTTP status>, "message": …}}` on failure, with the statuses the seeds
give each error."""

from typing import Any

from starlette.responses import Response

from ticketd.kit.errors import TicketdError
from ticketd.kit.http import error_headers, json_response

# core error code -> HTTP status
STATUS: dict[str, int] = {
    "error": 400,
    "validation_error": 400,
    "open_ticket_limit": 400,
    "already_claimed": 400,
    "not_claimed": 400,
    "claim_required": 400,
    "claim_closed": 400,
    "department_mismatch": 400,
    "same_department": 400,
    "invalid_grant": 400,
    "unauthorized": 401,
    "invalid_token": 401,
    "plan_required": 403,
    "module_disabled": 403,
    "membership_required": 403,
    "rank_too_low": 403,
    "not_staff": 403,
    "not_allowed": 403,
    "game_report_read_only": 403,
    "not_ticket_author": 403,
    "ticket_closed": 403,
    "teammate_read_only": 403,
    "unknown_reply_author": 403,
    "not_found": 404,
    "ticket_not_found": 404,
    "department_not_found": 404,
    "teammate_not_found": 404,
    "category_not_found": 404,
    "custom_field_not_found": 404,
    "reply_not_found": 404,
    "note_not_found": 404,
    "workspace_not_found": 404,
    "method_not_allowed": 405,
    "assignee_changed": 409,
    "conflict": 409,
    "idempotency_key_reused": 422,
    "category_key_taken": 409,
    "body_too_large": 413,
    "unsupported_media_type": 415,
    "rate_limited": 429,
    "internal": 500,
    "unavailable": 503,
}


def ok(data: Any) -> Response:
    return json_response({"success": True, "data": data})


def failure(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return json_response(
        {"success": False, "error": {"code": status, "message": message}}, status, headers
    )


def error_response(error: TicketdError, status: int | None = None) -> Response:
    status = status or STATUS.get(error.code, 400)
    return failure(status, error.message, error_headers(error))
