"""Compare create/get throughput of two versions of ticketd, alternating in one run.

    .venv/bin/python bench/compare_refs.py [--before REF|DIR] [--after REF|DIR] ...

Each side runs in its own Python process per round (PYTHONPATH = that side's code);
the rounds alternate before, after, before, after. See bench/README.md."""

import argparse
import datetime
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from databases import (
    Credentials,
    Engine,
    SetupError,
    check_cli_source,
    log,
    make_engines,
    set_up_workspace,
    side_env,
)
from report import Cell, load_average, machine, table
from sources import Side, git, prepare

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "runner.py"
WORKLOADS = ("health", "series_create", "series_get", "helpdesk_create", "helpdesk_get")
ENGINES = ("sqlite", "postgresql")
DEFAULT_BEFORE = "c574ed9"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def main_worktree(repo: Path) -> str:
    """The repository's main working tree (the first `git worktree list` entry)."""
    first = git(repo, "worktree", "list", "--porcelain").splitlines()[0]
    return first.removeprefix("worktree ")


def csv(allowed: tuple[str, ...]) -> Any:
    def parse(text: str) -> list[str]:
        names = [n.strip() for n in text.split(",") if n.strip()]
        unknown = [n for n in names if n not in allowed]
        if unknown or not names:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
        return [n for n in allowed if n in names]  # canonical order

    return parse


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repo", default=str(HERE.parent), help="git repository for refs")
    p.add_argument("--before", default=DEFAULT_BEFORE, help="ref or directory (c574ed9)")
    p.add_argument("--after", help="ref or directory (the main working tree)")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--requests", type=int, default=2000, help="timed requests per workload")
    p.add_argument("--warmup", type=int, default=200, help="untimed requests before each")
    p.add_argument("--floor-requests", type=int, default=50_000)
    p.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    p.add_argument("--engines", type=csv(ENGINES), default=list(ENGINES))
    p.add_argument("--workloads", type=csv(WORKLOADS), default=list(WORKLOADS))
    p.add_argument("--python", default=sys.executable, help="interpreter for both sides")
    p.add_argument("--pg-url", default=PG_ADMIN_URL, help="PostgreSQL admin database URL")
    p.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    p.add_argument("--rate-limit", type=int, default=1_000_000_000)
    p.add_argument("--json-out", help="also write every round's raw results here")
    args = p.parse_args(argv)
    args.after = args.after or main_worktree(Path(args.repo))
    return args


@dataclass
class Template:
    url: str
    credentials: Credentials


def set_up(
    args: argparse.Namespace, sides: list[Side], engines: list[Engine], workdir: Path
) -> dict[tuple[str, str], Template]:
    templates = {}
    for side in sides:
        log(f"{side.label}: ticketd.cli from {check_cli_source(args.python, side.src, workdir)}")
        for engine in engines:
            url = engine.new_template(side.label)
            creds = set_up_workspace(args.python, side.src, url, workdir)
            templates[engine.name, side.label] = Template(url, creds)
    return templates


def run_side(
    args: argparse.Namespace, side: Side, url: str, creds: Credentials, tag: str, workdir: Path
) -> dict[str, Any]:
    spec = {
        "src": str(side.src),
        "database_url": url,
        "series_key": creds.series_key,
        "client_id": creds.client_id,
        "refresh_token": creds.refresh_token,
        "helpdesk_category_id": creds.helpdesk_category_id,
        "workloads": args.workloads,
        "requests": args.requests,
        "warmup": args.warmup,
        "floor_requests": args.floor_requests,
        "loop": args.loop,
        "concurrency": args.concurrency,
        "rate_limit": args.rate_limit,
    }
    spec_path, out_path = workdir / f"spec-{tag}.json", workdir / f"out-{tag}.json"
    spec_path.write_text(json.dumps(spec))
    command = [args.python, str(RUNNER), str(spec_path), str(out_path)]
    env = side_env(side.src)
    try:
        done = subprocess.run(
            command, env=env, cwd=workdir, capture_output=True, text=True, timeout=1800
        )
    except subprocess.TimeoutExpired:
        return {"error": "the runner did not finish within 1800 s"}
    if done.returncode != 0:
        tail = " / ".join(done.stderr.strip().splitlines()[-3:])
        return {"error": f"exit {done.returncode}: {tail}"}
    output: dict[str, Any] = json.loads(out_path.read_text())
    if any(r.get("failures") for r in output["results"].values()) and done.stderr.strip():
        log(f"{tag}: the runner's log, with the failed requests' tracebacks:\n{done.stderr}")
    outside: list[str] = output["provenance"]["outside_src"]
    if outside:
        return {"error": f"ticketd modules loaded from outside {side.src}: {outside[:3]}"}
    return output


def summary(output: dict[str, Any]) -> str:
    if "error" in output:
        return f"ERROR {output['error']}"
    parts = []
    for name, result in output["results"].items():
        rps = result["rps"]
        parts.append(f"{name} {rps:,.0f}/s" if rps else f"{name} FAILED")
    return ", ".join(parts)


