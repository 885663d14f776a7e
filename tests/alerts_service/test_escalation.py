"""Escalation and business hours with a clock that moves only when told: primary, then
secondary, then the channel; held at night and delivered as one digest in the morning;
and all of it carried on by a new service after the old one died mid-way."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.alerts.model import AlertState, EventKind, Severity, SourceStatus
from tests.alerts_service.conftest import (
    ACTOR,
    ALICE_CHAT,
    BOB_CHAT,
    CHANNEL,
    MORNING,
    NIGHT,
    OFFICE,
    ROTATION,
    Rig,
    notice,
    start_rig,
)
from tests.cards.reading import shown



async def test_unacknowledged_it_goes_to_the_secondary_then_to_the_channel(rig: Rig):
    [fired] = await rig.fire(notice())
    await rig.tick(timedelta(minutes=4, seconds=59))
    assert rig.sender.posts(BOB_CHAT) == []

    await rig.tick(timedelta(seconds=1))
    [to_bob] = rig.sender.posts(BOB_CHAT)
    assert "You are the secondary of data-platform." in shown(to_bob.message.card)

    await rig.tick(timedelta(minutes=10))
    first, mention = rig.sender.posts(CHANNEL)
    assert mention.message.thread_of == first.activity_id
    assert mention.message.text == "@Alice Martin @Bob Smith: this alert is still not acknowledged after 15 minutes."
    assert {m.email for m in mention.message.mentions} == {"alice@example.com", "bob@example.com"}
    alert = await rig.alert(fired.alert_id)
    assert [e.detail for e in alert.timeline if e.kind is EventKind.ESCALATED] == [
        "the secondary, Bob Smith", "the channel (@tag)"]


async def test_an_acknowledged_alert_stops_escalating(rig: Rig):
    [fired] = await rig.fire(notice())
    await rig.service.apply(fired.alert_id, "ack", "alice@example.com")
    await rig.tick(timedelta(hours=2))

    assert rig.sender.posts(BOB_CHAT) == [] and len(rig.sender.posts(CHANNEL)) == 1
    assert await rig.service.next_due(rig.clock()) is None


async def test_a_restart_mid_escalation_carries_on_and_sends_nothing_twice(both_rig: Rig, database_url, clock,
                                                                          sender):
    rig = both_rig
    [fired] = await rig.fire(notice())
    rig.clock.advance(timedelta(minutes=5))
    await rig.store.close()  # the service dies without running its timers or background work

    later = await start_rig(database_url, clock, sender, seeded=True)
    try:
        assert await later.service.next_due(clock()) <= clock()
        await later.tick()
        await later.tick(timedelta(minutes=10))
        await later.tick(timedelta(minutes=30))
    finally:
        await later.store.close()

    assert len(sender.posts(ALICE_CHAT)) == 1 and len(sender.posts(BOB_CHAT)) == 1
    assert len(sender.posts(CHANNEL)) == 2
    assert len(sender.keys()) == len(set(sender.keys()))


async def test_at_night_a_warning_waits_for_the_morning_digest(both_rig: Rig, database_url, clock, sender):
    rig = both_rig
    await rig.service.set_settings(ROTATION, OFFICE, ACTOR)
    clock.now = NIGHT
    [drift] = await rig.fire(notice("drift", severity=Severity.WARNING, title="Feature drift on churn model"))
    [disk] = await rig.fire(notice("disk", severity=Severity.WARNING, title="Disk 91% full on db1"))
    [page] = await rig.fire(notice("etl", severity=Severity.CRITICAL))
    await rig.service.apply(page.alert_id, "ack", "alice@example.com")
    clock.advance(timedelta(hours=3))
    await rig.fire(notice("disk", status=SourceStatus.RESOLVED))
    await rig.tick()

    assert (await rig.alert(drift.alert_id)).state is AlertState.HELD
    assert len(rig.sender.posts(ALICE_CHAT)) == 1  # only the critical one paged at night
    assert await rig.service.next_due(clock()) == MORNING
    await rig.store.close()

    morning = await start_rig(database_url, clock, sender, seeded=True)
    try:
        await morning.tick(MORNING - clock())
        digest = [s for s in sender.posts(ALICE_CHAT) if s.message.idempotency_key.startswith("digest:")]
        in_channel = [s for s in sender.posts(CHANNEL) if s.message.idempotency_key.startswith("digest:")]
        assert len(digest) == 1 and len(in_channel) == 1
        text = shown(digest[0].message.card)
        assert "Waiting for someone (1)\n● WARNING\nFeature drift on churn model" in text
        assert "Disk 91% full on db1 (since 23:30)\n✔ Resolved by the source at Wed 4 Mar 02:30" in text
        drifted = await morning.alert(drift.alert_id)
        assert drifted.state is AlertState.TRIGGERED and drifted.escalation_step == 1
        await morning.tick(timedelta(minutes=5))
        assert "Feature drift on churn model" in shown(sender.posts(BOB_CHAT)[-1].message.card)
    finally:
        await morning.store.close()


CLOSING = datetime(2026, 3, 3, 16, 58, tzinfo=timezone.utc)  # 17:58 in Paris, two minutes before closing


async def test_a_warning_paged_before_closing_climbs_no_further_until_the_morning(rig: Rig, clock):
    await rig.service.set_settings(ROTATION, OFFICE, ACTOR)
    clock.now = CLOSING
    [drift] = await rig.fire(notice("drift", severity=Severity.WARNING, title="Feature drift on churn model"))
    await rig.tick(timedelta(minutes=5))

    assert len(rig.sender.posts(ALICE_CHAT)) == 1 and rig.sender.posts(BOB_CHAT) == []
    assert await rig.service.next_due(clock()) == MORNING

    await rig.tick(MORNING - clock())
    assert "Feature drift on churn model" in shown(rig.sender.posts(BOB_CHAT)[-1].message.card)


async def test_a_warning_snoozed_before_closing_does_not_come_back_at_night(rig: Rig, clock):
    await rig.service.set_settings(ROTATION, OFFICE, ACTOR)
    clock.now = CLOSING
    [drift] = await rig.fire(notice("drift", severity=Severity.WARNING))
    await rig.service.apply(drift.alert_id, "snooze", "alice@example.com", until="2h")
    await rig.settle()
    before = len(rig.sender.keys())

    await rig.tick(timedelta(hours=2, minutes=1))
    assert len(rig.sender.keys()) == before
    assert (await rig.alert(drift.alert_id)).state is AlertState.SNOOZED

    await rig.tick(MORNING - clock())
    assert (await rig.alert(drift.alert_id)).state is AlertState.TRIGGERED
    assert len(rig.sender.posts(ALICE_CHAT)) == 2


async def test_a_held_warning_that_comes_back_critical_pages_at_once(rig: Rig, clock):
    await rig.service.set_settings(ROTATION, OFFICE, ACTOR)
    clock.now = NIGHT
    [held] = await rig.fire(notice("disk", severity=Severity.WARNING, title="Disk 91% full on db1"))
    assert rig.sender.posts(ALICE_CHAT) == []

    [again] = await rig.fire(notice("disk", severity=Severity.CRITICAL, title="Disk 99% full on db1"))
    await rig.tick()

    alert = await rig.alert(held.alert_id)
    assert again.alert_id == held.alert_id
    assert alert.state is AlertState.TRIGGERED and alert.held_until is None
    assert [e.kind for e in alert.timeline][-2:] == [EventKind.RELEASED, EventKind.NOTIFIED]
    assert "Disk 99% full on db1" in shown(rig.sender.posts(ALICE_CHAT)[-1].message.card)
