"""The three channels: Discord webhooks, integrators' signed webhooks and e-mail. Each
turns one Notice into one attempt at one destination and says what came of it."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from ticketd.db.database import Database
from ticketd.helpdesk import webhook_payload as socialboards
from ticketd.notify import discord, mail, outbound, signing
from ticketd.notify import repository as outbox
from ticketd.notify.fanout import Endpoint
from ticketd.notify.model import Channel, Notice, Outcome, truncated
from ticketd.notify.worker import Sender, Worker
from ticketd.series import webhook_payload as series
from ticketd.settings import Settings

# Payload format name -> how a Notice is written in it.
FORMATS: dict[str, Callable[[Notice, str | None], dict[str, Any]]] = {
    "series": series.payload,
    "socialboards": socialboards.payload,
}
JSON = {"content-type": "application/json"}


class Http:
    """What the HTTP channels share: one connection pool, the outbound rules, the
    timeout."""

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self.client = client
        self.allow = outbound.AllowList.parse(settings.outbound_allow_hosts)
        self.timeout = settings.delivery_timeout_seconds
        self.base_url = settings.public_base_url

    async def post(
        self, url: str, body: bytes, headers: dict[str, str]
    ) -> httpx.Response | Outcome:
        """The receiver's answer, or an Outcome when there was none."""
        try:
            return await outbound.send(
                self.client, "POST", url, allow=self.allow, content=body, headers=headers,
                timeout=self.timeout,
            )  # fmt: skip
        except outbound.Refused as refused:
            return Outcome(False, error=f"refused: {refused}", permanent=True)
        except httpx.TimeoutException:
            return Outcome(False, error=f"no answer within {self.timeout:g} s")
        except httpx.HTTPError as error:
            return Outcome(False, error=f"{type(error).__name__}: {error}")


class DiscordSender:
    def __init__(self, http: Http) -> None:
        self.http = http

    async def send(self, destination: str, notice: Notice) -> Outcome:
        body = discord.message(
            notice, ping=notice.config.workspace.discord_webhook_ping, base_url=self.http.base_url
        )
        answer = await self.http.post(destination, orjson.dumps(body), JSON)
        if isinstance(answer, Outcome):
            return answer
        return discord.outcome(answer.status_code, answer.headers, answer.text)


class WebhookSender:
    def __init__(self, http: Http, db: Database) -> None:
        self.http = http
        self.db = db

    async def send(self, destination: str, notice: Notice) -> Outcome:
        async with self.db.connection() as conn:
            endpoint = await outbox.find_endpoint(conn, destination)
        if endpoint is None:
            return Outcome(False, error="the endpoint was removed", permanent=True)
        payload = FORMATS[endpoint.format](notice, self.http.base_url)
        return await deliver_signed(self.http, endpoint, notice.event.public_id, payload)


async def deliver_signed(
    http: Http, endpoint: Endpoint, message_id: str, payload: dict[str, Any]
) -> Outcome:
    body = orjson.dumps(payload).decode()
    headers = signing.signed_headers(endpoint.secret, message_id, datetime.now(UTC), body)
    answer = await http.post(endpoint.url, body.encode(), headers)
    return answer if isinstance(answer, Outcome) else webhook_outcome(answer)


def webhook_outcome(answer: httpx.Response) -> Outcome:
    """2xx delivers; 410 Gone says the endpoint is gone for good; a 429 or 503 with
    Retry-After is waited out; anything else is retried with backoff."""
    status, text = answer.status_code, truncated(answer.text)
    if 200 <= status < 300:
        return Outcome(True, status, text)
    if status == 410:
        return Outcome(False, status, text, disable_reason="the endpoint answered 410 Gone")
    wait = _retry_after(answer.headers.get("retry-after")) if status in (429, 503) else None
    return Outcome(False, status, text, error=f"HTTP {status}", wait=wait)


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:  # an HTTP date: not worth parsing, backoff applies
        return None


class MailSender:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def send(self, destination: str, notice: Notice) -> Outcome:
        message = mail.reply_mail(
            notice, destination, sender=self.settings.smtp_from,
            base_url=self.settings.public_base_url,
        )  # fmt: skip
        return await mail.send(message, self.settings)


@asynccontextmanager
async def delivering(db: Database, settings: Settings) -> AsyncIterator[Worker]:
    """A worker delivering in the background while the block runs; stopped after it."""
    async with running_worker(db, settings) as worker:
        task = asyncio.create_task(worker.run())
        try:
            yield worker
        finally:
            await worker.stop()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@asynccontextmanager
async def running_worker(db: Database, settings: Settings) -> AsyncIterator[Worker]:
    """A worker with every configured channel, its HTTP pool closed when done."""
    async with httpx.AsyncClient(follow_redirects=False) as client:
        http = Http(client, settings)
        senders: dict[Channel, Sender] = {
            Channel.DISCORD: DiscordSender(http),
            Channel.WEBHOOK: WebhookSender(http, db),
        }
        recipients = None
        if settings.smtp_host:
            senders[Channel.EMAIL] = MailSender(settings)
            recipients = mail.recipients
        yield Worker(db, settings, senders, mail_recipients=recipients)
