"""A Standard Webhooks receiver on 127.0.0.1, an HTTP client, and TLS certificates.

Only fixtures live here; the receiver and certificate helpers are in
tests/support/receiver.py, the Notice builder in tests/support/notice_builder.py."""

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.receiver import Receiver, running
from ticketd.kit.ids import webhook_secret

VERIFY_TOKEN = "verify-me-123"


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
    """A folder for self-signed certificates; skips the test where openssl is missing."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    return tmp_path
