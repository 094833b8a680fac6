"""How fast the staff dashboard answers at 10,000 and at 100,000 tickets, in one run.

For each engine: a workspace made through the CLI, filled with realistic tickets
(statuses, priorities, departments, authors, two messages each, some tags) straight into
the database, one `ticketd serve` pinned to core 0, and a signed-in client on core 1
asking each dashboard view sequentially. The same database is measured at 10,000
tickets, then grown to 100,000 and measured again, so the two columns differ only in
the number of tickets.

    .venv/bin/python bench/dashboard_queue.py [--engines sqlite,postgresql]
        [--sizes 10000,100000] [--requests 40]

Prints a Markdown table (median and 90th percentile per view and size, and the
ratio of the medians) to stdout; progress to stderr.
"""

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx

from bench.databases import Engine, log, make_engines, run_python, side_env

ROOT = Path(__file__).resolve().parent.parent
STAFF_ID = 987654321
PASSWORD = "bench password for the dashboard"
DEPARTMENTS = {"support-dept": ["support", "billing"], "moderation": ["reports", "appeals"]}
CATEGORIES = [c for cs in DEPARTMENTS.values() for c in cs]
WORDS = [
    "lag",
    "crash",
    "spawn",
    "lobby",
    "rank",
    "group",
    "payment",
    "refund",
    "robux",
    "ban",
    "appeal",
    "exploit",
    "kick",
    "map",
    "server",
    "trade",
    "pet",
    "quest",
    "badge",
    "gamepass",
    "inventory",
    "chat",
    "voice",
    "teleport",
    "shop",
    "event",
]
# Messages draw from the topic words and 3,000 filler words, Zipf-like (a few words are
# very common, most are rare), as text in a real help desk does.
FILLER = [f"w{n:04d}x" for n in range(3_000)]
RARE_WORD = "zanzibarquux"  # in one message out of 5,000
STATUSES = ["closed"] * 14 + ["resolved"] * 2 + ["in-progress"] * 2 + ["open"] * 2
VIEWS = {
    "queue (active, latest activity)": "/staff/",
    "all statuses": "/staff/?status=all",
    "one department": "/staff/?status=all&department=moderation",
    "claimed by me": "/staff/?held_by=me",
    "tag": "/staff/?status=all&tag=vip",
    "search, common word in subjects": "/staff/?status=all&q=lobby",
    "search, rare word in messages": f"/staff/?status=all&q={RARE_WORD}",
    "page 100 of all": "/staff/?status=all&page=100",
    "live-update poll": "/staff/queue-state",
    "ticket page": "/staff/tickets/{code}",
}


def workspace_config() -> dict[str, Any]:
    member = {"UserId": STAFF_ID, "Username": "staff", "DisplayName": "Staff Member",
              "AvatarUrl": None, "Rank": 255}  # fmt: skip
    return {
        "Enabled": True,
        "PublicUrl": False,
        "Categories": {
            c: {
                "Name": c.title(),
                "WorkspaceMembershipRequired": False,
                "MinAccessRank": 0,
                "MaxOpenTickets": None,
            }
            for c in CATEGORIES
        },  # fmt: skip
        "Departments": {
            d: {
                "Name": d.title(),
                "Members": [STAFF_ID],
                "Categories": cs,
                "RankRange": {"FromRank": 100, "ToRank": 255},
            }
            for d, cs in DEPARTMENTS.items()
        },  # fmt: skip
        "Members": [member],
    }


