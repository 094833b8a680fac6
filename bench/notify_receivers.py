"""Series creates per second while the delivery worker runs, with no Discord webhook,
a healthy receiver, and three dead ones, alternating in one run.

    .venv/bin/python bench/notify_receivers.py [--quick] [--rounds R] [--engines ...]

Each measurement is a fresh Python process running `create_app(settings, deliver=True)`
with its ASGI lifespan, so the delivery worker shares the event loop with the requests
(as in `ticketd serve`); Series `POST /tickets/create` requests are awaited in process
(bench/asgi_loop.py). The receivers run in one separate process (this file with the
internal `receivers` argument), one port per kind: `healthy` answers 204 at once,
`http500` always 500, `hang` reads the request and never answers, `refused` is a port
bound without listening. `none` and `none-again` configure no webhook; the second is an
identical re-run that shows the noise. See bench/README.md."""

import argparse
import asyncio
import datetime
import json
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

from databases import WORKSPACE_CONFIG as BASE_CONFIG
from databases import SetupError, log, make_engines, run_python, side_env
from report import load_average, machine
from sources import git

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# `none-again` is `none` measured a second time in the same round: its ratio to `none`
# shows how far two identical measurements fall apart on this machine.
SCENARIOS = ("none", "healthy", "http500", "hang", "refused", "none-again")
RECEIVERS = ("healthy", "http500", "hang", "refused")
WITHOUT_WEBHOOK = ("none", "none-again")
ENGINES = ("sqlite", "postgresql")
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
ALLOW = "127.0.0.1"
STATES = ("delivered", "pending", "failed")


# The receivers (a separate process) ------------------------------------------------

ERROR_BODY = b'{"message": "bench receiver: always 500", "code": 0}'
ANSWERS = {
    "healthy": b"HTTP/1.1 204 No Content\r\n\r\n",
    "http500": b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/json\r\n"
    + f"content-length: {len(ERROR_BODY)}\r\n\r\n".encode()
    + ERROR_BODY,
}


