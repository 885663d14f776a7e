"""Properties of the engine over random zones, shift lengths, handoffs, spans and windows.

Each layer of `shifts` tiles its window; `on_call` agrees with the segment that holds
the instant and with a direct, deliberately naive reading of the rules (a linear walk
over shifts and a scan of every span); shift numbering round-trips.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.oncall import Layer, Reason, Segment, on_call, shift_index, shift_start, shifts
from shared.rotation import (
    MAX_INSTANT,
    MIN_INSTANT,
    Override,
    Rotation,
    Secondary,
    SecondaryKind,
    ShiftLength,
    ShiftUnit,
    TimeOff,
)

UTC = timezone.utc
TICK = timedelta(microseconds=1)
ZONES = (
    "Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns",
    "Pacific/Chatham", "Europe/London", "UTC", "Asia/Tehran", "America/Santiago",
    "Africa/Casablanca", "Australia/Lord_Howe",
)
PEOPLE = tuple(f"{name}@example.com" for name in ("ann", "ben", "cat", "dan", "eve"))
OUTSIDER = "zed@example.com"
#: Wall-clock times that fall into (or next to) a DST change in at least one zone above.
TRICKY_TIMES = (time(0, 0), time(0, 30), time(1, 30), time(2, 0), time(2, 30), time(2, 45), time(3, 15), time(12, 0))
PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


@dataclass(frozen=True)
class Case:
    rotation: Rotation
    others: dict[str, Rotation]
    start: datetime
    end: datetime
    instants: tuple[datetime, ...]


def shift_lengths() -> st.SearchStrategy[ShiftLength]:
    return st.one_of(
        st.integers(1, 48).map(lambda n: ShiftLength(n, ShiftUnit.HOURS)),
        st.integers(1, 10).map(lambda n: ShiftLength(n, ShiftUnit.DAYS)),
        st.integers(1, 4).map(lambda n: ShiftLength(n, ShiftUnit.WEEKS)),
    )


def handoffs() -> st.SearchStrategy[datetime]:
    days = st.dates(date(2024, 1, 1), date(2030, 12, 31))
    clock = st.one_of(st.sampled_from(TRICKY_TIMES), st.times().map(lambda t: t.replace(second=0, microsecond=0)))
    return st.builds(datetime.combine, days, clock)


@st.composite
def plain_rotations(draw: st.DrawFn, name: str, secondary: Secondary = Secondary()) -> Rotation:
    return Rotation(
        name=name,
        timezone=draw(st.sampled_from(ZONES)),
        shift=draw(shift_lengths()),
        handoff=draw(handoffs()),
        members=tuple(draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=4, unique=True))),
        secondary=secondary,
    )


def nominal(rotation: Rotation) -> timedelta:
    shift = rotation.shift
    return timedelta(days=shift.days) if shift.is_calendar else timedelta(hours=shift.hours)


@st.composite
def spans(draw: st.DrawFn, start: datetime, length: timedelta) -> tuple[str, datetime, datetime]:
    """A span that may begin before the window and end after it, with second precision."""
    seconds = int(length.total_seconds())
    begin = start + timedelta(seconds=draw(st.integers(-seconds // 2, seconds)))
    duration = timedelta(seconds=draw(st.integers(60, seconds)))
    return draw(st.sampled_from(PEOPLE + (OUTSIDER,))), begin, begin + duration


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["none", "next", "backup", "missing"]))
    secondary = Secondary.parse(None if kind == "none" else "next" if kind == "next" else "backup")
    base = draw(plain_rotations("main", secondary))
    others = {"backup": draw(plain_rotations("backup"))} if kind == "backup" else {}
    step = nominal(base)
    start = base.first_handoff_utc + draw(st.integers(-3 * 60, 30 * 60)) * step / 60
    start = start.replace(microsecond=0)
    length = timedelta(seconds=max(60, int(draw(st.integers(1, 20 * 60)) * step.total_seconds() / 60)))
    overrides = tuple(
        Override(person, a, b, created=draw(st.integers(0, 3)))
        for person, a, b in draw(st.lists(spans(start, length), max_size=4))
    )
    time_off = tuple(TimeOff(person, a, b) for person, a, b in draw(st.lists(spans(start, length), max_size=4)))
    rotation = Rotation(
        base.name, base.timezone, base.shift, base.handoff, base.members, base.secondary, overrides, time_off
    )
    seconds = int(length.total_seconds())
    instants = tuple(start + timedelta(seconds=s) for s in draw(st.lists(st.integers(0, seconds - 1), min_size=1, max_size=6)))
    return Case(rotation, others, start, start + length, instants)


def by_layer(segments: list[Segment]) -> dict[Layer, list[Segment]]:
    layers: dict[Layer, list[Segment]] = {}
    for segment in segments:
        layers.setdefault(segment.layer, []).append(segment)
    return layers


def holding(segments: list[Segment], at: datetime) -> Segment:
    (found,) = [s for s in segments if s.start <= at < s.end]
    return found


@PROPERTY_SETTINGS
@given(cases())
def test_each_layer_tiles_the_window_with_no_hole_no_overlap_and_no_repeat(case: Case) -> None:
    layers = by_layer(shifts(case.rotation, case.start, case.end, case.others))

    wanted = {Layer.PRIMARY} if case.rotation.secondary.kind is SecondaryKind.NONE else {Layer.PRIMARY, Layer.SECONDARY}
    assert set(layers) == wanted
    for segments in layers.values():
        assert segments[0].start == case.start
        assert segments[-1].end == case.end
        assert all(s.start < s.end for s in segments)
        for before, after in zip(segments, segments[1:]):
            assert before.end == after.start
            assert (before.person, before.reason) != (after.person, after.reason)
        assert all((s.person is None) == (s.reason is Reason.GAP) for s in segments)


@PROPERTY_SETTINGS
@given(cases())
def test_on_call_agrees_with_the_segments_and_its_bounds_are_theirs(case: Case) -> None:
    layers = by_layer(shifts(case.rotation, case.start, case.end, case.others))
    boundaries = tuple(s.start for segments in layers.values() for s in segments)

    for at in case.instants + boundaries:
        found = on_call(case.rotation, at, case.others)
        held = [holding(segments, at) for segments in layers.values()]
        primary = holding(layers[Layer.PRIMARY], at)
        assert (found.primary, found.primary_reason) == (primary.person, primary.reason)
        if Layer.SECONDARY in layers:
            secondary = holding(layers[Layer.SECONDARY], at)
            assert (found.secondary, found.secondary_reason) == (secondary.person, secondary.reason)
        else:
            assert (found.secondary, found.secondary_reason) == (None, None)
        assert (found.start or MIN_INSTANT) <= at < (found.end or MAX_INSTANT)
        assert max(found.start or case.start, case.start) == max(s.start for s in held)
        assert min(found.end or case.end, case.end) == min(s.end for s in held)


@PROPERTY_SETTINGS
@given(cases())
def test_on_call_follows_a_naive_reading_of_the_rules(case: Case) -> None:
    for at in case.instants:
        found = on_call(case.rotation, at, case.others)

        assert (found.primary, found.primary_reason) == naive_primary(case.rotation, at)
        assert (found.secondary, found.secondary_reason) == naive_secondary(case.rotation, at, case.others)
        if found.primary is not None:
            assert found.secondary != found.primary or case.rotation.secondary.kind is SecondaryKind.ROTATION


@PROPERTY_SETTINGS
@given(plain_rotations("main"), st.integers(-3, 200))
def test_shift_numbering_round_trips(rotation: Rotation, k: int) -> None:
    begins = shift_start(rotation, k)
    if not MIN_INSTANT < begins < MAX_INSTANT:
        return

    assert shift_index(rotation, begins) == k
    assert shift_index(rotation, begins - TICK) == k - 1
    assert begins < shift_start(rotation, k + 1)
    assert begins == naive_shift_start(rotation, k)


# --- the rules, read naively -------------------------------------------------------------


def naive_shift_start(rotation: Rotation, k: int) -> datetime:
    zone = ZoneInfo(rotation.timezone)
    if rotation.shift.unit is ShiftUnit.HOURS:
        first = rotation.handoff.replace(tzinfo=zone).astimezone(UTC)
        return first + timedelta(hours=k * rotation.shift.count)
    days = rotation.shift.count * (7 if rotation.shift.unit is ShiftUnit.WEEKS else 1)
    return (rotation.handoff + timedelta(days=k * days)).replace(tzinfo=zone).astimezone(UTC)


def naive_shift(rotation: Rotation, at: datetime) -> int:
    """Walk shift by shift from the first handoff; -1 before it."""
    k = -1
    while naive_shift_start(rotation, k + 1) <= at:
        k += 1
    return k


def away(rotation: Rotation, person: str, at: datetime) -> bool:
    return any(t.person == person and t.start <= at < t.end for t in rotation.time_off)


def overriding(rotation: Rotation, at: datetime) -> str | None:
    live = [(o.created, i, o.person) for i, o in enumerate(rotation.overrides) if o.start <= at < o.end]
    return max(live)[2] if live else None


def naive_primary(rotation: Rotation, at: datetime) -> tuple[str | None, Reason]:
    person = overriding(rotation, at)
    if person is not None:
        return person, Reason.OVERRIDE
    k = naive_shift(rotation, at)
    if k < 0:
        return None, Reason.GAP
    members = rotation.members
    for step in range(len(members)):
        member = members[(k + step) % len(members)]
        if not away(rotation, member, at):
            return member, Reason.REGULAR if step == 0 else Reason.COVERING
    return None, Reason.GAP


def naive_secondary(rotation: Rotation, at: datetime, others: dict[str, Rotation]) -> tuple[str | None, Reason | None]:
    kind = rotation.secondary.kind
    if kind is SecondaryKind.NONE:
        return None, None
    if kind is SecondaryKind.ROTATION:
        other = others.get(rotation.secondary.rotation or "")
        return naive_primary(other, at) if other is not None else (None, Reason.GAP)
    k = naive_shift(rotation, at)
    if k < 0:
        return None, Reason.GAP
    members = rotation.members
    primary = naive_primary(rotation, at)[0]
    in_line = [members[(k + step) % len(members)] for step in range(1, len(members) + 1)]
    usual = next((m for m in in_line if m != overriding(rotation, at)), None)
    for member in in_line:
        if member != primary and not away(rotation, member, at):
            return member, Reason.REGULAR if member == usual else Reason.COVERING
    return None, Reason.GAP
