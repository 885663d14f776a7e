"""The timer service as a resource of the application (see `bot.app.resource_contexts`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import CLOCK, STORE, TIMERS
from bot.storage.outbox import engine_of
from bot.timers import TimerService
from bot.timers.leader import AdvisoryLockLeadership, Leadership, SoleLeader


async def timers_context(app: web.Application) -> AsyncIterator[None]:
    """Started after the store and before every area that registers a timer source."""
    engine = engine_of(app[STORE])
    leadership: Leadership = AdvisoryLockLeadership(engine) if engine.dialect.name == "postgresql" else SoleLeader()
    service = TimerService(clock=app[CLOCK], leadership=leadership)
    await service.start()
    app[TIMERS] = service
    try:
        yield
    finally:
        await service.close()
