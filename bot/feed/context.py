"""The tray's feed as a resource of the application, and its routes.

Started after the store, the timers, the alerts service and the shift services (whose
reminder choices the feed carries), and before the chat service, which takes
`app[PAIRING]` for its `tray` command (local mode only). It listens to the store's
commits, so a change made anywhere in this process reaches the open streams at once,
and registers the handoff timer; every two minutes it also brings the open streams
up to date with what this process did not see (another replica's or the command line's
changes, and handoffs when another replica runs the timers). A test may put its own `FeedSettings` in
`app[FEED_SETTINGS]` before the app starts (a short ping interval).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.appkeys import CLOCK, FEED, FEED_SETTINGS, PAIRING, PERSONAL_TOKENS, SETTINGS, SHIFTS, STORE, TIMERS
from bot.feed import api
from bot.feed.commits import Commit, watch
from bot.feed.handoffs import HandoffSource
from bot.feed.hub import FeedHub, causes_of
from bot.feed.pairing import Pairing
from bot.feed.reading import StoreReader
from bot.feed.stream import FeedSettings
from bot.storage.alerts import AlertStore
from bot.storage.shifts_tables import PersonRemindersRow, ReminderSettingsRow
from bot.storage.tray import TrayStore
from bot.timers.pokes import Pokes

log = logging.getLogger(__name__)

#: Writes to these tables can change what a stream sends (a newly learned display name
#: waits for the next change: no event carries names alone).
ROTATION_TABLES = frozenset({"rotations", "rotation_members", "overrides", "time_off"})
#: People's own reminder times and rotations' defaults, as the API and the chat set them.
REMINDER_TABLES = frozenset({PersonRemindersRow.__tablename__, ReminderSettingsRow.__tablename__})
FEED_TABLES = ROTATION_TABLES | REMINDER_TABLES | {"alerts"}


async def feed_context(app: web.Application) -> AsyncIterator[None]:
    store, clock, settings, timers = app[STORE], app[CLOCK], app[SETTINGS], app[TIMERS]
    options = app.setdefault(FEED_SETTINGS, FeedSettings())
    tray = TrayStore(store.engine, clock)
    reader = StoreReader(store, AlertStore(store.engine, clock), tray, app[SHIFTS].shifts, clock)
    hub = FeedHub(reader, api.links_for(settings), options.horizon)
    app[PERSONAL_TOKENS] = tray
    app[FEED] = hub
    if settings.local_mode:
        app[PAIRING] = Pairing(tray, clock)
    handoffs = HandoffSource(store, hub)
    await timers.register(handoffs)
    pokes = Pokes()

    def committed(commit: Commit) -> None:
        hub.changed(causes_of(commit.audited))
        if commit.tables & ROTATION_TABLES:
            pokes.start(timers.poke(handoffs.name))

    stop_watching = watch(store.engine, FEED_TABLES, committed)
    catching_up = asyncio.get_running_loop().create_task(_catch_up(hub, options.catch_up_interval))
    try:
        yield
    finally:
        catching_up.cancel()
        await asyncio.gather(catching_up, return_exceptions=True)
        stop_watching()
        await pokes.close()
        timers.unregister(handoffs.name)
        await handoffs.close()
        await hub.close()


async def _catch_up(hub: FeedHub, interval: float) -> None:
    """Refresh the open streams every `interval` seconds (nothing happens with none open)."""
    while True:
        await asyncio.sleep(interval)
        hub.changed(fallback="schedule")


async def _close_streams(app: web.Application) -> None:
    """Streams end as the service stops, so that shutting down does not wait for them."""
    hub = app.get(FEED)
    if hub is not None:
        await hub.close()


def add_feed_routes(app: web.Application) -> None:
    """The tray's routes, and the end of its streams at shutdown."""
    api.add_routes(app)
    app.on_shutdown.append(_close_streams)
