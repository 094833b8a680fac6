"""A Socialboards endpoint is verified before use: it must echo the challenge it is
sent with the verify token, as its own answer and nothing else."""

import httpx
import pytest

from tests.support.receiver import VERIFY_TOKEN, Receiver
from tests.support.servers import free_port
from ticketd.notify.handshake import verify
from ticketd.notify.outbound import AllowList

pytestmark = pytest.mark.anyio

LOCAL = AllowList.parse("127.0.0.1")


async def test_an_endpoint_that_echoes_the_challenge_passes(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    assert await verify(http, receiver.url + "/hook", VERIFY_TOKEN, allow=LOCAL, timeout=5) is None
    [request] = receiver.requests
    assert request.method == "GET"
    assert request.path.startswith("/hook?challenge=")
    assert f"verifyToken={VERIFY_TOKEN}" in request.path


async def test_the_endpoints_own_query_is_kept(http: httpx.AsyncClient, receiver: Receiver) -> None:
    url = receiver.url + "/hook?tenant=7"
    assert await verify(http, url, VERIFY_TOKEN, allow=LOCAL, timeout=5) is None
    assert receiver.requests[0].path.startswith("/hook?tenant=7&challenge=")


async def test_an_endpoint_refusing_the_token_fails(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    problem = await verify(http, receiver.url, "another-token", allow=LOCAL, timeout=5)
    assert problem == "the endpoint answered HTTP 403 instead of the challenge"


async def test_an_endpoint_that_does_not_echo_the_challenge_fails(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    receiver.verify_token = None  # answers every GET with `ok`
    problem = await verify(http, receiver.url, VERIFY_TOKEN, allow=LOCAL, timeout=5)
    assert problem == "the endpoint answered 'ok' instead of the challenge"


async def test_a_redirect_fails_the_handshake(http: httpx.AsyncClient, receiver: Receiver) -> None:
    problem = await verify(http, receiver.url + "/redirect", VERIFY_TOKEN, allow=LOCAL, timeout=5)
    assert problem == "the endpoint answered HTTP 302; redirects are not followed"
    assert len(receiver.requests) == 1


async def test_a_blocked_endpoint_is_not_contacted(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    problem = await verify(http, receiver.url, VERIFY_TOKEN, allow=AllowList(), timeout=5)
    assert problem is not None and "127.0.0.1 is a loopback address" in problem
    assert receiver.requests == []


async def test_an_unreachable_endpoint_fails(http: httpx.AsyncClient) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook"
    problem = await verify(http, url, VERIFY_TOKEN, allow=LOCAL, timeout=5)
    assert problem is not None and problem.startswith("the endpoint could not be reached: ")
