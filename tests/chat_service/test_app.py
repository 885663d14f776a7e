"""The chat service inside the running application: it answers the Teams boundary and takes
its buttons."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.appkeys import ACTION_ROUTER, CHAT_HANDLER
from bot.chat.service import ChatService
from bot.conversations import CardAction, ChatTurn
from bot.settings import Settings
from tests.chat_service.conftest import ALICE, NOW, texts


async def test_the_app_answers_chat_and_buttons_through_the_chat_service(sqlite_url):
    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)):
        handler = app[CHAT_HANDLER]
        welcome = await handler.on_installed(ALICE.chat, ALICE.user())
        pressed = CardAction(verb="mention.take", data={"routed": "7"}, user=ALICE.user(), conversation=ALICE.chat)
        refused = await app[ACTION_ROUTER].dispatch(pressed)

    assert isinstance(handler, ChatService)
    assert "Hi, I'm Rota" in texts(welcome)
    assert refused.refused is not None and "can't find that question" in refused.refused


async def test_ack_in_chat_goes_to_the_alerts_service(sqlite_url):
    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)):
        turn = ChatTurn(user=ALICE.user(), conversation=ALICE.chat, text="ack 7")
        [reply] = await app[CHAT_HANDLER].on_turn(turn)

    assert reply.text == "I can't find alert 7."


async def test_report_in_chat_comes_from_the_shift_reports(sqlite_url):
    from bot.appkeys import STORE
    from tests.chat_service.conftest import data_platform

    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)):
        await app[STORE].create_rotation(data_platform(), "test")
        turn = ChatTurn(user=ALICE.user(), conversation=ALICE.chat, text=f"report {data_platform().name} last month")
        replies = await app[CHAT_HANDLER].on_turn(turn)

    shown = texts(replies)
    assert "data-platform: duty report, last month" in shown
    assert "/api/v1/reports/data-platform/chart.png" in shown


async def test_tray_in_chat_gives_a_pairing_code_in_local_mode(sqlite_url):
    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)):
        turn = ChatTurn(user=ALICE.user(), conversation=ALICE.chat, text="tray")
        replies = await app[CHAT_HANDLER].on_turn(turn)

    shown = texts(replies)
    assert "not available" not in shown.lower() and "not set up" not in shown.lower()
    assert "Your tray pairing code is" in shown


async def test_an_owner_gets_a_working_webhook_in_a_personal_chat_and_nobody_else_does(sqlite_url):
    import re

    from bot.appkeys import STORE
    from bot.storage.alerts import AlertStore
    from bot.storage.teams import TeamsStore
    from tests.chat_service.conftest import BOB, DATA, data_platform

    app = create_app(Settings(database_url=sqlite_url, port=0), clock=lambda: NOW)
    async with TestClient(TestServer(app)) as client:
        store = app[STORE]
        await TeamsStore(store.engine).create_owned_rotation(data_platform(), ALICE.email, "test")

        async def says(who, text, where=None):
            turn = ChatTurn(user=who.user(), conversation=where or who.chat, text=text)
            return texts(await app[CHAT_HANDLER].on_turn(turn))

        made = await says(ALICE, "integration add alertmanager data-platform")
        again = await says(ALICE, "integration add alertmanager data-platform")
        refused = await says(BOB, "integration add generic data-platform")
        in_channel = await says(ALICE, "integration add generic data-platform", where=DATA)
        url = re.search(r"URL: http://\S+(/api/alerts/\d+)", made).group(1)
        secret = re.search(r"Secret: (\S+)", made).group(1)
        webhook = await client.post(url, json={"version": "4", "status": "firing", "alerts": []},
                                    headers={"Authorization": f"Bearer {secret}"})
        integrations = await AlertStore(store.engine).list_integrations("data-platform")

    assert "Keep the secret" in made and "http_config" in made
    assert webhook.status == 200
    assert "has a webhook named alertmanager already" in again
    assert "needs an owner of data-platform" in refused
    assert "personal chat" in in_channel
    assert [i.name for i in integrations] == ["alertmanager"]
