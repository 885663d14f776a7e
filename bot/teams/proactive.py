"""Acting in a conversation outside of a turn (proactive sends, roster look-ups, new 1:1 chats).

botbuilder runs such work as a "continue conversation" turn through its middleware, which
hands errors to the adapter's `on_turn_error`. `is_proactive` lets that handler give the
error back to the caller here, who decides what it means (a retry, a refusal).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ActivityEventNames, ActivityTypes, ConversationReference
from botframework.connector.aio import ConnectorClient

T = TypeVar("T")
_PROACTIVE_EVENTS = frozenset({ActivityEventNames.continue_conversation, ActivityEventNames.create_conversation})


def is_proactive(activity: Activity) -> bool:
    """A turn the bot started itself, not one Teams sent."""
    return activity.type == ActivityTypes.event and activity.name in _PROACTIVE_EVENTS


def connector_of(turn_context: TurnContext) -> ConnectorClient:
    """The Bot Connector client the adapter made for this turn."""
    return turn_context.turn_state[BotAdapter.BOT_CONNECTOR_CLIENT_KEY]


async def in_conversation(
    adapter: CloudAdapter,
    app_id: str,
    reference: dict[str, Any] | ConversationReference,
    work: Callable[[TurnContext], Awaitable[T]],
) -> T:
    """Run `work` in the conversation of `reference` (a stored, serialized reference) and
    return what it returns; its errors propagate."""
    if not isinstance(reference, ConversationReference):
        reference = ConversationReference().deserialize(reference)
    results: list[T] = []

    async def callback(turn_context: TurnContext) -> None:
        turn_context.activity.id = None
        results.append(await work(turn_context))

    await adapter.continue_conversation(reference, callback, bot_app_id=app_id)
    return results[0]
