"""The `ticketd` command line, run as real subprocesses against real databases.

Commands under test always run through `python -m ticketd.cli`; workspaces that a test
only needs as a starting point are made in-process through the service layer, which
is far cheaper than a CLI start. Effects are checked over HTTP against a real
`ticketd serve` process (one per engine, caching off so CLI changes show at once)."""

import asyncio
import copy
import json
import queue
import re
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from alembic.script import ScriptDirectory

from tests.conftest import ENGINES, assert_error, ticket_body
from tests.servers import free_port, run_cli, running_servers, ticketd_env
from ticketd.db.database import open_database
from ticketd.db.migrate import alembic_config
from ticketd.demo import DEMO_CONFIG
from ticketd.series.config_file import ConfigFile
from ticketd.workspaces import service as workspaces

PREMIUM_REQUIRED = "Tickets module requires a Premium or Enterprise subscription"
MODULE_DISABLED = "Tickets module is not enabled for this workspace"

# A configuration that shares nothing with DEMO_CONFIG, so applying it is visible.
NEW_CONFIG: dict[str, Any] = {
    "Enabled": True,
    "PublicUrl": True,
    "Categories": {
        "billing": {
            "Name": "Billing",
            "WorkspaceMembershipRequired": True,
            "MinAccessRank": 10,
            "MaxOpenTickets": 2,
        },
        "appeals": {"Name": "Appeals"},
    },
    "Departments": {
        "billing-dept": {
            "Name": "Billing team",
            "Members": [555, 111],
            "Categories": ["billing", "appeals"],
            "RankRange": {"FromRank": 50, "ToRank": 60},
        },
        "appeals-dept": {"Name": "Appeals team", "Categories": ["appeals"]},
    },
    "DiscordNotificationWebhookEnabled": True,
    "DiscordNotificationWebhookPing": "123456789012345678",
    "DiscordNotificationWebhookUrl": "https://discord.example/api/webhooks/1/abc",
    "Members": [{"UserId": 555, "Username": "lead", "Rank": 60}],
}

# What GET /tickets/config shows once NEW_CONFIG is applied.
NEW_CONFIG_VIEW: dict[str, Any] = {
    "Enabled": True,
    "PublicUrl": True,
    "Categories": {
        "billing": {
            "Name": "Billing",
            "WorkspaceMembershipRequired": True,
            "MinAccessRank": 10,
            "MaxOpenTickets": 2,
        },
        "appeals": {
            "Name": "Appeals",
            "WorkspaceMembershipRequired": False,
            "MinAccessRank": 0,
            "MaxOpenTickets": 0,
        },
    },
    "Departments": {
        "billing-dept": {
            "Name": "Billing team",
            "Members": [111, 555],
            "Categories": ["billing", "appeals"],
            "RankRange": {"FromRank": 50, "ToRank": 60},
        },
        "appeals-dept": {
            "Name": "Appeals team",
            "Members": [],
            "Categories": ["appeals"],
            "RankRange": None,
        },
    },
    "DiscordNotificationWebhookEnabled": True,
    "DiscordNotificationWebhookPing": "123456789012345678",
}


# --- helpers -----------------------------------------------------------------------


@dataclass
class Server:
    database_url: str
    url: str


@pytest.fixture(scope="module", params=ENGINES)
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """One `ticketd serve` per engine for the whole module, with caching off."""
    fixture = "pg_url" if request.param == "postgresql" else "sqlite_url"
    database_url = request.getfixturevalue(fixture)
    with running_servers(database_url, 1, TICKETD_CACHE_TTL_SECONDS="0") as [url]:
        yield Server(database_url, url)


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
            made = Made(await workspaces.create_workspace(db, name="CLI test", plan=plan))
            if config is not None:
                await workspaces.apply_config(
                    db,
                    None,
                    workspace_id=made.id,
                    config=ConfigFile.model_validate(config).to_settings(),
                )
            for _ in range(keys):
                made.keys.append(await workspaces.create_api_key(db, workspace_id=made.id))
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


def write_config(directory: Path, config: dict[str, Any]) -> Path:
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


