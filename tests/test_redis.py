"""Redis linking the processes of one deployment: API key limits shared by all of them,
changes announced to all of them, and the documented fallback while Redis is away
(each process on its own), recovering by itself when Redis is back. Real Redis servers."""

import asyncio
import logging
import secrets

import pytest

from tests.support.redis import private_redis, require_redis
from ticketd.kit.changes import ChangeFeed
from ticketd.kit.errors import RateLimited
from ticketd.kit.ratelimit import SharedRateLimiter

pytestmark = pytest.mark.anyio


async def allowed(limiter: SharedRateLimiter, key: str, times: int) -> int:
    passed = 0
    for _ in range(times):
        try:
            await limiter.hit(key)
            passed += 1
        except RateLimited:
            pass
    return passed


async def test_two_processes_limiters_share_one_keys_window() -> None:
    url, key = require_redis(), f"test-{secrets.token_hex(6)}"
    one, other = SharedRateLimiter(url, 25), SharedRateLimiter(url, 25)
    assert await allowed(one, key, 15) == 15
    assert await allowed(other, key, 15) == 10  # the other "process" has 10 left, not 25
    with pytest.raises(RateLimited) as refused:
        await one.hit(key)
    assert refused.value.retry_after == 1
    left, _ = await other.remaining(key)
    assert left == 0
    assert await allowed(one, f"{key}-b", 25) == 25  # another key has its own window
    await one.close()
    await other.close()


async def test_while_redis_is_away_each_process_limits_alone_and_recovers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    key = f"test-{secrets.token_hex(6)}"
    with private_redis() as redis, caplog.at_level(logging.WARNING, "ticketd.ratelimit"):
        one, other = SharedRateLimiter(redis.url, 5), SharedRateLimiter(redis.url, 5)
        assert await allowed(one, key, 3) + await allowed(other, key, 3) == 5
        redis.stop()
        await asyncio.sleep(1.1)  # the shared window has passed
        assert await allowed(one, key, 8) == 5  # the documented fallback: 5 per process
        assert await allowed(other, key, 8) == 5
        assert [r.message for r in caplog.records].count(
            "Redis unreachable (ConnectionError): API key limits are per process until it is back"
        ) == 2  # said once per process, not per request
        redis.start()
        await asyncio.sleep(2.2)  # REDIS_RETRY_SECONDS, and a fresh window
        assert await allowed(one, key, 4) + await allowed(other, key, 4) == 5  # shared again
        assert "Redis reachable again: API key limits are shared again" in caplog.text
        await one.close()
        await other.close()


async def test_an_announced_change_reaches_every_following_process() -> None:
    url = require_redis()
    forgotten: list[str] = []
    followers = {"a": ChangeFeed(url), "b": ChangeFeed(url)}
    tasks = [
        asyncio.create_task(feed.follow(lambda name=name: forgotten.append(name)))
        for name, feed in followers.items()
    ]
    await asyncio.sleep(0.3)  # both subscribed (each forgets once on connecting)
    forgotten.clear()
    announcer = ChangeFeed(url)
    await announcer.announce()
    for _ in range(50):
        if sorted(forgotten) == ["a", "b"]:
            break
        await asyncio.sleep(0.02)
    assert sorted(forgotten) == ["a", "b"]
    for task in tasks:
        task.cancel()
    for feed in [*followers.values(), announcer]:
        await feed.close()


async def test_a_follower_reconnects_after_redis_comes_back_and_forgets_on_the_way(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with private_redis() as redis:
        forgotten: list[int] = []
        feed = ChangeFeed(redis.url)
        following = asyncio.create_task(feed.follow(lambda: forgotten.append(1)))
        await asyncio.sleep(0.3)
        redis.stop()
        await asyncio.sleep(0.3)
        redis.start()
        await asyncio.sleep(2.5)  # its retry
        before = len(forgotten)
        announcer = ChangeFeed(redis.url)
        await announcer.announce()
        await announcer.close()
        await asyncio.sleep(0.3)
        assert len(forgotten) == before + 1  # following again
        assert before >= 2  # on connecting, and again on reconnecting
        assert "lost Redis" in caplog.text
        following.cancel()
        await feed.close()


async def test_announcing_without_redis_never_fails_the_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with private_redis() as redis:
        url = redis.url
    announcer = ChangeFeed(url)
    await announcer.announce()  # Redis gone: logged, not raised
    await announcer.close()
    assert "could not announce a change through Redis" in caplog.text
