"""Who is on duty: closed-form rotation arithmetic over an explicit instant.

The two public functions, `on_call` and `shifts`, are pure: they take a `Rotation` and
instants, never read a clock, and never iterate over past shifts. A shift index is found
by arithmetic on wall-clock time (then nudged by at most a step or two around DST), and
overrides and time off are looked up by bisection in sorted tables that are built once
per `Rotation` value (O(n log n)) and kept in its private cache; keep the value to keep
lookups O(log n). Walks step only over instants where an answer can change, so the
handoffs an override or a team-wide absence hides cost nothing.

Semantics (the contract the tests hold us to):

* Shift k starts, for day and week lengths, at the first handoff's wall-clock time k×N
  days later in the rotation's zone; for hour lengths k×N hours after the first handoff.
  Local times that do not exist or are ambiguous resolve with ``fold=0``.
* Shift k's regular primary is ``members[k mod n]``; before shift 0 nobody is on duty.
* An override replaces the primary over [start, end); where overrides overlap, the one
  created later wins (equal `created`: the one listed later). An override beats time
  off, even the overriding person's own.
* A member who is away is replaced by the next member in order who is not away; when
  everybody is away the period is a gap, reported as such.
* The secondary is the next available member after the regular primary (skipping the
  primary themself; the regular member comes last, so one displaced by an override
  backs up when nobody else can), or the primary of another rotation, or nobody. It is
  `covering-time-off` exactly when time off moved it from who it would otherwise be.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NamedTuple

from shared.rotation import (
    MIN_INSTANT,
    Override,
    Rotation,
    SecondaryKind,
    TimeOff,
    ValidationError,
    local_to_utc,
    to_utc,
)

_TICK = timedelta(microseconds=1)


class Layer(StrEnum):
    PRIMARY = "primary"
    SECONDARY = "secondary"


class Reason(StrEnum):
    REGULAR = "regular"
    OVERRIDE = "override"
    COVERING = "covering-time-off"
    GAP = "gap"


@dataclass(frozen=True)
class Segment:
    """One stretch of one layer during which the same person holds duty for the same reason."""

    person: str | None
    start: datetime
    end: datetime
    layer: Layer
    reason: Reason


@dataclass(frozen=True)
class OnCall:
    """The answer to "who is on duty at `at`", valid over [start, end) (None: unbounded)."""

    rotation: str
    at: datetime
    primary: str | None
    secondary: str | None
    start: datetime | None
    end: datetime | None
    primary_reason: Reason
    secondary_reason: Reason | None


Answer = tuple[str | None, Reason]


def check_instant(value: datetime, field: str) -> datetime:
    """Instants must be aware and within the years the engine computes for."""
    return to_utc(value, field)


def on_call(rotation: Rotation, at: datetime, others: Mapping[str, Rotation] | None = None) -> OnCall:
    """Primary and secondary at `at`, and the maximal period around it with the same answer.

    `others` resolves a secondary that is another rotation; if it is missing there the
    secondary is reported as a gap rather than guessed.
    """
    at = check_instant(at, "at")
    primary_track = _index(rotation).primary_track()
    primary = primary_track.answer_at(at)
    lo, hi = _run(primary_track, at, primary)
    secondary: Answer | None = None
    secondary_track = _secondary_track(rotation, others)
    if secondary_track is not None:
        secondary = secondary_track.answer_at(at)
        lo, hi = _intersect(lo, hi, *_run(secondary_track, at, secondary))
    return OnCall(
        rotation=rotation.name,
        at=at,
        primary=primary[0],
        secondary=secondary[0] if secondary else None,
        start=lo,
        end=hi,
        primary_reason=primary[1],
        secondary_reason=secondary[1] if secondary else None,
    )


def shifts(
    rotation: Rotation,
    start: datetime,
    end: datetime,
    others: Mapping[str, Rotation] | None = None,
) -> list[Segment]:
    """Effective segments of every layer over [start, end), each layer tiling the window.

    Cost is proportional to the number of segments returned (times a log for lookups),
    independent of how long the rotation has been running.
    """
    start = check_instant(start, "start")
    end = check_instant(end, "end")
    if end <= start:
        raise ValidationError("end", "must be after start")
    result = _tile(_index(rotation).primary_track(), start, end, Layer.PRIMARY)
    secondary_track = _secondary_track(rotation, others)
    if secondary_track is not None:
        result += _tile(secondary_track, start, end, Layer.SECONDARY)
    return result


def shift_start(rotation: Rotation, k: int) -> datetime:
    """UTC start of regular shift k (k may be negative: a handoff that never happened)."""
    return _index(rotation).shift_start(k)


def shift_index(rotation: Rotation, at: datetime) -> int:
    """The regular shift containing `at` (negative before the first handoff)."""
    return _index(rotation).shift_index(check_instant(at, "at"))


# --- walking and tiling --------------------------------------------------------------

BoundaryFn = Callable[[datetime], datetime | None]


class _Track(NamedTuple):
    """One layer as the walk sees it: the answer at an instant, and the boundaries around
    an instant between which that answer cannot change (None: none that way)."""

    answer_at: Callable[[datetime], Answer]
    prev_boundary: BoundaryFn
    next_boundary: BoundaryFn


def _nowhere(_: datetime) -> None:
    return None


#: A secondary rotation that is not known: a gap, at every instant.
_UNKNOWN = _Track(lambda _: (None, Reason.GAP), _nowhere, _nowhere)


def _secondary_track(rotation: Rotation, others: Mapping[str, Rotation] | None) -> _Track | None:
    kind = rotation.secondary.kind
    if kind is SecondaryKind.NEXT:
        return _index(rotation).secondary_track()
    if kind is SecondaryKind.ROTATION:
        other = (others or {}).get(rotation.secondary.rotation or "")
        return _UNKNOWN if other is None else _index(other).primary_track()
    return None


def _run(track: _Track, at: datetime, answer: Answer) -> tuple[datetime | None, datetime | None]:
    """Grow [lo, hi) around `at` over neighbouring elementary intervals with the same answer.

    Boundaries are only the instants where something *can* change, so the walk stops at
    the first real change: it never steps through the handoffs an override hides, those
    of a one-person rotation, or those while every member is away.
    """
    hi = track.next_boundary(at)
    while hi is not None and track.answer_at(hi) == answer:
        hi = track.next_boundary(hi)
    lo = track.prev_boundary(at)
    while lo is not None:
        before = track.prev_boundary(lo - _TICK)
        probe = before if before is not None else lo - _TICK
        if probe < MIN_INSTANT or track.answer_at(probe) != answer:
            break
        lo = before
    return lo, hi


def _intersect(
    lo: datetime | None, hi: datetime | None, lo2: datetime | None, hi2: datetime | None
) -> tuple[datetime | None, datetime | None]:
    new_lo = lo2 if lo is None else (lo if lo2 is None else max(lo, lo2))
    new_hi = hi2 if hi is None else (hi if hi2 is None else min(hi, hi2))
    return new_lo, new_hi


def _tile(track: _Track, start: datetime, end: datetime, layer: Layer) -> list[Segment]:
    """The layer's maximal stretches over [start, end), clipped to the window."""
    segments: list[Segment] = []
    t = start
    while t < end:
        person, reason = track.answer_at(t)
        nb = track.next_boundary(t)
        seg_end = end if nb is None or nb > end else nb
        last = segments[-1] if segments else None
        if last is not None and last.person == person and last.reason == reason:
            segments[-1] = Segment(person, last.start, seg_end, layer, reason)
        else:
            segments.append(Segment(person, t, seg_end, layer, reason))
        t = seg_end
    return segments


