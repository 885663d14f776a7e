"""Proactive messages through the stored conversation reference, and what a Connector outage
looks like to the outbox: a retryable `DeliveryError`, and nothing sent twice."""

from __future__ import annotations

import pytest
from botframework.connector.aio import ConnectorClient

from bot.appkeys import TEAMS_ROSTER, TEAMS_SENDER
from bot.conversations import ConversationKind, DeliveryError, Mention, OutgoingMessage
from tests.fakes.connector import cards
from tests.teams.conftest import teams_message

CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "On duty: Bob"}]}


@pytest.fixture
async def channel(local_bot, connector):
    """The channel of the reference mention, as the bot stored it when the message came in."""
    await connector.send_to_bot(local_bot.url, connector.from_reference("teams-message-channel-mention.json"))
    connector.recorded.clear()
    return local_bot.chat.turns[0].conversation


@pytest.fixture
def sender(local_bot):
    return local_bot.app[TEAMS_SENDER]


@pytest.fixture
def built(monkeypatch) -> list[ConnectorClient]:
    """Every Bot Connector client constructed from now on (a few milliseconds of CPU each)."""
    clients: list[ConnectorClient] = []
    original = ConnectorClient.__init__

    def counting(self, *args, **kwargs):
        original(self, *args, **kwargs)
        clients.append(self)

    monkeypatch.setattr(ConnectorClient, "__init__", counting)
    return clients


async def test_a_proactive_post_starts_a_new_thread_in_the_channel(sender, channel, connector):
    delivered = await sender.send(channel, OutgoingMessage("handover-1", channel.key, text="Handover", card=CARD))

    [sent] = connector.messages()
    assert (sent.method, sent.conversation_id, sent.activity_id) == ("POST", channel.conversation_id, None)
    assert cards(sent.body) == [CARD]
    assert sent.body["from"]["id"] == "28:0b6fe6d1-fece-44f7-9a48-56465e2d5ab8"
    assert delivered.activity_id in connector.activity_ids


async def test_a_message_for_a_thread_is_posted_in_that_thread(sender, channel, connector):
    message = OutgoingMessage("taken-1", channel.key, text="@Bob Smith took it",
                              mentions=(Mention("29:bob", "Bob Smith"),), thread_of="1759881511856")  # fmt: skip

    await sender.send(channel, message)

    [sent] = connector.messages()
    assert sent.conversation_id == f"{channel.conversation_id};messageid=1759881511856"
    assert sent.activity_id == "1759881511856"
    assert sent.body["text"] == "<at>Bob Smith</at> took it"
    assert sent.body["entities"][0]["mentioned"] == {"id": "29:bob", "name": "Bob Smith"}


async def test_a_card_is_updated_in_place(sender, channel, connector):
    first = await sender.send(channel, OutgoingMessage("alert-7", channel.key, card=CARD))
    taken = {**CARD, "body": [{"type": "TextBlock", "text": "Taken by Bob"}]}

    again = await sender.send(channel, OutgoingMessage("alert-7-taken", channel.key, card=taken,
                                                       replaces=first.activity_id))  # fmt: skip

    update = connector.messages()[-1]
    assert (update.method, update.activity_id) == ("PUT", first.activity_id)
    assert cards(update.body) == [taken]
    assert again.activity_id == first.activity_id


@pytest.mark.parametrize(
    ("status", "retry_after", "retryable", "wait"),
    [(503, None, True, None), (500, None, True, None), (429, "12", True, 12.0),
     (403, None, False, None), (404, None, False, None)],  # fmt: skip
)
async def test_connector_answers_say_whether_to_retry(sender, channel, connector, status, retry_after,
                                                      retryable, wait):  # fmt: skip
    connector.fail_next(1, status, retry_after)

    with pytest.raises(DeliveryError) as failed:
        await sender.send(channel, OutgoingMessage("m-1", channel.key, text="hello"))

    assert (failed.value.retryable, failed.value.retry_after) == (retryable, wait)
    assert str(status) in str(failed.value)
    assert connector.posted() == []


