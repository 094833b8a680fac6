"""One error hierarchy for the core. Each error has a stable `code`; a dialect maps the
code to its own envelope. `status` and `message` are the Series wording, which the
seeds fix, so the Series dialect can render them unchanged."""


class TicketdError(Exception):
    code = "error"
    status = 400
    message = "Bad request"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or type(self).message
        super().__init__(self.message)


class ValidationFailed(TicketdError):
    code = "validation_error"
    status = 400


class Unauthorized(TicketdError):
    code = "unauthorized"
    status = 401
    message = "Invalid API key"


class PlanRequired(TicketdError):
    code = "plan_required"
    status = 403
    message = "Tickets module requires a Premium or Enterprise subscription"


class ModuleDisabled(TicketdError):
    code = "module_disabled"
    status = 403
    message = "Tickets module is not enabled for this workspace"


class MembershipRequired(TicketdError):
    code = "membership_required"
    status = 403
    message = "Workspace membership is required to create tickets in this category"


class RankTooLow(TicketdError):
    code = "rank_too_low"
    status = 403
    message = "Your rank is too low to create tickets in this category"


class OpenTicketLimit(TicketdError):
    code = "open_ticket_limit"
    status = 400

    def __init__(self, limit: int) -> None:
        super().__init__(f"You can only have {limit} open tickets in this category")


class TicketNotFound(TicketdError):
    code = "ticket_not_found"
    status = 404
    message = "Ticket not found"


class DepartmentNotFound(TicketdError):
    code = "department_not_found"
    status = 404
    message = "Department not found"


class NotStaff(TicketdError):
    code = "not_staff"
    status = 403
    message = "You are not a staff member of this ticket's department"


class AlreadyClaimed(TicketdError):
    code = "already_claimed"
    status = 400
    message = "Ticket already claimed"


class NotClaimed(TicketdError):
    code = "not_claimed"
    status = 400
    message = "Ticket is not claimed"


class ClaimRequired(TicketdError):
    code = "claim_required"
    status = 400
    message = "You must claim this ticket before replying"


class GameReportReadOnly(TicketdError):
    code = "game_report_read_only"
    status = 403
    message = "Cannot reply to game reports"


class NotTicketAuthor(TicketdError):
    code = "not_ticket_author"
    status = 403
    message = "You can only reply to your own tickets"


class TicketClosed(TicketdError):
    code = "ticket_closed"
    status = 403
    message = "Cannot reply to closed or resolved tickets"


class ClaimClosed(TicketdError):
    code = "claim_closed"
    status = 400
    message = "Cannot claim a closed or resolved ticket; reopen it first"


class DepartmentMismatch(TicketdError):
    code = "department_mismatch"
    status = 400
    message = "That department does not handle this ticket's category"


class SameDepartment(TicketdError):
    code = "same_department"
    status = 400
    message = "Ticket is already in that department"


class RateLimited(TicketdError):
    code = "rate_limited"
    status = 429
    message = "Rate limit exceeded: too many requests for this API key"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(TicketdError):
    code = "not_found"
    status = 404
    message = "Not found"


class MethodNotAllowed(TicketdError):
    code = "method_not_allowed"
    status = 405
    message = "Method not allowed"


class Unavailable(TicketdError):
    code = "unavailable"
    status = 503
    message = "Service temporarily unavailable, try again"


class TeammateNotFound(TicketdError):
    code = "teammate_not_found"
    status = 404
    message = "Teammate not found"


class TeammateReadOnly(TicketdError):
    code = "teammate_read_only"
    status = 403
    message = "Read-only users cannot be assigned, reply or write notes"


class AssigneeChanged(TicketdError):
    code = "assignee_changed"
    status = 409

    def __init__(self, current: str | None) -> None:
        super().__init__(
            "previousAssigneeId does not match the ticket's current assignee"
            f" ({current or 'none'}); reload the ticket and try again"
        )
        self.current = current


class CategoryNotFound(TicketdError):
    code = "category_not_found"
    status = 404
    message = "Category not found"


class FieldNotFound(TicketdError):
    code = "custom_field_not_found"
    status = 404
    message = "Custom field not found"


class ReplyNotFound(TicketdError):
    code = "reply_not_found"
    status = 404
    message = "Reply not found"


class NoteNotFound(TicketdError):
    code = "note_not_found"
    status = 404
    message = "Note not found"


class UnknownReplyAuthor(TicketdError):
    code = "unknown_reply_author"
    status = 403
    message = "The author must be a teammate or the ticket's creator"


class Conflict(TicketdError):
    code = "conflict"
    status = 409
    message = "Conflict"


class InvalidToken(TicketdError):
    code = "invalid_token"
    status = 401
    message = "Access token is missing, invalid, expired or revoked"


class InvalidGrant(TicketdError):
    code = "invalid_grant"
    status = 400
    message = "Unknown or revoked refresh token, or it does not belong to this client_id"
