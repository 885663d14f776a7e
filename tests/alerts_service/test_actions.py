"""The card's buttons: applied as the person who pressed them, answered with the refreshed
card, every other copy updated; people outside the rotation refused with the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.alerts.actions import AlertActions
from bot.alerts.model import AlertState, EventKind, Severity
from bot.conversations import ActionRouter, CardAction, ChatUser, ConversationKind
from tests.alerts_service.conftest import (
    ALICE,
    ALICE_CHAT,
    BOB,
    BOB_CHAT,
    CHANNEL,
    DAN,
    DAN_CHAT,
    MORNING,
    NIGHT,
    OFFICE,
    Rig,
    conversation,
    notice,
)
from tests.cards.reading import actions, shown


def press(rig: Rig, verb: str, alert_id: int, *, who: str | None, where: str = CHANNEL,
          activity: str | None = None, **data) -> CardAction:
    """A press as the Teams boundary hands it over: the verb only in `data`, as Teams may send it."""
    kind = ConversationKind.CHANNEL if where == CHANNEL else ConversationKind.PERSONAL
    user = ChatUser(teams_id=f"29:{who}", name=who, email=who, timezone="Europe/Paris")
    return CardAction(verb=None, data={"verb": verb, "alert": alert_id, **data}, user=user,
                      conversation=conversation(where, kind), activity_id=activity)


@pytest.fixture
def router(rig: Rig) -> ActionRouter:
    router = ActionRouter()
    router.register("alert.", AlertActions(rig.service))
    return router


async def test_a_member_acknowledges_from_the_channel_and_every_copy_says_so(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())
    [channel_post] = rig.sender.posts(CHANNEL)
    rig.clock.advance(timedelta(minutes=1))

    result = await router.dispatch(press(rig, "alert.ack", fired.alert_id, who=BOB,
                                         activity=channel_post.activity_id))
    await rig.settle()

    assert result.refused is None
    assert "✔ Acknowledged by Bob Smith at 11:01" in shown(result.card)
    assert [a["title"] for a in actions(result.card) if a["type"] == "Action.Execute"][:1] == ["Resolve"]
    [dm] = rig.sender.posts(ALICE_CHAT)
    assert "✔ Acknowledged by Bob Smith at 11:01" in shown(rig.sender.card_now(dm.activity_id))
    assert rig.sender.updates(CHANNEL) == []  # the pressed copy was refreshed by the answer itself
    alert = await rig.alert(fired.alert_id)
    assert (alert.state, alert.acknowledged_by, alert.timeline[-1].kind) == (AlertState.ACKNOWLEDGED, BOB,
                                                                            EventKind.ACKNOWLEDGED)
    [entry] = [e for e in await rig.store.audit_log("data-platform") if e.action == "alert.ack"]
    assert entry.actor == BOB


async def test_someone_outside_the_rotation_is_refused_and_nothing_changes(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())

    result = await router.dispatch(press(rig, "alert.resolve", fired.alert_id, who=DAN, where=DAN_CHAT))

    assert result.refused == "Only members of data-platform can act on its alerts; ask Alice Martin, who is on duty."
    assert (await rig.alert(fired.alert_id)).state is AlertState.TRIGGERED


async def test_a_press_without_a_known_person_or_alert_is_refused(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())

    unknown = await router.dispatch(press(rig, "alert.ack", fired.alert_id, who=None))
    missing = await router.dispatch(press(rig, "alert.ack", 999, who=ALICE))
    stale = await router.dispatch(press(rig, "alert.silence", fired.alert_id, who=ALICE))

    assert "could not tell who you are" in unknown.refused
    assert missing.refused == "This alert no longer exists (its rotation may have been deleted)."
    assert "does not name an alert action" in stale.refused


async def test_resolved_cards_lose_their_buttons_and_a_late_press_is_told_why(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())
    resolved = await router.dispatch(press(rig, "alert.resolve", fired.alert_id, who=ALICE, where=ALICE_CHAT))
    await rig.settle()

    late = await router.dispatch(press(rig, "alert.ack", fired.alert_id, who=BOB))

    assert actions(resolved.card) == []
    assert "✔ Resolved by Alice Martin at 11:00" in shown(rig.sender.card_now(rig.sender.posts(CHANNEL)[0].activity_id))
    assert late.refused.startswith("This alert was already resolved by alice@example.com at 2026-03-03 10:00 UTC")


async def test_a_snooze_quiets_the_alert_then_escalation_starts_over(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())
    result = await router.dispatch(press(rig, "alert.snooze", fired.alert_id, who=ALICE, where=ALICE_CHAT,
                                         until="30m"))
    assert "◔ Snoozed until 11:30 by Alice Martin" in shown(result.card)

    await rig.tick(timedelta(minutes=29))
    assert len(rig.sender.posts(ALICE_CHAT)) == 1 and rig.sender.posts(BOB_CHAT) == []
    await rig.tick(timedelta(minutes=1))

    assert len(rig.sender.posts(ALICE_CHAT)) == 2
    kinds = [e.kind for e in (await rig.alert(fired.alert_id)).timeline]
    assert kinds[-2:] == [EventKind.UNSNOOZED, EventKind.NOTIFIED]


async def test_until_business_hours_needs_business_hours(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())
    card = rig.sender.posts(ALICE_CHAT)[0].message.card
    choices = [a["data"].get("until") for a in actions(card) if a.get("verb") == "alert.snooze"]

    refused = await router.dispatch(press(rig, "alert.snooze", fired.alert_id, who=ALICE, until="business"))

    assert choices == ["30m", "2h"]
    assert refused.refused == "This rotation has no business hours; snooze for 30 minutes or 2 hours."


async def test_escalate_pages_the_next_step_at_once(rig: Rig, router: ActionRouter):
    [fired] = await rig.fire(notice())

    result = await router.dispatch(press(rig, "alert.escalate", fired.alert_id, who=ALICE, where=ALICE_CHAT))
    await rig.settle()

    assert "escalated to the secondary, Bob Smith" in shown(result.card)
    [to_bob] = rig.sender.posts(BOB_CHAT)
    assert "You are the secondary of data-platform." in shown(to_bob.message.card)
    last = (await rig.alert(fired.alert_id)).timeline[-1]
    assert (last.kind, last.actor, last.detail) == (EventKind.ESCALATED, ALICE, "the secondary, Bob Smith")


async def test_acknowledging_from_the_digest_refreshes_the_digest_everywhere(rig: Rig, router: ActionRouter):
    await rig.service.set_settings("data-platform", OFFICE, "test")
    rig.clock.now = NIGHT
    [held] = await rig.fire(notice(severity=Severity.WARNING))
    await rig.tick(MORNING - rig.clock())
    [mine] = rig.sender.posts(ALICE_CHAT)
    [theirs] = rig.sender.posts(CHANNEL)
    [button] = [a for a in actions(mine.message.card) if a.get("verb") == "alert.ack"]

    result = await router.dispatch(press(rig, "alert.ack", held.alert_id, who=ALICE, where=ALICE_CHAT,
                                         activity=mine.activity_id, digest=button["data"]["digest"]))
    await rig.tick()

    assert "Nothing is waiting" in shown(result.card)
    assert "✔ Acknowledged by Alice Martin at Wed 4 Mar 09:00" in shown(result.card)
    assert "Nothing is waiting" in shown(rig.sender.card_now(theirs.activity_id))
    assert rig.sender.updates(ALICE_CHAT) == []  # the pressed copy was refreshed by the answer itself