async def test_a_retry_after_date_is_read_against_the_clock(sender, channel, connector):
    connector.fail_next(1, 503, "Fri, 20 Mar 2026 10:31:00 GMT")

    with pytest.raises(DeliveryError) as failed:
        await sender.send(channel, OutgoingMessage("m-1", channel.key, text="hello"))

    assert failed.value.retry_after == 60.0


async def test_updating_a_message_that_is_gone_is_not_retried(sender, channel, connector):
    with pytest.raises(DeliveryError) as failed:
        await sender.send(channel, OutgoingMessage("m-1", channel.key, card=CARD, replaces="1234"))

    assert failed.value.retryable is False


async def test_a_connector_outage_is_retryable_and_the_message_goes_out_once_after_it(sender, channel, connector):
    message = OutgoingMessage("routed-42", channel.key, text="The nightly ETL failed")
    await connector.go_down()

    with pytest.raises(DeliveryError) as failed:
        await sender.send(channel, message)
    assert failed.value.retryable is True
    assert "cannot reach the Bot Connector" in str(failed.value)

    await connector.come_back()
    await sender.send(channel, message)
    assert [m["text"] for m in connector.posted()] == ["The nightly ETL failed"]


async def test_the_roster_lists_a_teams_members_with_their_emails(local_bot, channel, connector):
    connector.add_person("alice@example.com", "Alice Martin")
    connector.add_person("bob@example.com", "Bob Smith")

    members = await local_bot.app[TEAMS_ROSTER].members(channel)

    assert sorted((m.name, m.email) for m in members) == [("Alice Martin", "alice@example.com"),
                                                          ("Bob Smith", "bob@example.com")]  # fmt: skip


async def test_the_bot_can_open_a_chat_with_someone_who_never_wrote_to_it(local_bot, channel, sender, connector):
    bob = connector.add_person("bob@example.com", "Bob Smith")
    [member] = await local_bot.app[TEAMS_ROSTER].members(channel)

    chat = await local_bot.app[TEAMS_ROSTER].open_personal(channel, member)
    await sender.send(chat, OutgoingMessage("dm-1", chat.key, text="You are on duty"))

    assert (chat.kind, chat.person) == (ConversationKind.PERSONAL, "bob@example.com")
    [sent] = connector.messages()
    assert sent.conversation_id == chat.conversation_id
    assert sent.body["recipient"]["id"] == bob.teams_id
    assert sent.body["text"] == "You are on duty"


async def test_a_message_to_a_personal_chat_goes_to_that_person(local_bot, sender, connector):
    alice = connector.add_person("alice@example.com")
    await connector.send_to_bot(local_bot.url, teams_message(connector, "hi", sender=alice))
    chat = local_bot.chat.turns[0].conversation

    await sender.send(chat, OutgoingMessage("shift-starts", chat.key, text="Your shift starts in 1 hour"))

    sent = connector.messages()[-1]
    assert (sent.conversation_id, sent.activity_id) == ("a:personal-1", None)
    assert sent.body["recipient"]["id"] == alice.teams_id


async def test_many_sends_share_one_client_and_an_outage_is_still_retryable(sender, channel, connector, built):
    for n in range(20):
        await sender.send(channel, OutgoingMessage(f"m-{n}", channel.key, text=f"alert {n}"))
    connector.fail_next(1, 503)

    with pytest.raises(DeliveryError) as failed:
        await sender.send(channel, OutgoingMessage("m-20", channel.key, text="alert 20"))
    await sender.send(channel, OutgoingMessage("m-20", channel.key, text="alert 20"))

    assert len(built) == 1
    assert built[0].config.retry_policy.retries == 0
    assert failed.value.retryable is True and "503" in str(failed.value)
    assert [m["text"] for m in connector.posted()] == [f"alert {n}" for n in range(21)]


async def test_a_closed_sender_opens_a_new_client_for_the_next_send(sender, channel, connector, built):
    await sender.send(channel, OutgoingMessage("m-1", channel.key, text="before"))

    await sender.close()
    await sender.send(channel, OutgoingMessage("m-2", channel.key, text="after"))

    assert len(built) == 2
    assert [m["text"] for m in connector.posted()] == ["before", "after"]
