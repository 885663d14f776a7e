"""The tray's side of the wire: my feed over HTTP and its live stream (server-sent events).

`FeedClient.run()` keeps one stream open for as long as the tray runs. When the service
restarts or the network drops it reports `OFFLINE`, waits (exponential backoff with
jitter, so that a fleet of trays does not reconnect in lockstep) and connects again; the
first event of every connection is a full snapshot, so nothing is lost meanwhile. A
quiet stream is told from a dead one by the service's pings: no byte for `read_timeout`
seconds and the connection is dropped and made again. Nothing here polls.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import aiohttp
from pydantic import ValidationError

from shared.feed import Alert, MyFeed, parse_event
from tray.state import Connection, StreamEvent

log = logging.getLogger(__name__)

SHIFTS_PATH = "/api/v1/me/shifts"
STREAM_PATH = "/api/v1/me/stream"
ACK_PATH = "/api/v1/me/alerts/{id}/acknowledge"
#: Three missed pings (the service sends one at least every 30 s).
READ_TIMEOUT = 95.0

TokenSource = Callable[[], Awaitable[str | None]]


class Unauthorized(Exception):
    """The service refused the token (401/403): sign in or pair again."""


class SignedOut(Unauthorized):
    """There is no token to send: the person signed out or never paired."""


class FeedError(Exception):
    """The service answered something that is not the contract."""


@dataclass
class Backoff:
    """Delays before reconnecting: doubling from `base` up to `cap`, each drawn in
    [d/2, d] ("equal jitter"), so retries spread out but never hammer at zero delay."""

    base: float = 1.0
    cap: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    attempt: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap, self.base * 2**self.attempt)
        self.attempt += 1
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.attempt = 0


@dataclass(frozen=True)
class SseMessage:
    event: str = "message"
    data: str = ""
    id: str | None = None


async def sse_messages(lines: AsyncIterator[bytes]) -> AsyncIterator[SseMessage]:
    """Server-sent events as the HTML standard defines them: fields up to a blank line,
    `data` lines joined by newlines, comment lines (`:`) ignored, a message without data
    dropped."""
    event, data, last_id = "", [], None
    async for raw in lines:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                yield SseMessage(event=event or "message", data="\n".join(data), id=last_id)
            event, data = "", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "event":
            event = value
        elif name == "data":
            data.append(value)
        elif name == "id" and "\0" not in value:
            last_id = value


class FeedClient:
    """One user's feed from one service, authenticated with a bearer token."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        token: TokenSource,
        *,
        on_event: Callable[[StreamEvent], None],
        on_connection: Callable[[Connection], None],
        backoff: Backoff | None = None,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self._session = session
        self._base = base_url.rstrip("/")
        self._token = token
        self._on_event = on_event
        self._on_connection = on_connection
        self._backoff = backoff or Backoff()
        self._read_timeout = read_timeout
        self._state: Connection | None = None

    def _report(self, state: Connection) -> None:
        if state is not self._state:
            self._state = state
            self._on_connection(state)

    async def _headers(self, accept: str = "application/json") -> dict[str, str]:
        token = await self._token()
        if token is None:
            raise SignedOut("not signed in")
        return {"Authorization": f"Bearer {token}", "Accept": accept}

    async def fetch(self) -> MyFeed:
        """`GET /api/v1/me/shifts` once."""
        async with self._session.get(self._base + SHIFTS_PATH, headers=await self._headers()) as response:
            return MyFeed.model_validate_json(await body(response))

    async def acknowledge(self, alert_id: str) -> Alert:
        url = self._base + ACK_PATH.format(id=alert_id)
        async with self._session.post(url, headers=await self._headers()) as response:
            return Alert.model_validate_json(await body(response))

    async def run(self) -> None:
        """Keep the stream open until cancelled, reporting each change of connection state."""
        self._report(Connection.CONNECTING)
        while True:
            try:
                await self._stream_once()
                log.info("the feed stream ended; reconnecting")
                self._report(Connection.OFFLINE)
            except SignedOut:
                self._report(Connection.SIGNED_OUT)
            except Unauthorized as exc:
                log.warning("the service refused the token (%s)", exc)
                self._report(Connection.UNAUTHORIZED)
            except (aiohttp.ClientError, asyncio.TimeoutError, FeedError) as exc:
                log.info("cannot reach the feed: %s", exc.__class__.__name__ if not str(exc) else exc)
                self._report(Connection.OFFLINE)
            await asyncio.sleep(self._backoff.next_delay())

    async def _stream_once(self) -> None:
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=self._read_timeout)
        headers = await self._headers("text/event-stream")
        async with self._session.get(self._base + STREAM_PATH, headers=headers, timeout=timeout) as response:
            check(response)
            if not response.content_type.startswith("text/event-stream"):
                raise FeedError(f"the stream answered {response.content_type}")
            async for message in sse_messages(response.content):
                try:
                    event = parse_event(message.data)
                except ValidationError as exc:
                    log.warning("skipping a %r event that breaks the feed contract: %s", message.event, exc)
                    continue
                self._on_event(event)
                self._report(Connection.ONLINE)
                self._backoff.reset()


def check(response: aiohttp.ClientResponse) -> None:
    """Raise for a refused token or an answer that is not 200."""
    if response.status in (401, 403):
        raise Unauthorized(f"HTTP {response.status}")
    if response.status != 200:
        raise FeedError(f"HTTP {response.status} from {response.url.path}")


async def body(response: aiohttp.ClientResponse) -> bytes:
    """The body of a 200 answer (see `check`)."""
    check(response)
    return await response.read()
