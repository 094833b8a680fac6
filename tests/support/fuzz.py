"""The contract fuzz: schemathesis's `st run` (stateless phases and the stateful one,
following the document's links) against a running `ticketd serve`, with the checks that
hold an answer to the document. Its requests are counted by tests/contract/fuzz_hooks.py."""

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "use_after_free",
    "ensure_resource_availability",
)
# TICKETD_FUZZ=long (a release check) generates ten times the examples an operation;
# the requests grow less than that (Hypothesis runs out of new ones for small
# operations): Series made 13,829 in 9 minutes on one engine.
LONG = os.environ.get("TICKETD_FUZZ") == "long"
MIN_REQUESTS = 10_000 if LONG else 2_000


@dataclass
class FuzzRun:
    requests: int
    seconds: float
    returncode: int
    output: str


def fuzz(
    schema_url: str,
    header: str,
    *,
    max_examples: int,
    known: dict[str, list[Any]],
    work_dir: Path,
) -> FuzzRun:
    """`st run` on the document at `schema_url`, sending `header` (the credentials) with
    every request; `known` values are mixed into bodies now and then."""
    count_file = work_dir / "requests"
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.contract.fuzz_hooks",
        "TICKETD_FUZZ_COUNT_FILE": str(count_file),
        "TICKETD_FUZZ_KNOWN_VALUES": json.dumps(known),
        "PYTHONPATH": str(ROOT),
    }
    examples = max_examples * (10 if LONG else 1)
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        schema_url,
        "--header",
        header,
        "--checks",
        ",".join(CHECKS),
        "--max-examples",
        str(examples),
        "--workers",
        "2",
        "--seed",
        os.environ.get("TICKETD_FUZZ_SEED", "20261206"),
        "--suppress-health-check",
        "all",
        "--request-timeout",
        "10",
    ]
    # In work_dir: schemathesis keeps a cache of past failures where it runs.
    started = time.monotonic()
    done = subprocess.run(
        command,
        env=env,
        cwd=work_dir,
        capture_output=True,
        text=True,
        timeout=1800 if LONG else 300,
    )
    seconds = time.monotonic() - started
    requests = int(count_file.read_text()) if count_file.exists() else 0
    return FuzzRun(requests, seconds, done.returncode, done.stdout + done.stderr)
