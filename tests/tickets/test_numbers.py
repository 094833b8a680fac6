"""Numbers within a workspace (ticketd/db/numbers.py) under changes that overlap."""

import asyncio
import typing

import asyncpg  # type: ignore[import-untyped]
import pytest

from ticketd.db.database import PostgresConnection, Scope
from ticketd.people import actors
from ticketd.tickets import conversation, thread_repository
from ticketd.tickets import service as tickets
from ticketd.tickets.model import Author, Body, MessageKind, NewTicket
from ticketd.workspaces import access

STAFF, AUTHOR = 987654321, 123456789  # the demo configuration's staff member, a player

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_reply_does_not_wait_for_another_replys_commit(ws: typing.Any) -> None:
    """Reply A is held inside its transaction, after taking its number: an uncommitted
    message elsewhere already holds that number, so A's insert waits to see whether it
    commits. Reply B on another ticket of the workspace must still go through. (When
    numbers were taken inside the transaction, B waited for A's COMMIT on the
    workspace's counter row.)"""
    db, services = ws.services.db, ws.services
    config = await access.get_config(db, services.cache, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    made = []
    for subject in ("A", "B"):
        new = NewTicket(subject, "support", Body("x"), Author(user_id=AUTHOR))
        made.append(await tickets.create(db, config, new, actor=author))
        await tickets.claim(db, config, made[-1].id, actor=staff)
    outside = await asyncpg.connect(services.settings.database_url)
    try:
        holder = outside.transaction()
        await holder.start()
        taken = await outside.fetchval(
            "SELECT messages FROM workspace_numbers WHERE workspace_id = $1", ws.id
        )
        values = tickets.message_values(MessageKind.STAFF, STAFF, None, Body("held"), 0)
        scope = Scope(PostgresConnection(outside), ws.id, "postgresql")
        await thread_repository.insert_message(scope, made[0].id, values, number=taken + 1)

        reply_a = asyncio.create_task(
            conversation.reply(db, config, made[0].id, actor=staff, body=Body("a"))
        )
        await asyncio.sleep(0.5)
        assert not reply_a.done(), "reply A should wait for the uncommitted number"
        reply_b = conversation.reply(db, config, made[1].id, actor=staff, body=Body("b"))
        number_b = await asyncio.wait_for(reply_b, timeout=10)
        assert not reply_a.done()
        await holder.rollback()
        number_a = await asyncio.wait_for(reply_a, timeout=10)
    finally:
        await outside.close()
    assert (number_a, number_b) == (taken + 1, taken + 2)
