"""Timer pokes started from a commit listener, which runs as a plain callback and cannot
await: each poke becomes a task, kept until it is done so that shutdown can wait for it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Pokes:
    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("could not replan a timer after a change", exc_info=task.exception())

    async def close(self) -> None:
        await asyncio.gather(*self._tasks, return_exceptions=True)
