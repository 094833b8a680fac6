"""Every change writes one typed event in its transaction; events read back as the
same typed payloads, and tell what happened in one sentence. Core calls, real
databases, no HTTP."""

import dataclasses
import typing

import orjson
import pytest

from ticketd.app import Services
from ticketd.db.database import Scope
from ticketd.people import actors
from ticketd.people.actors import SYSTEM
from ticketd.tickets import conversation, events, queries
from ticketd.tickets import service as tickets
from ticketd.tickets.events import EventType
from ticketd.tickets.model import Author, Body, NewTicket, Status
from ticketd.workspaces import access
from ticketd.workspaces import service as workspaces
from ticketd.workspaces.config import WorkspaceConfig

STAFF, AUTHOR = 987654321, 123456789  # the demo configuration's staff member, a player

pytestmark = pytest.mark.anyio


def test_every_event_type_has_exactly_one_payload_type() -> None:
    assert set(events.PAYLOADS) == set(EventType)
    assert len({p for p in events.PAYLOADS.values()}) == len(EventType)


@pytest.mark.parametrize("payload_type", list(events.PAYLOADS.values()))
def test_each_payload_reads_back_as_it_was_stored(payload_type: type[events.Payload]) -> None:
    samples = {int: 7, str: "x", list[str]: ["a"], int | None: None, str | None: "y"}
    hints = typing.get_type_hints(payload_type)
    fields = {f.name: samples[hints[f.name]] for f in dataclasses.fields(payload_type)}  # type: ignore[arg-type]
    payload = payload_type(**fields)
    stored = events.stored(None, None, None, payload, 3)
    row = (1, 2, None, None, None, stored["type"], stored["detail"], 3, stored["public_id"])
    assert events.read(row).payload == payload
    assert events.read(row).public_id == stored["public_id"]
    assert orjson.loads(stored["detail"]) == fields


async def config_of(services: Services, workspace_id: str) -> WorkspaceConfig:
    return await access.get_config(services.db, services.cache, workspace_id)


async def test_a_tickets_life_reads_back_as_typed_events_newest_first(ws: typing.Any) -> None:
    db, config = ws.services.db, await config_of(ws.services, ws.id)
    author, staff = actors.member(config, AUTHOR), actors.staff_member(config, STAFF)
    new = NewTicket("Help", "support", Body("I need help"), Author(user_id=AUTHOR))
    ticket = await tickets.create(db, config, new, actor=author)
    await tickets.claim(db, config, ticket.id, actor=staff)
    reply = await conversation.reply(db, config, ticket.id, actor=staff, body=Body("Hi"))
    reply_id = (await queries.message(db, config, ticket.id, reply)).messages[0].id
    await tickets.change_status(db, config, ticket.id, actor=staff, status=Status.RESOLVED)

    found, people = await queries.history(db, config, ticket.id, (), offset=0, limit=10)

    assert [e.payload for e in found] == [
        events.StatusChanged("in-progress", "resolved"),
        events.StaffReplied(reply_id),
        events.Claimed(staff.guid or ""),
        events.TicketCreated("medium"),
    ]
    assert [e.actor_guid for e in found] == [staff.guid] * 3 + [ticket.author_guid]
    assert ticket.author_guid not in people or people[ticket.author_guid].user_id == AUTHOR
    names = {staff.guid: staff.name}
    said = [
        events.sentence(e, config, who=names.get(e.actor_guid or "", "Player"), person=names.get)  # type: ignore[arg-type]
        for e in found
    ]
    assert said == [
        f"{staff.name} changed status from in-progress to resolved",
        f"{staff.name} wrote a reply",
        f"{staff.name} assigned the ticket to {staff.name}",
        "Player created the ticket",
    ]


async def test_a_failed_change_writes_no_event(ws: typing.Any) -> None:
    db, config = ws.services.db, await config_of(ws.services, ws.id)
    new = NewTicket("Help", "support", Body("I need help"), Author(user_id=AUTHOR))
    ticket = await tickets.create(db, config, new, actor=actors.member(config, AUTHOR))
    outsider = actors.staff_member(config, 42)  # staff of no department
    with pytest.raises(Exception, match="not a staff member"):
        await tickets.claim(db, config, ticket.id, actor=outsider)
    found, _ = await queries.history(db, config, ticket.id, (), offset=0, limit=10)
    assert [e.type for e in found] == [EventType.TICKET_CREATED]


async def test_another_workspace_scope_reaches_none_of_a_tickets_rows(
    ws: typing.Any, services: Services
) -> None:
    db, config = ws.services.db, await config_of(ws.services, ws.id)
    new = NewTicket("Help", "support", Body("I need help"), Author(user_id=AUTHOR))
    ticket = await tickets.create(db, config, new, actor=actors.member(config, AUTHOR))
    other = await workspaces.create_workspace(db, name="Other", actor=SYSTEM)
    from ticketd.tickets import labels_repository, repository, thread_repository

    async with db.transaction() as conn:
        scope = Scope(conn, other, db.dialect)
        assert await repository.find_ticket(scope, ticket.id) is None
        assert await repository.update_ticket(scope, ticket.id, subject="Stolen") == 0
        assert await thread_repository.list_events(scope, ticket.id, (), offset=0, limit=9) == []
        assert await thread_repository.opening_messages(scope, [ticket.id]) == {}
        empty: dict[int, list[object]] = {ticket.id: []}
        assert await labels_repository.labels_of(scope, [ticket.id]) == (empty, empty)
    again, _ = await queries.ticket_with_messages(db, config, ticket.code)
    assert again.subject == "Help"
