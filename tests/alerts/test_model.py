"""The alert value: severity spellings, transitions, validation, JSON, and intake dedup."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.alerts.model import (
    Alert,
    AlertState,
    AlertStateError,
    EventKind,
    IntegrationKind,
    Link,
    Outcome,
    Severity,
    SourceStatus,
    intake,
)
from shared.rotation import ValidationError
from tests.alerts.builders import ALICE, BOB, T0, new_alert, notice

MIN = timedelta(minutes=1)


@pytest.mark.parametrize(("sent", "severity"), [
    ("critical", Severity.CRITICAL), ("CRITICAL", Severity.CRITICAL), ("page", Severity.CRITICAL),
    ("P1", Severity.CRITICAL), ("sev-1", Severity.CRITICAL), (1, Severity.CRITICAL),
    ("error", Severity.HIGH), ("High", Severity.HIGH), ("major", Severity.HIGH), ("P2", Severity.HIGH),
    ("warning", Severity.WARNING), ("warn", Severity.WARNING), ("P3", Severity.WARNING),
    ("info", Severity.INFO), ("low", Severity.INFO), ("P5", Severity.INFO), ("none", Severity.INFO),
    (None, Severity.WARNING), ("banana", Severity.WARNING), (True, Severity.WARNING), (10**40, Severity.WARNING),
])
def test_severity_is_read_from_what_sources_send(sent, severity):
    assert Severity.normalize(sent) is severity


def test_an_unknown_severity_can_default_to_something_else():
    assert Severity.normalize("banana", default=Severity.HIGH) is Severity.HIGH


def test_a_new_alert_is_triggered_with_one_sighting_and_a_created_event():
    alert = new_alert()
    assert alert.state is AlertState.TRIGGERED
    assert (alert.count, alert.last_seen, alert.starts_at, alert.escalation_step) == (1, T0, T0, 0)
    assert [event.kind for event in alert.timeline] == [EventKind.CREATED]
    assert alert.timeline[0].detail == "from alertmanager"


def test_a_repeat_counts_and_takes_the_newest_content_in_one_timeline_entry():
    alert = new_alert()
    for minutes in (1, 2, 3):
        alert = alert.repeat(T0 + minutes * MIN, notice(title="Disk full on db1", severity=Severity.HIGH))
    assert (alert.count, alert.last_seen) == (4, T0 + 3 * MIN)
    assert (alert.title, alert.severity) == ("Disk full on db1", Severity.HIGH)
    assert [event.kind for event in alert.timeline] == [EventKind.CREATED, EventKind.REPEATED]
    assert alert.timeline[-1].detail == "seen 4 times"


def test_a_repeat_must_carry_the_same_key():
    with pytest.raises(ValidationError) as error:
        new_alert().repeat(T0 + MIN, notice(key="other"))
    assert error.value.field == "dedup_key"


def test_acknowledging_records_who_and_when():
    alert = new_alert().acknowledge(T0 + 2 * MIN, "Alice@Example.com")
    assert alert.state is AlertState.ACKNOWLEDGED
    assert (alert.acknowledged_by, alert.acknowledged_at) == (ALICE, T0 + 2 * MIN)
    assert alert.timeline[-1].kind is EventKind.ACKNOWLEDGED and alert.timeline[-1].actor == ALICE


def test_a_resolved_alert_cannot_be_acknowledged_and_says_why():
    alert = new_alert().resolve(T0 + MIN, BOB)
    with pytest.raises(AlertStateError) as error:
        alert.acknowledge(T0 + 2 * MIN, ALICE)
    assert error.value.action == "acknowledge" and error.value.state is AlertState.RESOLVED
    assert str(error.value) == ("This alert was already resolved by bob@example.com at 2026-03-02 10:01 UTC; "
                                "there is nothing left to acknowledge.")


def test_a_second_acknowledgement_names_the_first_person():
    alert = new_alert().acknowledge(T0 + MIN, ALICE)
    with pytest.raises(AlertStateError, match="alice@example.com already acknowledged this alert at 2026-03-02 10:01"):
        alert.acknowledge(T0 + 2 * MIN, BOB)


def test_an_alert_resolved_by_its_source_says_so():
    alert = new_alert().resolve_by_source(T0 + 4 * MIN)
    assert alert.state is AlertState.RESOLVED and alert.resolved_by_source
    assert alert.source_status is SourceStatus.RESOLVED and alert.resolved_at == T0 + 4 * MIN
    with pytest.raises(AlertStateError, match="already resolved by its source"):
        alert.resolve(T0 + 5 * MIN, ALICE)


def test_a_repeated_resolved_notice_changes_nothing():
    alert = new_alert().resolve_by_source(T0 + MIN)
    assert alert.resolve_by_source(T0 + 2 * MIN) == alert


def test_the_source_resolving_after_a_person_is_recorded_without_changing_who_resolved():
    alert = new_alert().resolve(T0 + MIN, ALICE).resolve_by_source(T0 + 3 * MIN)
    assert (alert.resolved_by, alert.resolved_at) == (ALICE, T0 + MIN)
    assert [event.kind for event in alert.timeline][-2:] == [EventKind.RESOLVED, EventKind.RESOLVED_BY_SOURCE]


def test_snoozing_pauses_and_unsnoozing_restarts_the_escalation():
    alert = new_alert().escalate(T0, "alice@example.com").escalate(T0 + 5 * MIN, "bob@example.com")
    snoozed = alert.snooze(T0 + 6 * MIN, T0 + 36 * MIN, BOB)
    assert (snoozed.state, snoozed.snoozed_until) == (AlertState.SNOOZED, T0 + 36 * MIN)
    assert snoozed.timeline[-1].detail == "until 2026-03-02T10:36:00+00:00"
    woken = snoozed.unsnooze(T0 + 36 * MIN)
    assert (woken.state, woken.snoozed_until, woken.escalation_step) == (AlertState.TRIGGERED, None, 0)
    assert woken.escalation_since == T0 + 36 * MIN


@pytest.mark.parametrize("until", [T0, T0 - MIN, T0 + timedelta(days=31)])
def test_a_snooze_must_end_in_the_near_future(until):
    with pytest.raises(ValidationError) as error:
        new_alert().snooze(T0, until, ALICE)
    assert error.value.field == "until"


def test_a_held_alert_is_not_snoozed():
    held = new_alert().hold(T0, T0 + timedelta(hours=9))
    with pytest.raises(AlertStateError, match="held until 2026-03-02 19:00 UTC"):
        held.snooze(T0, T0 + 30 * MIN, ALICE)


def test_the_first_page_is_a_notification_and_later_ones_escalations():
    alert = new_alert().escalate(T0, "alice@example.com (primary)")
    alert = alert.escalate(T0 + 5 * MIN, "bob@example.com (secondary)")
    assert [(event.kind, event.detail) for event in alert.timeline[1:]] == [
        (EventKind.NOTIFIED, "alice@example.com (primary)"),
        (EventKind.ESCALATED, "bob@example.com (secondary)"),
    ]
    assert (alert.escalation_step, alert.escalation_since) == (2, T0 + 5 * MIN)


def test_rota_does_not_escalate_an_acknowledged_alert_but_a_person_may():
    acknowledged = new_alert().escalate(T0, "alice").acknowledge(T0 + MIN, ALICE)
    with pytest.raises(AlertStateError):
        acknowledged.escalate(T0 + 5 * MIN, "bob")
    escalated = acknowledged.escalate(T0 + 2 * MIN, "bob", actor=ALICE)
    assert escalated.state is AlertState.TRIGGERED and escalated.acknowledged_by is None
    assert escalated.timeline[-1].actor == ALICE


def test_escalating_a_held_alert_by_hand_takes_it_out_of_the_digest():
    held = new_alert().hold(T0, T0 + timedelta(hours=9))
    escalated = held.escalate(T0 + MIN, "alice", actor=BOB)
    assert (escalated.state, escalated.held_until, escalated.in_digest) == (AlertState.TRIGGERED, None, False)


def test_only_a_fresh_alert_can_be_held():
    with pytest.raises(AlertStateError):
        new_alert().escalate(T0, "alice").hold(T0, T0 + timedelta(hours=9))


def test_a_digested_held_alert_counts_the_digest_as_its_first_page():
    alert = new_alert().hold(T0, T0 + timedelta(hours=9)).digested(T0 + timedelta(hours=9))
    assert (alert.state, alert.held_until, alert.escalation_step) == (AlertState.TRIGGERED, None, 1)
    assert alert.timeline[-1].kind is EventKind.DIGESTED


def test_an_alert_remembers_when_the_digest_that_lists_it_was_delivered():
    held = new_alert().hold(T0, T0 + timedelta(hours=9))
    listed = held.digested(T0 + timedelta(hours=9)).acknowledge(T0 + timedelta(hours=10), BOB)

    assert (new_alert().digested_at, held.digested_at) == (None, None)
    assert listed.digested_at == T0 + timedelta(hours=9)
    assert Alert.from_dict(json.loads(json.dumps(listed.to_dict()))).digested_at == T0 + timedelta(hours=9)


def test_a_released_alert_stops_waiting_and_escalates_from_the_first_step():
    released = new_alert().hold(T0, T0 + timedelta(hours=9)).release(T0 + MIN)
    assert (released.state, released.held_until, released.escalation_step) == (AlertState.TRIGGERED, None, 0)
    assert released.escalation_since == T0 + MIN and released.timeline[-1].kind is EventKind.RELEASED
    with pytest.raises(AlertStateError):
        released.release(T0 + 2 * MIN)


@pytest.mark.parametrize(("changes", "field"), [
    ({"title": "  "}, "title"),
    ({"title": "x" * 501}, "title"),
    ({"dedup_key": ""}, "dedup_key"),
    ({"rotation": "Not A Name"}, "rotation"),
    ({"severity": "dreadful"}, "severity"),
    ({"count": 0}, "count"),
    ({"escalation_step": -1}, "escalation_step"),
    ({"id": 0}, "id"),
    ({"state": AlertState.ACKNOWLEDGED}, "acknowledged_by"),
    ({"state": AlertState.SNOOZED}, "snoozed_until"),
    ({"labels": {"team": 7}}, "labels.team"),
    ({"labels": {"team": "a\x00b"}}, "labels.team"),
    ({"description": "\ud800"}, "description"),
    ({"last_seen": T0.replace(tzinfo=None)}, "last_seen"),
])
def test_an_invalid_alert_names_the_field_to_fix(changes, field):
    data = {**new_alert().__dict__, **changes}
    with pytest.raises(ValidationError) as error:
        Alert(**data)
    assert error.value.field == field


def test_links_open_only_http_urls():
    with pytest.raises(ValidationError) as error:
        Link("Runbook", "javascript:alert(1)")
    assert error.value.field == "links.Runbook"


def test_an_alert_survives_a_trip_through_json():
    alert = new_alert().escalate(T0, "alice").snooze(T0 + MIN, T0 + 31 * MIN, BOB).unsnooze(T0 + 31 * MIN)
    alert = alert.acknowledge(T0 + 32 * MIN, ALICE).resolve(T0 + 40 * MIN, ALICE)
    text = json.dumps(alert.to_dict())
    assert Alert.from_dict(json.loads(text)) == alert


def test_a_stored_alert_with_a_bad_instant_is_refused_with_its_field():
    data = new_alert().to_dict() | {"last_seen": "yesterday"}
    with pytest.raises(ValidationError) as error:
        Alert.from_dict(data)
    assert error.value.field == "last_seen"


def _intake(latest, incoming, at=T0 + MIN):
    return intake(latest, incoming, rotation="data-platform", integration=IntegrationKind.ALERTMANAGER, at=at)


def test_intake_opens_a_new_alert_for_a_new_key():
    result = _intake(None, notice())
    assert result.outcome is Outcome.CREATED and result.alert.dedup_key == "disk-full-db1"


def test_intake_repeats_an_open_alert_instead_of_paging_again():
    result = _intake(new_alert(), notice())
    assert result.outcome is Outcome.REPEATED and result.alert.count == 2


def test_intake_resolves_an_open_alert_when_the_source_does():
    result = _intake(new_alert().acknowledge(T0, ALICE), notice(status=SourceStatus.RESOLVED))
    assert result.outcome is Outcome.RESOLVED and result.alert.resolved_by_source


def test_intake_ignores_a_resolved_notice_for_nothing_open():
    assert _intake(None, notice(status=SourceStatus.RESOLVED)).outcome is Outcome.IGNORED
    done = new_alert().resolve_by_source(T0)
    assert _intake(done, notice(status=SourceStatus.RESOLVED)).outcome is Outcome.IGNORED


def test_intake_does_not_reopen_what_a_person_resolved_in_the_same_firing_episode():
    resolved_by_hand = new_alert().resolve(T0, ALICE)
    assert _intake(resolved_by_hand, notice()).outcome is Outcome.IGNORED
    later_episode = _intake(resolved_by_hand, notice(starts_at=T0 + timedelta(hours=2)))
    assert later_episode.outcome is Outcome.CREATED and later_episode.alert.count == 1


def test_intake_reopens_after_the_source_resolved():
    result = _intake(new_alert().resolve_by_source(T0), notice())
    assert result.outcome is Outcome.CREATED


def test_intake_notes_the_source_agreeing_with_a_person_who_resolved():
    result = _intake(new_alert().resolve(T0, ALICE), notice(status=SourceStatus.RESOLVED))
    assert result.outcome is Outcome.RESOLVED
    assert result.alert.timeline[-1].kind is EventKind.RESOLVED_BY_SOURCE
