"""Only fixtures live here."""

import pytest

from ticketd.app import Services


@pytest.fixture(autouse=True)
async def no_failed_sign_ins(services: Services) -> None:
    """Tests share the database and the demo staff member's login: one test's failed
    sign-ins must not lock the next one out."""
    async with services.db.transaction() as conn:
        await conn.execute("DELETE FROM sign_in_failures")
