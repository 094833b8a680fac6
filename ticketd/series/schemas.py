"""Series request bodies, validated strictly (JSON types are not coerced), and the
translation of validation failures into the seeds' messages."""

from typing import Annotated, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    StringConstraints,
    ValidationError,
    field_validator,
)

from ticketd.kit.errors import ValidationFailed
from ticketd.kit.validation import (
    MAX_BIGINT,
    HttpUrl2048,
    OptionalText100,
    OptionalText200,
    PositiveBigInt,
    Text100,
    Text200,
    Text4000,
)

M = TypeVar("M", bound=BaseModel)
UserId = PositiveBigInt
Priority = Literal["low", "medium", "high", "urgent"]
Status = Literal["open", "in-progress", "resolved", "closed"]
STATUSES = get_args(Status)
PAGE_SIZE = 10  # tickets a page of `GET /tickets/list`
# A search's TotalCount stops here (docs/series-api.md): counting every match of a
# common word costs as much as reading them all.
SEARCH_COUNT_LIMIT = 1000
# `GET /tickets/list`'s query parameters, read by routes.py and described by openapi.py.
LIST_INT_PARAMS = {
    "page": "Page number, from 1",
    "author": "Only tickets by this user id",
    "staffUserId": "Only tickets this staff member's departments handle",
}
LIST_TEXT_PARAMS = {  # name -> (longest value, description)
    "status": (20, "open, in-progress, resolved or closed"),
    "search": (200, "Words in the subject, username or display name (case-insensitive)"),
    "department": (100, "Only tickets of this department key"),
}


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class CreateTicketBody(_Body):
    subject: Text200
    category: Text100
    message: Text4000
    authorUserId: UserId  # noqa: N815 - the published field names
    authorAvatarUrl: HttpUrl2048  # noqa: N815
    priority: Priority = "medium"
    authorUsername: OptionalText100 = None  # noqa: N815
    authorDisplayName: OptionalText100 = None  # noqa: N815


class CreateGameReportBody(CreateTicketBody):
    placeId: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,19}$")] | int  # noqa: N815
    serverId: OptionalText200 = None  # noqa: N815

    @field_validator("placeId")
    @classmethod
    def _place_in_range(cls, value: str | int) -> str | int:
        if not 1 <= int(value) <= MAX_BIGINT:
            raise ValueError("out of range")
        return value


class StaffBody(_Body):
    staffUserId: UserId  # noqa: N815


StaffBodyT = TypeVar("StaffBodyT", bound=StaffBody)


class StaffReplyBody(StaffBody):
    content: Text4000


class MemberReplyBody(_Body):
    content: Text4000
    authorUserId: UserId  # noqa: N815


class StatusBody(StaffBody):
    status: Status


class TransferBody(StaffBody):
    departmentId: Text100  # noqa: N815


LABELS = {
    "subject": "Subject",
    "category": "Category",
    "message": "Message",
    "priority": "Priority",
    "content": "Content",
    "status": "Status",
}
STATUS_MESSAGE = "Invalid status. Must be one of: open, in-progress, resolved, closed"
_KIND = {
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "int_parsed_type": "must be an integer",
    "bool_type": "must be a boolean",
    "greater_than_equal": "must be a positive integer",
    "less_than_equal": "is too large",
}


def describe(error: ValidationError) -> str:
    """The first problem, worded like the seeds: `Validation error: Subject is required`."""
    first = error.errors(include_url=False)[0]
    field = str(first["loc"][0]) if first["loc"] else "body"
    label = LABELS.get(field, field)
    kind, ctx = first["type"], first.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        if field == "authorAvatarUrl":
            return "authorAvatarUrl is required"
        return f"Validation error: {label} is required"
    if field == "status" and kind == "literal_error":
        return STATUS_MESSAGE
    if kind == "literal_error":
        return f"Validation error: {label} must be one of: {', '.join(get_args(Priority))}"
    if kind == "string_too_long":
        return f"Validation error: {label} must be at most {ctx['max_length']} characters"
    if field == "placeId":
        return "Validation error: placeId must be a numeric place id"
    if kind in _KIND:
        return f"Validation error: {label} {_KIND[kind]}"
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"Validation error: {label} {reason}"


def parse(model: type[M], data: object) -> M:
    if not isinstance(data, dict):
        raise ValidationFailed("Validation error: Request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(describe(error)) from None
