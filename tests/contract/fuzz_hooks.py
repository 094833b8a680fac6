"""Schemathesis hooks for the contract fuzz, loaded through SCHEMATHESIS_HOOKS by the
`st run` that tests/support/fuzz.py starts: count every request that got an answer, and
now and then put a value the workspace knows (its staff member, a category) into a
generated valid body, so that the fuzz also gets past the workspace's own rules and reaches
claims, replies and notes. Nothing here changes what the checks accept."""

import atexit
import json
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis.internal import lambda_sources

COUNT_FILE = "TICKETD_FUZZ_COUNT_FILE"
KNOWN_VALUES = "TICKETD_FUZZ_KNOWN_VALUES"  # JSON: body field -> values to choose from


def _described_or_unknown(describe: Callable[[Any], str]) -> Callable[[Any], str]:
    """Hypothesis names a strategy's lambdas by parsing their source file. On CPython
    3.11.7 (this machine's) ast.parse deep in the stack can raise "AST constructor
    recursion depth mismatch" (CPython gh-106905, fixed in 3.11.8), which aborts the
    whole fuzz; a lambda that cannot be named is named `<unknown>`, as Hypothesis does
    when it cannot find the source."""

    def describe_safely(f: Any) -> str:
        try:
            return describe(f)
        except SystemError:
            return "lambda: <unknown>"

    return describe_safely


lambda_sources._lambda_description = _described_or_unknown(lambda_sources._lambda_description)
answered = 0
known: dict[str, list[Any]] = json.loads(os.environ.get(KNOWN_VALUES) or "{}")


@schemathesis.hook
def after_call(context: schemathesis.HookContext, case: schemathesis.Case, response: Any) -> None:
    global answered
    answered += 1


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    # Only into valid bodies: an invalid one must stay invalid for negative_data_rejection.
    negative = case.meta is not None and case.meta.generation.mode.is_negative
    if isinstance(case.body, dict) and not negative:
        for name in case.body.keys() & known.keys():
            choice = zlib.crc32(repr(case.body).encode()) % (2 * len(known[name]))
            if choice < len(known[name]):  # half the time: keep what was generated
                case.body[name] = known[name][choice]
    return case


@atexit.register
def _write_count() -> None:
    path = os.environ.get(COUNT_FILE)
    if path:
        Path(path).write_text(str(answered))
