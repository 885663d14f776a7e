"""What the shift lifecycle's timers and buttons work with: the stores, the outbox, the
clock, and small helpers over them (the rotations as they are, names and zones of people,
a message to someone's 1:1 chat or to the rotation's channels).
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.alerts.urgency import BusinessHours
from bot.chat.context import Collaborators, Env
from bot.chat.messages import direct_message
from bot.chat.ports import Outbox, PersonalChats
from bot.conversations import ConversationKind, ConversationRecord, OutgoingMessage
from bot.shifts.paging import office_hours
from bot.storage import NotFound, Store
from bot.storage.alerts import AlertStore
from bot.storage.shifts import ShiftStore
from bot.storage.teams import TeamsStore
from shared.rotation import Rotation

Clock = Callable[[], datetime]
#: Every timer source looks at the database again at least this often: changes made where
#: no poke reaches (the chat, `rota apply` in another process) are acted on within it.
REPLAN = timedelta(minutes=2)


async def _nothing(_name: str) -> None:
    return None


#: The answer to a button pressed by someone Teams did not name.
UNKNOWN_PRESSER = ("I could not tell who you are from Teams; write to me once in a personal chat, then press the "
                   "button again.")


def short(text: str) -> str:
    """A fixed-width stand-in for a long value (a conversation key, an email) inside an
    idempotency key, which has 200 characters at most."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class Services:
    store: Store
    teams: TeamsStore
    shifts: ShiftStore
    alerts: AlertStore
    outbox: Outbox
    clock: Clock
    #: Opens a 1:1 chat with someone who never wrote to the bot (None: only existing chats).
    chats: PersonalChats | None = None
    #: Where people reach the service (links in cards, such as a report's chart).
    base_url: str = "http://127.0.0.1:3978"
    #: Awaited after a handover is posted (the Teams tag sync follows the handoff).
    on_handoff: Callable[[str], Awaitable[None]] = field(default=_nothing)
    #: Tells the timer source named so that its data changed (`TimerService.poke`).
    poke: Callable[[str], Awaitable[None]] = field(default=_nothing)
    replan: timedelta = REPLAN

    def next_look(self, due: datetime | None, now: datetime) -> datetime:
        """When a source next runs: when its work is due, or `replan` from now if sooner."""
        return min(due, now + self.replan) if due is not None else now + self.replan

    async def rotations(self) -> dict[str, Rotation]:
        return {rotation.name: rotation for rotation in await self.store.list_rotations()}

    async def names(self, emails: Iterable[str | None]) -> dict[str, str]:
        """Display names, where Rota knows them."""
        people = await self.teams.people(e for e in emails if e)
        return {email: p.display_name for email, p in people.items() if p.display_name}

    async def zone_of(self, email: str | None, default: str) -> str:
        """The zone the person's Teams client last reported, else `default`."""
        if email is None:
            return default
        return (await self.teams.zones([email])).get(email, default)

    async def business_hours(self, rotation: Rotation) -> BusinessHours:
        """The rotation's business hours, or office hours in its zone."""
        try:
            hours = (await self.alerts.settings(rotation.name)).rules.business_hours
        except NotFound:
            hours = None
        return office_hours(hours, rotation.timezone)

    async def channels(self, rotation: str) -> list[ConversationRecord]:
        return await self.teams.channel_conversations_for(rotation)

    async def post(self, conversation: ConversationRecord, key: str, *, card: dict[str, Any] | None = None,
                   text: str | None = None) -> None:  # fmt: skip
        await self.outbox.enqueue(OutgoingMessage(idempotency_key=key, conversation_key=conversation.key, text=text,
                                                  card=card))  # fmt: skip

    async def direct(self, email: str, key: str, *, rotation: str, text: str | None = None,
                     card: dict[str, Any] | None = None) -> bool:  # fmt: skip
        """Queue a message to the person's 1:1 chat (opened through the rotation's channel if
        need be); False when Rota cannot write to them."""
        channels = await self.channels(rotation)
        via = next((c for c in channels if c.kind is not ConversationKind.PERSONAL), None)
        env = Env(self.store, self.teams, self.outbox, self.clock, Collaborators(chats=self.chats))
        return await direct_message(env, email, key, text=text, card=card, via=via) is not None
