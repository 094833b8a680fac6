"""Helpdesk authentication: the token endpoint, bearer checks, plan and module rules, the
per-client rate limit, and the envelopes of auth, routing and limit failures."""

import base64
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import jwt
import pytest

from tests.conftest import Workspace, assert_error, new_workspace, settings_for
from tests.helpdesk.conftest import Helpdesk, access_token, assert_hd_error, ok
from ticketd.app import Services, build_services, create_app
from ticketd.helpdesk import auth
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit import ratelimit
from ticketd.kit.ratelimit import KeyRateLimiter
from ticketd.workspaces import service as workspaces

pytestmark = pytest.mark.anyio

PROTECTED = "/helpdesk/categories"
INVALID_TOKEN = ERRORS["invalid_token"][0]  # 201
INVALID_GRANT = ERRORS["invalid_grant"][0]  # 202
VALIDATION = ERRORS["validation_error"][0]  # 100
OTHER_KEY = "an-entirely-different-signing-key-of-48-characters!"


# --- helpers -----------------------------------------------------------------------


def form(hd: Helpdesk, **changes: str | None) -> dict[str, str]:
    """The token request's fields; a `None` change leaves that field out."""
    fields: dict[str, str | None] = {
        "grant_type": "refresh_token",
        "refresh_token": hd.refresh_token,
        "client_id": hd.client_id,
    }
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


async def post_token(hd: Helpdesk, **changes: str | None) -> httpx.Response:
    return await hd.client.post("/helpdesk/token", data=form(hd, **changes))


def assert_token_error(response: httpx.Response, status: int, code: int, error: str) -> None:
    """The envelope plus OAuth 2's `error`, and nothing else."""
    body = assert_hd_error(response, status, code)
    assert set(body) == {"data", "errorCode", "errorText", "error"}, body
    assert body["error"] == error, body


def assert_invalid_token(response: httpx.Response, text: str | None = None) -> None:
    body = assert_hd_error(response, 401, INVALID_TOKEN, text)
    assert set(body) == {"data", "errorCode", "errorText"}, body
    assert response.headers["WWW-Authenticate"].startswith("Bearer"), response.headers


