"""Alerts on loopback: webhook intake throughput, and the latency from webhook to card at the
Bot Connector at a steady 100 alerts/s, on SQLite and on PostgreSQL side by side, against
a bare aiohttp endpoint that only parses the JSON (the ceiling any handler can reach).

The whole service runs as in production (`create_app`: Teams boundary in local mode,
outbox worker, timers), with a stand-in Bot Connector on loopback that notes when each
card arrives. Alerts are spread over ten rotations, each with its own person on duty
(who has a chat with Rota; no channel is bound, so every alert is one card): the outbox
delivers each chat's messages in order, one at a time, so the rate one person can be
sent cards is measured on its own row. Latency is measured from just before the webhook
is sent to its answer (the first card is queued in the outbox by then, in the same
transaction as the alert) and to the card's arrival, so it includes both HTTP hops.

Every measurement starts on a warm service: one alert per rotation, and its card, go
through first, so that what is measured is the service at work rather than its first
second (statements compiled, each rotation's settings read, the Connector client made).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from bot.alerts.model import IntegrationKind
from bot.app import create_app
from bot.appkeys import ALERTS, OUTBOX_WORKER, STORE
from bot.settings import Settings
from shared.rotation import Rotation, ShiftLength
from tests.benchmarks.table import Row
from tests.conftest import _admin_execute, postgres_admin_url
from tests.fakes.connector import FakeConnector
from tests.teams.conftest import teams_message

AREA = "alerts"
ROTATIONS = 10
INTAKE_ALERTS = 600
CONCURRENCY = 16
RATE = 100
LATENCY_ALERTS = 200
ONE_CHAT_CARDS = 60
CEILING_REQUESTS = 2000
#: How long to wait for cards after the last webhook, so the run stays bounded in time.
DRAIN_SECONDS = 4.0
#: Numbers of the warm-up alerts (one per rotation), apart from the measured ones.
WARM_UP_FROM = 100_000
MARK = re.compile(r"bench alert (\d+)")


class TimedConnector(FakeConnector):
    """The Connector stand-in, noting when each bench alert's card first arrives."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[int, float] = {}
        self.all_arrived = asyncio.Event()
        self.expected = 0

    async def _record(self, request: web.Request, body: Any, status: int, created_id: str | None = None) -> None:
        if request.method == "POST" and status < 300 and isinstance(body, dict):
            for number in MARK.findall(json.dumps(body.get("attachments") or [])):
                self.arrivals.setdefault(int(number), time.perf_counter())
            if self.expected and len(self.arrivals) >= self.expected:
                self.all_arrived.set()
        await super()._record(request, body, status, created_id)


@dataclass
class Service:
    """The running service: each rotation's webhook URL and secret."""

    hooks: list[tuple[str, str]]
    connector: TimedConnector
    sent: dict[int, float] = field(default_factory=dict)
    answered: dict[int, float] = field(default_factory=dict)

    def body(self, number: int) -> dict:
        return {"title": f"bench alert {number}", "severity": "critical", "dedup_key": f"bench-{number}"}

    async def post(self, session: aiohttp.ClientSession, number: int, rotations: int = ROTATIONS) -> None:
        url, secret = self.hooks[number % rotations]
        self.sent[number] = time.perf_counter()
        async with session.post(url, json=self.body(number), headers={"Authorization": f"Bearer {secret}"}) as response:
            if response.status != 200:
                raise RuntimeError(f"webhook answered {response.status}: {await response.text()}")
            await response.read()
        self.answered[number] = time.perf_counter()

    async def cards(self, count: int) -> int:
        """Wait (at most `DRAIN_SECONDS`) for `count` cards; how many arrived."""
        self.connector.expected = count
        if len(self.connector.arrivals) < count:
            waiting = asyncio.ensure_future(self.connector.all_arrived.wait())
            await asyncio.wait({waiting}, timeout=DRAIN_SECONDS)
            waiting.cancel()
        return len(self.connector.arrivals)

    async def warm_up(self, sending: bool) -> None:
        """One alert per rotation (and, when the outbox sends, its card), then a clean slate."""
        async with aiohttp.ClientSession() as session:
            await asyncio.gather(*(self.post(session, WARM_UP_FROM + n) for n in range(len(self.hooks))))
        if sending:
            await self.cards(len(self.hooks))
        self.sent.clear()
        self.answered.clear()
        self.connector.arrivals.clear()
        self.connector.all_arrived.clear()
        self.connector.expected = 0


