"""The helpdesk's hot paths run a fixed number of statements, however many tickets,
tags, custom field values and people a page holds (no N+1 queries)."""

import pytest

from tests.support.helpdesk import Helpdesk
from tests.support.statements import StatementCounter

pytestmark = pytest.mark.anyio


async def fill(hd: Helpdesk, count: int, start: int) -> int:
    """`count` tickets from different creators, with tags and a custom field value."""
    city = hd.fields["City"]["id"]
    ticket_id = 0
    for i in range(start, start + count):
        ticket_id = await hd.create(
            creator={"name": f"C{i}", "email": f"c{i}@example.com"},
            tags=["login", f"t{i}"],
            customFields=[{"id": city, "value": "Oslo"}],
        )
    return ticket_id


async def test_helpdesk_reads_and_creates_use_a_fixed_number_of_statements(
    hd: Helpdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    counter = StatementCounter(monkeypatch)
    few, many = {}, {}
    for counts, extra, start in ((few, 1, 0), (many, 30, 100)):
        ticket_id = await fill(hd, extra, start)
        body = {
            "title": "t",
            "message": "m",
            "creator": {"email": f"new{start}@example.com"},
            "categoryId": hd.categories["support"],
            "tags": ["a", "b"],
            "customFields": [{"id": hd.fields["Notes"]["id"], "value": "x"}],
        }
        counts["create"] = await counter.measure(hd.client.post("/helpdesk/tickets", json=body))
        counts["get"] = await counter.measure(hd.client.get(f"/helpdesk/tickets/{ticket_id}"))
        counts["list"] = await counter.measure(
            hd.client.post("/helpdesk/tickets/list", json={"take": 50})
        )
        counts["log"] = await counter.measure(
            hd.client.post(f"/helpdesk/tickets/{ticket_id}/log", json={})
        )
    assert few == many
    # create: numbers, person upsert, open-slot upsert, ticket + message + event (one
    # statement on PostgreSQL), tag upsert + tag links, field values
    create = 7 if hd.db.dialect == "postgresql" else 9
    # get and list: tickets, opening messages, tags, field values, people
    assert few == {"create": create, "get": 5, "list": 5, "log": 3}
