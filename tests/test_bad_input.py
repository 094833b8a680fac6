"""Bad bodies at both APIs' creates, each answered in that API's envelope with a 4xx and
nothing stored: content types that are not JSON, invalid UTF-8, nesting past the
parser's limit, numbers JSON cannot hold, NaN, repeated keys."""

import json

import pytest

from tests.support.helpdesk import bearer
from tests.support.workspaces import Workspace
from ticketd.helpdesk.envelope import ERRORS

pytestmark = pytest.mark.anyio

SERIES_BODY = {"subject": "s", "category": "support", "message": "m", "authorUserId": 5,
               "authorAvatarUrl": "https://a.example/a.png"}  # fmt: skip
HELPDESK_BODY = {"title": "t", "message": "m", "creator": {"name": "n", "email": "a@b.example"}}
JSON = "application/json"


def raw(body: dict[str, object]) -> bytes:
    return json.dumps(body).encode()


BAD: dict[str, tuple[str | None, bytes | None, int]] = {
    # name: (content type, body or None for the good one, status)
    "text/plain": ("text/plain", None, 415),
    "a form": ("application/x-www-form-urlencoded", None, 415),
    "invalid UTF-8": (JSON, b'{"subject": "\xff\xfe", "message": "m"}', 400),
    "nested past the limit": (JSON, b"[" * 5_000 + b"]" * 5_000, 400),
    "a number JSON cannot hold": (JSON, b'{"authorUserId": 1' + b"0" * 400 + b"}", 400),
    "NaN": (JSON, b'{"authorUserId": NaN}', 400),
    "not an object": (JSON, b'["subject"]', 400),
}
GOOD_TYPES = [None, "application/json; charset=utf-8", "application/vnd.example+json"]


async def stored(ws: Workspace) -> int:
    async with ws.services.db.connection() as conn:
        count = await conn.fetchval("SELECT COUNT(*) FROM tickets WHERE workspace_id = $1", ws.id)
    return int(count)


def headers_for(content_type: str | None, auth_headers: dict[str, str]) -> dict[str, str]:
    return {**auth_headers, **({"content-type": content_type} if content_type else {})}


@pytest.mark.parametrize("case", list(BAD))
async def test_series_refuses_in_its_envelope(ws: Workspace, case: str) -> None:
    content_type, body, status = BAD[case]
    answer = await ws.client.post(
        "/tickets/create", content=body or raw(SERIES_BODY),
        headers=headers_for(content_type, {"apikey": ws.key}),
    )  # fmt: skip
    assert answer.status_code == status, answer.text
    assert answer.json()["success"] is False and answer.json()["error"]["code"] == status
    assert await stored(ws) == 0


@pytest.mark.parametrize("case", list(BAD))
async def test_helpdesk_refuses_in_its_envelope(ws: Workspace, case: str) -> None:
    authorization = await bearer(ws)
    content_type, body, status = BAD[case]
    answer = await ws.client.post(
        "/helpdesk/tickets", content=body or raw(HELPDESK_BODY),
        headers=headers_for(content_type, authorization),
    )  # fmt: skip
    assert answer.status_code == status, answer.text
    expected = ERRORS["unsupported_media_type" if status == 415 else "validation_error"][0]
    assert answer.json()["errorCode"] == expected
    assert await stored(ws) == 0


@pytest.mark.parametrize("content_type", GOOD_TYPES)
async def test_json_in_any_json_type_or_undeclared_is_read(
    ws: Workspace, content_type: str | None
) -> None:
    answer = await ws.client.post(
        "/tickets/create", content=raw(SERIES_BODY),
        headers=headers_for(content_type, {"apikey": ws.key}),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text


async def test_a_repeated_key_is_refused_by_both_apis(ws: Workspace) -> None:
    """orjson would keep the last `subject`; a proxy in front may have checked the first."""
    series = raw(SERIES_BODY).replace(b'"subject": "s"', b'"subject": "s", "subject": "t"')
    answer = await ws.client.post(
        "/tickets/create", content=series, headers={"apikey": ws.key, "content-type": JSON}
    )
    assert (answer.status_code, answer.json()["error"]["message"]) == (
        400, "Validation error: Request body repeats a key",
    )  # fmt: skip
    authorization = await bearer(ws)
    helpdesk = raw(HELPDESK_BODY).replace(b'"name": "n"', b'"name": "n", "name": "m"')
    answer = await ws.client.post(
        "/helpdesk/tickets", content=helpdesk,
        headers={**authorization, "content-type": JSON},
    )  # fmt: skip
    assert (answer.status_code, answer.json()["errorCode"]) == (
        400, ERRORS["validation_error"][0],
    )  # fmt: skip
    assert await stored(ws) == 0
