"""Timers derived from the data: planned at start-up, re-planned after runs and pokes,
run by one leader on PostgreSQL."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone

import pytest

from bot.storage.database import build_engine, parse_database_url
from bot.timers import AdvisoryLockLeadership, TimerService
from tests.storage.conftest import FakeClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


class Reminders:
    """A timer source over reminders kept in `table` (standing in for a database table,
    which outlives the service: tests hand the same table to a restarted one)."""

    def __init__(self, table: list[datetime], name: str = "reminders") -> None:
        self.name = name
        self.table = table
        self.sent: list[datetime] = []
        self.failures_to_come = 0
        self.runs: asyncio.Queue[datetime] = asyncio.Queue()
        self.plans: asyncio.Queue[datetime] = asyncio.Queue()

    async def next_due(self, now: datetime) -> datetime | None:
        self.plans.put_nowait(now)
        return min(self.table, default=None)

    async def run_due(self, now: datetime) -> None:
        if self.failures_to_come:
            self.failures_to_come -= 1
            raise ConnectionError("the database went away")
        for due in sorted(d for d in self.table if d <= now):
            self.table.remove(due)
            self.sent.append(due)
        self.runs.put_nowait(now)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def timers(clock: FakeClock) -> AsyncIterator[TimerService]:
    service = TimerService(clock=clock, paused=True, rng=random.Random(3))
    await service.start()
    try:
        yield service
    finally:
        await service.close()


async def test_a_source_is_planned_at_its_next_due_instant(timers):
    await timers.register(Reminders([START + 2 * HOUR, START + HOUR]))

    assert timers.leading
    assert timers.planned("reminders") == START + HOUR


async def test_firing_runs_what_is_due_and_plans_the_next(timers, clock):
    reminders = Reminders([START + HOUR, START + 2 * HOUR])
    await timers.register(reminders)

    clock.advance(HOUR)
    await timers.fire("reminders")
    await timers.fire("reminders")

    assert reminders.sent == [START + HOUR]
    assert timers.planned("reminders") == START + 2 * HOUR
    clock.advance(HOUR)
    await timers.fire("reminders")
    assert reminders.sent == [START + HOUR, START + 2 * HOUR]
    assert timers.planned("reminders") is None


async def test_a_restart_plans_again_from_the_data_and_loses_nothing(clock):
    table = [START + HOUR, START + 2 * HOUR, START + 3 * HOUR]
    first = TimerService(clock=clock, paused=True)
    await first.start()
    await first.register(Reminders(table))
    clock.advance(HOUR)
    await first.fire("reminders")
    await first.close()

    clock.advance(3 * HOUR)  # down while two reminders fell due
    second = TimerService(clock=clock, paused=True)
    await second.start()
    try:
        reminders = Reminders(table)
        await second.register(reminders)
        assert second.planned("reminders") == START + 2 * HOUR
        await second.fire("reminders")
    finally:
        await second.close()

    assert reminders.sent == [START + 2 * HOUR, START + 3 * HOUR]


async def test_a_poke_runs_and_plans_again_after_the_data_changed(timers, clock):
    reminders = Reminders([START + 5 * HOUR])
    await timers.register(reminders)

    reminders.table.append(START + HOUR)
    await timers.poke("reminders")
    assert timers.planned("reminders") == START

    await timers.fire("reminders")
    assert timers.planned("reminders") == START + HOUR


async def test_a_failing_source_is_retried_with_backoff_and_others_keep_their_plan(timers, clock, caplog):
    failing = Reminders([START], name="escalations")
    failing.failures_to_come = 2
    healthy = Reminders([START + HOUR], name="digests")
    await timers.register(failing)
    await timers.register(healthy)

    await timers.fire("escalations")
    first_retry = timers.planned("escalations")
    clock.now = first_retry
    await timers.fire("escalations")
    second_retry = timers.planned("escalations")
    clock.now = second_retry
    await timers.fire("escalations")

    assert START + timedelta(seconds=2) <= first_retry <= START + timedelta(seconds=5)
    assert second_retry - first_retry >= timedelta(seconds=5)
    assert failing.sent == [START]
    assert timers.planned("digests") == START + HOUR
    assert "timer source escalations failed to run (2 in a row)" in caplog.text


async def test_poking_an_unknown_source_is_a_mistake(timers):
    with pytest.raises(KeyError):
        await timers.poke("nothing-by-that-name")


async def test_a_real_date_trigger_fires_on_time():
    def now() -> datetime:
        return datetime.now(timezone.utc)

    service = TimerService(clock=now)
    await service.start()
    try:
        reminders = Reminders([now() + timedelta(milliseconds=50)])
        await service.register(reminders)
        await asyncio.wait_for(reminders.runs.get(), timeout=10)
    finally:
        await service.close()

    assert len(reminders.sent) == 1
    assert service.planned("reminders") is None


class SlowSource:
    """A run that is still writing when the service is told to stop."""

    name = "slow"

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.finish = asyncio.Event()
        self.finished = False

    async def next_due(self, now: datetime) -> datetime | None:
        return None if self.finished or self.started.is_set() else now

    async def run_due(self, now: datetime) -> None:
        self.started.set()
        await self.finish.wait()
        self.finished = True


async def test_closing_waits_for_a_run_under_way_before_the_database_goes():
    service = TimerService(clock=lambda: datetime.now(timezone.utc))
    await service.start()
    source = SlowSource()
    await service.register(source)
    await asyncio.wait_for(source.started.wait(), timeout=10)

    closing = asyncio.create_task(service.close())
    await asyncio.sleep(0.05)
    assert not closing.done()  # still waiting for the run
    source.finish.set()
    await asyncio.wait_for(closing, timeout=10)
    assert source.finished


async def test_timers_keep_their_distance_from_now_under_a_clock_set_in_the_past():
    frozen = FakeClock(datetime(2020, 1, 6, 9, 0, tzinfo=timezone.utc))
    service = TimerService(clock=frozen, paused=True)
    await service.start()
    try:
        await service.register(Reminders([frozen() + HOUR]))
        wait = service.fires_at("reminders") - datetime.now(timezone.utc)
    finally:
        await service.close()

    assert timedelta(minutes=59) < wait <= HOUR


@pytest.mark.postgres
async def test_only_the_leader_runs_timers_and_a_follower_takes_over(postgres_url):
    def now() -> datetime:
        return datetime.now(timezone.utc)

    engines = [build_engine(parse_database_url(postgres_url)) for _ in range(2)]
    table: list[datetime] = []
    services, sources = [], []
    for engine in engines:
        service = TimerService(clock=now, leadership=AdvisoryLockLeadership(engine, retry=timedelta(milliseconds=50)))
        source = Reminders(table)
        await service.register(source)
        await service.start()
        services.append(service)
        sources.append(source)
    try:
        await asyncio.wait_for(_first_of(sources[0].plans, sources[1].plans), timeout=10)
        leader = 0 if services[0].leading else 1
        follower = 1 - leader
        assert services[follower].leading is False

        table.append(now())
        await services[follower].poke("reminders")
        await asyncio.wait_for(sources[leader].runs.get(), timeout=10)
        assert sources[follower].runs.empty()

        await services[leader].close()
        await asyncio.wait_for(sources[follower].plans.get(), timeout=10)
        assert services[follower].leading
    finally:
        for service in services:
            await service.close()
        for engine in engines:
            await engine.dispose()

    assert len(sources[leader].sent) == 1


async def _first_of(*queues: asyncio.Queue[datetime]) -> None:
    waits = [asyncio.create_task(queue.get()) for queue in queues]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
