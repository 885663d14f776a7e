"""Business hours across DST and weekends, hold-or-deliver, and the morning digest."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.alerts.model import AlertState, Severity
from bot.alerts.policy import DEFAULT_POLICY, StepKind, plan
from bot.alerts.urgency import (
    DEFAULT_URGENT,
    BusinessHours,
    DeliverNow,
    HoldUntil,
    UrgencyRules,
    digest,
    disposition,
    is_business_hours,
    next_business_start,
)
from shared.rotation import ValidationError
from tests.alerts.builders import ALICE, new_alert

PARIS = BusinessHours.parse("Europe/Paris")
NEW_YORK = BusinessHours.parse("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(("moment", "open_"), [
    (local("Europe/Paris", 2026, 3, 2, 8, 59), False),   # Monday, before 09:00
    (local("Europe/Paris", 2026, 3, 2, 9, 0), True),
    (local("Europe/Paris", 2026, 3, 2, 17, 59), True),
    (local("Europe/Paris", 2026, 3, 2, 18, 0), False),
    (local("Europe/Paris", 2026, 3, 7, 11, 0), False),   # Saturday
    (utc(2026, 3, 30, 7, 0), True),                       # Monday 09:00 CEST, the day after the change
    (utc(2026, 3, 30, 6, 59), False),
])
def test_business_hours_are_local_weekdays_and_times(moment, open_):
    assert is_business_hours(PARIS, moment) is open_


@pytest.mark.parametrize(("hours", "moment", "start"), [
    # Friday evening in Paris, Monday morning after the spring change: 09:00 CEST is 07:00 UTC.
    (PARIS, local("Europe/Paris", 2026, 3, 27, 19, 0), utc(2026, 3, 30, 7, 0)),
    # The Friday before the autumn change: 09:00 CET on Monday is 08:00 UTC.
    (PARIS, local("Europe/Paris", 2026, 10, 23, 18, 30), utc(2026, 10, 26, 8, 0)),
    # New York changes three weeks earlier: Monday 09:00 EDT is 13:00 UTC.
    (NEW_YORK, local("America/New_York", 2026, 3, 6, 18, 30), utc(2026, 3, 9, 13, 0)),
    (NEW_YORK, local("America/New_York", 2026, 10, 30, 23, 0), utc(2026, 11, 2, 14, 0)),
    # Before opening on a weekday: the same morning; at the opening itself: that instant.
    (PARIS, local("Europe/Paris", 2026, 3, 3, 6, 0), utc(2026, 3, 3, 8, 0)),
    (PARIS, utc(2026, 3, 3, 8, 0), utc(2026, 3, 3, 8, 0)),
    # During business hours: the next day's opening.
    (PARIS, local("Europe/Paris", 2026, 3, 3, 10, 0), utc(2026, 3, 4, 8, 0)),
    # Without business hours, it is always business hours.
    (None, utc(2026, 3, 7, 3, 0), utc(2026, 3, 7, 3, 0)),
])
def test_the_next_start_of_business_hours(hours, moment, start):
    assert next_business_start(hours, moment) == start


def test_a_start_time_skipped_by_dst_opens_as_the_rotation_engine_resolves_it():
    sunday_early = BusinessHours.parse("Europe/Paris", "sun", "02:30", "12:00")
    start = next_business_start(sunday_early, local("Europe/Paris", 2026, 3, 28, 23, 0))
    assert start == utc(2026, 3, 29, 1, 30)  # 03:30 CEST: 02:30 did not exist that night
    assert is_business_hours(sunday_early, start) and not is_business_hours(sunday_early, start - timedelta(seconds=1))


def test_an_ambiguous_start_time_opens_at_its_first_occurrence():
    sunday_early = BusinessHours.parse("America/New_York", "sun", "01:30", "12:00")
    assert next_business_start(sunday_early, utc(2026, 11, 1, 0, 0)) == utc(2026, 11, 1, 5, 30)  # 01:30 EDT


def test_hours_that_fall_inside_a_dst_gap_open_the_week_after():
    # Lord Howe Island moves its clocks 30 minutes: 02:00-02:30 did not exist on 2020-10-04.
    gap_only = BusinessHours.parse("Australia/Lord_Howe", "sun", "02:00", "02:30")
    opening = next_business_start(gap_only, local("Australia/Lord_Howe", 2020, 10, 1, 12, 0))
    assert opening.astimezone(ZoneInfo("Australia/Lord_Howe")) == local("Australia/Lord_Howe", 2020, 10, 11, 2, 0)


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York"])
@pytest.mark.parametrize("week_of", [utc(2026, 3, 6), utc(2026, 3, 26), utc(2026, 10, 23), utc(2026, 10, 30)])
def test_walking_a_dst_week_every_15_minutes_agrees_with_the_wall_clock(zone, week_of):
    hours = BusinessHours.parse(zone, "mon-fri", "09:00", "18:00")
    moments = [week_of + timedelta(minutes=15 * step) for step in range(4 * 24 * 10)]
    opened = [moment for moment in moments if is_business_hours(hours, moment)]
    for moment in moments:
        wall = moment.astimezone(ZoneInfo(zone))
        assert is_business_hours(hours, moment) == (wall.weekday() < 5 and 9 <= wall.hour < 18)
    for moment in moments[: 4 * 24 * 3]:
        if not is_business_hours(hours, moment):
            assert next_business_start(hours, moment) == min(m for m in opened if m > moment)


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(datetime(2020, 1, 1), datetime(2035, 1, 1), timezones=st.just(timezone.utc)),
       zone=st.sampled_from(["Europe/Paris", "America/New_York", "Australia/Sydney"]),
       days=st.sampled_from(["mon-fri", "sat", "sun", "mon,wed,fri", "mon-sun"]),
       start=st.sampled_from(["00:00", "02:30", "09:00", "23:00"]))
def test_the_next_start_is_an_opening_never_in_the_past_and_within_a_week(moment, zone, days, start):
    hours = BusinessHours.parse(zone, days, start, "23:30")
    opening = next_business_start(hours, moment)
    assert moment <= opening <= moment + timedelta(days=7, hours=2)
    assert is_business_hours(hours, opening)
    assert not is_business_hours(hours, opening - timedelta(microseconds=1))
    assert next_business_start(hours, opening) == opening


@pytest.mark.parametrize(("args", "field"), [
    (("Mars/Olympus",), "timezone"),
    (("Europe/Paris", "fri-mon"), "days"),
    (("Europe/Paris", "weekdays"), "days"),
    (("Europe/Paris", ""), "days"),
    (("Europe/Paris", "mon-fri", "9am"), "start"),
    (("Europe/Paris", "mon-fri", "18:00", "09:00"), "end"),
    (("Europe/Paris", "mon-fri", "09:00", "24:00"), "end"),
])
def test_invalid_business_hours_name_the_field_to_fix(args, field):
    with pytest.raises(ValidationError) as error:
        BusinessHours.parse(*args)
    assert error.value.field == field


def test_business_hours_read_as_people_write_them():
    hours = BusinessHours.parse("Europe/Paris", "mon-wed, fri", "08:30", "17:00")
    assert (hours.days, hours.start, hours.end) == (frozenset({0, 1, 2, 4}), time(8, 30), time(17, 0))
    assert hours.describe() == "Mon, Tue, Wed, Fri 08:30-17:00 (Europe/Paris)"


def test_urgency_rules_accept_severity_names_only():
    assert UrgencyRules(urgent={"critical"}).urgent == frozenset({Severity.CRITICAL})
    with pytest.raises(ValidationError) as error:
        UrgencyRules(urgent={"sev1"})
    assert error.value.field == "urgent"


SATURDAY_NIGHT = local("Europe/Paris", 2026, 3, 7, 3, 0)
MONDAY_NINE = utc(2026, 3, 9, 8, 0)


@pytest.mark.parametrize(("severity", "moment", "urgent", "expected"), [
    (Severity.CRITICAL, SATURDAY_NIGHT, DEFAULT_URGENT, DeliverNow()),
    (Severity.HIGH, SATURDAY_NIGHT, DEFAULT_URGENT, DeliverNow()),
    (Severity.WARNING, SATURDAY_NIGHT, DEFAULT_URGENT, HoldUntil(MONDAY_NINE)),
    (Severity.HIGH, SATURDAY_NIGHT, {Severity.CRITICAL}, HoldUntil(MONDAY_NINE)),
    (Severity.INFO, MONDAY_NINE, DEFAULT_URGENT, DeliverNow()),
])
def test_only_urgent_alerts_page_outside_business_hours(severity, moment, urgent, expected):
    assert disposition(new_alert(severity=severity), PARIS, urgent, moment) == expected


def test_without_business_hours_everything_is_delivered():
    assert disposition(new_alert(severity=Severity.INFO), None, DEFAULT_URGENT, SATURDAY_NIGHT) == DeliverNow()


def _held(key: str, severity: Severity = Severity.WARNING, until: datetime = MONDAY_NINE):
    return new_alert(SATURDAY_NIGHT, key=key, severity=severity).hold(SATURDAY_NIGHT, until)


def test_the_digest_lists_held_alerts_and_marks_those_settled_meanwhile():
    waiting_info, waiting_warning = _held("a", Severity.INFO), _held("b")
    resolved = _held("c").resolve_by_source(SATURDAY_NIGHT + timedelta(hours=2))
    acknowledged = _held("d").acknowledge(SATURDAY_NIGHT + timedelta(hours=3), ALICE)
    later, never_held = _held("e", until=MONDAY_NINE + timedelta(days=1)), new_alert(key="f")

    result = digest([waiting_info, waiting_warning, resolved, acknowledged, later, never_held], MONDAY_NINE)

    assert [a.dedup_key for a in result.waiting] == ["b", "a"]  # most severe first
    assert [a.dedup_key for a in result.resolved] == ["c"]
    assert [a.dedup_key for a in result.acknowledged] == ["d"]
    assert all(not alert.in_digest for alert in result.alerts)
    assert digest(result.alerts, MONDAY_NINE + timedelta(minutes=1)) is None  # never listed twice


def test_a_digested_alert_escalates_from_the_secondary_if_nobody_acknowledges():
    [alert] = digest([_held("a")], MONDAY_NINE).waiting
    assert alert.state is AlertState.TRIGGERED
    assert plan(alert, DEFAULT_POLICY, MONDAY_NINE + timedelta(minutes=4)).due is None
    due = plan(alert, DEFAULT_POLICY, MONDAY_NINE + timedelta(minutes=5)).due
    assert due.step.kind is StepKind.SECONDARY


def test_no_digest_before_business_hours():
    assert digest([_held("a")], MONDAY_NINE - timedelta(seconds=1)) is None
