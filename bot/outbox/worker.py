"""The worker that delivers queued messages through the Teams boundary's `Sender`.

Every replica may run one: rows are claimed atomically (see `bot.storage.outbox`), so two
workers never send the same row. Idle, the worker waits on the outbox's wake-up event or
until the earliest retry is due; it never polls.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from bot.conversations import ConversationRecord, DeliveryError, Sender
from bot.outbox.backoff import Backoff
from bot.storage.outbox import Claimed, OutboxStatus, OutboxStore, Outcome

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]

#: How long a claimed message is a worker's alone; a worker that dies mid-send loses it then.
DEFAULT_LEASE = timedelta(minutes=5)
#: Messages sent at once (each to a different conversation).
DEFAULT_BATCH = 20
#: How long shutdown waits for messages being sent to be answered.
STOP_GRACE_SECONDS = 10.0


class ConversationLookup(Protocol):
    """Where the Teams boundary keeps conversation references (`bot.storage.teams`)."""

    async def get_conversations(self, keys: Iterable[str]) -> dict[str, ConversationRecord]:
        """The conversations Rota knows among `keys` (one read for a round of sends)."""
        ...


class OutboxWorker:
    def __init__(
        self,
        store: OutboxStore,
        sender: Sender,
        conversations: ConversationLookup,
        *,
        wakeup: asyncio.Event,
        clock: Clock,
        backoff: Backoff = Backoff(),
        rng: random.Random | None = None,
        lease: timedelta = DEFAULT_LEASE,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        self.name = f"worker-{uuid.uuid4().hex[:12]}"
        self._store = store
        self._sender = sender
        self._conversations = conversations
        self._wakeup = wakeup
        self._clock = clock
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._lease = lease
        self._batch = batch
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def run_due(self, now: datetime) -> int:
        """Deliver every message due at `now`, each conversation in order; returns how
        many attempts were made. Failed attempts are put back for later, not retried here."""
        attempts = 0
        while not self._stopping:
            claimed = await self._store.claim(self.name, now, self._lease, self._batch)
            if not claimed:
                break
            known = await self._conversations.get_conversations(c.message.conversation_key for c in claimed)
            outcomes = await asyncio.gather(*(self._deliver(c, known, now) for c in claimed), return_exceptions=True)
            attempts += len(claimed)
            failure = next((o for o in outcomes if isinstance(o, BaseException)), None)
            settled = [o for o in outcomes if isinstance(o, Outcome)]
            for lost in await self._store.settle(self.name, settled):
                if lost.status == OutboxStatus.SENT:
                    logger.warning(
                        "outbox message %s was delivered after its claim ran out; it may arrive twice",
                        lost.claimed.message.idempotency_key,
                    )
            if failure is not None:
                raise failure
        return attempts

    async def run(self) -> None:
        """Deliver until stopped. An unexpected failure (the database is away, a bug in a
        sender) is logged and retried with backoff: stopping would silently stop delivery."""
        failures = 0
        while not self._stopping:
            self._wakeup.clear()
            try:
                await self.run_due(self._clock())
                wake_at = await self._store.next_wake()
                failures = 0
            except Exception:
                failures += 1
                logger.exception("outbox worker failed (attempt %d); trying again later", failures)
                wake_at = self._clock() + self._backoff.delay(failures, self._rng)
            await self._sleep_until(wake_at)

    def start(self) -> None:
        """Run `run` in the background until `stop`."""
        self._task = asyncio.create_task(self.run(), name=self.name)

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let messages being sent finish (so that their result is recorded), then end."""
        self._stopping = True
        self._wakeup.set()
        task, self._task = self._task, None
        if task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(task), grace)
        except TimeoutError:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _sleep_until(self, wake_at: datetime | None) -> None:
        timeout = None if wake_at is None else max(0.0, (wake_at - self._clock()).total_seconds())
        try:
            await asyncio.wait_for(self._wakeup.wait(), timeout)
        except TimeoutError:
            return

    async def _deliver(self, claimed: Claimed, known: dict[str, ConversationRecord], now: datetime) -> Outcome:
        """One attempt at one message; what became of it is recorded with its round's."""
        message = claimed.message
        conversation = known.get(message.conversation_key)
        if conversation is None:
            return self._give_up(claimed, "Rota does not know this conversation (was the app removed?)", now)
        try:
            delivered = await self._sender.send(conversation, message)
        except DeliveryError as error:
            if error.retryable:
                return self._retry(claimed, error, now)
            return self._give_up(claimed, str(error), now)
        return Outcome(claimed, OutboxStatus.SENT, settled_at=now, activity_id=delivered.activity_id)

    def _retry(self, claimed: Claimed, error: DeliveryError, now: datetime) -> Outcome:
        wait = self._backoff.delay(claimed.attempts, self._rng, error.retry_after)
        logger.info(
            "outbox message %s not delivered (attempt %d: %s); next attempt in %.0f s",
            claimed.message.idempotency_key,
            claimed.attempts,
            error,
            wait.total_seconds(),
        )
        return Outcome(claimed, OutboxStatus.PENDING, error=str(error), next_attempt_at=now + wait)

    def _give_up(self, claimed: Claimed, reason: str, now: datetime) -> Outcome:
        logger.warning(
            "outbox message %s to conversation %s is dead after %d attempt(s): %s",
            claimed.message.idempotency_key,
            claimed.message.conversation_key,
            claimed.attempts,
            reason,
        )
        return Outcome(claimed, OutboxStatus.DEAD, settled_at=now, error=reason)
