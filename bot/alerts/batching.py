"""Doing many small things as one: the webhook's group commit and the paging queue.

SQLite lets one writer in at a time, and every transaction costs a few round trips on any
backend; under a burst of webhooks, one transaction per request would queue them up.
`GroupCommit` runs everything submitted while the previous run was busy as one batch
(each caller still gets its own answer, once the batch's transaction has committed).
`WorkQueue` collects ids to work on in the background and works through them in batches
by a single task, so a burst of alerts is paged with one directory lookup per person.
`Recent` keeps what was read for a short while, so a burst of alerts for one rotation
reads its settings, its members and their chats once rather than once per batch.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class GroupCommit(Generic[Item, Result]):
    """`await submit(item)` returns `work(batch)`'s result for that item; a failure of the
    batch is raised to each of its callers."""

    def __init__(self, work: Callable[[list[Item]], Awaitable[list[Result]]], limit: int) -> None:
        self._work = work
        self._limit = limit
        self._queue: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._queue.append((item, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.get_running_loop().create_task(self._run())
        return await future

    async def _run(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self._limit], self._queue[self._limit:]
            try:
                results = await self._work([item for item, _ in batch])
            except Exception as exc:  # every caller of the batch hears of it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class WorkQueue:
    """Ids to work on in the background, by one task, in batches of at most `limit`."""

    def __init__(self, work: Callable[[list[int]], Awaitable[None]], limit: int) -> None:
        self._work = work
        self._limit = limit
        self._waiting: dict[int, None] = {}
        self._runner: asyncio.Task[None] | None = None

    def add(self, ids: Iterable[int]) -> None:
        self._waiting.update(dict.fromkeys(ids))
        if self._waiting and (self._runner is None or self._runner.done()):
            self._runner = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while self._waiting:
            batch = list(self._waiting)[: self._limit]
            for alert_id in batch:
                del self._waiting[alert_id]
            try:
                await self._work(batch)
            except Exception:
                log.exception("background work on %d alerts failed; the timer will try again", len(batch))

    async def settle(self) -> None:
        """Until everything added so far (and anything added meanwhile) is done."""
        while self._runner is not None and not self._runner.done():
            await asyncio.shield(self._runner)


class Recent(Generic[Key, Value]):
    """Values read less than `ttl` seconds ago (None: for as long as this object lives)."""

    def __init__(self, ttl: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._values: dict[Key, tuple[Value, float]] = {}

    async def get(self, key: Key, load: Callable[[], Awaitable[Value]]) -> Value:
        known, value = self.lookup(key)
        if not known:
            value = await load()
            self.put(key, value)
        return value  # type: ignore[return-value]

    async def get_many(self, keys: Iterable[Key], load: Callable[[list[Key]], Awaitable[dict[Key, Value]]],
                       missing: Value) -> dict[Key, Value]:
        """Each key's value, the unknown ones read together by `load` (`missing` for a key
        that `load` does not answer)."""
        wanted = list(dict.fromkeys(keys))
        unknown = [key for key in wanted if not self.lookup(key)[0]]
        if unknown:
            found = await load(unknown)
            for key in unknown:
                self.put(key, found.get(key, missing))
        return {key: self.lookup(key)[1] for key in wanted}  # type: ignore[misc]

    def lookup(self, key: Key) -> tuple[bool, Value | None]:
        kept = self._values.get(key)
        if kept is not None and (self._ttl is None or self._clock() - kept[1] < self._ttl):
            return True, kept[0]
        return False, None

    def put(self, key: Key, value: Value) -> None:
        self._values[key] = (value, self._clock())

    def forget(self, key: Key | None = None) -> None:
        """Read again next time: `key`, or everything."""
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)
