"""One error hierarchy for the core. Each error has a stable `code` and a default
`message`; each API maps the code to its own HTTP status and envelope, and may word it
its own way (series/envelope.py, helpdesk/envelope.py)."""


class TicketdError(Exception):
    code = "error"
    message = "Bad request"

    def __init__(self, message: str | None = None) -> None:
        self.message = message or type(self).message
        super().__init__(self.message)


class ValidationFailed(TicketdError):
    code = "validation_error"


class Unauthorized(TicketdError):
    code = "unauthorized"
    message = "Invalid API key"


class PlanRequired(TicketdError):
    code = "plan_required"
    message = "Tickets module requires a Premium or Enterprise subscription"


class ModuleDisabled(TicketdError):
    code = "module_disabled"
    message = "Tickets module is not enabled for this workspace"


class MembershipRequired(TicketdError):
    code = "membership_required"
    message = "Workspace membership is required to create tickets in this category"


class RankTooLow(TicketdError):
    code = "rank_too_low"
    message = "Your rank is too low to create tickets in this category"


class OpenTicketLimit(TicketdError):
    code = "open_ticket_limit"

    def __init__(self, limit: int) -> None:
        super().__init__(f"You can only have {limit} open tickets in this category")


class TicketNotFound(TicketdError):
    code = "ticket_not_found"
    message = "Ticket not found"


class DepartmentNotFound(TicketdError):
    code = "department_not_found"
    message = "Department not found"


class NotStaff(TicketdError):
    code = "not_staff"
    message = "You are not a staff member of this ticket's department"


class AlreadyClaimed(TicketdError):
    code = "already_claimed"
    message = "Ticket already claimed"


class NotClaimed(TicketdError):
    code = "not_claimed"
    message = "Ticket is not claimed"


class ClaimRequired(TicketdError):
    code = "claim_required"
    message = "You must claim this ticket before replying"


class GameReportReadOnly(TicketdError):
    code = "game_report_read_only"
    message = "Cannot reply to game reports"


class NotTicketAuthor(TicketdError):
    code = "not_ticket_author"
    message = "You can only reply to your own tickets"


class TicketClosed(TicketdError):
    code = "ticket_closed"
    message = "Cannot reply to closed or resolved tickets"


class ClaimClosed(TicketdError):
    code = "claim_closed"
    message = "Cannot claim a closed or resolved ticket; reopen it first"


class DepartmentMismatch(TicketdError):
    code = "department_mismatch"
    message = "That department does not handle this ticket's category"


class SameDepartment(TicketdError):
    code = "same_department"
    message = "Ticket is already in that department"


class RateLimited(TicketdError):
    code = "rate_limited"
    message = "Rate limit exceeded: too many requests for this API key"

    def __init__(self, retry_after: int, message: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(TicketdError):
    code = "not_found"
    message = "Not found"


class MethodNotAllowed(TicketdError):
    code = "method_not_allowed"
    message = "Method not allowed"


class Unavailable(TicketdError):
    code = "unavailable"
    message = "Service temporarily unavailable, try again"
    retry_after = 1  # seconds: answered as Retry-After


class TeammateNotFound(TicketdError):
    code = "teammate_not_found"
    message = "Teammate not found"


class TeammateReadOnly(TicketdError):
    code = "teammate_read_only"
    message = "Read-only users cannot be assigned, reply or write notes"


class AssigneeChanged(TicketdError):
    code = "assignee_changed"

    def __init__(self, current: str | None) -> None:
        super().__init__(
            "previousAssigneeId does not match the ticket's current assignee"
            f" ({current or 'none'}); reload the ticket and try again"
        )
        self.current = current


class CategoryNotFound(TicketdError):
    code = "category_not_found"
    message = "Category not found"


class FieldNotFound(TicketdError):
    code = "custom_field_not_found"
    message = "Custom field not found"


class ReplyNotFound(TicketdError):
    code = "reply_not_found"
    message = "Reply not found"


class NoteNotFound(TicketdError):
    code = "note_not_found"
    message = "Note not found"


class UnknownReplyAuthor(TicketdError):
    code = "unknown_reply_author"
    message = "The author must be a teammate or the ticket's creator"


class Conflict(TicketdError):
    code = "conflict"
    message = "Conflict"


class InvalidToken(TicketdError):
    code = "invalid_token"
    message = "Access token is missing, invalid, expired or revoked"


class InvalidGrant(TicketdError):
    code = "invalid_grant"
    message = "Unknown or revoked refresh token, or it does not belong to this client_id"


class InternalError(TicketdError):
    code = "internal"
    message = "Internal server error"


class InvalidInput(ValidationFailed):
    """A value an operator or integration gave that a workspace rule refuses (a name, a
    plan, a key, a role, a field's type or options). The message states the rule
    without any API's prefix, so each client words it its own way."""


class WorkspaceNotFound(TicketdError):
    code = "workspace_not_found"

    def __init__(self, workspace_id: str) -> None:
        super().__init__(f"no workspace {workspace_id}")


class CategoryKeyTaken(TicketdError):
    code = "category_key_taken"

    def __init__(self, key: str) -> None:
        super().__init__(f"a category with key {key!r} already exists")


class NotAllowed(TicketdError):
    code = "not_allowed"
    message = "Only the operator, an integration or an admin may change this workspace's setup"
