"""The outbox end to end, in process, on both engines: changes made through the APIs
become deliveries that a running worker sends to real local receivers (a strict
Discord stand-in, a Standard Webhooks receiver, an SMTP server), with retries,
rate limits, disabling, give-up, requeue and pruning."""

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from tests.support.discord_receiver import DiscordReceiver, running_receiver
from tests.support.receiver import Receiver
from tests.support.series import STAFF, ticket_body
from tests.support.smtp_server import SmtpServer
from tests.support.workspaces import Workspace, new_workspace
from ticketd.app import Services
from ticketd.kit.clock import now_ms
from ticketd.notify import endpoints
from ticketd.notify import repository as outbox
from ticketd.notify.senders import delivering
from ticketd.notify.worker import Worker
from ticketd.people import actors
from ticketd.people import service as people
from ticketd.people.actors import SYSTEM, Actor
from ticketd.tickets import conversation, service
from ticketd.tickets.model import Author, Body, NewTicket, Source
from ticketd.workspaces.access import get_config

pytestmark = pytest.mark.anyio

FAST = {
    "outbound_allow_hosts": "127.0.0.1",
    "delivery_poll_seconds": 0.05,
    "delivery_first_retry_seconds": 0.1,
    "delivery_max_retry_interval_seconds": 0.3,
    "delivery_timeout_seconds": 2.0,
    "cache_ttl_seconds": 0.0,
}


@pytest.fixture(autouse=True)
async def quiet_outbox(services: Services) -> None:
    """Other tests share the database: their events are not news here, and their
    deliveries must not reach this test's receivers."""
    async with services.db.transaction() as conn:
        await conn.execute("UPDATE events SET fanned_out_at = 0 WHERE fanned_out_at IS NULL")
        await conn.execute("DELETE FROM event_deliveries")
        await conn.execute("DELETE FROM delivery_destinations")


@asynccontextmanager
async def worker(services: Services, **overrides: Any) -> AsyncIterator[Worker]:
    settings = services.settings.model_copy(update={**FAST, **overrides})
    async with delivering(services.db, settings) as running:
        yield running


async def eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.02)


async def use_discord(ws: Workspace, url: str, **config: object) -> None:
    await ws.configure(
        DiscordNotificationWebhookEnabled=True, DiscordNotificationWebhookUrl=url, **config
    )


async def create(ws: Workspace, path: str = "/tickets/create", **body: object) -> dict[str, Any]:
    response = await ws.client.post(path, json=ticket_body(**body), headers={"apikey": ws.key})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


async def deliveries(services: Services, ws: Workspace) -> list[outbox.Delivery]:
    async with services.db.connection() as conn:
        return await outbox.list_deliveries(conn, failed_only=False, workspace_id=ws.id, limit=1000)


