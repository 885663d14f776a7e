"""The card buttons: ticking a checklist (in place, by members only) and writing a
post-mortem (checked, kept, editable)."""

from __future__ import annotations

from datetime import timedelta

from bot.alerts.model import Severity
from bot.conversations import ActionRouter, CardAction, ChatUser, ConversationKind, ConversationRecord
from bot.shifts import duties, postmortems
from bot.shifts.checklist import DutyRun
from bot.shifts.duties import DutyActions
from bot.shifts.postmortem import Postmortem
from bot.shifts.postmortems import PostmortemActions
from bot.shifts.routine import RoutineDuty
from shared.oncall import on_call
from tests.cards.reading import shown
from tests.shifts.conftest import ALICE, BOB, REPLAN, ROTATION, Rig, chat_of, firing, utc

OUTSIDER = "zoe@example.com"


def router(rig: Rig) -> ActionRouter:
    routes = ActionRouter()
    routes.register(duties.PREFIX, DutyActions(rig.services))
    routes.register(postmortems.PREFIX, PostmortemActions(rig.services))
    return routes


def press(verb: str, data: dict, email: str | None) -> CardAction:
    chat = ConversationRecord(key=chat_of(email or "x@y.z"), kind=ConversationKind.PERSONAL,
                              service_url="https://smba.test/", conversation_id="a:1")  # fmt: skip
    user = ChatUser(teams_id="29:someone", email=email, timezone="Europe/Paris")
    return CardAction(verb=verb, data={"verb": verb, **data}, user=user, conversation=chat)


async def a_run(rig: Rig) -> int:
    duty = RoutineDuty.parse("thu 18:00 Pre-prod push: build; smoke tests")
    run, _ = await rig.shifts.add_run(DutyRun(ROTATION, duty.title, duty.items, utc(2026, 3, 5, 17),
                                              utc(2026, 3, 9, 11), ALICE, "duty:push"))  # fmt: skip
    return run.id


async def test_a_member_ticks_and_unticks_and_the_card_comes_back_updated(rig: Rig) -> None:
    run = await a_run(rig)
    routes = router(rig)

    ticked = await routes.dispatch(press("duty.tick", {"run": run, "item": 1, "done": True}, BOB))
    assert "☑ smoke tests" in shown(ticked.card) and "ticked by Bob Smith" in shown(ticked.card)
    assert "1 of 2 left." in shown(ticked.card)
    again = await routes.dispatch(press("duty.tick", {"run": run, "item": 1, "done": True}, ALICE))
    assert "ticked by Bob Smith" in shown(again.card)
    undone = await routes.dispatch(press("duty.tick", {"run": run, "item": 1, "done": False}, ALICE))
    assert "2 of 2 left." in shown(undone.card)


async def test_a_tick_that_cannot_be_is_refused_with_the_reason(rig: Rig) -> None:
    run = await a_run(rig)
    routes = router(rig)

    refusals = [
        (await routes.dispatch(press("duty.tick", {"run": run, "item": 0}, OUTSIDER))).refused,
        (await routes.dispatch(press("duty.tick", {"run": run, "item": 5}, ALICE))).refused,
        (await routes.dispatch(press("duty.tick", {"run": 999, "item": 0}, ALICE))).refused,
        (await routes.dispatch(press("duty.tick", {"run": "1", "item": 0}, ALICE))).refused,
        (await routes.dispatch(press("duty.tick", {"run": run, "item": 0}, None))).refused,
    ]

    assert refusals == [
        "Only members of data-platform can tick its checklists.",
        "That item is not on this checklist: this checklist has items 1 to 2.",
        "This checklist no longer exists (its rotation may have been deleted).",
        "This button does not name a checklist item; the card may be out of date.",
        "I could not tell who you are from Teams; write to me once in a personal chat, then press the button again.",
    ]
    assert (await rig.shifts.run(run)).ticked == {}


