"""The benchmark, one command: `python bench/run.py` (bench/README.md).

For each engine and size it fills a database with bench/load.py, then, round after
round, serves each size with `ticketd serve` (one process each, pinned to one core) and
drives every scenario with wrk (pinned to the other core), at every size back to back;
in the same rounds it measures the floor
(bench/floor_app.py) and the peer (django-helpdesk, bench/peer/). It prints a table and
writes bench/RESULTS.md with the medians and the ratios from this one run."""

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg  # type: ignore[import-untyped]

sys.path.insert(0, str(Path(__file__).resolve().parent / "peer"))
import peer  # noqa: E402  (bench/peer/peer.py: django-helpdesk in its own venv)
from databases import Engine, log, make_engines
from floor_app import floor_code
from load_text import COMMON_WORD, RARE_WORD
from scenarios import (
    CLAIM_LAG,
    Facts,
    Scenario,
    floor_scenarios,
    pre_claimed,
    series_create,
    ticketd_scenarios,
)
from servers import Measured, Server, call, check, free_port, pinned, raw_call, run_wrk, start

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
FLOOR_ROWS = 10_000


@dataclass
class Dataset:
    engine: Engine
    size: int
    template: str
    load_seconds: float
    loaded: dict[str, Any]  # what bench/load.py printed


@dataclass
class Results:
    # (engine, size, system, scenario) → one Measured per round
    cells: dict[tuple[str, int, str, str], list[Measured]] = field(
        default_factory=lambda: defaultdict(list)
    )
    notes: list[str] = field(default_factory=list)

    def add(self, key: tuple[str, int, str, str], measured: Measured) -> None:
        self.cells[key].append(measured)
        engine, size, system, scenario = key
        log(
            f"  {engine:<10} {size:>9,} {system:<7} {scenario:<22} "
            f"{measured.requests_per_second:>8,.0f}/s  p50 {measured.p50_ms:7.2f} ms  "
            f"p99 {measured.p99_ms:8.2f} ms  errors {measured.errors}  "
            f"RSS {measured.rss_mib:.0f} MiB"
        )


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--engines", default="sqlite,postgresql")
    p.add_argument("--sizes", default="10000,1000000", help="tickets per dataset, comma-separated")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--seconds", type=float, default=10.0, help="per scenario and round")
    p.add_argument("--connections", type=int, default=16)
    p.add_argument("--server-cpu", type=int, default=0)
    p.add_argument("--load-cpu", type=int, default=1)
    p.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/test")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/ticketd-bench"))
    p.add_argument("--no-peer", action="store_true", help="leave django-helpdesk out")
    p.add_argument("--scenarios", default="", help="only these ticketd scenarios (comma-separated)")
    p.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    p.add_argument(
        "--dataset",
        action="append",
        default=[],
        metavar="ENGINE:SIZE=URL",
        help="use a database bench/load.py already filled with SIZE tickets\n"
        "(a 1,000,000-ticket load takes 5-7 minutes; it is copied, never changed)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a smoke run: 10,000 and 100,000 tickets, 1 round of 3 s",
    )
    args = p.parse_args()
    if args.quick:
        args.sizes, args.rounds, args.seconds = "10000,100000", 1, 3.0
    return args


def main() -> int:
    args = parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    engines, pg_note = make_engines(args.engines.split(","), args.pg_url, args.workdir)
    results = Results(notes=[pg_note])
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.monotonic()
    try:
        given = dict(given_dataset(text) for text in args.dataset)
        datasets = [
            given_dataset_for(engine, size, given[(engine.name, size)])
            if (engine.name, size) in given
            else load_dataset(engine, size, args)
            for engine in engines
            for size in sizes
        ]
        for round_no in range(1, args.rounds + 1):
            log(f"round {round_no} of {args.rounds}")
            for engine in engines:
                measure_ticketd(
                    [d for d in datasets if d.engine is engine], round_no, args, results
                )
                measure_floor(engine, round_no, args, results)
                if not args.no_peer:
                    measure_peer(engine, round_no, args, results)
    finally:
        for engine in engines:
            engine.close()
    report = render(results, args, datasets, time.monotonic() - started)
    print(report)
    args.out.write_text(report)
    return 1 if any(m.errors for runs in results.cells.values() for m in runs) else 0


