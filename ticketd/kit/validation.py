"""Input rules every client shares: integer bounds, NUL-free strings, strict text types."""

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

# The largest value a BIGINT column holds: ids, Roblox user ids and place ids.
MAX_BIGINT = 2**63 - 1


def integral(value: object) -> object:
    """Pydantic validator: a float with no fraction (`69.0`) is that integer. JSON does
    not tell 69 from 69.0, nor does the `integer` of the published JSON Schema, so a
    client's serializer may write either; `69.5`, `"69"` and `true` are still refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


PositiveBigInt = Annotated[int, Field(ge=1, le=MAX_BIGINT), BeforeValidator(integral)]


def no_nul(value: str) -> str:
    """Pydantic validator: PostgreSQL text cannot hold NUL, so no engine gets one."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def has_nul(data: object) -> bool:
    """Whether any string in a JSON value holds a NUL; iterative, since JSON may nest
    deeper than Python's recursion limit."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def http_url(value: str) -> str:
    """Pydantic validator: an absolute http(s) URL. Avatars, images and attachments are
    shown as links and images to staff; any other scheme (`javascript:`, `data:`) is
    refused at the door rather than trusted to every place that renders it."""
    scheme, _, rest = value.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise ValueError("must be an http(s) URL")
    if any(c.isspace() for c in value):
        raise ValueError("must be an http(s) URL without spaces")
    return value


def _required(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _optional(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, max_length=max_length)


_NO_NUL = AfterValidator(no_nul)
_BLANK_IS_NONE = AfterValidator(lambda v: None if v is None else no_nul(v) or None)

# Required strings, stripped, 1 to N characters, without NUL.
Text100 = Annotated[str, _required(100), _NO_NUL]
Text200 = Annotated[str, _required(200), _NO_NUL]
Text255 = Annotated[str, _required(255), _NO_NUL]
Text2048 = Annotated[str, _required(2048), _NO_NUL]
Text4000 = Annotated[str, _required(4000), _NO_NUL]
# http_url's rule as the published JSON Schema states it.
HTTP_URL_PATTERN = r"^[Hh][Tt][Tt][Pp][Ss]?://[^/\s]\S*$"
HttpUrl2048 = Annotated[
    str,
    _required(2048),
    _NO_NUL,
    AfterValidator(http_url),
    Field(json_schema_extra={"pattern": HTTP_URL_PATTERN}),
]
# Optional strings up to N characters: null, absent or blank read as None.
OptionalText50 = Annotated[str | None, _optional(50), _BLANK_IS_NONE]
OptionalText100 = Annotated[str | None, _optional(100), _BLANK_IS_NONE]
OptionalText200 = Annotated[str | None, _optional(200), _BLANK_IS_NONE]


def bounded_int(raw: str, low: int, high: int) -> int | None:
    """The integer `raw` spells in ASCII digits when it lies in [low, high], else None.
    `isdigit` alone would let through other scripts' digits, which int() reads."""
    if not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if low <= value <= high else None
