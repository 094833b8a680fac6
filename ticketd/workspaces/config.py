"""A workspace's ticket configuration: the shape `GET /tickets/config` shows and
`ticketd workspace configure` applies, and the in-memory form the core reads."""

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from ticketd.kit.ids import user_guid

PLANS = ("free", "premium", "enterprise")
ROLES = ("admin", "agent", "read_only_user")
WORKING_ROLES = frozenset({"admin", "agent"})  # may be assigned, reply and write notes
FIELD_TYPES = ("text", "number", "date", "dropdown")
TICKET_PLANS = frozenset({"premium", "enterprise"})
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"

RankT = Annotated[int, Field(ge=0, le=255)]
UserIdT = Annotated[int, Field(ge=1, le=2**63 - 1)]
NameT = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
KeyT = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]


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
    Members: list[UserIdT] = []
    Categories: list[KeyT] = []
    RankRange: RankRangeFile | None = None


class MemberFile(_File):
    UserId: UserIdT
    Username: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    DisplayName: Annotated[str, StringConstraints(max_length=100)] | None = None
    AvatarUrl: Annotated[str, StringConstraints(max_length=2048)] | None = None
    Rank: RankT = 0


class ConfigFile(_File):
    """`Members`, when given, replaces the member list; when absent it is left alone."""

    Enabled: bool
    PublicUrl: bool = False
    Categories: dict[KeyT, CategoryFile]
    Departments: dict[KeyT, DepartmentFile]
    DiscordNotificationWebhookEnabled: bool = False
    DiscordNotificationWebhookPing: (
        Annotated[str, StringConstraints(pattern=r"^\d{1,25}$")] | None
    ) = None
    DiscordNotificationWebhookUrl: Annotated[str, StringConstraints(max_length=2048)] | None = None
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
        url = self.DiscordNotificationWebhookUrl
        if url and not re.match(r"^https?://[^\s/]+/\S*$", url):
            raise ValueError("DiscordNotificationWebhookUrl must be an http(s) URL")
        return self


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    key: str
    name: str
    membership_required: bool
    min_rank: int
    max_open_tickets: int | None
    departments: tuple[str, ...]  # keys of the departments that handle it, in order
    parent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    key: str
    name: str
    members: frozenset[int]
    from_rank: int | None
    to_rank: int | None
    categories: tuple[str, ...]

    def has_staff(self, user_id: int, rank: int | None) -> bool:
        if user_id in self.members:
            return True
        if rank is None or self.from_rank is None or self.to_rank is None:
            return False
        return self.from_rank <= rank <= self.to_rank


@dataclass(frozen=True, slots=True)
class Member:
    user_id: int
    username: str | None
    display_name: str | None
    avatar_url: str | None
    rank: int | None


@dataclass(frozen=True, slots=True)
class Teammate:
    """A helpdesk team member; with a `user_id` the same person is Series staff."""

    guid: str
    name: str
    email: str
    role: str
    user_id: int | None
    avatar_url: str | None

    @property
    def can_work(self) -> bool:
        return self.role in WORKING_ROLES


@dataclass(frozen=True, slots=True)
class CustomField:
    id: int
    name: str
    type: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Workspace:
    id: str
    name: str
    plan: str
    tickets_enabled: bool
    public_url: bool
    discord_webhook_url: str | None
    discord_webhook_enabled: bool
    discord_webhook_ping: str | None


@dataclass(frozen=True)
class WorkspaceConfig:
    workspace: Workspace
    categories: dict[str, Category] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    teammates: dict[str, Teammate] = field(default_factory=dict)  # by GUID
    custom_fields: dict[int, CustomField] = field(default_factory=dict)

    @cached_property
    def categories_by_id(self) -> dict[int, Category]:
        return {c.id: c for c in self.categories.values()}

    @cached_property
    def teammates_by_email(self) -> dict[str, Teammate]:
        return {t.email.lower(): t for t in self.teammates.values()}

    @cached_property
    def teammates_by_user_id(self) -> dict[int, Teammate]:
        return {t.user_id: t for t in self.teammates.values() if t.user_id is not None}

    def guid_for_user(self, user_id: int) -> str:
        teammate = self.teammates_by_user_id.get(user_id)
        return teammate.guid if teammate else user_guid(self.workspace.id, user_id)

    def category_path(self, category: Category) -> list[Category]:
        """The category's ancestors, root first (a cycle is cut where it repeats)."""
        path: list[Category] = []
        parent = self.categories_by_id.get(category.parent_id or 0)
        while parent is not None and parent not in path and parent != category:
            path.insert(0, parent)
            parent = self.categories_by_id.get(parent.parent_id or 0)
        return path

    def department_for(self, category_key: str) -> str | None:
        category = self.categories.get(category_key)
        return category.departments[0] if category and category.departments else None

    def rank_of(self, user_id: int) -> int | None:
        member = self.members.get(user_id)
        return member.rank if member else None

    def works_everywhere(self, user_id: int) -> bool:
        """Helpdesk teammates (admins and agents) work the whole inbox, so with a Roblox
        user id they are staff of every department."""
        teammate = self.teammates_by_user_id.get(user_id)
        return teammate is not None and teammate.can_work

    def staff_departments(self, user_id: int) -> list[str]:
        if self.works_everywhere(user_id):
            return list(self.departments)
        rank = self.rank_of(user_id)
        return [d.key for d in self.departments.values() if d.has_staff(user_id, rank)]

    def is_staff(self, user_id: int, department_key: str | None) -> bool:
        """Staff of the ticket's department; a ticket with no department is open to the
        staff of any department."""
        if self.works_everywhere(user_id):
            return True
        if department_key is None:
            return bool(self.staff_departments(user_id))
        department = self.departments.get(department_key)
        return department is not None and department.has_staff(user_id, self.rank_of(user_id))
