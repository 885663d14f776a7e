"""The service on a real loopback port, a fake Bot Connector, and (for credential mode) the
Bot Framework's token side, with a chat service that records what the boundary gives it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import create_app
from bot.appkeys import ACTION_ROUTER, CHAT_HANDLER
from bot.conversations import (
    CardAction,
    CardActionResult,
    ChatTurn,
    ChatUser,
    ConversationRecord,
    Reply,
)
from bot.settings import Settings
from tests.fakes.botframework_auth import BotFrameworkAuth
from tests.fakes.connector import FakeConnector

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)


@dataclass
class RecordingChat:
    """A ChatHandler that remembers every call and answers what the test tells it to."""

    turns: list[ChatTurn] = field(default_factory=list)
    installs: list[tuple[ConversationRecord, ChatUser | None]] = field(default_factory=list)
    seen: list[tuple[ConversationRecord, ChatUser | None]] = field(default_factory=list)
    people: list[ChatUser] = field(default_factory=list)
    answer: Callable[[ChatTurn], list[Reply]] = lambda turn: [Reply(text=f"you said: {turn.text}")]

    async def on_turn(self, turn: ChatTurn) -> list[Reply]:
        self.turns.append(turn)
        return self.answer(turn)

    async def on_installed(self, conversation: ConversationRecord, user: ChatUser | None) -> list[Reply]:
        self.installs.append((conversation, user))
        return [Reply(text="Hi, I'm Rota", card={"type": "AdaptiveCard", "version": "1.5", "body": []})]

    async def on_conversation_seen(self, conversation: ConversationRecord, user: ChatUser | None) -> None:
        self.seen.append((conversation, user))

    async def on_people_seen(self, users: Sequence[ChatUser]) -> None:
        self.people.extend(users)


@dataclass
class RecordingActions:
    """An `ActionRouter` handler for the `test.` prefix."""

    pressed: list[CardAction] = field(default_factory=list)
    result: CardActionResult = field(default_factory=lambda: CardActionResult(card={"type": "AdaptiveCard"}))

    async def __call__(self, action: CardAction) -> CardActionResult:
        self.pressed.append(action)
        return self.result


@dataclass
class Bot:
    """The running service and what its domain side saw."""

    url: str
    app: web.Application
    chat: RecordingChat
    actions: RecordingActions


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


@pytest.fixture
def bot_auth(tmp_path) -> Iterator[BotFrameworkAuth]:
    fake = BotFrameworkAuth(tmp_path)
    fake.start()
    try:
        yield fake
    finally:
        fake.close()


@pytest.fixture
def start_bot(sqlite_url: str, aiohttp_server: Any) -> Callable[..., Any]:
    """Start the service with extra settings; the test server stops it at the end. The
    domain is replaced by recorders once every resource has started."""

    async def start(**settings: Any) -> Bot:
        app = create_app(Settings(database_url=sqlite_url, **settings), clock=lambda: NOW)
        chat, actions = RecordingChat(), RecordingActions()

        async def stand_in(app: web.Application) -> None:
            app[CHAT_HANDLER] = chat
            app[ACTION_ROUTER].register("test.", actions)

        app.on_startup.append(stand_in)
        server: TestServer = await aiohttp_server(app, host="127.0.0.1")
        return Bot(str(server.make_url("")).rstrip("/"), app, chat, actions)

    return start


@pytest.fixture
async def local_bot(start_bot: Callable[..., Any]) -> Bot:
    return await start_bot()


@pytest.fixture
async def secured_bot(start_bot: Callable[..., Any], bot_auth: BotFrameworkAuth, connector: FakeConnector) -> Bot:
    """A bot with credentials; the Connector only accepts tokens the Entra stand-in issued."""
    connector.token_check = bot_auth.is_issued
    return await start_bot(**bot_auth.settings())


def teams_message(connector: FakeConnector, text: str, *, sender: Any, conversation_id: str = "a:personal-1",
                  activity_id: str = "1767765488001", **extra: Any) -> dict[str, Any]:  # fmt: skip
    """A 1:1 message as Teams sends it (the shape of the reference personal message)."""
    activity = connector.from_reference("teams-message-personal.json", text=text, id=activity_id)
    activity["from"] = {"id": sender.teams_id, "name": sender.name, "aadObjectId": sender.aad_object_id}
    activity["conversation"] = {"conversationType": "personal", "id": conversation_id,
                                "tenantId": connector.tenant_id}  # fmt: skip
    activity["channelData"] = {"tenant": {"id": connector.tenant_id}}
    activity.update(extra)
    return activity
