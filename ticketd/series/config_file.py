"""The Series workspace configuration file: the shape `GET /tickets/config` shows and
`ticketd workspace configure` applies, read into the core's WorkspaceSettings and
shown from its WorkspaceConfig."""

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from ticketd.kit.validation import PositiveBigInt, http_url
from ticketd.workspaces.config import (
    DEFAULT_DISCORD_EVENTS,
    DISCORD_EVENTS,
    KEEP,
    KEY_PATTERN,
    CategorySettings,
    DepartmentSettings,
    Member,
    WorkspaceConfig,
    WorkspaceSettings,
)

AvatarUrlT = Annotated[str, StringConstraints(max_length=2048), AfterValidator(http_url)]
RankT = Annotated[int, Field(ge=0, le=255)]
NameT = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
KeyT = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
WebhookUrlT = Annotated[str, StringConstraints(max_length=2048)]
# A role id (digits or <@&id>) or a user id (<@id>) to mention in each notification.
PingT = Annotated[str, StringConstraints(pattern=r"^(\d{1,25}|<@[!&]?\d{1,25}>)$")]
DiscordEventT = Literal[DISCORD_EVENTS]  # type: ignore[valid-type]


def _check_webhook_url(url: str | None, name: str) -> None:
    if url and not re.match(r"^https?://[^\s/]+/\S*$", url):
        raise ValueError(f"{name} must be an http(s) URL")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class CategoryFile(_File):
    Name: NameT
    WorkspaceMembershipRequired: bool = False
    MinAccessRank: RankT = 0
    MaxOpenTickets: Annotated[int, Field(ge=0, le=10_000)] | None = None


class RankRangeFile(_File):
    FromRank: RankT
    ToRank: RankT

    @model_validator(mode="after")
    def _ordered(self) -> "RankRangeFile":
        if self.FromRank > self.ToRank:
            raise ValueError("FromRank must not exceed ToRank")
        return self


class DepartmentFile(_File):
    Name: NameT
    Members: list[PositiveBigInt] = []
    Categories: list[KeyT] = []
    RankRange: RankRangeFile | None = None
    # Notifications for this department's tickets go here instead of the workspace's.
    DiscordNotificationWebhookUrl: WebhookUrlT | None = None

    @model_validator(mode="after")
    def _webhook(self) -> "DepartmentFile":
        _check_webhook_url(self.DiscordNotificationWebhookUrl, "DiscordNotificationWebhookUrl")
        return self


class MemberFile(_File):
    UserId: PositiveBigInt
    Username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    DisplayName: Annotated[str, StringConstraints(max_length=100)] | None = None
    AvatarUrl: (
        Annotated[str, StringConstraints(max_length=2048), AfterValidator(http_url)] | None
    ) = None
    Rank: RankT = 0


class ConfigFile(_File):
    """`Members`, when given, replaces the member list; when absent it is left alone."""

    Enabled: bool
    PublicUrl: bool = False
    Categories: dict[KeyT, CategoryFile]
    Departments: dict[KeyT, DepartmentFile]
    DiscordNotificationWebhookEnabled: bool = False
    DiscordNotificationWebhookPing: PingT | None = None
    DiscordNotificationWebhookUrl: WebhookUrlT | None = None
    DiscordNotificationEvents: list[DiscordEventT] = list(DEFAULT_DISCORD_EVENTS)
    # Shown by GET /tickets/config and set by the delivery worker: accepted so that
    # endpoint's answer can be edited and applied as it is, and ignored.
    DiscordNotificationWebhookDisabledReason: str | None = None
    Members: list[MemberFile] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ConfigFile":
        for dept_key, dept in self.Departments.items():
            unknown = [c for c in dept.Categories if c not in self.Categories]
            if unknown:
                raise ValueError(f"department {dept_key!r} handles unknown category {unknown[0]!r}")
        ids = [m.UserId for m in self.Members or []]
        if len(ids) != len(set(ids)):
            raise ValueError("Members lists the same UserId twice")
        _check_webhook_url(self.DiscordNotificationWebhookUrl, "DiscordNotificationWebhookUrl")
        return self

    def to_settings(self) -> WorkspaceSettings:
        # A URL given (null or "" clears it) replaces the stored one; an absent one is
        # kept, since GET /tickets/config never shows it and a round-tripped file must
        # not erase it.
        given = "DiscordNotificationWebhookUrl" in self.model_fields_set
        return WorkspaceSettings(
            tickets_enabled=self.Enabled,
            public_url=self.PublicUrl,
            categories=tuple(_category(k, c) for k, c in self.Categories.items()),
            departments=tuple(_department(k, d) for k, d in self.Departments.items()),
            discord_webhook_enabled=self.DiscordNotificationWebhookEnabled,
            discord_webhook_ping=self.DiscordNotificationWebhookPing,
            discord_webhook_url=(self.DiscordNotificationWebhookUrl or None) if given else KEEP,
            discord_events=tuple(dict.fromkeys(self.DiscordNotificationEvents)),
            members=KEEP if self.Members is None else tuple(map(_member, self.Members)),
        )


def _category(key: str, c: CategoryFile) -> CategorySettings:
    return CategorySettings(
        key=key,
        name=c.Name,
        membership_required=c.WorkspaceMembershipRequired,
        min_rank=c.MinAccessRank,
        max_open_tickets=c.MaxOpenTickets,
    )


def _department(key: str, d: DepartmentFile) -> DepartmentSettings:
    rank = d.RankRange
    return DepartmentSettings(
        key=key,
        name=d.Name,
        members=tuple(dict.fromkeys(d.Members)),
        categories=tuple(dict.fromkeys(d.Categories)),
        from_rank=rank.FromRank if rank else None,
        to_rank=rank.ToRank if rank else None,
        discord_webhook_url=d.DiscordNotificationWebhookUrl or None,
    )


def _member(m: MemberFile) -> Member:
    return Member(
        user_id=m.UserId,
        username=m.Username,
        display_name=m.DisplayName,
        avatar_url=m.AvatarUrl,
        rank=m.Rank,
    )


def file_view(config: WorkspaceConfig) -> dict[str, Any]:
    """The configuration as `GET /tickets/config` shows it (no webhook URL, no members)."""
    w = config.workspace
    return {
        "Enabled": w.tickets_enabled,
        "PublicUrl": w.public_url,
        "Categories": {
            c.key: {
                "Name": c.name,
                "WorkspaceMembershipRequired": c.membership_required,
                "MinAccessRank": c.min_rank,
                "MaxOpenTickets": c.max_open_tickets or 0,
            }
            for c in config.categories.values()
        },
        "Departments": {
            d.key: {
                "Name": d.name,
                "Members": sorted(d.members),
                "Categories": list(d.categories),
                "RankRange": {"FromRank": d.from_rank, "ToRank": d.to_rank}
                if d.from_rank is not None
                else None,
            }
            for d in config.departments.values()
        },
        "DiscordNotificationWebhookEnabled": w.discord_webhook_enabled,
        "DiscordNotificationWebhookPing": w.discord_webhook_ping,
        "DiscordNotificationEvents": list(w.discord_events),
        "DiscordNotificationWebhookDisabledReason": w.discord_webhook_disabled,
    }
