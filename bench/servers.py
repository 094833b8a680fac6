"""Server processes for the benchmark, each pinned to one core, and the load generator
(wrk, from Debian's packages) pinned to another."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios import Scenario

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "wrk" / "requests.lua"


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mib(self) -> float:
        """The largest resident set among the server's processes (gunicorn: its worker)."""
        return max(_rss_kib(pid) for pid in _family(self.process.pid)) / 1024

    def settle(self, quiet: float = 0.2, longest: float = 60.0) -> None:
        """Waits until the server has used no CPU for `quiet` seconds: wrk stops sending
        at the end of its run, but the requests it left in flight are still served, and
        those of a slow scenario (a common word on the dashboard: ~1 s of work) would
        otherwise stand in front of the next scenario's first requests."""
        deadline = time.monotonic() + longest
        used = self.cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(quiet)
            now = self.cpu_ticks()
            if now - used <= 1:  # a tick is 10 ms: an idle loop's timers stay under it
                return
            used = now

    def cpu_ticks(self) -> int:
        return sum(_cpu_ticks(pid) for pid in _family(self.process.pid))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cpu: int | None, command: list[str]) -> list[str]:
    return command if cpu is None else ["taskset", "-c", str(cpu), *command]


def start(
    name: str,
    command: list[str],
    env: dict[str, str],
    port: int,
    logs: Path,
    ready_path: str = "/healthz",
) -> Server:
    log_path = logs / f"{name}-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(name, process, port, log_path)
    _wait_ready(server, ready_path)
    return server


def _wait_ready(server: Server, path: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited: {server.log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(server.base_url + path, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s")


def call(
    base_url: str, method: str, path: str, headers: dict[str, str], body: str | None
) -> tuple[int, Any]:
    """(status, the answer's JSON, or the start of its body when it is no JSON (a page)
    or failed)."""
    request = _request(base_url, method, path, headers, body)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            if answer.headers.get_content_type() != "application/json":
                return answer.status, answer.read()[:500]
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:500]


def raw_call(
    base_url: str, method: str, path: str, headers: dict[str, str], body: str | None
) -> bytes:
    with urllib.request.urlopen(
        _request(base_url, method, path, headers, body), timeout=30
    ) as answer:
        return bytes(answer.read())


def _request(
    base_url: str, method: str, path: str, headers: dict[str, str], body: str | None
) -> urllib.request.Request:
    data = None if body is None else body.encode()
    return urllib.request.Request(base_url + path, data=data, method=method, headers=headers)


def check(server: Server, scenario: Scenario, count: int = 2) -> None:
    """The scenario's first requests succeed (2xx) before wrk times thousands of them."""
    for entry in scenario.lines[:count]:
        method, path, body = entry.split("\t")
        body = body.replace("%N%", str(int(time.time() * 1000) % 10**9))
        status, answer = call(server.base_url, method, path, scenario.headers, body or None)
        if status // 100 != 2:
            raise RuntimeError(
                f"{server.name} {scenario.name}: {method} {path} → {status} {answer!r}"
            )


@dataclass
class Measured:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_mib: float


def run_wrk(
    server: Server,
    scenario: Scenario,
    seconds: float,
    connections: int,
    cpu: int | None,
    workdir: Path,
) -> Measured:
    requests = workdir / f"{scenario.name}.requests"
    requests.write_text("\n".join(scenario.lines) + "\n")
    env = {
        **os.environ,
        "BENCH_REQUESTS": str(requests),
        "BENCH_HEADERS": scenario.header_text(),
        "BENCH_COUNTER_START": str(int(time.time() * 1000) % 10**9),
    }
    command = [
        wrk_program(),
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        server.base_url,
    ]
    done = subprocess.run(
        pinned(cpu, command), env=env, capture_output=True, text=True, timeout=seconds + 120
    )
    found = [line for line in done.stdout.splitlines() if line.startswith('{"requests"')]
    if not found:
        raise RuntimeError(f"wrk said: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    summary = json.loads(found[-1])
    server.settle()
    errors = sum(
        summary[k]
        for k in ("status_errors", "connect_errors", "read_errors", "write_errors", "timeouts")
    )
    return Measured(
        requests_per_second=summary["requests"] / (summary["duration_us"] / 1e6),
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=errors,
        rss_mib=server.rss_mib(),
    )


def wrk_program() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=False
        )
    found = shutil.which("wrk")
    if not found:
        sys.exit("wrk is missing: install Debian's wrk package (apt-get install wrk)")
    return found


def _family(pid: int) -> list[int]:
    """The process and all its descendants."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return [pid]
    return [pid, *(p for child in text.split() for p in _family(int(child)))]


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of the process, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])


def _rss_kib(pid: int) -> int:
    try:
        for entry in Path(f"/proc/{pid}/status").read_text().splitlines():
            if entry.startswith("VmRSS:"):
                return int(entry.split()[1])
    except OSError:
        pass
    return 0
