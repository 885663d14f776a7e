"""Brute-force walks across DST changes: the primary changes exactly at the expected handoffs.

Transitions are found from zoneinfo's offsets (an hourly scan narrowed to the minute),
and the expected handoffs are built from local date-times with zoneinfo, never with the
engine's helpers. Day and week shifts must hand off at the same wall-clock time every
day (a time the clock skips or repeats resolved as `fold=0` does); hour shifts exactly
N hours apart in absolute time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from shared.oncall import OnCall, on_call
from shared.rotation import Rotation, ShiftLength

UTC = timezone.utc
WALKED_ZONES = (
    "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham",
)
YEARS = (2026, 2027)
MEMBERS = ("alice@example.com", "bob@example.com", "carol@example.com")
COARSE = timedelta(minutes=10)
FINE = timedelta(seconds=30)


@dataclass(frozen=True)
class Transition:
    """A change of UTC offset (or, in a zone without DST, a plain night to compare with)."""

    zone: str
    at: datetime
    before: timedelta
    after: timedelta

    @property
    def kind(self) -> str:
        return "spring" if self.after > self.before else "autumn" if self.after < self.before else "none"

    @property
    def day(self) -> date:
        return (self.at + self.before).date()

    @property
    def odd_time(self) -> time:
        """The middle of the hour the clock skips or repeats (02:30 where nothing happens)."""
        if self.kind == "none":
            return time(2, 30)
        first = self.at.replace(tzinfo=None) + min(self.before, self.after)
        return (first + abs(self.after - self.before) / 2).time()

    def __str__(self) -> str:
        return f"{self.zone}-{self.day}-{self.kind}"


def offset(zone: ZoneInfo, at: datetime) -> timedelta:
    value = at.astimezone(zone).utcoffset()
    assert value is not None
    return value


def transitions(name: str, year: int) -> list[Transition]:
    """Every offset change of `name` in `year`, to the minute; a stand-in night if none."""
    zone = ZoneInfo(name)
    found = []
    t = datetime(year, 1, 1, tzinfo=UTC)
    while t.year == year:
        if offset(zone, t) != offset(zone, t + timedelta(hours=1)):
            lo, hi = t, t + timedelta(hours=1)
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if offset(zone, mid) == offset(zone, lo) else (lo, mid)
            found.append(Transition(name, hi, offset(zone, lo), offset(zone, hi)))
        t += timedelta(hours=1)
    if found:
        return found
    night = datetime(year, 3, 29, tzinfo=UTC)
    return [Transition(name, night, offset(zone, night), offset(zone, night))]


TRANSITIONS = [t for name in WALKED_ZONES for year in YEARS for t in transitions(name, year)]


def rotation(where: Transition, shift: str, first: datetime) -> Rotation:
    return Rotation("walked", where.zone, ShiftLength.parse(shift), first, MEMBERS)


@dataclass(frozen=True)
class Walk:
    changes: list[datetime]
    samples: list[OnCall]


def walk(walked: Rotation, start: datetime, end: datetime) -> Walk:
    """Every instant in (start, end] at which the primary changes, found by walking.

    A coarse walk finds the steps whose two ends disagree; each such step is walked
    again in fine steps, so every change is located to FINE. (No shift here is shorter
    than COARSE, so no change can hide between two coarse samples that agree.)
    """
    changes: list[datetime] = []
    samples = [on_call(walked, start)]
    while samples[-1].at < end:
        t, was = samples[-1].at, samples[-1].primary
        samples.append(on_call(walked, t + COARSE))
        while samples[-1].primary != was and t < samples[-1].at:
            t += FINE
            now = on_call(walked, t).primary
            if now != was:
                changes.append(t)
                was = now
    return Walk(changes, samples)


def calendar_handoffs(where: Transition, first: datetime, days: int, start: datetime, end: datetime) -> list[datetime]:
    zone = ZoneInfo(where.zone)
    wanted = []
    k = 0
    while (at := datetime.combine(first.date() + timedelta(days=k * days), first.time(), tzinfo=zone).astimezone(UTC)) <= end:
        if at > start:
            wanted.append(at)
        k += 1
    return wanted


def hour_handoffs(where: Transition, first: datetime, hours: int, start: datetime, end: datetime) -> list[datetime]:
    origin = first.replace(tzinfo=ZoneInfo(where.zone)).astimezone(UTC)
    wanted = []
    k = 0
    while (at := origin + timedelta(hours=k * hours)) <= end:
        if at > start:
            wanted.append(at)
        k += 1
    return wanted


def assert_bounds_match(found: Walk) -> None:
    """At every coarse sample, on_call's [start, end) is the pair of changes around it."""
    for sample in found.samples:
        before = [c for c in found.changes if c <= sample.at]
        after = [c for c in found.changes if c > sample.at]
        if before:
            assert sample.start == before[-1]
        if after:
            assert sample.end == after[0]


DAILY = {"noon": lambda where: time(12, 0), "odd hour": lambda where: where.odd_time}