def set_up(url: str, workdir: Path) -> str:
    """A workspace with the configuration and a staff password; its id."""
    env = side_env(ROOT, url)

    def cli(*args: str, stdin: str | None = None) -> str:
        if stdin is None:
            return run_python(sys.executable, env, workdir, "-m", "ticketd.cli", *args)
        done = subprocess.run([sys.executable, "-m", "ticketd.cli", *args], env=env,
                              cwd=workdir, input=stdin, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout

    workspace = json.loads(cli("workspace", "create", "--name", "bench", "--json"))["id"]
    config = workdir / "config.json"
    config.write_text(json.dumps(workspace_config()))
    cli("workspace", "configure", workspace, "--file", str(config))
    cli("staff", "set-password", workspace, "--user-id", str(STAFF_ID), "--password-stdin",
        stdin=PASSWORD + "\n")  # fmt: skip
    return workspace


def rows(workspace: str, first_id: int, count: int, seed: int) -> Iterator[tuple[dict, list[dict]]]:
    """Tickets `first_id`… with their author message and (when answered) staff reply."""
    rng = random.Random(seed)
    from ticketd.kit.ids import user_guid

    staff = user_guid(workspace, STAFF_ID)
    now = int(time.time() * 1000)
    for n in range(first_id, first_id + count):
        created = now - rng.randrange(90 * 86_400_000)
        category = rng.choice(CATEGORIES)
        status = rng.choice(STATUSES)
        author = rng.randrange(1, 20_000)
        answered = status != "open" or rng.random() < 0.3
        held = status == "in-progress" or (status != "open" and rng.random() < 0.8)
        words = rng.sample(WORDS, 4)
        ticket = {
            "id": n, "workspace_id": workspace, "code": f"TICKET-{n:010d}-BNCH",
            "object_id": f"{n:024x}", "subject": " ".join(words[:3]).capitalize(),
            "category_key": category,
            "department_key": next(d for d, cs in DEPARTMENTS.items() if category in cs),
            "status": status, "priority": rng.choice(["low", "medium", "medium", "high"]),
            "author_guid": user_guid(workspace, author), "author_user_id": author,
            "author_username": f"player{author}", "author_display_name": f"Player {author}",
            "author_avatar_url": None, "assignee_guid": staff if held else None,
            "claimed_by": STAFF_ID if held else None,
            "claimed_at": created + 60_000 if held else None,
            "game_report": category == "reports", "detailed_source": "api_series",
            "reply_count": 2 if answered else 1, "last_thread_at": created + 120_000,
            "created_at": created, "updated_at": created + 120_000,
            "closed_at": created + 3_600_000 if status == "closed" else None,
            "first_response_at": created + 120_000 if answered else None,
            "first_resolved_at": created + 3_600_000 if status in ("closed", "resolved") else None,
            "public_token": f"{rng.getrandbits(128):032x}",
        }  # fmt: skip
        text = " ".join(_word(rng) for _ in range(20))
        if n % 5_000 == 0:
            text += " " + RARE_WORD
        messages = [_message(workspace, n, 1, "author_message", author, text, created)]
        if answered:
            reply = _message(workspace, n, 2, "staff_message", STAFF_ID, "We are on it.", created)
            messages.append(reply)
        yield ticket, messages


def _word(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(WORDS)
    return FILLER[min(int(rng.paretovariate(1.1)) - 1, len(FILLER) - 1)]


def _message(
    workspace: str, ticket_id: int, n: int, kind: str, user: int, text: str, at: int
) -> dict[str, Any]:
    return {"workspace_id": workspace, "ticket_id": ticket_id, "key": f"msj_{at}_{n:06d}",
            "type": kind,
            "author_user_id": user, "content": text, "created_at": at + n * 60_000}  # fmt: skip


async def fill_postgresql(url: str, workspace: str, first_id: int, count: int) -> None:
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        tickets, messages, tags = _batches(workspace, first_id, count)
        tag_id = await _vip_tag_pg(conn, workspace)
        async with conn.transaction():
            await conn.copy_records_to_table(
                "tickets", records=[tuple(t.values()) for t in tickets], columns=list(tickets[0])
            )
            await conn.copy_records_to_table(
                "messages", records=[tuple(m.values()) for m in messages], columns=list(messages[0])
            )
            await conn.copy_records_to_table(
                "ticket_tags",
                records=[(workspace, t, tag_id) for t in tags],
                columns=["workspace_id", "ticket_id", "tag_id"],
            )
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('tickets', 'id'), max(id)) FROM tickets"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _vip_tag_pg(conn: Any, workspace: str) -> int:
    await conn.execute(
        "INSERT INTO tags (workspace_id, name, name_key) VALUES ($1, 'vip', 'vip')"
        " ON CONFLICT DO NOTHING",
        workspace,
    )
    return int(await conn.fetchval("SELECT id FROM tags WHERE workspace_id = $1", workspace))


def fill_sqlite(path: str, workspace: str, first_id: int, count: int) -> None:
    tickets, messages, tags = _batches(workspace, first_id, count)
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT OR IGNORE INTO tags (workspace_id, name, name_key) VALUES (?, 'vip', 'vip')",
            (workspace,),
        )
        (tag_id,) = db.execute(
            "SELECT id FROM tags WHERE workspace_id = ?", (workspace,)
        ).fetchone()
        for table, batch in (("tickets", tickets), ("messages", messages)):
            columns = list(batch[0])
            db.executemany(
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' * len(columns))})",
                [tuple(r.values()) for r in batch],
            )
        db.executemany(
            "INSERT INTO ticket_tags (workspace_id, ticket_id, tag_id) VALUES (?, ?, ?)",
            [(workspace, t, tag_id) for t in tags],
        )
        db.execute("ANALYZE")


