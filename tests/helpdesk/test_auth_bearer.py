"""Helpdesk bearer checks: which access tokens open protected endpoints and which are
refused, on both engines."""

import base64
import json
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
from tests.support.workspaces import new_workspace
from ticketd.helpdesk import auth
from ticketd.helpdesk.envelope import ERRORS
from ticketd.kit.cache import ExpiringCache

pytestmark = pytest.mark.anyio

OTHER_KEY = "an-entirely-different-signing-key-of-48-characters!"


# --- helpers -----------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


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


async def test_a_client_entry_expiring_between_two_cache_lookups_is_no_500(
    hd: Helpdesk,
) -> None:
    """Alive when looked for, expired when read: the cache is consulted once."""
    ok(await hd.client.get("/helpdesk/categories"))  # caches the client
    ticks = iter([0.0, 0.5] + [5.0] * 100)  # entries live 2 s from 0.0
    authority = hd.ws.services.tokens
    [(client_id, (client, _))] = authority.clients._entries.items()
    authority.clients = ExpiringCache(2, timer=lambda: next(ticks))
    authority.clients[client_id] = client
    ok(await hd.client.get("/helpdesk/categories"))
