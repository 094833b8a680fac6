"""The queue's counts: exact up to where counting stops, then shown with a "+"; a
search stops at SEARCH_COUNT_LIMIT, every other view at COUNT_LIMIT."""

import re
import typing

import httpx
import pytest

from tests.staff.test_stats import staff_signed_in
from tests.support.series import create_ticket
from tests.support.workspaces import Workspace
from ticketd.app import Services
from ticketd.db import database
from ticketd.staff.queue import COUNT_LIMIT, SEARCH_COUNT_LIMIT
from ticketd.tickets import repository

pytestmark = pytest.mark.anyio


def open_tab_count(html: str) -> str:
    found = re.search(r'status=open[^>]*>open <span class="n">([^<]+)</span>', html)
    assert found is not None, html
    return found.group(1)


async def test_a_search_counts_to_its_own_limit_and_other_views_count_on(
    client: httpx.AsyncClient, services: Services, ws: Workspace
) -> None:
    assert SEARCH_COUNT_LIMIT < COUNT_LIMIT
    made = SEARCH_COUNT_LIMIT + 1
    for n in range(made):
        await create_ticket(ws.client, subject=f"Refund number {n}", authorUserId=7000 + n)
    await staff_signed_in(client, services, ws)

    searched = await client.get("/staff/", params={"status": "all", "q": "refund"})
    assert searched.status_code == 200
    assert open_tab_count(searched.text) == f"{SEARCH_COUNT_LIMIT}+"
    assert f"{SEARCH_COUNT_LIMIT}+ tickets" in searched.text

    everything = await client.get("/staff/", params={"status": "all"})
    assert open_tab_count(everything.text) == str(made)
    assert f"{made} tickets" in everything.text


async def test_a_rare_word_s_tickets_are_gathered_once_for_the_counts_and_the_page(
    client: httpx.AsyncClient, services: Services, ws: Workspace,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """On PostgreSQL the tickets holding a rare text are gathered by a statement of their
    own (SELECT ARRAY(…)); the view's counts and its page share that one gathering."""
    for n, subject in enumerate(["Chargeback on my card", "Lag", "Crash"]):
        await create_ticket(ws.client, subject=subject, authorUserId=7100 + n)
    await staff_signed_in(client, services, ws)
    gathered: list[str] = []
    run = database.PostgresConnection.fetch_with_custom_plan

    async def recorded(conn: typing.Any, sql: str, *args: typing.Any) -> typing.Any:
        if sql.startswith("SELECT ARRAY("):
            gathered.append(sql)
        return await run(conn, sql, *args)

    monkeypatch.setattr(database.PostgresConnection, "fetch_with_custom_plan", recorded)
    monkeypatch.setattr(repository, "_one_by_one", lambda *_: False)  # gathered, not tested
    view = await client.get("/staff/", params={"status": "all", "q": "chargeback"})
    assert view.status_code == 200 and "Chargeback on my card" in view.text
    assert open_tab_count(view.text) == "1"
    assert len(gathered) == (1 if services.db.dialect == "postgresql" else 0)
