"""The running tray: holds the feed, the connection state and the fired reminders, asks
the pure modules what to do, and does it (shows the view, sends notifications, writes
the cache).

It sleeps until the next instant something is due (a reminder, a change of icon state)
or an event arrives; it wakes at least once a minute because the event loop's clock
stops while the computer sleeps, and a reminder must not wait for the stopped clock to
catch up. That is one wake-up a minute, not a polling loop: nothing is fetched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import aiohttp

from shared.feed import Alert, AlertEvent, PingEvent, Severity
from tray.auth import Credentials, DeviceCode, SignInError
from tray.cache import Cache
from tray.feed_client import Backoff, FeedClient, FeedError, Unauthorized
from tray.notify import Notice, Notifications
from tray.reminders import DEFAULT_GRACE, Lead, decide, prune
from tray.state import (
    DEFAULT_SOON,
    Action,
    Connection,
    MenuEntry,
    Settings,
    StreamEvent,
    TrayView,
    apply,
    new_alerts,
    next_change,
    open_alerts,
    reminder_leads,
    shown_leads,
    toggled,
    view,
)

log = logging.getLogger(__name__)

#: The longest the tray sleeps without looking at the wall clock.
MAX_SLEEP = 60.0


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Options:
    url: str
    zone: ZoneInfo
    #: Reminder times chosen on this computer; None: my times in Rota, from the feed.
    leads: tuple[Lead, ...] | None
    grace: timedelta = DEFAULT_GRACE
    soon: timedelta = DEFAULT_SOON


def alert_notice(alert: Alert) -> Notice:
    return Notice(
        title=f"Alert for you: {alert.title}",
        body=f"{alert.rotation} · {alert.severity}",
        url=alert.url,
        urgent=alert.severity is Severity.CRITICAL,
    )


def device_code_notice(device_code: DeviceCode) -> Notice:
    """The code in the title, so that it shows even where the body is cut short."""
    return Notice(title=f"Sign in to Rota: code {device_code.code}", body=device_code.message)


class TrayApp:
    def __init__(
        self,
        options: Options,
        cache: Cache,
        credentials: Credentials,
        notifier: Notifications,
        *,
        show: Callable[[TrayView], None],
        open_url: Callable[[str], None],
        on_quit: Callable[[], None] = lambda: None,
        echo: Callable[[str], None] = lambda line: None,
        clock: Clock | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        """`echo` prints a line for a tray started from a terminal (the device code's)."""
        self.options = options
        self.cache = cache
        self.credentials = credentials
        self.notifier = notifier
        self.clock = clock or SystemClock()
        self.feed = cache.load_feed()
        self.fired = cache.load_fired()
        self.connection = Connection.CONNECTING
        self._show = show
        self._open_url = open_url
        self._on_quit = on_quit
        self._echo = echo
        self._backoff = backoff
        self.device_code: DeviceCode | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._client: FeedClient | None = None
        self._stream: asyncio.Task[None] | None = None

    def settings(self) -> Settings:
        return Settings(
            zone=self.options.zone,
            leads=self.options.leads,
            soon=self.options.soon,
            can_sign_in=self.credentials.can_sign_in,
        )

    def on_event(self, event: StreamEvent) -> None:
        if isinstance(event, PingEvent):
            return
        before, self.feed = self.feed, apply(self.feed, event)
        if self.feed is not None and self.feed != before:
            self._persist(self.cache.save_feed, self.feed)
        for alert in new_alerts(before, self.feed):
            self._spawn(self.notifier.show(alert_notice(alert)))
        self._wake.set()

    def on_connection(self, state: Connection) -> None:
        log.info("feed: %s", state)
        self.connection = state
        self._wake.set()

    def _persist(self, save: Callable[[Any], None], value: Any) -> None:
        """A full disk or a read-only home must not stop the reminders: say so and go on."""
        try:
            save(value)
        except OSError as exc:
            log.warning("cannot write the tray's cache: %s", exc)

    def step(self) -> datetime:
        """Fire what is due now, record it, refresh the view; return when to look again."""
        now = self.clock.now()
        shifts = self.feed.shifts if self.feed else []
        leads = reminder_leads(self.feed, self.options.leads)
        decision = decide(shifts, leads, self.options.zone, now, self.fired, self.options.grace)
        for reminder in decision.fire:
            title, body = reminder.message(now, self.options.zone)
            log.info("reminder: %s (due %s)", title, reminder.due.isoformat())
            self._spawn(self.notifier.show(Notice(title, body)))
        if decision.settle:
            self.fired = prune({**self.fired, **decision.settle}, now)
            self._persist(self.cache.save_fired, self.fired)
        self._show(view(self.feed, now, self.connection, self.settings(), self.device_code))
        changes = next_change(self.feed, now, self.options.zone, self.options.soon)
        return min(changes, decision.next_due) if decision.next_due else changes

    async def run(self) -> None:
        """Run until `stop` (or Quit in the menu)."""
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            self._client = FeedClient(
                session,
                self.options.url,
                self.credentials.token,
                on_event=self.on_event,
                on_connection=self.on_connection,
                backoff=self._backoff,
            )
            self._restart_stream()
            try:
                await self._timer()
            finally:
                if self._stream is not None:
                    self._stream.cancel()
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, *([self._stream] if self._stream else []), return_exceptions=True)

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def wake(self) -> None:
        """Look at the clock again now (after the clock jumped, or a test moved it)."""
        self._wake.set()

    async def _timer(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            next_at = self.step()
            delay = min(MAX_SLEEP, max(0.0, (next_at - self.clock.now()).total_seconds()) + 0.001)
            try:
                await asyncio.wait_for(self._wake.wait(), delay)
            except asyncio.TimeoutError:
                continue

    def _restart_stream(self) -> None:
        if self._stream is not None:
            self._stream.cancel()
        if self._client is not None:
            self._stream = asyncio.create_task(self._client.run())

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def request(self, loop: asyncio.AbstractEventLoop, entry: MenuEntry) -> None:
        """A menu click, from the GUI thread: handled on the event loop."""
        loop.call_soon_threadsafe(lambda: self._spawn(self.handle(entry)))

    async def handle(self, entry: MenuEntry) -> None:
        try:
            await self._handle(entry)
        except (aiohttp.ClientError, asyncio.TimeoutError, FeedError, Unauthorized, SignInError) as exc:
            log.warning("%s failed: %s", entry.text, exc)
            await self.notifier.show(Notice(f"{entry.text} failed", str(exc) or exc.__class__.__name__))
        self._wake.set()

    async def _handle(self, entry: MenuEntry) -> None:
        if entry.action is Action.OPEN_URL and entry.argument:
            await asyncio.to_thread(self._open_url, entry.argument)
        elif entry.action is Action.ACKNOWLEDGE and entry.argument:
            await self._acknowledge([entry.argument])
        elif entry.action is Action.ACKNOWLEDGE_ALL:
            await self._acknowledge([alert.id for alert in open_alerts(self.feed)])
        elif entry.action is Action.TOGGLE_LEAD and entry.argument:
            leads = toggled(shown_leads(self.feed, self.options.leads), entry.argument)
            self.options = replace(self.options, leads=leads)
            self.cache.remember(leads=[lead.key for lead in leads])
        elif entry.action is Action.USE_ROTA_LEADS:
            self.options = replace(self.options, leads=None)
            self.cache.forget("leads")
        elif entry.action is Action.SIGN_OUT:
            await self.credentials.sign_out()
            self.cache.forget_feed()
            self.feed = None
            self._restart_stream()
        elif entry.action is Action.SIGN_IN:
            try:
                await self.credentials.sign_in(self.announce)
            finally:
                self.device_code = None
            self._restart_stream()
        elif entry.action is Action.QUIT:
            self.stop()
            self._on_quit()

    async def announce(self, device_code: DeviceCode) -> None:
        """Show a device code wherever the person may look: the terminal, a notification,
        and the tooltip and menu until the sign-in ends."""
        self._echo(device_code.message)
        self.device_code = device_code
        self._wake.set()
        await self.notifier.show(device_code_notice(device_code))

    async def _acknowledge(self, ids: list[str]) -> None:
        if self._client is None:
            return
        for alert_id in ids:
            updated = await self._client.acknowledge(alert_id)
            self.on_event(AlertEvent(type="alert", data=updated))
