"""A team on a known Thursday: four people, one weekly rotation, a channel, and the chat
service on a real store with a clock the tests move and an outbox that records.

Thursday 5 March 2026, 09:30 in Paris: Alice's week (Mon 2 Mar 12:00 → Mon 9 Mar 12:00),
then Bob, Carol and Dan. Europe moves to summer time on Sunday 29 March, during Dan's week.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.chat.context import Collaborators
from bot.chat.service import ChatService
from bot.conversations import (
    ActionRouter,
    CardAction,
    CardActionResult,
    ChatTurn,
    ChatUser,
    ConversationKind,
    ConversationRecord,
    Mention,
    OutgoingMessage,
    Reply,
)
from bot.storage import Store
from bot.storage.teams import TeamsStore
from shared.rotation import Rotation, Secondary, SecondaryKind, ShiftLength
from tests.storage.conftest import FakeClock

NOW = datetime(2026, 3, 5, 8, 30, tzinfo=timezone.utc)
PARIS = "Europe/Paris"
TEAM_ID = "19:team-data@thread.tacv2"
SERVICE_URL = "https://smba.example.test/emea/"


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Member:
    """Someone in the team, as Teams describes them."""

    email: str
    name: str
    zone: str = PARIS

    @property
    def teams_id(self) -> str:
        return f"29:{self.email.split('@')[0]}"

    @property
    def aad(self) -> str:
        return f"aad-{self.email.split('@')[0]}"

    def user(self, *, with_email: bool = True) -> ChatUser:
        email = self.email if with_email else None
        return ChatUser(teams_id=self.teams_id, name=self.name, aad_object_id=self.aad, email=email,
                        timezone=self.zone)  # fmt: skip

    @property
    def chat(self) -> ConversationRecord:
        """Their 1:1 chat with the bot."""
        return ConversationRecord(key=f"a:{self.teams_id}", kind=ConversationKind.PERSONAL, service_url=SERVICE_URL,
                                  conversation_id=f"a:{self.teams_id}", person=self.email)  # fmt: skip

    @property
    def mention(self) -> Mention:
        return Mention(teams_id=self.teams_id, name=self.name)


ALICE = Member("alice@example.com", "Alice Martin")
BOB = Member("bob@example.com", "Bob Smith")
CAROL = Member("carol@example.com", "Carol Diaz", "America/New_York")
DAN = Member("dan@example.com", "Dan Okafor")
ERIN = Member("erin@example.com", "Erin Novak")
TEAM = (ALICE, BOB, CAROL, DAN)


def channel(name: str) -> ConversationRecord:
    key = f"19:{name}@thread.tacv2"
    return ConversationRecord(key=key, kind=ConversationKind.CHANNEL, service_url=SERVICE_URL, conversation_id=key,
                              tenant_id="tenant-1", team_id=TEAM_ID, team_aad_group_id="group-1", channel_id=key,
                              reference={"conversation": {"id": key}})  # fmt: skip


DATA = channel("data")
ML = channel("ml")


def data_platform(**changes: Any) -> Rotation:
    values: dict[str, Any] = {
        "name": "data-platform",
        "timezone": PARIS,
        "shift": ShiftLength.parse("1w"),
        "handoff": datetime(2026, 3, 2, 12, 0),
        "members": tuple(m.email for m in TEAM),
        "secondary": Secondary(SecondaryKind.NEXT),
    }
    return Rotation(**{**values, **changes})


@dataclass
class OutboxRecorder:
    """The outbox as the chat service sees it: what was queued, once per key; `deliver`
    plays the worker and gives queued messages activity ids."""

    queued: dict[str, OutgoingMessage] = field(default_factory=dict)
    activities: dict[str, str] = field(default_factory=dict)

    async def enqueue(self, message: OutgoingMessage) -> None:
        self.queued.setdefault(message.idempotency_key, message)

    async def activity_id_for(self, idempotency_key: str) -> str | None:
        return self.activities.get(idempotency_key)

    def deliver(self) -> None:
        for key in self.queued:
            self.activities.setdefault(key, f"activity-{len(self.activities) + 1}")

    def to(self, conversation: ConversationRecord) -> list[OutgoingMessage]:
        return [m for m in self.queued.values() if m.conversation_key == conversation.key]


@dataclass
class World:
    """The chat service with everything behind it, and ways to talk to it as people do."""

    service: ChatService
    store: Store
    teams: TeamsStore
    outbox: OutboxRecorder
    clock: FakeClock
    router: ActionRouter

    async def says(
        self, who: Member, text: str, *, where: ConversationRecord | None = None, mentions: Sequence[Member] = (),
        team_owner: bool = False, message_id: str | None = None, with_email: bool = True,
    ) -> list[Reply]:  # fmt: skip
        conversation = where or who.chat
        turn = ChatTurn(user=who.user(with_email=with_email), conversation=conversation, text=text,
                        mentions=tuple(m.mention for m in mentions), message_id=message_id,
                        message_link=f"https://teams.microsoft.com/l/message/{message_id}" if message_id else None,
                        received_at=self.clock(), is_team_owner=team_owner)  # fmt: skip
        return await self.service.on_turn(turn)

    async def presses(
        self, who: Member, card: dict[str, Any], title: str, *, where: ConversationRecord,
        activity_id: str | None = None, inputs: dict[str, Any] | None = None,
    ) -> CardActionResult:  # fmt: skip
        """Press the button called `title` on `card`, as Teams sends it (sometimes without the verb)."""
        action = next(a for a in card.get("actions", []) if a["title"] == title)
        data = {**action["data"], **(inputs or {})}
        pressed = CardAction(verb=None, data=data, user=who.user(), conversation=where, activity_id=activity_id)
        return await self.router.dispatch(pressed)

    async def meet(self, *members: Member) -> None:
        """They have talked to Rota in their 1:1 chats (ids, names, zones and chats known)."""
        for member in members:
            await self.service.on_conversation_seen(member.chat, member.user())

    async def rotation(self, name: str = "data-platform") -> Rotation:
        return await self.store.get_rotation(name)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
async def world(sqlite_url: str, clock: FakeClock) -> AsyncIterator[World]:
    async with opened_world(sqlite_url, clock) as built:
        yield built


@asynccontextmanager
async def opened_world(url: str, clock: FakeClock, collaborators: Collaborators | None = None) -> AsyncIterator[World]:
    store = await Store.open(url, clock=clock)
    try:
        teams = TeamsStore(store.engine, clock=clock)
        outbox = OutboxRecorder()
        service = ChatService(store, teams, outbox, clock, collaborators)
        router = ActionRouter()
        service.register_actions(router)
        yield World(service, store, teams, outbox, clock, router)
    finally:
        await store.close()


@pytest.fixture
async def team(world: World) -> World:
    """The team has met Rota; data-platform exists (Alice created it) and owns the #data channel."""
    await world.meet(*TEAM)
    await world.service.on_installed(DATA, ALICE.user())
    await world.teams.create_owned_rotation(data_platform(), ALICE.email, "teams:alice@example.com")
    await world.teams.bind("data-platform", DATA.key, "teams:alice@example.com")
    return world


def texts(replies: Sequence[Reply]) -> str:
    """Everything the replies say, text and cards, as one string to look into."""
    return " ".join(_strings(replies))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Reply):
        return _strings(value.text) + _strings(value.card)
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def only(replies: Sequence[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def is_refusal(reply: Reply) -> bool:
    """The error card: what was wrong, in the attention style."""
    return reply.card is not None and reply.card["body"][0].get("style") == "attention"

