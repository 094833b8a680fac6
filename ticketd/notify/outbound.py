"""Where ticketd may send HTTP requests. Webhook and Discord URLs come from workspace
admins, so one could point ticketd at itself, the private network or a cloud metadata
service (server-side request forgery). Only public addresses are reached, plus what the
operator lists in TICKETD_OUTBOUND_ALLOW_HOSTS.

A URL is checked when it is configured (`url_problem`) and again when a request is sent
(`send`): then its host name is resolved, every address it resolves to is checked, and
the request goes to a checked address itself, so the name cannot be re-pointed at
another address between the check and the connection (DNS rebinding)."""

import asyncio
import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

import httpx
import idna

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

SETTING = "TICKETD_OUTBOUND_ALLOW_HOSTS"
MAX_URL_LENGTH = 2048
BLOCKED_NAMES = frozenset({"localhost", "metadata.google.internal"})
SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
UNLESS_LISTED = f"ticketd sends nothing there unless {SETTING} lists it"


class Refused(Exception):
    """A request to a destination ticketd may not reach; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class AllowList:
    """Hosts the operator lets ticketd reach although they are not public: host names
    (matched exactly, in their ASCII form), addresses and CIDR ranges."""

    names: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, setting: str) -> "AllowList":
        """From the setting's comma-separated entries; ValueError names a bad one."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in filter(None, (part.strip() for part in setting.split(","))):
            network = _network(entry)
            if network is None:
                names.add(_allowed_name(entry))
            else:
                networks.append(network)
        return cls(frozenset(names), tuple(networks))

    def allows_name(self, host: str) -> bool:
        return _normal(host) in self.names

    def allows_address(self, address: IPAddress) -> bool:
        forms = (address, _embedded(address))
        return any(form in network for form in forms for network in self.networks)


def _network(entry: str) -> IPNetwork | None:
    """The entry as an address or CIDR range; None when it is a host name."""
    try:
        return ipaddress.ip_network(entry)
    except ValueError as error:
        if "/" in entry or ":" in entry or entry.rsplit(".", 1)[-1].isdigit():
            raise ValueError(
                f"{SETTING}: {entry!r} is not a valid IP address or CIDR range ({error})"
            ) from None
        return None


def _allowed_name(entry: str) -> str:
    try:
        return idna.encode(entry.rstrip("."), uts46=True).decode("ascii")
    except idna.IDNAError as error:
        raise ValueError(
            f"{SETTING}: {entry!r} is not a host name, IP address or CIDR range ({error})"
        ) from None


def _normal(host: str) -> str:
    return host.lower().rstrip(".")