def run() -> list[Row]:
    logging.getLogger("bot").setLevel(logging.ERROR)
    return asyncio.run(_run())


async def _run() -> list[Row]:
    ceiling = await _ceiling()
    rows = [Row(AREA, "bare aiohttp endpoint parsing the JSON (ceiling)", f"{ceiling:.0f} req/s")]
    with tempfile.TemporaryDirectory() as scratch:
        async with _databases(Path(scratch)) as databases:
            for backend, url in databases:
                if url is None:
                    rows.append(Row(AREA, f"{backend}", "skipped: PostgreSQL not reachable"))
                    continue
                rows.extend(await _measure(backend, url, ceiling))
    return rows


async def _measure(backend: str, url: str, ceiling: float) -> list[Row]:
    async with _service(url, sending=False) as service:
        alone = await _intake_alone(service)
    async with _service(url) as service:
        intake, delivered, burst_cards = await _intake(service)
    async with _service(url) as service:
        queued, arrived, on_time = await _latency(service)
    async with _service(url) as service:
        one_chat, one_chat_cards = await _one_chat(service)
    target = "≥ 500 alerts/s" if backend == "SQLite" else ""
    return [
        Row(AREA, f"webhook intake, {backend}, cards queued but the outbox not sending",
            f"{alone:.0f} alerts/s ({alone / ceiling:.0%} of the ceiling)", target),
        Row(AREA, f"webhook intake, {backend} ({CONCURRENCY} senders, {ROTATIONS} rotations)",
            f"{intake:.0f} alerts/s ({intake / ceiling:.0%} of the ceiling)", target),
        Row(AREA, f"cards delivered from that burst, {backend}",
            f"{delivered:.0f} cards/s ({burst_cards}/{INTAKE_ALERTS} within {DRAIN_SECONDS:.0f} s of the last)"),
        Row(AREA, f"webhook → card queued in the outbox (the answer), {backend}, {RATE} alerts/s",
            _spread(queued)),
        Row(AREA, f"webhook → card at the Connector, {backend}, {RATE} alerts/s over {ROTATIONS} rotations",
            f"{_spread(arrived)} ({on_time}/{LATENCY_ALERTS} arrived)", "p99 < 50 ms"),
        Row(AREA, f"cards into one person's chat (outbox in order + Teams sender), {backend}",
            f"{one_chat:.0f} cards/s ({one_chat_cards}/{ONE_CHAT_CARDS})"),
    ]


def _spread(milliseconds: list[float]) -> str:
    if not milliseconds:
        return "nothing arrived"
    return f"p50 {statistics.median(milliseconds):.1f} ms, p99 {_percentile(milliseconds, 0.99):.1f} ms"


async def _ceiling() -> float:
    """Requests per second a handler that only reads and parses the JSON answers."""
    async def parse_only(request: web.Request) -> web.Response:
        await request.json()
        return web.json_response({"alerts": []})

    app = web.Application()
    app.router.add_post("/api/alerts/{integration}", parse_only)
    async with _serving(app) as base:
        body = {"title": "bench alert 0", "severity": "critical", "dedup_key": "bench-0"}
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
            async def one(_: int) -> None:
                async with session.post(f"{base}/api/alerts/1", json=body) as response:
                    await response.read()

            return CEILING_REQUESTS / await _timed_burst(one, CEILING_REQUESTS)