@pytest.mark.parametrize("clock", DAILY.values(), ids=DAILY.keys())
@pytest.mark.parametrize("where", TRANSITIONS, ids=str)
def test_daily_handoffs_keep_their_wall_clock_time(where: Transition, clock) -> None:
    first = datetime.combine(where.day - timedelta(days=9), clock(where))
    walked = rotation(where, "1d", first)
    start, end = where.at - timedelta(days=2.5), where.at + timedelta(days=2.5)

    found = walk(walked, start, end)
    changes = found.changes

    assert changes == calendar_handoffs(where, first, 1, start, end)
    assert len(changes) >= 4
    assert_bounds_match(found)
    assert_wall_clock(where, first.time(), changes)


@pytest.mark.parametrize("where", TRANSITIONS, ids=str)
def test_weekly_handoffs_on_the_day_of_the_change_keep_their_wall_clock_time(where: Transition) -> None:
    first = datetime.combine(where.day - timedelta(weeks=2), where.odd_time)
    walked = rotation(where, "1w", first)
    start, end = where.at - timedelta(days=8), where.at + timedelta(days=8)

    found = walk(walked, start, end)
    changes = found.changes

    assert changes == calendar_handoffs(where, first, 7, start, end)
    assert len(changes) == 3
    assert_bounds_match(found)
    assert_wall_clock(where, first.time(), changes)


@pytest.mark.parametrize("hours", [12, 7])
@pytest.mark.parametrize("where", TRANSITIONS, ids=str)
def test_hour_shifts_hand_off_every_n_hours_of_real_time(where: Transition, hours: int) -> None:
    first = datetime.combine(where.day - timedelta(days=3), time(20, 0))
    walked = rotation(where, f"{hours}h", first)
    start, end = where.at - timedelta(days=2), where.at + timedelta(days=2)

    found = walk(walked, start, end)
    changes = found.changes

    assert changes == hour_handoffs(where, first, hours, start, end)
    assert {b - a for a, b in zip(changes, changes[1:])} == {timedelta(hours=hours)}
    assert_bounds_match(found)


def assert_wall_clock(where: Transition, clock: time, changes: list[datetime]) -> None:
    """Every handoff shows `clock` on the wall, except one the clock skips: that one
    happens as many minutes after `clock` as the clock jumps forward (fold=0)."""
    zone = ZoneInfo(where.zone)
    for change in changes:
        local = change.astimezone(zone)
        skipped = local.date() == where.day and where.kind == "spring" and clock == where.odd_time
        shown = (datetime.combine(local.date(), clock) + (where.after - where.before if skipped else timedelta())).time()
        assert local.time() == shown
        assert local.fold == 0


#: zone, first handoff (local; every day at that time), the UTC instant of the handoff on
#: the day of the change, worked out by hand.
HAND_COMPUTED = {
    "Paris, skipped 02:30 uses CET": ("Europe/Paris", "2026-03-20 02:30", "2026-03-29 01:30"),
    "Paris, repeated 02:30 is the first, CEST": ("Europe/Paris", "2026-10-20 02:30", "2026-10-25 00:30"),
    "New York, skipped 02:30 uses EST": ("America/New_York", "2026-03-01 02:30", "2026-03-08 07:30"),
    "New York, repeated 01:30 is the first, EDT": ("America/New_York", "2026-10-25 01:30", "2026-11-01 05:30"),
    "Sydney, skipped 02:30 uses AEST": ("Australia/Sydney", "2026-09-28 02:30", "2026-10-03 16:30"),
    "Sydney, repeated 02:30 is the first, AEDT": ("Australia/Sydney", "2026-03-30 02:30", "2026-04-04 15:30"),
    "St John's, skipped 02:30 uses NST": ("America/St_Johns", "2026-03-01 02:30", "2026-03-08 06:00"),
    "St John's, repeated 01:30 is the first, NDT": ("America/St_Johns", "2026-10-25 01:30", "2026-11-01 04:00"),
    "Chatham, skipped 03:15 uses +12:45": ("Pacific/Chatham", "2026-09-20 03:15", "2026-09-26 14:30"),
    "Chatham, repeated 03:15 is the first, +13:45": ("Pacific/Chatham", "2026-03-30 03:15", "2026-04-04 13:30"),
    "Kolkata, no change": ("Asia/Kolkata", "2026-03-20 02:30", "2026-03-28 21:00"),
}


@pytest.mark.parametrize("zone, first, handoff", HAND_COMPUTED.values(), ids=HAND_COMPUTED.keys())
def test_a_handoff_the_clock_skips_or_repeats_is_resolved_like_fold_0(zone: str, first: str, handoff: str) -> None:
    walked = Rotation("walked", zone, ShiftLength.parse("1d"), first, MEMBERS)
    at = datetime.fromisoformat(handoff).replace(tzinfo=UTC)

    before, after = on_call(walked, at - FINE), on_call(walked, at)

    assert before.primary != after.primary
    assert before.end == after.start == at
