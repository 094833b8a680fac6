"""The rules on who may do what to a ticket. Each check is named for what it protects and
applies whoever calls: the APIs and the dashboard differ only in the Actor they pass."""

from ticketd.kit.errors import (
    ClaimRequired,
    GameReportReadOnly,
    MembershipRequired,
    NotStaff,
    NotTicketAuthor,
    RankTooLow,
    TeammateNotFound,
    TeammateReadOnly,
    TicketClosed,
    UnknownReplyAuthor,
    ValidationFailed,
)
from ticketd.people.actors import Actor, ActorKind
from ticketd.tickets.model import Ticket
from ticketd.workspaces.config import Category, Teammate, WorkspaceConfig


def ensure_works_department(actor: Actor, ticket: Ticket) -> None:
    """Only the staff of a ticket's department work it. Integrations and ticketd's own
    jobs act for the whole workspace."""
    if actor.kind in (ActorKind.INTEGRATION, ActorKind.SYSTEM):
        return
    if not actor.is_staff or not actor.works_department(ticket.department_key):
        raise NotStaff()


def ensure_may_work(actor: Actor) -> None:
    """Read-only teammates watch; they are not assigned, do not reply, write no notes."""
    if not actor.may_work:
        raise TeammateReadOnly()


def ensure_replies_allowed(ticket: Ticket) -> None:
    """Game reports are evidence filed by a game server: read, never answered."""
    if ticket.game_report:
        raise GameReportReadOnly()


def ensure_holds_claim(actor: Actor, ticket: Ticket) -> None:
    """One voice per ticket: department staff answer only tickets they have claimed.
    Teammates, who work the whole inbox, answer without claiming."""
    if actor.kind is ActorKind.STAFF and ticket.assignee_guid != actor.guid:
        raise ClaimRequired()


def ensure_is_author(actor: Actor, ticket: Ticket) -> None:
    """Members follow up their own tickets only."""
    if actor.user_id is not None:
        mine = ticket.author_user_id == actor.user_id
    else:
        mine = actor.guid is not None and actor.guid == ticket.author_guid
    if not mine:
        raise NotTicketAuthor()


def ensure_open_for_author(ticket: Ticket) -> None:
    """A resolved or closed ticket takes no more messages from its author."""
    if not ticket.is_open:
        raise TicketClosed()


def ensure_may_choose_assignee(actor: Actor) -> None:
    """Members do not pick who works their ticket."""
    if actor.kind is ActorKind.MEMBER:
        raise NotStaff()


def check_may_claim(actor: Actor, ticket: Ticket) -> None:
    """Claiming is staff taking a ticket for themselves."""
    if not actor.is_staff:
        raise NotStaff()
    ensure_works_department(actor, ticket)
    ensure_may_work(actor)


def ensure_may_write_notes(actor: Actor) -> None:
    """Notes are the staff's own conversation, never shown to the author."""
    if not actor.is_staff:
        raise UnknownReplyAuthor("A note's author must be a teammate")
    ensure_may_work(actor)


def check_may_reply(actor: Actor, ticket: Ticket) -> None:
    if actor.kind is ActorKind.MEMBER:
        ensure_is_author(actor, ticket)
        ensure_replies_allowed(ticket)
        ensure_open_for_author(ticket)
        return
    ensure_may_work(actor)
    ensure_replies_allowed(ticket)
    ensure_works_department(actor, ticket)
    ensure_holds_claim(actor, ticket)


def assignable_teammate(config: WorkspaceConfig, guid: str) -> Teammate:
    """Tickets go to teammates who may work them."""
    found = config.teammates.get(guid)
    if found is None:
        raise TeammateNotFound()
    if not found.can_work:
        raise TeammateReadOnly()
    return found


def ensure_category_open_to(
    config: WorkspaceConfig, key: str | None, author_user_id: int | None
) -> Category | None:
    """Categories may be for workspace members only, or from a minimum rank."""
    if key is None:
        return None
    category = config.categories.get(key)
    if category is None:
        raise ValidationFailed(f"Validation error: Category '{key}' does not exist")
    member = config.members.get(author_user_id) if author_user_id is not None else None
    if category.membership_required and member is None:
        raise MembershipRequired()
    rank = member.rank if member and member.rank else 0
    if category.min_rank > 0 and rank < category.min_rank:
        raise RankTooLow()
    return category


def visible_departments(actor: Actor) -> tuple[str, ...] | None:
    """Staff see the tickets of the departments they work and those of no department;
    None: every ticket (integrations and ticketd's own jobs)."""
    if actor.kind in (ActorKind.INTEGRATION, ActorKind.SYSTEM):
        return None
    return actor.departments if actor.is_staff else ()


def sees_no_tickets(actor: Actor) -> bool:
    return visible_departments(actor) == () and not actor.every_department


def visibility(actor: Actor) -> tuple[bool, tuple[str, ...] | None]:
    """Whether the actor sees any ticket, and the departments its tickets must then be
    in (None: any): what every search, count and statistic of theirs is limited to."""
    return not sees_no_tickets(actor), visible_departments(actor)


def may_see(actor: Actor, ticket: Ticket) -> bool:
    """The rule ticket searches apply (`visible_to`), for one ticket already loaded."""
    sees_any, within = visibility(actor)
    if not sees_any:
        return False
    return within is None or ticket.department_key is None or ticket.department_key in within
