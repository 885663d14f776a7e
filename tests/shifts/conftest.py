"""A team on duty, with the shift lifecycle's timers on a clock that moves only when told.

Five people take weekly turns in `data-platform` (Mondays 12:00, Paris): Alice from
Monday 2 March 2026, then Bob, Carol, Dan and Erin. The team's channel is bound to the
rotation; everyone but Erin has a 1:1 chat with Rota. The timer service is paused (it
never fires by itself); `Rig.run_until` fires each source at the instants it planned,
in order, moving the clock there, as the scheduler would in real time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from bot.alerts.model import Alert, IncomingAlert, IntegrationKind, Severity
from bot.conversations import ConversationKind, ConversationRecord, OutgoingMessage
from bot.shifts.duties import DutySource
from bot.shifts.handoffs import HandoverSource
from bot.shifts.postmortems import PostmortemSource
from bot.shifts.reminding import ChangeSource, ReminderSource
from bot.shifts.services import Services
from bot.storage import Person, Store
from bot.storage.alerts import AlertStore, StoredAlert
from bot.storage.shifts import ShiftStore
from bot.storage.teams import TeamsStore
from bot.timers import TimerService
from shared.rotation import Rotation, Secondary, SecondaryKind, ShiftLength
from tests.storage.conftest import FakeClock

ROTATION = "data-platform"
#: The timers look again daily by themselves (every two minutes in service), so that a
#: simulated week takes a few dozen runs.
REPLAN = timedelta(days=1)
PARIS = "Europe/Paris"
ACTOR = "test"
NAMES = {"alice": "Alice Martin", "bob": "Bob Smith", "carol": "Carol Diaz", "dan": "Dan Okafor", "erin": "Erin Novak"}
TEAM = tuple(f"{name}@example.com" for name in NAMES)
ALICE, BOB, CAROL, DAN, ERIN = TEAM
#: Monday 2 March 2026, 09:00 in Paris: three hours before Alice's first week starts.
START = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
#: Monday 9 March 2026, 12:00 in Paris: Alice hands over to Bob.
FIRST_HANDOFF = datetime(2026, 3, 9, 11, 0, tzinfo=timezone.utc)
CHANNEL = ConversationRecord(key="19:data@thread.tacv2", kind=ConversationKind.CHANNEL,
                             service_url="https://smba.example.test/", conversation_id="19:data@thread.tacv2",
                             tenant_id="tenant-1", team_id="19:team@thread.tacv2", team_aad_group_id="group-1",
                             channel_id="19:data@thread.tacv2", reference={"conversation": {"id": "data"}})  # fmt: skip


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def chat_of(email: str) -> str:
    return f"chat-{email.split('@')[0]}"


def rotation() -> Rotation:
    return Rotation(name=ROTATION, timezone=PARIS, shift=ShiftLength.parse("1w"), handoff=datetime(2026, 3, 2, 12),
                    members=TEAM, secondary=Secondary(SecondaryKind.NEXT))  # fmt: skip


@dataclass
class OutboxRecorder:
    """The outbox: what was queued, once per idempotency key, in order."""

    queued: dict[str, OutgoingMessage] = field(default_factory=dict)
    #: Every key enqueued, repeats included: what a sender that did not deduplicate would send.
    calls: list[str] = field(default_factory=list)

    async def enqueue(self, message: OutgoingMessage) -> None:
        self.calls.append(message.idempotency_key)
        self.queued.setdefault(message.idempotency_key, message)

    async def activity_id_for(self, idempotency_key: str) -> str | None:
        return None

    def to(self, conversation: str) -> list[OutgoingMessage]:
        return [m for m in self.queued.values() if m.conversation_key == conversation]

    def cards_to(self, conversation: str) -> list[dict]:
        return [m.card for m in self.to(conversation) if m.card is not None]


#: The sources `run_until` drives; tests fire the change watcher themselves.
DRIVEN = ("shift-handovers", "routine-duties", "shift-reminders", "postmortems")


@dataclass
class Rig:
    clock: FakeClock
    store: Store
    teams: TeamsStore
    shifts: ShiftStore
    alerts: AlertStore
    outbox: OutboxRecorder
    services: Services
    timers: TimerService

    async def run_until(self, until: datetime, names: tuple[str, ...] = DRIVEN) -> list[str]:
        """Fire what falls due up to `until`, in time order; returns the sources fired."""
        fired: list[str] = []
        while True:
            planned = [(self.timers.planned(name), name) for name in names]
            due = sorted((at, name) for at, name in planned if at is not None and at <= until)
            if not due:
                break
            at, name = due[0]
            self.clock.now = max(self.clock.now, at)
            await self.timers.fire(name)
            fired.append(name)
            assert len(fired) < 500, f"timers keep firing: {fired[-10:]}"
        self.clock.now = max(self.clock.now, until)
        return fired

    async def add_alert(self, alert: Alert) -> StoredAlert:
        async with self.alerts.transaction() as work:
            return await work.insert(alert, integration_id=None, due_at=None)

    async def change_alert(self, stored: StoredAlert, alert: Alert) -> StoredAlert:
        async with self.alerts.transaction() as work:
            return await work.save(await work.lock(stored.id), alert, None)


def firing(title: str, at: datetime, severity: Severity = Severity.CRITICAL) -> Alert:
    notice = IncomingAlert(dedup_key=title.lower().replace(" ", "-"), title=title, severity=severity)
    return Alert.open(notice, rotation=ROTATION, integration=IntegrationKind.ALERTMANAGER, at=at)


async def seed(store: Store, teams: TeamsStore) -> None:
    await store.create_rotation(rotation(), ACTOR)
    for email in TEAM:
        name = NAMES[email.split("@")[0]]
        await store.upsert_person(Person(email, display_name=name, teams_id=f"29:{name.split()[0].lower()}"))
        if email != ERIN:
            await teams.save_conversation(ConversationRecord(
                key=chat_of(email), kind=ConversationKind.PERSONAL, service_url="https://smba.example.test/",
                conversation_id=chat_of(email), person=email))  # fmt: skip
    await teams.save_conversation(CHANNEL)
    await teams.bind(ROTATION, CHANNEL.key, ACTOR)


async def start_timers(services: Services, clock: FakeClock) -> TimerService:
    timers = TimerService(clock=clock, paused=True)
    await timers.start()
    services.poke = timers.poke
    for source in (HandoverSource(services), DutySource(services), ReminderSource(services), ChangeSource(services),
                   PostmortemSource(services)):  # fmt: skip
        await timers.register(source)
    return timers


async def open_rig(url: str, clock: FakeClock, outbox: OutboxRecorder, *, seeded: bool = False) -> Rig:
    store = await Store.open(url, clock=clock)
    teams = TeamsStore(store.engine, clock=clock)
    if not seeded:
        await seed(store, teams)
    shifts = ShiftStore(store.engine, clock=clock)
    alerts = AlertStore(store.engine, clock)
    services = Services(store=store, teams=teams, shifts=shifts, alerts=alerts, outbox=outbox, clock=clock,
                        base_url="https://rota.example.com", replan=REPLAN)  # fmt: skip
    return Rig(clock, store, teams, shifts, alerts, outbox, services, await start_timers(services, clock))


async def close_rig(rig: Rig) -> None:
    await rig.timers.close()
    await rig.store.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def rig(sqlite_url: str, clock: FakeClock) -> AsyncIterator[Rig]:
    opened = await open_rig(sqlite_url, clock, OutboxRecorder())
    try:
        yield opened
    finally:
        await close_rig(opened)
