"""Proactive messages: stored first, delivered later, retried until Teams takes them.

`Outbox.enqueue` writes the message to the database (in the caller's transaction if it
likes) and wakes the worker; the worker (`OutboxWorker`) sends it through the Teams
boundary's `Sender`. A Teams outage delays messages but never drops them, a retry never
sends one twice, and a restart loses nothing because the database holds the queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import OutgoingMessage
from bot.outbox.backoff import Backoff
from bot.outbox.worker import ConversationLookup, OutboxWorker
from bot.storage.outbox import OutboxEntry, OutboxStatus, OutboxStore

__all__ = [
    "Backoff",
    "ConversationLookup",
    "Outbox",
    "OutboxEntry",
    "OutboxStatus",
    "OutboxStore",
    "OutboxWorker",
]

#: Widths of the key columns (`bot.storage.outbox_tables`).
MAX_KEY_LENGTH = 200


class Outbox:
    """What the rest of Rota uses to send a proactive message."""

    def __init__(self, store: OutboxStore, clock: Callable[[], datetime]) -> None:
        self._store = store
        self._clock = clock
        #: Set whenever there is something new to send; the worker waits on it.
        self.wakeup = asyncio.Event()

    async def enqueue(self, message: OutgoingMessage) -> None:
        """Queue `message`. Queuing an idempotency key again changes nothing (a retried
        timer or a replayed webhook sends its message once). Raises ValueError for a
        message that could never be sent."""
        _check(message)
        if await self._store.add(message, self._clock()):
            self.wakeup.set()

    async def enqueue_in(self, session: AsyncSession, message: OutgoingMessage) -> None:
        """Queue `message` inside the caller's open transaction: it exists, and the worker
        is woken, only once that transaction commits."""
        _check(message)
        if await self._store.add_in(session, message, self._clock()):
            event.listen(session.sync_session, "after_commit", self._wake_after_commit, once=True)

    async def activity_id_for(self, idempotency_key: str) -> str | None:
        """The Teams activity id of a sent message (to update its card in place), or None
        while it is not (yet) sent."""
        return await self._store.activity_id_for(idempotency_key)

    async def entry(self, idempotency_key: str) -> OutboxEntry | None:
        """Where a message is: pending, sent, or dead and why."""
        return await self._store.entry(idempotency_key)

    def _wake_after_commit(self, _session: object) -> None:
        self.wakeup.set()


def _check(message: OutgoingMessage) -> None:
    if not isinstance(message, OutgoingMessage):
        raise ValueError("the outbox sends OutgoingMessage values")
    for name in ("idempotency_key", "conversation_key"):
        value = getattr(message, name)
        if not isinstance(value, str) or not value or len(value) > MAX_KEY_LENGTH:
            raise ValueError(f"{name} must be text of 1 to {MAX_KEY_LENGTH} characters")
    if message.text is None and message.card is None:
        raise ValueError("a message needs text, a card, or both")