def _literal(host: str) -> IPAddress | None:
    """The address a URL's host spells out, including the old IPv4 forms that resolvers
    still accept (`127.1`, `2130706433`, `0x7f.0.0.1`); None for a host name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, UnicodeError):
        return None


def _embedded(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv4-mapped, 6to4 or NAT64 address reaches; else itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.ipv4_mapped or address.sixtofour or address


def blocked_as(address: IPAddress) -> str | None:
    """What kind of non-public address this is ("a loopback address"); None if public."""
    a = _embedded(address)
    for kind, hit in (
        ("a loopback", a.is_loopback),
        ("a link-local", a.is_link_local),  # 169.254.169.254 is the metadata service
        ("an unspecified", a.is_unspecified),
        ("a multicast", a.is_multicast),
        ("a shared (carrier-grade NAT)", a in SHARED),
        ("a reserved", a.is_reserved),
        ("a private", a.is_private),
        ("a non-public", not a.is_global),
    ):
        if hit:
            return f"{kind} address"
    return None


def _address_problem(address: IPAddress, allow: AllowList) -> str | None:
    kind = None if allow.allows_address(address) else blocked_as(address)
    return None if kind is None else f"{address} is {kind}; {UNLESS_LISTED}"


def _host_problem(host: str, allow: AllowList) -> str | None:
    if allow.allows_name(host):
        return None
    address = _literal(host)
    if address is not None:
        return _address_problem(address, allow)
    name = _normal(host)
    if name in BLOCKED_NAMES or name.endswith(".localhost"):
        return f"{host} names this machine or its cloud metadata service; {UNLESS_LISTED}"
    return None


def url_problem(url: str, allow: AllowList) -> str | None:
    """Why ticketd may not send requests to `url`, or None. Host names are not resolved
    here: `send` checks what they resolve to each time."""
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is longer than {MAX_URL_LENGTH} characters"
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        return f"not a valid URL ({error})"
    if parsed.scheme not in ("http", "https"):
        return "only http:// and https:// URLs can be used"
    if not parsed.raw_host:
        return "the URL has no host"
    if parsed.userinfo:
        return "the URL may not contain a user name or password"
    return _host_problem(parsed.raw_host.decode("ascii"), allow)


async def resolve(host: str) -> list[IPAddress]:
    """The addresses `host` resolves to, in the order to try them."""
    loop = asyncio.get_running_loop()
    try:
        found = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise httpx.ConnectError(f"cannot resolve {host}: {error.strerror}") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in found))


async def _checked_addresses(host: str, allow: AllowList) -> list[IPAddress]:
    """Where to connect for `host`: its addresses, each of them allowed, or Refused."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    addresses = await resolve(host)
    if allow.allows_name(host):
        return addresses
    for address in addresses:
        kind = None if allow.allows_address(address) else blocked_as(address)
        if kind is not None:
            raise Refused(f"{host} resolves to {address}, {kind}; {UNLESS_LISTED}")
    return addresses


async def send(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    allow: AllowList,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    timeout: float,  # noqa: ASYNC109 - per phase for httpx, and for the whole exchange
) -> httpx.Response:
    """One request to `url`, to an address checked just now; Refused if not allowed.
    Redirects are returned, never followed: their target was never checked. `timeout`
    also bounds the whole exchange, so a receiver cannot hold a sender by trickling."""
    problem = url_problem(url, allow)
    if problem is not None:
        raise Refused(problem)
    # httpx would replace the URL's own query with `params`: merge them instead.
    target = httpx.URL(url).copy_merge_params(params or {})
    host = target.raw_host.decode("ascii")

    def to(address: IPAddress) -> httpx.Request:
        return client.build_request(
            method,
            target.copy_with(host=str(address)),
            content=content,
            headers={**(headers or {}), **_pinned_headers(target)},
            timeout=timeout,
            extensions=_tls_name(target),
        )

    try:
        async with asyncio.timeout(timeout):
            addresses = await _checked_addresses(host, allow)
            return await _first_answer(client, [to(address) for address in addresses])
    except TimeoutError:
        raise httpx.TimeoutException(f"{host} did not answer within {timeout:g} s") from None


def _named_https(target: httpx.URL) -> bool:
    return target.scheme == "https" and _literal(target.raw_host.decode("ascii")) is None


def _pinned_headers(target: httpx.URL) -> dict[str, str]:
    """The URL's own Host header, whichever address the request goes to."""
    if not _named_https(target):
        return {"Host": target.netloc.decode("ascii")}
    # Connections are pooled by address: without this, a connection whose certificate
    # was checked for one name could carry the next request for another name there.
    return {"Host": target.netloc.decode("ascii"), "Connection": "close"}


def _tls_name(target: httpx.URL) -> dict[str, Any]:
    """The name to send in TLS (SNI) and to check the certificate against: the URL's
    host, not the address connected to (httpcore reads `sni_hostname`)."""
    return {"sni_hostname": target.raw_host.decode("ascii")} if _named_https(target) else {}


async def _first_answer(client: httpx.AsyncClient, requests: list[httpx.Request]) -> httpx.Response:
    """The answer through the first address that accepts a connection."""
    *earlier, last = requests
    for request in earlier:
        with contextlib.suppress(httpx.ConnectError):
            return await client.send(request, follow_redirects=False)
    return await client.send(last, follow_redirects=False)
