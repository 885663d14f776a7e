"""Routed mentions end to end at the domain level: a question in a bound channel reaches
the person on duty in the thread and in their chat, and the buttons update every copy."""

from __future__ import annotations

import pytest

from bot.cards.routed import PASS_VERB, TAKE_VERB
from bot.conversations import CardAction
from tests.chat_service.conftest import (
    ALICE,
    BOB,
    CAROL,
    DATA,
    ML,
    World,
    data_platform,
    texts,
)


async def ask(team: World, text: str = "the nightly ETL failed", message_id: str = "1772699400000") -> None:
    assert await team.says(CAROL, text, where=DATA, message_id=message_id) == []


def thread_card(team: World):
    return team.outbox.queued["routed:1:thread"]


def dm_card(team: World, place: str = "assignee"):
    return team.outbox.queued[f"routed:1:{place}"]


async def test_a_question_is_answered_in_the_thread_with_a_mention_of_the_person_on_duty(team: World):
    await ask(team)

    message = thread_card(team)
    assert message.conversation_key == DATA.key and message.thread_of == "1772699400000"
    assert message.mentions[0].teams_id == ALICE.teams_id
    assert message.text.startswith(f"@{message.mentions[0].name}, a question for you")
    assert "the nightly ETL failed" in texts([message.card]) and "Carol Diaz asked" in texts([message.card])
    assert [a["title"] for a in message.card["actions"]] == ["Take it", "Pass to secondary"]


async def test_the_person_on_duty_gets_the_question_in_their_chat_with_a_link_to_it(team: World):
    await ask(team)

    message = dm_card(team)
    assert message.conversation_key == ALICE.chat.key
    said = texts([message.card])
    assert "https://teams.microsoft.com/l/message/1772699400000" in said
    assert "the nightly ETL failed" in said


async def test_a_message_teams_delivers_twice_is_routed_once(team: World):
    await ask(team)
    await ask(team)

    assert sorted(team.outbox.queued) == ["routed:1:assignee", "routed:1:thread"]


async def test_someone_on_duty_who_never_talked_to_rota_is_named_in_text(team: World):
    await team.store.create_rotation(data_platform(name="newcomers", members=("frank@example.com",)), "cli:ops")
    await team.service.on_conversation_seen(ML, ALICE.user())
    await team.teams.bind("newcomers", ML.key, "cli:ops")

    assert await team.says(CAROL, "is anyone there?", where=ML, message_id="m-1") == []

    message = team.outbox.to(ML)[0]
    assert message.mentions == ()
    assert "frank@example.com is on duty for newcomers, but hasn't talked to Rota yet" in message.text
    assert team.outbox.to(ALICE.chat) == []


async def test_a_question_in_an_unbound_channel_says_how_to_bind(team: World):
    replies = await team.says(CAROL, "the nightly ETL failed", where=ML, message_id="m-1")

    assert "isn't bound to a rotation" in texts(replies) and "bind <rotation>" in texts(replies)
    assert team.outbox.queued == {}


async def test_take_in_the_chat_updates_the_thread_card_in_place(team: World):
    await ask(team)
    team.outbox.deliver()

    result = await team.presses(ALICE, dm_card(team).card, "Take it", where=ALICE.chat, activity_id="dm-1")

    assert "Taken by Alice Martin" in texts([result.card]) and "actions" not in result.card
    update = team.outbox.queued["routed:1:thread:taken"]
    assert update.replaces == team.outbox.activities["routed:1:thread"]
    assert "Taken by Alice Martin" in texts([update.card])
    assert {c.place: c.activity_id for c in await team.teams.cards(1)}["assignee"] == "dm-1"


async def test_take_in_the_thread_updates_the_chat_copy_and_the_first_press_wins(team: World):
    await ask(team)
    team.outbox.deliver()

    await team.presses(BOB, thread_card(team).card, "Take it", where=DATA, activity_id="thread-1")
    late = await team.presses(ALICE, dm_card(team).card, "Take it", where=ALICE.chat)

    assert "Taken by Bob Smith" in texts([late.card])
    assert team.outbox.queued["routed:1:assignee:taken"].replaces == team.outbox.activities["routed:1:assignee"]
    assert "routed:1:thread:taken" not in team.outbox.queued


async def test_take_before_the_thread_card_was_delivered_posts_the_outcome_in_the_thread(team: World):
    await ask(team)

    await team.presses(ALICE, dm_card(team).card, "Take it", where=ALICE.chat)

    update = team.outbox.queued["routed:1:thread:taken"]
    assert update.replaces is None and update.thread_of == "1772699400000"


async def test_pass_sends_it_to_the_secondary_and_updates_both_cards(team: World):
    await ask(team)
    team.outbox.deliver()

    result = await team.presses(ALICE, dm_card(team).card, "Pass to secondary", where=ALICE.chat)

    assert "Passed to Bob Smith by Alice Martin" in texts([result.card])
    assert [a["title"] for a in result.card["actions"]] == ["Take it"]
    assert "Passed to Bob Smith" in texts([team.outbox.queued["routed:1:thread:passed"].card])
    note = team.outbox.queued["routed:1:passed"]
    assert note.mentions[0].teams_id == BOB.teams_id and note.thread_of == "1772699400000"
    secondary = dm_card(team, "secondary")
    assert secondary.conversation_key == BOB.chat.key

    taken = await team.presses(BOB, secondary.card, "Take it", where=BOB.chat)

    assert "Taken by Bob Smith" in texts([taken.card])
    assert {"routed:1:thread:taken", "routed:1:assignee:taken"} <= set(team.outbox.queued)


async def test_only_the_person_it_was_sent_to_can_pass_it_on(team: World):
    await ask(team)

    result = await team.presses(BOB, thread_card(team).card, "Pass to secondary", where=DATA)

    assert result.refused is not None and "Only Alice Martin" in result.refused
    assert (await team.teams.get_mention(1)).state == "open"


async def test_pass_without_a_secondary_is_refused(team: World):
    from dataclasses import replace

    from shared.rotation import Secondary

    rotation = await team.rotation()
    await team.store.update_rotation(replace(rotation, secondary=Secondary()), "cli:ops")
    await ask(team)

    result = await team.presses(ALICE, dm_card(team).card, "Pass to secondary", where=ALICE.chat)

    assert result.refused is not None and "no secondary" in result.refused


@pytest.mark.parametrize("verb", [TAKE_VERB, PASS_VERB])
async def test_a_button_for_a_question_rota_no_longer_has_is_refused(team: World, verb: str):
    action = CardAction(verb=verb, data={"routed": "99"}, user=ALICE.user(), conversation=ALICE.chat)

    result = await team.router.dispatch(action)

    assert result.refused is not None and "can't find that question" in result.refused
