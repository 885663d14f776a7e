"""A rotation bound to a team's channel, Entra and Graph stand-ins over HTTPS, a clock.

The rotation `data` runs weekly from Monday 2026-03-02 12:00 Paris time: alice, then
bob, then carol. Everyone has a known Entra object id except when a test says otherwise.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversations import ConversationKind, ConversationRecord
from bot.graph import GraphClient, GraphTokens, TagSync
from bot.graph.token import http_client_for, scope_for
from bot.outbox import Backoff
from bot.storage import Person, Store
from bot.storage.database import build_engine, parse_database_url
from bot.storage.outbox import TagStateStore
from bot.storage.teams import TeamsStore
from shared.rotation import Rotation, Secondary
from tests.fakes.entra import CLIENT_ID, CLIENT_SECRET, TENANT, FakeEntra, LoopbackCertificate
from tests.fakes.graph import FakeGraph
from tests.storage.conftest import FakeClock
from tests.storage.samples import rotation

TEAM = "53c53217-fe77-4383-bc5a-ed4937a1aecd"
ACTOR = "test:lead"
#: Monday 2026-03-02 12:00 in Paris: alice's first shift starts.
FIRST_HANDOFF = datetime(2026, 3, 2, 11, 0, tzinfo=timezone.utc)
WEEK = timedelta(weeks=1)
IDS = {
    "alice@example.com": "92f6952f-61ca-4a94-8910-508a240bc167",
    "bob@example.com": "945fe02a-5dc1-4d28-bf5c-30a6147fe842",
    "carol@example.com": "085d800c-b86b-4bfc-a857-9371ad1caf29",
    "dave@example.com": "97f62344-57dc-409c-88ad-c4af14158ff5",
}
NAMES = {IDS["alice@example.com"]: "Alice", IDS["bob@example.com"]: "Bob",
         IDS["carol@example.com"]: "Carol", IDS["dave@example.com"]: "Dave"}  # fmt: skip
#: Graph failures are retried after 1 to 2 min, then 2 to 4 min ...
TEST_BACKOFF = Backoff(base=timedelta(minutes=2), cap=timedelta(hours=1))
#: Longer than any test, so that the plans seen are the handoffs (one test sets its own).
TEST_RESYNC = timedelta(days=60)


def data_rotation(**changes: object) -> Rotation:
    """The storage tests' sample rotation, named `data`, without a secondary."""
    return rotation("data", **{"secondary": Secondary.parse("none"), **changes})


def channel(key: str = "data-channel", team: str = TEAM) -> ConversationRecord:
    return ConversationRecord(
        key=key,
        kind=ConversationKind.CHANNEL,
        service_url="https://smba.trafficmanager.net/emea/",
        conversation_id=f"19:{key}@thread.tacv2",
        tenant_id=TENANT,
        team_id="19:team@thread.tacv2",
        team_aad_group_id=team,
        channel_id=f"19:{key}@thread.tacv2",
    )


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> LoopbackCertificate:
    return LoopbackCertificate.create(Path(tmp_path_factory.mktemp("tls")))


@pytest.fixture
async def entra(certificate: LoopbackCertificate) -> AsyncIterator[FakeEntra]:
    fake = FakeEntra()
    await fake.start(certificate)
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
async def graph(certificate: LoopbackCertificate, entra: FakeEntra) -> AsyncIterator[FakeGraph]:
    fake = FakeGraph(entra.accepts)
    await fake.start(certificate)
    fake.add_team(TEAM, TENANT, NAMES)
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def tokens(entra: FakeEntra, graph: FakeGraph, certificate: LoopbackCertificate) -> GraphTokens:
    return GraphTokens(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        login_url=entra.login_url,
        scope=scope_for(graph.url),
        http_client=http_client_for(str(certificate.ca_path)),
    )


@pytest.fixture
async def client(graph: FakeGraph, tokens: GraphTokens, certificate: LoopbackCertificate) -> AsyncIterator[GraphClient]:
    connector = aiohttp.TCPConnector(ssl=certificate.client_context())
    async with aiohttp.ClientSession(connector=connector) as session:
        yield GraphClient(session, graph.url, tokens)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FIRST_HANDOFF + timedelta(hours=1))


@dataclass
class World:
    """The stores a tag sync reads, over one database."""

    store: Store
    teams: TeamsStore
    state: TagStateStore
    engine: AsyncEngine

    async def bind(self, rotation: str = "data", conversation: ConversationRecord | None = None) -> None:
        record = await self.teams.save_conversation(conversation or channel())
        await self.teams.bind(rotation, record.key, ACTOR)


@pytest.fixture
async def world(database_url: str, clock: FakeClock) -> AsyncIterator[World]:
    store = await Store.open(database_url, clock=clock)
    engine = build_engine(parse_database_url(database_url))
    try:
        await store.create_rotation(data_rotation(), ACTOR)
        for email, object_id in IDS.items():
            await store.upsert_person(Person(email=email, aad_object_id=object_id))
        yield World(store, TeamsStore(engine, clock=clock), TagStateStore(engine), engine)
    finally:
        await engine.dispose()
        await store.close()


def make_sync(world: World, client: GraphClient, clock: FakeClock, resync_every: timedelta = TEST_RESYNC) -> TagSync:
    return TagSync(
        world.store,
        world.teams,
        world.state,
        client,
        clock=clock,
        backoff=TEST_BACKOFF,
        rng=random.Random(5),
        resync_every=resync_every,
    )


@pytest.fixture
def sync(world: World, client: GraphClient, clock: FakeClock) -> TagSync:
    return make_sync(world, client, clock)
