"""The running service: a proactive message survives a Bot Connector outage and arrives
once, through the real Teams sender, the outbox worker and a stand-in Connector."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.appkeys import GRAPH_TAGS, OUTBOX, OUTBOX_WORKER, STORE, TIMERS
from bot.conversations import ConversationKind, ConversationRecord, OutgoingMessage
from bot.outbox import OutboxStatus
from bot.settings import Settings
from bot.storage.outbox import engine_of
from bot.storage.teams import TeamsStore
from tests.fakes.connector import FakeConnector
from tests.outbox.conftest import START
from tests.storage.conftest import FakeClock
from tests.teams.conftest import connector  # noqa: F401 - the Bot Connector stand-in, started



@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
async def app(sqlite_url: str, clock: FakeClock, aiohttp_server: Any) -> web.Application:
    service = create_app(Settings(database_url=sqlite_url), clock=clock)
    await aiohttp_server(service, host="127.0.0.1")
    return service


def personal_chat(connector: FakeConnector) -> ConversationRecord:
    """Alice's 1:1 chat with the bot, as the Teams boundary stores it after she says hello."""
    reference = {
        "user": {"id": "29:alice", "name": "Alice"},
        "bot": {"id": "28:rota", "name": "Rota"},
        "conversation": {"id": "a:personal-alice", "conversationType": "personal", "tenantId": connector.tenant_id},
        "channelId": "msteams",
        "serviceUrl": connector.url,
    }
    return ConversationRecord(
        key="personal:alice",
        kind=ConversationKind.PERSONAL,
        service_url=connector.url,
        conversation_id="a:personal-alice",
        tenant_id=connector.tenant_id,
        reference=reference,
    )


async def test_the_service_starts_its_timers_and_outbox_and_no_tags_in_local_mode(app):
    assert app[TIMERS].leading
    assert app[OUTBOX_WORKER] is not None
    assert app[GRAPH_TAGS] is None


async def test_a_connector_outage_delays_a_proactive_message_which_then_arrives_once(app, connector, clock):
    await TeamsStore(engine_of(app[STORE]), clock=clock).save_conversation(personal_chat(connector))
    connector.fail_next(2, 503)
    message = OutgoingMessage(idempotency_key="reminder-1", conversation_key="personal:alice", text="Your shift starts")

    await app[OUTBOX].enqueue(message)
    for attempts in (1, 2, 3):
        await connector.wait_for(lambda n=attempts: len(connector.recorded) >= n)
        clock.advance(timedelta(minutes=10))
        app[OUTBOX].wakeup.set()
    await app[OUTBOX].enqueue(message)
    await app[OUTBOX_WORKER].stop()  # lets the send under way record its result

    assert [r.answered for r in connector.recorded] == [503, 503, 201]
    assert [body["text"] for body in connector.posted()] == ["Your shift starts"]
    entry = await app[OUTBOX].entry("reminder-1")
    assert (entry.status, entry.attempts) == (OutboxStatus.SENT, 3)
    assert entry.activity_id in connector.activity_ids
