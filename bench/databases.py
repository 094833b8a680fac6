"""Databases for the runs: one template per side and engine, set up only through the
`ticketd` CLI of that side, and a fresh copy of it for every round."""

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncpg  # type: ignore[import-untyped]

STAFF_ID = 987654321
# `support` has no open-ticket limit, so the README body's fixed author can open any
# number of tickets; it routes to `support-dept`.
WORKSPACE_CONFIG: dict[str, Any] = {
    "Enabled": True,
    "PublicUrl": False,
    "Categories": {
        "support": {
            "Name": "Support",
            "WorkspaceMembershipRequired": False,
            "MinAccessRank": 0,
            "MaxOpenTickets": None,
        },
    },
    "Departments": {
        "support-dept": {
            "Name": "Support",
            "Members": [STAFF_ID],
            "Categories": ["support"],
            "RankRange": {"FromRank": 100, "ToRank": 255},
        },
    },
    "Members": [
        {
            "UserId": STAFF_ID,
            "Username": "staff123",
            "DisplayName": "Staff Member",
            "AvatarUrl": None,
            "Rank": 255,
        }
    ],
}


class SetupError(Exception):
    pass


@dataclass(frozen=True)
class Credentials:
    workspace_id: str
    series_key: str
    client_id: str
    refresh_token: str
    helpdesk_category_id: int


def side_env(src: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of every process of one side: its code first on the path, no
    TICKETD_* settings leaking in from the caller."""
    drop = ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETD_") and k not in drop}
    env["PYTHONPATH"] = str(src)
    if database_url:
        env["TICKETD_DATABASE_URL"] = database_url
    return env


def run_python(python: str, env: dict[str, str], cwd: Path, *args: str) -> str:
    done = subprocess.run(
        [python, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SetupError(f"{' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout


def check_cli_source(python: str, src: Path, cwd: Path) -> str:
    """The CLI these setup calls run is the side's own: ticketd.cli resolves under src."""
    code = "import ticketd.cli; print(ticketd.cli.__file__)"
    where = run_python(python, side_env(src), cwd, "-c", code).strip()
    if not Path(where).resolve().is_relative_to(src):
        raise SetupError(f"ticketd.cli resolves to {where}, not under {src}")
    return where


def set_up_workspace(python: str, src: Path, url: str, cwd: Path) -> Credentials:
    env = side_env(src, url)

    def cli(*args: str) -> str:
        return run_python(python, env, cwd, "-m", "ticketd.cli", *args)

    workspace = json.loads(cli("workspace", "create", "--name", "bench", "--json"))
    ws = workspace["id"]
    config = cwd / f"config-{secrets.token_hex(4)}.json"
    config.write_text(json.dumps(WORKSPACE_CONFIG))
    cli("workspace", "configure", ws, "--file", str(config))
    config.unlink()
    staff = ("--name", "Staff Member", "--email", "staff@example.com", "--role", "admin")
    cli("teammate", "add", ws, *staff, "--user-id", str(STAFF_ID), "--json")
    category = json.loads(
        cli("category", "add", ws, "--name", "Billing", "--department", "support-dept", "--json")
    )
    client = json.loads(cli("token", "create", ws, "--name", "bench", "--json"))
    return Credentials(
        ws, workspace["apiKey"], client["clientId"], client["refreshToken"], int(category["id"])
    )


class Engine(Protocol):
    name: str

    def new_template(self, label: str) -> str: ...
    def fresh_copy(self, template: str, label: str, round_no: int) -> str:
        """A copy of `template`, on disk before this returns (on_disk)."""
        ...

    def drop(self, url: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class SQLite:
    workdir: Path
    name: str = "sqlite"

    def path(self, label: str, stem: str) -> Path:
        (self.workdir / label).mkdir(parents=True, exist_ok=True)
        return self.workdir / label / f"{stem}.db"

    def new_template(self, label: str) -> str:
        return f"sqlite:///{self.path(label, 'sqlite-template')}"

    def fresh_copy(self, template: str, label: str, round_no: int) -> str:
        source = Path(template.removeprefix("sqlite:///"))
        target = self.path(label, f"sqlite-round{round_no}")
        for suffix in ("", "-wal"):
            if Path(f"{source}{suffix}").exists():
                shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
        on_disk()
        return f"sqlite:///{target}"

    def drop(self, url: str) -> None:
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        return None


def on_disk() -> None:
    """Writes the system's dirty pages out now: a copy of a million-ticket database
    leaves gigabytes of them, which the kernel would otherwise write out while the
    first scenarios on it are measured."""
    os.sync()


async def _pg_execute(admin_url: str, statement: str) -> Any:
    conn = await asyncpg.connect(admin_url, timeout=5)
    try:
        return await conn.fetchval(statement)
    finally:
        await conn.close()


def pg_version(admin_url: str) -> tuple[str | None, str]:
    """(the server's version, "") or (None, why it cannot be used)."""
    try:
        return str(asyncio.run(_pg_execute(admin_url, "SHOW server_version"))), ""
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        return None, f"PostgreSQL at {admin_url} does not answer ({error}); skipped"


@dataclass
class PostgreSQL:
    admin_url: str
    name: str = "postgresql"
    tag: str = field(default_factory=lambda: f"tdbench_{os.getpid()}_{secrets.token_hex(3)}")
    created: list[str] = field(default_factory=list)

    def url(self, database: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + database

    def create(self, database: str, template: str | None = None) -> str:
        clause = f' TEMPLATE "{template}"' if template else ""
        self.created.append(database)
        create = f'CREATE DATABASE "{database}"{clause}'
        try:
            # Copies the files instead of writing them all through the WAL (PostgreSQL
            # 15's default): 6 s instead of 22 s at a million tickets, and no 6 GB of WAL.
            asyncio.run(_pg_execute(self.admin_url, create + " STRATEGY FILE_COPY"))
        except asyncpg.PostgresSyntaxError:  # before PostgreSQL 15
            asyncio.run(_pg_execute(self.admin_url, create))
        return self.url(database)

    def new_template(self, label: str) -> str:
        return self.create(f"{self.tag}_{label}_tpl")

    def fresh_copy(self, template: str, label: str, round_no: int) -> str:
        copied = self.create(f"{self.tag}_{label}_r{round_no}", template.rsplit("/", 1)[1])
        on_disk()
        return copied

    def drop(self, url: str) -> None:
        database = url.rsplit("/", 1)[1]
        asyncio.run(
            _pg_execute(self.admin_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        )
        if database in self.created:
            self.created.remove(database)

    def close(self) -> None:
        for database in list(self.created):
            self.drop(self.url(database))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def make_engines(names: list[str], pg_url: str, workdir: Path) -> tuple[list[Engine], str]:
    """The engines to measure, and a line for the report about PostgreSQL."""
    engines: list[Engine] = [SQLite(workdir)] if "sqlite" in names else []
    if "postgresql" not in names:
        return engines, "PostgreSQL: not requested"
    version, problem = pg_version(pg_url)
    if version is None:
        log(problem)
        return engines, problem
    engines.append(PostgreSQL(pg_url))
    return engines, f"PostgreSQL {version} on this machine"
