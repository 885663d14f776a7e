"""The service's timers: escalations, handoffs, reminders, digests, the tag sync.

The database is the source of truth; timers are derived from it. Each area registers a
*source* that answers, from the database, when it next has work (`next_due`) and does
the work that is due (`run_due`). The timer service keeps one APScheduler `DateTrigger`
per source at that instant, plans it again after every run and whenever it is told that
the source's data changed (`poke`), and plans every source afresh at start-up, so a
restart loses nothing. With several replicas on PostgreSQL only the leader (the holder
of an advisory lock, see `leader.py`) runs timers; a poke on any replica reaches it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.outbox.backoff import Backoff
from bot.timers.leader import AdvisoryLockLeadership, LeaderCallbacks, Leadership, SoleLeader

__all__ = ["AdvisoryLockLeadership", "Leadership", "SoleLeader", "TimerService", "TimerSource"]

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: A source whose run or plan failed is tried again after this backoff.
FAILURE_BACKOFF = Backoff(base=timedelta(seconds=5), cap=timedelta(minutes=10))
#: A fire that comes while the previous one of the same source still runs waits for it
#: (runs of one source never overlap); more than this many waiting would add nothing.
MAX_WAITING_FIRES = 3
#: After a run, a source that says it is due again at once waits this long: a source
#: that cannot make progress must not spin the loop.
RERUN_FLOOR = timedelta(seconds=1)
#: How long `close` lets timer runs under way finish before cancelling them.
CLOSE_GRACE = timedelta(seconds=10)


class TimerSource(Protocol):
    """Work that falls due at instants kept in the database.

    `run_due` must be safe to call when nothing is due, and again for work it already
    did (a timer can fire twice: after a poke, or when the leader changes)."""

    name: str

    async def next_due(self, now: datetime) -> datetime | None:
        """When work is next due (at or before `now`: at once); None for never."""
        ...

    async def run_due(self, now: datetime) -> None:
        """Do the work due at `now`."""
        ...


class TimerService:
    """Create with a clock and a leadership; `start`, `register` sources, `close`."""

    def __init__(
        self,
        *,
        clock: Clock,
        leadership: Leadership | None = None,
        backoff: Backoff = FAILURE_BACKOFF,
        rng: random.Random | None = None,
        paused: bool = False,
    ) -> None:
        """`paused`: timers are planned but never fire by themselves; tests that drive
        `fire` with a clock of their own use it, since the scheduler keeps real time."""
        self._clock = clock
        self._paused = paused
        self._leadership = leadership or SoleLeader()
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self._sources: dict[str, TimerSource] = {}
        self._locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._failures: defaultdict[str, int] = defaultdict(int)
        self._plans: dict[str, datetime] = {}
        self._leading = False
        self._closing = False
        self._in_flight: set[asyncio.Task[None]] = set()

    @property
    def leading(self) -> bool:
        """Whether this replica runs the timers now."""
        return self._leading

    async def start(self) -> None:
        self._scheduler.start(paused=self._paused)
        await self._leadership.start(LeaderCallbacks(self._elected, self._deposed, self._poked))

    async def close(self) -> None:
        """Stop planning, then let runs under way finish (bounded) before the resources
        they use (the database, the outbox) are closed after us."""
        self._closing = True
        await self._leadership.close()
        if self._scheduler.running:
            # Waiting comes first: shutting the scheduler down cancels the runs it started.
            self._scheduler.pause()
            await self._drain()
            self._scheduler.shutdown(wait=False)
            # The scheduler shuts down on its next turn of the loop.
            await asyncio.sleep(0)

    async def _drain(self) -> None:
        running = {task for task in self._in_flight if not task.done() and task is not asyncio.current_task()}
        if not running:
            return
        _, late = await asyncio.wait(running, timeout=CLOSE_GRACE.total_seconds())
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)

    async def register(self, source: TimerSource) -> None:
        """Add a source (every replica registers the same ones); the leader plans it now."""
        if source.name in self._sources:
            raise ValueError(f"a timer source named {source.name!r} is already registered")
        self._sources[source.name] = source
        if self._leading:
            await self._plan(source.name)

    def unregister(self, name: str) -> None:
        """Forget a source (its area is shutting down): its timer never fires again."""
        self._sources.pop(name, None)
        self._unschedule(name)

    async def poke(self, name: str) -> None:
        """The data behind source `name` changed: run what is due now and plan again,
        on whichever replica leads."""
        if name not in self._sources:
            raise KeyError(f"no timer source named {name!r}")
        if self._leading:
            self._schedule(name, self._clock())
        else:
            await self._leadership.notify(name)

    async def poke_all(self) -> None:
        """A change that may matter to every source (a rotation, an override, time off)."""
        for name in list(self._sources):
            await self.poke(name)

    def planned(self, name: str) -> datetime | None:
        """When source `name` will fire next on this replica, by the service's clock
        (None: not planned)."""
        return self._plans.get(name)

    def fires_at(self, name: str) -> datetime | None:
        """The real time at which the scheduler will fire source `name` (None: never)."""
        job = self._scheduler.get_job(name)
        return None if job is None else job.next_run_time

    async def fire(self, name: str) -> None:
        """Run source `name` at the clock's "now", then plan its next run. What a timer
        calls; tests call it directly with a clock they move."""
        async with self._locks[name]:
            source = self._sources.get(name)
            if source is None or self._closing:
                return
            try:
                await source.run_due(self._clock())
            except Exception:
                await self._failed(name, "run")
                return
            self._failures[name] = 0
            await self._plan(name, floor=RERUN_FLOOR)

    async def _fire_from_timer(self, name: str) -> None:
        """What the scheduler runs: `fire`, remembered so that `close` can wait for it."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        await self.fire(name)

    async def _plan(self, name: str, floor: timedelta = timedelta(0)) -> None:
        try:
            due = await self._sources[name].next_due(self._clock())
        except Exception:
            await self._failed(name, "plan")
            return
        self._schedule(name, due, floor)

    async def _failed(self, name: str, what: str) -> None:
        """Log with the traceback and try again later: one broken source must not stop
        the others, nor stop itself for good."""
        self._failures[name] += 1
        failures = self._failures[name]
        logger.exception("timer source %s failed to %s (%d in a row); trying again later", name, what, failures)
        self._schedule(name, self._clock() + self._backoff.delay(failures, self._rng))

    def _schedule(self, name: str, due: datetime | None, floor: timedelta = timedelta(0)) -> None:
        """Set the source's trigger. The scheduler keeps real time and the service keeps
        its clock's, so the trigger is set the same distance from now as `due` is from
        the clock's now (they are the same clock but in tests)."""
        if not self._leading or self._closing or name not in self._sources:
            return
        if due is None:
            self._unschedule(name)
            return
        self._plans[name] = due
        wait = max(due - self._clock(), floor)
        self._scheduler.add_job(
            self._fire_from_timer,
            DateTrigger(run_date=datetime.now(timezone.utc) + wait),
            args=[name],
            id=name,
            name=f"timer source {name}",
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
            max_instances=MAX_WAITING_FIRES,
        )

    def _unschedule(self, name: str) -> None:
        self._plans.pop(name, None)
        try:
            self._scheduler.remove_job(name)
        except JobLookupError:
            return

    async def _elected(self) -> None:
        """Plan every source from the database: the restart (or takeover) loses nothing."""
        self._leading = True
        for name in list(self._sources):
            await self._plan(name)

    async def _deposed(self) -> None:
        self._leading = False
        self._plans.clear()
        if self._scheduler.running:
            self._scheduler.remove_all_jobs()

    async def _poked(self, name: str) -> None:
        if name in self._sources:
            await self.poke(name)
