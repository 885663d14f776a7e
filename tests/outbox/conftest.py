"""An outbox on each backend, a Bot Connector stand-in that can fail on cue, and a clock."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversations import ConversationKind, ConversationRecord, Delivered, DeliveryError, OutgoingMessage
from bot.outbox import Backoff, Outbox, OutboxStore, OutboxWorker
from bot.storage import Store
from bot.storage.database import build_engine, parse_database_url
from tests.storage.conftest import FakeClock

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
#: Retries wait 1 s, 2 s, 4 s ... at most 1 min: a test moves the clock past that.
TEST_BACKOFF = Backoff(base=timedelta(seconds=1), cap=timedelta(minutes=1))
LATER = timedelta(minutes=2)

Outcome = Callable[[OutgoingMessage], Delivered]


def record(key: str) -> ConversationRecord:
    return ConversationRecord(
        key=key, kind=ConversationKind.PERSONAL, service_url="https://smba.example.test/", conversation_id=f"a:{key}"
    )


class Conversations:
    """Stands in for the Teams conversation storage (`get_conversations`)."""

    def __init__(self, *keys: str) -> None:
        self.known = {key: record(key) for key in keys}

    async def get_conversations(self, keys: Iterable[str]) -> dict[str, ConversationRecord]:
        return {key: self.known[key] for key in keys if key in self.known}


def delivered(message: OutgoingMessage) -> Delivered:
    return Delivered(activity_id=f"activity-{message.idempotency_key}")


@dataclass
class FakeSender:
    """The Bot Connector as the outbox sees it: answers by a script of outcomes, then OK.

    `sent` lists the idempotency keys the Connector accepted, in the order it did."""

    script: list[Callable[[OutgoingMessage], Delivered]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    attempts: list[str] = field(default_factory=list)
    outage: bool = False
    #: Sends in flight yield to the loop this many times, so concurrent workers interleave.
    yields: int = 0
    #: Each accepted key, as it is accepted (a test awaits these instead of sleeping).
    arrivals: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    async def send(self, conversation: ConversationRecord, message: OutgoingMessage) -> Delivered:
        assert conversation.key == message.conversation_key
        self.attempts.append(message.idempotency_key)
        for _ in range(self.yields):
            await asyncio.sleep(0)
        if self.outage:
            raise DeliveryError("Bot Connector answered 502", retryable=True)
        answer = self.script.pop(0)(message) if self.script else delivered(message)
        self.sent.append(message.idempotency_key)
        self.arrivals.put_nowait(message.idempotency_key)
        return answer


def fails(status: int, *, retryable: bool, retry_after: float | None = None) -> Outcome:
    def outcome(_message: OutgoingMessage) -> Delivered:
        raise DeliveryError(f"Bot Connector answered {status}", retryable=retryable, retry_after=retry_after)

    return outcome


def message(key: str, conversation: str = "alice", text: str | None = None) -> OutgoingMessage:
    return OutgoingMessage(idempotency_key=key, conversation_key=conversation, text=text or f"message {key}")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


async def open_engine(url: str) -> AsyncEngine:
    """An engine on a migrated database, as a second replica of the service would have."""
    await (await Store.open(url)).close()
    return build_engine(parse_database_url(url))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    opened = await open_engine(database_url)
    try:
        yield opened
    finally:
        await opened.dispose()


@pytest.fixture
def sender() -> FakeSender:
    return FakeSender()


@pytest.fixture
def conversations() -> Conversations:
    return Conversations("alice", "bob", "team-channel")


@pytest.fixture
def outbox(engine: AsyncEngine, clock: FakeClock) -> Outbox:
    return Outbox(OutboxStore(engine), clock)


def make_worker(
    engine: AsyncEngine,
    outbox: Outbox,
    sender: FakeSender,
    conversations: Conversations,
    clock: FakeClock,
    batch: int = 20,
) -> OutboxWorker:
    return OutboxWorker(
        OutboxStore(engine),
        sender,
        conversations,
        wakeup=outbox.wakeup,
        clock=clock,
        backoff=TEST_BACKOFF,
        rng=random.Random(7),
        batch=batch,
    )


@pytest.fixture
def worker(engine: AsyncEngine, outbox: Outbox, sender: FakeSender, conversations: Conversations, clock) -> OutboxWorker:
    return make_worker(engine, outbox, sender, conversations, clock)
