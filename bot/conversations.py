"""What the bot's domain knows about Teams conversations and messages, without Teams.

The Teams boundary (`bot/teams/`, the only package that imports botbuilder) turns
incoming activities into `ChatTurn`s and `CardAction`s, and turns `Reply`s and
`OutgoingMessage`s back into activities. Everything else — the chat service, alerts,
the outbox, the shift lifecycle — speaks only these types, so a move to another Teams
SDK touches one package.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class ConversationKind(StrEnum):
    PERSONAL = "personal"
    CHANNEL = "channel"
    GROUP_CHAT = "groupChat"


@dataclass(frozen=True)
class ChatUser:
    """Who is talking. `email` is the Entra user principal name when known (Teams sends
    the object id; the UPN comes from the roster or the token), else None."""

    teams_id: str
    name: str | None = None
    aad_object_id: str | None = None
    email: str | None = None
    timezone: str = "UTC"


@dataclass(frozen=True)
class ConversationRecord:
    """Where the bot can write later (proactive messages). `key` is Rota's own stable id
    for the conversation; `reference` is the serialized Bot Framework conversation
    reference, opaque outside `bot/teams/`."""

    key: str
    kind: ConversationKind
    service_url: str
    conversation_id: str
    tenant_id: str | None = None
    team_id: str | None = None
    team_aad_group_id: str | None = None
    channel_id: str | None = None
    person: str | None = None
    reference: dict[str, Any] = field(default_factory=dict)


class MentionKind(StrEnum):
    """What a mention names: a person (Teams notifies them), or a tag, the whole team or a
    channel (Teams notifies their members)."""

    PERSON = "person"
    TAG = "tag"
    TEAM = "team"
    CHANNEL = "channel"


@dataclass(frozen=True)
class Mention:
    """Someone or something @mentioned in a message. Only a person's mention has an email;
    a tag's `teams_id` is the tag's id and its `name` the tag's display name."""

    teams_id: str
    name: str
    email: str | None = None
    kind: str = MentionKind.PERSON


@dataclass(frozen=True)
class ChatTurn:
    """One incoming chat message, the bot's own mention already stripped from `text`.

    `addressed` is False for a channel message that does not @mention the bot: Teams
    delivers those too when the app may read every channel message (resource-specific
    consent), and the bot answers them only when they call on the person on duty."""

    user: ChatUser
    conversation: ConversationRecord
    text: str
    mentions: tuple[Mention, ...] = ()
    message_id: str | None = None
    message_link: str | None = None
    received_at: datetime | None = None
    is_team_owner: bool = False
    addressed: bool = True


@dataclass(frozen=True)
class Reply:
    """What the bot answers in the same conversation: text, a card, or both."""

    text: str | None = None
    card: dict[str, Any] | None = None
    mentions: tuple[Mention, ...] = ()
    in_thread: bool = True


@dataclass(frozen=True)
class CardAction:
    """A press of an `Action.Execute` button. `verb` may be missing from what Teams sends
    (see the reference payloads): card builders repeat it in `data["verb"]`."""

    verb: str | None
    data: dict[str, Any]
    user: ChatUser
    conversation: ConversationRecord
    activity_id: str | None = None


@dataclass(frozen=True)
class CardActionResult:
    """The refreshed card to show in place of the pressed one, or a message to show the
    presser when the action is refused (the card then stays as it was)."""

    card: dict[str, Any] | None = None
    refused: str | None = None


@dataclass(frozen=True)
class OutgoingMessage:
    """A proactive message, queued in the outbox. `idempotency_key` makes enqueuing the
    same logical message twice (a retried timer, a replayed webhook) a no-op; `thread_of`
    replies in the thread of an earlier activity; `replaces` updates an activity in place."""

    idempotency_key: str
    conversation_key: str
    text: str | None = None
    card: dict[str, Any] | None = None
    mentions: tuple[Mention, ...] = ()
    thread_of: str | None = None
    replaces: str | None = None


@dataclass(frozen=True)
class Delivered:
    """What the Bot Connector answered for a sent message."""

    activity_id: str | None


class DeliveryError(Exception):
    """A send that failed. `retryable` is True for outages (5xx, 429, timeouts, refused
    connections), False for answers that will never succeed (403 bot removed, 404 gone)."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Sender(Protocol):
    """Implemented by the Teams boundary; used by the outbox worker only."""

    async def send(self, conversation: ConversationRecord, message: OutgoingMessage) -> Delivered: ...


class ChatHandler(Protocol):
    """The chat service, as the Teams boundary calls it."""

    async def on_turn(self, turn: ChatTurn) -> list[Reply]:
        """Answer a message (a command, or a question to route to the person on duty)."""
        ...

    async def on_installed(self, conversation: ConversationRecord, user: ChatUser | None) -> list[Reply]:
        """The bot was added to a team, a chat or a personal scope: remember where, and
        say hello (the welcome card)."""
        ...

    async def on_conversation_seen(self, conversation: ConversationRecord, user: ChatUser | None) -> None:
        """Any activity: keep the conversation reference and the user's ids up to date."""
        ...

    async def on_people_seen(self, users: Sequence[ChatUser]) -> None:
        """The members of a team or chat, read from its roster when the app is added or
        someone joins: remember their ids, so that Rota can mention, tag and message the
        person on duty before they ever write to it."""
        ...


class ActionHandler(Protocol):
    async def __call__(self, action: CardAction) -> CardActionResult: ...


class ActionRouter:
    """Sends each button press to the part of Rota that owns its verb, by prefix
    (`alert.` → alerts, `mention.` and `rotation.` → chat, ...)."""

    def __init__(self) -> None:
        self._handlers: dict[str, ActionHandler] = {}

    def register(self, prefix: str, handler: ActionHandler) -> None:
        if not prefix.endswith("."):
            raise ValueError("a verb prefix ends with '.', e.g. 'alert.'")
        self._handlers[prefix] = handler

    async def dispatch(self, action: CardAction) -> CardActionResult:
        verb = action.verb or action.data.get("verb")
        if not isinstance(verb, str):
            return CardActionResult(refused="This button does not say what it does; please use a newer card.")
        for prefix, handler in self._handlers.items():
            if verb.startswith(prefix):
                return await handler(action)
        return CardActionResult(refused=f"Rota does not know the action {verb[:40]!r}; the card may be out of date.")
