"""A per-process cache whose entries expire a fixed time after they were stored.

Every request looks up its API key (or client) and its workspace's configuration;
cachetools' TTLCache took 1.9 µs per `get` here (its expiry bookkeeping runs on every
access), this takes 0.2 µs (docs/decisions.md). Lookups are single calls, so an entry
cannot expire between a membership test and a read."""

import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    def __init__(
        self,
        ttl_seconds: float,
        max_size: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl_seconds
        self.max_size = max_size
        self._timer = timer
        self._entries: dict[K, tuple[V, float]] = {}

    def get(self, key: K, default: V | None = None) -> V | None:
        found, value = self.lookup(key)
        return value if found else default

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """(found, value): tells a cached None from a missing entry."""
        entry = self._entries.get(key)
        if entry is None or entry[1] <= self._timer():
            return False, None
        return True, entry[0]

    def __setitem__(self, key: K, value: V) -> None:
        if len(self._entries) >= self.max_size and key not in self._entries:
            self._evict()
        self._entries[key] = (value, self._timer() + self.ttl)

    def __contains__(self, key: K) -> bool:
        return self.lookup(key)[0]

    def clear(self) -> None:
        self._entries.clear()

    def _evict(self) -> None:
        """Drops expired entries, and the oldest half if that frees nothing."""
        now = self._timer()
        self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
        if len(self._entries) >= self.max_size:
            keep = list(self._entries.items())[self.max_size // 2 :]
            self._entries = dict(keep)
