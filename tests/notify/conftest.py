"""A real SMTP server per test. Only fixtures live here; the server and the notices
are in tests/support/smtp_server.py and tests/support/mail_notices.py."""

from collections.abc import Iterator

import pytest

from tests.support.smtp_server import SmtpServer, running_smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A local SMTP server collecting what it is sent; `smtp.settings()` points at it."""
    with running_smtp_server() as server:
        yield server