async def test_a_post_mortem_is_checked_then_kept_and_can_be_changed(rig: Rig) -> None:
    stored = await rig.add_alert(firing("Orders ETL failed", utc(2026, 3, 3, 1)))
    await rig.shifts.ask(Postmortem(stored.id, ROTATION, "Orders ETL failed", ALICE, utc(2026, 3, 3, 3),
                                    f"postmortem:{stored.id}"))  # fmt: skip
    routes = router(rig)

    empty = await routes.dispatch(press("postmortem.submit", {"alert": stored.id, "summary": "  "}, ALICE))
    assert "Not saved. Write a sentence or two about what happened." in shown(empty.card)
    bad_link = await routes.dispatch(press("postmortem.submit", {"alert": stored.id, "summary": "Disk full.",
                                                                 "link": "wiki/pm"}, ALICE))  # fmt: skip
    assert "Not saved. Give the write-up's address, starting with https://." in shown(bad_link.card)
    assert [f.get("value") for f in bad_link.card["body"] if f["type"] == "Input.Text"] == ["Disk full.", "wiki/pm"]
    assert not (await rig.shifts.postmortem(stored.id)).submitted

    saved = await routes.dispatch(press("postmortem.submit", {"alert": stored.id, "summary": "Disk full.",
                                                              "link": "https://wiki.example.com/pm/1"}, BOB))  # fmt: skip
    assert "Saved by Bob Smith" in shown(saved.card)
    kept = await rig.shifts.postmortem(stored.id)
    assert (kept.summary, kept.link, kept.submitted_by) == ("Disk full.", "https://wiki.example.com/pm/1", BOB)
    refused = await routes.dispatch(press("postmortem.submit", {"alert": stored.id, "summary": "x"}, OUTSIDER))
    assert refused.refused == "Only members of data-platform can write its post-mortems."


async def test_critical_alerts_are_asked_about_once_of_whoever_handled_them(rig: Rig) -> None:
    now = rig.clock.now
    critical = await rig.add_alert(firing("Orders ETL failed", now))
    warning = await rig.add_alert(firing("Disk 85% full", now, Severity.WARNING))
    taken = await rig.add_alert(firing("Queue stuck", now))
    unattended = await rig.add_alert(firing("Cache cold", now))
    await rig.change_alert(critical, critical.alert.resolve(now, ALICE))
    await rig.change_alert(warning, warning.alert.resolve(now, ALICE))
    await rig.change_alert(taken, taken.alert.acknowledge(now, BOB).resolve_by_source(now))
    await rig.change_alert(unattended, unattended.alert.resolve_by_source(now))

    await rig.timers.poke(postmortems.SOURCE_NAME)
    await rig.run_until(rig.clock.now)
    await rig.timers.poke(postmortems.SOURCE_NAME)
    await rig.run_until(rig.clock.now)

    prompts = [key for key in rig.outbox.calls if key.startswith("postmortem:")]
    assert prompts == [f"postmortem:{critical.id}", f"postmortem:{taken.id}"]
    assert [(await rig.shifts.postmortem(a.id)).asked_of for a in (critical, taken)] == [ALICE, BOB]
    # nobody took the unattended one, and before the first handoff nobody was on duty to ask
    assert await rig.shifts.asked([unattended.id]) == set()
    assert rig.timers.planned(postmortems.SOURCE_NAME) == rig.clock.now + REPLAN


async def test_an_alert_nobody_took_is_asked_about_of_whoever_was_on_duty_when_it_ended(rig: Rig) -> None:
    rig.clock.advance(timedelta(days=2))
    now = rig.clock.now
    unattended = await rig.add_alert(firing("Cache cold", now))
    await rig.change_alert(unattended, unattended.alert.resolve_by_source(now))

    await rig.timers.poke(postmortems.SOURCE_NAME)
    await rig.run_until(rig.clock.now)

    on_duty = on_call(await rig.store.get_rotation(ROTATION), now).primary
    assert on_duty is not None and (await rig.shifts.postmortem(unattended.id)).asked_of == on_duty
    assert f"postmortem:{unattended.id}" in rig.outbox.calls
