"""For tests of the `ticketd` command line: workspaces made in-process as a starting
point, a `ticketd serve` to check effects over HTTP, and the shape of CLI output."""

import asyncio
import json
import sqlite3
import subprocess
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.series import ticket_body
from ticketd.db.database import open_database
from ticketd.demo import DEMO_CONFIG
from ticketd.people.actors import SYSTEM
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import service as workspaces


@dataclass
class Server:
    database_url: str
    url: str


@dataclass
class Made:
    id: str
    keys: list[tuple[str, str]] = field(default_factory=list)  # (api key, prefix)

    @property
    def key(self) -> str:
        return self.keys[0][0]


def make_workspace(
    database_url: str,
    *,
    plan: str = "premium",
    config: dict[str, Any] | None = DEMO_CONFIG,
    keys: int = 1,
) -> Made:
    """Setup only: a workspace made in-process through the service layer."""

    async def work() -> Made:
        db = open_database(database_url)
        await db.connect()
        try:
            made = Made(
                await workspaces.create_workspace(db, name="CLI test", plan=plan, actor=SYSTEM)
            )
            if config is not None:
                await workspaces.apply_config(
                    db,
                    None,
                    workspace_id=made.id,
                    config=ConfigFile.model_validate(config).to_settings(),
                    actor=SYSTEM,
                )
            for _ in range(keys):
                made.keys.append(
                    await workspaces.create_api_key(db, workspace_id=made.id, actor=SYSTEM)
                )
            return made
        finally:
            await db.close()

    return asyncio.run(work())


def get_config(server: Server, key: str) -> httpx.Response:
    return httpx.get(f"{server.url}/tickets/config", headers={"apikey": key}, timeout=10)


def create_ticket(url: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{url}/tickets/create", headers={"apikey": key}, json=ticket_body(), timeout=10
    )


def check_key(server: Server, key: str) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/basic/check-key/{key}", timeout=10)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def only_json_object(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    data = json.loads(lines[0])
    assert isinstance(data, dict), lines[0]
    return data


def assert_clean_failure(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit status 1, a one-line `ticketd: …` message naming the problem, no traceback."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.startswith("ticketd: "), result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def workspace_count(sqlite_file: Path) -> int:
    with closing(sqlite3.connect(sqlite_file)) as conn:
        return conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]
