"""Medians, spreads and ratios of the rounds, as a Markdown table ready to paste."""

import os
import platform
from dataclasses import dataclass, field
from statistics import median
from typing import Any

LABELS = ("before", "after")


@dataclass
class Cell:
    """One workload on one engine: each side's requests/s per round (None = failed)."""

    rates: dict[str, list[float | None]] = field(
        default_factory=lambda: {label: [] for label in LABELS}
    )
    failures: list[str] = field(default_factory=list)

    def add(self, where: str, label: str, result: dict[str, Any] | None, metric: str) -> None:
        """One round's result; None when its runner process failed (reported apart)."""
        rps = result.get(metric) if result else None
        self.rates[label].append(rps)
        if result and rps is None:
            count = result.get("failures", 0) + result.get("warmup_failures", 0)
            detail = result.get("first_failure")
            self.failures.append(f"{where}: {count} failed request(s), first: {detail}")

    def side_ok(self, label: str) -> bool:
        return bool(self.rates[label]) and None not in self.rates[label]

    def ok(self) -> bool:
        return all(self.side_ok(label) for label in LABELS)

    def values(self, label: str) -> list[float]:
        return [r for r in self.rates[label] if r is not None]

    def median(self, label: str) -> float:
        return median(self.values(label))

    def round_ratios(self) -> list[float]:
        pairs = zip(self.rates["before"], self.rates["after"], strict=False)
        return [a / b for b, a in pairs if a is not None and b is not None]


def rate(value: float) -> str:
    return f"{value:,.0f}"


def side_text(cell: Cell, label: str) -> str:
    if not cell.side_ok(label):
        failed = sum(1 for r in cell.rates[label] if r is None)
        return f"FAILED in {failed} of {len(cell.rates[label])} rounds"
    values = cell.values(label)
    return f"{rate(cell.median(label))} ({rate(min(values))}–{rate(max(values))})"


def floor_ratio(cell: Cell, floor: Cell, label: str) -> str:
    if not (cell.side_ok(label) and floor.side_ok(label)):
        return "–"
    return f"{cell.median(label) / floor.median(label):.2%}"


def ratios_text(cell: Cell) -> str:
    if not cell.ok():
        return "– | –"
    ratios = cell.round_ratios()
    median_ratio = cell.median("after") / cell.median("before")
    return f"**{median_ratio:.2f}×** | {min(ratios):.2f}–{max(ratios):.2f}"


def row(name: str, engine: str, cell: Cell, floor: Cell) -> str:
    return (
        f"| {name} | {engine} | {side_text(cell, 'before')} | {side_text(cell, 'after')} "
        f"| {ratios_text(cell)} "
        f"| {floor_ratio(cell, floor, 'before')} | {floor_ratio(cell, floor, 'after')} |"
    )


HEADER = (
    "| workload | engine | before: median /s (min–max) | after: median /s (min–max) "
    "| after/before (medians) | per-round after/before | before ÷ floor | after ÷ floor |\n"
    "|---|---|---|---|---|---|---|---|"
)


def table(cells: dict[tuple[str, str], Cell], floor: Cell) -> str:
    lines = [HEADER]
    for (name, engine), cell in cells.items():
        lines.append(row(name, engine, cell, floor))
    lines.append(row("raw-ASGI floor", "–", floor, floor))
    return "\n".join(lines)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> str:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cores} cores (nproc), {cpu_model()}, {platform.system()} {platform.release()}"
