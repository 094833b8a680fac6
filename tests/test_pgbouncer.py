"""ticketd behind a real pgbouncer (Debian's; bookworm has 1.18, which knows nothing of
prepared statements) in transaction-pooling mode, with two server connections shared
by every client connection. With TICKETD_DATABASE_POOLER=transaction, `ticketd
migrate` brings a blank database to the newest revision through it, and a `ticketd
serve` answers the Series and helpdesk APIs to eight clients at once without an error;
without the setting the same drive fails on prepared statements, so the setting is
needed."""

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import require_pg
from tests.notify.test_delivery_processes import cli, serve
from tests.support.cli import Made, make_workspace, only_json_object
from tests.support.databases import PG_ADMIN_URL, empty_database
from tests.support.debian import debian_program
from tests.support.series import STAFF, ticket_body
from tests.support.servers import free_port

pytestmark = pytest.mark.slow

POOLED = {"TICKETD_DATABASE_POOLER": "transaction", "TICKETD_DATABASE_POOL_SIZE": "8"}
CLIENTS = 8


@contextmanager
def pgbouncer(tmp_path: Path, database_url: str) -> Iterator[str]:
    """A pgbouncer in front of `database_url` (127.0.0.1:5432, user postgres, trust),
    in transaction-pooling mode with two server connections; yields its URL."""
    program = debian_program("/usr/sbin/pgbouncer", "pgbouncer")
    port = free_port()
    name = database_url.rsplit("/", 1)[1]
    config = tmp_path / "pgbouncer.ini"
    config.write_text(
        f"[databases]\n"
        f"ticketd = host=127.0.0.1 port=5432 user=postgres dbname={name}\n"
        f"[pgbouncer]\n"
        f"listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir =\n"
        f"auth_type = any\n"
        f"pool_mode = transaction\n"
        f"default_pool_size = 2\n"
        f"max_client_conn = 200\n"
    )
    # pgbouncer refuses to run as root; it reads its configuration before it switches.
    user = ["-u", "nobody"] if os.geteuid() == 0 else []
    log = tmp_path / "pgbouncer.log"
    with log.open("ab") as out:
        process = subprocess.Popen([program, *user, str(config)], stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 10
        while True:
            if process.poll() is not None:
                pytest.fail(f"pgbouncer exited early:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"pgbouncer did not listen within 10 s:\n{log.read_text()}")
                time.sleep(0.05)
        yield f"postgresql://postgres@127.0.0.1:{port}/ticketd"
    finally:
        process.terminate()
        process.wait(timeout=10)


def drive(url: str, key: str, author: int) -> list[tuple[str, int]]:
    """One client's round of the Series API: create, get, list, search, claim, reply."""
    done = []
    with httpx.Client(base_url=url, headers={"apikey": key}, timeout=20) as http:
        made = http.post("/tickets/create", json=ticket_body(authorUserId=author))
        done.append(("create", made.status_code))
        if made.status_code != 200:
            return done
        ticket = made.json()["data"]["TicketId"]
        done.append(("get", http.get(f"/tickets/get/{ticket}").status_code))
        done.append(("list", http.get("/tickets/list").status_code))
        searched = http.get("/tickets/list", params={"search": "ranking", "author": author})
        done.append(("search", searched.status_code))
        if searched.status_code == 200:
            found = [t["TicketId"] for t in searched.json()["data"]["Tickets"]]
            done.append(("found", 200 if found == [ticket] else 0))
        claimed = http.post(f"/tickets/{ticket}/claim", json={"staffUserId": STAFF})
        done.append(("claim", claimed.status_code))
        body = {"staffUserId": STAFF, "content": "Looking into it."}
        done.append(("reply", http.post(f"/tickets/{ticket}/reply", json=body).status_code))
    return done


def drive_helpdesk(url: str, client: dict[str, str]) -> list[tuple[str, int]]:
    """A helpdesk integration: its refresh token exchanged, a ticket created and read."""
    with httpx.Client(base_url=url, timeout=20) as http:
        form = {
            "grant_type": "refresh_token",
            "refresh_token": client["refreshToken"],
            "client_id": client["clientId"],
        }
        exchanged = http.post("/helpdesk/token", data=form)
        if exchanged.status_code != 200:
            return [("token", exchanged.status_code)]
        http.headers["Authorization"] = f"Bearer {exchanged.json()['access_token']}"
        body = {
            "title": "Cannot log in",
            "message": "<p>Since Tuesday.</p>",
            "creator": {"name": "Bill Smith", "email": "bill_smith@example.com"},
        }
        made = http.post("/helpdesk/tickets", json=body)
        if made.status_code != 200:
            return [("token", 200), ("helpdesk create", made.status_code)]
        read = http.get(f"/helpdesk/tickets/{made.json()['data']}")
        return [("token", 200), ("helpdesk create", 200), ("helpdesk get", read.status_code)]


def drive_all(url: str, key: str, client: dict[str, str]) -> list[tuple[str, int]]:
    """Eight clients at once, three rounds each, then the helpdesk integration twice. A
    connection the server drops after a failure counts as status 0."""

    def round_of(step: Callable[[], list[tuple[str, int]]]) -> list[tuple[str, int]]:
        try:
            return step()
        except httpx.TransportError as error:
            return [(f"dropped: {error}", 0)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        rounds = pool.map(lambda n: round_of(lambda: drive(url, key, 1000 + n)), range(3 * CLIENTS))
        done = [step for steps in rounds for step in steps]
    for _ in range(2):
        done += round_of(lambda: drive_helpdesk(url, client))
    return done


def setup(tmp_path: Path, stack: ExitStack, env: dict[str, str]) -> tuple[str, Made]:
    """A blank database behind pgbouncer, migrated through it; returns pgbouncer's URL
    and a workspace with the demo configuration (made directly: setup only)."""
    require_pg()
    direct = stack.enter_context(empty_database(PG_ADMIN_URL, tmp_path, "pgbouncer"))
    bounced = stack.enter_context(pgbouncer(tmp_path, direct))
    migrated = cli(bounced, "migrate", **env)
    assert migrated.returncode == 0, migrated.stderr
    return bounced, make_workspace(direct)


def test_behind_pgbouncer_in_transaction_mode_every_request_succeeds(tmp_path: Path) -> None:
    with ExitStack() as stack:
        bounced, made = setup(tmp_path, stack, POOLED)
        server = serve(stack, bounced, env=POOLED)  # which migrates through it again
        created = cli(bounced, "token", "create", made.id, "--name", "Form", "--json", **POOLED)

        done = drive_all(server.url, made.key, only_json_object(created))

        assert [step for step in done if step[1] != 200] == []
        assert len(done) == 3 * CLIENTS * 7 + 6
        log = server.output()
        assert "Traceback" not in log and "error" not in log.lower(), log


def test_without_the_setting_the_same_drive_fails_on_prepared_statements(
    tmp_path: Path,
) -> None:
    with ExitStack() as stack:
        bounced, made = setup(tmp_path, stack, {})
        server = serve(stack, bounced, env={"TICKETD_DATABASE_POOL_SIZE": "8"})

        done = drive_all(server.url, made.key, {"refreshToken": "-", "clientId": "-"})

        assert any(status in (0, 500) for _, status in done), done
        log = server.output()
        assert "prepared statement" in log and "__asyncpg_stmt_" in log, log