async def serve_receivers() -> None:
    """Prints {kind: port} as one JSON line, serves until stdin closes, then prints
    how many requests each kind received and this process's CPU time."""
    counts: Counter[str] = Counter()

    def handler(kind: str) -> Any:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = 0
                    for line in head.split(b"\r\n"):
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"content-length":
                            length = int(value)
                    await reader.readexactly(length)
                    counts[kind] += 1
                    if kind == "hang":
                        await reader.read()  # until ticketd gives up and closes
                        break
                    writer.write(ANSWERS[kind])
                    await writer.drain()
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                pass
            finally:
                writer.close()

        return handle

    servers = {
        kind: await asyncio.start_server(handler(kind), "127.0.0.1", 0)
        for kind in ("healthy", "http500", "hang")
    }
    ports = {kind: s.sockets[0].getsockname()[1] for kind, s in servers.items()}
    closed = socket.socket()  # bound, never listening: connections are refused
    closed.bind(("127.0.0.1", 0))
    ports["refused"] = closed.getsockname()[1]
    print(json.dumps(ports), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    for server in servers.values():
        server.close()
    closed.close()
    print(json.dumps({"requests": dict(counts), "cpu_seconds": time.process_time()}), flush=True)


class Receivers:
    def __init__(self, python: str) -> None:
        self.proc = subprocess.Popen(
            [python, str(Path(__file__).resolve()), "receivers"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.ports: dict[str, int] = json.loads(self.proc.stdout.readline())

    def url(self, kind: str) -> str:
        return f"http://127.0.0.1:{self.ports[kind]}/api/webhooks/1/{kind}"

    def stop(self) -> dict[str, Any]:
        try:
            out, _ = self.proc.communicate(timeout=15)
            return dict(json.loads(out.strip().splitlines()[-1]))
        except (subprocess.TimeoutExpired, ValueError, IndexError) as error:
            self.proc.kill()
            self.proc.wait()
            return {"error": f"the receivers did not report: {error}"}


# One measurement (a separate process per scenario, engine and round) ---------------


async def snapshot(db: Any) -> dict[str, Any]:
    """The outbox as it stands: deliveries by state, attempts, events not fanned out
    yet, what the Discord destination is doing, and the last error recorded."""
    async with db.connection() as conn:
        by_state = {r[0]: int(r[1]) for r in await conn.fetch(
            "SELECT state, COUNT(*) FROM event_deliveries GROUP BY state")}  # fmt: skip
        attempts = await conn.fetchval("SELECT COALESCE(SUM(attempts), 0) FROM event_deliveries")
        waiting = await conn.fetchval("SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL")
        destination = await conn.fetchrow(
            "SELECT failures, next_attempt_at, leased_until FROM delivery_destinations"
        )
        error = await conn.fetchval(
            "SELECT last_error FROM event_deliveries WHERE last_error IS NOT NULL"
            " ORDER BY id DESC LIMIT 1"
        )
    return {
        **{state: by_state.get(state, 0) for state in STATES},
        "attempts": int(attempts),
        "waiting": int(waiting),
        "destination": destination_state(destination),
        "last_error": error,
    }


def destination_state(row: Any) -> str:
    """The Discord destination: sending (leased by the worker), backing off, or idle."""
    if row is None:
        return "no Discord destination"
    failures, next_attempt_at, leased_until = row[0], row[1], row[2]
    now = time.time_ns() // 1_000_000
    if leased_until is not None and leased_until > now:
        doing = "sending"
    elif next_attempt_at > now:
        doing = f"backing off {(next_attempt_at - now) / 1000:.1f} s more"
    else:
        doing = "idle"
    return f"Discord destination {doing}, {failures} failure(s) in a row"


QUIET = 0.5  # seconds without a delivery attempt that end the settling


def progress_key(s: dict[str, Any]) -> tuple[int, ...]:
    return (s["delivered"], s["failed"], s["attempts"])


async def settle(db: Any, cap: float) -> tuple[dict[str, Any], float]:
    """Lets the worker go on after the timing until every event is fanned out and then
    either nothing is pending or no attempt finished for QUIET seconds (a dead receiver
    backing off, or one attempt hanging), or until `cap` seconds passed."""
    started = last_move = time.perf_counter()
    current = await snapshot(db)
    while True:
        now = time.perf_counter()
        if now - started >= cap:
            break
        if current["waiting"] == 0 and (current["pending"] == 0 or now - last_move >= QUIET):
            break
        await asyncio.sleep(0.1)
        later = await snapshot(db)
        if progress_key(later) != progress_key(current) or later["waiting"]:
            last_move = time.perf_counter()
        current = later
    return current, time.perf_counter() - started


async def measure(spec: dict[str, Any]) -> dict[str, Any]:
    from asgi_loop import Call, drive, lifespan
    from runner import JSON, SERIES_BODY, Failed, measure_floor, series_data

    import ticketd
    from ticketd.app import build_services, create_app
    from ticketd.settings import Settings

    concurrency = spec["concurrency"]
    floor = await measure_floor(spec["floor_requests"], concurrency)
    settings = Settings(
        database_url=spec["database_url"],
        rate_limit_per_second=spec["rate_limit"],
        outbound_allow_hosts=ALLOW,
    )
    services = build_services(settings)
    app = create_app(settings, services, deliver=True)
    call = Call("POST", "/tickets/create", ((b"apikey", spec["key"].encode()), JSON), SERIES_BODY)

    def failed(answers: list[Any]) -> tuple[int, str | None]:
        count, first = 0, None
        for answer in answers:
            try:
                series_data(answer)
            except (Failed, ValueError, KeyError) as error:
                count, first = count + 1, first or str(error)
        return count, first

    async with lifespan(app) as state:
        warm = await drive(app, [call] * spec["warmup"], state, concurrency)
        await asyncio.sleep(spec["pause"])  # the worker fans the warm-up out, tries once
        before = await snapshot(services.db)
        timed = await drive(app, [call] * spec["requests"], state, concurrency)
        at_end = await snapshot(services.db)
        settled, settle_seconds = await settle(services.db, spec["settle_max"])
        shutdown_started = time.perf_counter()
    shutdown = time.perf_counter() - shutdown_started
    failures, first = failed(timed.answers)
    warm_failures, warm_first = failed(warm.answers)
    ok = failures + warm_failures == 0
    n = spec["requests"]
    return {
        "rps": n / timed.seconds if ok else None,
        "cpu_us": timed.cpu_seconds / n * 1e6,
        "seconds": timed.seconds,
        "failures": failures + warm_failures,
        "first_failure": warm_first or first,
        "floor_rps": floor["rps"],
        "before": before,
        "at_end": at_end,
        "settled": settled,
        "settle_seconds": settle_seconds,
        "shutdown_seconds": shutdown,
        "ticketd": ticketd.__file__,
    }


def measure_main(spec_path: str, out_path: str) -> None:
    from runner import event_loop_factory

    spec = json.loads(Path(spec_path).read_text())
    with asyncio.Runner(loop_factory=event_loop_factory(spec["loop"])) as runner:
        result = runner.run(measure(spec))
    Path(out_path).write_text(json.dumps(result))


# The orchestrator -------------------------------------------------------------------


def csv(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        if not names or any(n not in allowed for n in names):
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
        return [n for n in allowed if n in names]

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=" ".join(__doc__.split("\n\n")[0].split()))
    p.add_argument("--quick", action="store_true", help="smoke run: 1 round, 300 requests")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=2000, help="timed creates per process")
    p.add_argument("--warmup", type=int, default=200, help="untimed creates before them")
    p.add_argument("--pause", type=float, default=1.0, help="seconds between warm-up and timing")
    p.add_argument("--settle-max", type=float, default=4.0, help="cap on the wait after timing")
    p.add_argument("--concurrency", type=int, default=8, help="requests in flight at once")
    p.add_argument("--floor-requests", type=int, default=50_000)
    p.add_argument("--engines", type=csv(ENGINES), default=list(ENGINES))
    p.add_argument("--scenarios", type=csv(SCENARIOS), default=list(SCENARIOS))
    p.add_argument("--python", default=sys.executable)
    p.add_argument("--pg-url", default=PG_ADMIN_URL)
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    p.add_argument("--rate-limit", type=int, default=1_000_000_000)
    p.add_argument("--json-out", help="also write every measurement's raw result here")
    args = p.parse_args(argv)
    if "none" not in args.scenarios:
        p.error("--scenarios must include none (the baseline of the ratios)")
    if args.quick:
        args.rounds, args.requests, args.warmup = 1, 300, 50
        args.pause, args.settle_max, args.floor_requests = 0.5, 3.0, 10_000
    return args


def workspace_config(url: str | None) -> dict[str, Any]:
    if url is None:
        return BASE_CONFIG
    return {
        **BASE_CONFIG,
        "DiscordNotificationWebhookEnabled": True,
        "DiscordNotificationWebhookUrl": url,
    }


def set_up(python: str, url: str, urls: dict[str, str | None], workdir: Path) -> dict[str, str]:
    """One workspace per scenario in one template database, made with ticketd's own CLI
    commands (`workspace create`, `workspace configure`) run in one process; returns each
    scenario's Series API key."""
    configs = {scenario: workspace_config(webhook) for scenario, webhook in urls.items()}
    spec = workdir / "setup.json"
    spec.write_text(json.dumps(configs))
    this = str(Path(__file__).resolve())
    env = side_env(REPO, url) | {"TICKETD_OUTBOUND_ALLOW_HOSTS": ALLOW}
    out = run_python(python, env, workdir, this, "setup", str(spec))
    return dict(json.loads(out.strip().splitlines()[-1]))


def setup_main(spec_path: str) -> None:
    """In the set-up process (TICKETD_DATABASE_URL set): the CLI's commands, in turn."""
    import contextlib
    import io

    from ticketd import cli

    def run(*argv: str) -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            cli.main(list(argv))
        return out.getvalue()

    keys = {}
    spec = Path(spec_path)
    for scenario, config in json.loads(spec.read_text()).items():
        created = json.loads(run("workspace", "create", "--name", scenario, "--json"))
        config_file = spec.with_name(f"config-{scenario}.json")
        config_file.write_text(json.dumps(config))
        run("workspace", "configure", created["id"], "--file", str(config_file))
        keys[scenario] = created["apiKey"]
    print(json.dumps(keys))


@dataclass
class Run:
    round: int
    engine: str
    scenario: str
    result: dict[str, Any] = field(default_factory=dict)

    @property
    def rps(self) -> float | None:
        return self.result.get("rps")


def run_one(
    args: argparse.Namespace, url: str, key: str, tag: str, workdir: Path
) -> dict[str, Any]:
    spec = {
        "database_url": url,
        "key": key,
        "requests": args.requests,
        "warmup": args.warmup,
        "pause": args.pause,
        "settle_max": args.settle_max,
        "concurrency": args.concurrency,
        "floor_requests": args.floor_requests,
        "loop": args.loop,
        "rate_limit": args.rate_limit,
    }
    spec_path, out_path = workdir / f"spec-{tag}.json", workdir / f"out-{tag}.json"
    spec_path.write_text(json.dumps(spec))
    command = [args.python, str(Path(__file__).resolve()), "measure", str(spec_path), str(out_path)]
    try:
        done = subprocess.run(
            command, env=side_env(REPO), cwd=workdir, capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        return {"error": "the measuring process did not finish within 900 s"}
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}: {' / '.join(done.stderr.splitlines()[-3:])}"}
    result: dict[str, Any] = json.loads(out_path.read_text())
    if "Traceback" in done.stderr:
        result["tracebacks"] = done.stderr.count("Traceback")
        log(f"{tag}: the process logged tracebacks:\n{done.stderr}")
    return result


def counts(s: dict[str, Any]) -> str:
    return "/".join(f"{s[state]:,}" for state in STATES)


def round_line(run: Run) -> str:
    r = run.result
    head = f"round {run.round} {run.engine:<10} {run.scenario:<8}"
    if "error" in r:
        return f"{head} ERROR {r['error']}"
    rate = f"{r['rps']:>6,.0f}/s" if r["rps"] else f"FAILED ({r['failures']}: {r['first_failure']})"
    end, settled = r["at_end"], r["settled"]
    drained = settled["delivered"] - end["delivered"]
    pace = f", {drained / r['settle_seconds']:,.0f}/s" if drained else ""
    error = f"; last error: {settled['last_error']}" if settled["last_error"] else ""
    return (
        f"{head} {rate}, {r['cpu_us']:,.0f} µs CPU/create | d/p/f {counts(r['before'])} before "
        f"timing, {counts(end)} at its end ({end['waiting']:,} events not fanned out yet, "
        f"{end['destination']}), {counts(settled)} after "
        f"{r['settle_seconds']:.1f} s more{pace}; {settled['attempts']:,} attempts{error}; "
        f"shutdown {r['shutdown_seconds']:.1f} s"
        + (f"; {r['tracebacks']} traceback(s) logged" if r.get("tracebacks") else "")
    )


def run_rounds(
    args: argparse.Namespace,
    engines: list[Any],
    templates: dict[str, tuple[str, dict[str, str]]],
    workdir: Path,
) -> list[Run]:
    runs = []
    scenarios = args.scenarios
    for round_no in range(1, args.rounds + 1):
        shift = (round_no - 1) % len(scenarios)
        order = scenarios[shift:] + scenarios[:shift]
        for engine in engines:
            template, keys = templates[engine.name]
            for scenario in order:
                url = engine.fresh_copy(template, "notify", round_no)
                tag = f"{engine.name}-{scenario}-{round_no}"
                try:
                    result = run_one(args, url, keys[scenario], tag, workdir)
                finally:
                    engine.drop(url)
                run = Run(round_no, engine.name, scenario, result)
                log(round_line(run))
                runs.append(run)
    return runs


def spread(values: list[float], fmt: str) -> str:
    if not values:
        return "–"
    return f"{format(median(values), fmt)} ({format(min(values), fmt)}–{format(max(values), fmt)})"


def med_counts(results: list[dict[str, Any]], key: str) -> str:
    if not results:
        return "–"
    return "/".join(f"{median(r[key][state] for r in results):,.0f}" for state in STATES)


def ratios_to(runs: list[Run], scenario: str, baseline: str) -> str:
    """Median (min–max) over the rounds of scenario ÷ baseline, both from the same round
    and engine."""
    if scenario == baseline:
        return "1"
    base = {r.round: r.rps for r in runs if r.scenario == baseline}
    ratios = [
        r.rps / b for r in runs if r.scenario == scenario and r.rps and (b := base.get(r.round))
    ]
    return spread(ratios, ".2f")


def table(runs: list[Run], args: argparse.Namespace, engines: list[str]) -> tuple[str, list[str]]:
    lines = [
        "| scenario | engine | creates/s: median (min–max) | ÷ none: median of per-round "
        "ratios (min–max) | ÷ healthy (same) | CPU µs per create (median) | deliveries d/p/f "
        "at end of timing (medians) | d/p/f after settling (medians) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    problems = []
    for engine in engines:
        mine = [r for r in runs if r.engine == engine]
        for scenario in args.scenarios:
            these = [r for r in mine if r.scenario == scenario]
            good = [r.result for r in these if r.rps]
            problems += [round_line(r) for r in these if not r.rps]
            failed = len(these) - len(good)
            rates = spread([g["rps"] for g in good], ",.0f") + (
                f", FAILED in {failed} of {len(these)}" if failed else ""
            )
            healthy = "–"
            if "healthy" in args.scenarios and scenario not in WITHOUT_WEBHOOK:
                healthy = ratios_to(mine, scenario, "healthy")
            cpu = f"{median(g['cpu_us'] for g in good):,.0f}" if good else "–"
            lines.append(
                f"| {scenario} | {engine} | {rates} | {ratios_to(mine, scenario, 'none')} "
                f"| {healthy} | {cpu} | {med_counts(good, 'at_end')} "
                f"| {med_counts(good, 'settled')} |"
            )
    floors = [r.result["floor_rps"] for r in runs if r.result.get("floor_rps")]
    lines.append(f"| raw-ASGI floor | – | {spread(floors, ',.0f')} | | | | | |")
    return "\n".join(lines), problems


def render(
    args: argparse.Namespace,
    runs: list[Run],
    engines: list[str],
    notes: dict[str, str],
    receivers: dict[str, Any],
) -> tuple[str, bool]:
    text, problems = table(runs, args, engines)
    per_round = [round_line(r) for r in runs]
    files = sorted({r.result["ticketd"] for r in runs if "ticketd" in r.result})
    received = receivers.get("requests", {})
    cpu = receivers.get("cpu_seconds")
    lines = [
        f"Measured {notes['date']} on {machine()}; load average {notes['load']} at start, "
        f"{load_average()} at end; {notes['seconds']} s in all.",
        "",
        f"- ticketd at commit `{notes['commit']}`{notes['dirty']}, imported from "
        f"{', '.join(files) or '–'}; Python {sys.version.split()[0]}, {args.loop} loop",
        f"- {notes['pg']}",
        f"- {args.rounds} round(s); in each, per engine, every scenario once, the order "
        "rotated by one per round; a fresh process and a fresh database copy each",
        f"- per process: {args.floor_requests:,} raw-ASGI floor requests, then "
        "`create_app(settings, deliver=True)` with its lifespan (the delivery worker in the "
        f"same event loop), {args.warmup} untimed creates, a {args.pause:g} s pause, "
        f"{args.requests:,} timed Series creates (README body), {args.concurrency} in flight",
        "- after timing the worker runs on (settling) until every event is fanned out and "
        f"then nothing is pending or no attempt finished for {QUIET:g} s, or for at most "
        f"{args.settle_max:g} s; then the lifespan shuts down (the worker gets 5 s to finish "
        "a send in flight)",
        "- settings: defaults (delivery timeout 10 s, first retry within 5 s, poll 0.2 s), "
        f"outbound_allow_hosts={ALLOW}, rate limit {args.rate_limit:,}",
        "- receivers in one separate process: "
        + ", ".join(f"{kind} {received.get(kind, 0):,} requests" for kind in RECEIVERS[:3])
        + ", refused – (nothing listens)"
        + (f"; its CPU time {cpu:.1f} s" if cpu is not None else f"; {receivers.get('error')}"),
        "",
        text,
        "",
        "d/p/f: deliveries delivered/pending/failed in that process's database "
        "(every create queues one Discord delivery when a webhook is configured; "
        "the warm-up's are included).",
        "",
        "Per round:",
        "",
        "```",
        *per_round,
        "```",
    ]
    if problems:
        lines += ["", "**Failed measurements:**", *[f"- {p}" for p in problems]]
    return "\n".join(lines), bool(problems)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    notes = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
        "commit": git(REPO, "rev-parse", "--short", "HEAD"),
        "dirty": " (uncommitted changes under ticketd/)"
        if git(REPO, "status", "--porcelain", "--", "ticketd")
        else "",
    }
    t0 = time.monotonic()
    receivers = Receivers(args.python)
    report: dict[str, Any] = {}
    try:
        urls = {s: None if s in WITHOUT_WEBHOOK else receivers.url(s) for s in args.scenarios}
        log(f"receivers: {receivers.ports}")
        with tempfile.TemporaryDirectory(prefix="ticketd-notify-bench-") as tmp:
            workdir = Path(tmp)
            (workdir / "notify").mkdir()
            engines, notes["pg"] = make_engines(args.engines, args.pg_url, workdir)
            try:
                templates = {}
                for engine in engines:
                    template = engine.new_template("notify")
                    keys = set_up(args.python, template, urls, workdir)
                    templates[engine.name] = (template, keys)
                    log(f"{engine.name}: template ready")
                runs = run_rounds(args, engines, templates, workdir)
            except SetupError as error:
                log(f"setup failed: {error}")
                return 2
            finally:
                for engine in engines:
                    engine.close()
    finally:
        report = receivers.stop()
    notes["seconds"] = f"{time.monotonic() - t0:.0f}"
    if args.json_out:
        raw = [{"round": r.round, "engine": r.engine, "scenario": r.scenario, **r.result}
               for r in runs]  # fmt: skip
        Path(args.json_out).write_text(json.dumps({"runs": raw, "receivers": report}, indent=1))
    text, failed = render(args, runs, [e.name for e in engines], notes, report)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["receivers"]:
        asyncio.run(serve_receivers())
    elif sys.argv[1:2] == ["setup"]:
        setup_main(sys.argv[2])
    elif sys.argv[1:2] == ["measure"]:
        measure_main(sys.argv[2], sys.argv[3])
    else:
        sys.exit(main())
