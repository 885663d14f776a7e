"""Routine duties: the one-line grammar, and occurrences in the rotation's zone across DST."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.shifts.routine import DutySchedule, RoutineDuty, next_occurrence, occurrences
from shared.rotation import ValidationError

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("line", "days", "at", "title", "items"),
    [
        ("weekdays 16:00 Production rollout checklist", {0, 1, 2, 3, 4}, time(16), "Production rollout checklist", ()),
        ("thu 18:00 Pre-prod push", {3}, time(18), "Pre-prod push", ()),
        ("sat 09:00 Watch the release", {5}, time(9), "Watch the release", ()),
        ("Mon-Wed,Fri 7:05 Review nightly jobs: ETL; backups ;  ; exports", {0, 1, 2, 4}, time(7, 5),
         "Review nightly jobs", ("ETL", "backups", "exports")),
        ("daily 00:00 Rotate logs", set(range(7)), time(0), "Rotate logs", ()),
    ],
)
def test_a_line_reads_as_days_time_title_and_items(line, days, at, title, items) -> None:
    duty = RoutineDuty.parse(line)

    assert (duty.schedule.days, duty.schedule.at, duty.title, duty.items) == (days, at, title, items)
    assert RoutineDuty.parse(duty.line()) == duty


def test_the_shortest_day_names_are_written_back() -> None:
    assert RoutineDuty.parse("mon-fri 16:00 Rollout").line() == "weekdays 16:00 Rollout"
    assert RoutineDuty.parse("sat,sun 9:00 Watch").line() == "weekends 09:00 Watch"
    assert RoutineDuty.parse("mon,tue,wed,fri 9:00 Triage").line() == "mon-wed,fri 09:00 Triage"


@pytest.mark.parametrize(
    ("line", "field"),
    [("someday 16:00 Rollout", "days"), ("fri-mon 16:00 Rollout", "days"), ("thu 25:00 Push", "at"),
     ("thu 18:00", "duty"), ("thu 18:00 " + "x" * 201, "title"), ("thu 18:00 Push: " + "; ".join("abc" * 7), "items")],
)
def test_a_bad_line_names_the_part_to_fix(line: str, field: str) -> None:
    with pytest.raises(ValidationError) as refused:
        RoutineDuty.parse(line)
    assert refused.value.field == field


def test_occurrences_are_wall_clock_times_in_the_zone() -> None:
    rollout = RoutineDuty.parse("weekdays 16:00 Rollout")
    push = RoutineDuty.parse("thu 18:00 Pre-prod push")
    # Monday 2 March 2026 to Monday 9 March, Paris (UTC+1).
    found = occurrences([rollout, push], PARIS, utc(2026, 3, 2, 11), utc(2026, 3, 9, 11))

    assert [(o.duty.title, o.at.hour, o.at.day) for o in found] == [
        ("Rollout", 15, 2), ("Rollout", 15, 3), ("Rollout", 15, 4), ("Rollout", 15, 5), ("Pre-prod push", 17, 5),
        ("Rollout", 15, 6),
    ]


def test_the_next_occurrence_is_strictly_after_and_follows_summer_time() -> None:
    duties = [RoutineDuty.parse("sat 09:00 Watch the release")]
    # Saturday 28 March 09:00 is winter time; the next Saturday is summer time in Paris.
    first = next_occurrence(duties, PARIS, utc(2026, 3, 27, 12))

    assert first == utc(2026, 3, 28, 8)
    assert next_occurrence(duties, PARIS, first) == utc(2026, 4, 4, 7)


@pytest.mark.parametrize(
    ("zone", "night", "at", "expected"),
    [
        # Spring forward: 02:30 does not exist; it happens when the wall clock would have said 02:30 (03:30 new time).
        (PARIS, datetime(2026, 3, 29), "02:30", [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]),
        # Fall back: 02:30 happens twice; the duty falls due once, at the first.
        (PARIS, datetime(2026, 10, 25), "02:30", [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]),
        (NEW_YORK, datetime(2026, 3, 8), "02:30", [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)]),
        # New York repeats 01:00-02:00.
        (NEW_YORK, datetime(2026, 11, 1), "01:30", [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30),
                                                    utc(2026, 11, 2, 6, 30)]),
    ],
)
def test_a_duty_at_a_time_dst_skips_or_repeats_falls_due_once_a_day(zone, night, at, expected) -> None:
    schedule = DutySchedule.parse("daily", at)
    start = datetime.combine(night.date() - timedelta(days=1), time()).replace(tzinfo=zone)

    assert schedule.occurrences(zone, start, start + timedelta(days=3)) == expected


def test_walking_across_dst_in_minute_steps_finds_every_occurrence_once() -> None:
    """From each minute of a DST week, the next occurrence is the first one of the list
    after it: no instant is skipped, none found twice."""
    schedule = DutySchedule.parse("daily", "02:30")
    start, end = utc(2026, 3, 27), utc(2026, 4, 1)
    listed = schedule.occurrences(PARIS, start, end + timedelta(days=2))
    seen = set()
    instant = start
    while instant < end:
        following = schedule.next_after(PARIS, instant)
        assert following == next(t for t in listed if t > instant)
        seen.add(following)
        instant += timedelta(minutes=7)
    assert sorted(seen) == [t for t in listed if start < t <= schedule.next_after(PARIS, end - timedelta(minutes=7))]
