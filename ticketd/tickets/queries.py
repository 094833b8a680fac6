"""Reading tickets: one ticket with its messages or its details, searches, threads
and histories, with the people they name loaded in a fixed number of queries."""

import dataclasses

from ticketd.db.database import Database, Scope
from ticketd.kit.errors import TicketNotFound
from ticketd.people import repository as people
from ticketd.people.actors import Actor
from ticketd.people.model import Person
from ticketd.tickets import events, labels_repository, repository, rules
from ticketd.tickets import thread_repository as thread
from ticketd.tickets.model import (
    Message,
    MessageKind,
    Thread,
    Ticket,
    TicketDetails,
    TicketPage,
    TicketQuery,
    TicketRef,
)
from ticketd.workspaces.config import WorkspaceConfig


async def _ticket_or_404(scope: Scope, ref: TicketRef) -> Ticket:
    ticket = await repository.find_ticket(scope, ref)
    if ticket is None:
        raise TicketNotFound()
    return ticket


async def ticket_with_messages(
    db: Database, config: WorkspaceConfig, ref: str
) -> tuple[Ticket, list[Message]]:
    """The ticket and its published messages (no notes, no drafts), oldest first."""
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket, messages = await repository.find_ticket_with_thread(scope, ref)
    if ticket is None:
        raise TicketNotFound()
    return ticket, messages


async def ticket_with_details(
    db: Database, config: WorkspaceConfig, ref: TicketRef
) -> tuple[Ticket, TicketDetails]:
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket = await _ticket_or_404(scope, ref)
        return ticket, await _details(scope, [ticket])


def _visible(query: TicketQuery) -> tuple[bool, tuple[str, ...] | None]:
    """Whether the query's `visible_to` may see any ticket, and the departments its
    tickets must then be in (None: any)."""
    return (True, None) if query.visible_to is None else rules.visibility(query.visible_to)


async def find_tickets(db: Database, config: WorkspaceConfig, query: TicketQuery) -> TicketPage:
    sees_any, within = _visible(query)
    if not sees_any:
        return TicketPage([], 0 if query.count_total else None)
    async with db.connection() as conn:
        return await _found(Scope(conn, config.workspace.id, db.dialect), query, within)


async def _found(scope: Scope, query: TicketQuery, within: tuple[str, ...] | None) -> TicketPage:
    tickets, total = await repository.search(scope, query, within)
    page = TicketPage(tickets, total)
    if query.with_details:
        page.details = await _details(scope, tickets)
    return page


async def count_tickets(db: Database, config: WorkspaceConfig, query: TicketQuery) -> int:
    """How many tickets match that the query's `visible_to` may see (up to its
    count_limit)."""
    sees_any, within = _visible(query)
    if not sees_any:
        return 0
    async with db.connection() as conn:
        return await repository.count(Scope(conn, config.workspace.id, db.dialect), query, within)


async def counts_by_status(
    db: Database, config: WorkspaceConfig, query: TicketQuery
) -> dict[str, int]:
    """Per status, the tickets matching the query's other filters that its
    `visible_to` may see (each up to the query's count_limit)."""
    sees_any, within = _visible(query)
    if not sees_any:
        return {}
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        return await repository.count_by_status(scope, query, within)


async def counts_and_page(
    db: Database, config: WorkspaceConfig, query: TicketQuery
) -> tuple[dict[str, int], TicketPage]:
    """What counts_by_status and find_tickets answer (the page without its total), on one
    connection: the tickets holding a rare text are gathered once for both (PostgreSQL;
    docs/performance.md)."""
    sees_any, within = _visible(query)
    if not sees_any:
        return {}, TicketPage([], None)
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        counts = await repository.count_by_status(scope, query, within)
        page = await _found(scope, dataclasses.replace(query, count_total=False), within)
    return counts, page


async def staff_view(
    db: Database, config: WorkspaceConfig, ref: TicketRef, actor: Actor, *, notes_shown: int = 500
) -> tuple[Thread, TicketDetails] | None:
    """What staff read of one ticket, if `actor` may see it: every published message and
    internal note, oldest first, its tags and field values, and the people they name."""
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket, published = await repository.find_ticket_with_thread(scope, ref)
        if ticket is None or not rules.may_see(actor, ticket):
            return None
        notes = await thread.list_messages(
            scope, ticket.id, (MessageKind.NOTE,), offset=0, limit=notes_shown
        )
        details = TicketDetails()
        details.tags, details.fields = await labels_repository.labels_of(scope, [ticket.id])
        messages = sorted([*published, *notes], key=lambda m: (m.created_at, m.id))
        guids = {m.author_guid for m in messages if m.author_guid}
        guids.update(guid for m in notes for guid in m.mentions)
        guids.update(g for g in (ticket.author_guid, ticket.assignee_guid) if g)
        details.people = await people.find_by_guids(scope, sorted(guids))
    return Thread(ticket, messages, details.people), details


async def _details(scope: Scope, tickets: list[Ticket]) -> TicketDetails:
    ids = [t.id for t in tickets]
    details = TicketDetails(openings=await thread.opening_messages(scope, ids))
    details.tags, details.fields = await labels_repository.labels_of(scope, ids)
    guids = {t.author_guid for t in tickets} | {t.assignee_guid for t in tickets if t.assignee_guid}
    details.people = await people.find_by_guids(scope, sorted(guids))
    return details


async def messages(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    kinds: tuple[MessageKind, ...],
    *,
    offset: int,
    limit: int,
) -> Thread:
    """Messages of the given kinds after the opening one, oldest first."""
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket = await _ticket_or_404(scope, ref)
        rows = await thread.list_messages(scope, ticket.id, kinds, offset=offset, limit=limit)
        return Thread(ticket, rows, await _writers(scope, ticket, rows))


async def message(db: Database, config: WorkspaceConfig, ref: TicketRef, number: int) -> Thread:
    """One message (reply or note), by its number, with its ticket and the people it
    names."""
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket = await _ticket_or_404(scope, ref)
        found = await thread.find_numbered_message(scope, ticket.id, number)
        if found is None:
            raise TicketNotFound("Message not found")
        return Thread(ticket, [found], await _writers(scope, ticket, [found]))


async def _writers(scope: Scope, ticket: Ticket, rows: list[Message]) -> dict[str, Person]:
    guids = {m.author_guid for m in rows if m.author_guid}
    guids.update(guid for m in rows for guid in m.mentions)
    guids.add(ticket.author_guid)
    return await people.find_by_guids(scope, sorted(guids))


async def history(
    db: Database,
    config: WorkspaceConfig,
    ref: TicketRef,
    types: tuple[events.EventType, ...],
    *,
    offset: int,
    limit: int,
) -> tuple[list[events.Event], dict[str, Person]]:
    """The ticket's events, newest first (all types when `types` is empty), and the
    people they name."""
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        ticket = await _ticket_or_404(scope, ref)
        rows = await thread.list_events(scope, ticket.id, types, offset=offset, limit=limit)
        found = [events.read(r) for r in rows]
        guids = {e.actor_guid for e in found if e.actor_guid} | {ticket.author_guid}
        guids.update(guid for e in found for guid in e.payload.people())
        return found, await people.find_by_guids(scope, sorted(guids))


async def ensure_exists(db: Database, config: WorkspaceConfig, ref: TicketRef) -> None:
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        await _ticket_or_404(scope, ref)


async def workspace_tags(db: Database, config: WorkspaceConfig) -> list[str]:
    async with db.connection() as conn:
        scope = Scope(conn, config.workspace.id, db.dialect)
        return await labels_repository.workspace_tags(scope)
