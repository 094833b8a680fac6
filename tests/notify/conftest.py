"""Real local receivers per test: an SMTP server, a Discord webhook endpoint and a
Standard Webhooks receiver; an HTTP client; TLS certificates. Only fixtures live here;
the servers are in tests/support/ (smtp_server, discord_receiver, receiver)."""

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.discord_receiver import DiscordReceiver, running_receiver
from tests.support.receiver import VERIFY_TOKEN, Receiver, running
from tests.support.smtp_server import SmtpServer, running_smtp_server
from ticketd.kit.ids import webhook_secret


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


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Verifies POSTs with its own fresh secret; echoes handshakes sent VERIFY_TOKEN."""
    with running(Receiver(webhook_secret(), VERIFY_TOKEN)) as started:
        yield started


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(trust_env=False) as client:
        yield client


@pytest.fixture
def certificates(tmp_path: Path) -> Path:
    """A folder for self-signed certificates; skips the test where openssl is missing,
    except in CI, where that is a failure."""
    if shutil.which("openssl") is None:
        if os.environ.get("CI"):
            pytest.fail("openssl is needed in CI to make test certificates")
        pytest.skip("openssl is needed to make test certificates")
    return tmp_path
