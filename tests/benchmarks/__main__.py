"""`make bench`: run every benchmark and print one table.

Benchmarks measure; they do not assert. Each module in this package exposes
`run() -> list[Row]`; this runner collects and prints them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

from tests.benchmarks.table import Row, render


def main() -> int:
    rows: list[Row] = []
    package = importlib.import_module("tests.benchmarks")
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__) if m.name.startswith("bench_")):
        print(f"running {module} ...", file=sys.stderr, flush=True)
        rows.extend(importlib.import_module(f"tests.benchmarks.{module}").run())
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