# --- the per-rotation index -------------------------------------------------------------


def _index(rotation: Rotation) -> _Index:
    cached = rotation._cache.get("oncall-index")
    if cached is None:
        cached = _Index(rotation)
        rotation._cache["oncall-index"] = cached
    return cached


class _Index:
    """Sorted lookup tables for one rotation: the effective override timeline (disjoint
    pieces, later-created winning), each person's merged time off, and every edge."""

    def __init__(self, rotation: Rotation) -> None:
        self.rotation = rotation
        self.zone = rotation.zone
        self.members = rotation.members
        self.n = len(rotation.members)
        self.h0 = local_to_utc(rotation.handoff, self.zone)
        self.step_days = timedelta(days=rotation.shift.days) if rotation.shift.is_calendar else None
        self.step_hours = None if rotation.shift.is_calendar else timedelta(hours=rotation.shift.hours)
        self.ov_starts, self.ov_ends, self.ov_people = _effective_overrides(rotation.overrides)
        # Only members' time off can change an answer; anyone else's is not an edge.
        self.away = {p: spans for p, spans in _merged_time_off(rotation.time_off).items() if p in self.members}
        edges: set[datetime] = set(self.ov_starts) | set(self.ov_ends)
        for starts, ends in self.away.values():
            edges.update(starts)
            edges.update(ends)
        self.edges = sorted(edges)

    # shift arithmetic

    def shift_start(self, k: int) -> datetime:
        if self.step_days is not None:
            return local_to_utc(self.rotation.handoff + k * self.step_days, self.zone)
        assert self.step_hours is not None
        return self.h0 + k * self.step_hours

    def shift_index(self, t: datetime) -> int:
        if self.step_days is not None:
            local = t.astimezone(self.zone).replace(tzinfo=None)
            k = (local - self.rotation.handoff) // self.step_days
        else:
            assert self.step_hours is not None
            k = (t - self.h0) // self.step_hours
        while self.shift_start(k) > t:
            k -= 1
        while self.shift_start(k + 1) <= t:
            k += 1
        return k

    # lookups

    def _override_piece(self, t: datetime) -> int | None:
        """Position of the effective override holding at `t`, if any."""
        i = bisect_right(self.ov_starts, t) - 1
        return i if i >= 0 and t < self.ov_ends[i] else None

    def override_at(self, t: datetime) -> str | None:
        piece = self._override_piece(t)
        return None if piece is None else self.ov_people[piece]

    def _away_span(self, person: str, t: datetime) -> tuple[datetime, datetime] | None:
        """The stretch of `person`'s time off that holds at `t`, if any."""
        table = self.away.get(person)
        if table is None:
            return None
        starts, ends = table
        i = bisect_right(starts, t) - 1
        return (starts[i], ends[i]) if i >= 0 and t < ends[i] else None

    def is_away(self, person: str, t: datetime) -> bool:
        return self._away_span(person, t) is not None

    def _everyone_away(self, t: datetime) -> tuple[datetime, datetime] | None:
        """When every member is away at `t`: from the last to leave to the first back."""
        spans = [span for member in self.members if (span := self._away_span(member, t)) is not None]
        if len(spans) < self.n:
            return None
        return max(start for start, _ in spans), min(end for _, end in spans)

    def answer_at(self, t: datetime) -> Answer:
        """The primary at `t`: override, else the first available member from the regular one."""
        person = self.override_at(t)
        if person is not None:
            return person, Reason.OVERRIDE
        k = self.shift_index(t)
        if k < 0:
            return None, Reason.GAP
        r = k % self.n
        for step in range(self.n):
            member = self.members[(r + step) % self.n]
            if not self.is_away(member, t):
                return member, Reason.REGULAR if step == 0 else Reason.COVERING
        return None, Reason.GAP

    def secondary_next_at(self, t: datetime) -> Answer:
        """The next available member after the regular one, never the primary themself.

        The regular member comes last in that order, so one displaced by an override
        backs up when nobody else can. The answer is `regular` when it is who would back
        up were nobody away, and `covering-time-off` when someone's time off moved it.
        """
        k = self.shift_index(t)
        if k < 0:
            return None, Reason.GAP
        overriding = self.override_at(t)
        primary = overriding if overriding is not None else self.answer_at(t)[0]
        in_line = [self.members[(k + step) % self.n] for step in range(1, self.n + 1)]
        usual = next((member for member in in_line if member != overriding), None)
        for member in in_line:
            if member != primary and not self.is_away(member, t):
                return member, Reason.REGULAR if member == usual else Reason.COVERING
        return None, Reason.GAP

    # boundaries: instants where the answer can change

    def primary_track(self) -> _Track:
        return _Track(self.answer_at, self.primary_prev_boundary, self.primary_next_boundary)

    def secondary_track(self) -> _Track:
        return _Track(self.secondary_next_at, self.secondary_prev_boundary, self.secondary_next_boundary)

    def _primary_held(self, t: datetime) -> tuple[datetime, datetime] | None:
        """The stretch around `t` over which the rules fix the primary, if they do: an
        override holds to its end whatever else happens; while every member is away only
        a return or an override can change it. Elsewhere, shifts and edges decide."""
        piece = self._override_piece(t)
        if piece is not None:
            return self.ov_starts[piece], self.ov_ends[piece]
        absence = self._everyone_away(t)
        if absence is None:
            return None
        i = bisect_right(self.ov_starts, t)  # overrides before i all ended by `t`
        start = max(absence[0], self.ov_ends[i - 1]) if i > 0 else absence[0]
        end = min(absence[1], self.ov_starts[i]) if i < len(self.ov_starts) else absence[1]
        return start, end

    def primary_next_boundary(self, t: datetime) -> datetime | None:
        held = self._primary_held(t)
        return self.next_boundary(t) if held is None else held[1]

    def primary_prev_boundary(self, t: datetime) -> datetime | None:
        held = self._primary_held(t)
        return self.prev_boundary(t) if held is None else held[0]

    def secondary_next_boundary(self, t: datetime) -> datetime | None:
        """While every member is away nobody can back up, whoever holds the primary; nor
        while one alone is available (and is the primary), until an edge."""
        absence = self._everyone_away(t)
        if absence is not None:
            return absence[1]
        if self._nobody_to_back_up(t):
            i = bisect_right(self.edges, t)
            return self.edges[i] if i < len(self.edges) else None
        return self.next_boundary(t)

    def secondary_prev_boundary(self, t: datetime) -> datetime | None:
        absence = self._everyone_away(t)
        if absence is not None:
            return absence[0]
        if self._nobody_to_back_up(t):
            i = bisect_right(self.edges, t) - 1
            return self.edges[i] if i >= 0 else None
        return self.prev_boundary(t)

    def _nobody_to_back_up(self, t: datetime) -> bool:
        """No override holds and at most one member is available, who is then the primary:
        the secondary is a gap that handoffs cannot end, only an override or a time off
        beginning or ending (an edge). Long leave in a small team would otherwise make a
        lookup walk every handoff of it."""
        available = sum(1 for member in self.members if not self.is_away(member, t))
        return available <= 1 and self._override_piece(t) is None

    def next_boundary(self, t: datetime) -> datetime | None:
        """The first boundary strictly after `t`."""
        candidates = []
        shift = self._next_shift_boundary(t)
        if shift is not None:
            candidates.append(shift)
        i = bisect_right(self.edges, t)
        if i < len(self.edges):
            candidates.append(self.edges[i])
        return min(candidates) if candidates else None

    def prev_boundary(self, t: datetime) -> datetime | None:
        """The last boundary at or before `t`."""
        candidates = []
        shift = self._prev_shift_boundary(t)
        if shift is not None:
            candidates.append(shift)
        i = bisect_right(self.edges, t) - 1
        if i >= 0:
            candidates.append(self.edges[i])
        return max(candidates) if candidates else None

    def _next_shift_boundary(self, t: datetime) -> datetime | None:
        first = self.h0
        if self.n == 1:
            return first if first > t else None
        k = self.shift_index(t)
        return first if k < 0 else self.shift_start(k + 1)

    def _prev_shift_boundary(self, t: datetime) -> datetime | None:
        if self.n == 1:
            return self.h0 if self.h0 <= t else None
        k = self.shift_index(t)
        return self.shift_start(k) if k >= 0 else None


