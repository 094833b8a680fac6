"""A `ticketd serve` process tunes Python's garbage collector once its application has
started (ticketd/serving.py); an application embedded elsewhere (these tests) leaves
its host's collector alone."""

import asyncio
import gc
from collections.abc import Iterator

import pytest

from tests.support.workspaces import settings_for
from ticketd.app import create_app
from ticketd.serving import YOUNG_COLLECTION_EVERY

pytestmark = pytest.mark.anyio


@pytest.fixture
def collector_restored() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


async def collector_once_started(sqlite_url: str, *, serving: bool) -> tuple[int, int]:
    """(young collection threshold, frozen objects) while the app's lifespan runs."""
    app = create_app(settings_for(sqlite_url), serving=serving)
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    sent: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    running = asyncio.create_task(
        app({"type": "lifespan", "asgi": {"version": "3.0"}}, inbox.get, sent.put)  # type: ignore[arg-type]
    )
    assert (await asyncio.wait_for(sent.get(), 10))["type"] == "lifespan.startup.complete"
    seen = gc.get_threshold()[0], gc.get_freeze_count()
    await inbox.put({"type": "lifespan.shutdown"})
    assert (await asyncio.wait_for(sent.get(), 10))["type"] == "lifespan.shutdown.complete"
    await running
    return seen


async def test_a_serving_process_collects_young_objects_less_often_and_freezes_startup(
    sqlite_url: str, collector_restored: None
) -> None:
    threshold, frozen = await collector_once_started(sqlite_url, serving=True)
    assert threshold == YOUNG_COLLECTION_EVERY and frozen > 10_000


async def test_an_embedded_app_leaves_the_collector_alone(
    sqlite_url: str, collector_restored: None
) -> None:
    before = gc.get_threshold()[0]
    assert await collector_once_started(sqlite_url, serving=False) == (before, 0)
