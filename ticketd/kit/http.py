"""Request-body reading shared by the dialects: size-capped, JSON only."""

from typing import Any

import orjson
from starlette.requests import Request

from ticketd.kit.errors import TicketdError, ValidationFailed

MAX_BODY_BYTES = 1_048_576


class BodyTooLarge(TicketdError):
    code = "body_too_large"
    status = 413
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
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise BodyTooLarge()
        chunks.append(chunk)
    request.state.raw_body = b"".join(chunks)
    return request.state.raw_body


async def read_json(request: Request) -> Any:
    raw = await read_body(request)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise ValidationFailed("Validation error: Request body must be valid JSON") from None
