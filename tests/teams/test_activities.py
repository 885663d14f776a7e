"""What the domain is told about the activities Teams sends (the published payloads, as they
are), and what Teams is sent for the domain's replies."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import pytest
from botbuilder.schema import Activity
from botframework.connector import models as connector_models
from msrest import Serializer

from bot.conversations import CardActionResult, ChatUser, ConversationKind, Mention, MentionKind
from bot.teams.activities import (
    card_action,
    chat_turn,
    chat_user,
    conversation_record,
    invoke_body,
    members_added_include_bot,
    mentioned,
    message_activity,
    text_without_bot_mention,
    user_zone,
    with_mention_tags,
)
from tests.reference import load_reference

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)


def reference(name: str) -> Activity:
    return Activity().deserialize(load_reference(f"payloads/{name}"))


def test_a_channel_mention_reaches_the_domain_without_the_bots_own_mention():
    activity = reference("teams-message-channel-mention.json")
    record = conversation_record(activity)
    user = chat_user(activity, email="rido@example.com")
    turn = chat_turn(activity, user=user, conversation=record, mentions=mentioned(activity), received_at=NOW)

    assert turn.text == "reply to thread"
    assert turn.mentions == ()
    assert user.aad_object_id == "b15a9416-0ad3-4172-9210-7beb711d3f70"
    assert user.timezone == "America/Los_Angeles"
    assert record.kind is ConversationKind.CHANNEL
    assert record.team_id == "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2"
    assert record.channel_id == "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
    assert record.tenant_id == "50612dbb-0237-4969-b378-8d42590f9c00"
    assert record.person is None


def test_a_channel_conversation_is_stored_as_the_channel_not_the_thread():
    record = conversation_record(reference("teams-message-channel-mention.json"))

    assert record.key == record.conversation_id == "19:6848757105754c8981c67612732d9aa7@thread.tacv2"
    assert record.reference["conversation"]["id"] == record.conversation_id
    assert "activityId" not in record.reference
    assert record.reference["bot"]["id"] == "28:0b6fe6d1-fece-44f7-9a48-56465e2d5ab8"
    assert record.reference["serviceUrl"] == record.service_url


def test_the_message_link_opens_the_reply_in_its_thread():
    activity = reference("teams-message-channel-mention.json")
    turn = chat_turn(activity, user=chat_user(activity, email=None), conversation=conversation_record(activity),
                     mentions=(), received_at=NOW)  # fmt: skip

    link = urlsplit(turn.message_link)
    query = parse_qs(link.query)
    assert link.netloc == "teams.microsoft.com"
    assert link.path == "/l/message/19%3A6848757105754c8981c67612732d9aa7%40thread.tacv2/1759944781430"
    assert query["parentMessageId"] == ["1759881511856"]
    assert query["tenantId"] == ["50612dbb-0237-4969-b378-8d42590f9c00"]


def test_a_personal_message_has_no_link_and_falls_back_to_utc_without_a_zone():
    activity = reference("teams-message-personal.json")
    record = conversation_record(activity, person="user@example.com")
    user = chat_user(activity, email="user@example.com")
    turn = chat_turn(activity, user=user, conversation=record, mentions=(), received_at=NOW)

    assert (turn.text, turn.message_link, user.timezone) == ("hi", None, "UTC")
    assert record.kind is ConversationKind.PERSONAL
    assert record.person == "user@example.com"
    assert record.tenant_id == "09e852a2-4575-45f7-9586-7cc3acfdc715"
    assert user.aad_object_id == "d2ffaeab-d802-4fec-8580-0987e9ad2628"


def test_an_old_channel_message_without_conversation_type_is_still_a_channel():
    activity = reference("teams-message-channel-mention-legacy.json")
    record = conversation_record(activity)

    assert record.kind is ConversationKind.CHANNEL
    assert record.channel_id == "19:ThreadID@thread.skype"
    assert text_without_bot_mention(activity) == "Test Message"


def test_other_peoples_mentions_stay_in_the_text_and_are_listed():
    activity = reference("teams-message-channel-mention.json")
    activity.text = "<at>ridotest</at> swap fri with <at>Bob Smith</at>"
    bob = {"mentioned": {"id": "29:bob", "name": "Bob Smith"}, "text": "<at>Bob Smith</at>", "type": "mention"}
    activity.entities.append(Activity().deserialize({"type": "message", "entities": [bob]}).entities[0])

    assert text_without_bot_mention(activity) == "swap fri with <at>Bob Smith</at>"
    assert mentioned(activity) == [Mention(teams_id="29:bob", name="Bob Smith")]


def test_the_bot_being_added_to_a_team_names_the_channel_it_was_added_in():
    activity = reference("teams-conversationupdate-bot-added-to-team.json")
    record = conversation_record(activity)

    assert members_added_include_bot(activity)
    assert record.kind is ConversationKind.CHANNEL
    assert record.channel_id == "19:0b7f32667e064dd9b25d7969801541f4@thread.tacv2"
    assert record.team_aad_group_id == "f3ec8cd2-e704-4344-8c47-9a3a21d683c0"
    assert record.tenant_id == "b28fdbfd-2b78-4f93-b0f8-8881793f0f8f"


def test_a_user_joining_a_team_is_not_an_installation():
    assert not members_added_include_bot(reference("teams-conversationupdate-user-added-to-team-legacy.json"))


def test_a_card_action_without_a_verb_keeps_its_data_and_the_card_message_id():
    activity = reference("teams-invoke-adaptivecard-action.json")
    user = chat_user(activity, email=None)
    action = card_action(activity, user=user, conversation=conversation_record(activity))

    assert action.verb is None
    assert action.data == {"feedback": "test invokes"}
    assert action.activity_id == "1767765488332"
    assert user.timezone == "America/Los_Angeles"


@pytest.mark.parametrize(
    ("declared", "client_info", "expected"),
    [
        ("Europe/Paris", "America/New_York", "Europe/Paris"),
        (None, "America/New_York", "America/New_York"),
        ("Mars/Olympus", None, "UTC"),
    ],
)
def test_the_writers_zone_comes_from_the_activity_then_the_client(declared, client_info, expected):
    payload = {"type": "message", "localTimezone": declared,
               "entities": [{"type": "clientInfo", "timezone": client_info}]}  # fmt: skip

    assert user_zone(Activity().deserialize(payload)) == expected


def test_the_bot_itself_is_nobody():
    activity = reference("teams-message-personal.json")
    activity.from_property = activity.recipient

    assert chat_user(activity, email=None) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Bob Smith is on duty", "<at>Bob Smith</at> is on duty"),
        ("<at>Bob Smith</at> is on duty", "<at>Bob Smith</at> is on duty"),
        ("on duty now", "<at>Bob Smith</at> on duty now"),
        (None, "<at>Bob Smith</at>"),
    ],
)
def test_outgoing_mentions_are_written_as_teams_expects(text, expected):
    assert with_mention_tags(text, [Mention("29:bob", "Bob Smith")]) == expected


def test_an_outgoing_message_carries_the_card_and_a_real_mention_entity():
    card = {"type": "AdaptiveCard", "version": "1.5", "body": []}
    bob = Mention("29:bob", "Bob Smith")
    wire = message_activity(text="@Bob Smith please look", card=card, mentions=[bob]).serialize()

    assert wire["attachments"] == [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}]
    assert wire["entities"] == [{"type": "mention", "text": "<at>Bob Smith</at>",
                                 "mentioned": {"id": "29:bob", "name": "Bob Smith"}}]  # fmt: skip
    assert wire["text"] == "<at>Bob Smith</at> please look"


def test_a_tag_is_mentioned_by_its_graph_id_and_name_with_type_tag():
    [finance, _] = load_reference("payloads/graph-teamworktag-list.response.json")["value"]
    tag = Mention(finance["id"], finance["displayName"], kind=MentionKind.TAG)
    bob = Mention("29:bob", "Bob Smith")
    activity = message_activity(text="@Finance and @Bob Smith: please look", card=None, mentions=[tag, bob])
    sent = Serializer({k: v for k, v in connector_models.__dict__.items() if isinstance(v, type)})

    for wire in (activity.serialize(), sent.body(activity, "Activity")):
        assert wire["text"] == "<at>Finance</at> and <at>Bob Smith</at>: please look"
        assert wire["entities"] == [
            {"type": "mention", "text": "<at>Finance</at>",
             "mentioned": {"id": finance["id"], "name": "Finance", "type": "tag"}},
            {"type": "mention", "text": "<at>Bob Smith</at>", "mentioned": {"id": "29:bob", "name": "Bob Smith"}},
        ]  # fmt: skip
    received = Activity().deserialize({**activity.serialize(), "recipient": {"id": "28:rota"}})
    assert mentioned(received) == [tag, bob]


def test_invoke_answers_follow_universal_actions():
    card = {"type": "AdaptiveCard"}

    assert invoke_body(CardActionResult(card=card)) == {
        "statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": card}  # fmt: skip
    assert invoke_body(CardActionResult(refused="Only the owner can.")) == {
        "statusCode": 200, "type": "application/vnd.microsoft.activity.message",
        "value": "Only the owner can."}  # fmt: skip


def test_a_chat_user_carries_the_email_it_was_given():
    activity = reference("teams-message-personal.json")

    assert chat_user(activity, email="user@example.com") == ChatUser(
        teams_id="29:uniqueId", name="User name", aad_object_id="d2ffaeab-d802-4fec-8580-0987e9ad2628",
        email="user@example.com", timezone="UTC")  # fmt: skip
