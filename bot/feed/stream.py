"""One person's live feed as server-sent events (`GET /api/v1/me/stream`).

Each message is `event: <type>` and one `data:` line with the JSON of a `StreamEvent`
(the models validate it as it is built). The first is the whole feed; then changes as
the hub offers them, and a `ping` whenever nothing was sent for a ping interval, so the
client can tell a quiet stream from a dead one. The contract's typed pings are why the
few lines of framing are written here rather than with an SSE library, whose pings are
comments. A client that went away is noticed at the next write (a ping at the latest);
one that stops reading is cut off after `send_timeout`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web

from bot.api.errors import ApiError
from bot.feed.build import HORIZON, Event
from bot.feed.hub import Closed, Subscription
from shared.feed import Ping, PingEvent, dump_event

MEDIA_TYPE = "text/event-stream"
HEADERS = {"Content-Type": MEDIA_TYPE, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class FeedSettings:
    """How streams behave. The ping interval stays under the 30 s the contract promises."""

    ping_interval: float = 25.0
    #: A client that has not taken a message in this long is disconnected.
    send_timeout: float = 30.0
    #: How long a new stream waits for its first feed before answering 503.
    first_feed_timeout: float = 30.0
    horizon: timedelta = HORIZON
    #: How often open streams are brought up to date with what this process did not see
    #: happen: another replica's or the command line's changes, and handoffs, whose timer
    #: runs on one replica only. A stream is sent something only when its feed differs.
    catch_up_interval: float = 120.0


def encode(event: Event | PingEvent) -> bytes:
    return f"event: {event.type}\ndata: {dump_event(event)}\n\n".encode()


async def serve(request: web.Request, subscription: Subscription, settings: FeedSettings,
                clock: Clock) -> web.StreamResponse:
    """Stream until the client goes away or the service stops."""
    first = await _first_feed(subscription, settings.first_feed_timeout)
    response = web.StreamResponse(headers=HEADERS)
    await response.prepare(request)
    try:
        await _send(response, first, settings.send_timeout)
        while True:
            if await subscription.wait(settings.ping_interval):
                events: Sequence[Event | PingEvent] = subscription.take()
            else:
                events = [PingEvent(type="ping", data=Ping(at=clock()))]
            await _send(response, events, settings.send_timeout)
    except (ConnectionResetError, Closed):
        return response
    except TimeoutError:
        if request.transport is not None:
            request.transport.abort()
        return response


async def _first_feed(subscription: Subscription, timeout: float) -> list[Event]:
    """The first feed, before any byte of the answer is sent, so that failing to read it
    (logged by the hub) or waiting too long can still be answered with a 503."""
    try:
        async with asyncio.timeout(timeout):
            while not (events := subscription.take()):
                await subscription.wait(timeout)
    except Closed as exc:
        raise ApiError(503, "unavailable", "the service is stopping; connect again in a moment") from exc
    except Exception as exc:
        raise ApiError(503, "unavailable", "your feed cannot be read now; connect again in a moment") from exc
    return events


async def _send(response: web.StreamResponse, events: Sequence[Event | PingEvent], timeout: float) -> None:
    if not events:
        return
    async with asyncio.timeout(timeout):
        await response.write(b"".join(encode(event) for event in events))
