"""Loading what senders describe: an event with its ticket as it is now, the message
the event is about, and the people they name."""

from ticketd.db.database import Database, Row, Scope
from ticketd.notify.model import Notice
from ticketd.people import repository as people
from ticketd.people.model import Person
from ticketd.tickets import events, labels_repository, repository
from ticketd.tickets import thread_repository as thread
from ticketd.tickets.events import Event
from ticketd.tickets.model import TicketDetails
from ticketd.workspaces.config import WorkspaceConfig


def event_of(row: Row) -> tuple[Event, str]:
    """From a row holding EVENT_COLUMNS, then workspace_id."""
    return events.read(row), row[9]


def message_id(event: Event) -> int | None:
    """The reply or note an event is about, if any."""
    return getattr(event.payload, "reply_id", None) or getattr(event.payload, "note_id", None)


async def load(db: Database, config: WorkspaceConfig, event: Event) -> Notice | None:
    """None when the event's ticket no longer exists."""
    if event.ticket_id is None:
        return None
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket = await repository.find_ticket(scope, event.ticket_id)
        if ticket is None:
            return None
        _, messages = await repository.find_ticket_with_thread(scope, ticket.code)
        about = message_id(event)
        message = await thread.find_message(scope, ticket.id, about) if about else None
        details = TicketDetails(openings=await thread.opening_messages(scope, [ticket.id]))
        details.tags, details.fields = await labels_repository.labels_of(scope, [ticket.id])
        guids = {ticket.author_guid, *event.payload.people()}
        guids.update(g for g in (ticket.assignee_guid, event.actor_guid) if g)
        guids.update(m.author_guid for m in messages if m.author_guid)
        if message is not None and message.author_guid:
            guids.add(message.author_guid)
        found = await people.find_by_guids(scope, sorted(guids))
    found |= staff_by_user_id(config, guids - found.keys())
    details.people = found
    return Notice(event, config, ticket, messages, details, message, found)


def staff_by_user_id(config: WorkspaceConfig, guids: set[str]) -> dict[str, Person]:
    """Series staff and members known only by Roblox user id in the configuration (they
    may have no person row), for the GUIDs among `guids` that are theirs."""
    user_ids = {*config.members, *(u for d in config.departments.values() for u in d.members)}
    found: dict[str, Person] = {}
    for user_id in user_ids:
        guid = config.guid_for_user(user_id)
        if guid in guids:
            member = config.members.get(user_id)
            names = (member.username, member.display_name, member.avatar_url) if member else (
                None, None, None)  # fmt: skip
            found[guid] = Person(guid, user_id, *names, None, None, None)
    return found
