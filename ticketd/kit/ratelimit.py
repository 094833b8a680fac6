"""Per-key request limits: at most N requests in any rolling window (one second for
API keys).

This is the moving-window algorithm of the `limits` library. In one process it is kept
in memory by KeyRateLimiter: `limits`' own MemoryStorage starts a threading.Timer
every 10 ms to expire entries, which cost 28% of request throughput here
(docs/decisions.md); this keeps the same exact window with no thread: each key holds
the times of its last N requests. With Redis, SharedRateLimiter runs `limits` itself
against it, so a key's limit holds across every process and machine."""

import asyncio
import logging
import math
import time
from collections import deque
from typing import Any

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from ticketd.kit.errors import RateLimited

WINDOW_SECONDS = 1.0
SWEEP_INTERVAL_SECONDS = 60.0
REDIS_TIMEOUT_SECONDS = 0.25  # a request waits no longer than this for a slow Redis
REDIS_RETRY_SECONDS = 2.0  # after a failure, requests use the local window this long
log = logging.getLogger("ticketd.ratelimit")


class KeyRateLimiter:
    def __init__(self, per_window: int, *, window_seconds: float = WINDOW_SECONDS) -> None:
        self.limit = per_window
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._next_sweep = time.monotonic() + SWEEP_INTERVAL_SECONDS

    async def hit(self, key: str) -> None:
        self.take(key)

    def take(self, key: str) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.limit)
        if len(hits) == self.limit and now - hits[0] < self.window:
            raise RateLimited(retry_after=max(1, math.ceil(hits[0] + self.window - now)))
        hits.append(now)

    async def close(self) -> None:
        """Nothing to let go of (SharedRateLimiter has connections)."""

    async def remaining(self, key: str) -> tuple[int, float]:
        """(requests left in the current window, wall-clock time when one more frees up)."""
        now = time.monotonic()
        recent = [t for t in self._hits.get(key, ()) if now - t < self.window]
        reset_in = recent[0] + self.window - now if recent else 0.0
        return self.limit - len(recent), time.time() + reset_in

    def _sweep(self, now: float) -> None:
        """Forget keys idle for a whole window, so memory follows active keys only."""
        self._hits = {k: v for k, v in self._hits.items() if now - v[-1] < self.window}
        self._next_sweep = now + SWEEP_INTERVAL_SECONDS


class SharedRateLimiter:
    """The same limit held in Redis (`limits`' moving window: one Lua call a request).
    While Redis cannot be reached, each process limits on its own window (so one key
    gets up to N per process), says so once in the log, and tries Redis again every
    REDIS_RETRY_SECONDS."""

    NAMESPACE = "ticketd:limit"

    def __init__(self, redis_url: str, per_window: int, *, window_seconds: int = 1) -> None:
        self.limit = per_window
        self.local = KeyRateLimiter(per_window, window_seconds=window_seconds)
        self._pool = ConnectionPool.from_url(
            redis_url, socket_timeout=REDIS_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        )  # fmt: skip
        pool: dict[str, Any] = {"connection_pool": self._pool}  # its hints say str options
        storage = RedisStorage("async+" + redis_url, implementation="redispy", **pool)
        self._strategy = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerSecond(per_window, window_seconds)
        self._local_until = 0.0

    async def hit(self, key: str) -> None:
        if time.monotonic() < self._local_until:
            return self.local.take(key)
        try:
            async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                if await self._strategy.hit(self._item, self.NAMESPACE, key):
                    return self._recovered()
                stats = await self._strategy.get_window_stats(self._item, self.NAMESPACE, key)
        except Exception as error:  # Redis away or slow, whatever the client raises
            self._fall_back(error)
            return self.local.take(key)
        self._recovered()
        raise RateLimited(retry_after=max(1, math.ceil(stats.reset_time - time.time())))

    async def remaining(self, key: str) -> tuple[int, float]:
        """(requests left in the current window, wall-clock time when one more frees up)."""
        if time.monotonic() >= self._local_until:
            try:
                async with asyncio.timeout(REDIS_TIMEOUT_SECONDS):
                    stats = await self._strategy.get_window_stats(self._item, self.NAMESPACE, key)
                return stats.remaining, stats.reset_time
            except Exception as error:
                self._fall_back(error)
        return await self.local.remaining(key)

    async def close(self) -> None:
        await self._pool.aclose()

    def _fall_back(self, error: Exception) -> None:
        if self._local_until == 0.0:
            log.warning("Redis unreachable (%s): API key limits are per process until it is "
                        "back", type(error).__name__)  # fmt: skip
        self._local_until = time.monotonic() + REDIS_RETRY_SECONDS

    def _recovered(self) -> None:
        if self._local_until != 0.0:
            log.warning("Redis reachable again: API key limits are shared again")
            self._local_until = 0.0
