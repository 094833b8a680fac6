"""Time as integer milliseconds since the epoch, rendered the way the seeds show it."""

import datetime
import time


def now_ms() -> int:
    return time.time_ns() // 1_000_000


_last_second = -1
_last_prefix = ""


def iso(ms: int | None) -> str | None:
    """`2025-01-15T10:30:00.000Z`: millisecond precision, UTC, `Z` suffix. The
    seconds part is remembered, since consecutive calls mostly share it."""
    global _last_second, _last_prefix
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    if seconds != _last_second:
        t = time.gmtime(seconds)
        _last_prefix = time.strftime("%Y-%m-%dT%H:%M:%S", t)
        _last_second = seconds
    return f"{_last_prefix}.{millis:03d}Z"


def iso_offset(ms: int | None) -> str | None:
    """ISO 8601 with an explicit offset:
    `2023-12-06T17:42:07.788+00:00`."""
    text = iso(ms)
    return None if text is None else text[:-1] + "+00:00"


def from_datetime(value: datetime.datetime) -> int:
    """Milliseconds since the epoch; a time without an offset is taken as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return int(value.timestamp() * 1000)
