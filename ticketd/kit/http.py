"""HTTP plumbing both APIs share: size-capped body reading, JSON in and out, query
integers and the headers an error carries."""

import json
from collections.abc import Mapping
from typing import Any

import orjson
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from ticketd.kit.errors import TicketdError, ValidationFailed
from ticketd.kit.validation import bounded_int

MAX_BODY_BYTES = 1_048_576


class BodyTooLarge(TicketdError):
    code = "body_too_large"
    message = f"Request body is larger than {MAX_BODY_BYTES} bytes"


async def read_body(request: Request) -> bytes:
    """The raw body, refused past MAX_BODY_BYTES; read once, then kept on the request."""
    cached = getattr(request.state, "raw_body", None)
    if cached is not None:
        return cached
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise BodyTooLarge()
    chunks, size = [], 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                raise BodyTooLarge()
            chunks.append(chunk)
    except ClientDisconnect:  # nobody will read the answer; a 400, not a logged error
        raise ValidationFailed("Validation error: the request body ended early") from None
    request.state.raw_body = b"".join(chunks)
    return request.state.raw_body


class NotJson(TicketdError):
    code = "unsupported_media_type"
    message = "Content-Type must be application/json"


async def read_json(request: Request) -> Any:
    """The body as JSON. A body declared as something else (text/plain, a form) is
    refused rather than guessed at; a body without a Content-Type is read as JSON."""
    declared = request.headers.get("content-type")
    if declared is not None and not declared.split(";")[0].strip().lower().endswith("json"):
        raise NotJson()
    raw = await read_body(request)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed("Validation error: Request body must be valid JSON") from None
    if _repeats_a_key(raw):
        raise ValidationFailed("Validation error: Request body repeats a key")
    return data


def _repeats_a_key(raw: bytes) -> bool:
    """orjson keeps the last of a repeated key, where another parser in front of ticketd
    may have checked the first; the standard parser reports each object's pairs."""
    if raw.count(b":") < 2:
        return False
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> None:
        nonlocal repeated
        repeated = repeated or len({k for k, _ in items}) != len(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except RecursionError:  # nested deeper than this parser goes, though within orjson's
        raise ValidationFailed("Validation error: Request body is nested too deeply") from None
    return repeated


async def optional_json(request: Request) -> Any:
    """A JSON body where sending none means `{}`."""
    raw = await read_body(request)
    return await read_json(request) if raw.strip() else {}


def query_int(request: Request, name: str, low: int, high: int, wording: str) -> int | None:
    """Query parameter `name` as an integer in [low, high]; None when absent or empty.
    Otherwise ValidationFailed with `wording`, formatted with name, low and high: each
    API words it its own way."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    value = bounded_int(raw, low, high)
    if value is None:
        raise ValidationFailed(wording.format(name=name, low=low, high=high))
    return value


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def error_headers(error: TicketdError) -> dict[str, str] | None:
    """Retry-After for an error that says when to try again (a rate limit)."""
    retry_after = getattr(error, "retry_after", None)
    return {"Retry-After": str(retry_after)} if retry_after else None
