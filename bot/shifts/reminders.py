"""Reminders before a shift starts and before it ends: when, for whom, and which are due.

A *lead* says how long before the event: a duration (`15m`, `2h`, `1d`) or "the evening
before" at a local time (`evening 18:00`), read in the person's own zone. A rotation has
default leads; a person may set their own, which replace the rotation's for that kind
of event (start or end) only.

Which reminders are due is a pure function of the shifts ahead and what was already
sent: each reminder is planned at `event - lead`; once its time has come and the event
is still ahead it is due. When several reminders of one event are due together (the
service was down), only the one nearest the event is sent; the others count as sent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.chat.duty import Stretch
from shared.rotation import ValidationError, local_to_utc

MAX_LEAD = timedelta(days=2)
MAX_LEADS = 4
#: How far ahead reminders are planned: the longest lead and a day to spare; planning
#: again every `REPLAN` then finds every reminder before its time.
HORIZON = MAX_LEAD + timedelta(days=1)
REPLAN = HORIZON - MAX_LEAD
_DURATION = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hours?|d|days?)$")
_EVENING = re.compile(r"^(?:evening|eve|day before)\s+([01]?\d|2[0-3]):([0-5]\d)$")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}
_UNIT_WORDS = {"m": "minute", "h": "hour", "d": "day"}


class Event(StrEnum):
    START = "start"
    END = "end"


@dataclass(frozen=True)
class Lead:
    """How long before an event a reminder goes: `before`, or the evening before at `evening`."""

    before: timedelta | None = None
    evening: time | None = None

    def __post_init__(self) -> None:
        if (self.before is None) == (self.evening is None):
            raise ValidationError("lead", "a lead is a duration or an evening time, not both")
        if self.before is not None and not timedelta(0) < self.before <= MAX_LEAD:
            raise ValidationError("lead", f"a reminder goes at most {MAX_LEAD.days} days ahead")

    @classmethod
    def parse(cls, text: str) -> Lead:
        words = " ".join(text.lower().split()) if isinstance(text, str) else ""
        duration = _DURATION.match(words)
        if duration:
            return cls(before=int(duration.group(1)) * _UNITS[duration.group(2)[0]])
        evening = _EVENING.match(words)
        if evening:
            return cls(evening=time(int(evening.group(1)), int(evening.group(2))))
        raise ValidationError("lead", f"{text!r} is not a lead such as 15m, 2h, 1d or evening 18:00")

    def text(self) -> str:
        """The lead as `parse` reads it back (`15m`, `2h`, `evening 18:00`)."""
        if self.evening is not None:
            return f"evening {self.evening:%H:%M}"
        assert self.before is not None
        minutes = int(self.before.total_seconds() // 60)
        for unit, size in (("d", 1440), ("h", 60)):
            if minutes % size == 0:
                return f"{minutes // size}{unit}"
        return f"{minutes}m"

    def words(self) -> str:
        """The lead as a person reads it: `the evening before at 18:00`, `15 minutes before`."""
        if self.evening is not None:
            return f"the evening before at {self.evening:%H:%M}"
        short = self.text()
        amount, unit = int(short[:-1]), _UNIT_WORDS[short[-1]]
        return f"{amount} {unit}{'' if amount == 1 else 's'} before"

    def instant(self, event: datetime, zone: ZoneInfo) -> datetime:
        """When the reminder of `event` goes, for someone in `zone`."""
        if self.before is not None:
            return event - self.before
        assert self.evening is not None
        day: date = event.astimezone(zone).date() - timedelta(days=1)
        return local_to_utc(datetime.combine(day, self.evening), zone)


@dataclass(frozen=True)
class ReminderPrefs:
    """Leads before a shift starts and before it ends; None: not chosen here (the
    rotation's default, or Rota's, applies)."""

    before_start: tuple[Lead, ...] | None = None
    before_end: tuple[Lead, ...] | None = None

    def __post_init__(self) -> None:
        for name in ("before_start", "before_end"):
            leads = getattr(self, name)
            if leads is not None and len(set(leads)) > MAX_LEADS:
                raise ValidationError(name, f"at most {MAX_LEADS} reminders per event")

    def over(self, fallback: ReminderPrefs) -> ReminderPrefs:
        """These choices, with `fallback`'s where none was made."""
        start = self.before_start if self.before_start is not None else fallback.before_start
        end = self.before_end if self.before_end is not None else fallback.before_end
        return ReminderPrefs(start, end)

    def chosen(self, event: Event) -> tuple[Lead, ...] | None:
        """What was chosen for `event`, as given (None: nothing, so a fallback applies)."""
        return self.before_start if event is Event.START else self.before_end

    def choosing(self, event: Event, leads: tuple[Lead, ...] | None) -> ReminderPrefs:
        """These choices with `leads` for `event` instead."""
        if event is Event.START:
            return ReminderPrefs(leads, self.before_end)
        return ReminderPrefs(self.before_start, leads)

    def leads(self, event: Event) -> tuple[Lead, ...]:
        return tuple(dict.fromkeys(self.chosen(event) or ()))

    def to_dict(self) -> dict[str, list[str] | None]:
        return {name: None if leads is None else [lead.text() for lead in leads]
                for name, leads in (("before_start", self.before_start), ("before_end", self.before_end))}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ReminderPrefs:
        return cls(_leads(data.get("before_start"), "before_start"), _leads(data.get("before_end"), "before_end"))


