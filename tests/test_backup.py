"""`ticketd backup` while a server takes creates, then `ticketd restore` into a fresh
database: every ticket acknowledged before the backup began is there, on both engines."""

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.cli import make_workspace
from tests.support.databases import empty_database, engine_of
from tests.support.proof import tally
from tests.support.series import ticket_body
from tests.support.servers import run_cli, running_servers
from ticketd.db.database import open_database

pytestmark = pytest.mark.slow


@pytest.fixture
def restore_url(own_database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of the same engine with nothing in it, to restore into."""
    with empty_database(own_database_url, tmp_path, "restored") as url:
        yield url


class Creator(threading.Thread):
    """Creates tickets one after another; each acknowledged code with its time."""

    def __init__(self, url: str, key: str) -> None:
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.acknowledged: list[tuple[str, float]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.url, headers={"apikey": self.key}) as client:
            n = 0
            while not self.stopping.is_set():
                n += 1
                answer = client.post("/tickets/create", json=ticket_body(authorUserId=10_000 + n))
                if answer.status_code == 200:
                    self.acknowledged.append((answer.json()["data"]["TicketId"], time.time()))


def test_a_backup_taken_under_load_restores_every_acknowledged_ticket(
    own_database_url: str, restore_url: str, tmp_path: Path
) -> None:
    made = make_workspace(own_database_url)
    backup = tmp_path / "ticketd.backup"
    with running_servers(own_database_url, 1) as [url]:
        creator = Creator(url, made.keys[0][0])
        creator.start()
        time.sleep(1.0)
        began = time.time()
        taken = run_cli(own_database_url, "backup", str(backup))
        time.sleep(0.5)
        creator.stopping.set()
        creator.join(timeout=10)
    assert taken.returncode == 0, taken.stderr
    before = {code for code, at in creator.acknowledged if at < began}
    assert len(before) >= 20, "the load did not get going"

    restored = run_cli(restore_url, "restore", str(backup))
    assert restored.returncode == 0, restored.stderr
    served = run_cli(restore_url, "workspace", "show", made.id, "--json")  # and migrated
    assert served.returncode == 0 and json.loads(served.stdout)["id"] == made.id, served.stderr
    codes = asyncio.run(stored_codes(restore_url, made.id))
    assert before <= codes, f"{len(before - codes)} acknowledged tickets missing"
    again = run_cli(restore_url, "restore", str(backup))
    assert again.returncode == 1 and "restore into a new database" in again.stderr
    tally(f"acknowledged tickets verified after backup and restore ({engine_of(restore_url)})",
          len(before))  # fmt: skip


async def stored_codes(url: str, workspace_id: str) -> set[str]:
    db = open_database(url)
    await db.connect()
    try:
        async with db.connection() as conn:
            rows = await conn.fetch(
                "SELECT code FROM tickets WHERE workspace_id = $1", workspace_id
            )
    finally:
        await db.close()
    return {r[0] for r in rows}


def test_backup_refuses_to_overwrite(own_database_url: str, tmp_path: Path) -> None:
    existing = tmp_path / "there.db"
    existing.write_text("precious")
    answer = run_cli(own_database_url, "backup", str(existing))
    assert answer.returncode == 1 and "exists" in answer.stderr
    assert existing.read_text() == "precious"
