"""The service on a real loopback port, a clock the tests move, a seeded rotation, and
people paired the way a tray pairs.

The team: Alice, Bob and Carol take weekly turns (Mondays 12:00, Paris; the secondary is
the next in line). On Friday 20 March 2026 at 10:30 UTC Carol is on duty until Monday
23 March 11:00 UTC, and Alice is her secondary. Paris moves to summer time on 29 March.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient

from bot.app import create_app
from bot.appkeys import FEED_SETTINGS, PAIRING, STORE
from bot.feed.stream import FeedSettings
from bot.settings import Settings
from bot.storage import Person
from shared.feed import FeedEvent, ShiftChangedEvent, AlertEvent, PingEvent, parse_event
from tests.api.conftest import Api, rotation_body
from tests.storage.conftest import FakeClock
from tray.feed_client import sse_messages

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
ROTATION = "data-platform"
ALICE, BOB, CAROL, DAN = "alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"
ADMIN = "admin"
#: Long enough that no ping comes during a test that does not wait for one.
QUIET = 60.0
#: How long a change may take to reach an open stream.
PROMPTLY = 1.0

Event = FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """SQLite, unless a test asks for both backends (`parametrize(..., indirect=True)`)."""
    return request.getfixturevalue(f"{getattr(request, 'param', 'sqlite')}_url")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def ping_interval() -> float:
    return QUIET


@pytest.fixture
def catch_up_interval() -> float:
    return FeedSettings.catch_up_interval


@pytest.fixture
def app(database_url: str, clock: FakeClock, ping_interval: float, catch_up_interval: float) -> web.Application:
    app = create_app(Settings(database_url=database_url), clock=clock)
    app[FEED_SETTINGS] = FeedSettings(ping_interval=ping_interval, first_feed_timeout=5,
                                      catch_up_interval=catch_up_interval)
    return app


@pytest.fixture
async def client(aiohttp_client: Any, app: web.Application) -> TestClient:
    return await aiohttp_client(app)


@pytest.fixture
async def admin(client: TestClient) -> Api:
    _, secret = await client.app[STORE].create_token(ADMIN, admin=True)
    api = Api(client, secret)
    await api.ok("POST", "/api/v1/rotations", json=rotation_body(ROTATION))
    await client.app[STORE].upsert_person(Person(CAROL, display_name="Carol Diaz"))
    return api


async def pair(client: TestClient, email: str) -> Api:
    """Pair a tray for `email` as the chat's `tray` command and the tray itself do."""
    code = await client.app[PAIRING].issue(email)
    paired = await Api(client, None).ok("POST", "/api/v1/pair", json={"code": code.code})
    assert paired["user"] == email
    return Api(client, paired["token"])


@pytest.fixture
async def alice(client: TestClient, admin: Api) -> Api:
    return await pair(client, ALICE)


@pytest.fixture
async def bob(client: TestClient, admin: Api) -> Api:
    return await pair(client, BOB)


@dataclass
class Stream:
    """An open `GET /api/v1/me/stream`, read event by event as a tray reads it."""

    response: ClientResponse
    messages: AsyncIterator[Any]

    async def next(self, timeout: float = PROMPTLY) -> Event:
        message = await asyncio.wait_for(anext(self.messages), timeout)
        event = parse_event(message.data)
        assert message.event == event.type
        return event

    async def next_change(self, timeout: float = PROMPTLY) -> Event:
        """The next event that is not a ping."""
        while isinstance(event := await self.next(timeout), PingEvent):
            continue
        return event

    def close(self) -> None:
        self.response.close()


async def open_stream(caller: Api) -> Stream:
    response = await caller.client.get("/api/v1/me/stream", headers=caller.headers())
    assert response.status == 200, await response.text()
    assert response.content_type == "text/event-stream"
    return Stream(response, sse_messages(response.content))


@pytest.fixture
async def stream(alice: Api) -> AsyncIterator[Stream]:
    opened = await open_stream(alice)
    yield opened
    opened.close()


def override(person: str, start: datetime, hours: int) -> dict[str, str]:
    return {"person": person, "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}
