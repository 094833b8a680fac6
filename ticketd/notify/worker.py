"""The delivery worker: turns new events into deliveries (fan-out), leases destinations
with due deliveries, and sends each destination's deliveries one at a time in event
order, backing off when a receiver fails. Runs inside `ticketd serve` or on its own as
`ticketd worker`; any number of workers may share a PostgreSQL database."""

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from ticketd.db.database import Connection, Database
from ticketd.kit.cache import ExpiringCache
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import Unavailable
from ticketd.notify import fanout, notices
from ticketd.notify import repository as outbox
from ticketd.notify.fanout import Endpoint
from ticketd.notify.model import Channel, Notice, Outcome, shown, truncated
from ticketd.notify.repository import Delivery
from ticketd.observe import metrics
from ticketd.settings import Settings
from ticketd.tickets.events import Event
from ticketd.workspaces import repository as workspaces
from ticketd.workspaces.config import WorkspaceConfig

log = logging.getLogger("ticketd.delivery")

FAN_OUT_BATCH = 200
PRUNE_EVERY_MS = 10 * 60_000
REPORT_EVERY_MS = 60_000


class Sender(Protocol):
    async def send(self, destination: str, notice: Notice) -> Outcome: ...


@dataclass(frozen=True, slots=True)
class Timing:
    """The worker's schedule, in milliseconds, from Settings."""

    poll: int
    first_retry: int
    max_retry_interval: int
    give_up_after: int
    timeout: int
    lease: int
    retention: int

    @classmethod
    def of(cls, s: Settings) -> "Timing":
        timeout = int(s.delivery_timeout_seconds * 1000)
        return cls(
            poll=int(s.delivery_poll_seconds * 1000),
            first_retry=int(s.delivery_first_retry_seconds * 1000),
            max_retry_interval=int(s.delivery_max_retry_interval_seconds * 1000),
            give_up_after=int(s.delivery_give_up_after_seconds * 1000),
            timeout=timeout,
            # Long enough that a send still running is never taken over by another
            # worker; short enough that a crashed worker's destinations resume soon.
            lease=3 * timeout + 5_000,
            retention=int(s.delivery_retention_hours * 3_600_000),
        )

    def retry_delay(self, failures: int) -> int:
        """Exponential backoff with jitter: the first retry comes within first_retry."""
        ceiling = min(self.first_retry * 2 ** min(failures - 1, 30), self.max_retry_interval)
        return int(ceiling * random.uniform(0.5, 1.0))


