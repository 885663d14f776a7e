"""Which of a person's future shifts a change moved: a pure comparison of two schedules.

Rota keeps, per rotation, the primary shifts of the coming weeks as they were last seen.
After a change (a swap, an override, time off, a member added or removed), the new
schedule is compared with that copy over the weeks both cover: for each person, the
shifts they no longer hold and the shifts they hold now. Time passing changes nothing:
both copies are cut at the same instant before they are compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat.duty import Stretch

#: How far ahead changes are looked for (and the copy of the schedule reaches).
HORIZON = timedelta(weeks=8)


@dataclass(frozen=True)
class Moved:
    """A shift of the person's that changed hands: `holders` hold it now (None: a gap),
    or held it before (for a shift they gained)."""

    stretch: Stretch
    holders: tuple[str | None, ...]


@dataclass(frozen=True)
class ShiftChanges:
    person: str
    lost: tuple[Moved, ...]
    gained: tuple[Moved, ...]


def changed_shifts(
    before: Sequence[Stretch], after: Sequence[Stretch], start: datetime, end: datetime
) -> list[ShiftChanges]:
    """Per person whose duty differs within [start, end): the time they held before and
    no longer hold (`lost`), and the time they hold now and did not (`gained`)."""
    old, new = _clipped(before, start, end), _clipped(after, start, end)
    people = sorted({s.person for s in (*old, *new) if s.person is not None})
    result = []
    for person in people:
        had, has = _held(old, person), _held(new, person)
        lost = tuple(_moved(person, piece, new) for piece in _minus(had, has))
        gained = tuple(_moved(person, piece, old) for piece in _minus(has, had))
        if lost or gained:
            result.append(ShiftChanges(person, lost, gained))
    return result


Interval = tuple[datetime, datetime]


def _clipped(stretches: Iterable[Stretch], start: datetime, end: datetime) -> list[Stretch]:
    cut = (Stretch(s.person, max(s.start, start), min(s.end, end)) for s in stretches)
    return [s for s in cut if s.start < s.end]


def _held(stretches: Iterable[Stretch], person: str) -> list[Interval]:
    """The person's time on duty as sorted intervals, touching ones joined."""
    joined: list[Interval] = []
    for s in sorted((s for s in stretches if s.person == person), key=lambda s: s.start):
        if joined and joined[-1][1] >= s.start:
            joined[-1] = (joined[-1][0], max(joined[-1][1], s.end))
        else:
            joined.append((s.start, s.end))
    return joined


def _minus(these: Sequence[Interval], those: Sequence[Interval]) -> list[Interval]:
    """The parts of `these` that no interval of `those` covers."""
    pieces: list[Interval] = []
    for start, end in these:
        cursor = start
        for other_start, other_end in those:
            if other_end <= cursor or other_start >= end:
                continue
            if other_start > cursor:
                pieces.append((cursor, other_start))
            cursor = max(cursor, other_end)
        if cursor < end:
            pieces.append((cursor, end))
    return pieces


def _moved(person: str, piece: Interval, other: Sequence[Stretch]) -> Moved:
    start, end = piece
    holders = [s.person for s in other if s.start < end and start < s.end and s.person != person]
    return Moved(Stretch(person, start, end), tuple(dict.fromkeys(holders)))


def to_json(stretches: Iterable[Stretch]) -> list[list[str | None]]:
    """The copy of a schedule as stored."""
    return [[s.person, s.start.isoformat(), s.end.isoformat()] for s in stretches]


def from_json(data: Iterable[Sequence[str | None]]) -> list[Stretch]:
    return [Stretch(person, datetime.fromisoformat(str(start)), datetime.fromisoformat(str(end)))
            for person, start, end in data]  # fmt: skip