class Serve:
    """A `ticketd serve` process whose stdout is read line by line as it appears."""

    def __init__(self, database_url: str, stderr: IO[bytes], *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr = stderr
        self._stopped = False
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ticketd.cli", "serve", "--port", str(self.port), *args],
            env=ticketd_env(database_url, TICKETD_LOG_LEVEL="warning"),
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def errors(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")

    def read_until(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                pytest.fail(f"no line matching {pattern!r} within {timeout} s: {self.stdout}")
            try:
                line = self._lines.get(timeout=remaining)
            except queue.Empty:
                continue
            if line is None:
                pytest.fail(f"serve exited before printing {pattern!r}:\n{self.errors()}")
            self.stdout.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def wait_until_up(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited early:\n{self.errors()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail(f"serve did not answer /health within {timeout} s")

    def stop(self) -> list[str]:
        """Terminates the process; returns everything it printed on stdout."""
        if self._stopped:
            return self.stdout
        self._stopped = True
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=10)
        self._reader.join(timeout=10)
        while True:
            line = self._lines.get_nowait() if not self._lines.empty() else None
            if line is None:
                break
            self.stdout.append(line)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return self.stdout


@contextmanager
def serving(database_url: str, *args: str) -> Iterator[Serve]:
    with tempfile.TemporaryFile() as stderr:
        serve = Serve(database_url, stderr, *args)
        try:
            yield serve
        finally:
            serve.stop()


def workspace_count(sqlite_file: Path) -> int:
    with closing(sqlite3.connect(sqlite_file)) as conn:
        return conn.execute("SELECT COUNT(*) FROM workspaces").fetchone()[0]


# --- workspace create ------------------------------------------------------------


def test_workspace_create_json_prints_one_object_with_id_name_plan_and_key(
    database_url: str,
) -> None:
    result = run_cli(
        database_url,
        "workspace",
        "create",
        "--name",
        "Café Support",
        "--plan",
        "enterprise",
        "--json",
    )

    data = only_json_object(result)
    assert set(data) == {"id", "name", "plan", "apiKey"}
    assert uuid.UUID(data["id"])
    assert data["name"] == "Café Support"
    assert data["plan"] == "enterprise"
    assert isinstance(data["apiKey"], str) and data["apiKey"]


def test_workspace_create_defaults_to_the_premium_plan(database_url: str) -> None:
    result = run_cli(database_url, "workspace", "create", "--name", "Defaults", "--json")

    assert only_json_object(result)["plan"] == "premium"


@pytest.mark.parametrize("name", ["x" * 201, "   "])
def test_workspace_and_key_names_must_be_1_to_200_characters(database_url: str, name: str) -> None:
    result = run_cli(database_url, "workspace", "create", "--name", name)
    assert_clean_failure(result, "name must be 1 to 200 characters")


def test_workspace_create_rejects_an_unknown_plan(sqlite_url: str) -> None:
    result = run_cli(sqlite_url, "workspace", "create", "--name", "Gold", "--plan", "gold")

    assert result.returncode != 0
    assert "invalid choice: 'gold'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_created_premium_key_authenticates_its_workspace_over_http(server: Server) -> None:
    result = run_cli(server.database_url, "workspace", "create", "--name", "Over HTTP", "--json")
    created = only_json_object(result)

    response = get_config(server, created["apiKey"])
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    checked = check_key(server, created["apiKey"])
    assert checked["valid"] is True
    assert checked["workspaceId"] == created["id"]
    assert checked["workspaceName"] == "Over HTTP"


def test_created_free_workspace_key_is_refused_the_tickets_module(server: Server) -> None:
    result = run_cli(
        server.database_url, "workspace", "create", "--name", "Free", "--plan", "free", "--json"
    )
    created = only_json_object(result)

    assert_error(get_config(server, created["apiKey"]), 403, PREMIUM_REQUIRED)


# --- workspace set ---------------------------------------------------------------


def test_workspace_set_plan_free_takes_away_the_tickets_module(server: Server) -> None:
    ws = make_workspace(server.database_url, plan="premium")
    assert get_config(server, ws.key).status_code == 200

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--plan", "free")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Updated workspace {ws.id}"
    assert_error(get_config(server, ws.key), 403, PREMIUM_REQUIRED)


def test_workspace_set_plan_enterprise_grants_the_tickets_module(server: Server) -> None:
    ws = make_workspace(server.database_url, plan="free")
    assert_error(get_config(server, ws.key), 403, PREMIUM_REQUIRED)

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--plan", "enterprise")

    assert result.returncode == 0, result.stderr
    assert get_config(server, ws.key).status_code == 200


def test_workspace_set_tickets_disabled_refuses_ticket_creation(server: Server) -> None:
    ws = make_workspace(server.database_url)
    assert create_ticket(server.url, ws.key).status_code == 200

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--tickets-disabled")

    assert result.returncode == 0, result.stderr
    assert_error(create_ticket(server.url, ws.key), 403, MODULE_DISABLED)
    config = get_config(server, ws.key)  # stays readable while the module is off
    assert config.status_code == 200, config.text
    assert config.json()["data"]["Enabled"] is False


def test_workspace_set_tickets_enabled_allows_ticket_creation_again(server: Server) -> None:
    ws = make_workspace(server.database_url, config={**DEMO_CONFIG, "Enabled": False})
    assert_error(create_ticket(server.url, ws.key), 403, MODULE_DISABLED)

    result = run_cli(server.database_url, "workspace", "set", ws.id, "--tickets-enabled")

    assert result.returncode == 0, result.stderr
    response = create_ticket(server.url, ws.key)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["Department"] == "support-dept"


def test_workspace_set_unknown_id_fails_with_a_clear_message(database_url: str) -> None:
    missing = str(uuid.uuid4())

    result = run_cli(database_url, "workspace", "set", missing, "--plan", "free")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""


def test_workspace_set_without_a_change_fails_with_a_clear_message(sqlite_url: str) -> None:
    ws = make_workspace(sqlite_url, config=None, keys=0)

    result = run_cli(sqlite_url, "workspace", "set", ws.id)

    assert_clean_failure(result, "nothing to change")


# --- workspace configure ---------------------------------------------------------


def test_workspace_configure_replaces_the_configuration(server: Server, tmp_path: Path) -> None:
    ws = make_workspace(server.database_url)
    path = write_config(tmp_path, NEW_CONFIG)

    result = run_cli(server.database_url, "workspace", "configure", ws.id, "--file", str(path))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Applied configuration to workspace {ws.id}"
    response = get_config(server, ws.key)
    assert response.status_code == 200, response.text
    assert response.json()["data"] == NEW_CONFIG_VIEW


def _with(change: Any) -> dict[str, Any]:
    config = copy.deepcopy(NEW_CONFIG)
    change(config)
    return config


INVALID_CONFIGS: dict[str, tuple[str | None, str]] = {
    # name: (file contents, or None for no file at all; what the message must name)
    "unknown-category": (
        json.dumps(
            _with(lambda c: c["Departments"]["billing-dept"].update(Categories=["refunds"]))
        ),
        "department 'billing-dept' handles unknown category 'refunds'",
    ),
    "bad-json": (json.dumps(NEW_CONFIG)[:-1], "Invalid JSON"),
    "missing-enabled": (json.dumps(_with(lambda c: c.pop("Enabled"))), "Enabled: Field required"),
    "min-access-rank-300": (
        json.dumps(_with(lambda c: c["Categories"]["billing"].update(MinAccessRank=300))),
        "Categories.billing.MinAccessRank: Input should be less than or equal to 255",
    ),
    "duplicate-member": (
        json.dumps(
            _with(lambda c: c["Members"].append({"UserId": 555, "Username": "again", "Rank": 1}))
        ),
        "Members lists the same UserId twice",
    ),
    "missing-file": (None, "No such file or directory"),
}


@pytest.mark.parametrize("case", list(INVALID_CONFIGS))
def test_workspace_configure_rejects_an_invalid_file_and_changes_nothing(
    server: Server, tmp_path: Path, case: str
) -> None:
    contents, problem = INVALID_CONFIGS[case]
    path = tmp_path / "config.json"
    if contents is not None:
        path.write_text(contents)
    ws = make_workspace(server.database_url)
    before = get_config(server, ws.key)
    assert before.status_code == 200, before.text
    assert set(before.json()["data"]["Categories"]) == {"support", "reports"}

    result = run_cli(server.database_url, "workspace", "configure", ws.id, "--file", str(path))

    assert_clean_failure(result, str(path), problem)
    assert result.stdout == ""
    after = get_config(server, ws.key)
    assert after.status_code == 200, after.text
    assert after.json() == before.json()


# --- key create / revoke ---------------------------------------------------------


def test_key_create_json_prints_a_key_that_starts_with_its_prefix(database_url: str) -> None:
    ws = make_workspace(database_url, config=None, keys=0)

    result = run_cli(database_url, "key", "create", ws.id, "--name", "bot", "--json")

    data = only_json_object(result)
    assert set(data) == {"apiKey", "prefix"}
    assert data["prefix"]
    assert data["apiKey"].startswith(data["prefix"])
    assert len(data["apiKey"]) > len(data["prefix"])


def test_key_create_makes_a_key_that_works_for_its_workspace(server: Server) -> None:
    ws = make_workspace(server.database_url, keys=0)

    result = run_cli(server.database_url, "key", "create", ws.id, "--name", "bot", "--json")

    key = only_json_object(result)["apiKey"]
    response = get_config(server, key)
    assert response.status_code == 200, response.text
    assert check_key(server, key)["workspaceId"] == ws.id


def test_key_create_for_an_unknown_workspace_fails(sqlite_url: str) -> None:
    missing = str(uuid.uuid4())

    result = run_cli(sqlite_url, "key", "create", missing, "--json")

    assert_clean_failure(result, f"no workspace {missing}")
    assert result.stdout == ""


def test_key_revoke_makes_the_key_fail_with_401(server: Server) -> None:
    ws = make_workspace(server.database_url)
    key, prefix = ws.keys[0]
    assert get_config(server, key).status_code == 200

    result = run_cli(server.database_url, "key", "revoke", prefix)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Revoked API key {prefix}"
    assert_error(get_config(server, key), 401, "Invalid API key")
    assert check_key(server, key)["valid"] is False


def test_key_revoke_leaves_the_workspaces_other_keys_working(server: Server) -> None:
    ws = make_workspace(server.database_url, keys=2)
    (revoked, prefix), (kept, _) = ws.keys

    result = run_cli(server.database_url, "key", "revoke", prefix)

    assert result.returncode == 0, result.stderr
    assert get_config(server, revoked).status_code == 401
    assert get_config(server, kept).status_code == 200


def test_key_revoke_unknown_prefix_fails(database_url: str) -> None:
    result = run_cli(database_url, "key", "revoke", "tk_00000000")

    assert_clean_failure(result, "no active API key with prefix tk_00000000")
    assert result.stdout == ""


# --- migrate ---------------------------------------------------------------------


def _head_revision(database_url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()


def _schema_revision(sqlite_file: Path) -> str:
    with closing(sqlite3.connect(sqlite_file)) as conn:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]


def test_migrate_brings_a_fresh_sqlite_file_to_the_newest_revision(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    url = f"sqlite:///{database}"

    result = run_cli(url, "migrate")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Database is at the newest migration."
    assert _schema_revision(database) == _head_revision(url)
    assert workspace_count(database) == 0


def test_migrate_run_twice_succeeds_and_keeps_the_data(tmp_path: Path) -> None:
    database = tmp_path / "x.db"
    url = f"sqlite:///{database}"
    assert run_cli(url, "migrate").returncode == 0
    make_workspace(url, config=None, keys=0)

    result = run_cli(url, "migrate")

    assert result.returncode == 0, result.stderr
    assert _schema_revision(database) == _head_revision(url)
    assert workspace_count(database) == 1


# --- serve -----------------------------------------------------------------------


@dataclass
class DemoServe:
    url: str
    port: int
    workspace_id: str
    key: str
    curl: str
    client_id: str
    refresh_token: str


@pytest.fixture(scope="module")
def demo_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServe]:
    """`ticketd serve` on an empty SQLite database, with what it printed."""
    database = tmp_path_factory.mktemp("serve") / "empty.db"
    with serving(f"sqlite:///{database}") as serve:
        workspace_id = serve.read_until(r"^Created demo workspace (\S+)$").group(1)
        key = serve.read_until(r"^Demo API key \(shown once\): (\S+)$").group(1)
        curl = serve.read_until(r"^\s*curl ").string.strip()
        helpdesk = serve.read_until(
            r"^Demo helpdesk client \(shown once\): client_id=(\S+) refresh_token=(\S+)$"
        )
        serve.wait_until_up()
        yield DemoServe(serve.url, serve.port, workspace_id, key, curl, *helpdesk.groups())


def test_serve_on_an_empty_database_prints_a_working_demo_key(demo_serve: DemoServe) -> None:
    response = create_ticket(demo_serve.url, demo_serve.key)

    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["Department"] == "support-dept"
    assert data["WorkspaceId"] == demo_serve.workspace_id


def test_serve_on_an_empty_database_prints_a_curl_line_that_works(
    demo_serve: DemoServe,
) -> None:
    words = shlex.split(demo_serve.curl)
    assert words[:3] == ["curl", "-X", "POST"]
    url, headers, body = words[3], {}, None
    rest = iter(words[4:])
    for flag in rest:
        value = next(rest)
        if flag == "-H":
            name, _, header_value = value.partition(": ")
            headers[name] = header_value
        elif flag == "-d":
            body = value
        else:
            pytest.fail(f"unexpected curl flag {flag!r} in {demo_serve.curl!r}")
    assert url == f"http://127.0.0.1:{demo_serve.port}/tickets/create"
    assert headers["apikey"] == demo_serve.key
    assert body is not None

    response = httpx.post(url, headers=headers, content=body, timeout=10)

    assert response.status_code == 200, response.text
    assert response.json()["data"]["Department"] == "support-dept"


def test_serve_on_an_empty_database_prints_a_working_helpdesk_client(
    demo_serve: DemoServe,
) -> None:
    token = httpx.post(
        f"{demo_serve.url}/helpdesk/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": demo_serve.refresh_token,
            "client_id": demo_serve.client_id,
        },
        timeout=10,
    )
    assert token.status_code == 200, token.text
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    teammates = httpx.get(f"{demo_serve.url}/helpdesk/Teammates", headers=headers).json()
    [staff] = teammates["data"]
    # The demo's Series staff member is the helpdesk admin: one person, both APIs.
    assert (staff["email"], staff["role"], staff["userId"]) == (
        "staff@example.com",
        "admin",
        987654321,
    )


def test_serve_no_demo_on_an_empty_database_prints_no_key(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"

    with serving(f"sqlite:///{database}", "--no-demo") as serve:
        serve.wait_until_up()
        output = serve.stop()

    assert not any("API key" in line or "curl" in line for line in output), output
    assert workspace_count(database) == 0


def test_configure_keeps_the_webhook_url_when_absent_and_clears_it_on_null(
    database_url: str, tmp_path: Path
) -> None:
    workspace_id = make_workspace(database_url).id
    url = "https://discord.com/api/webhooks/1/abc"

    def stored() -> str | None:
        async def read() -> str | None:
            db = open_database(database_url)
            await db.connect()
            try:
                async with db.connection() as conn:
                    return await conn.fetchval(
                        "SELECT discord_webhook_url FROM workspaces WHERE id = $1", workspace_id
                    )
            finally:
                await db.close()

        return asyncio.run(read())

    for change, expected in [
        ({"DiscordNotificationWebhookUrl": url}, url),
        ({}, url),
        ({"DiscordNotificationWebhookUrl": None}, None),
    ]:
        path = write_config(tmp_path, {**DEMO_CONFIG, **change})
        result = run_cli(database_url, "workspace", "configure", workspace_id, "--file", str(path))
        assert result.returncode == 0, result.stderr
        assert stored() == expected
