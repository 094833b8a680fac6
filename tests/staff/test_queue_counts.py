"""The queue's counts: exact up to where counting stops, then shown with a "+"; a
search stops at SEARCH_COUNT_LIMIT, every other view at COUNT_LIMIT."""

import re

import httpx
import pytest

from tests.staff.test_stats import staff_signed_in
from tests.support.series import create_ticket
from tests.support.workspaces import Workspace
from ticketd.app import Services
from ticketd.staff.queue import COUNT_LIMIT, SEARCH_COUNT_LIMIT

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
