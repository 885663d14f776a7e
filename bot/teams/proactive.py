"""Acting in a conversation outside of a turn (proactive sends, roster look-ups, new 1:1 chats).

botbuilder runs such work as a "continue conversation" turn through its middleware, which
hands errors to the adapter's `on_turn_error`. `is_proactive` lets that handler give the
error back to the caller here, who decides what it means (a retry, a refusal).

The adapter's own `continue_conversation` builds two fresh msrest clients for every turn (a
few milliseconds of CPU each) and so opens a new HTTP connection every time; frequent
proactive senders use `ConnectorClients` instead, which keeps one client per service URL
and audience, with its connection pool, for the life of the service.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.core.conversation_reference_extension import get_continuation_activity
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes, ConversationReference
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import ConnectorFactory, UserTokenClient

T = TypeVar("T")
_PROACTIVE_EVENTS = frozenset({ActivityEventNames.continue_conversation, ActivityEventNames.create_conversation})


def is_proactive(activity: Activity) -> bool:
    """A turn the bot started itself, not one Teams sent."""
    return activity.type == ActivityTypes.event and activity.name in _PROACTIVE_EVENTS


def connector_of(turn_context: TurnContext) -> ConnectorClient:
    """The Bot Connector client the adapter made for this turn."""
    return turn_context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]


def as_reference(reference: dict[str, Any] | ConversationReference) -> ConversationReference:
    if isinstance(reference, ConversationReference):
        return reference
    return ConversationReference().deserialize(reference)


def collecting(work: Callable[[TurnContext], Awaitable[T]], results: list[T]) -> Callable[[TurnContext], Awaitable[None]]:
    """The turn callback: a proactive turn answers no activity, and `work`'s result is kept."""

    async def callback(turn_context: TurnContext) -> None:
        turn_context.activity.id = None
        results.append(await work(turn_context))

    return callback


async def in_conversation(
    adapter: CloudAdapter,
    app_id: str,
    reference: dict[str, Any] | ConversationReference,
    work: Callable[[TurnContext], Awaitable[T]],
) -> T:
    """Run `work` in the conversation of `reference` (a stored, serialized reference) and
    return what it returns; its errors propagate."""
    results: list[T] = []
    await adapter.continue_conversation(as_reference(reference), collecting(work, results), bot_app_id=app_id)
    return results[0]


class ConnectorClients:
    """Proactive turns on Bot Connector clients kept per (service URL, audience).

    A kept client holds the credentials object the SDK's credentials factory handed out, so
    its token comes from that object's cache; credentials that can `refresh()` (the bot's
    own, see `auth.py`) are refreshed off the event loop before every turn, as the SDK's
    factory does for a new client. Each client is configured once, before its first request:
    the given timeout, and no HTTP retries of its own (a hidden retry of a send that did
    arrive posts it twice). `close` closes every client's connections.
    """

    def __init__(self, adapter: CloudAdapter, app_id: str, *, timeout: float) -> None:
        self._adapter = adapter
        self._app_id = app_id
        self._timeout = timeout
        self._clients: dict[tuple[str, str | None], ConnectorClient] = {}
        self._user_tokens: UserTokenClient | None = None
        self._open = AsyncExitStack()

    async def run(
        self, reference: dict[str, Any] | ConversationReference, work: Callable[[TurnContext], Awaitable[T]]
    ) -> T:
        """`in_conversation` on a kept client: same turn, same errors."""
        activity = get_continuation_activity(as_reference(reference))
        claims = self._adapter.create_claims_identity(self._app_id)
        factory = self._adapter.bot_framework_authentication.create_connector_factory(claims)
        client = await self._client(factory, activity.service_url, None)
        if self._user_tokens is None:
            self._user_tokens = await self._adapter.bot_framework_authentication.create_user_token_client(claims)
        results: list[T] = []
        callback = collecting(work, results)
        context = TurnContext(self._adapter, activity)
        context.turn_state.update({
            self._adapter.BOT_IDENTITY_KEY: claims,
            self._adapter.BOT_CONNECTOR_CLIENT_KEY: client,
            self._adapter.USER_TOKEN_CLIENT_KEY: self._user_tokens,
            self._adapter.BOT_CALLBACK_HANDLER_KEY: callback,
            self._adapter.CONNECTOR_FACTORY_KEY: factory,
            self._adapter.BOT_OAUTH_SCOPE_KEY: None,
        })  # fmt: skip
        await self._adapter.run_pipeline(context, callback)
        return results[0]

    async def _client(self, factory: ConnectorFactory, service_url: str, audience: str | None) -> ConnectorClient:
        key = (service_url, audience)
        kept = self._clients.get(key)
        if kept is not None:
            await _refreshed(kept.config.credentials)
            return kept
        created = await factory.create(service_url, audience)
        kept = self._clients.setdefault(key, created)
        if kept is created:
            created.config.connection.timeout = self._timeout
            created.config.retry_policy.retries = 0
            await self._open.enter_async_context(created)
        return kept

    async def close(self) -> None:
        """Close every kept client's HTTP connections; later turns open new clients."""
        self._clients.clear()
        self._user_tokens = None
        await self._open.aclose()


async def _refreshed(credentials: Any) -> None:
    refresh = getattr(credentials, "refresh", None)
    if refresh is not None:
        await refresh()
