"""Waiting in tests for something the code under test reports, with a bound, never a sleep."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

WAIT = 5.0


class Changes:
    """A recorder's base: call `changed()` whenever something was recorded; `until()` waits
    for a condition on the records to hold."""

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def changed(self) -> None:
        self._changed.set()

    async def until(self, condition: Callable[[], bool], within: float = WAIT) -> None:
        async def wait() -> None:
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), within)
