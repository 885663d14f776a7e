"""Channel messages that do not @mention Rota (Teams delivers every one when the app may read
the channel): only those calling on the person on duty, through the rotation's tag or the
whole team, are routed; the rest of the conversation gets no answer and leaves no trace."""

from __future__ import annotations

import pytest

from bot.conversations import ChatTurn, ConversationRecord, Mention, MentionKind, Reply
from bot.storage.outbox import TagStateStore
from tests.chat_service.conftest import ALICE, CAROL, DATA, ML, TEAM_ID, Member, World, texts

DATA_TAG = Mention(teams_id="tag-data", name="data-platform-oncall", kind=MentionKind.TAG)
WHOLE_TEAM = Mention(teams_id=TEAM_ID, name="Data Team", kind=MentionKind.TEAM)


async def overhears(
    team: World, text: str, *mentions: Mention, who: Member = CAROL, where: ConversationRecord = DATA
) -> list[Reply]:
    turn = ChatTurn(user=who.user(), conversation=where, text=text, mentions=mentions, message_id="1772699400000",
                    message_link="https://teams.microsoft.com/l/message/1772699400000", received_at=team.clock(),
                    addressed=False)  # fmt: skip
    return await team.service.on_turn(turn)


@pytest.mark.parametrize("text", ["who", "hepl", "lunch at noon?", "swap fri with nobody"])
async def test_chatter_in_a_bound_channel_is_left_alone(team: World, text: str):
    assert await overhears(team, text) == []
    assert await overhears(team, f"<at>{ALICE.name}</at> {text}", ALICE.mention) == []

    assert team.outbox.queued == {}


@pytest.mark.parametrize("mention", [DATA_TAG, WHOLE_TEAM], ids=["tag", "team"])
async def test_the_rotations_tag_or_the_team_reaches_the_person_on_duty(team: World, mention: Mention):
    replies = await overhears(team, f"<at>{mention.name}</at> the nightly ETL failed", mention)

    assert replies == []
    thread = team.outbox.queued["routed:1:thread"]
    assert thread.conversation_key == DATA.key and thread.thread_of == "1772699400000"
    assert [m.teams_id for m in thread.mentions] == [ALICE.teams_id]
    assert f"@{mention.name} the nightly ETL failed" in texts([thread.card])
    assert team.outbox.queued["routed:1:assignee"].conversation_key == ALICE.chat.key


async def test_another_rotations_tag_is_not_this_channels_business(team: World):
    other = Mention(teams_id="tag-ml", name="ml-oncall", kind=MentionKind.TAG)

    assert await overhears(team, "<at>ml-oncall</at> the model drifted", other) == []
    assert team.outbox.queued == {}


async def test_a_renamed_tag_is_recognised_by_its_new_name(team: World):
    await TagStateStore(team.store.engine).set_tag_name("data-platform", "data-duty")
    renamed = Mention(teams_id="tag-data", name="data-duty", kind=MentionKind.TAG)

    assert await overhears(team, "<at>data-platform-oncall</at> stale tag", DATA_TAG) == []
    assert team.outbox.queued == {}
    await overhears(team, "<at>data-duty</at> the nightly ETL failed", renamed)
    assert "routed:1:thread" in team.outbox.queued


async def test_the_team_called_on_in_an_unbound_channel_gets_no_answer(team: World):
    assert await overhears(team, "<at>Data Team</at> the nightly ETL failed", WHOLE_TEAM, where=ML) == []
    assert team.outbox.queued == {}
