"""Escalation and business hours with a clock that moves only when told: primary, then
secondary, then the channel (@mentioning the rotation's tag, the people on duty or the
whole rotation, and saying so when Teams can notify nobody); held at night and delivered
as one digest in the morning; and all of it carried on by a new service after the old
one died mid-way."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.alerts.model import Alert, AlertState, EventKind, IntegrationKind, Severity, SourceStatus
from bot.alerts.policy import EscalationPolicy, EscalationStep, Mention, StepKind
from bot.alerts.settings import AlertSettings
from bot.conversations import ConversationKind, MentionKind, OutgoingMessage
from bot.storage import Person
from bot.storage.alerts import Integration
from bot.storage.outbox import TagStateStore
from tests.alerts_service.conftest import (
    ACTOR,
    ALICE,
    ALICE_CHAT,
    BOB,
    BOB_CHAT,
    CAROL,
    CHANNEL,
    DAN,
    MORNING,
    NIGHT,
    OFFICE,
    ROTATION,
    START,
    Rig,
    conversation,
    notice,
    rotation,
    start_rig,
)
from tests.cards.reading import shown

#: The group id of the team whose channel is bound, and the id Graph gave the rotation's tag there.
TEAM_GROUP = "53c53217-fe77-4383-bc5a-ed4937a1aecd"
TAG_ID = "MjQzMmI1N2ItMGFiZC00M2RiLWFhN2ItMTZlYWRkMTE1ZDM0IyNkYXRhLXBsYXRmb3JtLW9uY2FsbA=="
TAG_NAME = "data-platform-oncall"


async def tag_synced(rig: Rig, *, members: frozenset[str] = frozenset({"oid-alice", "oid-bob"})) -> None:
    """The bound channel's team is known, and the tag sync left the rotation's tag there."""
    await rig.teams.save_conversation(replace(conversation(CHANNEL, ConversationKind.CHANNEL),
                                              team_aad_group_id=TEAM_GROUP, tenant_id="tenant"))
    await TagStateStore(rig.engine).record_success((ROTATION, TEAM_GROUP), tag_name=TAG_NAME, tag_id=TAG_ID,
                                                   members=members, unknown_people=(), now=START)


async def to_the_channel(rig: Rig, *, integration: Integration | None = None) -> tuple[Alert, OutgoingMessage]:
    """Fire an alert nobody acknowledges until the channel step; its post in the thread."""
    integration = integration or rig.integration
    [fired] = await rig.service.receive(integration, [notice()])
    await rig.settle()
    await rig.tick(timedelta(minutes=5))
    await rig.tick(timedelta(minutes=10))
    alert = await rig.alert(fired.alert_id)
    [channel] = [c.key for c in await rig.teams.channel_conversations_for(integration.rotation)]
    first, mention = rig.sender.posts(channel)
    assert mention.message.thread_of == first.activity_id
    return alert, mention.message


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
    assert [(m.kind, m.teams_id) for m in mention.message.mentions] == [
        (MentionKind.PERSON, "29:alice"), (MentionKind.PERSON, "29:bob")]
    alert = await rig.alert(fired.alert_id)
    assert [e.detail for e in alert.timeline if e.kind is EventKind.ESCALATED] == [
        "the secondary, Bob Smith", "the channel (@Alice Martin, @Bob Smith)"]


async def test_the_channel_step_mentions_the_rotations_tag_once_the_tag_sync_made_it(rig: Rig):
    await tag_synced(rig)

    alert, message = await to_the_channel(rig)

    assert message.text == f"@{TAG_NAME}: this alert is still not acknowledged after 15 minutes."
    assert [(m.kind, m.teams_id, m.name, m.email) for m in message.mentions] == [
        (MentionKind.TAG, TAG_ID, TAG_NAME, None)]
    assert alert.timeline[-1].detail == f"the channel (@{TAG_NAME})"
    card = rig.sender.card_now(rig.sender.posts(ALICE_CHAT)[0].activity_id)
    assert f"escalated to the channel (@{TAG_NAME})" in shown(card)


async def test_a_tag_that_holds_nobody_is_not_mentioned(rig: Rig):
    await tag_synced(rig, members=frozenset())

    alert, message = await to_the_channel(rig)

    assert [(m.kind, m.email) for m in message.mentions] == [(MentionKind.PERSON, ALICE), (MentionKind.PERSON, BOB)]
    assert alert.timeline[-1].detail == "the channel (@Alice Martin, @Bob Smith)"


async def test_a_tag_graph_would_not_update_is_not_trusted_with_the_page(rig: Rig):
    await tag_synced(rig)
    await TagStateStore(rig.engine).record_failure((ROTATION, TEAM_GROUP), tag_name=TAG_NAME, reason="403 Forbidden",
                                                   failures=1, now=START, retry_at=START + timedelta(minutes=1))

    alert, message = await to_the_channel(rig)

    assert [(m.kind, m.email) for m in message.mentions] == [(MentionKind.PERSON, ALICE), (MentionKind.PERSON, BOB)]


async def test_a_team_step_mentions_everyone_in_the_rotation_even_where_the_tag_is(rig: Rig):
    await tag_synced(rig)
    policy = EscalationPolicy((EscalationStep(StepKind.PRIMARY, 5), EscalationStep(StepKind.SECONDARY, 10),
                               EscalationStep(StepKind.CHANNEL, 15, mention=Mention.TEAM)))
    await rig.service.set_settings(ROTATION, AlertSettings(policy=policy), ACTOR)

    alert, message = await to_the_channel(rig)

    assert message.text == ("@Alice Martin @Bob Smith @Carol Diaz: "
                            "this alert is still not acknowledged after 15 minutes.")
    assert [(m.kind, m.email) for m in message.mentions] == [
        (MentionKind.PERSON, ALICE), (MentionKind.PERSON, BOB), (MentionKind.PERSON, CAROL)]
    assert alert.timeline[-1].detail == "the channel (@Alice Martin, @Bob Smith, @Carol Diaz)"


async def other_rotation(rig: Rig, *members: str) -> Integration:
    """Another rotation, bound to a channel of its own, with its own webhook."""
    await rig.store.create_rotation(replace(rotation(), name="ml-platform", members=members), ACTOR)
    await rig.teams.save_conversation(conversation("ml-channel", ConversationKind.CHANNEL))
    await rig.teams.bind("ml-platform", "ml-channel", ACTOR)
    integration, _ = await rig.alerts.create_integration("ml-platform", IntegrationKind.ALERTMANAGER, "prom", ACTOR)
    return integration


async def test_someone_on_duty_whom_teams_cannot_notify_is_named_beside_the_mention(rig: Rig):
    await rig.store.upsert_person(Person("erin@example.com", display_name="Erin Park"))  # never used Rota
    integration = await other_rotation(rig, DAN, "erin@example.com")

    alert, message = await to_the_channel(rig, integration=integration)

    assert message.text == ("@Dan Okafor: this alert is still not acknowledged after 15 minutes. Erin Park "
                            "hasn't talked to Rota yet, so Teams can't notify them from here.")
    assert [(m.kind, m.email) for m in message.mentions] == [(MentionKind.PERSON, DAN)]
    assert alert.timeline[-1].detail == "the channel (@Dan Okafor)"


async def test_when_nobody_can_be_mentioned_the_message_says_so_instead_of_calling_everyone(rig: Rig):
    for email, name in (("erin@example.com", "Erin Park"), ("femi@example.com", "Femi Adeyemi")):
        await rig.store.upsert_person(Person(email, display_name=name))
    integration = await other_rotation(rig, "erin@example.com", "femi@example.com")

    alert, message = await to_the_channel(rig, integration=integration)

    assert message.mentions == ()
    assert message.text == ("This alert is still not acknowledged after 15 minutes, and nobody was @mentioned: "
                            "Erin Park and Femi Adeyemi haven't talked to Rota yet, so Teams can't notify them "
                            "from here. Please let them know.")
    assert alert.timeline[-1].detail == "the channel (nobody could be @mentioned)"


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
