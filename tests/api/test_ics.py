"""Calendar feeds from engine segments, without a server: what a calendar app will show."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from bot import ics
from shared.oncall import shifts
from shared.rotation import Override, Rotation, Secondary, ShiftLength, TimeOff

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
    # Both ends of the window fall inside a shift, and those two shifts are listed whole.
    assert len(events) == (end - start).days + 1
    by_start = {e.start: e for e in events}
    # New York changes to summer time on 8 March 2026: the handoff stays at 09:00 local.
    assert str(by_start[utc(2026, 3, 7, 14)]["SUMMARY"]).startswith("On duty: ops (")
    assert by_start[utc(2026, 3, 7, 14)].end == utc(2026, 3, 8, 13)
    assert by_start[utc(2026, 3, 8, 13)].end == utc(2026, 3, 9, 13)
    assert all(e.start.tzinfo is not None and e.start.utcoffset() == timedelta(0) for e in events)


def test_the_shifts_at_both_ends_of_the_window_keep_their_real_start_and_end() -> None:
    events = sorted(rotation_feed(daily()).events, key=lambda e: e.start)
    window_start, window_end = ics.feed_window(NOW)

    # The window opens at 10:00 UTC on 20 February, inside the shift that began at 09:00
    # New York time (14:00 UTC) the day before; it closes inside the shift of 17 September.
    assert (window_start, window_end) == (utc(2026, 2, 20, 10), utc(2026, 9, 18, 10))
    assert (events[0].start, events[0].end) == (utc(2026, 2, 19, 14), utc(2026, 2, 20, 14))
    assert (events[-1].start, events[-1].end) == (utc(2026, 9, 17, 13), utc(2026, 9, 18, 13))


@pytest.mark.parametrize("later", [timedelta(hours=1), timedelta(hours=5), timedelta(days=3, hours=5)])
def test_an_event_is_the_same_when_the_feed_is_fetched_later(later: timedelta) -> None:
    earlier = {str(e["UID"]): (e.start, e.end) for e in rotation_feed(daily()).events}
    again = {str(e["UID"]): (e.start, e.end) for e in rotation_feed(daily(), NOW + later).events}

    shared = earlier.keys() & again.keys()
    assert len(shared) > 150
    assert {uid: earlier[uid] for uid in shared} == {uid: again[uid] for uid in shared}
    assert len(earlier) == len(set(earlier.values()))


def test_a_one_member_rotation_has_one_event_per_shift() -> None:
    alone = daily(timezone="Europe/Paris", shift=ShiftLength.parse("1w"), members=("carol@example.com",),
                  secondary=Secondary())
    events = sorted(rotation_feed(alone).events, key=lambda e: e.start)
    later = {str(e["UID"]): (e.start, e.end) for e in rotation_feed(alone, NOW + timedelta(hours=7)).events}

    paris = ZoneInfo("Europe/Paris")
    local = [(e.start.astimezone(paris), e.end.astimezone(paris)) for e in events]
    assert all((s.weekday(), s.hour, e - s) == (0, 9, timedelta(weeks=1)) for s, e in local)
    assert all(a.end == b.start for a, b in zip(events, events[1:]))
    # Paris changes to summer time on 29 March: that week is an hour shorter, still one event.
    assert (utc(2026, 3, 23, 8), utc(2026, 3, 30, 7)) in {(e.start, e.end) for e in events}
    assert len(events) == 31
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert all(later[str(e["UID"])] == (e.start, e.end) for e in events if str(e["UID"]) in later)


def test_consecutive_shifts_of_the_same_person_are_separate_events() -> None:
    # Dave takes three days from the middle of one shift: one event per shift he holds,
    # each with the UID of the regular shift it replaces where it starts at a handoff.
    cover = Override("dave@example.com", utc(2026, 4, 1, 20), utc(2026, 4, 4, 13), created=1)
    before = {(e.start, e.end): str(e["UID"]) for e in rotation_feed(daily()).events}
    events = rotation_feed(daily(overrides=(cover,))).events

    dave = sorted((e.start, e.end, str(e["UID"])) for e in events if "dave@example.com" in str(e["SUMMARY"]))
    assert [(s, e) for s, e, _ in dave] == [
        (utc(2026, 4, 1, 20), utc(2026, 4, 2, 13)),
        (utc(2026, 4, 2, 13), utc(2026, 4, 3, 13)),
        (utc(2026, 4, 3, 13), utc(2026, 4, 4, 13)),
    ]
    assert [uid for _, _, uid in dave[1:]] == [before[(s, e)] for s, e, _ in dave[1:]]


def test_a_gap_is_shown_but_not_the_time_before_the_rotation_starts() -> None:
    everyone_away = (
        TimeOff("alice@example.com", utc(2026, 4, 1), utc(2026, 4, 3)),
        TimeOff("bob@example.com", utc(2026, 4, 2), utc(2026, 4, 4)),
    )
    rotation = daily(handoff="2026-03-16 09:00", time_off=everyone_away)
    events = rotation_feed(rotation).events

    gaps = [e for e in events if str(e["SUMMARY"]) == "Nobody on duty: ops"]
    # Nobody from 00:00 UTC on 2 April to the next day, across the 09:00 New York handoff.
    assert sorted((g.start, g.end) for g in gaps) == [
        (utc(2026, 4, 2), utc(2026, 4, 2, 13)),
        (utc(2026, 4, 2, 13), utc(2026, 4, 3)),
    ]
    assert min(e.start for e in events) == utc(2026, 3, 16, 13)


def person_feed(person: str, rotations: dict[str, Rotation], now: datetime = NOW) -> Calendar:
    start, end = ics.feed_window(now)
    return Calendar.from_ical(ics.person_calendar(person, ics.person_duties(person, rotations, start, end), start, now))


def two_rotations() -> dict[str, Rotation]:
    ops = daily()
    data = daily(name="data", timezone="Europe/Paris", members=("carol@example.com",),
                 secondary=Secondary.parse("ops"), shift=ShiftLength.parse("1w"))
    return {r.name: r for r in (ops, data)}


def test_a_persons_feed_labels_secondary_duty_across_rotations() -> None:
    summaries = {str(e["SUMMARY"]) for e in person_feed("bob@example.com", two_rotations()).events}

    assert summaries == {"On duty: ops (bob@example.com)", "Secondary: ops (bob@example.com)",
                         "Secondary: data (bob@example.com)"}


def test_a_persons_feed_lists_whole_shifts_that_stay_the_same_when_fetched_later() -> None:
    events = person_feed("carol@example.com", two_rotations()).events
    refetched = person_feed("carol@example.com", two_rotations(), NOW + timedelta(hours=5)).events
    later = {str(e["UID"]): (e.start, e.end) for e in refetched}
    window_start, window_end = ics.feed_window(NOW)

    # Carol holds every week of "data" (Monday 09:00 in Paris): the weeks around both ends
    # of the window are whole, and each week is an event of its own.
    data = sorted((e.start, e.end) for e in events if str(e["SUMMARY"]) == "On duty: data (carol@example.com)")
    assert data[0] == (utc(2026, 2, 16, 8), utc(2026, 2, 23, 8))
    assert data[-1] == (utc(2026, 9, 14, 7), utc(2026, 9, 21, 7))
    assert data[0][0] < window_start and data[-1][1] > window_end
    assert len(data) == 31
    assert all(later[str(e["UID"])] == (e.start, e.end) for e in events if str(e["UID"]) in later)
