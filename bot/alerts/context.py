"""The alerts service as a resource of the application, and its routes.

Started after the store, the timers and the outbox: it queues its cards in the outbox,
registers its timer source, and takes the `alert.` card buttons from the action router.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web

from bot.alerts.actions import PREFIX, AlertActions
from bot.alerts.api import ROUTES
from bot.alerts.delivery import Deliveries
from bot.alerts.intake import add_webhook_route
from bot.alerts.service import AlertService
from bot.api.table import register
from bot.appkeys import ACTION_ROUTER, ALERTS, CLOCK, OUTBOX, STORE, TIMERS
from bot.storage.alerts import AlertStore
from bot.storage.outbox import TagStateStore
from bot.storage.teams import TeamsStore


async def alerts_context(app: web.Application) -> AsyncIterator[None]:
    store, clock = app[STORE], app[CLOCK]
    engine = store.engine
    deliveries = Deliveries(TeamsStore(engine, clock=clock), app[OUTBOX], TagStateStore(engine))
    service = AlertService(AlertStore(engine, clock), store, deliveries, clock=clock)
    app[ALERTS] = service
    app[ACTION_ROUTER].register(PREFIX, AlertActions(service))
    timers = app[TIMERS]

    async def plan_sooner(due: datetime | None) -> None:
        """Wake the timer only when something is due before it is planned to fire."""
        planned = timers.planned(service.name)
        if due is not None and (planned is None or due < planned):
            await timers.poke(service.name)

    service.on_due = plan_sooner
    await timers.register(service)
    try:
        yield
    finally:
        await service.close()


def add_alert_routes(app: web.Application) -> None:
    """The webhook, and the alerts' part of the public API (listed in its OpenAPI document)."""
    add_webhook_route(app)
    register(app, ROUTES)
