"""Proactive messages: the `Sender` the outbox worker calls, one attempt per call.

A message goes to the stored conversation reference; `thread_of` posts it as a reply in
that channel thread, `replaces` updates an earlier activity in place (a card refreshed for
everyone). Failures come back as `DeliveryError`, retryable or not (see `failures.py`);
retrying is the outbox's business, so nothing here loops or sleeps, and the SDK's own
HTTP retries are turned off (a hidden retry of a send that did arrive posts it twice).
Sends share Bot Connector clients and their connections (`ConnectorClients`); `close` them
when the service stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity, ConversationReference

from bot.conversations import ConversationRecord, Delivered, OutgoingMessage
from bot.teams.activities import THREAD_MARK, outgoing_activity, split_thread
from bot.teams.failures import CONNECTOR_ERRORS, connector_failure
from bot.teams.proactive import ConnectorClients

DEFAULT_TIMEOUT = 30.0


def addressed_reference(conversation: ConversationRecord, message: OutgoingMessage) -> ConversationReference:
    """The stored reference, pointed at the thread when the message belongs in one."""
    reference = ConversationReference().deserialize(conversation.reference)
    if message.thread_of:
        base, _ = split_thread(reference.conversation.id)
        reference.conversation.id = f"{base}{THREAD_MARK}{message.thread_of}"
    return reference


class TeamsSender:
    """Implements `bot.conversations.Sender`: one proactive turn per message, on a kept client."""

    def __init__(
        self,
        adapter: CloudAdapter,
        app_id: str,
        *,
        clock: Callable[[], datetime],
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self._connectors = ConnectorClients(adapter, app_id, timeout=timeout)
        self._clock = clock
        self._timeout = timeout

    async def send(self, conversation: ConversationRecord, message: OutgoingMessage) -> Delivered:
        activity = outgoing_activity(message)
        reference = addressed_reference(conversation, message)

        async def deliver(turn_context: TurnContext) -> Delivered:
            return await _deliver(turn_context, activity, message)

        try:
            return await asyncio.wait_for(self._connectors.run(reference, deliver), self._timeout)
        except CONNECTOR_ERRORS as exc:
            raise connector_failure(exc, now=self._clock) from exc

    async def close(self) -> None:
        """Close the Bot Connector connections kept between sends."""
        await self._connectors.close()


async def _deliver(turn_context: TurnContext, activity: Activity, message: OutgoingMessage) -> Delivered:
    if message.replaces:
        activity.id = message.replaces
        updated = await turn_context.update_activity(activity)
        return Delivered(activity_id=getattr(updated, "id", None) or message.replaces)
    if message.thread_of:
        activity.reply_to_id = message.thread_of
    sent = await turn_context.send_activity(activity)
    return Delivered(activity_id=getattr(sent, "id", None) or None)
