"""SQLite asks its FTS5 trigram tables for a search text's rarest trigrams only, and the
exact LIKE after it keeps the results exact: the same tickets as before, found through
less of the index."""

import typing

import pytest

from tests.support.series import create_ticket
from ticketd.tickets import trigrams

pytestmark = pytest.mark.anyio


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    return sqlite_url  # the trigram tables are SQLite's


async def found(ws: typing.Any, text: str) -> list[str]:
    answer = await ws.client.get("/tickets/list", params={"search": text})
    return sorted(t["Subject"] for t in answer.json()["data"]["Tickets"])


async def test_a_search_asks_for_the_rarest_trigrams_and_finds_exactly_the_matches(
    ws: typing.Any,
) -> None:
    subjects = [f"The game charges twice {n}" for n in range(12)]
    subjects += ["The chargeback dispute", 'Said "hi" at 100%_done', "Said hi at 100 percent"]
    for n, subject in enumerate(subjects):
        await create_ticket(ws.client, subject=subject, authorUserId=1000 + n)

    async with ws.services.db.connection() as conn:
        asked = await trigrams.match_expression(conn, "ticket_search", "the chargeback")
    # "the", "cha", "har" and "arg" are in every "charges" subject; "geb" and "bac" not
    assert not {'"the"', '"cha"', '"har"', '"arg"'} & set(asked.split(" AND "))
    assert await found(ws, "the chargeback") == ["The chargeback dispute"]
    listed = await ws.client.get("/tickets/list", params={"search": "charges twice"})
    assert listed.json()["data"]["Pagination"]["TotalCount"] == 12
    assert await found(ws, '"hi" at 100%_') == ['Said "hi" at 100%_done']
    assert await found(ws, "at 100") == ['Said "hi" at 100%_done', "Said hi at 100 percent"]
