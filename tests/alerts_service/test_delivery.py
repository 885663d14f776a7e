"""A new alert reaches the person on duty and the channel; repeats and the source's
resolution update every copy in place, through the outbox."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.model import AlertState, EventKind, SourceStatus
from tests.alerts_service.conftest import ALICE_CHAT, BOB_CHAT, CHANNEL, Rig, notice
from tests.cards.reading import shown


async def test_a_new_alert_is_a_card_for_the_primary_and_one_in_the_channel(rig: Rig):
    [received] = await rig.fire(notice())

    [dm] = rig.sender.posts(ALICE_CHAT)
    [channel] = rig.sender.posts(CHANNEL)
    assert rig.sender.posts(BOB_CHAT) == []
    assert "Nightly ETL job orders failed" in shown(dm.message.card)
    assert "paged the primary, Alice Martin" in shown(channel.message.card)
    alert = await rig.alert(received.alert_id)
    assert [(e.kind, e.detail) for e in alert.timeline] == [
        (EventKind.CREATED, "from alertmanager"), (EventKind.NOTIFIED, "the primary, Alice Martin")]


async def test_a_repeat_is_one_alert_whose_cards_are_updated_in_place(both_rig: Rig):
    rig = both_rig
    [first] = await rig.fire(notice())
    rig.clock.advance(timedelta(minutes=2))
    [again] = await rig.fire(notice())

    assert again.alert_id == first.alert_id
    assert len(rig.sender.posts(ALICE_CHAT)) == 1 and len(rig.sender.posts(CHANNEL)) == 1
    for post in rig.sender.posts(ALICE_CHAT) + rig.sender.posts(CHANNEL):
        assert "Repeats: 2 times, last 11:02" in shown(rig.sender.card_now(post.activity_id))
    assert {u.message.replaces for u in rig.sender.updates()} == {
        rig.sender.posts(ALICE_CHAT)[0].activity_id, rig.sender.posts(CHANNEL)[0].activity_id}


async def test_the_sources_resolution_updates_every_copy_and_drops_the_buttons(both_rig: Rig):
    rig = both_rig
    [fired] = await rig.fire(notice())
    rig.clock.advance(timedelta(minutes=7))
    await rig.fire(notice(status=SourceStatus.RESOLVED))

    alert = await rig.alert(fired.alert_id)
    assert alert.state is AlertState.RESOLVED and alert.resolved_by is None
    for post in rig.sender.posts(ALICE_CHAT) + rig.sender.posts(CHANNEL):
        card = rig.sender.card_now(post.activity_id)
        assert "Resolved by the source at 11:07" in shown(card)
        assert not [node for node in card["body"] if node.get("type") == "ActionSet"]


async def test_every_message_reaches_teams_once(rig: Rig):
    await rig.fire(notice())
    await rig.fire(notice())
    await rig.tick(timedelta(minutes=20))
    await rig.fire(notice(status=SourceStatus.RESOLVED))
    await rig.tick(timedelta(minutes=20))

    keys = rig.sender.keys()
    assert len(keys) == len(set(keys))
