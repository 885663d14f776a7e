"""The rotation as a value: who takes turns, how long a turn lasts, and when it starts.

Everything here is a frozen value with validation on construction, so a `Rotation`
that exists is one the engine can compute with. Instants (overrides, time off) are
timezone-aware UTC datetimes; the first handoff is a *local* wall-clock time in the
rotation's zone, because "Monday 12:00 in Paris" is what people agree on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SHIFT_PATTERN = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.IGNORECASE)
MIN_LOCAL = datetime(1970, 1, 1)
MAX_LOCAL = datetime(2199, 12, 31, 23, 59, 59)
LOCAL_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


class ValidationError(ValueError):
    """A value that breaks a rule of the domain; `field` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ShiftUnit(StrEnum):
    HOURS = "h"
    DAYS = "d"
    WEEKS = "w"


#: Upper bounds keep arithmetic and calendars sane; nobody runs a 10-year shift.
MAX_SHIFT_COUNT = {ShiftUnit.HOURS: 24 * 366, ShiftUnit.DAYS: 366, ShiftUnit.WEEKS: 52}


@dataclass(frozen=True)
class ShiftLength:
    """N hours (absolute durations) or N days / N weeks (calendar days in the zone)."""

    count: int
    unit: ShiftUnit

    def __post_init__(self) -> None:
        if not isinstance(self.count, int) or isinstance(self.count, bool):
            raise ValidationError("shift", "the count must be a whole number")
        # Callers reading a stored row pass the unit as text; keep the enum so that
        # `is_calendar` and `days` (identity checks) mean the same for "h" and HOURS.
        try:
            object.__setattr__(self, "unit", ShiftUnit(self.unit))
        except ValueError as exc:
            raise ValidationError("shift", f"{self.unit!r} is not a unit; use h, d or w") from exc
        limit = MAX_SHIFT_COUNT[self.unit]
        if not 1 <= self.count <= limit:
            raise ValidationError("shift", f"must be between 1{self.unit} and {limit}{self.unit}")

    @classmethod
    def parse(cls, text: str) -> ShiftLength:
        """Read `12h`, `1d`, `2w`."""
        match = SHIFT_PATTERN.match(text) if isinstance(text, str) else None
        if not match:
            raise ValidationError("shift", f"{text!r} is not a shift length; write Nh, Nd or Nw (e.g. 1w)")
        return cls(int(match.group(1)), ShiftUnit(match.group(2).lower()))

    @property
    def is_calendar(self) -> bool:
        """Day and week shifts hand off at the same wall-clock time across DST."""
        return self.unit is not ShiftUnit.HOURS

    @property
    def days(self) -> int:
        """Length in calendar days (only meaningful when `is_calendar`)."""
        return self.count * (7 if self.unit is ShiftUnit.WEEKS else 1)

    @property
    def hours(self) -> int:
        return self.count

    def __str__(self) -> str:
        return f"{self.count}{self.unit.value}"


class SecondaryKind(StrEnum):
    NONE = "none"
    NEXT = "next"
    ROTATION = "rotation"


@dataclass(frozen=True)
class Secondary:
    """Who backs up the primary: nobody, the next member in line, or another rotation's primary."""

    kind: SecondaryKind = SecondaryKind.NONE
    rotation: str | None = None

    def __post_init__(self) -> None:
        if (self.kind is SecondaryKind.ROTATION) != (self.rotation is not None):
            raise ValidationError("secondary", "name a rotation exactly when the secondary is another rotation")

    @classmethod
    def parse(cls, value: str | None) -> Secondary:
        """`None`/`"none"` → none, `"next"` → next in line, anything else → that rotation."""
        if value is None or value == "" or value == SecondaryKind.NONE:
            return cls()
        if value == SecondaryKind.NEXT:
            return cls(SecondaryKind.NEXT)
        return cls(SecondaryKind.ROTATION, validate_name(value, "secondary"))

    def to_text(self) -> str | None:
        if self.kind is SecondaryKind.NONE:
            return None
        return self.rotation if self.kind is SecondaryKind.ROTATION else SecondaryKind.NEXT.value


def validate_name(name: object, field_name: str = "name") -> str:
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ValidationError(
            field_name,
            f"{name!r} is not a valid rotation name: use lowercase letters, digits, '-' or '_' (up to 63)",
        )
    return name


def normalize_email(value: object, field_name: str = "person") -> str:
    """Members are known by their Entra user principal name, compared case-insensitively."""
    if not isinstance(value, str) or not EMAIL_PATTERN.match(value.strip()) or len(value) > 254:
        raise ValidationError(field_name, f"{value!r} is not an email address (user principal name)")
    return value.strip().lower()


