"""The Socialboards verification handshake: before an endpoint is used, it is sent
`GET <url>?challenge=<n>&verifyToken=<token>` and must answer with the challenge alone,
which shows that whoever runs it configured that verify token."""

import secrets

import httpx

from ticketd.notify import outbound


async def verify(
    client: httpx.AsyncClient,
    url: str,
    verify_token: str,
    *,
    allow: outbound.AllowList,
    timeout: float,  # noqa: ASYNC109 - handed to outbound.send
) -> str | None:
    """Why the endpoint at `url` failed the handshake, or None when it passed."""
    challenge = str(secrets.randbelow(1 << 31))
    query = {"challenge": challenge, "verifyToken": verify_token}
    try:
        response = await outbound.send(
            client, "GET", url, allow=allow, params=query, timeout=timeout
        )
    except outbound.Refused as refused:
        return refused.reason
    except httpx.HTTPError as error:
        return f"the endpoint could not be reached: {str(error) or type(error).__name__}"
    return _answer_problem(response, challenge)


def _answer_problem(response: httpx.Response, challenge: str) -> str | None:
    if response.is_redirect:
        return f"the endpoint answered HTTP {response.status_code}; redirects are not followed"
    if response.status_code != 200:
        return f"the endpoint answered HTTP {response.status_code} instead of the challenge"
    answer = response.text.strip()
    if answer != challenge:
        return f"the endpoint answered {answer[:100]!r} instead of the challenge"
    return None
