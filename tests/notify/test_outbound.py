"""ticketd sends requests only to public addresses and what the operator allows: URLs
are checked when configured, and names again when sent, against what they resolve to
then; requests go to the checked address, with the URL's own Host and TLS name."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.support.receiver import (
    Receiver,
    client_context,
    running,
    self_signed,
    server_context,
)
from ticketd.kit.ids import webhook_secret
from ticketd.notify import outbound
from ticketd.notify.outbound import AllowList, Refused, url_problem

NOBODY = AllowList.parse("")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.example.com/ticketd", None),
        ("http://hooks.example.com:8080/x?y=1", None),
        ("https://8.8.8.8/hook", None),
        ("https://[2001:4860:4860::8888]/hook", None),
        ("https://[::ffff:8.8.8.8]/hook", None),
        ("ftp://hooks.example.com/", "only http:// and https://"),
        ("file:///etc/passwd", "only http:// and https://"),
        ("hooks.example.com/path", "only http:// and https://"),
        ("http:///path", "no host"),
        ("https://user:pass@hooks.example.com/", "user name or password"),
        ("https://hooks.example.com/" + "a" * 2048, "longer than 2048"),
        ("http://127.0.0.1:8000/", "127.0.0.1 is a loopback address"),
        ("http://127.1/", "127.0.0.1 is a loopback address"),
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://[::1]/", "::1 is a loopback address"),
        ("http://[::ffff:127.0.0.1]/", "is a loopback address"),
        ("http://[2002:7f00:1::]/", "is a loopback address"),  # 6to4
        ("http://[64:ff9b::a00:1]/", "is a private address"),  # NAT64 of 10.0.0.1
        ("http://10.1.2.3/", "10.1.2.3 is a private address"),
        ("http://172.16.0.1/", "is a private address"),
        ("http://192.168.1.1/", "192.168.1.1 is a private address"),
        ("http://[fd00::1]/", "is a private address"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://[fe80::1]/", "is a link-local address"),
        ("http://0.0.0.0/", "is an unspecified address"),
        ("http://224.0.0.1/", "is a multicast address"),
        ("http://100.64.0.1/", "shared (carrier-grade NAT)"),
        ("http://240.0.0.1/", "is a reserved address"),
        ("http://localhost:8000/", "localhost names this machine"),
        ("http://LOCALHOST./", "names this machine"),
        ("http://api.localhost/", "names this machine"),
        ("http://metadata.google.internal/computeMetadata/v1/", "cloud metadata"),
    ],
)
def test_url_problem(url: str, problem: str | None) -> None:
    found = url_problem(url, NOBODY)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("allow", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:9000/hook"),
        ("10.0.0.0/8", "http://10.20.30.40/hook"),
        ("fd00::/8", "http://[fd00::5]/hook"),
        ("127.0.0.1", "http://[::ffff:127.0.0.1]/hook"),
        ("localhost", "http://localhost:9000/hook"),
        ("LocalHost", "http://localhost./hook"),
    ],
)
def test_the_allow_list_lets_listed_hosts_through(allow: str, url: str) -> None:
    assert url_problem(url, NOBODY) is not None
    assert url_problem(url, AllowList.parse(allow)) is None


def test_the_allow_list_takes_names_addresses_and_ranges_with_spaces() -> None:
    allow = AllowList.parse(" receiver.internal , 10.0.0.5,192.168.0.0/16 ,, fd00::/8, Bücher.de ")
    assert allow.names == frozenset({"receiver.internal", "xn--bcher-kva.de"})
    assert [str(n) for n in allow.networks] == ["10.0.0.5/32", "192.168.0.0/16", "fd00::/8"]
    assert AllowList.parse("  ") == AllowList()


@pytest.mark.parametrize(
    "entry", ["10.0.0.1/8", "300.1.2.3", "10.0.0.0/33", "fd00::zz", "not a host!", "a..b", "*.x"]
)
def test_the_allow_list_refuses_what_is_not_a_host(entry: str) -> None:
    with pytest.raises(ValueError, match="TICKETD_OUTBOUND_ALLOW_HOSTS") as raised:
        AllowList.parse(f"ok.example, {entry}")
    assert repr(entry) in str(raised.value)


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> None:
    async def resolve(host: str) -> list[outbound.IPAddress]:
        return [outbound.ipaddress.ip_address(a) for a in answers[host]]

    monkeypatch.setattr(outbound, "resolve", resolve)


async def send(http: httpx.AsyncClient, url: str, allow: str) -> httpx.Response:
    return await outbound.send(http, "GET", url, allow=AllowList.parse(allow), timeout=5)


@pytest.mark.anyio
async def test_send_reaches_a_local_server_only_when_it_is_allowed(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    with pytest.raises(Refused, match="127.0.0.1 is a loopback address"):
        await send(http, receiver.url + "/hook", "")
    assert receiver.requests == []
    response = await send(http, receiver.url + "/hook", "127.0.0.1")
    assert response.status_code == 200
    assert [r.path for r in receiver.requests] == ["/hook"]


@pytest.mark.anyio
async def test_localhost_is_refused_at_send_time_unless_allowed(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    url = receiver.url.replace("127.0.0.1", "localhost")
    with pytest.raises(Refused, match="localhost names this machine"):
        await send(http, url, "127.0.0.1")
    assert receiver.requests == []
    assert (await send(http, url, "localhost")).status_code == 200
    assert receiver.requests[0].headers["host"] == url.removeprefix("http://")


@pytest.mark.anyio
async def test_a_name_resolving_to_a_blocked_address_is_refused_when_sent(
    http: httpx.AsyncClient, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name passed the configuration check, then was re-pointed."""
    fake_dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "127.0.0.1"]})
    url = receiver.url.replace("127.0.0.1", "hooks.example.com")
    assert url_problem(url, NOBODY) is None
    with pytest.raises(Refused, match="hooks.example.com resolves to 127.0.0.1, a loopback"):
        await send(http, url, "")
    assert receiver.requests == []