def load_zone(name: object) -> ZoneInfo:
    if not isinstance(name, str) or not name or name not in _zone_names():
        raise ValidationError("timezone", f"{name!r} is not an IANA time zone (e.g. Europe/Paris)")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:  # pragma: no cover - guarded by the set above
        raise ValidationError("timezone", f"{name!r} is not an IANA time zone") from exc


_ZONES: frozenset[str] | None = None


def _zone_names() -> frozenset[str]:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return _ZONES


def parse_local(text: object, field_name: str = "handoff") -> datetime:
    """A naive local date-time written `YYYY-MM-DD HH:MM` (seconds optional)."""
    if isinstance(text, datetime):
        if text.tzinfo is not None:
            raise ValidationError(field_name, "give a local date-time without an offset")
        return text.replace(microsecond=0)
    if isinstance(text, str):
        for fmt in LOCAL_FORMATS:
            try:
                return datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
    raise ValidationError(field_name, f"{text!r} is not a local date-time like 2026-03-02 12:00")


def format_local(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value.second == 0 else value.strftime("%Y-%m-%d %H:%M:%S")


MIN_INSTANT = datetime(1970, 1, 1, tzinfo=timezone.utc)
MAX_INSTANT = datetime(2200, 1, 1, tzinfo=timezone.utc)


def to_utc(value: datetime, field_name: str) -> datetime:
    """Instants must carry an offset and fall in 1970-2199; stored and computed in UTC."""
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field_name, "must be a date-time with a UTC offset")
    value = value.astimezone(timezone.utc)
    if not MIN_INSTANT <= value < MAX_INSTANT:
        raise ValidationError(field_name, "must be between 1970 and 2199")
    return value


def local_to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """Resolve a wall-clock time the way zoneinfo does with fold=0 (as RFC 5545 does):
    a time skipped by DST uses the offset before the jump, an ambiguous one the first."""
    return local.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def _normalize_span(span: Override | TimeOff) -> None:
    """Overrides and time off share their rules: a known person over a non-empty UTC span."""
    object.__setattr__(span, "person", normalize_email(span.person))
    object.__setattr__(span, "start", to_utc(span.start, "start"))
    object.__setattr__(span, "end", to_utc(span.end, "end"))
    if span.end <= span.start:
        raise ValidationError("end", "must be after start")


@dataclass(frozen=True)
class Override:
    """`person` takes the primary duty over [start, end); the later-created one wins an overlap."""

    person: str
    start: datetime
    end: datetime
    created: int = 0
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _normalize_span(self)


@dataclass(frozen=True)
class TimeOff:
    """`person` is away over [start, end): the next available member covers."""

    person: str
    start: datetime
    end: datetime
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        _normalize_span(self)


@dataclass(frozen=True)
class Rotation:
    """A validated rotation. The engine (`shared.oncall`) computes with it; nothing here does I/O."""

    name: str
    timezone: str
    shift: ShiftLength
    handoff: datetime
    members: tuple[str, ...]
    secondary: Secondary = Secondary()
    overrides: tuple[Override, ...] = ()
    time_off: tuple[TimeOff, ...] = ()
    #: Derived lookup structures (built by `shared.oncall`); not part of the value.
    _cache: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def __post_init__(self) -> None:
        validate_name(self.name)
        load_zone(self.timezone)
        if not isinstance(self.shift, ShiftLength):
            raise ValidationError("shift", "must be a shift length such as 1w")
        handoff = parse_local(self.handoff)
        if not MIN_LOCAL <= handoff <= MAX_LOCAL:
            raise ValidationError("handoff", "must be between 1970 and 2199")
        object.__setattr__(self, "handoff", handoff)
        members = tuple(normalize_email(m, "members") for m in self.members)
        if not members:
            raise ValidationError("members", "a rotation needs at least one member")
        if len(set(members)) != len(members):
            raise ValidationError("members", "each person may appear only once")
        object.__setattr__(self, "members", members)
        if self.secondary.kind is SecondaryKind.ROTATION and self.secondary.rotation == self.name:
            raise ValidationError("secondary", "a rotation cannot be its own secondary")
        object.__setattr__(self, "overrides", tuple(self.overrides))
        object.__setattr__(self, "time_off", tuple(self.time_off))
        # A fresh cache per value: `dataclasses.replace` passes the old one along, and an
        # index built for other overrides or members would answer for the wrong rotation.
        object.__setattr__(self, "_cache", {})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def first_handoff_utc(self) -> datetime:
        return local_to_utc(self.handoff, self.zone)

    def shift_duration_hint(self) -> timedelta:
        """Nominal length of one shift (ignoring DST), for estimates and window checks."""
        if self.shift.is_calendar:
            return timedelta(days=self.shift.days)
        return timedelta(hours=self.shift.hours)
