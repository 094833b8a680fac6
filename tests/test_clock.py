"""Times as the seeds show them, computed per day and second (ticketd/kit/clock.py)."""

import datetime
import random

from ticketd.kit.clock import iso, iso_offset

EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


def by_datetime(ms: int) -> str:
    return (EPOCH + datetime.timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def test_iso_is_the_utc_time_to_the_millisecond_at_every_edge() -> None:
    edges = [0, 1, 999, 1000, 59_999, 86_399_999, 86_400_000, -1, -86_400_001,
             951_782_400_000, 1_733_456_789_123, 253_402_300_799_999]  # fmt: skip
    rng = random.Random(11)
    for ms in edges + [rng.randrange(-(10**12), 10**13) for _ in range(20_000)]:
        assert iso(ms) == by_datetime(ms), ms
    assert iso(None) is None
    assert iso(1_733_456_789_123) == "2024-12-06T03:46:29.123Z"
    assert iso_offset(1_733_456_789_123) == "2024-12-06T03:46:29.123+00:00"
