"""Integrators' webhook endpoints: added (and, for the Socialboards format, verified by
its handshake) by the operator, each with its own signing secret shown once."""

import secrets

import httpx

from ticketd.db.database import Database
from ticketd.helpdesk import webhook_payload as socialboards
from ticketd.kit import ids
from ticketd.kit.clock import now_ms
from ticketd.kit.errors import InvalidInput, NotFound
from ticketd.notify import handshake, outbound
from ticketd.notify import repository as outbox
from ticketd.notify.fanout import Endpoint
from ticketd.notify.model import Outcome
from ticketd.notify.senders import FORMATS, Http, deliver_signed
from ticketd.series import webhook_payload as series
from ticketd.settings import Settings
from ticketd.tickets.events import EventType
from ticketd.workspaces import repository as workspaces


async def add(
    db: Database,
    settings: Settings,
    *,
    workspace_id: str,
    url: str,
    format: str,
    event_types: tuple[str, ...] = (),
    verify_token: str | None = None,
) -> Endpoint:
    _check(settings, url, format, event_types)
    async with db.connection() as conn:
        await workspaces.require_workspace(conn, workspace_id)
    if format == "socialboards":
        await _verify(settings, url, verify_token or secrets.token_urlsafe(16))
    endpoint = Endpoint(
        "wh_" + secrets.token_hex(8), workspace_id, url, format, ids.webhook_secret(),
        tuple(dict.fromkeys(event_types)), now_ms(),
    )  # fmt: skip
    async with db.transaction() as conn:
        await outbox.insert_endpoint(conn, endpoint)
    return endpoint


def _check(settings: Settings, url: str, format: str, event_types: tuple[str, ...]) -> None:
    if format not in FORMATS:
        raise InvalidInput(f"format must be one of: {', '.join(FORMATS)}")
    unknown = [t for t in event_types if t not in set(EventType)]
    if unknown:
        raise InvalidInput(f"unknown event type {unknown[0]!r}")
    problem = outbound.url_problem(url, outbound.AllowList.parse(settings.outbound_allow_hosts))
    if problem:
        raise InvalidInput(f"webhook URL refused: {problem}")


async def _verify(settings: Settings, url: str, verify_token: str) -> None:
    allow = outbound.AllowList.parse(settings.outbound_allow_hosts)
    async with httpx.AsyncClient(follow_redirects=False) as client:
        problem = await handshake.verify(
            client, url, verify_token, allow=allow, timeout=settings.delivery_timeout_seconds
        )
    if problem:
        raise InvalidInput(f"the endpoint failed the verification handshake: {problem}")


async def list_all(db: Database, workspace_id: str) -> list[Endpoint]:
    async with db.connection() as conn:
        await workspaces.require_workspace(conn, workspace_id)
        return await outbox.endpoints_of(conn, workspace_id)


async def remove(db: Database, endpoint_id: str) -> None:
    """Deliveries still queued for it fail with "the endpoint was removed"."""
    async with db.transaction() as conn:
        if not await outbox.delete_endpoint(conn, endpoint_id):
            raise NotFound("Webhook endpoint not found")


async def rotate_secret(db: Database, endpoint_id: str) -> str:
    """A new signing secret, in force for every delivery from now on."""
    secret = ids.webhook_secret()
    async with db.transaction() as conn:
        if not await outbox.set_endpoint_secret(conn, endpoint_id, secret):
            raise NotFound("Webhook endpoint not found")
    return secret


async def ping(db: Database, settings: Settings, endpoint_id: str) -> Outcome:
    """Sends a signed `webhook.ping` now, outside the outbox, and says what came back."""
    async with db.connection() as conn:
        endpoint = await outbox.find_endpoint(conn, endpoint_id)
    if endpoint is None:
        raise NotFound("Webhook endpoint not found")
    message_id = ids.event_id()
    now = now_ms()
    payload = (
        socialboards.ping_payload(await _workspace_name(db, endpoint.workspace_id))
        if endpoint.format == "socialboards"
        else series.ping_payload(message_id, endpoint.workspace_id, now)
    )
    async with httpx.AsyncClient(follow_redirects=False) as client:
        return await deliver_signed(Http(client, settings), endpoint, message_id, payload)


async def _workspace_name(db: Database, workspace_id: str) -> str:
    async with db.connection() as conn:
        config = await workspaces.load_config(conn, workspace_id)
    return config.workspace.name if config else ""
