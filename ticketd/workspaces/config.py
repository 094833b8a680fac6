"""A workspace's ticket configuration in the core's own terms: the in-memory form every
client reads (WorkspaceConfig), and the settings an operator replaces at once
(WorkspaceSettings). Each client has its own file or wire format for them."""

from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property

from ticketd.kit.ids import user_guid

PLANS = ("free", "premium", "enterprise")
ROLES = ("admin", "agent", "read_only_user")
WORKING_ROLES = frozenset({"admin", "agent"})  # may be assigned, reply and write notes
FIELD_TYPES = ("text", "number", "date", "dropdown")
TICKET_PLANS = frozenset({"premium", "enterprise"})
KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
# What a workspace may send to Discord: event types, and status changes by their new
# status ("ticket.status_changed:resolved").
DISCORD_EVENTS = (
    "ticket.created",
    "ticket.game_report_created",
    "ticket.claimed",
    "ticket.unclaimed",
    "ticket.assigned",
    "ticket.transferred",
    "ticket.category_changed",
    "ticket.priority_changed",
    "ticket.status_changed",
    "ticket.status_changed:open",
    "ticket.status_changed:in-progress",
    "ticket.status_changed:resolved",
    "ticket.status_changed:closed",
    "reply.by_staff",
    "reply.by_author",
    "note.added",
)
DEFAULT_DISCORD_EVENTS = (
    "ticket.created",
    "ticket.game_report_created",
    "ticket.status_changed:resolved",
    "ticket.status_changed:closed",
)


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    number: int  # within the workspace: the integer id an API shows
    key: str
    name: str
    membership_required: bool
    min_rank: int
    max_open_tickets: int | None
    departments: tuple[str, ...]  # keys of the departments that handle it, in order
    parent_number: int | None = None


@dataclass(frozen=True, slots=True)
class Department:
    id: int
    number: int  # within the workspace: the integer id an API shows
    key: str
    name: str
    members: frozenset[int]
    from_rank: int | None
    to_rank: int | None
    categories: tuple[str, ...]
    discord_webhook_url: str | None = None  # overrides the workspace's for its tickets

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


class Keep(Enum):
    """A setting to leave as it is stored."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class CategorySettings:
    key: str
    name: str
    membership_required: bool = False
    min_rank: int = 0
    max_open_tickets: int | None = None  # None or 0: no limit


@dataclass(frozen=True, slots=True)
class DepartmentSettings:
    key: str
    name: str
    members: tuple[int, ...] = ()  # user ids, each once
    categories: tuple[str, ...] = ()  # category keys it handles, each once, in order
    from_rank: int | None = None
    to_rank: int | None = None
    discord_webhook_url: str | None = None


@dataclass(frozen=True, slots=True)
class WorkspaceSettings:
    """What applying a configuration replaces: categories and departments (matched by
    key, so their integer ids stay), the module switch and the Discord settings. Every
    department's categories are among `categories`."""

    tickets_enabled: bool
    public_url: bool = False
    categories: tuple[CategorySettings, ...] = ()
    departments: tuple[DepartmentSettings, ...] = ()
    discord_webhook_enabled: bool = False
    discord_webhook_ping: str | None = None
    discord_webhook_url: str | None | Keep = KEEP
    discord_events: tuple[str, ...] = DEFAULT_DISCORD_EVENTS
    members: tuple[Member, ...] | Keep = KEEP


@dataclass(frozen=True, slots=True)
class Teammate:
    """A team member known by e-mail; with a `user_id` the same person is also staff by
    Roblox user id."""

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
    number: int  # within the workspace: the integer id an API shows
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
    discord_events: tuple[str, ...] = DEFAULT_DISCORD_EVENTS
    # Why delivery to the webhook stopped (it answered 401/404), until it is replaced.
    discord_webhook_disabled: str | None = None


@dataclass(frozen=True)
class WorkspaceConfig:
    workspace: Workspace
    categories: dict[str, Category] = field(default_factory=dict)
    departments: dict[str, Department] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    teammates: dict[str, Teammate] = field(default_factory=dict)  # by GUID
    custom_fields: dict[int, CustomField] = field(default_factory=dict)
    members_version: int = 0  # workspaces.members_version when `members` was read

    @cached_property
    def categories_by_number(self) -> dict[int, Category]:
        return {c.number: c for c in self.categories.values()}

    @cached_property
    def fields_by_number(self) -> dict[int, CustomField]:
        return {f.number: f for f in self.custom_fields.values()}

    @cached_property
    def departments_by_number(self) -> dict[int, Department]:
        return {d.number: d for d in self.departments.values()}

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
        parent = self.categories_by_number.get(category.parent_number or 0)
        while parent is not None and parent not in path and parent != category:
            path.insert(0, parent)
            parent = self.categories_by_number.get(parent.parent_number or 0)
        return path

    def department_for(self, category_key: str) -> str | None:
        category = self.categories.get(category_key)
        return category.departments[0] if category and category.departments else None

    def rank_of(self, user_id: int) -> int | None:
        member = self.members.get(user_id)
        return member.rank if member else None

    def works_everywhere(self, user_id: int) -> bool:
        """Teammates (admins and agents) work the whole inbox, so with a Roblox
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
