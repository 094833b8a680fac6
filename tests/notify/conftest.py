"""A local Discord webhook endpoint per test (tests/support/discord_receiver.py).

Only fixtures live here."""

from collections.abc import Iterator

import pytest

from tests.support.discord_receiver import DiscordReceiver, running_receiver


@pytest.fixture
def discord_receiver() -> Iterator[DiscordReceiver]:
    """Strict like Discord, 5 requests per 2 seconds per webhook, mode "ok"."""
    with running_receiver() as receiver:
        yield receiver
