"""The tray client's idle cost with its stream connected: no polling loop while idle."""

from __future__ import annotations

import os

from tests.benchmarks.table import Row
from tests.tray.idle import measure


def run() -> list[Row]:
    seconds = float(os.environ.get("ROTA_BENCH_TRAY_SECONDS", "60"))
    result = measure(seconds)
    return [
        Row("tray", f"idle CPU over {seconds:.0f} s, stream connected (no icon)", f"{float(result['cpu_percent']):.3f} %", "< 0.5 %"),
        Row("tray", "idle resident memory (no icon)", f"{float(result['rss_mb']):.0f} MB", "< 60 MB"),
    ]
