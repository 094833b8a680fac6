"""Telling every process that something it caches changed (API keys, helpdesk clients,
workspace configuration), through Redis pub/sub when TICKETD_REDIS_URL is set. Each
process keeps its caches' short TTL as the fallback: while Redis is away, a change
reaches the others within TICKETD_CACHE_TTL_SECONDS, as it does without Redis."""

import asyncio
import logging
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

CHANNEL = "ticketd:changed"
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0)
log = logging.getLogger("ticketd.changes")
LATE = "%s (%s): changes reach other processes within TICKETD_CACHE_TTL_SECONDS"


class ChangeFeed:
    def __init__(self, redis_url: str | None = None) -> None:
        self.redis_url = redis_url
        self._client: Redis | None = None

    async def announce(self) -> None:
        """Every process (this one included) drops its cached keys, clients and
        configurations. Never fails the change itself: Redis away means the TTL."""
        if self.redis_url is None:
            return
        try:
            async with asyncio.timeout(1.0):
                await self._redis().publish(CHANNEL, "changed")
        except (RedisError, OSError, TimeoutError) as error:
            log.warning(LATE, "could not announce a change through Redis", type(error).__name__)

    async def follow(self, forget: Callable[[], None]) -> None:
        """Calls `forget` on every announcement, until cancelled; reconnects by itself,
        and forgets everything on each (re)connection, for what it may have missed."""
        assert self.redis_url is not None
        failures = 0
        while True:
            try:
                async with self._redis().pubsub() as feed:
                    await feed.subscribe(CHANNEL)
                    forget()
                    if failures:
                        log.warning("following changes through Redis again")
                    failures = 0
                    async for message in feed.listen():
                        if message["type"] == "message":
                            forget()
            except (RedisError, OSError) as error:
                if failures == 0:
                    log.warning(LATE, "lost Redis", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1

    async def ping(self) -> None:
        """Raises unless Redis answers (for /readyz)."""
        await self._redis().ping()

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    def _redis(self) -> Redis:
        if self._client is None:
            assert self.redis_url is not None
            self._client = Redis.from_url(
                self.redis_url, socket_connect_timeout=1.0, health_check_interval=10
            )
        return self._client


# The process's feed: `ticketd serve`, `ticketd worker` and every CLI command set it from
# the settings before they change anything (ticketd/app.py, ticketd/cli.py).
FEED = ChangeFeed()


def use(redis_url: str | None) -> ChangeFeed:
    FEED.redis_url = redis_url
    return FEED
