"""What a lookup costs, counted rather than timed.

Shift arithmetic is counted in calls to the index's `shift_start` (a lookup that walked
past shifts would make one per shift); table lookups in comparisons that touch an
override's instants (a scan would make one per override). Counts do not flake the way
timings do, and they say exactly which promise broke.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

import shared.oncall as oncall
from shared.oncall import on_call, shifts
from shared.rotation import Override, Rotation, Secondary, ShiftLength, TimeOff

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
MEMBERS = ("alice@example.com", "bob@example.com", "carol@example.com")


def paris(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=PARIS).astimezone(UTC)


@pytest.fixture
def shift_starts(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts calls to the index's shift arithmetic, every other behaviour unchanged."""
    calls: Counter[str] = Counter()
    original = oncall._Index.shift_start

    def counted(index: oncall._Index, k: int) -> datetime:
        calls["shift_start"] += 1
        return original(index, k)

    monkeypatch.setattr(oncall._Index, "shift_start", counted)
    return calls


def cost(calls: Counter[str], lookup) -> int:
    """Calls made by one lookup, after a first one has built the rotation's index."""
    lookup()
    calls.clear()
    lookup()
    return calls["shift_start"]


@pytest.mark.parametrize("shift", ["1w", "1d", "8h", "1h"])
def test_a_lookup_a_century_away_costs_what_one_next_week_costs(shift: str, shift_starts: Counter[str]) -> None:
    rotation = Rotation("far", "Europe/Paris", ShiftLength.parse(shift), "2026-01-05 12:00", MEMBERS, Secondary.parse("next"))
    near, far = paris(2026, 1, 14, 15), paris(2126, 1, 14, 15)

    near_cost = cost(shift_starts, lambda: on_call(rotation, near))
    far_cost = cost(shift_starts, lambda: on_call(rotation, far))
    near_window = cost(shift_starts, lambda: shifts(rotation, near, near + timedelta(days=2)))
    far_window = cost(shift_starts, lambda: shifts(rotation, far, far + timedelta(days=2)))

    assert far_cost == near_cost <= 40
    assert far_window == near_window


def hourly(**spans: object) -> Rotation:
    """No secondary: with `next`, who backs up an override still changes every hour."""
    return Rotation("hourly", "UTC", ShiftLength.parse("1h"), "2026-01-05 00:00", MEMBERS, **spans)


@pytest.mark.parametrize(
    "span",
    [
        lambda end: {"overrides": (Override("dave@example.com", datetime(2026, 2, 1, tzinfo=UTC), end),)},
        lambda end: {"time_off": tuple(TimeOff(m, datetime(2026, 2, 1, tzinfo=UTC), end) for m in MEMBERS)},
    ],
    ids=["an override", "everybody away"],
)
def test_the_handoffs_a_long_span_hides_cost_nothing(span, shift_starts: Counter[str]) -> None:
    at = datetime(2026, 2, 1, 6, 30, tzinfo=UTC)
    short = hourly(**span(datetime(2026, 2, 1, 8, tzinfo=UTC)))
    long = hourly(**span(datetime(2027, 2, 1, tzinfo=UTC)))

    short_cost = cost(shift_starts, lambda: on_call(short, at))
    long_cost = cost(shift_starts, lambda: on_call(long, at))
    year = cost(shift_starts, lambda: shifts(long, at, datetime(2027, 1, 31, tzinfo=UTC)))

    assert on_call(long, at).end == datetime(2027, 2, 1, tzinfo=UTC)
    assert long_cost <= short_cost
    assert year <= 10


def test_a_secondary_nobody_can_fill_for_a_year_costs_what_a_short_one_does(shift_starts: Counter[str]) -> None:
    at = datetime(2026, 2, 1, 6, 30, tzinfo=UTC)

    def leave_until(end: datetime) -> Rotation:
        away = tuple(TimeOff(m, datetime(2026, 2, 1, tzinfo=UTC), end) for m in MEMBERS[1:])
        return Rotation("hourly", "UTC", ShiftLength.parse("1h"), "2026-01-05 00:00", MEMBERS,
                        Secondary.parse("next"), time_off=away)

    short, long = leave_until(datetime(2026, 2, 1, 8, tzinfo=UTC)), leave_until(datetime(2027, 2, 1, tzinfo=UTC))
    short_cost = cost(shift_starts, lambda: on_call(short, at))
    long_cost = cost(shift_starts, lambda: on_call(long, at))

    assert on_call(long, at).secondary is None
    assert long_cost <= short_cost + 10


def counting(name: str) -> Callable[[datetime, object], bool]:
    compare = getattr(datetime, name)

    def counted(self: datetime, other: object) -> bool:
        type(self).comparisons += 1  # type: ignore[attr-defined]
        return compare(self, other)

    return counted


@pytest.fixture
def counted_instant() -> type[datetime]:
    """An instant that counts every comparison it takes part in, on either side."""
    methods = {name: counting(name) for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__", "__ne__")}
    return type("Counted", (datetime,), {"comparisons": 0, "__hash__": datetime.__hash__, **methods})


def with_overrides(count: int, instant: type[datetime]) -> Rotation:
    """`count` overrides every other day from 2026-01-06, alternating people, of 1 to 29 hours."""
    overrides = []
    for i in range(count):
        start = instant(2026, 1, 6, tzinfo=UTC) + timedelta(days=2 * i)
        person = ("dave@example.com", "erin@example.com")[i % 2]
        overrides.append(Override(person, start, start + timedelta(hours=1 + i * 7 % 29), created=i * 37 % 101))
    return Rotation("busy", "Europe/Paris", ShiftLength.parse("1w"), "2026-01-05 12:00", MEMBERS,
                    Secondary.parse("next"), overrides=tuple(overrides))


def comparisons_per_lookup(rotation: Rotation, instant: type[datetime]) -> int:
    """The most comparisons one `on_call` makes, over instants in and between overrides."""
    on_call(rotation, datetime(2026, 1, 1, tzinfo=UTC))
    worst = 0
    for hours in (50, 75, 1000, 2000, 3500, 4000):
        instant.comparisons = 0  # type: ignore[attr-defined]
        on_call(rotation, datetime(2026, 1, 6, tzinfo=UTC) + timedelta(hours=hours))
        worst = max(worst, instant.comparisons)  # type: ignore[attr-defined]
    return worst


def test_lookups_among_ten_thousand_overrides_bisect_rather_than_scan(counted_instant: type[datetime]) -> None:
    few = with_overrides(100, counted_instant)
    many = with_overrides(10_000, counted_instant)
    assert isinstance(many.overrides[0].start, counted_instant)

    few_cost = comparisons_per_lookup(few, counted_instant)
    many_cost = comparisons_per_lookup(many, counted_instant)

    assert 0 < few_cost
    assert many_cost <= 50 * math.log2(10_000)
    assert many_cost < 2 * few_cost
