"""The Series API's answers as JSON Schema: what render.py and envelope.py produce, field
for field, for the OpenAPI document. Extra fields are forbidden, so an undocumented field
in an answer fails the contract fuzz (tests/test_contract_fuzz.py)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ticketd.series.schemas import Priority
from ticketd.series.schemas import Status as StatusName

Timestamp = str  # `2025-01-15T10:30:00.000Z`


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(_Shape):
    code: int = Field(description="The HTTP status, repeated")
    message: str


class ErrorEnvelope(_Shape):
    success: Literal[False]
    error: ErrorDetail


class AuthorView(_Shape):
    UserId: int | None
    Username: str | None
    DisplayName: str | None
    AvatarUrl: str | None


class GameDataView(_Shape):
    PlaceId: int | None
    ServerId: str | None


class CreatedTicket(_Shape):
    TicketId: str
    id_: str = Field(alias="_id")
    WorkspaceId: str
    Subject: str
    Category: str | None
    Department: str | None
    Status: StatusName
    Priority: Priority
    Author: AuthorView
    GameReport: Literal[True] | None = Field(None, description="Present on game reports")
    GameData: GameDataView | None = Field(None, description="Present on game reports")
    CreatedAt: Timestamp
    UpdatedAt: Timestamp


class MessageView(_Shape):
    Content: str
    Author: int | None
    Type: str = Field(description="author_message, staff_message, …")
    Timestamp: Timestamp


class ClaimedByUserView(_Shape):
    UserId: int | None
    DisplayName: str | None
    Username: str | None


class _TicketCommon(_Shape):
    id_: str = Field(alias="_id")
    TicketId: str
    Subject: str
    Category: str | None
    Department: str | None
    Status: StatusName
    Priority: Priority
    Author: AuthorView
    ClaimedBy: int | None
    GameReport: bool
    GameData: GameDataView | None = Field(None, description="Present on game reports")
    CreatedAt: Timestamp
    UpdatedAt: Timestamp


class FullTicket(_TicketCommon):
    Content: dict[str, MessageView] = Field(description="Messages by id, in time order")
    ClaimedByUser: ClaimedByUserView | None
    PublicUrl: str | None = Field(
        None, description="The author's link; present while the workspace shares them"
    )


class TicketOfList(_TicketCommon):
    ClaimedByName: str | None


class PaginationView(_Shape):
    CurrentPage: int
    TotalPages: int
    TotalCount: int
    TicketsPerPage: int
    HasNextPage: bool
    HasPreviousPage: bool


class TicketData(_Shape):
    Ticket: FullTicket


class TicketListData(_Shape):
    Tickets: list[TicketOfList]
    Pagination: PaginationView


class Done(_Shape):
    message: str


class CategoryView(_Shape):
    Name: str
    WorkspaceMembershipRequired: bool
    MinAccessRank: int
    MaxOpenTickets: int


class RankRangeView(_Shape):
    FromRank: int
    ToRank: int


class DepartmentView(_Shape):
    Name: str
    Members: list[int]
    Categories: list[str]
    RankRange: RankRangeView | None


class ConfigView(_Shape):
    Enabled: bool
    PublicUrl: bool
    Categories: dict[str, CategoryView]
    Departments: dict[str, DepartmentView]
    DiscordNotificationWebhookEnabled: bool
    DiscordNotificationWebhookPing: str | None
    DiscordNotificationEvents: list[str]
    DiscordNotificationWebhookDisabledReason: str | None


class ActiveKey(_Shape):
    valid: Literal[True]
    workspaceId: str
    workspaceName: str
    status: Literal["active"]
    createdAt: Timestamp | None
    lastUsed: Timestamp | None
    rateLimitRemaining: int
    rateLimitReset: Timestamp | None


class InactiveKey(_Shape):
    valid: Literal[False]
    status: Literal["inactive"]
    message: str


def _success(name: str, data: type[BaseModel]) -> type[BaseModel]:
    """`{"success": true, "data": <data>}` as a model of its own name."""
    model: type[BaseModel] = create_model(
        name, __base__=_Shape, success=(Literal[True], ...), data=(data, ...)
    )
    return model


Created = _success("CreatedAnswer", CreatedTicket)
TicketAnswer = _success("TicketAnswer", TicketData)
TicketListAnswer = _success("TicketListAnswer", TicketListData)
DoneAnswer = _success("DoneAnswer", Done)
ConfigAnswer = _success("ConfigAnswer", ConfigView)


class KeyCheckAnswer(_Shape):
    success: Literal[True]
    data: ActiveKey | InactiveKey


RESPONSES: tuple[type[BaseModel], ...] = (
    ErrorEnvelope,
    Created,
    TicketAnswer,
    TicketListAnswer,
    DoneAnswer,
    ConfigAnswer,
    KeyCheckAnswer,
)