#: Rota's own default: the evening before and a quarter of an hour before a shift starts,
#: a quarter of an hour before it ends (time to write the handover).
DEFAULT_PREFS = ReminderPrefs(
    before_start=(Lead(evening=time(18, 0)), Lead(before=timedelta(minutes=15))),
    before_end=(Lead(before=timedelta(minutes=15)),),
)


def effective_prefs(own: ReminderPrefs | None, rotation_default: ReminderPrefs | None) -> ReminderPrefs:
    """The reminders a person gets in a rotation: their own choices, else the rotation's
    default, else Rota's, for shift starts and shift ends each on its own. The DM
    reminders, the tray's feed and `remind` in chat all read them through this."""
    return (own or ReminderPrefs()).over((rotation_default or ReminderPrefs()).over(DEFAULT_PREFS))


def _leads(value: object, field_name: str) -> tuple[Lead, ...] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValidationError(field_name, "must be a list of leads such as 15m or evening 18:00")
    return tuple(Lead.parse(v) for v in value)


@dataclass(frozen=True)
class Reminder:
    """One reminder: `person`'s shift in `rotation` starts or ends at `event_at`; sent at `at`."""

    rotation: str
    person: str
    event: Event
    event_at: datetime
    at: datetime
    lead: Lead
    #: When the shift ends (None: beyond the stretch of schedule that was looked at).
    shift_end: datetime | None

    @property
    def key(self) -> str:
        """The outbox idempotency key: one per reminder, whatever restarts happen."""
        what = f"{self.rotation}|{self.person}|{self.event}|{self.event_at.isoformat()}|{self.lead.text()}"
        return f"remind:{self.event}:{self.event_at:%Y%m%dT%H%M}:{hashlib.sha256(what.encode()).hexdigest()[:24]}"


def plan(
    rotation: str,
    stretches: Sequence[Stretch],
    prefs_of: Callable[[str], ReminderPrefs],
    zone_of: Callable[[str], ZoneInfo],
    window: tuple[datetime, datetime],
    known_until: datetime | None = None,
) -> list[Reminder]:
    """Every reminder of the events strictly inside `window` (a stretch cut by the window
    has no event at the cut), in time order. `stretches` may reach beyond the window, up
    to `known_until` (default: its end), so that a reminder can say when the shift ends."""
    start, end = window
    horizon = known_until or end
    reminders = []
    for stretch in stretches:
        if stretch.person is None:
            continue
        prefs, zone = prefs_of(stretch.person), zone_of(stretch.person)
        shift_end = stretch.end if stretch.end < horizon else None
        for event, event_at in ((Event.START, stretch.start), (Event.END, stretch.end)):
            if start < event_at < end:
                reminders.extend(Reminder(rotation, stretch.person, event, event_at, lead.instant(event_at, zone),
                                          lead, shift_end)
                                 for lead in prefs.leads(event))  # fmt: skip
    return sorted(reminders, key=lambda r: (r.at, r.key))


@dataclass(frozen=True)
class Due:
    """What to do now: `send` these, and count `settled` (those sent and those skipped) as done."""

    send: tuple[Reminder, ...]
    settled: tuple[Reminder, ...]


def due(reminders: Iterable[Reminder], sent: set[str], now: datetime) -> Due:
    """The reminders whose time has come, one per event (the latest lead wins)."""
    waiting = [r for r in reminders if r.key not in sent and r.at <= now < r.event_at]
    latest: dict[tuple[str, Event, datetime], Reminder] = {}
    for reminder in sorted(waiting, key=lambda r: r.at):
        latest[(reminder.person, reminder.event, reminder.event_at)] = reminder
    return Due(tuple(latest.values()), tuple(waiting))


def next_at(reminders: Iterable[Reminder], sent: set[str], now: datetime) -> datetime | None:
    """When the next reminder falls due (now, if one already has)."""
    ahead = [max(r.at, now) for r in reminders if r.key not in sent and now < r.event_at]
    return min(ahead, default=None)