def _effective_overrides(
    overrides: Iterable[Override],
) -> tuple[list[datetime], list[datetime], list[str]]:
    """Flatten overlapping overrides into disjoint pieces where the latest-created wins.

    A sweep over the sorted edges with a max-heap on creation order: O(n log n), once.
    """
    ordered = sorted(enumerate(overrides), key=lambda pair: pair[1].start)
    points = sorted({o.start for _, o in ordered} | {o.end for _, o in ordered})
    heap: list[tuple[int, int, Override]] = []
    starts: list[datetime] = []
    ends: list[datetime] = []
    people: list[str] = []
    i = 0
    for a, b in zip(points, points[1:]):
        while i < len(ordered) and ordered[i][1].start <= a:
            position, override = ordered[i]
            heapq.heappush(heap, (-override.created, -position, override))
            i += 1
        while heap and heap[0][2].end <= a:
            heapq.heappop(heap)
        if not heap:
            continue
        person = heap[0][2].person
        if people and people[-1] == person and ends[-1] == a:
            ends[-1] = b
        else:
            starts.append(a)
            ends.append(b)
            people.append(person)
    return starts, ends, people


def _merged_time_off(entries: Iterable[TimeOff]) -> dict[str, tuple[list[datetime], list[datetime]]]:
    """Each person's time off as sorted, disjoint, non-touching intervals."""
    by_person: dict[str, list[tuple[datetime, datetime]]] = {}
    for entry in entries:
        by_person.setdefault(entry.person, []).append((entry.start, entry.end))
    merged: dict[str, tuple[list[datetime], list[datetime]]] = {}
    for person, spans in by_person.items():
        spans.sort()
        starts: list[datetime] = []
        ends: list[datetime] = []
        for s, e in spans:
            if ends and s <= ends[-1]:
                ends[-1] = max(ends[-1], e)
            else:
                starts.append(s)
                ends.append(e)
        merged[person] = (starts, ends)
    return merged


__all__ = [
    "Layer",
    "OnCall",
    "Reason",
    "Segment",
    "check_instant",
    "on_call",
    "shift_index",
    "shift_start",
    "shifts",
]
