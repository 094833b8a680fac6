"""Per-API-key request limits on the `limits` library's sliding-window counter."""

import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from ticketd.kit.errors import RateLimited


class KeyRateLimiter:
    def __init__(self, per_second: int) -> None:
        self.item = RateLimitItemPerSecond(per_second)
        self._limiter = SlidingWindowCounterRateLimiter(MemoryStorage())

    def hit(self, key: str) -> None:
        if not self._limiter.hit(self.item, key):
            raise RateLimited(retry_after=self.retry_after(key))

    def retry_after(self, key: str) -> int:
        reset_at = self._limiter.get_window_stats(self.item, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def remaining(self, key: str) -> tuple[int, float]:
        stats = self._limiter.get_window_stats(self.item, key)
        return stats.remaining, stats.reset_time
