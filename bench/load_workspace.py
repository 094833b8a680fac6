"""The workspace the bulk loader fills: made and configured through ticketd's own
services (so its categories, departments, members, teammates and custom fields are what
an operator's would be), or an existing one read as the app reads it. `Cast` is who and
what the generated tickets can name, derived from that configuration alone."""

import random
from dataclasses import dataclass, field

from ticketd.db.database import Database
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM, Actor, staff_member, teammate
from ticketd.workspaces import fields
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import (
    CategorySettings,
    CustomField,
    DepartmentSettings,
    Member,
    WorkspaceConfig,
    WorkspaceSettings,
)

STAFF_IDS = tuple(range(900_000_001, 900_000_013))  # twelve staff members
MEMBER_IDS_FROM = 800_000_001  # workspace members who open tickets (ranks 1 to 60)
MEMBER_COUNT = 2_000
CATEGORIES = (
    CategorySettings("support", "Support", max_open_tickets=5),
    CategorySettings("billing", "Billing", max_open_tickets=3),
    CategorySettings("bug-reports", "Bug Reports"),
    CategorySettings("player-reports", "Player Reports", max_open_tickets=10),
    CategorySettings("ban-appeals", "Ban Appeals", membership_required=True, max_open_tickets=1),
    CategorySettings("vip-support", "VIP Support", membership_required=True, min_rank=50),
    CategorySettings("partnerships", "Partnerships"),  # routed to no department
)
DEPARTMENTS = (
    DepartmentSettings("support-dept", "Support", STAFF_IDS[0:4], ("support", "vip-support"),
                       100, 255),
    DepartmentSettings("billing-dept", "Billing", STAFF_IDS[3:6], ("billing",), 200, 255),
    DepartmentSettings("moderation-dept", "Moderation", STAFF_IDS[6:10],
                       ("player-reports", "ban-appeals"), 200, 255),
    DepartmentSettings("qa-dept", "Quality Assurance", STAFF_IDS[9:12], ("bug-reports",)),
)  # fmt: skip
TEAMMATES = (  # name, e-mail, role, Roblox user id
    ("Ada Admin", "ada.admin@example.com", "admin", STAFF_IDS[0]),
    ("Gus Agent", "gus.agent@example.com", "agent", STAFF_IDS[6]),
    ("Hana Agent", "hana.agent@example.com", "agent", None),
    ("Rob Reader", "rob.reader@example.com", "read_only_user", None),
)
CUSTOM_FIELDS = (  # name, type, options
    ("Platform", "dropdown", ["PC", "Mobile", "Console", "Tablet", "VR"]),
    ("Order number", "number", None),
    ("Incident date", "date", None),
    ("Server region", "text", None),
)
TAGS = (
    "bug", "payment", "login", "vip", "duplicate", "needs-info", "escalated", "exploit",
    "mobile", "refunded", "data-loss", "translation", "feedback", "known-issue", "urgent",
    "follow-up", "spam", "account-recovery", "trade", "performance",
)  # fmt: skip


def _members(rng: random.Random) -> tuple[Member, ...]:
    staff = [
        Member(uid, f"Staff{n + 1}", f"Staff Member {n + 1}", None, 255 if n < 2 else 90)
        for n, uid in enumerate(STAFF_IDS)
    ]
    members = [
        Member(MEMBER_IDS_FROM + n, f"Member{n + 1}", f"Member {n + 1}", None, rng.randint(1, 60))
        for n in range(MEMBER_COUNT)
    ]
    return (*staff, *members)


async def create_workspace(db: Database, *, name: str, seed: int) -> tuple[str, str]:
    """A configured workspace and a Series API key for it."""
    workspace_id = await workspaces.create_workspace(db, name=name, actor=SYSTEM)
    settings = WorkspaceSettings(
        tickets_enabled=True,
        categories=CATEGORIES,
        departments=DEPARTMENTS,
        members=_members(random.Random(seed)),
    )
    await workspaces.apply_config(
        db, None, workspace_id=workspace_id, config=settings, actor=SYSTEM
    )
    for teammate_name, email, role, user_id in TEAMMATES:
        await people.add_teammate(
            db, None, workspace_id=workspace_id, name=teammate_name, email=email, role=role,
            user_id=user_id, actor=SYSTEM,
        )  # fmt: skip
    for field_name, field_type, options in CUSTOM_FIELDS:
        await fields.add_field(
            db, None, workspace_id=workspace_id, name=field_name, field_type=field_type,
            options=options, actor=SYSTEM,
        )  # fmt: skip
    api_key, _ = await workspaces.create_api_key(
        db, workspace_id=workspace_id, name="bench", actor=SYSTEM
    )
    return workspace_id, api_key


@dataclass
class Cast:
    """Who works which department, who may file where, and the workspace's fields."""

    config: WorkspaceConfig
    staff_by_department: dict[str | None, list[Actor]] = field(default_factory=dict)
    helpdesk_staff: list[Actor] = field(default_factory=list)
    member_ids: list[int] = field(default_factory=list)
    open_categories: list[str] = field(default_factory=list)  # anyone may file here
    member_categories: list[str] = field(default_factory=list)  # members only / by rank
    custom_fields: list[CustomField] = field(default_factory=list)

    @classmethod
    def of(cls, config: WorkspaceConfig) -> "Cast":
        cast = cls(config, custom_fields=list(config.custom_fields.values()))
        staff_ids = {uid for d in config.departments.values() for uid in d.members}
        staff_ids.update(config.teammates_by_user_id)
        everyone = [staff_member(config, uid) for uid in sorted(staff_ids)]
        everyone = [a for a in everyone if a.departments]
        for key in config.departments:
            cast.staff_by_department[key] = [a for a in everyone if a.works_department(key)]
        cast.staff_by_department[None] = everyone
        working = [t for t in config.teammates.values() if t.can_work]
        cast.helpdesk_staff = [teammate(config, t) for t in working]
        staff = set(staff_ids)
        cast.member_ids = sorted(uid for uid in config.members if uid not in staff)
        for category in config.categories.values():
            restricted = category.membership_required or category.min_rank > 0
            (cast.member_categories if restricted else cast.open_categories).append(category.key)
        return cast

    def may_file(self, category_key: str, user_id: int | None) -> bool:
        """The rule tickets.rules.ensure_category_open_to applies."""
        category = self.config.categories[category_key]
        member = self.config.members.get(user_id) if user_id is not None else None
        if category.membership_required and member is None:
            return False
        rank = member.rank if member and member.rank else 0
        return category.min_rank <= 0 or rank >= category.min_rank
