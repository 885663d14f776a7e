"""Swap, cover and time off as arithmetic on the engine's answers: pure, no I/O.

Everything here reads the rotation through `shared.oncall.shifts`, so DST, overrides and
time off are the engine's business and the answers agree with `who` and `schedule`.

Swap semantics (`swap <date> with @them`):

* *My shift* is the whole stretch of primary duty I hold that contains the named time or,
  for a named day, the first such stretch that overlaps that day. Stretches are joined
  across handoffs, so two shifts in a row are one stretch.
* *Their shift* is the first stretch of primary duty they hold that starts once mine has
  ended (looking ahead two full turns of the rotation); if they have none, the last one
  that ends before mine starts and has not ended yet.
* Neither includes the past: a stretch under way is traded from now on.
* The trade is two overrides, written together: they take my stretch, I take theirs.
  Only the primary layer is traded; a secondary that is "the next in line" follows the
  regular order, as it always does.

Cover (`cover @them <from> <to>`): I take every stretch of their primary duty within
[from, to), from now on, as one override each.

Time off (`away <from> <to>`): one period of time off per rotation I am a member of,
from now on; `reassigned` then says who holds the stretches I would have held.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.oncall import Layer, shifts
from shared.rotation import Override, Rotation

Others = Mapping[str, Rotation]


@dataclass(frozen=True)
class Stretch:
    """Primary duty held by one person (None: a gap) over [start, end)."""

    person: str | None
    start: datetime
    end: datetime

    def from_(self, instant: datetime) -> Stretch | None:
        """The part of the stretch at or after `instant` (None if it is over by then)."""
        if self.end <= instant:
            return None
        return Stretch(self.person, max(self.start, instant), self.end)


def primary_stretches(
    rotation: Rotation, start: datetime, end: datetime, others: Others | None = None
) -> list[Stretch]:
    """The primary layer over [start, end), consecutive segments of one person joined."""
    stretches: list[Stretch] = []
    for segment in shifts(rotation, start, end, others):
        if segment.layer is not Layer.PRIMARY:
            continue
        if stretches and stretches[-1].person == segment.person and stretches[-1].end == segment.start:
            stretches[-1] = Stretch(segment.person, stretches[-1].start, segment.end)
        else:
            stretches.append(Stretch(segment.person, segment.start, segment.end))
    return stretches


def one_turn(rotation: Rotation) -> timedelta:
    """About one full turn of the rotation (every member once, and one more shift)."""
    return rotation.shift_duration_hint() * (len(rotation.members) + 1)


def stretch_of(
    rotation: Rotation, person: str, start: datetime, end: datetime, others: Others | None = None
) -> Stretch | None:
    """`person`'s first whole stretch of primary duty that overlaps [start, end)."""
    margin = one_turn(rotation)
    for stretch in primary_stretches(rotation, start - margin, end + margin, others):
        if stretch.person == person and stretch.end > start and stretch.start < end:
            return stretch
    return None


@dataclass(frozen=True)
class SwapPlan:
    mine: Stretch
    theirs: Stretch

    def overrides(self) -> tuple[Override, Override]:
        """They take mine, I take theirs."""
        assert self.mine.person is not None and self.theirs.person is not None
        return (
            Override(self.theirs.person, self.mine.start, self.mine.end),
            Override(self.mine.person, self.theirs.start, self.theirs.end),
        )


def my_stretch(
    rotation: Rotation, me: str, start: datetime, end: datetime, now: datetime, others: Others | None = None
) -> Stretch | None:
    """My stretch for a swap named by [start, end), from now on (None: I have none then)."""
    found = stretch_of(rotation, me, start, end, others)
    return found.from_(now) if found else None


def their_stretch(
    rotation: Rotation, them: str, mine: Stretch, now: datetime, others: Others | None = None
) -> Stretch | None:
    """Their stretch to trade for `mine` (see the module's swap semantics)."""
    ahead = primary_stretches(rotation, mine.end, mine.end + 2 * one_turn(rotation), others)
    after = [s for s in ahead if s.person == them]
    if after:
        return _whole(rotation, after[0], others)
    if mine.start <= now:
        return None
    before = [s for s in primary_stretches(rotation, now, mine.start, others) if s.person == them]
    return before[-1].from_(now) if before else None


def _whole(rotation: Rotation, stretch: Stretch, others: Others | None) -> Stretch:
    """A stretch cut by the end of a search window, grown to its real end."""
    found = stretch_of(rotation, stretch.person or "", stretch.start, stretch.end, others)
    return Stretch(stretch.person, stretch.start, found.end) if found else stretch


def cover_stretches(
    rotation: Rotation, them: str, start: datetime, end: datetime, now: datetime, others: Others | None = None
) -> list[Stretch]:
    """Their primary duty within [start, end), from now on."""
    start = max(start, now)
    if end <= start:
        return []
    return [s for s in primary_stretches(rotation, start, end, others) if s.person == them]


def reassigned(
    before: Rotation, after: Rotation, person: str, start: datetime, end: datetime, others: Others | None = None
) -> list[Stretch]:
    """Who holds, in `after`, the stretches `person` held in `before` within [start, end):
    a stretch still held by `person` is one an override keeps them on; None is a gap."""
    held = [s for s in primary_stretches(before, start, end, others) if s.person == person]
    result: list[Stretch] = []
    for stretch in held:
        result.extend(primary_stretches(after, stretch.start, stretch.end, others))
    return result
