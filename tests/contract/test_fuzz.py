"""Both APIs fuzzed against their published OpenAPI documents over real HTTP: every
answer of a running `ticketd serve` must be no 5xx, carry a documented status and match
the documented schema, through the stateless phases and the stateful one (create → get →
claim → reply → status…; token → create → get, reply, notes…). At least MIN_REQUESTS
requests each; TICKETD_FUZZ=long, at least 10,000 (docs/series-api.md, "The contract")."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.databases import engine_of
from tests.support.fuzz import MIN_REQUESTS, FuzzRun, fuzz
from tests.support.proof import tally
from tests.support.servers import running_servers
from ticketd.db.database import open_database
from ticketd.demo import DEMO_STAFF_EMAIL, DEMO_STAFF_ID, Demo, create_demo_workspace

pytestmark = pytest.mark.slow


def _demo(database_url: str) -> Demo:
    async def make() -> Demo:
        db = open_database(database_url)
        await db.connect()
        try:
            return await create_demo_workspace(db)
        finally:
            await db.close()

    return asyncio.run(make())


@pytest.fixture
def served_demo(own_database_url: str) -> Iterator[tuple[str, Demo]]:
    """A `ticketd serve` on its own database holding the demo workspace. The key limit
    is raised (TICKETD_RATE_LIMIT_PER_SECOND) so the fuzz meets more than 429s."""
    demo = _demo(own_database_url)
    with running_servers(own_database_url, 1, TICKETD_RATE_LIMIT_PER_SECOND="100000") as [url]:
        yield url, demo


def _passed(run: FuzzRun, api: str, database_url: str) -> None:
    print(f"\n{api}: {run.requests} requests fuzzed in {run.seconds:.1f} s")
    assert run.returncode == 0, run.output[-20_000:]
    assert run.requests >= MIN_REQUESTS, run.output[-5_000:]
    tally(f"requests fuzzed ({api}, {engine_of(database_url)})", run.requests)


def test_series_api_answers_as_its_contract_says(
    served_demo: tuple[str, Demo], own_database_url: str, tmp_path: Path
) -> None:
    url, demo = served_demo
    known = {"staffUserId": [DEMO_STAFF_ID], "category": ["support", "reports"]}
    run = fuzz(
        f"{url}/openapi.json",
        f"apikey: {demo.api_key}",
        max_examples=270,
        known=known,
        work_dir=tmp_path,
    )
    _passed(run, "Series API", own_database_url)


def _token(url: str, demo: Demo) -> str:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": demo.refresh_token,
        "client_id": demo.client_id,
    }
    response = httpx.post(f"{url}/helpdesk/token", data=form, timeout=10)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def test_helpdesk_api_answers_as_its_contract_says(
    served_demo: tuple[str, Demo], own_database_url: str, tmp_path: Path
) -> None:
    url, demo = served_demo
    token = _token(url, demo)
    headers = {"Authorization": f"Bearer {token}"}
    categories = httpx.get(f"{url}/helpdesk/categories", headers=headers, timeout=10).json()
    teammates = httpx.get(f"{url}/helpdesk/Teammates", headers=headers, timeout=10).json()
    known = {
        "author": [{"email": DEMO_STAFF_EMAIL}],
        "categoryId": [c["id"] for c in categories["data"]],
        "assigneeId": [t["id"] for t in teammates["data"]],
    }
    run = fuzz(
        f"{url}/helpdesk/openapi.json",
        f"Authorization: Bearer {token}",
        max_examples=40,
        known=known,
        work_dir=tmp_path,
    )
    _passed(run, "helpdesk API", own_database_url)
