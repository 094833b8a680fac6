"""Instructions per request of two versions, counted by valgrind (callgrind), SQLite only.

Wall-clock rates on a shared 2-core machine scatter by ±20 % between identical runs;
an instruction count does not depend on what else the machine does. Each side and
workload runs twice under callgrind, with N and with 6×N requests after the same
setup, and the difference divided by 5×N is the cost of one request (the setup,
interpreter start-up and imports cancel out).

    .venv/bin/python bench/instructions.py --before c574ed9 --after /work/main

Needs valgrind (Debian package `valgrind`). Takes about 1 minute per side and workload.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from databases import set_up_workspace, side_env
from sources import Side, prepare

HERE = Path(__file__).resolve().parent
WORKLOADS = ("series_create", "series_get", "helpdesk_create", "helpdesk_get")
COLLECTED = re.compile(r"Collected : (\d+)")


def count(side: Side, workload: str, n: int, workdir: Path, python: str) -> int:
    """Instructions of one process: set up, then `n` requests of `workload`."""
    db = workdir / f"{side.label}-{workload}-{n}.db"
    url = f"sqlite:///{db}"
    creds = set_up_workspace(python, side.src, url, workdir)
    args = [workload, str(n), url, creds.series_key, creds.client_id, creds.refresh_token]
    args.append(str(creds.helpdesk_category_id))
    done = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            python,
            str(HERE / "instructions_runner.py"),
            *args,
        ],
        env=side_env(side.src),
        capture_output=True,
        text=True,
        check=True,
    )
    found = COLLECTED.search(done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def per_request(side: Side, workload: str, n: int, workdir: Path, python: str) -> int:
    long_run = count(side, workload, 6 * n, workdir, python)
    return (long_run - count(side, workload, n, workdir, python)) // (5 * n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="c574ed9")
    parser.add_argument("--after", default=str(HERE.parent))
    parser.add_argument("--requests", type=int, default=100, help="N (the long run makes 6×N)")
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args()
    repo = HERE.parent
    with tempfile.TemporaryDirectory(prefix="ticketd-instructions-") as tmp:
        workdir = Path(tmp)
        sides = [
            prepare(label, given, repo, workdir)
            for label, given in (("before", args.before), ("after", args.after))
        ]
        print(
            f"before: {args.before} ({sides[0].commit[:9]}); after: {args.after}"
            f" ({sides[1].note}); {args.requests} and {6 * args.requests} requests\n"
        )
        print("| workload (SQLite) | before: instructions/request | after | after/before |")
        print("|---|---|---|---|")
        for workload in args.workloads.split(","):
            with ThreadPoolExecutor(2) as pool:
                jobs = [
                    pool.submit(per_request, s, workload, args.requests, workdir, args.python)
                    for s in sides
                ]
                before, after = (job.result() for job in jobs)
            print(f"| {workload} | {before:,} | {after:,} | {after / before:.3f}× |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
