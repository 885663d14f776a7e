"""Calendar feeds from engine segments, without a server: what a calendar app will show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from icalendar import Calendar

from bot import ics
from shared.oncall import shifts
from shared.rotation import Rotation, Secondary, ShiftLength, TimeOff

NOW = datetime(2026, 3, 20, 10, 30, tzinfo=timezone.utc)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def daily(**changes: object) -> Rotation:
    values: dict = {
        "name": "ops",
        "timezone": "America/New_York",
        "shift": ShiftLength.parse("1d"),
        "handoff": "2026-01-05 09:00",
        "members": ("alice@example.com", "bob@example.com"),
        "secondary": Secondary.parse("next"),
    }
    values.update(changes)
    return Rotation(**values)


def rotation_feed(rotation: Rotation, now: datetime = NOW) -> Calendar:
    start, end = ics.feed_window(now)
    duties = ics.rotation_duties(rotation, shifts(rotation, start, end))
    return Calendar.from_ical(ics.rotation_calendar(rotation, duties, start, now))


def test_each_primary_shift_is_one_event_in_utc_at_the_local_handoff() -> None:
    events = rotation_feed(daily()).events

    start, end = ics.feed_window(NOW)
    assert len(events) == (end - start).days
    by_start = {e.start: e for e in events}
    # New York changes to summer time on 8 March 2026: the handoff stays at 09:00 local.
    assert str(by_start[utc(2026, 3, 7, 14)]["SUMMARY"]).startswith("On duty: ops (")
    assert by_start[utc(2026, 3, 7, 14)].end == utc(2026, 3, 8, 13)
    assert by_start[utc(2026, 3, 8, 13)].end == utc(2026, 3, 9, 13)
    assert all(e.start.tzinfo is not None and e.start.utcoffset() == timedelta(0) for e in events)


def test_a_shift_already_running_when_the_window_opens_is_left_out_not_cut() -> None:
    events = rotation_feed(daily()).events
    window_start, _ = ics.feed_window(NOW)
    assert min(e.start for e in events) > window_start
    assert min(e.start for e in events) - window_start < timedelta(days=1)


def test_uids_stay_the_same_when_the_feed_is_fetched_later() -> None:
    earlier = {str(e["UID"]): e.start for e in rotation_feed(daily()).events}
    later = {str(e["UID"]): e.start for e in rotation_feed(daily(), NOW + timedelta(days=3, hours=5)).events}

    shared = earlier.keys() & later.keys()
    assert len(shared) > 150
    assert all(earlier[uid] == later[uid] for uid in shared)
    assert len(earlier) == len(set(earlier.values()))


def test_a_gap_is_shown_but_not_the_time_before_the_rotation_starts() -> None:
    everyone_away = (
        TimeOff("alice@example.com", utc(2026, 4, 1), utc(2026, 4, 3)),
        TimeOff("bob@example.com", utc(2026, 4, 2), utc(2026, 4, 4)),
    )
    rotation = daily(handoff="2026-03-16 09:00", time_off=everyone_away)
    events = rotation_feed(rotation).events

    gaps = [e for e in events if str(e["SUMMARY"]) == "Nobody on duty: ops"]
    assert [(g.start, g.end) for g in gaps] == [(utc(2026, 4, 2), utc(2026, 4, 3))]
    assert min(e.start for e in events) == utc(2026, 3, 16, 13)


def test_a_persons_feed_labels_secondary_duty_across_rotations() -> None:
    ops = daily()
    data = daily(name="data", timezone="Europe/Paris", members=("carol@example.com",),
                 secondary=Secondary.parse("ops"), shift=ShiftLength.parse("1w"))
    rotations = {r.name: r for r in (ops, data)}
    start, end = ics.feed_window(NOW)
    feed = ics.person_calendar("bob@example.com", ics.person_duties("bob@example.com", rotations, start, end), start, NOW)
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed).events}

    assert summaries == {"On duty: ops (bob@example.com)", "Secondary: ops (bob@example.com)",
                         "Secondary: data (bob@example.com)"}