def claims_for(hd: Helpdesk, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": hd.client_id,
        "ws": hd.ws.id,
        "iat": now,
        "exp": now + 600,
        "jti": "0123456789abcdef",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


async def real_key(hd: Helpdesk) -> str:
    return await hd.ws.services.tokens.signing_key(hd.db)


async def get_with_token(hd: Helpdesk, token: str) -> httpx.Response:
    return await hd.client.get(PROTECTED, headers={"Authorization": f"Bearer {token}"})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


async def second_client(hd: Helpdesk, workspace_id: str | None = None) -> str:
    """An access token of another client (of this workspace unless told otherwise)."""
    created = await auth.create_client(
        hd.db, workspace_id=workspace_id or hd.ws.id, name="Second integration"
    )
    return await access_token(hd.client, created.refresh_token, created.client_id)


@asynccontextmanager
async def own_app(database_url: str, **settings: object) -> AsyncIterator[Helpdesk]:
    """A separate app with its own settings, a demo workspace and a signed-in client."""
    services: Services = build_services(settings_for(database_url, **settings))
    await services.db.connect()
    try:
        app = create_app(services=services)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ticketd.test") as http:
            ws = await new_workspace(services, http)
            created = await auth.create_client(services.db, workspace_id=ws.id, name="Own")
            token = await access_token(http, created.refresh_token, created.client_id)
            http.headers["Authorization"] = f"Bearer {token}"
            yield Helpdesk(ws, http, created.refresh_token, created.client_id)
    finally:
        await services.db.close()


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


# --- the token endpoint ------------------------------------------------------------


async def test_token_exchange_answers_the_bare_oauth_object(hd: Helpdesk) -> None:
    response = await post_token(hd)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "refresh_token"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3599
    assert body["refresh_token"] == hd.refresh_token
    assert isinstance(body["access_token"], str) and body["access_token"].count(".") == 2


async def test_token_answer_is_not_cacheable(hd: Helpdesk) -> None:
    response = await post_token(hd)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("application/json")


async def test_issued_access_token_names_client_and_workspace_and_lasts_3599_s(
    hd: Helpdesk,
) -> None:
    token = (await post_token(hd)).json()["access_token"]
    claims = jwt.decode(token, await real_key(hd), algorithms=["HS256"])
    assert claims["sub"] == hd.client_id
    assert claims["ws"] == hd.ws.id
    assert claims["exp"] - claims["iat"] == 3599
    assert abs(claims["iat"] - time.time()) < 60


async def test_issued_access_token_opens_protected_endpoints(hd: Helpdesk) -> None:
    token = (await post_token(hd)).json()["access_token"]
    categories = ok(await get_with_token(hd, token))
    assert {c["key"] for c in categories} == set(hd.categories)


async def test_each_exchange_issues_a_fresh_access_token(hd: Helpdesk) -> None:
    first = (await post_token(hd)).json()["access_token"]
    second = (await post_token(hd)).json()["access_token"]
    assert first != second
    ok(await get_with_token(hd, first))
    ok(await get_with_token(hd, second))


async def test_misspelt_grand_type_is_accepted(hd: Helpdesk) -> None:
    response = await post_token(hd, grant_type=None, grand_type="refresh_token")
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "bearer"
    ok(await get_with_token(hd, response.json()["access_token"]))


async def test_json_body_is_accepted(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/token", json=form(hd))
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"] == hd.refresh_token
    ok(await get_with_token(hd, response.json()["access_token"]))


async def test_wrong_grant_type_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await post_token(hd, grant_type="client_credentials")
    assert_token_error(response, 400, VALIDATION, "invalid_request")
    assert "grant_type" in response.json()["errorText"]


async def test_missing_grant_type_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await post_token(hd, grant_type=None)
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_missing_refresh_token_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await post_token(hd, refresh_token=None)
    assert_token_error(response, 400, VALIDATION, "invalid_request")
    assert "refresh_token" in response.json()["errorText"]


async def test_missing_client_id_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await post_token(hd, client_id=None)
    assert_token_error(response, 400, VALIDATION, "invalid_request")
    assert "client_id" in response.json()["errorText"]


async def test_empty_body_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/token")
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_json_body_that_is_not_an_object_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await hd.client.post("/helpdesk/token", json=[form(hd)])
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_malformed_json_body_is_an_invalid_request(hd: Helpdesk) -> None:
    response = await hd.client.post(
        "/helpdesk/token",
        content=b'{"grant_type": "refresh_token",',
        headers={"Content-Type": "application/json"},
    )
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_json_null_refresh_token_counts_as_missing(hd: Helpdesk) -> None:
    body = {**form(hd), "refresh_token": None}
    response = await hd.client.post("/helpdesk/token", json=body)
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_unknown_refresh_token_is_an_invalid_grant(hd: Helpdesk) -> None:
    response = await post_token(hd, refresh_token="rt_" + "x" * 43)
    assert_token_error(response, 400, INVALID_GRANT, "invalid_grant")


async def test_unknown_client_id_is_an_invalid_grant(hd: Helpdesk) -> None:
    response = await post_token(hd, client_id="00000000-0000-0000-0000-000000000000")
    assert_token_error(response, 400, INVALID_GRANT, "invalid_grant")


async def test_refresh_token_sent_with_another_clients_id_is_an_invalid_grant(
    hd: Helpdesk,
) -> None:
    other = await auth.create_client(hd.db, workspace_id=hd.ws.id, name="Other integration")
    response = await post_token(hd, client_id=other.client_id)
    assert_token_error(response, 400, INVALID_GRANT, "invalid_grant")
    # Each pair on its own still works: only the mix is refused.
    assert (await post_token(hd)).status_code == 200


async def test_revoked_clients_refresh_token_is_an_invalid_grant(hd: Helpdesk) -> None:
    assert await auth.revoke_client(hd.db, client_id=hd.client_id)
    # The server caches clients per process for TTL seconds; `ticketd token revoke`
    # runs in another process, so a server sees it once its entry expires. Clearing
    # the cache stands for that expiry and keeps the test free of sleeps.
    hd.ws.services.tokens.clients.clear()
    response = await post_token(hd)
    assert_token_error(response, 400, INVALID_GRANT, "invalid_grant")


async def test_revoked_refresh_token_is_refused_even_while_its_client_is_cached(
    hd: Helpdesk,
) -> None:
    # The fixture's exchange cached the client as active; the refresh check itself reads
    # `revoked_at` in the database, so no cache clearing is needed here.
    assert hd.client_id in hd.ws.services.tokens.clients
    assert await auth.revoke_client(hd.db, client_id=hd.client_id)
    response = await post_token(hd)
    assert_token_error(response, 400, INVALID_GRANT, "invalid_grant")


async def test_token_endpoint_refuses_get_in_the_helpdesk_envelope(hd: Helpdesk) -> None:
    response = await hd.client.get("/helpdesk/token")
    assert_hd_error(response, 405, ERRORS["method_not_allowed"][0])


# --- bearer checks -----------------------------------------------------------------


async def test_request_without_authorization_is_refused_as_no_credentials(
    hd: Helpdesk,
) -> None:
    hd.client.headers.pop("Authorization")
    response = await hd.client.get(PROTECTED)
    assert_hd_error(response, 401, ERRORS["unauthorized"][0], "Authorization: Bearer")
    assert response.headers["WWW-Authenticate"].startswith("Bearer"), response.headers


async def test_request_with_another_scheme_is_refused(hd: Helpdesk) -> None:
    token = hd.client.headers["Authorization"].split(" ", 1)[1]
    response = await hd.client.get(PROTECTED, headers={"Authorization": f"Basic {token}"})
    assert_invalid_token(response)


async def test_bearer_scheme_without_a_token_is_refused(hd: Helpdesk) -> None:
    response = await hd.client.get(PROTECTED, headers={"Authorization": "Bearer "})
    assert_invalid_token(response)


async def test_bearer_scheme_is_case_insensitive(hd: Helpdesk) -> None:
    token = hd.client.headers["Authorization"].split(" ", 1)[1]
    response = await hd.client.get(PROTECTED, headers={"Authorization": f"bearer {token}"})
    assert isinstance(ok(response), list)


async def test_garbage_token_is_refused(hd: Helpdesk) -> None:
    assert_invalid_token(await get_with_token(hd, "not-a-jwt"))


async def test_token_signed_with_another_key_is_refused(hd: Helpdesk) -> None:
    token = jwt.encode(claims_for(hd), OTHER_KEY, algorithm="HS256")
    assert_invalid_token(await get_with_token(hd, token))


async def test_unsigned_alg_none_token_is_refused(hd: Helpdesk) -> None:
    token = jwt.encode(claims_for(hd), None, algorithm="none")
    assert token.endswith(".")  # really unsigned
    assert_invalid_token(await get_with_token(hd, token))


async def test_token_signed_with_the_real_key_but_another_algorithm_is_refused(
    hd: Helpdesk,
) -> None:
    token = jwt.encode(claims_for(hd), await real_key(hd), algorithm="HS512")
    assert_invalid_token(await get_with_token(hd, token))


async def test_token_with_tampered_payload_is_refused(hd: Helpdesk) -> None:
    token = hd.client.headers["Authorization"].split(" ", 1)[1]
    header, payload, signature = token.split(".")
    claims = json.loads(unb64url(payload))
    claims["exp"] += 86_400  # a day longer, keeping the original signature
    tampered = ".".join([header, b64url(json.dumps(claims).encode()), signature])
    ok(await get_with_token(hd, token))  # the original is good
    assert_invalid_token(await get_with_token(hd, tampered))


async def test_expired_token_is_refused_and_says_so(hd: Helpdesk) -> None:
    now = int(time.time())
    claims = claims_for(hd, iat=now - 3700, exp=now - 100)
    token = jwt.encode(claims, await real_key(hd), algorithm="HS256")
    assert_invalid_token(await get_with_token(hd, token), "expired")


async def test_validly_signed_token_without_exp_is_refused(hd: Helpdesk) -> None:
    token = jwt.encode(claims_for(hd, exp=None), await real_key(hd), algorithm="HS256")
    assert_invalid_token(await get_with_token(hd, token))


async def test_validly_signed_token_of_unknown_client_is_refused(hd: Helpdesk) -> None:
    claims = claims_for(hd, sub="00000000-0000-0000-0000-000000000000")
    token = jwt.encode(claims, await real_key(hd), algorithm="HS256")
    assert_invalid_token(await get_with_token(hd, token))


async def test_token_whose_workspace_claim_is_not_its_clients_is_refused(hd: Helpdesk) -> None:
    other = await new_workspace(hd.ws.services, hd.client)
    token = jwt.encode(claims_for(hd, ws=other.id), await real_key(hd), algorithm="HS256")
    assert_invalid_token(await get_with_token(hd, token))


async def test_access_token_of_revoked_client_is_refused(hd: Helpdesk) -> None:
    ok(await hd.client.get(PROTECTED))
    assert await auth.revoke_client(hd.db, client_id=hd.client_id)
    # Active clients are cached per process for TTL seconds (2 s by default), and the
    # revocation here, as the CLI's, does not touch this server's cache; clearing it
    # stands for the TTL running out, without sleeping.
    hd.ws.services.tokens.clients.clear()
    assert_invalid_token(await hd.client.get(PROTECTED), "revoked")


async def test_revoking_one_client_leaves_the_workspaces_other_clients_working(
    hd: Helpdesk,
) -> None:
    other = await second_client(hd)
    assert await auth.revoke_client(hd.db, client_id=hd.client_id)
    hd.ws.services.tokens.clients.clear()  # as above: stands for the cache TTL running out
    assert_invalid_token(await hd.client.get(PROTECTED))
    ok(await get_with_token(hd, other))


async def test_without_client_cache_revocation_applies_to_the_next_request(
    database_url: str,
) -> None:
    async with own_app(database_url, cache_ttl_seconds=0) as own:
        ok(await own.client.get(PROTECTED))
        assert await auth.revoke_client(own.db, client_id=own.client_id)
        assert_invalid_token(await own.client.get(PROTECTED), "revoked")


# --- plan and module ---------------------------------------------------------------


async def test_workspace_on_the_free_plan_gets_403_plan_required(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(services.db, services.cache, workspace_id=hd.ws.id, plan="free")
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["plan_required"][0], "Premium")


async def test_workspace_with_tickets_disabled_gets_403_module_disabled(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(services.db, None, workspace_id=hd.ws.id, tickets_enabled=False)
    services.cache.clear()  # set_workspace clears only the cache it is given
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["module_disabled"][0])


async def test_free_plan_is_reported_before_a_disabled_module(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(
        services.db, services.cache, workspace_id=hd.ws.id, plan="free", tickets_enabled=False
    )
    assert_hd_error(await hd.client.get(PROTECTED), 403, ERRORS["plan_required"][0])


async def test_auth_is_checked_before_the_plan(hd: Helpdesk) -> None:
    services = hd.ws.services
    await workspaces.set_workspace(services.db, services.cache, workspace_id=hd.ws.id, plan="free")
    assert_invalid_token(await get_with_token(hd, "not-a-jwt"))


# --- rate limit --------------------------------------------------------------------


async def test_requests_past_the_per_second_limit_get_429_with_retry_after(
    database_url: str, clock: FrozenClock
) -> None:
    async with own_app(database_url, rate_limit_per_second=2) as own:
        ok(await own.client.get(PROTECTED))
        ok(await own.client.get(PROTECTED))
        response = await own.client.get(PROTECTED)
        assert_hd_error(response, 429, ERRORS["rate_limited"][0], "Rate limit")
        assert response.headers["Retry-After"] == "1"


async def test_rate_limit_frees_up_after_one_second(database_url: str, clock: FrozenClock) -> None:
    async with own_app(database_url, rate_limit_per_second=2) as own:
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


# --- routing envelopes -------------------------------------------------------------


async def test_unknown_helpdesk_path_gets_404_in_the_helpdesk_envelope(hd: Helpdesk) -> None:
    response = await hd.client.get("/helpdesk/nope")
    body = assert_hd_error(response, 404, ERRORS["not_found"][0])
    assert set(body) == {"data", "errorCode", "errorText"}


async def test_unknown_helpdesk_path_is_404_even_without_a_token(hd: Helpdesk) -> None:
    hd.client.headers.pop("Authorization")
    assert_hd_error(await hd.client.get("/helpdesk/nope"), 404, ERRORS["not_found"][0])


async def test_non_integer_ticket_id_is_an_unknown_path(hd: Helpdesk) -> None:
    assert_hd_error(await hd.client.get("/helpdesk/tickets/abc"), 404, ERRORS["not_found"][0])


async def test_wrong_method_gets_405_in_the_helpdesk_envelope(hd: Helpdesk) -> None:
    response = await hd.client.delete(PROTECTED)
    body = assert_hd_error(response, 405, ERRORS["method_not_allowed"][0])
    assert set(body) == {"data", "errorCode", "errorText"}


async def test_wrong_method_answer_lists_the_allowed_methods(hd: Helpdesk) -> None:
    # RFC 9110 15.5.6: a 405 MUST carry Allow with the resource's methods.
    response = await hd.client.delete(PROTECTED)
    assert response.status_code == 405, response.text
    assert "GET" in response.headers.get("Allow", ""), response.headers


async def test_wrong_method_on_a_path_with_two_methods_lists_both(hd: Helpdesk) -> None:
    response = await hd.client.delete("/helpdesk/tickets/1/replies")
    assert response.status_code == 405, response.text
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed


async def test_series_path_keeps_the_series_envelope(hd: Helpdesk) -> None:
    assert_error(await hd.client.get("/nope"), 404, "Not found")


async def test_path_merely_starting_with_the_prefix_gets_the_series_envelope(
    hd: Helpdesk,
) -> None:
    assert_error(await hd.client.get("/helpdesk-old/tickets"), 404, "Not found")


# --- workspace isolation -----------------------------------------------------------


async def other_workspace_token(hd: Helpdesk) -> tuple[Workspace, str]:
    other = await new_workspace(hd.ws.services, hd.client)
    return other, await second_client(hd, other.id)


async def test_token_of_another_workspace_cannot_read_a_ticket(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    assert (await hd.get(ticket_id))["id"] == ticket_id
    _, foreign = await other_workspace_token(hd)
    ok(await get_with_token(hd, foreign))  # the token itself is good
    response = await hd.client.get(
        f"/helpdesk/tickets/{ticket_id}", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert_hd_error(response, 404, ERRORS["ticket_not_found"][0])


async def test_token_of_another_workspace_cannot_read_a_tickets_replies(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    _, foreign = await other_workspace_token(hd)
    response = await hd.client.get(
        f"/helpdesk/tickets/{ticket_id}/replies", headers={"Authorization": f"Bearer {foreign}"}
    )
    assert_hd_error(response, 404, ERRORS["ticket_not_found"][0])


async def test_token_of_another_workspace_does_not_list_its_tickets(hd: Helpdesk) -> None:
    ticket_id = await hd.create()
    body = {"ticketIds": [ticket_id]}
    own = ok(await hd.client.post("/helpdesk/tickets/list", json=body))
    assert [t["id"] for t in own] == [ticket_id]
    _, foreign = await other_workspace_token(hd)
    response = await hd.client.post(
        "/helpdesk/tickets/list", json=body, headers={"Authorization": f"Bearer {foreign}"}
    )
    assert ok(response) == []