def _batches(workspace: str, first_id: int, count: int) -> tuple[list, list, list]:
    tickets, messages, tags = [], [], []
    for ticket, thread in rows(workspace, first_id, count, seed=first_id):
        tickets.append(ticket)
        messages.extend(thread)
        if ticket["id"] % 20 == 0:
            tags.append(ticket["id"])
    return tickets, messages, tags


def fill(engine: str, url: str, workspace: str, first_id: int, count: int) -> None:
    started = time.monotonic()
    if engine == "sqlite":
        fill_sqlite(url.removeprefix("sqlite:///"), workspace, first_id, count)
    else:
        asyncio.run(fill_postgresql(url, workspace, first_id, count))
    log(f"{engine}: +{count:,} tickets in {time.monotonic() - started:.0f} s")


@contextmanager
def serving(url: str, workdir: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**side_env(ROOT, url), "TICKETD_LOG_LEVEL": "warning"}
    command = [sys.executable, "-m", "ticketd.cli", "serve", "--no-worker", "--port", str(port)]
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "0", *command]
    server = subprocess.Popen(command, env=env, cwd=workdir, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/staff/login", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)


def measure(base: str, workspace: str, code: str, requests: int) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        signed = client.post("/staff/login", data={
            "login": str(STAFF_ID), "password": PASSWORD, "workspace": workspace})  # fmt: skip
        if signed.status_code != 303:
            raise SystemExit(f"sign-in failed: {signed.status_code} {signed.text[:200]}")
        for name, path in VIEWS.items():
            url = path.format(code=code)
            for _ in range(3):
                client.get(url)
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                answer = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{url}: {answer.status_code}")
            timings[name] = times
    return timings


def pin_self_to_core_1() -> None:
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


def table(results: dict[str, dict[int, dict[str, list[float]]]], sizes: list[int]) -> str:
    low, high = sizes[0], sizes[-1]
    head = f"| engine | view | {low:,} p50 / p90 ms | {high:,} p50 / p90 ms | p50 ratio |"
    lines = [head, "|---|---|---|---|---|"]
    for engine, by_size in results.items():
        for view in VIEWS:
            a, b = by_size[low][view], by_size[high][view]
            ratio = statistics.median(b) / statistics.median(a)
            lines.append(
                f"| {engine} | {view} | {statistics.median(a):.1f} / {p90(a):.1f}"
                f" | {statistics.median(b):.1f} / {p90(b):.1f} | {ratio:.2f}× |"
            )
    return "\n".join(lines)


def run_engine(engine: Engine, sizes: list[int], requests: int, workdir: Path) -> dict:
    url = engine.new_template("dashboard")
    try:
        workspace = set_up(url, workdir)
        by_size, filled = {}, 0
        for size in sizes:
            fill(engine.name, url, workspace, filled + 1, size - filled)
            filled = size
            with serving(url, workdir) as base:
                by_size[size] = measure(base, workspace, f"TICKET-{size // 2:010d}-BNCH", requests)
            log(f"{engine.name} at {size:,}: measured")
        return by_size
    finally:
        engine.drop(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    pin_self_to_core_1()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "dashboard").mkdir()
        engines, pg_line = make_engines(args.engines.split(","), args.pg_url, workdir)
        try:
            for engine in engines:
                results[engine.name] = run_engine(engine, sizes, args.requests, workdir)
        finally:
            for engine in engines:
                engine.close()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d')}; {pg_line}; {args.requests} sequential requests "
          "per view after 3 warm-up ones; server on core 0, client on core 1\n")  # fmt: skip
    print(table(results, sizes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
