"""Business hours and urgency: page now, or hold for the morning's digest.

Each rotation may declare business hours (weekdays and a local start and end time in the
rotation's IANA zone) and which severities are urgent (critical and high unless told).
Urgent alerts page at any hour; the others, outside business hours, are held until the
next start of business hours and then delivered together as one digest, which also
lists the held alerts that were resolved or acknowledged in the meantime.

A day's opening and closing are resolved like the rotation engine's handoffs (`zoneinfo`,
fold=0): an opening time skipped by a DST change falls where the wall clock would have
been had it not jumped (02:30 on the spring-forward night opens at 03:30), an ambiguous
one at its first occurrence. There is no holiday calendar.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.alerts.model import Alert, AlertState, Severity
from shared.rotation import ValidationError, load_zone, local_to_utc, to_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_URGENT = frozenset({Severity.CRITICAL, Severity.HIGH})
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class BusinessHours:
    """Working days (0 = Monday) and local [start, end) in `timezone`, e.g. Mon-Fri 09:00-18:00."""

    timezone: str
    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(18, 0)

    def __post_init__(self) -> None:
        load_zone(self.timezone)
        days = frozenset(self.days)
        if not days or not all(isinstance(day, int) and 0 <= day <= 6 for day in days):
            raise ValidationError("days", "name at least one weekday (mon to sun)")
        object.__setattr__(self, "days", days)
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValidationError(name, "must be a local time of day such as 09:00")
        if self.start >= self.end:
            raise ValidationError("end", "business hours must end after they start, on the same day")

    @classmethod
    def parse(cls, timezone: str, days: str = "mon-fri", start: str = "09:00", end: str = "18:00") -> BusinessHours:
        """From text as people write it: days `mon-fri`, `mon,wed,fri` or `mon-thu,sat`."""
        return cls(timezone, _parse_days(days), _parse_time(start, "start"), _parse_time(end, "end"))

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        names = ", ".join(WEEKDAYS[day].capitalize() for day in sorted(self.days))
        return f"{names} {self.start:%H:%M}-{self.end:%H:%M} ({self.timezone})"


def _parse_days(text: object) -> frozenset[int]:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("days", "name weekdays such as mon-fri or mon,wed,fri")
    days: set[int] = set()
    for part in text.lower().replace(" ", "").split(","):
        first, _, last = part.partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValidationError("days", f"{part!r} is not a weekday or a range such as mon-fri")
        low, high = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
        if high < low:
            raise ValidationError("days", f"{part!r} runs backwards; write the days from Monday on")
        days.update(range(low, high + 1))
    return frozenset(days)


def _parse_time(text: object, field_name: str) -> time:
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValidationError(field_name, f"{text!r} is not a time of day such as 09:00")
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class UrgencyRules:
    """A rotation's rules: its business hours (None: always) and which severities page at night."""

    business_hours: BusinessHours | None = None
    urgent: frozenset[Severity] = DEFAULT_URGENT

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "urgent", frozenset(Severity(value) for value in self.urgent))
        except ValueError as exc:
            raise ValidationError("urgent", f"{exc}; severities are {', '.join(Severity)}") from None


def is_business_hours(hours: BusinessHours | None, at: datetime) -> bool:
    """Whether `at` falls in its local day's business hours (always, without business hours)."""
    if hours is None:
        return True
    at = to_utc(at, "at")
    day = at.astimezone(hours.zone).date()
    if day.weekday() not in hours.days:
        return False
    opening, closing = _window(hours, day)
    return opening <= at < closing


def next_business_start(hours: BusinessHours | None, at: datetime) -> datetime:
    """The first opening of business hours at or after `at` (UTC): at most a week away, or
    two when the only business day's hours fall inside a DST gap that week."""
    at = to_utc(at, "at")
    if hours is None:
        return at
    today = at.astimezone(hours.zone).date()
    days = (today + timedelta(days=offset) for offset in range(15))
    windows = (_window(hours, day) for day in days if day.weekday() in hours.days)
    return next(opening for opening, closing in windows if at <= opening < closing)


def _window(hours: BusinessHours, day: date) -> tuple[datetime, datetime]:
    """A day's business hours as UTC instants [opening, closing). Both ends resolve like the
    rotation engine's handoffs, so the window is empty only if it lies inside a DST gap."""
    return (local_to_utc(datetime.combine(day, hours.start), hours.zone),
            local_to_utc(datetime.combine(day, hours.end), hours.zone))


@dataclass(frozen=True)
class DeliverNow:
    """Page now and escalate as the policy says."""


@dataclass(frozen=True)
class HoldUntil:
    """Hold the alert, unescalated, for the digest at `until`."""

    until: datetime


Disposition = DeliverNow | HoldUntil


def disposition(alert: Alert, hours: BusinessHours | None, urgent: Iterable[Severity],
                at: datetime) -> Disposition:
    """Urgent alerts, and any alert in business hours, are delivered now; the rest wait."""
    if alert.severity in frozenset(urgent) or is_business_hours(hours, at):
        return DeliverNow()
    return HoldUntil(next_business_start(hours, at))


def pages_wait_until(alert: Alert, rules: UrgencyRules, at: datetime) -> datetime | None:
    """When an alert that would page someone at `at` (its next escalation step, the end of
    its snooze) must wait for instead: the next opening of business hours for one that is
    not urgent, outside them; None when it may page now. An alert paged in the afternoon
    does not climb to the secondary, nor come back from a snooze, in the middle of the night."""
    decided = disposition(alert, rules.business_hours, rules.urgent, at)
    return decided.until if isinstance(decided, HoldUntil) else None


@dataclass(frozen=True)
class Digest:
    """The alerts held for this business-hours start, after `Alert.digested`: the ones
    still waiting (now triggered, the digest being their first page), then the ones
    acknowledged or resolved meanwhile. Each group is ordered most severe first, then oldest."""

    at: datetime
    alerts: tuple[Alert, ...]

    @property
    def waiting(self) -> tuple[Alert, ...]:
        return self._in(AlertState.TRIGGERED)

    @property
    def acknowledged(self) -> tuple[Alert, ...]:
        return self._in(AlertState.ACKNOWLEDGED)

    @property
    def resolved(self) -> tuple[Alert, ...]:
        return self._in(AlertState.RESOLVED)

    def _in(self, state: AlertState) -> tuple[Alert, ...]:
        return tuple(alert for alert in self.alerts if alert.state is state)


def digest(alerts: Iterable[Alert], at: datetime) -> Digest | None:
    """The digest due at `at` from a rotation's alerts (None when nothing is due).

    An alert is in it when it was held until `at` or earlier and no digest has listed it
    yet; the returned alerts carry a `digested` timeline entry and are what to store."""
    at = to_utc(at, "at")
    due = [alert.digested(at) for alert in alerts if alert.held_until is not None and alert.held_until <= at]
    if not due:
        return None
    return Digest(at, tuple(sorted(due, key=lambda alert: (alert.severity.rank, alert.starts_at))))
