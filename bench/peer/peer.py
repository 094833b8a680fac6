"""django-helpdesk, the benchmark's peer: build its venv, prepare a database, serve it.

    python bench/peer/peer.py build VENV
    python bench/peer/peer.py prepare --engine sqlite|postgresql --database PATH|NAME|URL [--reset]
    python bench/peer/peer.py seed --engine ... --database ... --count N
    python bench/peer/peer.py serve --engine ... --database ... --port P [--cpu N]
    python bench/peer/peer.py load --port P --kind create|get --seconds S [--concurrency C]

prepare, seed and serve take --venv (default $PEER_VENV, else bench/peer/.venv) and build it
first if needed. Each prints one JSON object on stdout. serve stays in the foreground until
SIGTERM or SIGINT, which it passes to gunicorn, and exits 0 once gunicorn has stopped.

This file needs only the standard library, so the harness can import it from any Python 3.11+:
build(), prepare(), seed(), start() (a Server with .stop()) and load() are the same steps.
Everything that needs Django runs in the peer venv (bench/peer/peerdesk/tasks.py, gunicorn).
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import venv as venv_module
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "requirements.txt"
STAMP = ".peer-installed"
PIP = "pip==26.3"
ENGINES = ("sqlite", "postgresql")


def default_venv() -> Path:
    return Path(os.environ.get("PEER_VENV") or HERE / ".venv")


def _stamp_text() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    return f"{digest} python{sys.version_info.major}.{sys.version_info.minor}\n"


def build(venv_dir: Path | str | None = None) -> Path:
    """The peer venv with requirements.txt installed. Does nothing when its stamp says it
    was built from the same requirements by the same Python minor version."""
    venv_dir = Path(venv_dir or default_venv()).resolve()
    stamp = venv_dir / STAMP
    if stamp.exists() and stamp.read_text() == _stamp_text() and _python(venv_dir).exists():
        return venv_dir
    if venv_dir.exists():
        shutil.rmtree(venv_dir)
    venv_module.EnvBuilder(with_pip=True, clear=True).create(venv_dir)
    pip = [str(_python(venv_dir)), "-m", "pip", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "install", "--upgrade", PIP], check=True)
    subprocess.run([*pip, "install", "-r", str(REQUIREMENTS)], check=True)
    stamp.write_text(_stamp_text())
    return venv_dir


def _python(venv_dir: Path) -> Path:
    return venv_dir / "bin" / "python"


def environment(engine: str, database: str) -> dict[str, str]:
    """The environment the Django project reads its database from."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    if engine == "sqlite":
        database = str(Path(database).resolve())
    env = dict(os.environ)
    env.update(
        PEER_DB_ENGINE=engine,
        PEER_DB=database,
        DJANGO_SETTINGS_MODULE="peerdesk.settings",
        PYTHONPATH=str(HERE),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def _tasks(venv_dir: Path, engine: str, database: str, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [str(_python(venv_dir)), "-m", "peerdesk.tasks", *args],
        cwd=HERE,
        env=environment(engine, database),
        stdout=subprocess.PIPE,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def prepare(
    engine: str, database: str, *, reset: bool = False, venv_dir: Path | str | None = None
) -> dict[str, Any]:
    """Migrate (creating the PostgreSQL database if missing; with reset, dropping the
    database or SQLite file first) and add the API user, its token and the bench queue.
    Returns how to call the API: see README.md."""
    venv_dir = build(venv_dir)
    args = ["prepare", "--reset"] if reset else ["prepare"]
    return _tasks(venv_dir, engine, database, *args)


def seed(
    engine: str, database: str, count: int, *, venv_dir: Path | str | None = None
) -> dict[str, Any]:
    """Add COUNT tickets (bulk insert, each with its opening follow-up); the recipe again,
    with added_ids = [first, last] of the new tickets. Needs a prepared database."""
    venv_dir = build(venv_dir)
    return _tasks(venv_dir, engine, database, "seed", str(count))


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the process that started it dies, so a
    crashed harness leaves no server behind (Linux prctl PR_SET_PDEATHSIG)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGTERM)


@dataclass
class Server:
    """A running gunicorn: pid is its master (what `taskset` started), worker_pids its
    worker processes (one), url the base URL without a trailing slash."""

    process: subprocess.Popen[bytes]
    url: str
    port: int
    cpu: int | None
    worker_class: str
    worker_pids: list[int] = field(default_factory=list)

    @property
    def pid(self) -> int:
        return self.process.pid

    def describe(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "worker_pids": self.worker_pids,
            "url": self.url,
            "port": self.port,
            "cpu": self.cpu,
            "workers": 1,
            "worker_class": self.worker_class,
        }

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM (gunicorn's graceful stop), SIGKILL if it outlasts timeout; its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def _answers(port: int, path: str = "/healthz") -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def start(
    engine: str,
    database: str,
    port: int,
    *,
    cpu: int | None = None,
    worker_class: str = "sync",
    threads: int = 1,
    venv_dir: Path | str | None = None,
    ready_timeout: float = 60.0,
    stderr: Any = None,
) -> Server:
    """gunicorn with one worker process on 127.0.0.1:PORT, pinned with `taskset -c CPU`
    when cpu is given; returns once GET /healthz answers 200. The database must be prepared.
    stderr: where gunicorn's (warning-level) log goes, default this process's stderr."""
    venv_dir = build(venv_dir)
    cmd = [
        str(venv_dir / "bin" / "gunicorn"),
        "peerdesk.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--timeout",
        "120",
        "--graceful-timeout",
        "10",
        "--log-level",
        "warning",
        "--no-control-socket",
    ]
    if cpu is not None:
        cmd = ["taskset", "-c", str(cpu), *cmd]
    process = subprocess.Popen(
        cmd,
        cwd=HERE,
        env=environment(engine, database),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        preexec_fn=_die_with_parent,  # see _die_with_parent
    )
    server = Server(process, f"http://127.0.0.1:{port}", port, cpu, worker_class)
    deadline = time.monotonic() + ready_timeout
    while not _answers(port):
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode} before answering")
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"gunicorn did not answer on port {port} in {ready_timeout}s")
        time.sleep(0.1)
    server.worker_pids = _children(process.pid)
    return server


