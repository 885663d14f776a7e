"""The outbox and its worker as resources of the application."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import CLOCK, OUTBOX, OUTBOX_WORKER, STORE, TEAMS_SENDER
from bot.outbox import Outbox, OutboxStore, OutboxWorker
from bot.storage.outbox import engine_of
from bot.storage.teams import TeamsStore

logger = logging.getLogger(__name__)


async def outbox_context(app: web.Application) -> AsyncIterator[None]:
    """Started after the Teams boundary (whose sender the worker uses). Every replica
    runs a worker; at shutdown, messages being sent are given time to finish."""
    engine = engine_of(app[STORE])
    clock = app[CLOCK]
    outbox = Outbox(OutboxStore(engine), clock)
    app[OUTBOX] = outbox
    sender = app.get(TEAMS_SENDER)
    if sender is None:
        logger.warning("no Teams sender: proactive messages are queued but not sent")
        app[OUTBOX_WORKER] = None
        yield
        return
    worker = OutboxWorker(
        OutboxStore(engine), sender, TeamsStore(engine, clock=clock), wakeup=outbox.wakeup, clock=clock
    )
    app[OUTBOX_WORKER] = worker
    worker.start()
    try:
        yield
    finally:
        await worker.stop()
