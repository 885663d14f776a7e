"""Who is on duty, by hand: table tests of `on_call` and `shifts` with computed answers.

Expected instants are written in UTC, worked out by hand from the local times people
agree on (Paris is UTC+1 until 2026-03-29, UTC+2 after), so a wrong offset shows up.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.oncall import Layer, OnCall, Reason, Segment, on_call, shifts
from shared.rotation import Override, Rotation, Secondary, ShiftLength, TimeOff

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
TICK = timedelta(microseconds=1)
REG, OVR, COV, GAP = Reason.REGULAR, Reason.OVERRIDE, Reason.COVERING, Reason.GAP


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def paris(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=PARIS).astimezone(UTC)


def email(short: str | None) -> str | None:
    return None if short is None else f"{short}@example.com"


def team(*shorts: str) -> tuple[str, ...]:
    return tuple(f"{s}@example.com" for s in shorts)


def readme_rotation() -> Rotation:
    """The example of the README: weekly in Paris, Monday 12:00, one override, one holiday."""
    return Rotation(
        name="data-platform",
        timezone="Europe/Paris",
        shift=ShiftLength.parse("1w"),
        handoff="2026-03-02 12:00",
        members=team("alice", "bob", "carol"),
        secondary=Secondary.parse("next"),
        overrides=(Override("carol@example.com", paris("2026-04-01 00:00"), paris("2026-04-02 00:00")),),
        time_off=(TimeOff("bob@example.com", paris("2026-04-06 00:00"), paris("2026-04-20 00:00")),),
    )


def daily_utc(*shorts: str, secondary: str | None = None, **spans: object) -> Rotation:
    """Daily at 12:00 UTC from Monday 2026-01-05: shift k belongs to shorts[k mod n]."""
    return Rotation(
        "daily", "UTC", ShiftLength.parse("1d"), "2026-01-05 12:00", team(*shorts), Secondary.parse(secondary), **spans
    )


def answer(found: OnCall) -> tuple[str | None, Reason, str | None, Reason | None]:
    return found.primary, found.primary_reason, found.secondary, found.secondary_reason


def layer(segments: list[Segment], which: Layer) -> list[tuple[str | None, Reason, datetime, datetime]]:
    return [(s.person, s.reason, s.start, s.end) for s in segments if s.layer is which]


def expected(rows: list[tuple[str | None, Reason, str, str]]) -> list[tuple[str | None, Reason, datetime, datetime]]:
    return [(email(who), why, utc(start), utc(end)) for who, why, start, end in rows]


# --- the README example ------------------------------------------------------------------

#: at (Paris) -> primary, why, secondary, why, start (UTC), end (UTC)
README_ON_CALL = [
    ("2026-03-01 12:00", None, GAP, None, GAP, None, "2026-03-02 11:00"),
    ("2026-03-02 12:00", "alice", REG, "bob", REG, "2026-03-02 11:00", "2026-03-09 11:00"),
    ("2026-03-09 11:59", "alice", REG, "bob", REG, "2026-03-02 11:00", "2026-03-09 11:00"),
    ("2026-03-10 09:00", "bob", REG, "carol", REG, "2026-03-09 11:00", "2026-03-16 11:00"),
    ("2026-03-25 12:00", "alice", REG, "bob", REG, "2026-03-23 11:00", "2026-03-30 10:00"),
    ("2026-03-31 12:00", "bob", REG, "carol", REG, "2026-03-30 10:00", "2026-03-31 22:00"),
    ("2026-04-01 12:00", "carol", OVR, "alice", REG, "2026-03-31 22:00", "2026-04-01 22:00"),
    ("2026-04-03 12:00", "bob", REG, "carol", REG, "2026-04-01 22:00", "2026-04-05 22:00"),
    ("2026-04-06 09:00", "carol", COV, "alice", COV, "2026-04-05 22:00", "2026-04-06 10:00"),
    ("2026-04-08 12:00", "carol", REG, "alice", REG, "2026-04-06 10:00", "2026-04-13 10:00"),
    ("2026-04-15 12:00", "alice", REG, "carol", COV, "2026-04-13 10:00", "2026-04-19 22:00"),
    ("2026-04-20 08:00", "alice", REG, "bob", REG, "2026-04-19 22:00", "2026-04-20 10:00"),
    ("2026-04-21 12:00", "bob", REG, "carol", REG, "2026-04-20 10:00", "2026-04-27 10:00"),
]


@pytest.mark.parametrize("at, primary, why, secondary, why2, start, end", README_ON_CALL, ids=[r[0] for r in README_ON_CALL])
def test_readme_rotation_answers_who_is_on_duty(at, primary, why, secondary, why2, start, end) -> None:
    found = on_call(readme_rotation(), paris(at))

    assert answer(found) == (email(primary), why, email(secondary), why2)
    assert (found.start, found.end) == (start and utc(start), utc(end))


@pytest.mark.parametrize("at", [r[0] for r in README_ON_CALL])
def test_on_call_bounds_are_maximal(at: str) -> None:
    rotation = readme_rotation()
    found = on_call(rotation, paris(at))

    assert found.start is None or answer(on_call(rotation, found.start - TICK)) != answer(found)
    assert found.end is None or answer(on_call(rotation, found.end)) != answer(found)
    assert found.start is None or answer(on_call(rotation, found.start)) == answer(found)
    assert found.end is None or answer(on_call(rotation, found.end - TICK)) == answer(found)


def test_readme_rotation_shifts_over_the_override_and_the_holiday() -> None:
    segments = shifts(readme_rotation(), paris("2026-03-30 00:00"), paris("2026-04-21 00:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        ("alice", REG, "2026-03-29 22:00", "2026-03-30 10:00"),
        ("bob", REG, "2026-03-30 10:00", "2026-03-31 22:00"),
        ("carol", OVR, "2026-03-31 22:00", "2026-04-01 22:00"),
        ("bob", REG, "2026-04-01 22:00", "2026-04-05 22:00"),
        ("carol", COV, "2026-04-05 22:00", "2026-04-06 10:00"),
        ("carol", REG, "2026-04-06 10:00", "2026-04-13 10:00"),
        ("alice", REG, "2026-04-13 10:00", "2026-04-20 10:00"),
        ("bob", REG, "2026-04-20 10:00", "2026-04-20 22:00"),
    ])
    assert layer(segments, Layer.SECONDARY) == expected([
        ("bob", REG, "2026-03-29 22:00", "2026-03-30 10:00"),
        ("carol", REG, "2026-03-30 10:00", "2026-03-31 22:00"),
        ("alice", REG, "2026-03-31 22:00", "2026-04-01 22:00"),
        ("carol", REG, "2026-04-01 22:00", "2026-04-05 22:00"),
        ("alice", COV, "2026-04-05 22:00", "2026-04-06 10:00"),
        ("alice", REG, "2026-04-06 10:00", "2026-04-13 10:00"),
        ("carol", COV, "2026-04-13 10:00", "2026-04-19 22:00"),
        ("bob", REG, "2026-04-19 22:00", "2026-04-20 10:00"),
        ("carol", REG, "2026-04-20 10:00", "2026-04-20 22:00"),
    ])


def test_a_window_before_the_first_handoff_is_one_gap_per_layer() -> None:
    segments = shifts(readme_rotation(), utc("2026-02-01 00:00"), utc("2026-03-02 11:00"))

    assert [(s.layer, s.person, s.reason) for s in segments] == [(Layer.PRIMARY, None, GAP), (Layer.SECONDARY, None, GAP)]


def test_a_changed_copy_of_a_rotation_answers_for_its_own_values() -> None:
    rotation = readme_rotation()
    assert on_call(rotation, paris("2026-04-01 12:00")).primary == "carol@example.com"

    without_override = replace(rotation, overrides=())
    reordered = replace(rotation, members=team("bob", "alice", "carol"))

    assert on_call(without_override, paris("2026-04-01 12:00")).primary == "bob@example.com"
    assert on_call(reordered, paris("2026-03-03 12:00")).primary == "bob@example.com"


def test_answers_are_in_utc_whatever_offset_the_question_has() -> None:
    found = on_call(readme_rotation(), datetime(2026, 3, 10, 9, tzinfo=timezone(timedelta(hours=-5))))

    assert (found.at, found.primary) == (utc("2026-03-10 14:00"), "bob@example.com")


# --- hour shifts -------------------------------------------------------------------------


def test_hour_shifts_are_absolute_durations_across_dst() -> None:
    rotation = Rotation("twelve", "Europe/Paris", ShiftLength.parse("12h"), "2026-03-28 20:00", team("alice", "bob"))

    segments = shifts(rotation, utc("2026-03-28 19:00"), utc("2026-03-30 19:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        ("alice", REG, "2026-03-28 19:00", "2026-03-29 07:00"),
        ("bob", REG, "2026-03-29 07:00", "2026-03-29 19:00"),
        ("alice", REG, "2026-03-29 19:00", "2026-03-30 07:00"),
        ("bob", REG, "2026-03-30 07:00", "2026-03-30 19:00"),
    ])
    assert [s.start.astimezone(PARIS).hour for s in segments] == [20, 9, 21, 9]


def test_day_shifts_keep_the_wall_clock_across_dst() -> None:
    rotation = Rotation("daily", "Europe/Paris", ShiftLength.parse("1d"), "2026-03-28 20:00", team("alice", "bob"))

    segments = shifts(rotation, utc("2026-03-28 19:00"), utc("2026-03-30 18:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        ("alice", REG, "2026-03-28 19:00", "2026-03-29 18:00"),
        ("bob", REG, "2026-03-29 18:00", "2026-03-30 18:00"),
    ])


# --- overrides ---------------------------------------------------------------------------

#: overrides (person, from hour, to hour, created) on 2026-01-06 UTC, during alice's week
#: -> primary segments between 08:00 and 18:00 that day
OVERLAPS = {
    "later-created wins the overlap": (
        [("dave", 10, 14, 1), ("erin", 12, 16, 2)],
        [("alice", REG, 8, 10), ("dave", OVR, 10, 12), ("erin", OVR, 12, 16), ("alice", REG, 16, 18)],
    ),
    "earlier-created loses where they overlap": (
        [("dave", 10, 14, 2), ("erin", 12, 16, 1)],
        [("alice", REG, 8, 10), ("dave", OVR, 10, 14), ("erin", OVR, 14, 16), ("alice", REG, 16, 18)],
    ),
    "a later short one splits an earlier long one": (
        [("dave", 9, 17, 1), ("erin", 11, 12, 2)],
        [("alice", REG, 8, 9), ("dave", OVR, 9, 11), ("erin", OVR, 11, 12), ("dave", OVR, 12, 17), ("alice", REG, 17, 18)],
    ),
    "an earlier short one inside a later long one is hidden": (
        [("erin", 11, 12, 1), ("dave", 9, 17, 2)],
        [("alice", REG, 8, 9), ("dave", OVR, 9, 17), ("alice", REG, 17, 18)],
    ),
    "same creation order: the one listed later wins": (
        [("dave", 10, 14, 0), ("erin", 12, 16, 0)],
        [("alice", REG, 8, 10), ("dave", OVR, 10, 12), ("erin", OVR, 12, 16), ("alice", REG, 16, 18)],
    ),
    "back-to-back overrides of one person are one stretch": (
        [("dave", 10, 12, 1), ("dave", 12, 14, 2)],
        [("alice", REG, 8, 10), ("dave", OVR, 10, 14), ("alice", REG, 14, 18)],
    ),
    "the regular member overriding themself still counts as an override": (
        [("alice", 10, 12, 1)],
        [("alice", REG, 8, 10), ("alice", OVR, 10, 12), ("alice", REG, 12, 18)],
    ),
}


@pytest.mark.parametrize("overrides, wanted", OVERLAPS.values(), ids=OVERLAPS.keys())
def test_overlapping_overrides(overrides, wanted) -> None:
    day = utc("2026-01-06 00:00")
    spans = tuple(Override(email(p), day + timedelta(hours=a), day + timedelta(hours=b), created=c) for p, a, b, c in overrides)
    rotation = Rotation("weekly", "UTC", ShiftLength.parse("1w"), "2026-01-05 00:00", team("alice", "bob"), overrides=spans)

    segments = shifts(rotation, day + timedelta(hours=8), day + timedelta(hours=18))

    assert layer(segments, Layer.PRIMARY) == [
        (email(p), why, day + timedelta(hours=a), day + timedelta(hours=b)) for p, why, a, b in wanted
    ]


def test_an_override_across_two_handoffs_hides_a_whole_shift() -> None:
    cover = Override("dave@example.com", utc("2026-01-06 10:00"), utc("2026-01-07 14:00"))
    rotation = daily_utc("alice", "bob", "carol", overrides=(cover,))

    segments = shifts(rotation, utc("2026-01-06 00:00"), utc("2026-01-08 00:00"))
    found = on_call(rotation, utc("2026-01-07 13:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        ("alice", REG, "2026-01-06 00:00", "2026-01-06 10:00"),
        ("dave", OVR, "2026-01-06 10:00", "2026-01-07 14:00"),
        ("carol", REG, "2026-01-07 14:00", "2026-01-08 00:00"),
    ])
    assert (found.primary, found.start, found.end) == ("dave@example.com", cover.start, cover.end)


def test_an_override_before_the_first_handoff_fills_the_gap() -> None:
    early = Override("dave@example.com", utc("2026-01-04 12:00"), utc("2026-01-05 18:00"))

    segments = shifts(daily_utc("alice", "bob", overrides=(early,)), utc("2026-01-04 00:00"), utc("2026-01-06 00:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        (None, GAP, "2026-01-04 00:00", "2026-01-04 12:00"),
        ("dave", OVR, "2026-01-04 12:00", "2026-01-05 18:00"),
        ("alice", REG, "2026-01-05 18:00", "2026-01-06 00:00"),
    ])


# --- time off ----------------------------------------------------------------------------

#: Carol's shift runs 2026-01-07 12:00 -> 2026-01-08 12:00 UTC; the question is at 01-08 00:00.
AWAY_ALL_DAY = ("2026-01-07 00:00", "2026-01-09 00:00")
TIME_OFF = {
    "the next member covers, wrapping around": ({"carol": AWAY_ALL_DAY}, ("alice", COV)),
    "skips every member who is away": ({"carol": AWAY_ALL_DAY, "alice": AWAY_ALL_DAY}, ("bob", COV)),
    "someone else away changes nothing": ({"bob": AWAY_ALL_DAY}, ("carol", REG)),
    "time off that is over changes nothing": ({"carol": ("2026-01-07 00:00", "2026-01-08 00:00")}, ("carol", REG)),
    "everybody away is a gap": ({p: AWAY_ALL_DAY for p in ("alice", "bob", "carol")}, (None, GAP)),
}


@pytest.mark.parametrize("away, wanted", TIME_OFF.values(), ids=TIME_OFF.keys())
def test_time_off_hands_the_shift_to_the_next_available_member(away, wanted) -> None:
    spans = tuple(TimeOff(email(p), utc(a), utc(b)) for p, (a, b) in away.items())

    found = on_call(daily_utc("alice", "bob", "carol", time_off=spans), utc("2026-01-08 00:00"))

    assert (found.primary, found.primary_reason) == (email(wanted[0]), wanted[1])


def test_everybody_away_is_reported_as_a_gap_over_exactly_the_common_absence() -> None:
    spans = (
        TimeOff("alice@example.com", utc("2026-01-07 00:00"), utc("2026-01-08 06:00")),
        TimeOff("bob@example.com", utc("2026-01-07 20:00"), utc("2026-01-09 00:00")),
        TimeOff("carol@example.com", utc("2026-01-07 18:00"), utc("2026-01-08 03:00")),
    )

    segments = shifts(daily_utc("alice", "bob", "carol", time_off=spans), utc("2026-01-07 12:00"), utc("2026-01-08 12:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        ("carol", REG, "2026-01-07 12:00", "2026-01-07 18:00"),
        ("bob", COV, "2026-01-07 18:00", "2026-01-07 20:00"),
        (None, GAP, "2026-01-07 20:00", "2026-01-08 03:00"),
        ("carol", REG, "2026-01-08 03:00", "2026-01-08 12:00"),
    ])


@pytest.mark.parametrize("person", ["carol", "dave"])
def test_an_override_beats_time_off(person: str) -> None:
    away = TimeOff(email(person), utc("2026-01-07 00:00"), utc("2026-01-09 00:00"))
    cover = Override(email(person), utc("2026-01-07 20:00"), utc("2026-01-08 04:00"))
    rotation = daily_utc("alice", "bob", "carol", overrides=(cover,), time_off=(away,))

    found = on_call(rotation, utc("2026-01-08 00:00"))

    assert (found.primary, found.primary_reason, found.start, found.end) == (email(person), OVR, cover.start, cover.end)


# --- secondaries -------------------------------------------------------------------------

#: alice's shift (2026-01-05 12:00 -> 01-06 12:00 UTC); the question is at 01-06 00:00.
DAY = ("2026-01-05 12:00", "2026-01-06 12:00")
SECONDARY_NEXT = {
    "the next member backs up": ((), (), ("alice", REG, "bob", REG)),
    "the next member overriding: the one after backs up": (
        ("bob",), (), ("bob", OVR, "carol", REG),
    ),
    "an outsider overriding leaves the next member": (("dave",), (), ("dave", OVR, "bob", REG)),
    "the primary covering: the one after backs up": ((), ("alice",), ("bob", COV, "carol", COV)),
    "the next member away: the one after backs up": ((), ("bob",), ("alice", REG, "carol", COV)),
    "nobody else available is a gap": ((), ("bob", "carol"), ("alice", REG, None, GAP)),
    "the next member overriding while the last is away: the displaced member backs up": (
        ("bob",), ("carol",), ("bob", OVR, "alice", COV),
    ),
}


@pytest.mark.parametrize("overriding, away, wanted", SECONDARY_NEXT.values(), ids=SECONDARY_NEXT.keys())
def test_secondary_next_is_the_next_available_member_never_the_primary(overriding, away, wanted) -> None:
    rotation = daily_utc(
        "alice", "bob", "carol",
        secondary="next",
        overrides=tuple(Override(email(p), utc(DAY[0]), utc(DAY[1])) for p in overriding),
        time_off=tuple(TimeOff(email(p), utc(DAY[0]), utc(DAY[1])) for p in away),
    )

    found = on_call(rotation, utc("2026-01-06 00:00"))

    assert answer(found) == (email(wanted[0]), wanted[1], email(wanted[2]), wanted[3])


def test_in_a_pair_the_member_displaced_by_an_override_backs_up() -> None:
    rotation = daily_utc("alice", "bob", secondary="next", overrides=(Override("bob@example.com", utc(DAY[0]), utc(DAY[1])),))

    found = on_call(rotation, utc("2026-01-06 00:00"))

    assert answer(found) == ("bob@example.com", OVR, "alice@example.com", REG)


def leads() -> Rotation:
    """Weekly from Wednesday 2026-01-07 09:00 UTC: lead1, then lead2."""
    return Rotation("leads", "UTC", ShiftLength.parse("1w"), "2026-01-07 09:00", team("lead1", "lead2"))


def test_secondary_from_another_rotation_is_its_primary_and_narrows_the_bounds() -> None:
    rotation = daily_utc("alice", "bob", secondary="leads")

    before = on_call(rotation, utc("2026-01-07 08:00"), {"leads": leads()})
    after = on_call(rotation, utc("2026-01-07 10:00"), {"leads": leads()})

    assert answer(before) == ("bob@example.com", REG, None, GAP)
    assert (before.start, before.end) == (utc("2026-01-06 12:00"), utc("2026-01-07 09:00"))
    assert answer(after) == ("bob@example.com", REG, "lead1@example.com", REG)
    assert (after.start, after.end) == (utc("2026-01-07 09:00"), utc("2026-01-07 12:00"))


def test_secondary_from_another_rotation_tiles_its_own_shifts() -> None:
    segments = shifts(daily_utc("alice", "bob", secondary="leads"), utc("2026-01-13 00:00"), utc("2026-01-15 00:00"), {"leads": leads()})

    assert layer(segments, Layer.SECONDARY) == expected([
        ("lead1", REG, "2026-01-13 00:00", "2026-01-14 09:00"),
        ("lead2", REG, "2026-01-14 09:00", "2026-01-15 00:00"),
    ])


@pytest.mark.parametrize("others", [None, {}, {"other": leads()}], ids=["no others", "empty", "another name"])
def test_a_secondary_rotation_that_is_not_given_is_a_gap(others) -> None:
    rotation = daily_utc("alice", "bob", secondary="leads")
    window = (utc("2026-01-13 00:00"), utc("2026-01-15 00:00"))

    found = on_call(rotation, utc("2026-01-13 13:00"), others)
    segments = shifts(rotation, *window, others)

    assert answer(found) == ("alice@example.com", REG, None, GAP)
    assert (found.start, found.end) == (utc("2026-01-13 12:00"), utc("2026-01-14 12:00"))
    assert layer(segments, Layer.SECONDARY) == [(None, GAP, *window)]


# --- one member --------------------------------------------------------------------------


def solo(**spans: object) -> Rotation:
    return Rotation("solo", "Europe/Paris", ShiftLength.parse("1d"), "2026-03-02 12:00", team("alice"), Secondary.parse("next"), **spans)


@pytest.mark.parametrize("at", ["2026-03-02 11:00", "2026-07-01 00:00", "2199-12-31 23:00"])
def test_one_member_is_on_duty_from_the_first_handoff_on_with_no_end(at: str) -> None:
    found = on_call(solo(), utc(at))

    assert answer(found) == ("alice@example.com", REG, None, GAP)
    assert (found.start, found.end) == (utc("2026-03-02 11:00"), None)


def test_one_member_away_ends_the_answer_at_their_time_off() -> None:
    away = TimeOff("alice@example.com", utc("2030-01-01 00:00"), utc("2030-01-15 00:00"))

    found = on_call(solo(time_off=(away,)), utc("2026-07-01 00:00"))
    during = on_call(solo(time_off=(away,)), utc("2030-01-02 00:00"))

    assert (found.start, found.end) == (utc("2026-03-02 11:00"), away.start)
    assert (during.primary, during.primary_reason, during.start, during.end) == (None, GAP, away.start, away.end)


def test_one_member_shifts_are_one_segment_per_layer() -> None:
    segments = shifts(solo(), utc("2026-03-01 00:00"), utc("2027-03-01 00:00"))

    assert layer(segments, Layer.PRIMARY) == expected([
        (None, GAP, "2026-03-01 00:00", "2026-03-02 11:00"),
        ("alice", REG, "2026-03-02 11:00", "2027-03-01 00:00"),
    ])
    assert layer(segments, Layer.SECONDARY) == expected([(None, GAP, "2026-03-01 00:00", "2027-03-01 00:00")])


# --- spans that change nothing -----------------------------------------------------------


def test_spans_that_change_nobody_do_not_cut_the_answer() -> None:
    """Carol away and an outsider's time off inside alice's shift leave alice's answer whole."""
    quiet = (
        TimeOff("carol@example.com", utc("2026-01-05 14:00"), utc("2026-01-05 16:00")),
        TimeOff("dave@example.com", utc("2026-01-05 18:00"), utc("2026-01-06 02:00")),
    )
    rotation = daily_utc("alice", "bob", "carol", time_off=quiet)

    found = on_call(rotation, utc("2026-01-05 20:00"))
    segments = shifts(rotation, utc("2026-01-05 12:00"), utc("2026-01-06 12:00"))

    assert (found.primary, found.start, found.end) == ("alice@example.com", utc("2026-01-05 12:00"), utc("2026-01-06 12:00"))
    assert layer(segments, Layer.PRIMARY) == expected([("alice", REG, "2026-01-05 12:00", "2026-01-06 12:00")])


def test_a_span_that_changes_the_secondary_cuts_the_answer_there() -> None:
    away = TimeOff("bob@example.com", utc("2026-01-05 14:00"), utc("2026-01-05 16:00"))
    rotation = daily_utc("alice", "bob", "carol", secondary="next", time_off=(away,))

    found = on_call(rotation, utc("2026-01-05 20:00"))

    assert answer(found) == ("alice@example.com", REG, "bob@example.com", REG)
    assert (found.start, found.end) == (away.end, utc("2026-01-06 12:00"))