def load(
    port: int,
    kind: str,
    recipe: dict[str, Any],
    *,
    seconds: float = 10.0,
    concurrency: int = 4,
    ids: list[int] | None = None,
) -> dict[str, Any]:
    """A rough closed-loop load for a first figure: CONCURRENCY threads, each sending
    `kind` (create or get) requests back to back for SECONDS, a new connection per request
    as gunicorn's sync worker closes each one. Counts only the expected status."""
    step = recipe[kind]
    headers = dict(recipe["headers"])
    body = json.dumps(step["body"]).encode() if kind == "create" else None
    if kind == "get":
        first, last = ids or recipe["ticket_ids"]
        if first is None:
            raise ValueError("no tickets to get: seed some first")
    counts = {"ok": 0, "other": 0}
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(n: int) -> None:
        i = n
        ok = other = 0
        mine: list[float] = []
        while time.monotonic() < stop_at:
            path = step["path"]
            if kind == "get":
                path = path.format(id=first + i % (last - first + 1))
                i += concurrency
            began = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            try:
                conn.request(step["method"], path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                if answer.status == step["status"]:
                    ok += 1
                else:
                    other += 1
            except OSError:
                other += 1
            finally:
                conn.close()
            mine.append(time.perf_counter() - began)
        with lock:
            counts["ok"] += ok
            counts["other"] += other
            latencies.extend(mine)

    began = time.monotonic()
    pool = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float | None:
        return round(latencies[int(p * (len(latencies) - 1))] * 1000, 2) if latencies else None

    return {
        "kind": kind,
        "seconds": round(elapsed, 2),
        "concurrency": concurrency,
        "ok": counts["ok"],
        "other": counts["other"],
        "per_second": round(counts["ok"] / elapsed, 1),
        "p50_ms": pct(0.5),
        "p99_ms": pct(0.99),
    }


def _serve(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = start(
        args.engine,
        args.database,
        args.port,
        cpu=args.cpu,
        worker_class=args.worker_class,
        threads=args.threads,
        venv_dir=args.venv,
    )
    print(json.dumps(server.describe()), flush=True)
    while not stop.is_set() and server.process.poll() is None:
        stop.wait(0.5)
    if server.process.poll() is not None and not stop.is_set():
        print(f"gunicorn exited by itself with {server.process.returncode}", file=sys.stderr)
        return 1
    server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("build", help="create the peer venv (a no-op when up to date)")
    p.add_argument("venv", type=Path, nargs="?", default=None)

    def database_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", choices=ENGINES, required=True)
        p.add_argument("--database", required=True, help="SQLite path; PG name or URL")
        p.add_argument("--venv", type=Path, default=None)

    p = commands.add_parser("prepare", help="migrate, add the API user and queue")
    database_args(p)
    p.add_argument("--reset", action="store_true", help="drop the database (file) first")

    p = commands.add_parser("seed", help="bulk-insert tickets")
    database_args(p)
    p.add_argument("--count", type=int, required=True)

    p = commands.add_parser("serve", help="gunicorn, one worker, until SIGTERM")
    database_args(p)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cpu", type=int, default=None, help="pin with taskset -c CPU")
    p.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync)")
    p.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")

    p = commands.add_parser("load", help="a rough closed-loop load, for a first figure")
    database_args(p)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--kind", choices=("create", "get"), required=True)
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--concurrency", type=int, default=4)

    args = parser.parse_args(argv)
    if args.command == "build":
        out: dict[str, Any] = {"venv": str(build(args.venv))}
    elif args.command == "prepare":
        out = prepare(args.engine, args.database, reset=args.reset, venv_dir=args.venv)
    elif args.command == "seed":
        out = seed(args.engine, args.database, args.count, venv_dir=args.venv)
    elif args.command == "serve":
        return _serve(args)
    else:
        recipe = prepare(args.engine, args.database, venv_dir=args.venv)
        out = load(args.port, args.kind, recipe, seconds=args.seconds, concurrency=args.concurrency)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
