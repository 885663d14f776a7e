"""The feed client against a real aiohttp SSE server on loopback, restarts included."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from shared.feed import AlertEvent, AlertState, FeedEvent, PingEvent
from tests.tray.factories import alert, at, feed, shift
from tests.tray.fake_service import PAIRING_CODE, TOKEN, FakeService
from tests.tray.waiting import Changes
from tray.auth import pair, sign_in_options
from tray.feed_client import Backoff, FeedClient, SseMessage, Unauthorized, sse_messages
from tray.state import Connection

class Recorder(Changes):
    """What the client reported."""

    def __init__(self) -> None:
        super().__init__()
        self.states: list[Connection] = []
        self.events: list = []

    def on_event(self, event) -> None:
        self.events.append(event)
        self.changed()

    def on_connection(self, state: Connection) -> None:
        self.states.append(state)
        self.changed()


@pytest.fixture
async def service() -> AsyncIterator[FakeService]:
    fake = FakeService(feed(shift(at("2026-03-10 12:00")), alerts=[alert()]))
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as client_session:
        yield client_session


def token(value: str | None = TOKEN):
    async def source() -> str | None:
        return value

    return source


def client(session, url, recorder, *, value=TOKEN, read_timeout=30.0) -> FeedClient:
    return FeedClient(
        session,
        url,
        token(value),
        on_event=recorder.on_event,
        on_connection=recorder.on_connection,
        backoff=Backoff(base=0.05, cap=0.2, rng=random.Random(7)),
        read_timeout=read_timeout,
    )


async def running(feed_client: FeedClient) -> asyncio.Task:
    return asyncio.create_task(feed_client.run())


async def stop(task: asyncio.Task) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_stream_starts_with_a_snapshot_then_pushes_changes(service, session):
    recorder = Recorder()
    task = await running(client(session, service.url, recorder))
    await recorder.until(lambda: Connection.ONLINE in recorder.states)
    assert recorder.states == [Connection.CONNECTING, Connection.ONLINE]
    assert isinstance(recorder.events[0], FeedEvent) and recorder.events[0].data == service.feed
    service.push(AlertEvent(type="alert", data=alert("a-2", title="Disk full")))
    await recorder.until(lambda: len(recorder.events) == 2)
    assert recorder.events[1].data.title == "Disk full"
    await stop(task)


async def test_after_the_service_restarts_the_client_reconnects_and_gets_a_fresh_snapshot(service, session):
    recorder = Recorder()
    task = await running(client(session, service.url, recorder))
    await recorder.until(lambda: Connection.ONLINE in recorder.states)
    port = service.port
    await service.stop()
    await recorder.until(lambda: recorder.states[-1] is Connection.OFFLINE)
    service.feed = feed(shift(at("2026-03-11 12:00")))
    await service.start(port)
    await recorder.until(lambda: recorder.states[-1] is Connection.ONLINE)
    assert recorder.states == [Connection.CONNECTING, Connection.ONLINE, Connection.OFFLINE, Connection.ONLINE]
    assert recorder.events[-1].data.shifts[0].start == at("2026-03-11 12:00")
    assert service.connections == 2
    await stop(task)


async def test_while_the_service_is_down_the_client_keeps_trying(session, unused_tcp_port):
    recorder = Recorder()
    task = await running(client(session, f"http://127.0.0.1:{unused_tcp_port}", recorder))
    await recorder.until(lambda: Connection.OFFLINE in recorder.states)
    late = FakeService(feed())
    await late.start(unused_tcp_port)
    await recorder.until(lambda: recorder.states[-1] is Connection.ONLINE)
    await stop(task)
    await late.stop()


async def test_a_stream_that_goes_silent_is_dropped_and_made_again(session):
    quiet = FakeService(feed(), ping_interval=3600)
    await quiet.start()
    recorder = Recorder()
    task = await running(client(session, quiet.url, recorder, read_timeout=0.3))
    await recorder.until(lambda: quiet.connections >= 2 and recorder.states[-1] is Connection.ONLINE)
    assert Connection.OFFLINE in recorder.states
    await stop(task)
    await quiet.stop()


async def test_a_refused_token_shows_as_unauthorized(service, session):
    recorder = Recorder()
    task = await running(client(session, service.url, recorder, value="stolen"))
    await recorder.until(lambda: Connection.UNAUTHORIZED in recorder.states)
    assert recorder.events == []
    await stop(task)


async def test_without_a_token_the_client_does_not_connect_and_says_signed_out(service, session):
    recorder = Recorder()
    task = await running(client(session, service.url, recorder, value=None))
    await recorder.until(lambda: Connection.SIGNED_OUT in recorder.states)
    assert service.connections == 0
    await stop(task)


async def test_an_event_that_breaks_the_contract_is_skipped_not_fatal(session):
    async def stream(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        ping = PingEvent(type="ping", data={"at": at("2026-03-10 12:00")})
        await response.write(b'event: alert\ndata: {"type": "alert", "data": {"id": ""}}\n\n')
        await response.write(f"event: ping\ndata: {ping.model_dump_json()}\n\n".encode())
        await asyncio.Event().wait()
        return response

    app = web.Application()
    app.router.add_get("/api/v1/me/stream", stream)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    recorder = Recorder()
    task = await running(client(session, f"http://127.0.0.1:{runner.addresses[0][1]}", recorder))
    await recorder.until(lambda: len(recorder.events) == 1)
    assert isinstance(recorder.events[0], PingEvent)
    await stop(task)
    await runner.cleanup()


async def test_fetch_and_acknowledge(service, session):
    feed_client = client(session, service.url, Recorder())
    assert await feed_client.fetch() == service.feed
    acknowledged = await feed_client.acknowledge("a-1")
    assert acknowledged.state is AlertState.ACKNOWLEDGED
    assert service.acknowledged == ["a-1"]


async def test_pairing_exchanges_the_chat_code_for_a_personal_token(service, session):
    answer = await pair(session, service.url, f" {PAIRING_CODE} ")
    assert (answer.token, answer.user) == (TOKEN, "alice@example.com")
    with pytest.raises(Unauthorized, match="ask the bot for a new one"):
        await pair(session, service.url, "WRONG-CODE")
    assert (await sign_in_options(session, service.url)).mode == "pairing"


def test_reconnect_delays_double_with_jitter_up_to_the_cap():
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(10)]
    ceilings = [min(60.0, 2.0**n) for n in range(10)]
    assert all(c / 2 <= d <= c for d, c in zip(delays, ceilings))
    assert len(set(delays)) == 10
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_two_trays_do_not_reconnect_in_lockstep():
    first, second = Backoff(rng=random.Random(1)), Backoff(rng=random.Random(2))
    assert [first.next_delay() for _ in range(5)] != [second.next_delay() for _ in range(5)]


async def lines(*chunks: bytes):
    for chunk in chunks:
        yield chunk


async def test_server_sent_events_are_read_as_the_standard_says():
    received = [
        message
        async for message in sse_messages(
            lines(
                b": a comment\r\n",
                b"event: feed\r\n",
                b"data: {\"a\":\r\n",
                b"data:1}\r\n",
                b"id: 7\r\n",
                b"\r\n",
                b"data: plain\n",
                b"\n",
                b"event: empty\n",
                b"\n",
            )
        )
    ]
    assert received == [SseMessage(event="feed", data='{"a":\n1}', id="7"), SseMessage(event="message", data="plain", id="7")]
