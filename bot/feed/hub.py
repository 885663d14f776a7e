"""Who is watching their feed, and bringing each of them up to date after a change.

Every open stream is a `Subscription` of one person. When the data behind the feeds
changes (`changed`), one refresh reads it once, runs the engine once per rotation, builds
each watching person's feed once, and hands it to their subscriptions; each stream then
sends the difference from what it last sent (`Subscription.take`). Refreshes never
overlap: changes that arrive during one are gathered into the next. A subscription keeps
only the newest feed, never a queue, so a slow client costs one feed of memory however
much happens, and it catches up in one go.

Nothing here reads the database unless something changed or someone subscribed.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Protocol

from bot.alerts import model
from bot.feed.build import HANDED, HORIZON, Cause, Event, Snapshot, events_between, feed_alert, feed_for, schedule
from bot.feed.commits import Audited
from shared import feed
from shared.feed import Links, MyFeed

log = logging.getLogger(__name__)

#: Audit actions, by their first word, and what a stream says caused the change.
CAUSES: dict[str, Cause] = {"override": "override", "time_off": "time-off"}
#: Two overrides added to one rotation in one transaction are a swap.
SWAP_OVERRIDES = 2


class Reader(Protocol):
    """Where the feeds' data comes from (`bot.feed.reading.StoreReader`)."""

    async def snapshot(self) -> Snapshot: ...

    async def resolved(self, alert_ids: Iterable[int]) -> list[model.Alert]:
        """Those of these alerts that are resolved now."""
        ...


def causes_of(audited: Sequence[Audited]) -> dict[str, Cause]:
    """What the audit entries of one commit say happened to each rotation."""
    added = Counter(entry.rotation for entry in audited if entry.action == "override.add")
    causes: dict[str, Cause] = {}
    for entry in audited:
        if entry.rotation is None:
            continue
        cause = CAUSES.get(entry.action.split(".")[0], "schedule")
        if cause == "override" and added[entry.rotation] >= SWAP_OVERRIDES:
            cause = "swap"
        causes.setdefault(entry.rotation, cause)
    return causes


class Closed(Exception):
    """The service is shutting down: the stream ends, and the client comes back later."""


class Subscription:
    """One open stream of `user`: the newest feed for them, and what it was last shown."""

    def __init__(self, user: str) -> None:
        self.user = user
        self._wake = asyncio.Event()
        self._latest: MyFeed | None = None
        self._sent: MyFeed | None = None
        self._closed_alerts: dict[str, feed.Alert] = {}
        self._causes: dict[str, Cause] = {}
        self._error: BaseException | None = None
        self._closing = False

    def offer(self, latest: MyFeed, closed_alerts: Mapping[str, feed.Alert], causes: Mapping[str, Cause]) -> None:
        self._latest = latest
        self._error = None
        self._closed_alerts.update(closed_alerts)
        self._causes.update(causes)
        self._wake.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._wake.set()

    def close(self) -> None:
        self._closing = True
        self._wake.set()

    async def wait(self, timeout: float) -> bool:
        """Wait for news, up to `timeout` seconds; False if there was none."""
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            return False
        return True

    def take(self) -> list[Event]:
        """The events that bring the client from what it was sent to the newest feed.
        Raises the error that kept its first feed from being read, or Closed."""
        self._wake.clear()
        if self._closing:
            raise Closed()
        if self._error is not None and self._sent is None:
            raise self._error
        if self._latest is None or self._latest is self._sent:
            return []
        events = events_between(self._sent, self._latest, self._closed_alerts, self._causes)
        self._sent = self._latest
        self._closed_alerts.clear()
        self._causes.clear()
        return events


