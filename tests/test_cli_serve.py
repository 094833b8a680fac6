"""`ticketd serve`, run as a real process: what it prints on an empty database, and
that what it prints works."""

import queue
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest

from tests.support.cli import create_ticket, workspace_count
from tests.support.servers import free_port, ticketd_env

pytestmark = pytest.mark.slow


# --- helpers -----------------------------------------------------------------------


class Serve:
    """A `ticketd serve` process whose stdout is read line by line as it appears."""

    def __init__(self, database_url: str, stderr: IO[bytes], *args: str, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr = stderr
        self._stopped = False
        self.process = subprocess.Popen(
            [sys.executable, "-m", "ticketd.cli", "serve", "--port", str(self.port), *args],
            env=ticketd_env(database_url, TICKETD_LOG_LEVEL="warning", **env),
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
def serving(database_url: str, *args: str, **env: str) -> Iterator[Serve]:
    with tempfile.TemporaryFile() as stderr:
        serve = Serve(database_url, stderr, *args, **env)
        try:
            yield serve
        finally:
            serve.stop()


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
    dashboard: str
    staff_login: str
    staff_password: str


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
        dashboard = serve.read_until(r"^Staff dashboard: (\S+)$").group(1)
        staff = serve.read_until(r"^\s*sign in as (\d+) .* the password (\S+) \(shown once")
        serve.wait_until_up()
        yield DemoServe(serve.url, serve.port, workspace_id, key, curl, *helpdesk.groups(),
                        dashboard, *staff.groups())  # fmt: skip


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


def test_serve_runs_on_the_event_loop_it_is_told(tmp_path: Path) -> None:
    """uvloop by default; asyncio's own loop with TICKETD_EVENT_LOOP=asyncio, which then
    never loads uvloop's library into the process."""
    for loop, database in (("uvloop", "u.db"), ("asyncio", "a.db")):
        with serving(f"sqlite:///{tmp_path / database}", TICKETD_EVENT_LOOP=loop) as serve:
            key = serve.read_until(r"^Demo API key \(shown once\): (\S+)$").group(1)
            serve.wait_until_up()
            config = httpx.get(f"{serve.url}/tickets/config", headers={"apikey": key}, timeout=5)
            assert config.status_code == 200 and config.json()["success"] is True
            mapped = Path(f"/proc/{serve.process.pid}/maps").read_text()
            assert ("uvloop" in mapped) == (loop == "uvloop"), loop


def test_serve_no_demo_on_an_empty_database_prints_no_key(tmp_path: Path) -> None:
    database = tmp_path / "empty.db"

    with serving(f"sqlite:///{database}", "--no-demo") as serve:
        serve.wait_until_up()
        output = serve.stop()

    assert not any("API key" in line or "curl" in line for line in output), output
    assert workspace_count(database) == 0


def test_serve_on_an_empty_database_prints_a_dashboard_sign_in_that_works(
    demo_serve: DemoServe,
) -> None:
    assert demo_serve.dashboard == (
        f"{demo_serve.url}/staff/login?workspace={demo_serve.workspace_id}"
    )
    with httpx.Client(base_url=demo_serve.url) as browser:
        form = browser.get(demo_serve.dashboard)
        assert form.status_code == 200 and demo_serve.workspace_id in form.text
        data = {"login": demo_serve.staff_login, "password": demo_serve.staff_password,
                "workspace": demo_serve.workspace_id}  # fmt: skip
        assert browser.post("/staff/login", data=data).status_code == 303
        assert browser.get("/staff/").status_code == 200
