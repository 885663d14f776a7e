"""The benchmark table: one row per measurement, printed as Markdown."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    area: str
    measurement: str
    value: str
    target: str = ""


def render(rows: list[Row]) -> str:
    header = ("area", "measurement", "value", "target")
    cells = [header] + [(r.area, r.measurement, r.value, r.target) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(4)]
    lines = ["| " + " | ".join(c[i].ljust(widths[i]) for i in range(4)) + " |" for c in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def best_time(action: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """Best wall time of `number` calls, over `repeat` tries (seconds per call)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            action()
        best = min(best, (time.perf_counter() - started) / number)
    return best