async def _intake_alone(service: Service) -> float:
    """Alerts per second answered for a burst, with nothing else running in the process."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        return INTAKE_ALERTS / await _timed_burst(lambda n: service.post(session, n), INTAKE_ALERTS)


async def _intake(service: Service) -> tuple[float, float, int]:
    """Alerts per second answered for a burst; then cards per second delivered, and how many."""
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        elapsed = await _timed_burst(lambda n: service.post(session, n), INTAKE_ALERTS)
    arrived = await service.cards(INTAKE_ALERTS)
    return INTAKE_ALERTS / elapsed, arrived / (_last(service) - started), arrived


def _last(service: Service) -> float:
    return max(service.connector.arrivals.values(), default=time.perf_counter())


async def _timed_burst(send, count: int) -> float:
    limit = asyncio.Semaphore(CONCURRENCY)

    async def bounded(number: int) -> None:
        async with limit:
            await send(number)

    started = time.perf_counter()
    await asyncio.gather(*(bounded(n) for n in range(count)))
    return time.perf_counter() - started


async def _one_chat(service: Service) -> tuple[float, int]:
    """Cards per second when every alert goes to the same person (a burst to one rotation)."""
    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:
        await _timed_burst(lambda n: service.post(session, n, rotations=1), ONE_CHAT_CARDS)
    arrived = await service.cards(ONE_CHAT_CARDS)
    return arrived / (_last(service) - started), arrived


async def _latency(service: Service) -> tuple[list[float], list[float], int]:
    """Milliseconds from sending each webhook to its answer (its card is queued by then) and
    to its card's arrival, at a steady rate; and how many cards arrived in time."""
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        tasks = []
        for number in range(LATENCY_ALERTS):
            await asyncio.sleep(max(0.0, start + number / RATE - time.perf_counter()))
            tasks.append(asyncio.create_task(service.post(session, number)))
        await asyncio.gather(*tasks)
    arrived = await service.cards(LATENCY_ALERTS)
    sent, arrivals = service.sent, service.connector.arrivals
    queued = [(service.answered[n] - sent[n]) * 1000 for n in range(LATENCY_ALERTS)]
    return queued, [(arrivals[n] - sent[n]) * 1000 for n in sorted(arrivals)], arrived


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@asynccontextmanager
async def _serving(app: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@asynccontextmanager
async def _service(url: str, *, sending: bool = True) -> AsyncIterator[Service]:
    """The service on a fresh database: rotations of one person each, who has a chat with
    Rota, and one integration per rotation; without `sending`, the outbox worker stops."""
    connector = TimedConnector()
    await connector.start()
    await _empty(url)
    app = create_app(Settings(database_url=url))
    try:
        async with _serving(app) as base:
            hooks = [await _rotation(app, connector, base, number) for number in range(ROTATIONS)]
            worker = app[OUTBOX_WORKER]
            if not sending and worker is not None:
                await worker.stop()
            service = Service(hooks, connector)
            await service.warm_up(sending)
            yield service
    finally:
        await connector.close()


async def _rotation(app: web.Application, connector: TimedConnector, base: str, number: int) -> tuple[str, str]:
    email = f"person{number}@example.com"
    person = connector.add_person(email, f"Person {number}")
    rotation = Rotation(name=f"bench-{number}", timezone="Europe/Paris", shift=ShiftLength.parse("1w"),
                        handoff="2026-03-02 12:00", members=(email,))
    await app[STORE].create_rotation(rotation, "bench")
    integration, secret = await app[ALERTS].alerts.create_integration(rotation.name, IntegrationKind.GENERIC,
                                                                      "bench", "bench")
    await connector.send_to_bot(base, teams_message(connector, "hi", sender=person,
                                                    conversation_id=f"a:personal-{number}"))
    return integration.url(base), secret


async def _empty(url: str) -> None:
    """Each measurement starts from an empty database."""
    if url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(url.split("///", 1)[1] + suffix).unlink(missing_ok=True)
    else:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1), timeout=5)
        try:
            await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            await conn.close()


@asynccontextmanager
async def _databases(scratch: Path) -> AsyncIterator[list[tuple[str, str | None]]]:
    """SQLite in a scratch file, and a scratch PostgreSQL database (None if unreachable)."""
    name = f"rota_bench_{uuid.uuid4().hex[:10]}"
    try:
        await _admin_execute(f'CREATE DATABASE "{name}"')
    except (OSError, ConnectionError, asyncio.TimeoutError):
        postgres = None
    else:
        postgres = f"{postgres_admin_url().rsplit('/', 1)[0]}/{name}"
    try:
        yield [("SQLite", f"sqlite+aiosqlite:///{scratch / 'bench.db'}"), ("PostgreSQL", postgres)]
    finally:
        if postgres is not None:
            await _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
