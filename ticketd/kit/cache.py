"""A per-process cache whose entries expire a fixed time after they were stored.

Every request looks up its API key (or client) and its workspace's configuration;
cachetools' TTLCache took 1.9 µs per `get` here (its expiry bookkeeping runs on every
access), this takes 0.2 µs (docs/decisions.md). Lookups are single calls, so an entry
cannot expire between a membership test and a read."""

import asyncio
import time
from collections.abc import Awaitable, Callable
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
        self._loading: dict[K, asyncio.Task[V]] = {}

    def get(self, key: K, default: V | None = None) -> V | None:
        found, value = self.lookup(key)
        return value if found else default

    def lookup(self, key: K) -> tuple[bool, V | None]:
        """(found, value): tells a cached None from a missing entry."""
        entry = self._fresh(key)
        return (False, None) if entry is None else (True, entry[0])

    def stale(self, key: K) -> V | None:
        """The value stored for `key`, expired or not (None: none stored, or cleared):
        what a load may start from."""
        entry = self._entries.get(key)
        return None if entry is None else entry[0]

    def _fresh(self, key: K) -> tuple[V, float] | None:
        entry = self._entries.get(key)
        return entry if entry is not None and entry[1] > self._timer() else None

    def __setitem__(self, key: K, value: V) -> None:
        if len(self._entries) >= self.max_size and key not in self._entries:
            self._evict()
        self._entries[key] = (value, self._timer() + self.ttl)

    def __contains__(self, key: K) -> bool:
        return self.lookup(key)[0]

    def clear(self) -> None:
        self._entries.clear()
        self._loading.clear()  # loads already running may have read what just changed

    async def get_or_load(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        """The cached value, or what `load()` returns, then kept. Callers missing the
        same key together (when it expires, every request in flight) wait for one load:
        on PostgreSQL each request used to load its own, and 16 loads of a workspace's
        configuration stalled every request for ~70 ms each time it expired. A failed
        load fails its waiters, and the next call loads again.

        An entry past half its life is loaded again in the background by the first
        call that finds it, which still gets it: under steady use nobody waits. Waiting
        put the requests in flight at the back of the event loop's queue every time an
        entry expired (every 2 s): a 7 ms dashboard view under 16 connections had a p99
        inside the server of 148 ms, and has 8 ms without."""
        entry = self._entries.get(key)
        now = self._timer()
        if entry is not None and entry[1] > now:
            if entry[1] - now < self.ttl / 2 and key not in self._loading:
                self._start_load(key, load)
            return entry[0]
        task = self._loading.get(key) or self._start_load(key, load)
        return await asyncio.shield(task)

    def _start_load(self, key: K, load: Callable[[], Awaitable[V]]) -> "asyncio.Task[V]":
        task = self._loading[key] = asyncio.ensure_future(self._load_and_keep(key, load))
        task.add_done_callback(lambda done: self._forget_load(key, done))
        return task

    async def _load_and_keep(self, key: K, load: Callable[[], Awaitable[V]]) -> V:
        value = await load()
        if self._loading.get(key) is asyncio.current_task():  # not cleared meanwhile
            self[key] = value
        return value

    def _forget_load(self, key: K, task: "asyncio.Task[V]") -> None:
        if self._loading.get(key) is task:
            del self._loading[key]
        if not task.cancelled():
            task.exception()  # its waiters raise it; with none left, nothing to log

    def _evict(self) -> None:
        """Drops expired entries, and the oldest half if that frees nothing."""
        now = self._timer()
        self._entries = {k: e for k, e in self._entries.items() if e[1] > now}
        if len(self._entries) >= self.max_size:
            keep = list(self._entries.items())[self.max_size // 2 :]
            self._entries = dict(keep)