class FeedHub:
    """The open streams of this process, by person, and the refreshes that feed them."""

    def __init__(self, reader: Reader, links: Links, horizon: timedelta = HORIZON) -> None:
        self._reader = reader
        self._links = links
        self._horizon = horizon
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._causes: dict[str, Cause] = {}
        self._fallback: Cause | None = None
        self._due = False
        self._open_alerts: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def watching(self) -> int:
        """How many streams are open."""
        return sum(len(subscriptions) for subscriptions in self._subscriptions.values())

    async def feed(self, user: str) -> MyFeed:
        """`user`'s feed as it is now (what `GET /me/shifts` answers)."""
        return feed_for(user, schedule(await self._reader.snapshot(), self._links, self._horizon))

    @asynccontextmanager
    async def subscription(self, user: str) -> AsyncIterator[Subscription]:
        """A subscription for the length of one stream; its first feed is on its way."""
        subscription = Subscription(user)
        self._subscriptions.setdefault(user, set()).add(subscription)
        self._idle.clear()
        if self._closed:
            subscription.close()
        self._request()
        try:
            yield subscription
        finally:
            self._forget(subscription)

    def _forget(self, subscription: Subscription) -> None:
        mine = self._subscriptions.get(subscription.user, set())
        mine.discard(subscription)
        if not mine:
            self._subscriptions.pop(subscription.user, None)
        if not self._subscriptions:
            self._idle.set()

    async def until_idle(self) -> None:
        """Wait until no stream is open (a closed connection is noticed at its next write)."""
        await self._idle.wait()

    def changed(self, causes: Mapping[str, Cause] | None = None, *, fallback: Cause | None = None) -> None:
        """The data behind the feeds changed: refresh every open stream. `causes` says why,
        per rotation (of changes gathered into one refresh, the last one's); `fallback`
        covers the rotations it does not name. With no stream open there is nothing to do."""
        if not self._subscriptions:
            return
        self._causes.update(causes or {})
        self._fallback = fallback or self._fallback
        self._request()

    def _request(self) -> None:
        self._due = True
        if not self._closed and (self._task is None or self._task.done()):
            self._task = asyncio.get_running_loop().create_task(self._refresh_while_due())

    async def _refresh_while_due(self) -> None:
        while self._due and self._subscriptions and not self._closed:
            self._due = False
            causes, fallback = self._causes, self._fallback
            self._causes, self._fallback = {}, None
            watched = [s for subscriptions in list(self._subscriptions.values()) for s in subscriptions]
            try:
                await self._refresh(watched, causes, fallback)
            except Exception as exc:
                log.exception("could not refresh the tray feeds; they catch up with the next change")
                for subscription in watched:
                    subscription.fail(exc)

    async def _refresh(self, watched: list[Subscription], causes: Mapping[str, Cause], fallback: Cause | None) -> None:
        snapshot = await self._reader.snapshot()
        closed = await self._closed_alerts(snapshot)
        if fallback is not None:
            causes = {**{name: fallback for name in snapshot.rotations}, **causes}
        plan = schedule(snapshot, self._links, self._horizon)
        feeds: dict[str, MyFeed] = {}
        for subscription in watched:
            if subscription.user not in feeds:
                feeds[subscription.user] = feed_for(subscription.user, plan)
            subscription.offer(feeds[subscription.user], closed, causes)

    async def _closed_alerts(self, snapshot: Snapshot) -> dict[str, feed.Alert]:
        """The alerts open at the last refresh that are resolved now, as the feed shows them."""
        now_open = {alert.id for alert in snapshot.alerts if alert.state in HANDED and alert.id is not None}
        gone, self._open_alerts = self._open_alerts - now_open, now_open
        if not gone:
            return {}
        resolved = await self._reader.resolved(sorted(gone))
        return {str(alert.id): feed_alert(alert, self._links, feed.AlertState.RESOLVED) for alert in resolved}

    async def settle(self) -> None:
        """Wait until every change asked for so far has reached the subscriptions."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def close(self) -> None:
        """End every stream (the service is stopping); start no refresh, and let the one
        under way finish, before the database closes."""
        self._closed = True
        for subscriptions in self._subscriptions.values():
            for subscription in subscriptions:
                subscription.close()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

