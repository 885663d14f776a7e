"""Escalation: which step is due when, acknowledgement, snooze and repeats."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.alerts.model import Alert
from bot.alerts.policy import (
    DEFAULT_POLICY,
    EscalationPlan,
    EscalationPolicy,
    EscalationStep,
    Mention,
    StepKind,
    next_step,
    plan,
)
from shared.rotation import ValidationError
from tests.alerts.builders import ALICE, BOB, T0, new_alert

MIN = timedelta(minutes=1)


def run(alert: Alert, policy: EscalationPolicy, until: datetime,
        events: dict[datetime, str] | None = None) -> tuple[list[tuple[int, str]], Alert]:
    """Drive the escalation like the service's timer does, on a fake clock: at each planned
    instant page what is due; `events` (minute offsets from T0 to an action) interleave a
    person's actions. Returns (minute, step) pages and the final alert."""
    pages: list[tuple[int, str]] = []
    pending = dict(events or {})
    clock = T0
    while clock <= until:
        if clock in pending:
            alert = _act(alert, pending.pop(clock), clock)
        if alert.snoozed_until is not None and clock >= alert.snoozed_until:
            alert = alert.unsnooze(clock)
        step = plan(alert, policy, clock)
        if step.due is not None:
            pages.append((int((clock - T0) / MIN), step.due.step.describe()))
            alert = alert.escalate(clock, step.due.step.describe())
            continue
        upcoming = [moment for moment in (step.next_at, *pending) if moment is not None and moment > clock]
        if not upcoming:
            break
        clock = min(upcoming)
    return pages, alert


def _act(alert: Alert, action: str, at: datetime) -> Alert:
    if action == "ack":
        return alert.acknowledge(at, ALICE)
    if action.startswith("snooze"):
        return alert.snooze(at, at + int(action.split()[1]) * MIN, BOB)
    raise AssertionError(action)


def at(minutes: int) -> datetime:
    return T0 + minutes * MIN


def test_the_default_policy_pages_primary_then_secondary_after_5_then_the_channel_after_10():
    pages, alert = run(new_alert(), DEFAULT_POLICY, at(120))
    assert pages == [(0, "the primary"), (5, "the secondary"), (15, "the channel (@tag)")]
    assert plan(alert, DEFAULT_POLICY, at(500)) == EscalationPlan(None, None)


@pytest.mark.parametrize(("moment", "due", "next_at"), [
    (0, "primary", 5),
    (3, None, 5),
])
def test_the_plan_says_what_is_due_and_when_the_next_step_is(moment, due, next_at):
    alert = new_alert() if moment == 0 else new_alert().escalate(T0, "alice")
    result = plan(alert, DEFAULT_POLICY, at(moment))
    assert (result.due and result.due.step.kind, result.next_at) == (due and StepKind(due), at(next_at))


def test_acknowledging_stops_the_escalation():
    pages, alert = run(new_alert(), DEFAULT_POLICY, at(120), {at(4): "ack"})
    assert pages == [(0, "the primary")]
    assert plan(alert, DEFAULT_POLICY, at(60)) == EscalationPlan(None, None)


def test_acknowledging_after_the_secondary_stops_before_the_channel():
    pages, _ = run(new_alert(), DEFAULT_POLICY, at(120), {at(7): "ack"})
    assert pages == [(0, "the primary"), (5, "the secondary")]


def test_a_snooze_pauses_then_restarts_from_the_primary():
    pages, _ = run(new_alert(), DEFAULT_POLICY, at(200), {at(7): "snooze 30"})
    assert pages == [(0, "the primary"), (5, "the secondary"),
                     (37, "the primary"), (42, "the secondary"), (52, "the channel (@tag)")]


def test_a_snoozed_alert_waits_for_its_end_then_the_primary_is_due():
    snoozed = new_alert().escalate(T0, "alice").snooze(at(1), at(31), BOB)
    assert plan(snoozed, DEFAULT_POLICY, at(30)) == EscalationPlan(None, at(31))
    woken = plan(snoozed, DEFAULT_POLICY, at(31))
    assert (woken.due.step.kind, woken.next_at) == (StepKind.PRIMARY, at(36))


def test_repeats_run_the_steps_again():
    policy = EscalationPolicy((EscalationStep(StepKind.PRIMARY, 5), EscalationStep(StepKind.SECONDARY, 10)),
                              repeat=2)
    pages, _ = run(new_alert(), policy, at(500))
    assert pages == [(0, "the primary"), (5, "the secondary"), (15, "the primary"), (20, "the secondary"),
                     (30, "the primary"), (35, "the secondary")]
    assert [policy.at_position(p).cycle for p in range(policy.positions)] == [0, 0, 1, 1, 2, 2]


def test_after_an_outage_the_overdue_step_is_paged_once_and_the_next_waits_its_full_time():
    alert = new_alert().escalate(T0, "alice")
    late = plan(alert, DEFAULT_POLICY, at(60))
    assert (late.due.step.kind, late.due.position, late.next_at) == (StepKind.SECONDARY, 1, at(70))
    after = alert.escalate(at(60), "bob")
    assert plan(after, DEFAULT_POLICY, at(61)) == EscalationPlan(None, at(70))


def test_held_acknowledged_and_resolved_alerts_do_not_escalate():
    for alert in (new_alert().hold(T0, at(600)), new_alert().acknowledge(T0, ALICE), new_alert().resolve(T0, ALICE)):
        assert plan(alert, DEFAULT_POLICY, at(10)) == EscalationPlan(None, None)


def test_a_named_person_and_a_team_mention():
    policy = EscalationPolicy((EscalationStep(StepKind.PRIMARY, 2),
                               EscalationStep(StepKind.PERSON, 3, person="Lead@Example.com"),
                               EscalationStep(StepKind.CHANNEL, 0, mention=Mention.TEAM)))
    pages, _ = run(new_alert(), policy, at(60))
    assert pages == [(0, "the primary"), (2, "lead@example.com"), (5, "the channel (@team)")]


def test_the_escalate_button_pages_the_next_step_until_nobody_is_left():
    alert = new_alert().escalate(T0, "alice")
    assert next_step(alert, DEFAULT_POLICY).step.kind is StepKind.SECONDARY
    alert = alert.escalate(at(1), "bob", actor=ALICE).escalate(at(2), "channel", actor=ALICE)
    assert next_step(alert, DEFAULT_POLICY) is None
    assert next_step(new_alert().resolve(T0, ALICE), DEFAULT_POLICY) is None


@pytest.mark.parametrize(("build", "field"), [
    (lambda: EscalationStep(StepKind.PERSON, 5), "person"),
    (lambda: EscalationStep(StepKind.PRIMARY, 5, person=ALICE), "person"),
    (lambda: EscalationStep(StepKind.PRIMARY, -1), "wait_minutes"),
    (lambda: EscalationStep(StepKind.PRIMARY, 1441), "wait_minutes"),
    (lambda: EscalationStep(StepKind.PRIMARY, 5.5), "wait_minutes"),
    (lambda: EscalationStep("pager", 5), "steps"),
    (lambda: EscalationPolicy(()), "steps"),
    (lambda: EscalationPolicy((EscalationStep(StepKind.PRIMARY, 5),) * 11), "steps"),
    (lambda: EscalationPolicy((EscalationStep(StepKind.PRIMARY, 5),), repeat=10), "repeat"),
    (lambda: EscalationPolicy((EscalationStep(StepKind.PRIMARY, 0),), repeat=1), "repeat"),
])
def test_an_invalid_policy_names_the_field_to_fix(build, field):
    with pytest.raises(ValidationError) as error:
        build()
    assert error.value.field == field