def run_rounds(
    args: argparse.Namespace,
    sides: list[Side],
    engines: list[Engine],
    templates: dict[tuple[str, str], Template],
    workdir: Path,
) -> list[dict[str, Any]]:
    runs = []
    for round_no in range(1, args.rounds + 1):
        for engine in engines:
            for side in sides:
                template = templates[engine.name, side.label]
                url = engine.fresh_copy(template.url, side.label, round_no)
                tag = f"{side.label}-{engine.name}-{round_no}"
                try:
                    output = run_side(args, side, url, template.credentials, tag, workdir)
                finally:
                    engine.drop(url)
                log(f"round {round_no} {engine.name:<10} {side.label:<6} {summary(output)}")
                runs.append(
                    {"round": round_no, "engine": engine.name, "side": side.label, **output}
                )
    return runs


def collect(
    runs: list[dict[str, Any]], workloads: list[str], engines: list[Engine], metric: str = "rps"
) -> tuple[dict[tuple[str, str], Cell], Cell, list[str]]:
    """Per workload and engine the rates (`rps` by wall clock, `cpu_rps` by the runner's
    CPU time) of both sides; the floor; every failure."""
    cells = {(w, e.name): Cell() for w in workloads for e in engines}
    floor = Cell()
    errors = []
    for run in runs:
        where = f"round {run['round']}, {run['engine']}, {run['side']}"
        if "error" in run:
            errors.append(f"{where}: runner process failed: {run['error']}")
        results = run.get("results", {})
        floor.add(f"floor, {where}", run["side"], results.get("floor"), metric)
        for workload in workloads:
            cell = cells[workload, run["engine"]]
            cell.add(f"{workload}, {where}", run["side"], results.get(workload), metric)
    for cell in [*cells.values(), floor]:
        errors.extend(cell.failures)
    return cells, floor, errors


def side_line(side: Side) -> str:
    return (
        f"- {side.label}: `{side.given}` = commit `{side.commit}`, {side.note}; "
        f"ticketd/ content hash {side.tree_hash}"
    )


def provenance_line(runs: list[dict[str, Any]]) -> str:
    good = [r["provenance"] for r in runs if "provenance" in r]
    if not good:
        return "- no runner finished"
    python = sorted({p["python"] for p in good})
    files = sorted({p["ticketd_files"] for p in good})
    return (
        f"- Python {', '.join(python)} ({good[0]['executable']}); in each of {len(good)} "
        f"runner processes every loaded ticketd module ({'/'.join(map(str, files))} files) "
        "came from that side's own code"
    )


def render(
    args: argparse.Namespace,
    sides: list[Side],
    pg: str,
    runs: list[dict[str, Any]],
    started: dict[str, str],
    engines: list[Engine],
) -> tuple[str, bool]:
    """The report, and whether anything failed."""
    cells, floor, failed = collect(runs, args.workloads, engines)
    in_flight = "one at a time" if args.concurrency == 1 else f"{args.concurrency} in flight"
    same = "identical" if sides[0].tree_hash == sides[1].tree_hash else "different"
    lines = [
        f"Measured {started['date']} on {machine()}; load average {started['load']} at "
        f"start, {load_average()} at end.",
        "",
        *map(side_line, sides),
        f"- the two sides' ticketd/ trees are {same}",
        provenance_line(runs),
        f"- {pg}",
        f"- {args.rounds} rounds, alternating before/after, a fresh process and a fresh "
        f"database copy per side, engine and round; {args.requests} timed requests per "
        f"workload after {args.warmup} warm-up requests, {in_flight}, {args.loop} loop; "
        f"floor: {args.floor_requests} requests to a raw ASGI app in the same processes",
        "",
        table(cells, floor),
        "",
        "The same processes by their own CPU time instead of the wall clock (less sensitive",
        "to other processes on the machine; leaves out the PostgreSQL server's work):",
        "",
        table(*collect(runs, args.workloads, engines, "cpu_rps")[:2]),
    ]
    if failed:
        lines += ["", "**Failed runs (not timed as success):**", *[f"- {f}" for f in failed]]
    return "\n".join(lines), bool(failed)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load": load_average(),
    }
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="ticketd-bench-") as tmp:
        workdir = Path(tmp)
        repo = Path(args.repo)
        sides = [
            prepare(label, given, repo, workdir)
            for label, given in (("before", args.before), ("after", args.after))
        ]
        engines, pg = make_engines(args.engines, args.pg_url, workdir)
        try:
            templates = set_up(args, sides, engines, workdir)
            runs = run_rounds(args, sides, engines, templates, workdir)
        except SetupError as error:
            log(f"setup failed: {error}")
            return 2
        finally:
            for engine in engines:
                engine.close()
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(runs, indent=1))
    text, failed = render(args, sides, pg, runs, started, engines)
    print(text)
    log(f"total {time.monotonic() - t0:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
