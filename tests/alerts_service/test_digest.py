"""The morning digest stays true after it is posted: whatever changes one of its alerts
(its own card, chat or the API, the source, a change the service stopped before passing
on) updates every copy of the digest in place, once for a burst of changes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.actions import AlertActions
from bot.alerts.model import Severity, SourceStatus
from bot.conversations import ActionRouter, CardAction, ChatUser, ConversationKind
from tests.alerts_service.conftest import (
    ACTOR,
    ALICE,
    ALICE_CHAT,
    BOB,
    BOB_CHAT,
    CHANNEL,
    MORNING,
    NIGHT,
    OFFICE,
    ROTATION,
    Rig,
    Sent,
    conversation,
    notice,
)
from tests.cards.reading import actions, shown


async def held_overnight(rig: Rig) -> tuple[int, int, list[Sent]]:
    """Two warnings held at night, then delivered in the morning as one digest (in Alice's
    chat and in the channel). Returns the two alerts and the digest's two posts."""
    await rig.service.set_settings(ROTATION, OFFICE, ACTOR)
    rig.clock.now = NIGHT
    [drift] = await rig.fire(notice("drift", severity=Severity.WARNING, title="Feature drift on churn model"))
    [disk] = await rig.fire(notice("disk", severity=Severity.WARNING, title="Disk 91% full on db1"))
    await rig.tick(MORNING - rig.clock())
    posts = [s for s in rig.sender.posts(ALICE_CHAT) + rig.sender.posts(CHANNEL)
             if s.message.idempotency_key.startswith("digest:")]
    assert len(posts) == 2 and all("Waiting for someone (2)" in shown(p.message.card) for p in posts)
    return drift.alert_id, disk.alert_id, posts


def digest_updates(rig: Rig, posts: list[Sent]) -> dict[str, int]:
    """How many updates each copy of the digest received, by conversation."""
    return {post.conversation: sum(1 for u in rig.sender.updates(post.conversation)
                                   if u.message.replaces == post.activity_id) for post in posts}


async def test_an_alert_acknowledged_from_its_own_card_is_dealt_with_on_every_copy_of_the_digest(rig: Rig):
    drift, _, posts = await held_overnight(rig)
    await rig.tick(timedelta(minutes=5))  # nobody looked: both go to Bob, the secondary
    [to_bob] = [s for s in rig.sender.posts(BOB_CHAT) if "Feature drift" in shown(s.message.card)]
    [button] = [a for a in actions(to_bob.message.card) if a.get("verb") == "alert.ack"]
    router = ActionRouter()
    router.register("alert.", AlertActions(rig.service))
    rig.clock.advance(timedelta(minutes=1))

    result = await router.dispatch(CardAction(
        verb=None, data=button["data"], activity_id=to_bob.activity_id,
        user=ChatUser(teams_id="29:bob", name="Bob Smith", email=BOB, timezone="Europe/Paris"),
        conversation=conversation(BOB_CHAT, ConversationKind.PERSONAL, BOB)))
    await rig.settle()

    assert result.refused is None
    for post in posts:
        now = shown(rig.sender.card_now(post.activity_id))
        assert "Waiting for someone (1)\n● WARNING\nDisk 91% full on db1" in now
        assert "Dealt with meanwhile (1)" in now
        assert "Feature drift on churn model (since 23:30)\n✔ Acknowledged by Bob Smith at Wed 4 Mar 09:06" in now
    assert all(count >= 1 for count in digest_updates(rig, posts).values())


@pytest.mark.parametrize("how", ["chat or the API", "the source"])
async def test_each_copy_of_the_digest_is_updated_in_place_however_its_alert_changes(both_rig: Rig, how: str):
    rig = both_rig
    drift, _, posts = await held_overnight(rig)
    rig.clock.advance(timedelta(minutes=2))

    if how == "the source":
        await rig.fire(notice("drift", status=SourceStatus.RESOLVED))
        expected = "✔ Resolved by the source at Wed 4 Mar 09:02"
    else:
        await rig.service.apply(drift, "ack", ALICE, actor="api:ops")
        await rig.settle()
        expected = "✔ Acknowledged by Alice Martin at Wed 4 Mar 09:02"

    assert digest_updates(rig, posts) == {ALICE_CHAT: 1, CHANNEL: 1}
    for post in posts:
        now = shown(rig.sender.card_now(post.activity_id))
        assert "Waiting for someone (1)" in now and expected in now
        assert drift not in [a["data"]["alert"] for a in actions(rig.sender.card_now(post.activity_id))
                             if a.get("verb") == "alert.ack"]


async def test_a_burst_of_changes_is_one_update_per_copy(rig: Rig):
    _, _, posts = await held_overnight(rig)
    rig.clock.advance(timedelta(minutes=2))

    await rig.fire(notice("drift", status=SourceStatus.RESOLVED), notice("disk", status=SourceStatus.RESOLVED))
    await rig.tick(timedelta(seconds=5))

    assert digest_updates(rig, posts) == {ALICE_CHAT: 1, CHANNEL: 1}
    for post in posts:
        assert "Nothing is waiting" in shown(rig.sender.card_now(post.activity_id))
    assert await rig.service.next_due(rig.clock()) is None


async def test_a_change_the_service_did_not_pass_on_reaches_the_digest_with_the_timer(both_rig: Rig):
    rig = both_rig
    drift, _, posts = await held_overnight(rig)
    rig.clock.advance(timedelta(minutes=3))
    async with rig.alerts.transaction() as work:  # stored, then the service stopped
        locked = await work.lock(drift)
        await work.save(locked, locked.alert.acknowledge(rig.clock(), BOB), None)
    await rig.settle()
    assert digest_updates(rig, posts) == {ALICE_CHAT: 0, CHANNEL: 0}
    assert await rig.service.next_due(rig.clock()) <= rig.clock()

    await rig.tick()

    assert digest_updates(rig, posts) == {ALICE_CHAT: 1, CHANNEL: 1}
    for post in posts:
        assert "✔ Acknowledged by Bob Smith at Wed 4 Mar 09:03" in shown(rig.sender.card_now(post.activity_id))
