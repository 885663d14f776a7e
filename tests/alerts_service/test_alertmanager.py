"""The whole way, for real: an alert fired in a real Prometheus Alertmanager reaches the
service over loopback, and the person on duty gets the card from the Bot Connector in
under a second from the webhook, with the next escalation step planned on the timer;
its resolution updates that card in place."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.alerts.model import IntegrationKind
from bot.app import create_app
from bot.appkeys import ALERTS, STORE, TIMERS
from bot.settings import Settings
from bot.storage.teams import TeamsStore
from tests.alerts.alertmanager import running_alertmanager
from tests.alerts_service.conftest import ACTOR, ALICE, ROTATION, rotation
from tests.cards.reading import shown
from tests.fakes.connector import FakeConnector, cards
from tests.teams.conftest import connector, teams_message  # noqa: F401  (the Connector fixture)

LABELS = {"alertname": "NightlyETLFailed", "job": "orders", "severity": "page"}
ANNOTATIONS = {"summary": "Nightly ETL job orders failed", "runbook_url": "https://runbooks.example.com/etl"}
TITLE = ANNOTATIONS["summary"]
DELIVERY_TIMEOUT = 15.0


def cards_with(connector: FakeConnector, conversation: str, words: str, method: str = "POST") -> list:
    return [r for r in connector.messages() if r.conversation_id == conversation and r.method == method
            and any(words in shown(card) for card in cards(r.body))]


async def test_a_fired_alert_reaches_the_person_on_duty_and_its_resolution_updates_the_card(
        aiohttp_server, sqlite_url, tmp_path, connector: FakeConnector):
    alice = connector.add_person(ALICE, "Alice Martin")
    app = create_app(Settings(database_url=sqlite_url))
    bot_url = str((await aiohttp_server(app, host="127.0.0.1")).make_url("")).rstrip("/")
    await app[STORE].create_rotation(replace(rotation(), members=(ALICE,)), ACTOR)  # on duty whatever the date
    integration, secret = await app[ALERTS].alerts.create_integration(ROTATION, IntegrationKind.ALERTMANAGER,
                                                                      "prometheus", ACTOR)
    status, _ = await connector.send_to_bot(bot_url, teams_message(connector, "hi", sender=alice))
    chat = await TeamsStore(app[STORE].engine).personal_conversation_for(ALICE)
    assert status < 300 and chat is not None

    async with running_alertmanager(integration.url(bot_url), secret, tmp_path) as alertmanager:
        await alertmanager.fire(LABELS, ANNOTATIONS)
        await connector.wait_for(lambda: cards_with(connector, chat.conversation_id, TITLE), DELIVERY_TIMEOUT)
        arrived = datetime.now(timezone.utc)
        [stored] = await app[ALERTS].alerts.list_alerts(ROTATION)
        assert (arrived - stored.alert.timeline[0].at).total_seconds() < 1.0
        assert stored.due_at == stored.alert.timeline[0].at + timedelta(minutes=5)
        assert app[TIMERS].planned("alerts") <= stored.due_at  # the timer wakes in time for the secondary
        [card] = cards_with(connector, chat.conversation_id, TITLE)

        await alertmanager.resolve(LABELS)
        await connector.wait_for(lambda: cards_with(connector, chat.conversation_id, "Resolved by the source", "PUT"),
                                 DELIVERY_TIMEOUT)

    [update] = cards_with(connector, chat.conversation_id, "Resolved by the source", "PUT")
    assert update.activity_id == card.created_id
