"""Who acts on a ticket. Every client (an API, the dashboard, a job) resolves its caller
into an Actor once; the core's rules (tickets/rules.py) then look only at the Actor."""

from dataclasses import dataclass
from enum import StrEnum

from ticketd.db.database import Database, Scope
from ticketd.people import repository as people
from ticketd.people.model import Person
from ticketd.workspaces.config import WORKING_ROLES, Teammate, WorkspaceConfig


class ActorKind(StrEnum):
    STAFF = "staff"  # a department staff member, known by Roblox user id
    TEAMMATE = "teammate"  # a team member known by e-mail, working the whole inbox
    MEMBER = "member"  # someone who opens tickets and follows them up
    INTEGRATION = "integration"  # an API client acting for the workspace
    SYSTEM = "system"  # ticketd itself (scheduled jobs)


@dataclass(slots=True)  # not frozen: a frozen __init__ costs ~0.2 µs a field, per request
class Actor:
    kind: ActorKind
    guid: str | None
    name: str
    user_id: int | None = None
    role: str | None = None  # a teammate's role
    # Keys of the departments whose tickets a staff member works; `every_department`
    # when they work the whole inbox.
    departments: tuple[str, ...] = ()
    every_department: bool = False

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.TEAMMATE)

    @property
    def may_work(self) -> bool:
        """May be assigned, reply and write notes (read-only teammates may not)."""
        return self.kind is not ActorKind.TEAMMATE or self.role in WORKING_ROLES

    def works_department(self, department_key: str | None) -> bool:
        """A ticket without a department is open to staff of any department."""
        if self.every_department:
            return True
        if department_key is None:
            return bool(self.departments)
        return department_key in self.departments


def display_name(config: WorkspaceConfig, user_id: int) -> str:
    teammate = config.teammates_by_user_id.get(user_id)
    if teammate is not None:
        return teammate.name
    member = config.members.get(user_id)
    if member is None:
        return f"User {user_id}"
    return member.display_name or member.username or f"User {user_id}"


def staff_member(config: WorkspaceConfig, user_id: int) -> Actor:
    """Staff by Roblox user id, with the departments they work resolved."""
    return Actor(
        ActorKind.STAFF,
        config.guid_for_user(user_id),
        display_name(config, user_id),
        user_id,
        departments=tuple(config.staff_departments(user_id)),
        every_department=config.works_everywhere(user_id),
    )


def teammate(config: WorkspaceConfig, member: Teammate) -> Actor:
    return Actor(
        ActorKind.TEAMMATE,
        member.guid,
        member.name,
        member.user_id,
        role=member.role,
        departments=tuple(config.departments),
        every_department=True,
    )


def teammate_by_email(config: WorkspaceConfig, email: str) -> Actor | None:
    found = config.teammates_by_email.get(email.lower())
    return None if found is None else teammate(config, found)


def member(config: WorkspaceConfig, user_id: int) -> Actor:
    """Someone known by Roblox user id, acting for themselves."""
    return Actor(
        ActorKind.MEMBER, config.guid_for_user(user_id), display_name(config, user_id), user_id
    )


def contact(person: Person) -> Actor:
    """Someone known by e-mail, acting for themselves."""
    return Actor(ActorKind.MEMBER, person.guid, person.name, person.user_id)


def unknown_contact(email: str) -> Actor:
    """An e-mail address the workspace does not know: the rules refuse it what only a
    known person may do."""
    return Actor(ActorKind.MEMBER, None, email)


def integration(client_id: str, name: str) -> Actor:
    return Actor(ActorKind.INTEGRATION, client_id, name)


SYSTEM = Actor(ActorKind.SYSTEM, None, "ticketd")


async def by_email(db: Database, config: WorkspaceConfig, email: str) -> Actor:
    """A teammate, else the contact with this address, else an unknown contact."""
    found = teammate_by_email(config, email)
    if found is not None:
        return found
    async with db.connection() as conn:
        person = await people.find_by_email(Scope(conn, config.workspace.id, db.dialect), email)
    return unknown_contact(email) if person is None else contact(person)
