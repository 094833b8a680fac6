"""Time as integer milliseconds since the epoch, rendered the way the seeds show it."""

import time
from datetime import UTC, datetime


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def iso(ms: int | None) -> str | None:
    """`2025-01-15T10:30:00.000Z` — millisecond precision, UTC, `Z` suffix."""
    if ms is None:
        return None
    seconds, millis = divmod(ms, 1000)
    stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{millis:03d}Z"