@pytest.mark.anyio
async def test_the_request_goes_to_the_checked_address_with_the_urls_host_header(
    http: httpx.AsyncClient, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    url = receiver.url.replace("127.0.0.1", "hooks.example.com") + "/in?x=1"
    assert (await send(http, url, "127.0.0.1")).status_code == 200
    [received] = receiver.requests
    assert received.headers["host"] == url.split("/")[2]
    assert received.path == "/in?x=1"


@pytest.mark.anyio
async def test_an_address_that_refuses_the_connection_gives_way_to_the_next(
    http: httpx.AsyncClient, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"hooks.example.com": ["127.0.0.2", "127.0.0.1"]})  # not listening
    url = receiver.url.replace("127.0.0.1", "hooks.example.com")
    assert (await send(http, url, "127.0.0.0/8")).status_code == 200
    assert len(receiver.requests) == 1


@pytest.mark.anyio
async def test_redirects_are_returned_not_followed(
    http: httpx.AsyncClient, receiver: Receiver
) -> None:
    response = await send(http, receiver.url + "/redirect", "127.0.0.1")
    assert response.status_code == 302
    assert response.headers["location"].startswith("http://169.254.169.254/")
    assert len(receiver.requests) == 1


@pytest.mark.anyio
async def test_the_timeout_bounds_the_whole_exchange_including_the_lookup(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def slow(host: str) -> list[outbound.IPAddress]:
        await asyncio.sleep(10)
        return []

    monkeypatch.setattr(outbound, "resolve", slow)
    with pytest.raises(httpx.TimeoutException, match="did not answer within 0.2 s"):
        await outbound.send(http, "GET", "https://slow.example.com/", allow=NOBODY, timeout=0.2)


@pytest.mark.anyio
async def test_https_to_an_address_checks_the_certificate_against_the_urls_name(
    certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"hooks.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    certificate = self_signed(certificates, "hooks.test")
    with running(Receiver(webhook_secret()), server_context(certificate)) as receiver:
        url = receiver.url.replace("127.0.0.1", "hooks.test")
        async with httpx.AsyncClient(verify=client_context(certificate)) as http:
            assert (await send(http, url, "127.0.0.1")).status_code == 200
            with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                await send(http, url.replace("hooks.test", "other.test"), "127.0.0.1")
    assert receiver.server_names == ["hooks.test", "other.test"]
    assert receiver.requests[0].headers["host"] == url.removeprefix("https://")


@pytest.mark.anyio
async def test_https_connections_are_not_shared_between_names_on_one_address(
    certificates: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_dns(monkeypatch, {"a.test": ["127.0.0.1"], "b.test": ["127.0.0.1"]})
    certificate = self_signed(certificates, "a.test", "b.test")
    with running(Receiver(webhook_secret()), server_context(certificate)) as receiver:
        async with httpx.AsyncClient(verify=client_context(certificate)) as http:
            for name in ("a.test", "b.test", "a.test"):
                await send(http, receiver.url.replace("127.0.0.1", name), "127.0.0.1")
    assert receiver.server_names == ["a.test", "b.test", "a.test"]
    assert [r.headers["host"].split(":")[0] for r in receiver.requests] == [
        "a.test",
        "b.test",
        "a.test",
    ]
