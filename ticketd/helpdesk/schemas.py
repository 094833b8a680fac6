"""Helpdesk request bodies. JSON types are not coerced (a number is not a string),
except where the published examples send otherwise (`"null"` for an assignee)."""

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)

from ticketd.kit.email import normalize_email
from ticketd.kit.errors import ValidationFailed
from ticketd.kit.validation import (
    HTTP_URL_PATTERN,
    OptionalText50,
    OptionalText200,
    PositiveBigInt,
    Text200,
    Text255,
    has_nul,
    http_url,
    integral,
)

M = TypeVar("M", bound=BaseModel)
SENTIMENTS = ("question", "praise", "suggestion", "complaint")
STATUSES = ("open", "pending", "completed")
MAX_MESSAGE = 100_000


def _null_string(value: Any) -> Any:
    # The published Update Ticket Assignee example sends the string "null".
    return None if value == "null" else value


# A custom field's value: a string, or a number read as its text.
FieldText = Annotated[
    str,
    Field(strict=False, coerce_numbers_to_str=True),
    WithJsonSchema({"type": ["string", "number"]}),
]


def _empty_string_is_none(value: Any) -> Any:
    # Forms send an empty image as "". Only that: `{}`, `0` or `false` are refused as
    # what they are (they were read as no image until the contract fuzz sent one).
    return None if value == "" else value


def _text_only(value: Any) -> Any:
    # A date-time is ISO 8601 text. Pydantic would also read a number as Unix seconds
    # (or milliseconds, by its size), which the contract does not promise.
    if not isinstance(value, str):
        raise ValueError("must be an ISO 8601 date-time string")
    return value


Email = Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize_email)]
Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=2048),
    AfterValidator(http_url),
    Field(json_schema_extra={"pattern": HTTP_URL_PATTERN}),
]
Guid = Annotated[
    str, StringConstraints(pattern=r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
]
NullableGuid = Annotated[Guid | None, BeforeValidator(_null_string)]
Id = PositiveBigInt
MAX_SKIP, MAX_TAKE, DEFAULT_TAKE = 1_000_000, 50, 25  # paging, in bodies and queries
Skip = Annotated[int, Field(ge=0, le=MAX_SKIP), BeforeValidator(integral)]
Take = Annotated[int, Field(ge=1, le=MAX_TAKE), BeforeValidator(integral)]
Html = Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE)]
When = Annotated[dt.datetime, Field(strict=False), BeforeValidator(_text_only)]


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class Attachment(_Body):
    url: Url
    name: Text255


class Creator(_Body):
    email: Email
    name: OptionalText200 = None
    image: Annotated[Url | Literal[""] | None, BeforeValidator(_empty_string_is_none)] = None
    phoneNumber: OptionalText50 = None  # noqa: N815 - the published field names


class FieldValue(_Body):
    id: Id
    value: FieldText | None


class _Message(_Body):
    message: Html
    isHtml: bool = True  # noqa: N815
    attachments: Annotated[list[Attachment], Field(max_length=20)] = []


class CreateTicketBody(_Message):
    title: Text200
    creator: Creator
    assigneeId: NullableGuid = None  # noqa: N815
    categoryId: Id | None = None  # noqa: N815
    cc: Annotated[list[Email], Field(max_length=50)] = []
    customFields: Annotated[list[FieldValue], Field(max_length=100)] = []  # noqa: N815
    sentiment: Literal[SENTIMENTS] | None = None  # type: ignore[valid-type]
    sourceName: OptionalText200 = None  # noqa: N815
    tags: Annotated[list[str], Field(max_length=50)] = []


class TokenForm(BaseModel):
    """`POST /token`'s fields, form-encoded as OAuth 2 sends them (or a JSON object of
    them); auth.py says what each must be."""

    model_config = ConfigDict(extra="ignore")

    grant_type: str = Field("", description="refresh_token")
    refresh_token: str = Field("", description="The client's refresh token")
    client_id: str = Field("", description="The client's id (a GUID)")
    grand_type: str = Field("", description="Read as grant_type when that is absent")


