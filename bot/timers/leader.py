"""Which replica runs the timers: the one holding a PostgreSQL advisory lock.

The lock is session-level, taken with `pg_try_advisory_lock` on a connection kept for
that purpose alone, so it lasts exactly as long as that connection: a leader that dies or
loses the database loses the lock and another replica takes over on its next try. The
leader also LISTENs on a channel, so that a change made through any replica (a `poke`)
reaches the one that plans the timers. SQLite has one process, which always leads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

logger = logging.getLogger(__name__)

#: Key of the advisory lock the timer leader holds (distinct from the migration lock).
LEADER_LOCK_KEY = 0x726F74615F746D  # "rota_tm"
#: Channel on which replicas tell the leader that a timer source's data changed.
POKE_CHANNEL = "rota_timers"
#: A follower tries for the lock this often; a leader checks its connection this often.
DEFAULT_RETRY = timedelta(seconds=15)


@dataclass(frozen=True)
class LeaderCallbacks:
    """What the timer service does when it gains or loses the lead, or is poked."""

    elected: Callable[[], Awaitable[None]]
    deposed: Callable[[], Awaitable[None]]
    poked: Callable[[str], Awaitable[None]]


class Leadership(Protocol):
    async def start(self, callbacks: LeaderCallbacks) -> None: ...

    async def close(self) -> None: ...

    async def notify(self, source: str) -> None:
        """Tell the leader, wherever it runs, that `source`'s data changed."""
        ...


class SoleLeader:
    """One process on SQLite: it leads from the start, and pokes are local."""

    def __init__(self) -> None:
        self._callbacks: LeaderCallbacks | None = None

    async def start(self, callbacks: LeaderCallbacks) -> None:
        self._callbacks = callbacks
        await callbacks.elected()

    async def close(self) -> None:
        if self._callbacks is not None:
            await self._callbacks.deposed()
        self._callbacks = None

    async def notify(self, source: str) -> None:
        if self._callbacks is not None:
            await self._callbacks.poked(source)


class AdvisoryLockLeadership:
    """Campaigns for the advisory lock until closed; leads while it holds it."""

    def __init__(self, engine: AsyncEngine, *, key: int = LEADER_LOCK_KEY, retry: timedelta = DEFAULT_RETRY) -> None:
        self._engine = engine
        self._key = key
        self._retry = retry.total_seconds()
        self._task: asyncio.Task[None] | None = None
        self._pokes: set[asyncio.Task[None]] = set()

    async def start(self, callbacks: LeaderCallbacks) -> None:
        self._task = asyncio.create_task(self._campaign(callbacks), name="timer-leadership")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def notify(self, source: str) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT pg_notify(:channel, :source)"), {"channel": POKE_CHANNEL, "source": source})
            await connection.commit()

    async def _campaign(self, callbacks: LeaderCallbacks) -> None:
        while True:
            try:
                await self._try_to_lead(callbacks)
            except (SQLAlchemyError, OSError) as error:
                logger.warning("timer leadership: the database is unreachable (%s); trying again", error)
            await asyncio.sleep(self._retry)

    async def _try_to_lead(self, callbacks: LeaderCallbacks) -> None:
        connection = await self._engine.connect()
        try:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            locked = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key})
            if locked:
                await self._lead(connection, callbacks)
        finally:
            # Closing the database session is what releases the lock: never hand this
            # connection back to the pool.
            await connection.invalidate()
            await connection.close()

    async def _lead(self, connection: AsyncConnection, callbacks: LeaderCallbacks) -> None:
        driver = (await connection.get_raw_connection()).driver_connection
        await driver.add_listener(POKE_CHANNEL, self._listener(callbacks))
        logger.info("this replica now runs the timers")
        await callbacks.elected()
        try:
            while True:
                await asyncio.sleep(self._retry)
                await connection.execute(text("SELECT 1"))
        finally:
            logger.info("this replica no longer runs the timers")
            await callbacks.deposed()

    def _listener(self, callbacks: LeaderCallbacks) -> Callable[..., None]:
        def on_notification(_connection: Any, _pid: int, _channel: str, source: str) -> None:
            task = asyncio.get_running_loop().create_task(callbacks.poked(source))
            self._pokes.add(task)
            task.add_done_callback(self._pokes.discard)

        return on_notification
