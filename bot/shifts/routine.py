"""Routine duties: recurring work of whoever is on duty, in the rotation's own zone.

A duty is written as one line, the way a team says it::

    weekdays 16:00 Production rollout checklist: dashboards green; announce in #releases; deploy
    thu 18:00 Pre-prod push
    sat 09:00 Watch the release

Days are `daily`, `weekdays`, `weekends`, a day (`thu`), a range (`mon-fri`) or a list of
those (`mon-wed,fri`); the time is 24-hour `HH:MM`; the title runs to the first `": "`,
after which come the checklist items, separated by `;`. A cron grammar would say the same
with less clarity, so this small one is kept instead.

Occurrences are wall-clock times in the rotation's zone, resolved like the engine's
handoffs (`zoneinfo`, fold=0): 02:30 on the night clocks spring forward happens at 03:30,
and on the night they fall back, at the first 02:30.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from shared.rotation import ValidationError, local_to_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAMED_DAYS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
}
MAX_TITLE = 200
MAX_ITEM = 200
MAX_ITEMS = 20
#: A rotation's duties; more would be a second job, not a routine.
MAX_DUTIES = 50
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_LINE = re.compile(r"^\s*(\S+)\s+(\S+)\s+(.+?)\s*$", re.DOTALL)


@dataclass(frozen=True)
class DutySchedule:
    """Days of the week (0 = Monday) and a local time of day."""

    days: frozenset[int]
    at: time

    def __post_init__(self) -> None:
        days = frozenset(self.days)
        if not days or not all(isinstance(d, int) and 0 <= d <= 6 for d in days):
            raise ValidationError("days", "name at least one weekday (mon to sun)")
        object.__setattr__(self, "days", days)
        if not isinstance(self.at, time) or self.at.tzinfo is not None or self.at.second or self.at.microsecond:
            raise ValidationError("at", "must be a local time of day such as 16:00")

    @classmethod
    def parse(cls, days: str, at: str) -> DutySchedule:
        return cls(parse_days(days), parse_time(at))

    def describe(self) -> str:
        """The days as the grammar writes them, shortest form first (`weekdays 16:00`)."""
        return f"{days_text(self.days)} {self.at:%H:%M}"

    def occurrences(self, zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
        """Every occurrence in [start, end), as UTC instants, in order."""
        first = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() + timedelta(days=1)
        found = {self._on(first + timedelta(days=n), zone) for n in range((last - first).days + 1)}
        return sorted(t for t in found if t is not None and start <= t < end)

    def next_after(self, zone: ZoneInfo, instant: datetime) -> datetime:
        """The first occurrence strictly after `instant` (at most a week and a day away)."""
        return self.occurrences(zone, instant + timedelta(microseconds=1), instant + timedelta(days=9))[0]

    def _on(self, day: date, zone: ZoneInfo) -> datetime | None:
        return local_to_utc(datetime.combine(day, self.at), zone) if day.weekday() in self.days else None


@dataclass(frozen=True)
class RoutineDuty:
    """One recurring duty of a rotation; `id` is set once stored."""

    schedule: DutySchedule
    title: str
    items: tuple[str, ...] = ()
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", _checked_text(self.title, "title", MAX_TITLE))
        items = tuple(_checked_text(item, "items", MAX_ITEM) for item in self.items)
        if len(items) > MAX_ITEMS:
            raise ValidationError("items", f"a duty has at most {MAX_ITEMS} checklist items")
        object.__setattr__(self, "items", items)

    @classmethod
    def parse(cls, line: str) -> RoutineDuty:
        """Read `weekdays 16:00 Title: item; item`. Raises ValidationError naming the part."""
        match = _LINE.match(line) if isinstance(line, str) else None
        if not match:
            raise ValidationError("duty", "write the days, the time and a title, e.g. “weekdays 16:00 Rollout”")
        days, at, rest = match.groups()
        title, _, items = rest.partition(": ")
        listed = tuple(item.strip() for item in items.split(";") if item.strip())
        return cls(DutySchedule.parse(days, at), title, listed)

    def line(self) -> str:
        """The duty as `parse` reads it back."""
        items = f": {'; '.join(self.items)}" if self.items else ""
        return f"{self.schedule.describe()} {self.title}{items}"


@dataclass(frozen=True)
class Occurrence:
    """A duty falling due at `at` (UTC)."""

    duty: RoutineDuty
    at: datetime


def occurrences(duties: list[RoutineDuty], zone: ZoneInfo, start: datetime, end: datetime) -> list[Occurrence]:
    """Every occurrence of `duties` in [start, end), in time order (then in list order)."""
    found = [Occurrence(duty, at) for duty in duties for at in duty.schedule.occurrences(zone, start, end)]
    return sorted(found, key=lambda o: o.at)


def next_occurrence(duties: list[RoutineDuty], zone: ZoneInfo, instant: datetime) -> datetime | None:
    """The first instant strictly after `instant` at which any of `duties` falls due."""
    return min((duty.schedule.next_after(zone, instant) for duty in duties), default=None)


def parse_days(text: str) -> frozenset[int]:
    """`daily`, `weekdays`, `weekends`, `thu`, `mon-fri`, `mon-wed,fri`."""
    words = text.lower().strip() if isinstance(text, str) else ""
    if words in NAMED_DAYS:
        return NAMED_DAYS[words]
    days: set[int] = set()
    for part in words.split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValidationError("days", f"{part or text!r} is not daily, weekdays, weekends, a day or a range")
        low, high = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if high < low:
            raise ValidationError("days", f"{part!r} runs backwards; write the days from Monday on")
        days.update(range(low, high + 1))
    return frozenset(days)


def days_text(days: frozenset[int]) -> str:
    """The shortest way the grammar says `days`: a name, or runs such as `mon-wed,fri`."""
    for name, named in NAMED_DAYS.items():
        if days == named:
            return name
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(WEEKDAYS[r[0]] if len(r) == 1 else f"{WEEKDAYS[r[0]]}-{WEEKDAYS[r[-1]]}" for r in runs)


def parse_time(text: str) -> time:
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValidationError("at", f"{text!r} is not a time of day such as 16:00")
    return time(int(match.group(1)), int(match.group(2)))


def _checked_text(value: object, field_name: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field_name, "must not be empty")
    value = " ".join(value.split())
    if len(value) > limit:
        raise ValidationError(field_name, f"is {len(value)} characters long; the limit is {limit}")
    return value
