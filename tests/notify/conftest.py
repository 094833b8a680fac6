"""Real local receivers per test: an SMTP server and a Discord webhook endpoint. Only
fixtures live here; the servers are in tests/support/."""

from collections.abc import Iterator

import pytest

from tests.support.discord_receiver import DiscordReceiver, running_receiver
from tests.support.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A local SMTP server collecting what it is sent; `smtp.settings()` points at it."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def discord_receiver() -> Iterator[DiscordReceiver]:
    """Strict like Discord, 5 requests per 2 seconds per webhook, mode "ok"."""
    with running_receiver() as receiver:
        yield receiver
