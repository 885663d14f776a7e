"""The public HTTP API's contract (`/api/v1/`): what clients send and what they get back.

The service validates every request body and query against these models and builds every
JSON answer from them; the OpenAPI document is generated from them; the tray and scripts
can validate what they receive with the same classes. Request models refuse unknown
fields (a misspelt field is an error, not silently ignored); reply models ignore them, so
the service can add a field without breaking older clients.

Conversions to and from the domain values of `shared.rotation` live here too, so the
domain's own validation runs on everything that comes in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationInfo,
    field_validator,
)

from shared.oncall import Layer, Reason
from shared.rotation import (
    EMAIL_PATTERN,
    MAX_INSTANT,
    MIN_INSTANT,
    NAME_PATTERN,
    Override,
    Rotation,
    Secondary,
    ShiftLength,
    TimeOff,
    format_local,
    load_zone,
    parse_local,
)

#: Stored ids are 32-bit on every backend.
MAX_ID = 2**31 - 1
#: The widest window `shifts` answers for in one request.
MAX_WINDOW = timedelta(days=366)
MAX_MEMBERS = 500
MAX_AUDIT_LIMIT = 1000
LOCAL_PATTERN = (
    r"^(19[7-9][0-9]|2[01][0-9][0-9])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"[ T]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"
)
SHIFT_TEXT_PATTERN = r"^[1-9][0-9]{0,3}[hdw]$"
#: A `+` sent unencoded in a query string arrives as a space before the offset.
SPACED_OFFSET = re.compile(r" (\d{2}(:?\d{2})?)$")


def _zone_name(value: str) -> str:
    load_zone(value)
    return value


def _shift_text(value: str) -> str:
    return str(ShiftLength.parse(value))


def _local_text(value: str) -> str:
    return format_local(parse_local(value))


def _iso_text(value: object) -> object:
    """Only ISO-8601 text is an instant here (pydantic would also read a number as Unix time).
    `?at=2026-03-02T12:00+01:00` typed into a shell arrives as `12:00 01:00`: read it as meant."""
    if not isinstance(value, str) or ":" not in value:
        raise ValueError("give an ISO-8601 date-time with an offset, e.g. 2026-03-02T12:00:00+01:00")
    return SPACED_OFFSET.sub(r"+\1", value)


def _in_range(value: datetime) -> datetime:
    """The engine computes for 1970-2199; checked before any arithmetic can overflow."""
    if not MIN_INSTANT <= value < MAX_INSTANT:
        raise ValueError("must be between 1970 and 2199")
    return _utc(value)


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _after(end: datetime, info: ValidationInfo, start_name: str) -> datetime:
    """`end` must follow the model's `start` (when that is valid; else its own error says so)."""
    start = info.data.get("start")
    if start is not None and end <= start:
        raise ValueError(f"must be after {start_name}")
    return end


Email = Annotated[
    str,
    Field(max_length=254, pattern=EMAIL_PATTERN.pattern, examples=["alice@example.com"]),
    AfterValidator(str.lower),
]
RotationName = Annotated[str, Field(pattern=NAME_PATTERN.pattern, examples=["data-platform"])]
ZoneName = Annotated[
    str, Field(min_length=1, max_length=64, description="IANA time zone", examples=["Europe/Paris"]),
    AfterValidator(_zone_name),
]
ShiftText = Annotated[
    str,
    Field(pattern=SHIFT_TEXT_PATTERN, description="N hours, days or weeks: 12h, 1d, 1w", examples=["1w"]),
    AfterValidator(_shift_text),
]
LocalDateTime = Annotated[
    str,
    Field(pattern=LOCAL_PATTERN, description="wall-clock time in the rotation's zone", examples=["2026-03-02 12:00"]),
    AfterValidator(_local_text),
]
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso_text),
    Field(description="ISO-8601 instant with a UTC offset, 1970 to 2199", examples=["2026-03-02T11:00:00Z"]),
    AfterValidator(_in_range),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
