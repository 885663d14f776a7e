"""The alerts service on each backend, with the real outbox and Teams storage, a Sender
that records what reaches Teams, and a clock that moves only when a test says so.

The team: Alice, Bob and Carol take weekly turns (Mondays 12:00, Paris); on Tuesday
3 March 2026 at 10:00 UTC Alice is on duty (until Monday) and Bob is her secondary. Alice and Bob have
a chat with Rota, Carol does not; Dan, outside the rotation, has one too. The rotation's
channel is bound to it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.alerts.delivery import Deliveries
from bot.alerts.model import IncomingAlert, IntegrationKind, Link, Severity, SourceStatus
from bot.alerts.service import AlertService, Received
from bot.alerts.settings import AlertSettings
from bot.alerts.urgency import BusinessHours, UrgencyRules
from bot.conversations import ConversationKind, ConversationRecord, Delivered, DeliveryError, OutgoingMessage
from bot.outbox import Backoff, Outbox, OutboxStore, OutboxWorker
from bot.storage import Person, Store
from bot.storage.alerts import AlertStore, Integration
from bot.storage.outbox import TagStateStore
from bot.storage.teams import TeamsStore
from shared.rotation import Rotation, Secondary, SecondaryKind, ShiftLength
from tests.storage.conftest import FakeClock

#: Tuesday 3 March 2026, 11:00 in Paris: Alice's week on duty.
START = datetime(2026, 3, 3, 10, 0, tzinfo=timezone.utc)
ROTATION = "data-platform"
ALICE, BOB, CAROL, DAN = "alice@example.com", "bob@example.com", "carol@example.com", "dan@example.com"
NAMES = {ALICE: "Alice Martin", BOB: "Bob Smith", CAROL: "Carol Diaz", DAN: "Dan Okafor"}
ALICE_CHAT, BOB_CHAT, DAN_CHAT, CHANNEL = "alice-chat", "bob-chat", "dan-chat", "data-channel"
ACTOR = "test"
#: Office hours in Paris, for the tests of the night hold and the morning digest.
OFFICE = AlertSettings(rules=UrgencyRules(BusinessHours.parse("Europe/Paris", "mon-fri", "09:00", "18:00")))
#: Tuesday 3 March, 23:30 in Paris.
NIGHT = datetime(2026, 3, 3, 22, 30, tzinfo=timezone.utc)
#: Wednesday 4 March, 09:00 in Paris.
MORNING = datetime(2026, 3, 4, 8, 0, tzinfo=timezone.utc)


def rotation() -> Rotation:
    return Rotation(name=ROTATION, timezone="Europe/Paris", shift=ShiftLength.parse("1w"),
                    handoff=datetime(2026, 3, 2, 12, 0), members=(ALICE, BOB, CAROL),
                    secondary=Secondary(SecondaryKind.NEXT))


def conversation(key: str, kind: ConversationKind, person: str | None = None) -> ConversationRecord:
    return ConversationRecord(key=key, kind=kind, service_url="https://smba.example.test/",
                              conversation_id=f"a:{key}", person=person, reference={"conversation": {"id": key}})


def notice(key: str = "etl-orders", *, status: SourceStatus = SourceStatus.FIRING,
           severity: Severity = Severity.CRITICAL, title: str = "Nightly ETL job orders failed") -> IncomingAlert:
    return IncomingAlert(dedup_key=key, title=title, status=status, severity=severity,
                         labels={"alertname": "NightlyETLFailed", "job": "orders"},
                         links=(Link("Runbook", "https://runbooks.example.com/etl"),))


@dataclass
class Sent:
    conversation: str
    message: OutgoingMessage
    activity_id: str


@dataclass
class RecordingSender:
    """What reaches Teams: every send and update, in order; each new message gets an
    activity id. `outage` makes every send fail as a Connector outage does."""

    sent: list[Sent] = field(default_factory=list)
    outage: bool = False
    arrivals: asyncio.Queue[Sent] = field(default_factory=asyncio.Queue)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def send(self, conversation: ConversationRecord, message: OutgoingMessage) -> Delivered:
        if self.outage:
            raise DeliveryError("Bot Connector answered 503", retryable=True)
        activity = message.replaces or f"activity-{next(self._ids)}"
        record = Sent(conversation.key, message, activity)
        self.sent.append(record)
        self.arrivals.put_nowait(record)
        return Delivered(activity_id=activity)

    def posts(self, conversation: str) -> list[Sent]:
        """New messages (not updates) in a conversation."""
        return [s for s in self.sent if s.conversation == conversation and s.message.replaces is None]

    def updates(self, conversation: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.message.replaces and conversation in (None, s.conversation)]

    def card_now(self, activity: str) -> dict:
        """The card an activity shows after every update it received."""
        return [s.message.card for s in self.sent if s.activity_id == activity][-1]

    def keys(self) -> list[str]:
        return [s.message.idempotency_key for s in self.sent]


@dataclass
class Rig:
    """One service instance: what `create_app` would wire, on a database that outlives it."""

    clock: FakeClock
    store: Store
    engine: AsyncEngine
    teams: TeamsStore
    outbox: Outbox
    worker: OutboxWorker
    alerts: AlertStore
    service: AlertService
    sender: RecordingSender
    integration: Integration

    async def fire(self, *notices: IncomingAlert) -> list[Received]:
        received = await self.service.receive(self.integration, list(notices) or [notice()])
        await self.settle()
        return received

    async def settle(self) -> None:
        """Let background pages finish and the outbox deliver what is due now."""
        await self.service.settle()
        await self.worker.run_due(self.clock())

    async def tick(self, delta: timedelta = timedelta(0)) -> None:
        """Move the clock, then run what the timer would run: due alerts, then deliveries."""
        self.clock.advance(delta)
        await self.service.run_due(self.clock())
        await self.settle()

    async def alert(self, alert_id: int):
        return (await self.alerts.get(alert_id)).alert


async def seed(store: Store, teams: TeamsStore) -> None:
    await store.create_rotation(rotation(), ACTOR)
    for email, name in NAMES.items():
        await store.upsert_person(Person(email, display_name=name, teams_id=f"29:{email.split('@')[0]}"))
    for key, person in ((ALICE_CHAT, ALICE), (BOB_CHAT, BOB), (DAN_CHAT, DAN)):
        await teams.save_conversation(conversation(key, ConversationKind.PERSONAL, person))
    await teams.save_conversation(conversation(CHANNEL, ConversationKind.CHANNEL))
    await teams.bind(ROTATION, CHANNEL, ACTOR)


async def start_rig(url: str, clock: FakeClock, sender: RecordingSender, *, seeded: bool = False) -> Rig:
    """A service on the database at `url` (seeded with the team unless it already is)."""
    store = await Store.open(url, clock=clock)
    engine = store.engine
    teams = TeamsStore(engine, clock=clock)
    alerts = AlertStore(engine, clock)
    if not seeded:
        await seed(store, teams)
        integration, _ = await alerts.create_integration(ROTATION, IntegrationKind.ALERTMANAGER, "prometheus", ACTOR)
    else:
        [integration] = await alerts.list_integrations(ROTATION)
    outbox = Outbox(OutboxStore(engine), clock)
    worker = OutboxWorker(OutboxStore(engine), sender, teams, wakeup=outbox.wakeup, clock=clock,
                          backoff=Backoff(base=timedelta(seconds=1), cap=timedelta(minutes=1)))
    service = AlertService(alerts, store, Deliveries(teams, outbox, TagStateStore(engine)), clock=clock)
    return Rig(clock, store, engine, teams, outbox, worker, alerts, service, sender, integration)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()


async def running_rig(url: str, clock: FakeClock, sender: RecordingSender) -> AsyncIterator[Rig]:
    started = await start_rig(url, clock, sender)
    try:
        yield started
    finally:
        await started.service.settle()
        await started.store.close()


@pytest.fixture
async def rig(sqlite_url: str, clock: FakeClock, sender: RecordingSender) -> AsyncIterator[Rig]:
    """On SQLite: the behaviour tests; the storage-sensitive ones take `both_rig`."""
    async for started in running_rig(sqlite_url, clock, sender):
        yield started


@pytest.fixture
async def both_rig(database_url: str, clock: FakeClock, sender: RecordingSender) -> AsyncIterator[Rig]:
    """Once on SQLite and once on PostgreSQL."""
    async for started in running_rig(database_url, clock, sender):
        yield started
