"""The helpdesk API's answers as JSON Schema: what render.py, log.py, auth.py and
envelope.py produce, field for field, for the OpenAPI document. Extra fields are
forbidden, so an undocumented field in an answer fails the contract fuzz."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ticketd.helpdesk.schemas import SENTIMENTS, STATUSES

Timestamp = str  # ISO 8601 with an offset: `2023-12-06T17:42:07.788+00:00`


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorEnvelope(_Shape):
    data: None
    errorCode: int = Field(ge=100, description="Stable; listed in docs/helpdesk-api.md")
    errorText: str


class TokenError(ErrorEnvelope):
    error: Literal["invalid_grant", "invalid_request"] = Field(description="OAuth 2's code")


class AccessToken(_Shape):
    access_token: str
    token_type: Literal["bearer"]
    expires_in: int
    refresh_token: str


class User(_Shape):
    customIdentifier: None
    email: str | None
    id: str | None
    image: str | None
    isBot: bool
    name: str
    status: Literal["team", "client"]


class ParentCategory(_Shape):
    id: int
    name: str


class CategoryView(_Shape):
    id: int
    name: str
    key: str
    parentId: int | None
    parents: list[ParentCategory]


class AttachmentView(_Shape):
    isContentPart: bool
    name: str
    url: str


class FieldValueView(_Shape):
    id: int
    value: str | None


class TicketProperties(_Shape):
    isAnonymized: bool
    isMuted: bool
    hasAttachments: bool
    hasDraft: bool
    isAssignedToBot: bool
    isDeleted: bool
    isExpired: bool
    isHidden: bool
    isLocked: bool
    isSpam: bool
    isSensitive: bool


class TicketView(_Shape):
    id: int
    title: str
    message: str
    htmlMessage: str
    author: User
    category: CategoryView | None
    creationTime: Timestamp
    lastThreadElementCreationTime: Timestamp | None
    customFields: list[FieldValueView]
    lockedBy: User | None
    originalLink: None
    properties: TicketProperties
    replyCount: int
    isMuted: bool
    sentiment: Literal[SENTIMENTS] | None  # type: ignore[valid-type]
    source: str
    detailedSource: str
    sourceName: str | None
    status: Literal[STATUSES]  # type: ignore[valid-type]
    tags: list[str]
    attachments: list[AttachmentView]
    cc: list[str]
    seriesTicketId: str
    gameReport: bool


class ReplyProperties(_Shape):
    isByTeam: bool
    isDraft: bool
    isHidden: bool


class ReplyView(_Shape):
    id: int
    ticketId: int
    message: str
    htmlMessage: str
    author: User
    attachments: list[AttachmentView]
    creationTime: Timestamp
    tags: list[str]
    ccEmails: list[str]
    toEmails: list[str]
    level: int
    parentReplyId: int | None
    properties: ReplyProperties


class NoteView(_Shape):
    id: int
    message: str
    htmlMessage: str | None
    attachments: list[AttachmentView]
    author: User
    mentionedUsers: list[User]
    creationTime: Timestamp
    updateTime: Timestamp | None


class LogItems(_Shape):
    categories: list[CategoryView]
    tags: list[str]
    users: list[User]


class LogEntry(_Shape):
    actionType: str
    actionString: str
    includedItems: LogItems
    time: Timestamp
    user: User


class TeammateView(_Shape):
    id: str
    name: str
    email: str | None
    role: str
    userId: int | None


class UserGroup(_Shape):
    id: int
    name: str
    key: str


class Option(_Shape):
    value: str


class CustomFieldView(_Shape):
    id: int
    name: str
    type: str
    possibleValues: list[Option]


class Nothing(_Shape):
    """`{}`: the edit was made."""


def _answer(name: str, data: Any) -> type[BaseModel]:
    """`{"data": <data>, "errorCode": -1, "errorText": null}` as a model of its own name."""
    model: type[BaseModel] = create_model(
        name,
        __base__=_Shape,
        data=(data, ...),
        errorCode=(Literal[-1], ...),
        errorText=(None, ...),
    )
    return model


TicketIdAnswer = _answer("TicketIdAnswer", int)
TicketAnswer = _answer("TicketAnswer", TicketView)
TicketsAnswer = _answer("TicketsAnswer", list[TicketView])
NothingAnswer = _answer("NothingAnswer", Nothing)
TagsAnswer = _answer("TagsAnswer", list[str])
FieldValueAnswer = _answer("FieldValueAnswer", FieldValueView)
ReplyAnswer = _answer("ReplyAnswer", ReplyView)
RepliesAnswer = _answer("RepliesAnswer", list[ReplyView])
NoteAnswer = _answer("NoteAnswer", NoteView)
NotesAnswer = _answer("NotesAnswer", list[NoteView])
LogAnswer = _answer("LogAnswer", list[LogEntry])
TeammatesAnswer = _answer("TeammatesAnswer", list[TeammateView])
UserGroupsAnswer = _answer("UserGroupsAnswer", list[UserGroup])
CategoryAnswer = _answer("CategoryAnswer", CategoryView)
CategoriesAnswer = _answer("CategoriesAnswer", list[CategoryView])
CustomFieldAnswer = _answer("CustomFieldAnswer", CustomFieldView)
CustomFieldsAnswer = _answer("CustomFieldsAnswer", list[CustomFieldView])

RESPONSES: tuple[type[BaseModel], ...] = (
    ErrorEnvelope,
    TokenError,
    AccessToken,
    TicketIdAnswer,
    TicketAnswer,
    TicketsAnswer,
    NothingAnswer,
    TagsAnswer,
    FieldValueAnswer,
    ReplyAnswer,
    RepliesAnswer,
    NoteAnswer,
    NotesAnswer,
    LogAnswer,
    TeammatesAnswer,
    UserGroupsAnswer,
    CategoryAnswer,
    CategoriesAnswer,
    CustomFieldAnswer,
    CustomFieldsAnswer,
)
