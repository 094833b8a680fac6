"""Real `ticketd serve` processes for tests that need HTTP between processes."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ticketd_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "TICKETD_DATABASE_URL": database_url, **extra}
    env.setdefault("TICKETD_RATE_LIMIT_PER_SECOND", "100000")
    return env


def run_cli(
    database_url: str, *args: str, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`ticketd ARGS…` on the database, `input` on its standard input."""
    return subprocess.run(
        [sys.executable, "-m", "ticketd.cli", *args],
        input=input,
        env=ticketd_env(database_url),
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextmanager
def running_servers(database_url: str, count: int, **env: str) -> Iterator[list[str]]:
    """Starts `count` server processes on one database; yields their base URLs."""
    ports = [free_port() for _ in range(count)]
    with tempfile.TemporaryFile() as log:
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "ticketd.cli", "serve", "--no-demo", "--port", str(port)],
                env=ticketd_env(database_url, TICKETD_LOG_LEVEL="warning", **env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            for port in ports
        ]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            for url, process in zip(urls, processes, strict=True):
                _wait_until_up(url, process, log)
            yield urls
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: IO[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"ticketd exited early:\n{log.read().decode()}")
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"ticketd at {url} did not start within 30 s")
