"""The outbox: a Teams outage delays messages but never drops them or sends them twice."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from bot.outbox import Backoff, Outbox, OutboxStatus, OutboxStore, OutboxWorker
from tests.outbox.conftest import (
    LATER,
    Conversations,
    FakeSender,
    fails,
    make_worker,
    message,
    open_engine,
)


async def test_a_message_is_delivered_once_and_its_activity_id_kept(outbox, worker, sender, clock):
    await outbox.enqueue(message("welcome-1"))
    assert await outbox.activity_id_for("welcome-1") is None

    await worker.run_due(clock())
    await worker.run_due(clock() + LATER)

    assert sender.sent == ["welcome-1"]
    assert await outbox.activity_id_for("welcome-1") == "activity-welcome-1"
    assert (await outbox.entry("welcome-1")).status is OutboxStatus.SENT


async def test_enqueuing_the_same_key_again_sends_once(outbox, worker, sender, clock):
    await outbox.enqueue(message("handover-2026-03-02", text="first"))
    await worker.run_due(clock())
    await outbox.enqueue(message("handover-2026-03-02", text="replayed"))
    await outbox.enqueue(message("handover-2026-03-02", text="replayed again"))
    await worker.run_due(clock() + LATER)

    assert sender.sent == ["handover-2026-03-02"]


async def test_a_connector_outage_delays_messages_and_each_arrives_once_in_order(outbox, worker, sender, clock):
    keys = {"alice": ["a1", "a2", "a3"], "bob": ["b1", "b2"]}
    for conversation, conversation_keys in keys.items():
        for key in conversation_keys:
            await outbox.enqueue(message(key, conversation))
    sender.outage = True
    for _ in range(5):
        await worker.run_due(clock())
        clock.advance(LATER)

    sender.outage = False
    await worker.run_due(clock())

    assert sorted(sender.sent) == ["a1", "a2", "a3", "b1", "b2"]
    for conversation_keys in keys.values():
        assert [k for k in sender.sent if k in conversation_keys] == conversation_keys
    # During the outage only the first message of each conversation was tried.
    assert set(sender.attempts[:10]) == {"a1", "b1"}


async def test_two_503s_then_ok_delivers_once_and_waits_between_attempts(outbox, worker, sender, clock):
    sender.script = [fails(503, retryable=True), fails(503, retryable=True)]
    await outbox.enqueue(message("alert-17"))

    await worker.run_due(clock())
    first_retry = (await outbox.entry("alert-17")).next_attempt_at
    await worker.run_due(clock())
    assert sender.attempts == ["alert-17"]
    assert first_retry > clock()

    await worker.run_due(first_retry)
    await worker.run_due(first_retry + LATER)
    await worker.run_due(first_retry + 2 * LATER)

    assert sender.attempts == ["alert-17"] * 3
    assert sender.sent == ["alert-17"]
    entry = await outbox.entry("alert-17")
    assert (entry.status, entry.attempts) == (OutboxStatus.SENT, 3)


async def test_retry_after_is_honoured(outbox, worker, sender, clock):
    sender.script = [fails(429, retryable=True, retry_after=300)]
    await outbox.enqueue(message("digest"))

    await worker.run_due(clock())
    await worker.run_due(clock() + timedelta(seconds=299))
    assert sender.sent == []

    await worker.run_due(clock() + timedelta(seconds=300))
    assert sender.sent == ["digest"]


async def test_a_permanent_403_is_dead_with_its_reason_and_never_retried(outbox, worker, sender, clock, caplog):
    sender.script = [fails(403, retryable=False)]
    await outbox.enqueue(message("secret-card", text="the database password is hunter2"))
    await outbox.enqueue(message("next-in-line"))

    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        await worker.run_due(clock())
    for hours in (1, 24, 72):
        await worker.run_due(clock() + timedelta(hours=hours))

    entry = await outbox.entry("secret-card")
    assert (entry.status, entry.last_error) == (OutboxStatus.DEAD, "Bot Connector answered 403")
    assert sender.attempts == ["secret-card", "next-in-line"]
    assert "secret-card" in caplog.text and "403" in caplog.text
    assert "hunter2" not in caplog.text


async def test_a_message_to_an_unknown_conversation_is_dead(outbox, worker, sender, clock):
    await outbox.enqueue(message("to-nowhere", "a-removed-chat"))

    await worker.run_due(clock())

    entry = await outbox.entry("to-nowhere")
    assert entry.status is OutboxStatus.DEAD
    assert "does not know this conversation" in entry.last_error
    assert sender.attempts == []


async def test_a_restart_midway_loses_nothing_and_duplicates_nothing(database_url, clock, conversations):
    first_engine = await open_engine(database_url)
    first_outbox = Outbox(OutboxStore(first_engine), clock)
    sender = FakeSender()
    for key, conversation in [("a1", "alice"), ("a2", "alice"), ("b1", "bob"), ("c1", "team-channel")]:
        await first_outbox.enqueue(message(key, conversation))
    first = make_worker(first_engine, first_outbox, sender, conversations, clock)
    sender.script = [fails(503, retryable=True)]  # a1 fails; b1 and c1 go through
    await first.run_due(clock())
    # The process then dies between claiming the retry of a1 and sending it.
    clock.advance(LATER)
    stranded = await OutboxStore(first_engine).claim("dead-worker", clock(), timedelta(minutes=5), 1)
    await first_engine.dispose()

    second_engine = await open_engine(database_url)
    try:
        second_outbox = Outbox(OutboxStore(second_engine), clock)
        second = make_worker(second_engine, second_outbox, sender, conversations, clock)
        await second.run_due(clock())
        clock.advance(timedelta(minutes=10))
        await second.run_due(clock())
        await second.run_due(clock())
    finally:
        await second_engine.dispose()

    assert [c.message.idempotency_key for c in stranded] == ["a1"]
    assert sorted(sender.sent) == ["a1", "a2", "b1", "c1"]
    assert [k for k in sender.sent if k.startswith("a")] == ["a1", "a2"]


@pytest.mark.postgres
async def test_two_workers_on_one_postgresql_database_never_both_send_a_row(postgres_url, clock):
    conversations = Conversations(*(f"person-{n}" for n in range(8)))
    sender = FakeSender(yields=3)
    engines = [await open_engine(postgres_url) for _ in range(2)]
    try:
        outbox = Outbox(OutboxStore(engines[0]), clock)
        expected = {f"person-{n}": [f"m{n}-{i}" for i in range(6)] for n in range(8)}
        for conversation, keys in expected.items():
            for key in keys:
                await outbox.enqueue(message(key, conversation))
        workers = [make_worker(engine, outbox, sender, conversations, clock, batch=3) for engine in engines]
        attempts = await asyncio.gather(*(worker.run_due(clock()) for worker in workers))
    finally:
        for engine in engines:
            await engine.dispose()

    assert all(count > 0 for count in attempts), "both workers took part"
    assert sorted(sender.sent) == sorted(key for keys in expected.values() for key in keys)
    assert len(sender.attempts) == len(sender.sent)
    for conversation, keys in expected.items():
        assert [k for k in sender.sent if k in keys] == keys


async def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent(engine, outbox, worker, sender, clock):
    sessions = async_sessionmaker(engine)

    with pytest.raises(RuntimeError):
        async with sessions() as session, session.begin():
            await outbox.enqueue_in(session, message("escalation-1"))
            raise RuntimeError("the change that caused the message failed")
    assert not outbox.wakeup.is_set()

    async with sessions() as session, session.begin():
        await outbox.enqueue_in(session, message("escalation-2"))
        assert not outbox.wakeup.is_set()
    assert outbox.wakeup.is_set()

    await worker.run_due(clock())
    assert sender.sent == ["escalation-2"]


@pytest.mark.parametrize(
    "bad",
    [
        message("", "alice"),
        message("k" * 201, "alice"),
        message("key", ""),
    ],
)
async def test_a_message_that_could_never_be_sent_is_refused(outbox, bad):
    with pytest.raises(ValueError):
        await outbox.enqueue(bad)


async def test_the_running_worker_wakes_on_enqueue_and_retries_with_real_backoff(engine, conversations):
    sender = FakeSender(script=[fails(502, retryable=True)])
    outbox = Outbox(OutboxStore(engine), lambda: datetime.now(timezone.utc))
    worker = OutboxWorker(
        OutboxStore(engine),
        sender,
        conversations,
        wakeup=outbox.wakeup,
        clock=lambda: datetime.now(timezone.utc),
        backoff=Backoff(base=timedelta(milliseconds=20), cap=timedelta(milliseconds=50)),
    )
    worker.start()
    try:
        await outbox.enqueue(message("live-1"))
        await outbox.enqueue(message("live-2", "bob"))
        for _ in range(2):
            await asyncio.wait_for(sender.arrivals.get(), timeout=10)
    finally:
        await worker.stop()

    assert sorted(sender.sent) == ["live-1", "live-2"]
    assert sender.attempts.count("live-1") + sender.attempts.count("live-2") == 3
