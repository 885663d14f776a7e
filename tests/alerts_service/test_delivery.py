"""A new alert reaches the person on duty and the channel; repeats and the source's
resolution update every copy in place, through the outbox, which rides out an outage;
two replicas receiving the same first notice at once keep one alert."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.alerts.model import AlertState, EventKind, Outcome, SourceStatus
from tests.alerts_service.conftest import ALICE_CHAT, BOB_CHAT, CHANNEL, Rig, notice, start_rig
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


async def test_a_connector_outage_delays_the_card_but_loses_nothing(rig: Rig):
    rig.sender.outage = True
    [fired] = await rig.fire(notice())
    rig.clock.advance(timedelta(minutes=1))
    await rig.fire(notice())  # a repeat while the first card is still undelivered
    assert rig.sender.posts(ALICE_CHAT) == []

    rig.sender.outage = False
    await rig.tick(timedelta(minutes=1))  # the outbox delivers the first card
    await rig.tick(timedelta(seconds=2))  # the update that waited for its activity id follows

    [dm] = rig.sender.posts(ALICE_CHAT)
    assert "Repeats: 2 times, last 11:01" in shown(rig.sender.card_now(dm.activity_id))
    assert (await rig.alert(fired.alert_id)).state is AlertState.TRIGGERED


async def test_two_replicas_taking_the_same_first_notice_at_once_keep_one_alert(both_rig: Rig, database_url, clock,
                                                                                 sender):
    other = await start_rig(database_url, clock, sender, seeded=True)
    try:
        received = await asyncio.gather(both_rig.service.receive(both_rig.integration, [notice()]),
                                        other.service.receive(other.integration, [notice()]))
        await other.settle()
        await both_rig.settle()
    finally:
        await other.store.close()

    [[first], [second]] = received
    assert first.alert_id == second.alert_id
    assert {first.outcome, second.outcome} == {Outcome.CREATED, Outcome.REPEATED}
    [stored] = await both_rig.alerts.list_alerts()
    assert stored.alert.count == 2
    assert len(sender.posts(ALICE_CHAT)) == 1
