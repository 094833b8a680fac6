"""Deliveries are signed per Standard Webhooks: the official library, on a real HTTP
receiver, accepts them and rejects tampered, stale and wrongly keyed ones."""

from datetime import UTC, datetime, timedelta, timezone

import httpx
import orjson
import pytest

from tests.support.receiver import Receiver
from ticketd.kit.ids import webhook_secret
from ticketd.notify import outbound
from ticketd.notify.signing import signed_headers

pytestmark = pytest.mark.anyio

LOCAL = outbound.AllowList.parse("127.0.0.1")
BODY = orjson.dumps({"id": "evt_1", "type": "ticket.created", "data": {"n": 1}}).decode()


async def deliver(
    http: httpx.AsyncClient, receiver: Receiver, headers: dict[str, str], body: str = BODY
) -> httpx.Response:
    return await outbound.send(
        http, "POST", receiver.url, allow=LOCAL, content=body.encode(), headers=headers, timeout=5
    )


async def test_a_signed_delivery_verifies(http: httpx.AsyncClient, receiver: Receiver) -> None:
    headers = signed_headers(receiver.secret, "evt_1", datetime.now(UTC), BODY)
    response = await deliver(http, receiver, headers)
    assert response.status_code == 200
    assert receiver.verified == [orjson.loads(BODY)]
    assert receiver.requests[0].headers["content-type"] == "application/json"
    assert receiver.requests[0].headers["webhook-id"] == "evt_1"


async def test_a_tampered_body_is_rejected(http: httpx.AsyncClient, receiver: Receiver) -> None:
    headers = signed_headers(receiver.secret, "evt_1", datetime.now(UTC), BODY)
    response = await deliver(http, receiver, headers, BODY.replace('"n":1', '"n":2'))
    assert response.status_code == 401
    assert receiver.verified == []
    assert receiver.rejected == ["No matching signature found"]


async def test_a_delivery_signed_longer_ago_than_the_tolerance_is_rejected(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    """A captured delivery replayed later fails: the library allows five minutes."""
    signed_at = datetime.now(UTC) - timedelta(minutes=6)
    response = await deliver(http, receiver, signed_headers(receiver.secret, "e", signed_at, BODY))
    assert response.status_code == 401
    assert receiver.rejected == ["Message timestamp too old"]


async def test_a_delivery_signed_with_another_secret_is_rejected(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    headers = signed_headers(webhook_secret(), "evt_1", datetime.now(UTC), BODY)
    response = await deliver(http, receiver, headers)
    assert response.status_code == 401
    assert receiver.rejected == ["No matching signature found"]


def test_the_signature_is_of_the_instant_whatever_the_offset() -> None:
    secret, instant = webhook_secret(), datetime(2025, 1, 15, 10, 30, tzinfo=UTC)
    in_utc = signed_headers(secret, "evt_1", instant, BODY)
    elsewhere = instant.astimezone(timezone(timedelta(hours=2)))
    assert signed_headers(secret, "evt_1", elsewhere, BODY) == in_utc
    assert signed_headers(secret, "evt_1", instant.replace(tzinfo=None), BODY) == in_utc
    assert in_utc["webhook-timestamp"] == "1736937000"
