"""The tray feed, service side: how fast one change reaches 100 open streams, and what an
open stream costs the service in memory.

The service runs as `rota serve` in a process of its own (so its memory is its own) on a
scratch SQLite database; 100 people are paired and stream their feeds over loopback. An
override that changes who is on duty now changes every one of their feeds; the latency is
from sending the change to each stream's `shift-changed`, over a few changes.
"""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp

from bot.storage import Store
from bot.storage.tray import TrayStore
from shared.feed import parse_event
from shared.rotation import Rotation, ShiftLength
from tests.benchmarks.table import Row
from tests.tray.idle import rss_mb
from tray.feed_client import sse_messages

AREA = "tray feed (service)"
STREAMS = 100
CHANGES = 10
ROTATION = "bench"
PEOPLE = [f"person{i:03d}@example.com" for i in range(STREAMS)]
WITHIN = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _seed(url: str) -> tuple[str, list[str]]:
    """The rotation of everyone, an admin token, and a personal token per person."""
    store = await Store.open(url)
    try:
        rotation = Rotation(ROTATION, "Europe/Paris", ShiftLength.parse("1w"), "2026-01-05 12:00", tuple(PEOPLE))
        await store.create_rotation(rotation, "bench")
        _, admin = await store.create_token("bench", admin=True)
        tray = TrayStore(store.engine)
        expires = datetime.now(timezone.utc) + timedelta(minutes=10)
        secrets = []
        for person in PEOPLE:
            await tray.issue_code(person, f"CODE{person[6:9]}", expires, actor="bench")
            paired = await tray.redeem_code(f"CODE{person[6:9]}")
            assert paired is not None
            secrets.append(paired.secret)
        return admin, secrets
    finally:
        await store.close()


async def _ready(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            async with session.get(f"{base}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the service did not come up")


class Watcher:
    """One open stream; `arrivals` gets the time of each event after the first feed."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.arrivals: asyncio.Queue[float] = asyncio.Queue()
        self.first = asyncio.Event()
        self.task = asyncio.create_task(self._read(sse_messages(response.content)))

    async def _read(self, messages: AsyncIterator) -> None:
        async for message in messages:
            event = parse_event(message.data)
            if event.type == "feed" and not self.first.is_set():
                self.first.set()
            elif event.type == "shift-changed":
                self.arrivals.put_nowait(time.perf_counter())

    async def close(self) -> None:
        self.task.cancel()
        self.response.close()
        await asyncio.gather(self.task, return_exceptions=True)


async def _watch(session: aiohttp.ClientSession, base: str, secret: str) -> Watcher:
    response = await session.get(f"{base}/api/v1/me/stream", headers={"Authorization": f"Bearer {secret}"},
                                 timeout=aiohttp.ClientTimeout(total=None))
    watcher = Watcher(response)
    await asyncio.wait_for(watcher.first.wait(), WITHIN)
    return watcher


async def _change(session: aiohttp.ClientSession, base: str, admin: str, person: str) -> None:
    """Put `person` on duty from now: everyone's view of the rotation changes."""
    start = datetime.now(timezone.utc)
    body = {"person": person, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}
    async with session.post(f"{base}/api/v1/rotations/{ROTATION}/overrides", json=body,
                            headers={"Authorization": f"Bearer {admin}"}) as response:
        assert response.status == 201, await response.text()


async def _measure(base: str, pid: int, admin: str, secrets: list[str]) -> tuple[list[float], float]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        await _ready(session, base)
        await (await _watch(session, base, secrets[0])).close()
        before = rss_mb(pid)
        watchers = await asyncio.gather(*(_watch(session, base, secret) for secret in secrets))
        per_stream_kb = (rss_mb(pid) - before) * 1024 / STREAMS
        latencies = []
        try:
            for round_ in range(CHANGES):
                sent = time.perf_counter()
                await _change(session, base, admin, PEOPLE[round_ + 1])
                arrived = await asyncio.gather(*(asyncio.wait_for(w.arrivals.get(), WITHIN) for w in watchers))
                latencies += [at - sent for at in arrived]
        finally:
            await asyncio.gather(*(watcher.close() for watcher in watchers))
    return latencies, per_stream_kb


def run() -> list[Row]:
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{Path(scratch) / 'rota.db'}"
        admin, secrets = asyncio.run(_seed(url))
        port = _free_port()
        service = subprocess.Popen([sys.executable, "-m", "bot.cli", "--database-url", url, "serve", "--port", str(port)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            latencies, per_stream_kb = asyncio.run(_measure(f"http://127.0.0.1:{port}", service.pid, admin, secrets))
        finally:
            service.terminate()
            service.wait(timeout=10)
    quantiles = statistics.quantiles(latencies, n=100)
    return [
        Row(AREA, f"one change to {STREAMS} open streams, p50", f"{quantiles[49] * 1000:.0f} ms", "< 1 s"),
        Row(AREA, f"one change to {STREAMS} open streams, p99", f"{quantiles[98] * 1000:.0f} ms", "< 1 s"),
        Row(AREA, "service memory per open stream (resident, with its connection)", f"{per_stream_kb:.0f} KB"),
    ]