async def test_a_ticket_and_a_game_report_reach_discord_within_a_second(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    async with worker(services):
        await create(ws, subject="Help with ranking")
        first_committed = time.monotonic()
        await create(ws, "/tickets/create-game-report", subject="Exploiter", category="reports",
                     placeId="4242", serverId="srv-1")  # fmt: skip
        second_committed = time.monotonic()
        await eventually(lambda: len(discord_receiver.received) == 2)

    first, second = discord_receiver.received
    assert first.at - first_committed < 1.0
    assert second.at - second_committed < 1.0
    assert "Help with ranking" in first.payload["embeds"][0]["title"]
    report = second.payload["embeds"][0]
    assert report["title"].startswith("🎮 Game report")
    assert any("roblox.com/games/4242" in f["value"] for f in report["fields"])
    assert discord_receiver.rejected == []


async def test_status_changes_reach_discord_only_for_the_chosen_statuses(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    ticket = await create(ws)
    code = ticket["TicketId"]
    for status in ("in-progress", "resolved"):
        response = await ws.client.post(
            f"/tickets/{code}/status", json={"staffUserId": STAFF, "status": status}
        )
        assert response.status_code == 200, response.text
    async with worker(services):
        await eventually(lambda: len(discord_receiver.received) == 2)
        await asyncio.sleep(0.2)  # time for a third, wrong one to arrive

    titles = [r.payload["embeds"][0]["title"] for r in discord_receiver.received]
    assert len(titles) == 2 and "Resolved" in titles[1]


async def test_a_failing_receiver_gets_everything_once_it_is_back_in_order(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    discord_receiver.set_mode("500")
    async with worker(services):
        subjects = [f"Ticket {n}" for n in range(4)]
        for subject in subjects:
            await create(ws, subject=subject)
        await eventually(lambda: discord_receiver.answers.count(500) >= 3)
        assert discord_receiver.received == []
        discord_receiver.set_mode("ok")
        await eventually(lambda: len(discord_receiver.received) == 4)

    titles = [r.payload["embeds"][0]["title"] for r in discord_receiver.received]
    assert [next(s for s in subjects if s in t) for t in titles] == subjects
    first = min(await deliveries(services, ws), key=lambda d: d.id)
    assert first.state == "delivered" and first.attempts >= 3 and first.last_status == 204


async def test_a_hanging_destination_does_not_delay_another(
    services: Services, client: Any, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    other = await new_workspace(services, client)
    await use_discord(other, discord_receiver.url)
    with running_receiver() as hanging:
        hanging.set_mode("hang")
        await use_discord(ws, hanging.url)
        async with worker(services, delivery_timeout_seconds=5.0):
            await create(ws, subject="To the hanging one")
            await asyncio.sleep(0.2)  # its delivery is in flight, waiting for an answer
            sent = time.monotonic()
            await create(other, subject="To the healthy one")
            await eventually(lambda: len(discord_receiver.received) == 1)
            assert discord_receiver.received[0].at - sent < 1.0
            assert hanging.received == []
            hanging.set_mode("ok")  # answers the held request: the worker stops at once


async def test_a_429_is_waited_out_for_retry_after(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    discord_receiver.retry_after = 0.5
    discord_receiver.set_mode("429", times=1)
    async with worker(services):
        await create(ws)
        refused_at = time.monotonic()
        await eventually(lambda: len(discord_receiver.received) == 1)

    assert discord_receiver.received[0].at - refused_at >= 0.45
    assert discord_receiver.answers == [429, 204]


async def test_a_webhook_answering_404_is_disabled_with_its_reason(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    discord_receiver.set_mode("404")
    await create(ws)  # both before the worker starts: both are fanned out before the 404
    await create(ws)
    async with worker(services) as running:
        await eventually(lambda: discord_receiver.answers == [404])
        await asyncio.sleep(0.3)  # nothing more is sent to it
        await create(ws)  # and nothing more is queued for it
        await running.tick()

    assert discord_receiver.answers == [404]
    async with services.db.connection() as conn:
        [place] = await outbox.list_destinations(conn)
    assert place.disabled_reason == "Discord answered 404: Unknown Webhook"
    assert place.pending == 0
    states = sorted(d.state for d in await deliveries(services, ws))
    assert states == ["failed", "failed"]
    services.cache.clear()  # what another process sees within the cache TTL
    shown = (await ws.client.get("/tickets/config")).json()["data"]
    assert shown["DiscordNotificationWebhookDisabledReason"] == place.disabled_reason


async def test_deliveries_given_up_are_failed_and_can_be_queued_again(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    discord_receiver.set_mode("500")
    async with worker(services, delivery_give_up_after_seconds=0.3):
        await create(ws)

        async def failed() -> list[outbox.Delivery]:
            return [d for d in await deliveries(services, ws) if d.state == "failed"]

        deadline = time.monotonic() + 10
        while not await failed():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.05)
        [gave_up] = await failed()
        assert gave_up.last_status == 500 and gave_up.finished_at is not None

        discord_receiver.set_mode("ok")
        async with services.db.transaction() as conn:
            assert await outbox.requeue(conn, [gave_up.id], now_ms()) == 1
        await eventually(lambda: len(discord_receiver.received) == 1)


async def test_signed_webhooks_verify_with_the_official_library(
    services: Services, ws: Workspace, receiver: Receiver
) -> None:
    settings = services.settings.model_copy(update=FAST)
    endpoint = await endpoints.add(
        services.db, settings, workspace_id=ws.id, url=receiver.url + "/hook", format="series"
    )
    receiver.secret = endpoint.secret
    async with worker(services):
        ticket = await create(ws)
        for action in ("claim", "unclaim"):
            response = await ws.client.post(
                f"/tickets/{ticket['TicketId']}/{action}", json={"staffUserId": STAFF}
            )
            assert response.status_code == 200, response.text
        await eventually(lambda: len(receiver.verified) == 3)

    created, claimed, unclaimed = receiver.verified
    assert [e["type"] for e in receiver.verified] == [
        "ticket.created", "ticket.claimed", "ticket.unclaimed"
    ]  # fmt: skip
    assert created["data"]["ticket"]["TicketId"] == ticket["TicketId"]
    # Staff known only by Roblox user id (a department member) are named by it.
    assert unclaimed["data"]["previousAssignee"]["userId"] == STAFF
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert ids == [e["id"] for e in receiver.verified] and len(set(ids)) == 3
    assert receiver.rejected == []


async def test_a_staff_reply_is_mailed_to_the_creator_and_cc(
    services: Services, ws: Workspace, smtp: SmtpServer
) -> None:
    teammate = await add_teammate(services, ws)
    config = await get_config(services.db, services.cache, ws.id)
    new = NewTicket(
        "Printer on fire", None, Body("It is on fire"),
        Author(email="creator@example.com", display_name="Cat Creator"),
        source=Source.HELPDESK_API, cc=("boss@example.com", "CREATOR@example.com"),
    )  # fmt: skip
    ticket = await service.create(services.db, config, new, actor=SYSTEM)
    config = await get_config(services.db, services.cache, ws.id)
    await conversation.reply(
        services.db, config, ticket.code, actor=teammate, body=Body("Put it out, please.")
    )
    async with worker(services, **smtp.settings().model_dump(include=SMTP_FIELDS)):
        await eventually(lambda: len(smtp.inbox.received) == 2)

    rcpts = sorted(r.rcpt_tos[0] for r in smtp.inbox.received)
    assert rcpts == ["boss@example.com", "creator@example.com"]
    mail = smtp.inbox.received[0].message
    assert ticket.code in mail["Subject"] and "Put it out" in mail.get_body().get_content()


SMTP_FIELDS = {"smtp_host", "smtp_port", "smtp_security", "smtp_from"}


async def add_teammate(services: Services, ws: Workspace) -> Actor:
    await people.add_teammate(
        services.db, services.cache, workspace_id=ws.id, name="Ann Agent",
        email="ann@example.com", role="agent", actor=SYSTEM,
    )  # fmt: skip
    config = await get_config(services.db, services.cache, ws.id)
    found = actors.teammate_by_email(config, "ann@example.com")
    assert found is not None
    return found


async def test_finished_deliveries_are_pruned_after_the_retention(
    services: Services, ws: Workspace, discord_receiver: DiscordReceiver
) -> None:
    await use_discord(ws, discord_receiver.url)
    async with worker(services) as running:
        await create(ws)
        deadline = time.monotonic() + 10
        while [d.state for d in await deliveries(services, ws)] != ["delivered"]:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await running.prune(now_ms() + running.timing.retention - 1000)
        assert len(await deliveries(services, ws)) == 1  # not old enough yet
        await running.prune(now_ms() + running.timing.retention + 1)
    assert await deliveries(services, ws) == []


async def test_an_unconfigured_workspace_makes_no_deliveries(
    services: Services, ws: Workspace
) -> None:
    async with worker(services) as running:
        await create(ws)
        await running.tick()
    assert await deliveries(services, ws) == []
    async with services.db.connection() as conn:
        waiting = await conn.fetchval("SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL")
    assert waiting == 0