class FieldFilter(_Body):
    key: Id
    value: FieldText


class ListBody(_Body):
    """`categoryId` sent as null selects uncategorised tickets; absent, all."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)

    categoryId: Id | None = None  # noqa: N815
    customFields: Annotated[list[FieldFilter], Field(max_length=20)] = []  # noqa: N815
    from_: When | None = Field(default=None, alias="from")
    to: When | None = None
    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    source: Annotated[str, StringConstraints(max_length=40)] | None = None
    orderBy: Literal[  # noqa: N815
        "last_thread_activity_desc",
        "last_thread_activity_asc",
        "creation_time_desc",
        "creation_time_asc",
    ] = "last_thread_activity_desc"
    ticketIds: Annotated[list[Id], Field(max_length=50)] = []  # noqa: N815
    skip: Skip = 0
    take: Take = DEFAULT_TAKE


class AssigneeBody(_Body):
    assigneeId: NullableGuid  # noqa: N815
    previousAssigneeId: NullableGuid  # noqa: N815


class StatusBody(_Body):
    status: Literal[STATUSES]  # type: ignore[valid-type]


class CategoryBody(_Body):
    categoryId: Id | None  # noqa: N815


class TagsBody(_Body):
    tags: Annotated[list[str], Field(max_length=50)]


class FieldValueBody(_Body):
    value: FieldText | None


class Author(_Body):
    email: Email


class ReplyBody(_Message):
    author: Author
    parentReplyId: Id | None = None  # noqa: N815
    isDraft: bool = False  # noqa: N815
    isTicketNeededToBeCompleted: bool = False  # noqa: N815
    suppressTicketStatusAutoupdate: bool = False  # noqa: N815


Mentions = Annotated[list[Annotated[str, StringConstraints(max_length=254)]], Field(max_length=50)]


class NoteBody(_Message):
    author: Author
    mentionedUsers: Mentions = []  # noqa: N815


class NoteUpdateBody(_Body):
    """Each field given replaces what the note has; each field absent keeps it."""

    message: Html | None = None
    isHtml: bool = True  # noqa: N815 - how `message` is read, when it is given
    attachments: Annotated[list[Attachment], Field(max_length=20)] | None = None
    mentionedUsers: Mentions | None = None  # noqa: N815


class LogBody(_Body):
    action_types: Annotated[list[str], Field(max_length=50)] = []


class Option(_Body):
    value: Text200


def _options(value: Any) -> Any:
    # Possible values may be sent as strings or as {"value": ...} objects.
    if isinstance(value, list):
        return [v["value"] if isinstance(v, dict) and "value" in v else v for v in value]
    return value


Options = Annotated[list[str], BeforeValidator(_options), Field(max_length=200)]


class NewFieldBody(_Body):
    name: Text200
    type: Literal["text", "number", "date", "dropdown"]
    possibleValues: Options = []  # noqa: N815


class FieldUpdateBody(_Body):
    name: Text200 | None = None
    possibleValues: Options | None = None  # noqa: N815
    type: str | None = None  # accepted only when unchanged: stored values match the type


def describe(error: ValidationError) -> str:
    """The first problem, with its path: `creator.email: value is not a valid email…`."""
    first = error.errors(include_url=False)[0]
    path = ".".join(str(p) for p in first["loc"]) or "body"
    reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
    if first["type"] == "missing":
        reason = "is required"
    return f"Validation error: {path.replace('from_', 'from')}: {reason}"


def parse(model: type[M], data: object) -> M:
    if not isinstance(data, dict):
        raise ValidationFailed("Validation error: request body must be a JSON object")
    if has_nul(data):  # PostgreSQL text cannot hold NUL; refuse it everywhere alike
        raise ValidationFailed("Validation error: text must not contain NUL characters")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ValidationFailed(describe(error)) from None
