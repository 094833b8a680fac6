"""Ticket searches and counts through the core, on real databases, no HTTP."""

import typing

import pytest

from ticketd.people import actors
from ticketd.tickets import queries
from ticketd.tickets import service as tickets
from ticketd.tickets.model import Author, Body, NewTicket, Status, TicketQuery
from ticketd.workspaces import access

STAFF, AUTHOR = 987654321, 123456789  # the demo configuration's staff member, a player

pytestmark = pytest.mark.anyio


async def test_counts_stop_at_the_querys_limit_and_are_exact_below_it(ws: typing.Any) -> None:
    db = ws.services.db
    config = await access.get_config(db, ws.services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = [
        await tickets.create(db, config, NewTicket(f"T{n}", "support", Body("x"),
                                                   Author(user_id=AUTHOR)), actor=author)
        for n in range(5)
    ]  # fmt: skip
    await tickets.change_status(db, config, made[0].id, actor=staff, status=Status.CLOSED)
    everything = TicketQuery(visible_to=staff, count_total=True)

    assert await queries.count_tickets(db, config, everything) == 5
    capped = TicketQuery(visible_to=staff, count_total=True, count_limit=3)
    assert await queries.count_tickets(db, config, capped) == 3
    assert (await queries.find_tickets(db, config, capped)).total == 3
    assert await queries.counts_by_status(db, config, everything) == {"open": 4, "closed": 1}
    assert await queries.counts_by_status(db, config, capped) == {"open": 3, "closed": 1}
    unclaimed_open = TicketQuery(statuses=(Status.OPEN,), unassigned=True, visible_to=staff)
    assert await queries.count_tickets(db, config, unclaimed_open) == 4
