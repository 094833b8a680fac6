"""Time as integer milliseconds since the epoch, rendered the way the seeds show it."""

import datetime
import time
from functools import lru_cache


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int | None) -> str | None:
    """`2025-01-15T10:30:00.000Z`: millisecond precision, UTC, `Z` suffix. The date is
    looked up per day and the time of day computed: a list page renders dozens of times
    from as many seconds, and gmtime with strftime for each cost several microseconds."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    day, second = divmod(seconds, 86_400)
    hours, second = divmod(second, 3600)
    minutes, second = divmod(second, 60)
    return f"{_date(day)}T{hours:02d}:{minutes:02d}:{second:02d}.{millis:03d}Z"


@lru_cache(maxsize=4096)
def _date(day: int) -> str:
    """`2025-01-15` for the day-th day since 1970-01-01 (negative: before)."""
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86_400))


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
