"""Redis for the tests: the machine's server at 127.0.0.1:6379 (required in CI, like
PostgreSQL), and private `redis-server` processes that a test may stop and start again
to see what ticketd does while Redis is away."""

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.support.debian import debian_program

SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"


def require_redis() -> str:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return SHARED_REDIS_URL
    except OSError:
        if os.environ.get("CI"):
            pytest.fail("Redis is required in CI but 127.0.0.1:6379 does not answer")
        pytest.skip("no Redis server answers at 127.0.0.1:6379 (CI=true makes this a failure)")


class PrivateRedis:
    """A redis-server of one test's own, on a free port, that it can stop and restart."""

    def __init__(self) -> None:
        self.program = debian_program("/usr/bin/redis-server", "redis-server")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None


@contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()
