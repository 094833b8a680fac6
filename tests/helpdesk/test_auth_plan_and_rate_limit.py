"""Helpdesk plan and module rules, and the per-client rate limit, with their envelopes,
on both engines."""

import time

import jwt
import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_auth import (
    PROTECTED,
    assert_invalid_token,
    claims_for,
    get_with_token,
    own_app,
    real_key,
    second_client,
)
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit import ratelimit
from ticketd.kit.ratelimit import KeyRateLimiter
from ticketd.people.actors import SYSTEM
from ticketd.workspaces import service as workspaces

pytestmark = pytest.mark.anyio


# --- helpers -----------------------------------------------------------------------


class FrozenClock:
    """Stands in for the `time` module inside the rate limiter, so a window only moves
    when the test says so (the requests themselves may take any time)."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def monotonic(self) -> float:
        return self.now

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    frozen = FrozenClock()
    monkeypatch.setattr(ratelimit, "time", frozen)
    return frozen


# --- plan and module ---------------------------------------------------------------


async def test_workspace_on_the_free_plan_gets_403_plan_required(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(
        services.db, services.cache, workspace_id=hd.ws.id, plan="free", actor=SYSTEM
    )
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["plan_required"][0], "Premium")


async def test_workspace_with_tickets_disabled_gets_403_module_disabled(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(
        services.db, None, workspace_id=hd.ws.id, tickets_enabled=False, actor=SYSTEM
    )
    services.cache.clear()  # set_workspace clears only the cache it is given
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["module_disabled"][0])


async def test_free_plan_is_reported_before_a_disabled_module(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(
        services.db,
        services.cache,
        workspace_id=hd.ws.id,
        plan="free",
        tickets_enabled=False,
        actor=SYSTEM,
    )
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["plan_required"][0])


async def test_auth_is_checked_before_the_plan(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(
        services.db, services.cache, workspace_id=hd.ws.id, plan="free", actor=SYSTEM
    )
    assert_invalid_token(await get_with_token(hd, "not-a-jwt"))


# --- rate limit --------------------------------------------------------------------


async def test_requests_past_the_per_second_limit_get_429_with_retry_after(
    database_url: str, clock: FrozenClock
) -> None:
    async with own_app(database_url, rate_limit_per_second=2) as own:
        clock.now += 1.0  # past the window of the setup's token exchange
        ok(await own.client.get(PROTECTED))
        ok(await own.client.get(PROTECTED))
        response = await own.client.get(PROTECTED)
        assert_hd_error(response, 429, ERRORS["rate_limited"][0], "Rate limit")
        assert response.headers["Retry-After"] == "1"


async def test_rate_limit_frees_up_after_one_second(database_url: str, clock: FrozenClock) -> None:
    async with own_app(database_url, rate_limit_per_second=2) as own:
        clock.now += 1.0  # past the window of the setup's token exchange
        ok(await own.client.get(PROTECTED))
        ok(await own.client.get(PROTECTED))
        assert (await own.client.get(PROTECTED)).status_code == 429
        clock.now += 1.0
        ok(await own.client.get(PROTECTED))


async def test_rate_limit_counts_each_client_separately(
    hd: Helpdesk, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hd.ws.services, "limiter", KeyRateLimiter(2))
    other = await second_client(hd)
    ok(await hd.client.get(PROTECTED))
    ok(await hd.client.get(PROTECTED))
    assert_hd_error(await hd.client.get(PROTECTED), 429, ERRORS["rate_limited"][0])
    ok(await get_with_token(hd, other))


async def test_refused_tokens_do_not_use_up_the_clients_limit(
    hd: Helpdesk, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hd.ws.services, "limiter", KeyRateLimiter(2))
    expired = jwt.encode(
        claims_for(hd, iat=int(time.time()) - 4000, exp=int(time.time()) - 1),
        await real_key(hd),
        algorithm="HS256",
    )
    for _ in range(3):
        assert_invalid_token(await get_with_token(hd, expired))
    ok(await hd.client.get(PROTECTED))
    ok(await hd.client.get(PROTECTED))