# -- datasets ---------------------------------------------------------------------------


def load_dataset(engine: Engine, size: int, args: argparse.Namespace) -> Dataset:
    template = engine.new_template(f"load{size}")
    log(f"loading {size:,} tickets into {engine.name} …")
    began = time.monotonic()
    command = [sys.executable, "-m", "bench.load", "--database-url", template,
               "--count", str(size), "--migrate", "--json"]  # fmt: skip
    out = subprocess.run(
        command, cwd=REPO, env=ticketd_env(template), stdout=subprocess.PIPE, text=True, check=True
    )
    seconds = time.monotonic() - began
    log(f"  loaded in {seconds:.0f} s")
    return Dataset(engine, size, template, seconds, json.loads(out.stdout))


def given_dataset(text: str) -> tuple[tuple[str, int], str]:
    where, url = text.split("=", 1)
    engine, size = where.split(":")
    return (engine, int(size.replace(",", "").replace("_", ""))), url


def given_dataset_for(engine: Engine, size: int, url: str) -> Dataset:
    """A database loaded earlier: its one workspace and the loader's search words."""
    rows = query(url, "SELECT id FROM workspaces WHERE name = $1", "Bulk-loaded workspace")
    if len(rows) != 1:
        sys.exit(f"{url}: expected one workspace filled by bench/load.py, found {len(rows)}")
    loaded = {"workspace_id": rows[0][0], "rare_word": RARE_WORD, "common_word": COMMON_WORD}
    return Dataset(engine, size, url, 0.0, loaded)


def ticketd_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETD_")}
    env |= {
        "TICKETD_DATABASE_URL": database_url,
        "TICKETD_RATE_LIMIT_PER_SECOND": "1000000000",  # measure the service, not its limit
        "PYTHONPATH": str(REPO),
    }
    return env


