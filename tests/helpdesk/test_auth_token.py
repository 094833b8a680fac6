"""The helpdesk token endpoint: exchanging a refresh token for an access token, and
the OAuth 2 errors of a bad request or grant, on both engines."""

import time

import httpx
import jwt
import pytest

from tests.support.helpdesk import Helpdesk, assert_hd_error, ok
from tests.support.helpdesk_auth import get_with_token, real_key
from ticketd.app import create_app
from ticketd.helpdesk import auth
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit.ratelimit import KeyRateLimiter

pytestmark = pytest.mark.anyio

INVALID_GRANT = ERRORS["invalid_grant"][0]  # 202
VALIDATION = ERRORS["validation_error"][0]  # 100


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


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1_000 + "]" * 1_000,  # past orjson's nesting limit
        '{"grant_type": ' + "[" * 200 + "]" * 200 + "}",  # nested, within it
        '{"grant_type": {"a": "b"}, "refresh_token": "x", "client_id": "y"}',
    ],
)
async def test_json_bodies_that_are_not_flat_fields_are_refused(hd: Helpdesk, body: str) -> None:
    """Without credentials, a deeply nested body once answered 500 (a RecursionError
    turning it into form fields)."""
    response = await hd.client.post(
        "/helpdesk/token", content=body, headers={"content-type": "application/json"}
    )
    assert_token_error(response, 400, VALIDATION, "invalid_request")


async def test_failed_exchanges_from_one_address_are_refused_for_a_while(hd: Helpdesk) -> None:
    for _ in range(auth.FAILURES_PER_ADDRESS):
        assert_token_error(await post_token(hd, refresh_token="wrong"), 400, INVALID_GRANT,
                           "invalid_grant")  # fmt: skip
    refused = await post_token(hd)  # even the right refresh token, from this address
    body = assert_hd_error(refused, 429, ERRORS["rate_limited"][0])
    assert body["errorText"] == auth.TOO_MANY_FAILURES
    assert refused.headers["retry-after"] == str(auth.FAILURE_WINDOW_MS // 1000)
    elsewhere = httpx.ASGITransport(app=create_app(services=hd.ws.services), client=("10.9.9.9", 1))
    async with httpx.AsyncClient(transport=elsewhere, base_url="http://ticketd.test") as other:
        assert (await other.post("/helpdesk/token", data=form(hd))).status_code == 200


async def test_an_exchange_counts_against_its_clients_request_limit(
    hd: Helpdesk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(hd.ws.services, "limiter", KeyRateLimiter(2))
    assert (await post_token(hd)).status_code == 200
    assert (await post_token(hd)).status_code == 200
    assert_hd_error(await post_token(hd), 429, ERRORS["rate_limited"][0])
