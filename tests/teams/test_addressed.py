"""With every channel message delivered (resource-specific consent), the boundary tells the
domain which messages were meant for the bot, and what else they mention: a tag, the team."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from botbuilder.schema import Activity

from bot.conversations import ChatTurn, Mention, MentionKind
from bot.teams.activities import chat_turn, chat_user, conversation_record, mentioned
from tests.reference import load_reference

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)
MENTION = "teams-message-channel-mention.json"
TEAM = "19:66P469zibfbsGI-_a0aN_toLTZpyzS6u7CT3TsXdgPw1@thread.tacv2"
#: A tag's id as Graph lists it (graph-teamworktag-list.response.json).
TAG_ID = load_reference("payloads/graph-teamworktag-list.response.json")["value"][0]["id"]


def overheard(text: str, *entities: dict[str, Any]) -> dict[str, Any]:
    """The reference channel message without the bot's mention, with `entities` instead."""
    payload = load_reference(f"payloads/{MENTION}")
    payload["text"] = text
    payload["entities"] = [e for e in payload["entities"] if e["type"] != "mention"] + list(entities)
    return payload


def mention(name: str, teams_id: str, **declared: str) -> dict[str, Any]:
    return {"type": "mention", "text": f"<at>{name}</at>", "mentioned": {"id": teams_id, "name": name, **declared}}


def turn_of(payload: dict[str, Any]) -> ChatTurn:
    activity = Activity().deserialize(payload)
    record = conversation_record(activity)
    user = chat_user(activity, email="rido@example.com")
    return chat_turn(activity, user=user, conversation=record, mentions=mentioned(activity), received_at=NOW)


def test_a_channel_message_that_mentions_the_bot_is_addressed_to_it():
    assert turn_of(load_reference(f"payloads/{MENTION}")).addressed


def test_a_channel_message_without_the_bots_mention_is_not():
    turn = turn_of(overheard("lunch at noon?"))

    assert not turn.addressed
    assert (turn.text, turn.mentions) == ("lunch at noon?", ())


def test_a_tag_mention_arrives_as_the_tag_with_its_name():
    tag = mention("data-oncall", TAG_ID, type="tag")
    turn = turn_of(overheard("<at>data-oncall</at> the nightly ETL failed", tag))

    assert not turn.addressed
    assert turn.text == "<at>data-oncall</at> the nightly ETL failed"
    assert turn.mentions == (Mention(TAG_ID, "data-oncall", kind=MentionKind.TAG),)


def test_the_team_is_told_apart_from_people_with_or_without_a_declared_type():
    declared = mention("Data Team", TEAM, type="team")
    undeclared = mention("Data Team", TEAM)
    person = mention("Bob Smith", "29:bob")

    for team in (declared, undeclared):
        turn = turn_of(overheard("<at>Data Team</at> <at>Bob Smith</at> help", team, person))
        assert [m.kind for m in turn.mentions] == [MentionKind.TEAM, MentionKind.PERSON]


def test_a_tag_mention_beside_the_bots_own_is_addressed_and_keeps_the_tag():
    payload = load_reference(f"payloads/{MENTION}")
    payload["text"] += " <at>data-oncall</at>"
    payload["entities"].append(mention("data-oncall", TAG_ID, type="tag"))
    turn = turn_of(payload)

    assert turn.addressed
    assert [m.kind for m in turn.mentions] == [MentionKind.TAG]


def test_a_personal_message_is_always_addressed():
    assert turn_of(load_reference("payloads/teams-message-personal.json")).addressed


async def test_the_boundary_looks_up_no_email_for_a_tag(local_bot, connector):
    bob = connector.add_person("bob@example.com", "Bob Smith")
    tag = mention("data-oncall", TAG_ID, type="tag")
    payload = overheard("<at>data-oncall</at> ask <at>Bob Smith</at>", tag, mention("Bob Smith", bob.teams_id))
    payload["serviceUrl"] = connector.url

    status, _ = await connector.send_to_bot(local_bot.url, payload)

    assert status == 200
    [turn] = local_bot.chat.turns
    assert not turn.addressed
    assert turn.mentions == (Mention(TAG_ID, "data-oncall", kind=MentionKind.TAG),
                             Mention(bob.teams_id, "Bob Smith", "bob@example.com"))  # fmt: skip
    assert not [r for r in connector.recorded if TAG_ID.rstrip("=") in r.path]
