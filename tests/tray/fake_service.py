"""A small stand-in for the service's tray endpoints, on loopback, for the tray's tests.

It speaks the contract in shared/feed.py (validated on the way out) with aiohttp-sse for
the stream, and can be stopped and started again on the same port to play a restart.
Run alone (`python -m tests.tray.fake_service FEED.json --port P --record ACKS`) it serves
a feed file and writes down what was acknowledged, which the display test uses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path

from aiohttp import web
from aiohttp_sse import sse_response

from shared.feed import (
    AlertEvent,
    AlertState,
    FeedEvent,
    MyFeed,
    PairRequest,
    PairResponse,
    PingEvent,
    ShiftChangedEvent,
    SignInOptions,
    dump_event,
)

TOKEN = "personal-token-for-alice-0123456789"
PAIRING_CODE = "K7P2-QX9M"

Event = FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent


class FakeService:
    def __init__(self, feed: MyFeed, *, token: str = TOKEN, ping_interval: float = 15.0, record: Path | None = None) -> None:
        self.feed = feed
        self.token = token
        self.ping_interval = ping_interval
        self.streams: list[asyncio.Queue[Event | None]] = []
        self.connections = 0
        self.acknowledged: list[str] = []
        self.record = record
        self.port: int | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/me/shifts", self.shifts)
        app.router.add_get("/api/v1/me/stream", self.stream)
        app.router.add_post("/api/v1/me/alerts/{id}/acknowledge", self.acknowledge)
        app.router.add_post("/api/v1/pair", self.pair)
        app.router.add_get("/api/v1/tray/sign-in", self.sign_in)
        return app

    async def start(self, port: int = 0) -> None:
        self._runner = web.AppRunner(self.app(), shutdown_timeout=0.5, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every open stream and stop listening, like a service going down."""
        for queue in self.streams:
            queue.put_nowait(None)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def push(self, event: Event) -> None:
        for queue in self.streams:
            queue.put_nowait(event)

    def _authorized(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            raise web.HTTPUnauthorized(text="unknown token")

    async def shifts(self, request: web.Request) -> web.Response:
        self._authorized(request)
        return web.Response(text=self.feed.model_dump_json(), content_type="application/json")

    async def stream(self, request: web.Request) -> web.StreamResponse:
        self._authorized(request)
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.streams.append(queue)
        self.connections += 1
        try:
            async with sse_response(request, ping_interval=self.ping_interval) as response:
                await response.send(dump_event(FeedEvent(type="feed", data=self.feed)), event="feed")
                while (event := await queue.get()) is not None:
                    await response.send(dump_event(event), event=event.type)
                return response
        finally:
            self.streams.remove(queue)

    async def acknowledge(self, request: web.Request) -> web.Response:
        self._authorized(request)
        alert_id = request.match_info["id"]
        alert = next((a for a in self.feed.alerts if a.id == alert_id), None)
        if alert is None:
            raise web.HTTPNotFound()
        self.acknowledged.append(alert_id)
        if self.record is not None:
            with self.record.open("a") as handle:
                handle.write(alert_id + "\n")
        updated = alert.model_copy(update={"state": AlertState.ACKNOWLEDGED})
        self.feed = self.feed.model_copy(update={"alerts": [updated if a.id == alert_id else a for a in self.feed.alerts]})
        self.push(AlertEvent(type="alert", data=updated))
        return web.Response(text=updated.model_dump_json(), content_type="application/json")

    async def pair(self, request: web.Request) -> web.Response:
        code = PairRequest.model_validate(await request.json()).code
        if code != PAIRING_CODE:
            raise web.HTTPBadRequest(text="unknown or expired code")
        answer = PairResponse(token=self.token, user=self.feed.user)
        return web.Response(text=answer.model_dump_json(), content_type="application/json")

    async def sign_in(self, request: web.Request) -> web.Response:
        return web.Response(text=SignInOptions(mode="pairing").model_dump_json(), content_type="application/json")


async def _serve(feed_file: Path, port: int, token: str, record: Path | None) -> None:
    service = FakeService(MyFeed.model_validate_json(feed_file.read_text()), token=token, record=record)
    await service.start(port)
    print(json.dumps({"url": service.url}), flush=True)
    await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("feed", type=Path)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=TOKEN)
    parser.add_argument("--record", type=Path, help="append the ids of acknowledged alerts to this file")
    args = parser.parse_args()
    asyncio.run(_serve(args.feed, args.port, args.token, args.record))


if __name__ == "__main__":
    main()
