"""Per-key request limits: at most N requests in any rolling window (one second for
API keys).

This is the moving-window algorithm of the `limits` library, kept in process memory.
`limits`' own MemoryStorage starts a threading.Timer every 10 ms to expire entries,
which cost 28% of request throughput here (docs/decisions.md); this keeps the same
exact window with no thread: each key holds the times of its last N requests."""

import math
import time
from collections import deque

from ticketd.kit.errors import RateLimited

WINDOW_SECONDS = 1.0
SWEEP_INTERVAL_SECONDS = 60.0


class KeyRateLimiter:
    def __init__(self, per_window: int, *, window_seconds: float = WINDOW_SECONDS) -> None:
        self.limit = per_window
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}
        self._next_sweep = time.monotonic() + SWEEP_INTERVAL_SECONDS

    def hit(self, key: str) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._sweep(now)
        hits = self._hits.get(key)
        if hits is None:
            hits = self._hits[key] = deque(maxlen=self.limit)
        if len(hits) == self.limit and now - hits[0] < self.window:
            raise RateLimited(retry_after=max(1, math.ceil(hits[0] + self.window - now)))
        hits.append(now)

    def remaining(self, key: str) -> tuple[int, float]:
        """(requests left in the current window, wall-clock time when one more frees up)."""
        now = time.monotonic()
        recent = [t for t in self._hits.get(key, ()) if now - t < self.window]
        reset_in = recent[0] + self.window - now if recent else 0.0
        return self.limit - len(recent), time.time() + reset_in

    def _sweep(self, now: float) -> None:
        """Forget keys idle for a whole window, so memory follows active keys only."""
        self._hits = {k: v for k, v in self._hits.items() if now - v[-1] < self.window}
        self._next_sweep = now + SWEEP_INTERVAL_SECONDS
