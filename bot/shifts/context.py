"""The shift lifecycle as a resource of the application, and its routes.

Started after the timers, the outbox, the tag sync and the alerts service: it registers
its five timer sources (handovers, routine duties, reminders, changes, post-mortems),
takes the `duty.` and `postmortem.` card buttons, and asks the alerts service to wake
the post-mortem timer after every change of an alert. `app[SHIFTS]` is what the API
handlers and the chat's `report` (through `reporting.Reports`) use.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from aiohttp import web

from bot.api.table import register
from bot.appkeys import ACTION_ROUTER, ALERTS, CLOCK, GRAPH_TAGS, OUTBOX, SETTINGS, SHIFTS, STORE, TEAMS_ROSTER, TIMERS
from bot.graph.sync import SOURCE_NAME as TAG_SOURCE
from bot.shifts import duties, postmortems
from bot.shifts.api import ROUTES
from bot.shifts.duties import DutyActions, DutySource
from bot.shifts.handoffs import HandoverSource
from bot.shifts.postmortems import PostmortemActions, PostmortemSource
from bot.shifts.reminding import ChangeSource, ReminderSource
from bot.shifts.services import Services
from bot.storage.alerts import AlertStore
from bot.storage.outbox import engine_of
from bot.storage.shifts import ShiftStore
from bot.storage.teams import TeamsStore
from bot.timers import TimerService, TimerSource


async def shifts_context(app: web.Application) -> AsyncIterator[None]:
    store, clock, timers = app[STORE], app[CLOCK], app[TIMERS]
    engine = engine_of(store)
    services = Services(
        store=store,
        teams=TeamsStore(engine, clock=clock),
        shifts=ShiftStore(engine, clock=clock),
        alerts=AlertStore(engine, clock),
        outbox=app[OUTBOX],
        clock=clock,
        chats=app.get(TEAMS_ROSTER),
        base_url=app[SETTINGS].base_url,
        poke=timers.poke,
    )
    if app.get(GRAPH_TAGS) is not None:
        services.on_handoff = _poker(timers, TAG_SOURCE)
    app[SHIFTS] = services
    sources = [Finishing(source) for source in (HandoverSource(services), DutySource(services),
                                                ReminderSource(services), ChangeSource(services),
                                                PostmortemSource(services))]  # fmt: skip
    for source in sources:
        await timers.register(source)
    router = app[ACTION_ROUTER]
    router.register(duties.PREFIX, DutyActions(services))
    router.register(postmortems.PREFIX, PostmortemActions(services))
    alerts = app.get(ALERTS)
    before = alerts.on_change if alerts is not None else None
    if alerts is not None and before is not None:
        alerts.on_change = _also(before, timers, postmortems.SOURCE_NAME)
    try:
        yield
    finally:
        if alerts is not None and before is not None:
            alerts.on_change = before
        for source in sources:
            timers.unregister(source.name)
        for source in sources:
            await source.finished()


class Finishing:
    """A timer source whose work under way can be waited for: at shutdown, a handover being
    posted (or a plan being read) finishes before the database closes, rather than being
    cut off halfway."""

    def __init__(self, source: TimerSource) -> None:
        self._source = source
        self.name = source.name
        self._idle = asyncio.Event()
        self._idle.set()
        self._busy = 0

    async def next_due(self, now: datetime) -> datetime | None:
        async with self._working():
            return await self._source.next_due(now)

    async def run_due(self, now: datetime) -> None:
        async with self._working():
            await self._source.run_due(now)

    async def finished(self) -> None:
        await self._idle.wait()

    @asynccontextmanager
    async def _working(self) -> AsyncIterator[None]:
        self._busy += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()


def _poker(timers: TimerService, name: str) -> Callable[[str], Awaitable[None]]:
    async def poke(_rotation: str) -> None:
        await timers.poke(name)

    return poke


def _also(before: Callable[[], Awaitable[None]], timers: TimerService, name: str) -> Callable[[], Awaitable[None]]:
    """The alerts service's change hook, which now also wakes timer `name`: a resolved
    critical alert asks for its post-mortem at once."""

    async def changed() -> None:
        await before()
        await timers.poke(name)

    return changed


def add_shift_routes(app: web.Application) -> None:
    """The shift lifecycle's part of the public API (listed in its OpenAPI document)."""
    register(app, ROUTES)