#: An instant in an answer: in UTC, and (as the bound of a period) possibly outside 1970-2199.
Timestamp = Annotated[
    AwareDatetime,
    Field(description="ISO-8601 instant in UTC", examples=["2026-03-02T11:00:00Z"]),
    AfterValidator(_utc),
]
SecondaryText = Annotated[
    Annotated[str, Field(pattern=NAME_PATTERN.pattern)] | None,
    Field(description='"next" (the next member in line), another rotation\'s name, or null for none'),
]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Query(BaseModel):
    """Query strings: unknown parameters (a cache buster, say) are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class _Reply(BaseModel):
    """Built by the service from domain values (their attributes), read by clients from JSON."""

    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


class _RotationFields(BaseModel):
    name: RotationName
    timezone: ZoneName
    shift: ShiftText
    handoff: LocalDateTime = Field(description="the first handoff, local to `timezone`")
    members: Annotated[
        list[Email],
        Field(min_length=1, max_length=MAX_MEMBERS, json_schema_extra={"uniqueItems": True}),
    ]
    secondary: SecondaryText = None


class RotationIn(_Request, _RotationFields):
    """A rotation's settings and members, as created (POST) or replaced (PUT).
    Overrides and time off have their own endpoints and are kept by a PUT."""

    def to_rotation(self) -> Rotation:
        """The domain value; raises `shared.rotation.ValidationError` for what the domain refuses."""
        return Rotation(
            name=self.name,
            timezone=self.timezone,
            shift=ShiftLength.parse(self.shift),
            handoff=parse_local(self.handoff),
            members=tuple(self.members),
            secondary=Secondary.parse(self.secondary),
        )


class SpanIn(_Request):
    """`person` over [start, end): an override (they take the duty) or time off (they are away)."""

    person: Email
    start: Instant
    end: Instant

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: datetime, info: ValidationInfo) -> datetime:
        return _after(end, info, "start")

    def to_override(self) -> Override:
        return Override(person=self.person, start=self.start, end=self.end)

    def to_time_off(self) -> TimeOff:
        return TimeOff(person=self.person, start=self.start, end=self.end)


class SpanOut(_Reply):
    id: Id
    person: Email
    start: Timestamp
    end: Timestamp


class RotationOut(_Reply, _RotationFields):
    """A stored rotation. `overrides` (the later one wins an overlap) and `time_off` are read-only here."""

    overrides: list[SpanOut] = Field(default_factory=list)
    time_off: list[SpanOut] = Field(default_factory=list)

    @classmethod
    def from_rotation(cls, rotation: Rotation) -> RotationOut:
        return cls(
            name=rotation.name,
            timezone=rotation.timezone,
            shift=str(rotation.shift),
            handoff=format_local(rotation.handoff),
            members=list(rotation.members),
            secondary=rotation.secondary.to_text(),
            overrides=[SpanOut.model_validate(o) for o in rotation.overrides],
            time_off=[SpanOut.model_validate(t) for t in rotation.time_off],
        )


class MembersIn(_Request):
    """The complete new list of members, in rotation order."""

    members: Annotated[
        list[Email],
        Field(min_length=1, max_length=MAX_MEMBERS, json_schema_extra={"uniqueItems": True}),
    ]


class MemberIn(_Request):
    """One more member, at `position` (0 is first; default: last)."""

    person: Email
    position: Annotated[int, Field(ge=0, le=MAX_MEMBERS)] | None = None


class OnCallOut(_Reply):
    """Who is on duty at the instant asked, and the period [start, end) over which that holds
    (null: unbounded). A null person is a gap: nobody available, or before the first handoff."""

    rotation: RotationName
    primary: Email | None
    secondary: Email | None
    start: Timestamp | None
    end: Timestamp | None
    primary_reason: Reason
    secondary_reason: Reason | None


class SegmentOut(_Reply):
    """One stretch of one layer, [start, end), held by the same person for the same reason."""

    person: Email | None
    start: Timestamp
    end: Timestamp
    layer: Layer
    reason: Reason


class AuditEntryOut(_Reply):
    id: int
    at: Timestamp
    actor: str
    rotation: str | None
    action: str = Field(examples=["rotation.update"])
    details: dict[str, Any]


class ErrorDetail(_Reply):
    code: str = Field(examples=["validation_error"])
    message: str
    field: str | None = Field(default=None, description="the request field to fix, as a dotted path")


class ErrorBody(_Reply):
    """Every 4xx and 5xx answer of the API has this shape."""

    error: ErrorDetail


class Health(_Reply):
    status: str = Field(examples=["ok"])
    database: str = Field(examples=["ok"])
    version: str


class AtQuery(_Query):
    at: Instant | None = Field(default=None, description="the instant to ask about (default: now)")


class WindowQuery(_Query):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to", description=f"after `from`, at most {MAX_WINDOW.days} days later")

    @field_validator("end")
    @classmethod
    def _bounded(cls, end: datetime, info: ValidationInfo) -> datetime:
        _after(end, info, "from")
        if "start" in info.data and end - info.data["start"] > MAX_WINDOW:
            raise ValueError(f"the window may span at most {MAX_WINDOW.days} days")
        return end


class AuditQuery(_Query):
    rotation: RotationName | None = Field(default=None, description="only this rotation's entries")
    limit: Annotated[int, Field(ge=1, le=MAX_AUDIT_LIMIT)] = 100


#: What each `{parameter}` in an API path may hold.
PATH_PARAMETERS: dict[str, TypeAdapter[Any]] = {
    "name": TypeAdapter(RotationName),
    "email": TypeAdapter(Email),
    "override_id": TypeAdapter(Id),
    "time_off_id": TypeAdapter(Id),
    "id": TypeAdapter(Id),
}
