"""What the robustness tests proved in this run (requests fuzzed per API, kills
survived, tickets verified, outage answers by status), printed at the end of the run
by `pytest_terminal_summary` in conftest. A test tallies only after its assertions
passed, so a count is never larger than what was checked."""

from collections import Counter

COUNTS: Counter[str] = Counter()


def tally(what: str, n: int = 1) -> None:
    COUNTS[what] += n


def merge(counts: dict[str, int]) -> None:
    """Counts a pytest-xdist worker tallied, added on the controller, which prints them."""
    COUNTS.update(counts)


def summary_lines() -> list[str]:
    return [f"{what}: {n:,}" for what, n in sorted(COUNTS.items())]