def cli(database_url: str, *args: str) -> Any:
    done = subprocess.run(
        [sys.executable, "-m", "ticketd.cli", *args, "--json"],
        env=ticketd_env(database_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


# -- ticketd ------------------------------------------------------------------------------


@dataclass
class Served:
    """ticketd serving a fresh copy of one dataset, with the scenarios to run on it."""

    dataset: Dataset
    server: Server
    facts: Facts
    scenarios: list[Scenario]


def measure_ticketd(
    datasets: list[Dataset], round_no: int, args: argparse.Namespace, results: Results
) -> None:
    """One engine's datasets served side by side, each scenario run at every size back to
    back, the sizes' order turned round every other round: a slow spell of a shared
    machine then falls on both sides of a 1,000,000 ÷ 10,000 ratio, not on one size's
    whole run."""
    with contextlib.ExitStack() as stack:
        served = [stack.enter_context(serving(d, round_no, args)) for d in datasets]
        if round_no % 2 == 0:
            served.reverse()
        for index in range(len(served[0].scenarios)):
            for each in served:
                measure_scenario(each, each.scenarios[index], args, results)


@contextlib.contextmanager
def serving(dataset: Dataset, round_no: int, args: argparse.Namespace) -> Iterator[Served]:
    engine, size = dataset.engine, dataset.size
    url = engine.fresh_copy(dataset.template, f"load{size}", round_no)
    workspace = dataset.loaded["workspace_id"]
    key = cli(url, "key", "create", workspace, "--name", "bench")["apiKey"]
    client = cli(url, "token", "create", workspace, "--name", "bench")
    port = free_port()
    command = pinned(
        args.server_cpu,
        [sys.executable, "-m", "ticketd.cli", "serve", "--no-demo", "--port", str(port)],
    )
    server = start("ticketd", command, ticketd_env(url), port, args.workdir)
    try:
        facts = gather_facts(server, url, key, client, dataset.loaded)
        if not ANSWER_BYTES:
            measure_answer_sizes(server, facts)
        facts.claim_pool = open_claim_pool(server, facts, 8 * CLAIM_LAG)
        yield Served(dataset, server, facts, selected(ticketd_scenarios(facts), args))
    finally:
        server.stop()
        engine.drop(url)


def measure_scenario(
    served: Served, scenario: Scenario, args: argparse.Namespace, results: Results
) -> None:
    server = served.server
    if scenario.name == "claim_reply":
        claim_first(server, served.facts)
    check(server, scenario)
    measured = run_wrk(
        server, scenario, args.seconds, args.connections, args.load_cpu, args.workdir
    )
    results.add(
        (served.dataset.engine.name, served.dataset.size, "ticketd", scenario.name), measured
    )


def selected(scenarios: list[Scenario], args: argparse.Namespace) -> list[Scenario]:
    wanted = {s for s in args.scenarios.split(",") if s}
    return [s for s in scenarios if not wanted or s.name in wanted]


def gather_facts(
    server: Server, url: str, key: str, client: dict[str, Any], loaded: dict[str, Any]
) -> Facts:
    series = {"apikey": key}
    _, config = call(server.base_url, "GET", "/tickets/config", series, None)
    config = config["data"]
    category = next(
        k
        for k, c in config["Categories"].items()
        if not c["WorkspaceMembershipRequired"] and not c["MinAccessRank"]
    )
    department, staff = staff_department(config, category)
    _, page = call(server.base_url, "GET", "/tickets/list?page=1", series, None)
    form = urlencode(
        {
            "grant_type": "refresh_token",
            "refresh_token": client["refreshToken"],
            "client_id": client["clientId"],
        }
    )
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    _, token = call(server.base_url, "POST", "/helpdesk/token", form_headers, form)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    _, categories = call(server.base_url, "GET", "/helpdesk/categories", bearer, None)
    workspace = loaded["workspace_id"]
    busiest_tag = query(
        url,
        "SELECT g.name FROM tag_counts c JOIN tags g ON g.id = c.tag_id"
        " WHERE c.workspace_id = $1 GROUP BY g.name ORDER BY SUM(c.n) DESC LIMIT 1",
        workspace,
    )
    return Facts(
        series_key=key,
        create_category=category,
        department=department,
        staff_user_id=staff,
        helpdesk_category_id=categories["data"][0]["id"],
        rare_word=loaded["rare_word"],
        common_word=loaded["common_word"],
        codes=sample(url, "SELECT code FROM tickets WHERE workspace_id = $1", (workspace,), 4000),
        claim_pool=[],
        last_page=page["data"]["Pagination"]["TotalPages"],
        bearer=token["access_token"],
        staff_cookie=staff_session(server, url, workspace, staff),
        tag=busiest_tag[0][0] if busiest_tag else "",
    )


def staff_session(server: Server, url: str, workspace: str, user_id: int) -> str:
    """A dashboard session of the staff member, signed in through the sign-in form."""
    password = "bench password for the dashboard"
    subprocess.run(
        [sys.executable, "-m", "ticketd.cli", "staff", "set-password", workspace,
         "--user-id", str(user_id), "--password-stdin"],
        env=ticketd_env(url), input=password + "\n", capture_output=True, text=True, check=True,
    )  # fmt: skip
    form = urlencode({"login": user_id, "password": password, "workspace": workspace})
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(
            "POST", "/staff/login", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        answer = connection.getresponse()
        cookie = answer.getheader("Set-Cookie", "")
        if answer.status != 303 or not cookie:
            raise RuntimeError(f"staff sign-in: {answer.status} {answer.read()[:200]!r}")
    finally:
        connection.close()
    return cookie.split(";", 1)[0]


def staff_department(config: dict[str, Any], category: str) -> tuple[str, int]:
    """The department the category routes to, and one of its staff members."""
    key, department = next(
        (k, d) for k, d in config["Departments"].items() if category in d["Categories"]
    )
    return key, int(department["Members"][0])


def open_claim_pool(server: Server, facts: Facts, count: int) -> list[str]:
    """Fresh tickets for claim_reply to claim, reply to and let go of in turn."""
    create = series_create(facts)
    method, path, body = create.lines[0].split("\t")
    codes = []
    for n in range(count):
        status, answer = call(
            server.base_url, method, path, create.headers, body.replace("%N%", f"7{n}")
        )
        if status != 200:
            raise RuntimeError(f"opening the claim pool: {status} {answer!r}")
        codes.append(answer["data"]["TicketId"])
    return codes


def claim_first(server: Server, facts: Facts) -> None:
    headers = {"Content-Type": "application/json", "apikey": facts.series_key}
    body = json.dumps({"staffUserId": facts.staff_user_id})
    for code in pre_claimed(facts):
        status, answer = call(server.base_url, "POST", f"/tickets/{code}/claim", headers, body)
        if status != 200:
            raise RuntimeError(f"claiming {code} before claim_reply: {status} {answer!r}")


def sample(url: str, sql: str, params: tuple[Any, ...], limit: int) -> list[str]:
    """Up to `limit` values of the query's first column, in a shuffled order."""
    rows = query(url, f"{sql} ORDER BY id LIMIT {limit * 20}", *params)
    values = [str(r[0]) for r in rows]
    random.Random(7).shuffle(values)
    return values[:limit]


def query(url: str, sql: str, *params: Any) -> list[Any]:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(sql.replace("$1", "?1").replace("$2", "?2"), params).fetchall()

    async def fetch() -> list[Any]:
        conn = await asyncpg.connect(url)
        try:
            return list(await conn.fetch(sql, *params))
        finally:
            await conn.close()

    return asyncio.run(fetch())


# -- the floor and the peer -------------------------------------------------------------------


def measure_floor(
    engine: Engine, round_no: int, args: argparse.Namespace, results: Results
) -> None:
    url = engine.new_template(f"floor{round_no}")
    port = free_port()
    sizes = [str(ANSWER_BYTES[name]) for name in ("create", "get")]
    command = pinned(
        args.server_cpu,
        [sys.executable, str(BENCH / "floor_app.py"), url, str(port), *sizes, str(FLOOR_ROWS)],
    )
    server = start(
        "floor",
        command,
        dict(os.environ),
        port,
        args.workdir,
        ready_path=f"/tickets/get/{floor_code(1)}",
    )
    try:
        for scenario in floor_scenarios("support", FLOOR_ROWS):
            measured = run_wrk(
                server, scenario, args.seconds, args.connections, args.load_cpu, args.workdir
            )
            results.add((engine.name, 0, "floor", scenario.name), measured)
    finally:
        server.stop()
        engine.drop(url)


# The length of ticketd's answers to the README's create and to a get of that ticket,
# taken from ticketd in this run (its first dataset); the floor pads its answers to them.
ANSWER_BYTES: dict[str, int] = {}


def measure_answer_sizes(server: Server, facts: Facts) -> None:
    create = series_create(facts)
    method, path, body = create.lines[0].split("\t")
    created = raw_call(server.base_url, method, path, create.headers, body.replace("%N%", "1"))
    code = json.loads(created)["data"]["TicketId"]
    got = raw_call(server.base_url, "GET", f"/tickets/get/{code}", create.headers, None)
    ANSWER_BYTES.update(create=len(created), get=len(got))


# django-helpdesk's get reads every ticket of the database (bench/peer/README.md), so its
# gets are measured on a database of this many tickets, whatever the dataset's size.
PEER_TICKETS = 100


def measure_peer(engine: Engine, round_no: int, args: argparse.Namespace, results: Results) -> None:
    venv = peer.build(args.workdir / "peer-venv")
    database = peer_database(engine, args.workdir, round_no)
    recipe = peer.prepare(engine.name, database, reset=True, venv_dir=venv)
    first, last = peer.seed(engine.name, database, PEER_TICKETS, venv_dir=venv)["added_ids"]
    port = free_port()
    log_path = args.workdir / f"peer-{port}.log"
    with log_path.open("wb") as log_file:
        started = peer.start(engine.name, database, port, cpu=args.server_cpu, venv_dir=venv,
                             stderr=log_file)  # fmt: skip
    server = Server("peer", started.process, port, log_path)
    try:
        for scenario in peer_scenarios(recipe, range(first, last + 1)):
            check(server, scenario)
            measured = run_wrk(server, scenario, args.seconds, args.connections, args.load_cpu,
                               args.workdir)  # fmt: skip
            results.add((engine.name, 0, "peer", scenario.name), measured)
    finally:
        started.stop()
        if engine.name == "postgresql":
            engine.drop(database)


def peer_database(engine: Engine, workdir: Path, round_no: int) -> str:
    if engine.name == "sqlite":
        return str(workdir / f"peer-round{round_no}.db")
    return engine.url(f"tdbench_peer_r{round_no}_{os.getpid()}")  # type: ignore[attr-defined]


def peer_scenarios(recipe: dict[str, Any], ticket_ids: range) -> list[Scenario]:
    headers = recipe["headers"]
    get_path = recipe["get"]["path"]
    gets = [f"GET\t{get_path.replace('{id}', str(n))}\t" for n in ticket_ids]
    create = recipe["create"]
    posts = [f"POST\t{create['path']}\t{json.dumps(create['body'], separators=(',', ':'))}"]
    return [
        Scenario("series_get", gets, headers, writes=False),
        Scenario("series_create", posts, headers, writes=True),
    ]


# -- the report ----------------------------------------------------------------------------

READS = (
    "series_get",
    "series_list",
    "series_list_last_page",
    "series_department",
    "series_search_rare",
    "series_search_common",
    "helpdesk_list",
    "helpdesk_list_deep",
    "dashboard_queue",
    "dashboard_department",
    "dashboard_tag",
    "dashboard_search_rare",
    "dashboard_search_common",
    "dashboard_poll",
    "dashboard_ticket",
)
Key = tuple[str, int, str, str]


class Medians:
    """The medians over the rounds of one (engine, size, system, scenario)."""

    def __init__(self, cells: dict[Key, list[Measured]]) -> None:
        self.cells = cells

    def of(self, key: Key, name: str) -> float | None:
        runs = self.cells.get(key)
        return statistics.median(getattr(m, name) for m in runs) if runs else None

    def rps(self, key: Key) -> float | None:
        return self.of(key, "requests_per_second")

    def engines(self) -> list[str]:
        return list(dict.fromkeys(k[0] for k in self.cells))


def ratio(a: float | None, b: float | None) -> str:
    return "–" if not a or not b else f"{a / b:.2f}×"


def figure(value: float | None, spec: str = ",.0f") -> str:
    return "–" if value is None else format(value, spec)


def render(
    results: Results, args: argparse.Namespace, datasets: list[Dataset], seconds: float
) -> str:
    medians = Medians(results.cells)
    sizes = sorted({d.size for d in datasets})
    lines = [
        "# Benchmark results",
        "",
        f"`python bench/run.py {' '.join(sys.argv[1:])}`".replace(" `", "`"),
        "",
        f"- {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}",
        f"- ticketd at commit {commit()}",
        f"- {args.rounds} round(s) of {args.seconds:g} s per scenario; wrk, 1 thread, "
        f"{args.connections} connections, on CPU {args.load_cpu}; every server one process on "
        f"CPU {args.server_cpu}; medians over the rounds; each ticketd scenario runs at every "
        "size back to back (smallest first in odd rounds, largest first in even ones)",
        *(f"- {note}" for note in results.notes),
        *(f"- {d.engine.name}: {d.size:,} tickets {provenance(d)}" for d in datasets),
        f"- the whole run took {seconds / 60:.1f} min",
        "",
    ]
    for engine in medians.engines():
        lines += engine_table(medians, engine, sizes[0], sizes[-1])
    lines += ["## Targets", ""]
    for engine in medians.engines():
        lines += targets(medians, engine, sizes[0], sizes[-1])
    return "\n".join(lines) + "\n"


def provenance(dataset: Dataset) -> str:
    if dataset.load_seconds:
        return f"loaded by bench/load.py in {dataset.load_seconds:.0f} s"
    return "loaded earlier by bench/load.py (--dataset; not timed in this run)"


def engine_table(medians: Medians, engine: str, small: int, large: int) -> list[str]:
    lines = [
        f"## {engine}",
        "",
        f"| scenario | {small:,}: req/s | p50 ms | p99 ms | {large:,}: req/s | p50 ms | p99 ms "
        f"| p99 {large:,} ÷ {small:,} | floor req/s | ticketd ÷ floor | peer req/s "
        "| ticketd ÷ peer | ticketd RSS MiB (max) | errors |",
        "|---|" + "---:|" * 13,
    ]
    cells = medians.cells
    for scenario in dict.fromkeys(k[3] for k in cells if k[0] == engine and k[2] == "ticketd"):
        mine = [(engine, size, "ticketd", scenario) for size in (small, large)]
        floor, peer = (medians.rps((engine, 0, system, scenario)) for system in ("floor", "peer"))
        timings = [
            f"{figure(medians.rps(k))} | {figure(medians.of(k, 'p50_ms'), '.2f')} "
            f"| {figure(medians.of(k, 'p99_ms'), '.2f')}"
            for k in mine
        ]
        rss = max(m.rss_mib for k in mine for m in cells.get(k, []))
        errors = sum(
            m.errors
            for k, runs in cells.items()
            if k[0] == engine and k[3] == scenario
            for m in runs
        )
        growth = ratio(*(medians.of(k, "p99_ms") for k in reversed(mine)))
        small_rps = medians.rps(mine[0])
        lines.append(
            f"| {scenario} | {timings[0]} | {timings[1]} | {growth} | {figure(floor)} "
            f"| {ratio(small_rps, floor)} | {figure(peer)} | {ratio(small_rps, peer)} "
            f"| {rss:.0f} | {errors} |"
        )
    return [*lines, ""]


def targets(medians: Medians, engine: str, small: int, large: int) -> list[str]:
    """The issue's targets for one engine, each met or not, from the figures above."""

    def rps(size: int, system: str, scenario: str) -> float | None:
        return medians.rps((engine, size, system, scenario))

    create, get = rps(small, "ticketd", "series_create"), rps(small, "ticketd", "series_get")
    lines = [
        verdict(engine, "create ≥ 0.6× the floor", create, rps(0, "floor", "series_create"), 0.6),
        verdict(engine, "get ≥ 0.8× the floor", get, rps(0, "floor", "series_get"), 0.8),
        verdict(engine, "create ≥ 20× the peer", create, rps(0, "peer", "series_create"), 20.0),
    ]
    for scenario in READS:
        late, early = (
            medians.of((engine, s, "ticketd", scenario), "p99_ms") for s in (large, small)
        )
        label = f"{scenario} p99 at {large:,} ≤ 1.3× at {small:,}"
        lines.append(verdict(engine, label, late, early, 1.3, higher=False))
    rss = [
        m.rss_mib
        for k, runs in medians.cells.items()
        if k[0] == engine and k[1] == large and k[2] == "ticketd"
        for m in runs
    ]
    if rss:
        met = "met" if max(rss) <= 150 else "**not met**"
        lines.append(f"- {engine}: RSS ≤ 150 MiB at {large:,}: {max(rss):.0f} MiB, {met}")
    return [*lines, ""]


def verdict(
    engine: str,
    label: str,
    mine: float | None,
    other: float | None,
    want: float,
    higher: bool = True,
) -> str:
    if not mine or not other:
        return f"- {engine}: {label}: not measured"
    value = mine / other
    met = value >= want if higher else value <= want
    return f"- {engine}: {label}: {value:.2f}×, {'met' if met else '**not met**'}"


def commit() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=REPO,
                          capture_output=True, text=True, check=False)  # fmt: skip
    return done.stdout.strip() or "unknown (not a git checkout)"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.machine(),
    )
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    sys.exit(main())
