"""Handoffs as a timer source: when duty changes hands, open streams hear it.

Nothing is written to the database at a handoff, so no commit announces it; this source
is due at the next instant any rotation's answer changes (a handoff, an override or time
off starting or ending, in either layer), and then asks the hub to refresh every stream
with the cause `handoff`. It is poked whenever a rotation changes.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from bot.feed.hub import FeedHub
from bot.storage import Store
from shared.oncall import on_call

SOURCE_NAME = "tray-handoffs"


class HandoffSource:
    """A `bot.timers.TimerSource`; `close` waits for a plan or run under way."""

    name = SOURCE_NAME

    def __init__(self, store: Store, hub: FeedHub) -> None:
        self._store = store
        self._hub = hub
        self._due: datetime | None = None
        self._running = asyncio.Lock()
        self._closed = False

    async def next_due(self, now: datetime) -> datetime | None:
        async with self._running:
            if self._closed:
                return None
            rotations = {rotation.name: rotation for rotation in await self._store.list_rotations()}
            ends = (on_call(rotation, now, rotations).end for rotation in rotations.values())
            self._due = min((end for end in ends if end is not None), default=None)
            return self._due

    async def run_due(self, now: datetime) -> None:
        """Refresh the streams if a planned handoff has come (a poke alone is not one)."""
        async with self._running:
            if not self._closed and self._due is not None and self._due <= now:
                self._due = None
                self._hub.changed(fallback="handoff")

    async def close(self) -> None:
        """Plan and run nothing more (before the database closes)."""
        async with self._running:
            self._closed = True
