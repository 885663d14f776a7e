"""The tray's idle cost: CPU and resident memory of a running `rota-tray` with its stream
connected and nothing happening, read from /proc (Linux).

    python -m tests.tray.idle [--seconds 60] [--icon]

prints one JSON line: {"seconds", "cpu_percent", "rss_mb", "backend"}. `--icon` runs it
with its tray icon (needs a display, e.g. under Xvfb with a tray host); without it the
tray runs with notifications only. `make bench` can call `measure()`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.tray.factories import feed, shift
from tests.tray.fake_service import PAIRING_CODE

ROOT = Path(__file__).resolve().parents[2]
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ValueError("no VmRSS")


def _wait_for(process: subprocess.Popen, text: str, within: float = 20.0) -> None:
    """Read the tray's log until `text` shows (it is started with -v)."""
    deadline = time.monotonic() + within
    for line in process.stdout:
        if text in line:
            return
        if time.monotonic() > deadline:
            break
    raise RuntimeError(f"rota-tray did not log {text!r}")


def measure(seconds: float = 60.0, icon: bool = False) -> dict[str, float | str]:
    """Start the fake service and a paired rota-tray, wait until it is online, then measure."""
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        (work / "feed.json").write_text(feed(shift(now + timedelta(days=1)), generated_at=now).model_dump_json())
        service = subprocess.Popen([sys.executable, "-m", "tests.tray.fake_service", str(work / "feed.json")],
                                   cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            url = json.loads(service.stdout.readline())["url"]
            command = [str(Path(sys.executable).parent / "rota-tray"), "--url", url, "--pair", PAIRING_CODE,
                       "--config-dir", str(work / "config"), "--tz", "UTC", "-v"]
            tray = subprocess.Popen(command + ([] if icon else ["--no-icon"]), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True)
            try:
                _wait_for(tray, "feed: online")
                start_cpu, start = cpu_seconds(tray.pid), time.monotonic()
                time.sleep(seconds)
                used, elapsed = cpu_seconds(tray.pid) - start_cpu, time.monotonic() - start
                return {"seconds": round(elapsed, 1), "cpu_percent": round(100 * used / elapsed, 3),
                        "rss_mb": round(rss_mb(tray.pid), 1), "backend": "icon" if icon else "notifications only"}
            finally:
                tray.terminate()
                tray.wait(timeout=10)
        finally:
            service.terminate()
            service.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--icon", action="store_true")
    args = parser.parse_args()
    print(json.dumps(measure(args.seconds, args.icon)))


if __name__ == "__main__":
    main()