class Worker:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        senders: dict[Channel, Sender],
        *,
        mail_recipients: Callable[[Notice], list[str]] | None = None,
    ) -> None:
        self.db = db
        self.timing = Timing.of(settings)
        self.senders = senders
        self.mail_recipients = mail_recipients  # None: e-mail is off
        self.concurrency = settings.delivery_concurrency
        self._configs: ExpiringCache[str, WorkspaceConfig | None] = ExpiringCache(
            settings.cache_ttl_seconds
        )
        self._draining: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._pruned_at = 0
        self._reported_at = 0

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        """The outbox's own writes commit without waiting for the disk on PostgreSQL:
        each is safe to lose in a crash (an event is fanned out again, a delivery sent
        again, a lease taken again), and a commit that waits for the disk is most of
        what one delivery costs."""
        async with self.db.transaction() as conn:
            if self.db.dialect == "postgresql":
                await outbox.commit_without_waiting_for_disk(conn)
            yield conn

    def wake(self) -> None:
        """Look for work now instead of at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        log.info("delivery worker started")
        while not self._stopping:
            try:
                await self.tick()
            except Unavailable:
                pass  # the database is away; its layer said so in one line
            except Exception:  # a database hiccup must not end delivery for good
                log.exception("delivery worker tick failed; retrying")
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.timing.poll / 1000)

    async def stop(self, grace_seconds: float = 5.0) -> None:
        """Stops claiming; sends in flight get `grace_seconds` to finish. Whatever is
        cut off stays pending and is sent again once its lease runs out."""
        self._stopping = True
        self._wake.set()
        if self._draining:
            _, late = await asyncio.wait(self._draining, timeout=grace_seconds)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def tick(self) -> None:
        while await self.fan_out() == FAN_OUT_BATCH:
            pass
        await self.claim()
        now = now_ms()
        if now - self._pruned_at >= PRUNE_EVERY_MS:
            self._pruned_at = now
            await self.prune(now)
        if now - self._reported_at >= REPORT_EVERY_MS:
            self._reported_at = now
            await self.report(now)

    # Fan-out

    async def fan_out(self) -> int:
        """Makes the deliveries of the oldest events not fanned out yet; returns how
        many events it handled."""
        async with self.db.connection() as conn:
            rows = await outbox.events_to_fan_out(conn, FAN_OUT_BATCH)
            found = [notices.event_of(r) for r in rows]
            departments = await outbox.departments_of(conn, [(w, e.ticket_id) for e, w in found])
        if not found:
            return 0
        endpoints: dict[str, list[Endpoint]] = {}
        planned = [
            (event, workspace_id, await self._destinations(event, workspace_id, departments,
                                                            endpoints))
            for event, workspace_id in found
        ]  # fmt: skip
        now = now_ms()
        async with self._transaction() as conn:
            disabled = await outbox.disabled(conn, {d for _, _, ds in planned for d in ds})
            for event, workspace_id, destinations in planned:
                for channel, destination in destinations:
                    if (channel, destination) not in disabled:
                        await outbox.add_delivery(
                            conn, event.id, workspace_id, channel, destination, now
                        )
            await outbox.mark_fanned_out(conn, [(w, event.id) for event, w in found], now)
        return len(found)

    async def _destinations(
        self,
        event: Event,
        workspace_id: str,
        departments: dict[int, str | None],
        endpoints: dict[str, list[Endpoint]],
    ) -> list[tuple[Channel, str]]:
        """`endpoints` caches each workspace's endpoints for one batch."""
        config = await self._config(workspace_id)
        if config is None or event.ticket_id is None:
            return []
        if workspace_id not in endpoints:
            async with self.db.connection() as conn:
                endpoints[workspace_id] = await outbox.endpoints_of(conn, workspace_id)
        department = departments.get(event.ticket_id)
        found = fanout.destinations(event, config, department, endpoints[workspace_id])
        if self.mail_recipients is not None and fanout.wants_mail(event):
            notice = await notices.load(self.db, config, event)
            if notice is not None:
                found += fanout.mail_destinations(notice, self.mail_recipients)
        return found

    async def _config(self, workspace_id: str) -> WorkspaceConfig | None:
        if workspace_id in self._configs:
            return self._configs.get(workspace_id)
        async with self.db.connection() as conn:
            previous = self._configs.stale(workspace_id)
            config = await workspaces.load_config(conn, workspace_id, previous)
        self._configs[workspace_id] = config
        return config

    # Sending

    async def claim(self) -> None:
        room = self.concurrency - len(self._draining)
        if room <= 0 or self._stopping:
            return
        now = now_ms()
        async with self.db.connection() as conn:  # a read first: most polls find nothing
            if not await outbox.any_due(conn, now):
                return
        async with self._transaction() as conn:
            claimed = await outbox.claim_destinations(
                conn, self.db.dialect, now, now + self.timing.lease, room
            )
        for channel, destination, failures in claimed:
            task = asyncio.create_task(self.drain(Channel(channel), destination, failures))
            self._draining.add(task)
            task.add_done_callback(self._draining.discard)

    async def drain(self, channel: Channel, destination: str, failures: int) -> None:
        """Sends the destination's pending deliveries in event order until none is left
        or the receiver fails or asks for a pause."""
        try:
            while not self._stopping:
                async with self.db.connection() as conn:
                    delivery = await outbox.next_delivery(conn, channel, destination)
                if delivery is None:
                    break
                outcome = await self.attempt(channel, delivery)
                if not await self.settle(delivery, outcome, failures):
                    return
                failures = 0 if outcome.delivered else failures
        except Exception:
            log.exception("delivery to %s %s failed unexpectedly", channel, shown(destination))
        async with self._transaction() as conn:
            await outbox.release(conn, channel, destination, now_ms())

    async def attempt(self, channel: Channel, delivery: Delivery) -> Outcome:
        notice = await self._notice(delivery.workspace_id, delivery.event_id)
        if notice is None:
            return Outcome(False, error="the ticket no longer exists", permanent=True)
        sender = self.senders.get(channel)
        if sender is None:  # e-mail queued, then SMTP switched off
            return Outcome(False, error=f"{channel} is not configured", permanent=True)
        try:
            async with asyncio.timeout(self.timing.timeout / 1000 + 1):
                return await sender.send(delivery.destination, notice)
        except TimeoutError:
            return Outcome(False, error=f"no answer within {self.timing.timeout / 1000:g} s")

    async def _notice(self, workspace_id: str, event_id: int) -> Notice | None:
        async with self.db.connection() as conn:
            row = await outbox.find_event(conn, workspace_id, event_id)
        if row is None:
            return None
        event, workspace_id = notices.event_of(row)
        config = await self._config(workspace_id)
        return None if config is None else await notices.load(self.db, config, event)

    async def settle(self, delivery: Delivery, outcome: Outcome, failures: int) -> bool:
        """Records the attempt; True when the next delivery may go out at once."""
        now = now_ms()
        if not outcome.delivered:
            metrics.delivery_failed(delivery.channel)
        result = {
            "status": outcome.status,
            "response": truncated(outcome.response),
            "error": truncated(outcome.error),
        }
        async with self._transaction() as conn:
            if outcome.disable_reason:
                await outbox.record_attempt(conn, delivery, "failed", result, now)
                await self._disable(conn, delivery, outcome.disable_reason, now)
                return False
            if not outcome.delivered and not self._given_up(delivery, outcome, now):
                await self._retry_later(conn, delivery, outcome, failures, result, now)
                return False
            state = "delivered" if outcome.delivered else "failed"
            await outbox.record_attempt(conn, delivery, state, result, now)
            await outbox.finish_one(conn, delivery.channel, delivery.destination,
                                    succeeded=outcome.delivered,
                                    lease_until=now + self.timing.lease)  # fmt: skip
            self._log_finished(delivery, outcome, failures)
            if outcome.wait:
                until = now + int(outcome.wait * 1000)
                await outbox.pause(conn, delivery.channel, delivery.destination, until, now)
                return False
        return True

    def _given_up(self, delivery: Delivery, outcome: Outcome, now: int) -> bool:
        return outcome.permanent or now - delivery.created_at >= self.timing.give_up_after

    async def _disable(self, conn: Connection, delivery: Delivery, reason: str, now: int) -> None:
        await outbox.disable(conn, delivery.channel, delivery.destination, reason, now)
        log.warning("%s %s disabled: %s", delivery.channel, shown(delivery.destination), reason)

    async def _retry_later(
        self,
        conn: Connection,
        delivery: Delivery,
        outcome: Outcome,
        failures: int,
        result: dict[str, Any],
        now: int,
    ) -> None:
        delay = self._delay(outcome, failures + 1)
        result["next_attempt_at"] = now + delay
        await outbox.record_attempt(conn, delivery, "pending", result, now)
        await outbox.back_off(conn, delivery.channel, delivery.destination, now + delay, now)
        if failures == 0:
            log.warning("%s %s failing (%s); retrying in %.1f s", delivery.channel,
                        shown(delivery.destination), outcome.error or outcome.status,
                        delay / 1000)  # fmt: skip

    def _log_finished(self, delivery: Delivery, outcome: Outcome, failures: int) -> None:
        where = f"{delivery.channel} {shown(delivery.destination)}"
        if not outcome.delivered:
            log.warning("gave up delivery %d of event %d to %s: %s", delivery.id,
                        delivery.event_id, where, outcome.error or outcome.status)  # fmt: skip
        elif failures:
            log.info("%s delivers again", where)

    def _delay(self, outcome: Outcome, failures: int) -> int:
        if outcome.wait is not None:
            return int(outcome.wait * 1000)
        return self.timing.retry_delay(failures)

    # Housekeeping

    async def prune(self, now: int) -> None:
        deleted = 1
        while deleted:
            async with self._transaction() as conn:
                deleted = await outbox.prune(conn, now - self.timing.retention, 1000)
            if deleted:
                log.info("pruned %d finished deliveries", deleted)

    async def report(self, now: int) -> None:
        async with self.db.connection() as conn:
            pending, backing_off, waiting = await outbox.backlog(conn, now)
        if pending or waiting:
            log.info("outbox: %d deliveries pending, %d destinations backing off,"
                     " %d events waiting for fan-out", pending, backing_off, waiting)  # fmt: skip
