"""Credential mode: every request's token is checked, and each way a token can be wrong is a
401 that says why, with nothing reaching the domain. The bot's own calls to the Connector
carry a token from Entra (the stand-in here), fetched once and reused."""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from botbuilder.schema import Activity

from bot.appkeys import TEAMS_SENDER
from bot.conversations import DeliveryError, OutgoingMessage
from bot.teams.activities import conversation_record
from tests.fakes.botframework_auth import BotFrameworkAuth, new_key
from tests.fakes.connector import FakeConnector
from tests.teams.conftest import teams_message

FORGERIES: dict[str, tuple[dict[str, Any], str]] = {
    "forged signature": ({"key": "stranger"}, "signature does not verify"),
    "unknown signing key": ({"kid": "not-published"}, "key the Bot Framework does not publish"),
    "expired": ({"exp": "an hour ago"}, "expired"),
    "wrong audience": ({"aud": "00000000-0000-0000-0000-000000000000"}, "not for this bot"),
    "wrong issuer": ({"iss": "https://sts.example.com/"}, "not for this bot"),
    "another service URL": ({"serviceurl": "https://smba.trafficmanager.net/emea/"}, "serviceurl"),
}


def mint(bot_auth: BotFrameworkAuth, connector: FakeConnector, **wrong: Any) -> str:
    claims: dict[str, Any] = {"serviceurl": connector.url}
    for name, value in wrong.items():
        if value == "stranger":
            value = new_key()
        elif value == "an hour ago":
            value = time.time() - 3600
        claims[name] = value
    return bot_auth.mint(**claims)


async def test_a_valid_token_is_served_and_the_replies_carry_the_bots_own_token(secured_bot, connector, bot_auth):
    alice = connector.add_person("alice@example.com")

    status, _ = await connector.send_to_bot(secured_bot.url, teams_message(connector, "who", sender=alice),
                                            token=mint(bot_auth, connector))  # fmt: skip

    assert status == 200
    assert secured_bot.chat.turns[0].user.email == "alice@example.com"
    assert [r.answered for r in connector.recorded] == [200, 201]
    assert all(bot_auth.is_issued(r.authorization.removeprefix("Bearer ")) for r in connector.recorded)


@pytest.mark.parametrize("case", FORGERIES, ids=list(FORGERIES))
async def test_a_bad_token_is_refused_with_401_and_the_reason(secured_bot, connector, bot_auth, case):
    wrong, reason = FORGERIES[case]
    alice = connector.add_person("alice@example.com")

    status, body = await connector.send_to_bot(secured_bot.url, teams_message(connector, "who", sender=alice),
                                               token=mint(bot_auth, connector, **wrong))  # fmt: skip

    assert status == 401
    assert body["error"]["code"] == "unauthorized"
    assert reason in body["error"]["message"]
    assert secured_bot.chat.seen == [] and connector.recorded == []


@pytest.mark.parametrize(
    ("header", "reason"),
    [(None, "no Authorization header"), ("Basic YWxpY2U6c2VjcmV0", "not 'Bearer <token>'"),
     ("Bearer not-a-jwt", "malformed")],  # fmt: skip
)
async def test_a_request_without_a_usable_token_is_refused(secured_bot, connector, header, reason):
    alice = connector.add_person("alice@example.com")
    headers = {"Authorization": header} if header else {}

    status, body = await connector.send_to_bot(secured_bot.url, teams_message(connector, "who", sender=alice),
                                               headers=headers)  # fmt: skip

    assert status == 401
    assert reason in body["error"]["message"]
    assert secured_bot.chat.seen == []


async def test_keys_endorsed_for_teams_do_not_serve_another_channel(secured_bot, connector, bot_auth):
    alice = connector.add_person("alice@example.com")
    activity = teams_message(connector, "who", sender=alice, channelId="webchat")

    status, _ = await connector.send_to_bot(secured_bot.url, activity, token=mint(bot_auth, connector))

    assert status == 401
    assert secured_bot.chat.seen == []


async def test_one_token_from_entra_serves_many_messages(secured_bot, connector, bot_auth):
    alice = connector.add_person("alice@example.com")
    for text in ("who", "my shifts", "help"):
        await connector.send_to_bot(secured_bot.url, teams_message(connector, text, sender=alice),
                                    token=mint(bot_auth, connector))  # fmt: skip

    assert len(connector.posted()) == 3
    assert len(bot_auth.token_requests) == 1
    assert bot_auth.token_requests[0]["scope"] == ["https://api.botframework.com/.default"]


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_unreachable_signing_keys_ask_the_connector_to_come_back_later(start_bot, connector, bot_auth):
    nowhere = f"http://127.0.0.1:{closed_port()}/v1/.well-known/openidconfiguration"
    bot = await start_bot(**{**bot_auth.settings(), "bot_openid_metadata_url": nowhere})
    alice = connector.add_person("alice@example.com")

    status, body = await connector.send_to_bot(bot.url, teams_message(connector, "who", sender=alice),
                                               token=mint(bot_auth, connector))  # fmt: skip

    assert status == 503
    assert "signing keys" in body["error"]["message"]


async def test_a_refused_client_secret_is_not_worth_retrying(start_bot, connector, bot_auth):
    bot = await start_bot(**{**bot_auth.settings(), "app_password": "not-the-secret"})
    alice = connector.add_person("alice@example.com")
    record = conversation_record(Activity().deserialize(teams_message(connector, "who", sender=alice)))

    with pytest.raises(DeliveryError) as refused:
        await bot.app[TEAMS_SENDER].send(record, OutgoingMessage("k1", record.key, text="hello"))

    assert refused.value.retryable is False
    assert "invalid_client" in str(refused.value)
