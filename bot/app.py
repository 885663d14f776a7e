"""The service: one aiohttp application, built by `create_app` and nothing else.

Resources live in the app's cleanup context, one async generator each, set up in the
order of `resource_contexts` and closed in reverse; a new resource (HTTP session,
scheduler, bot adapter) is one more generator in that list. `run` is what `rota serve`
calls; tests call `create_app` with a database URL and a clock of their own.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.api.errors import error_middleware
from bot.alerts.context import add_alert_routes, alerts_context
from bot.api.routes import add_routes
from bot.appkeys import ACTION_ROUTER, CLOCK, SETTINGS, STORE
from bot.auth.entra import entra_context
from bot.chat.resource import chat_context
from bot.conversations import ActionRouter
from bot.feed.context import add_feed_routes, feed_context
from bot.graph.context import graph_context
from bot.outbox.context import outbox_context
from bot.settings import Settings
from bot.shifts.context import add_shift_routes, shifts_context
from bot.storage import Store
from bot.storage.store import utc_now
from bot.tab.pages import add_routes as add_tab_routes
from bot.teams.endpoint import add_routes as add_teams_routes
from bot.teams.endpoint import teams_context
from bot.timers.context import timers_context

#: Larger request bodies are refused with 413 before anything reads them.
MAX_BODY = 1024 * 1024

Clock = Callable[[], datetime]
ResourceContext = Callable[[web.Application], AsyncIterator[None]]


def create_app(settings: Settings, *, clock: Clock = utc_now) -> web.Application:
    """The whole service, not started: `web.run_app`, or a test server, starts it."""
    app = web.Application(client_max_size=MAX_BODY, middlewares=[error_middleware])
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[ACTION_ROUTER] = ActionRouter()
    app.cleanup_ctx.extend(resource_contexts())
    add_routes(app)
    add_teams_routes(app)
    add_alert_routes(app)
    add_shift_routes(app)
    add_tab_routes(app)
    add_feed_routes(app)
    return app


def resource_contexts() -> list[ResourceContext]:
    """Every resource of the service, in dependency order."""
    return [store_context, teams_context, timers_context, outbox_context, graph_context, alerts_context,
            shifts_context, feed_context, chat_context, entra_context, settled_heap_context]


async def settled_heap_context(_app: web.Application) -> AsyncIterator[None]:
    """Exempt what start-up built (modules, the SDK, the schemas: a quarter of a million
    objects) from the garbage collector's full passes, which would otherwise stop the event
    loop for some 150 ms now and then and hold up every webhook and card in flight. They
    live as long as the service does; shutdown hands them back to the collector."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


async def store_context(app: web.Application) -> AsyncIterator[None]:
    """The database: migrated and opened at start-up, closed at shutdown."""
    store = await Store.open(app[SETTINGS].database_url, clock=app[CLOCK])
    app[STORE] = store
    try:
        yield
    finally:
        await store.close()


class AccessLogger(AbstractAccessLogger):
    """One line per request, without the query string: a calendar URL carries a token."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %s %.3fs", request.remote, request.method, request.path, response.status, time
        )


def run(settings: Settings) -> None:
    """Serve until interrupted (`rota serve`)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log_class=AccessLogger,
    )
