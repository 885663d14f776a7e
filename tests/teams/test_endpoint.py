"""`POST /api/messages` in local mode, driven over HTTP as Teams drives it: messages,
installations and card buttons reach the domain, and the answers reach the Connector."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.conversations import CardActionResult, ConversationKind, Mention, Reply
from bot.teams.binding import UnsafeBinding
from tests.fakes.connector import cards
from tests.teams.conftest import teams_message

CHANNEL = "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
THREAD_ROOT = "1759881511856"
MESSAGE_ID = "1759944781430"
MENTION = "teams-message-channel-mention.json"


async def test_a_personal_message_is_answered_in_the_chat_without_any_token(local_bot, connector):
    alice = connector.add_person("alice@example.com", "Alice Martin")

    status, _ = await connector.send_to_bot(local_bot.url, teams_message(connector, "who", sender=alice))

    assert status == 200
    [turn] = local_bot.chat.turns
    assert (turn.text, turn.user.email, turn.conversation.person) == ("who", "alice@example.com", "alice@example.com")
    [reply] = connector.posted()
    assert reply["text"] == "you said: who"
    assert reply["conversation"]["id"] == "a:personal-1"
    assert reply["recipient"]["id"] == alice.teams_id


async def test_every_activity_keeps_the_conversation_reference_current(local_bot, connector):
    alice = connector.add_person("alice@example.com")
    await connector.send_to_bot(local_bot.url, teams_message(connector, "help", sender=alice))

    [(record, user)] = local_bot.chat.seen
    assert record.reference["serviceUrl"] == connector.url
    assert record.reference["user"]["id"] == alice.teams_id
    assert user.email == "alice@example.com"


async def test_a_channel_mention_is_answered_in_its_thread_mentioning_the_person_on_duty(local_bot, connector):
    bob = connector.add_person("bob@example.com", "Bob Smith")
    on_duty = Mention(bob.teams_id, bob.name)
    local_bot.chat.answer = lambda turn: [Reply(text="@Bob Smith is on duty", mentions=(on_duty,))]

    status, _ = await connector.send_to_bot(local_bot.url, connector.from_reference(MENTION))

    assert status == 200
    [turn] = local_bot.chat.turns
    assert turn.text == "reply to thread"
    assert turn.user.timezone == "America/Los_Angeles"
    assert turn.conversation.kind is ConversationKind.CHANNEL
    [sent] = connector.messages()
    assert sent.conversation_id == f"{CHANNEL};messageid={THREAD_ROOT}"
    assert sent.activity_id == MESSAGE_ID
    assert sent.body["text"] == "<at>Bob Smith</at> is on duty"
    assert sent.body["entities"] == [{"type": "mention", "text": "<at>Bob Smith</at>",
                                      "mentioned": {"id": bob.teams_id, "name": "Bob Smith"}}]  # fmt: skip


async def test_a_mentioned_colleague_arrives_with_their_email(local_bot, connector):
    bob = connector.add_person("bob@example.com", "Bob Smith")
    activity = connector.from_reference(MENTION,
                                        text="<at>ridotest</at> swap fri with <at>Bob Smith</at>")  # fmt: skip
    activity["entities"].append({"type": "mention", "text": "<at>Bob Smith</at>",
                                 "mentioned": {"id": bob.teams_id, "name": "Bob Smith"}})  # fmt: skip

    await connector.send_to_bot(local_bot.url, activity)

    [turn] = local_bot.chat.turns
    assert turn.text == "swap fri with <at>Bob Smith</at>"
    assert turn.mentions == (Mention(bob.teams_id, "Bob Smith", "bob@example.com"),)


async def test_a_reply_outside_the_thread_starts_a_new_post_in_the_channel(local_bot, connector):
    local_bot.chat.answer = lambda turn: [Reply(text="handover", in_thread=False)]

    await connector.send_to_bot(local_bot.url, connector.from_reference(MENTION))

    [sent] = connector.messages()
    assert (sent.conversation_id, sent.activity_id) == (CHANNEL, None)


async def test_installed_in_a_team_it_welcomes_the_channel_and_remembers_every_channel(local_bot, connector):
    activity = connector.from_reference("teams-conversationupdate-bot-added-to-team.json")
    team_id = activity["channelData"]["team"]["id"]
    general = activity["conversation"]["id"]
    connector.add_team(team_id, [(general, None), ("19:ops@thread.tacv2", "Ops")])

    status, _ = await connector.send_to_bot(local_bot.url, activity)

    assert status == 200
    [(installed, _)] = local_bot.chat.installs
    assert (installed.team_id, installed.channel_id) == (team_id, general)
    assert "19:ops@thread.tacv2" in {record.channel_id for record, _ in local_bot.chat.seen}
    [welcome] = connector.messages()
    assert (welcome.conversation_id, welcome.activity_id) == (general, None)
    assert welcome.body["text"] == "Hi, I'm Rota"
    assert cards(welcome.body) == [{"type": "AdaptiveCard", "version": "1.5", "body": []}]


async def test_installed_in_a_team_it_remembers_every_member_and_later_the_ones_who_join(local_bot, connector):
    alice = connector.add_person("alice@example.com", "Alice Martin")
    activity = connector.from_reference("teams-conversationupdate-bot-added-to-team.json")
    connector.add_team(activity["channelData"]["team"]["id"], [(activity["conversation"]["id"], None)])

    await connector.send_to_bot(local_bot.url, activity)
    assert [(user.email, user.teams_id, user.name) for user in local_bot.chat.people] == [
        ("alice@example.com", alice.teams_id, "Alice Martin")]

    bob = connector.add_person("bob@example.com", "Bob Smith")
    joined = connector.from_reference("teams-conversationupdate-user-added-to-team-legacy.json")
    joined["conversation"]["id"] = activity["conversation"]["id"]
    joined["serviceUrl"] = connector.url
    joined["membersAdded"] = [{"id": bob.teams_id, "aadObjectId": bob.aad_object_id}]
    await connector.send_to_bot(local_bot.url, joined)

    assert [user.email for user in local_bot.chat.people] == ["alice@example.com", "bob@example.com"]
    assert len(local_bot.chat.installs) == 1


async def test_installed_in_a_personal_chat_it_says_hello_there(local_bot, connector):
    alice = connector.add_person("alice@example.com")
    activity = connector.from_reference("teams-conversationupdate-bot-added-personal.json")
    activity["recipient"]["id"] = activity["membersAdded"][0]["id"]
    activity["from"] = activity["membersAdded"][1] = {"id": alice.teams_id, "aadObjectId": alice.aad_object_id}
    activity["conversation"]["id"] = "a:alice-and-rota"

    await connector.send_to_bot(local_bot.url, activity)

    [(installed, user)] = local_bot.chat.installs
    assert (installed.kind, installed.person, user.email) == (ConversationKind.PERSONAL, alice.email, alice.email)
    assert [m.conversation_id for m in connector.messages()] == ["a:alice-and-rota"]


async def test_a_colleague_joining_the_team_is_seen_but_not_welcomed(local_bot, connector):
    activity = connector.from_reference("teams-conversationupdate-user-added-to-team-legacy.json")

    status, _ = await connector.send_to_bot(local_bot.url, activity)

    assert status == 200
    assert local_bot.chat.installs == []
    assert connector.messages() == []
    assert len(local_bot.chat.seen) == 1


async def test_a_card_button_answers_the_invoke_with_the_refreshed_card(local_bot, connector):
    refreshed = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Taken"}]}
    local_bot.actions.result = CardActionResult(card=refreshed)
    activity = connector.from_reference("teams-invoke-adaptivecard-action.json")
    activity["value"]["action"]["verb"] = "test.take"

    status, body = await connector.send_to_bot(local_bot.url, activity)

    assert (status, body) == (200, {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive",
                                    "value": refreshed})  # fmt: skip
    [pressed] = local_bot.actions.pressed
    assert (pressed.verb, pressed.data, pressed.activity_id) == ("test.take", {"feedback": "test invokes"},
                                                                 "1767765488332")  # fmt: skip


async def test_a_refused_button_press_says_why_with_http_200(local_bot, connector):
    local_bot.actions.result = CardActionResult(refused="Only Alice can take this.")
    activity = connector.from_reference("teams-invoke-adaptivecard-action.json")
    activity["value"]["action"]["data"]["verb"] = "test.take"

    status, body = await connector.send_to_bot(local_bot.url, activity)

    assert (status, body) == (200, {"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                    "value": "Only Alice can take this."})  # fmt: skip


async def test_a_button_that_names_no_action_is_refused_politely(local_bot, connector):
    status, body = await connector.send_to_bot(local_bot.url, connector.from_reference(
        "teams-invoke-adaptivecard-action.json"))  # fmt: skip

    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "does not say what it does" in body["value"]
    assert local_bot.actions.pressed == []


async def test_a_failing_chat_service_gets_an_apology_to_the_user_not_a_stack_trace(local_bot, connector):
    alice = connector.add_person("alice@example.com")

    def broken(turn):
        raise RuntimeError("database on fire")

    local_bot.chat.answer = broken
    status, _ = await connector.send_to_bot(local_bot.url, teams_message(connector, "who", sender=alice))

    assert status == 200
    [apology] = connector.posted()
    assert apology["text"].startswith("Sorry, something went wrong on my side")
    assert "fire" not in apology["text"]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [(b"{}", "application/json", 400), (b"not json", "application/json", 400), (b"<a/>", "text/xml", 415)],
)
async def test_what_is_not_an_activity_is_refused_in_json(local_bot, body, content_type, status):
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with session.post(f"{local_bot.url}/api/messages", data=body,
                                headers={"Content-Type": content_type}) as response:  # fmt: skip
            assert response.status == status
            assert (await response.json())["error"]["message"]


async def test_local_mode_refuses_to_listen_beyond_loopback(start_bot):
    with pytest.raises(UnsafeBinding, match="0.0.0.0"):
        await start_bot(host="0.0.0.0")


def test_rota_serve_refuses_all_interfaces_without_credentials(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0"], env={"MicrosoftAppId": ""})

    assert result.exit_code != 0
    assert "refusing to listen on '0.0.0.0' without Microsoft credentials" in result.output
