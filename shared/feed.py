"""The per-user feed the tray client reads: the contract between the service and the tray.

Both sides validate against these models (the service what it sends, the tray what it
receives), and `feed_schema()` is the same contract as JSON Schema, committed as
`shared/schemas/feed.schema.json` so that a change shows up in review.

Endpoints (all under the public API, bearer token of the signed-in or paired user; a token
only ever shows its own user's data):

* ``GET /api/v1/me/shifts`` answers a `MyFeed`: my rotations with who is on duty now, my
  own shifts over the coming weeks (up to ``until``), and the open alerts handed to me.
* ``GET /api/v1/me/stream`` is a ``text/event-stream``. Every message carries the SSE
  field ``event:`` set to the event's ``type`` and one ``data:`` line holding the JSON of a
  `StreamEvent` (the envelope ``{"type", "data"}``). The first event of every connection
  is a ``feed`` snapshot, so a client that reconnects needs no resume id. Then:
  ``shift-changed`` when a swap, an override, time off or a handoff changes one of my
  rotations (it replaces what the client knows of that rotation), ``alert`` when an alert
  handed to me is created or changes state, and ``ping`` at least every 30 seconds so a
  client can tell a quiet stream from a dead one. A later ``feed`` replaces everything,
  like the first: it comes when something left my feed that no other event can take out
  (a rotation I left, an alert that is no longer mine), and when my reminder times change.
* ``POST /api/v1/me/alerts/{id}/acknowledge`` acknowledges one of my alerts and answers
  the updated `Alert`.
* ``GET /api/v1/tray/sign-in`` (no token) answers `SignInOptions`: how the tray signs in.
* ``POST /api/v1/pair`` (local mode, no token) exchanges the pairing code the bot gives in
  chat: `PairRequest` in, `PairResponse` out; 400 for a code that is unknown, used or
  expired, 429 (with ``Retry-After``) after too many wrong codes from one address.

Instants are ISO-8601 with an offset. Unknown fields are ignored on reading, so the
service can add a field without breaking trays that are not updated yet; removing or
renaming one needs a new API version.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    model_validator,
)
from pydantic.json_schema import models_json_schema

from shared.oncall import Layer, Reason
from shared.rotation import EMAIL_PATTERN, NAME_PATTERN, load_zone

SCHEMA_ID = "urn:rota:schema:tray-feed:v1"
SCHEMA_PATH = "shared/schemas/feed.schema.json"


def _zone_name(value: str) -> str:
    load_zone(value)
    return value


Email = Annotated[
    str,
    Field(max_length=254, pattern=EMAIL_PATTERN.pattern, json_schema_extra={"format": "email"}),
    AfterValidator(str.lower),
]
RotationName = Annotated[str, Field(pattern=NAME_PATTERN.pattern)]
ZoneName = Annotated[str, Field(min_length=1, description="IANA time zone"), AfterValidator(_zone_name)]
Instant = AwareDatetime
Url = Annotated[str, Field(pattern=r"^(https?|msteams)://\S+$", max_length=2048)]
#: A reminder time as Rota's reminder settings write it: `15m`, `2h`, `1d` before the
#: event, or `evening 18:00`, the evening before it at that time in my own time zone.
LEAD_PATTERN = r"^([1-9][0-9]{0,3}[mhd]|evening ([01][0-9]|2[0-3]):[0-5][0-9])$"
LeadText = Annotated[
    str,
    Field(
        pattern=LEAD_PATTERN,
        description="how long before the event (15m, 2h, 1d), or the evening before at a time (evening 18:00)",
    ),
]


class FeedSeverity(StrEnum):
    CRITICAL = "critical"
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class FeedAlertState(StrEnum):
    """`open` waits for someone to acknowledge it; the others are handled or waiting."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED = "resolved"


#: Named apart from the alerts service's own enums, so that both can sit in one OpenAPI document.
Severity = FeedSeverity
AlertState = FeedAlertState


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RotationNow(_Message):
    """Who holds one of my rotations right now, and until when (None: no handoff ahead)."""

    name: RotationName
    timezone: ZoneName
    primary: Email | None = Field(description="None while nobody is available (a gap)")
    secondary: Email | None = None
    until: Instant | None = None


class Shift(_Message):
    """One stretch of my duty in one rotation and layer, [start, end)."""

    rotation: RotationName
    person: Email
    start: Instant
    end: Instant
    layer: Layer = Layer.PRIMARY
    reason: Literal[Reason.REGULAR, Reason.OVERRIDE, Reason.COVERING] = Reason.REGULAR

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise ValueError("a shift must end after it starts")
        return self


class Alert(_Message):
    """An alert handed to me; `url` opens its card in Teams."""

    id: Annotated[str, Field(min_length=1, max_length=200)]
    rotation: RotationName
    title: Annotated[str, Field(min_length=1, max_length=500)]
    severity: Severity
    state: AlertState
    url: Url | None = None


class Links(_Message):
    """Where the tray's "Open Teams" and "Open schedule" items go."""

    teams: Url | None = None
    schedule: Url | None = None


class ReminderLeads(_Message):
    """When Rota reminds me of a shift: before it starts and before it ends (empty: no
    reminder of that event), written as `PUT /api/v1/people/{email}/reminders` takes them."""

    before_start: list[LeadText] = Field(default_factory=list)
    before_end: list[LeadText] = Field(default_factory=list)


class MyFeed(_Message):
    """Everything the tray shows and reminds about, for one user."""

    user: Email
    generated_at: Instant
    until: Instant = Field(description="the shifts listed cover up to this instant")
    rotations: list[RotationNow] = Field(default_factory=list)
    shifts: list[Shift] = Field(default_factory=list, description="my own shifts, by start")
    alerts: list[Alert] = Field(default_factory=list, description="alerts handed to me, not resolved")
    people: dict[Email, Annotated[str, Field(max_length=200)]] = Field(
        default_factory=dict, description="display names by email, for the people named above"
    )
    links: Links = Field(default_factory=Links)
    reminders: dict[RotationName, ReminderLeads] | None = Field(
        default=None,
        description=(
            "when Rota reminds me of my shifts, by rotation (an entry per rotation listed): for starts "
            "and for ends apart, my own reminder times where I set them, else the rotation's, else "
            "Rota's (the evening before at 18:00 and 15 minutes before a shift starts, 15 minutes "
            "before it ends), as Rota's reminders by DM go. Null or absent: not sent (an older "
            "service); the tray then reminds at its own times"
        ),
    )

    @model_validator(mode="after")
    def _mine(self) -> MyFeed:
        names = {rotation.name for rotation in self.rotations}
        for shift in self.shifts:
            if shift.person != self.user:
                raise ValueError(f"shift of {shift.person} in the feed of {self.user}")
            if shift.rotation not in names:
                raise ValueError(f"shift in rotation {shift.rotation!r}, which the feed does not list")
        for rotation in self.reminders or {}:
            if rotation not in names:
                raise ValueError(f"reminders of rotation {rotation!r}, which the feed does not list")
        return self


class ShiftsChanged(_Message):
    """One of my rotations changed: this replaces its entry and all my shifts in it."""

    rotation: RotationNow
    shifts: list[Shift] = Field(default_factory=list)
    cause: Literal["swap", "override", "time-off", "handoff", "schedule"] = "schedule"

    @model_validator(mode="after")
    def _same_rotation(self) -> ShiftsChanged:
        if any(shift.rotation != self.rotation.name for shift in self.shifts):
            raise ValueError("shifts of another rotation in a shift-changed event")
        return self


class Ping(_Message):
    at: Instant


class FeedEvent(_Message):
    type: Literal["feed"]
    data: MyFeed


class ShiftChangedEvent(_Message):
    type: Literal["shift-changed"]
    data: ShiftsChanged


class AlertEvent(_Message):
    type: Literal["alert"]
    data: Alert


class PingEvent(_Message):
    type: Literal["ping"]
    data: Ping


StreamEvent = Annotated[
    FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent,
    Field(discriminator="type"),
]


class PairRequest(_Message):
    code: Annotated[str, Field(min_length=4, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class PairResponse(_Message):
    """A personal token for `user`; the tray keeps it with the platform's protection."""

    token: Annotated[str, Field(min_length=16, max_length=4096)]
    user: Email


class SignInOptions(_Message):
    """`pairing` in local mode; otherwise the Entra app the tray signs in with through msal."""

    mode: Literal["pairing", "microsoft"]
    client_id: str | None = None
    authority: Url | None = None
    scopes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _complete(self) -> SignInOptions:
        if self.mode == "microsoft" and not (self.client_id and self.authority and self.scopes):
            raise ValueError("microsoft sign-in needs client_id, authority and scopes")
        return self


_STREAM_EVENT: TypeAdapter[FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent] = TypeAdapter(StreamEvent)

def parse_event(text: str | bytes) -> FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent:
    """Read one stream event from its JSON (raises pydantic's ValidationError)."""
    return _STREAM_EVENT.validate_json(text)


def dump_event(event: FeedEvent | ShiftChangedEvent | AlertEvent | PingEvent) -> str:
    return event.model_dump_json()


def feed_schema() -> dict[str, Any]:
    """The contract as one JSON Schema document: each message under `$defs`."""
    models = [MyFeed, PairRequest, PairResponse, SignInOptions, Alert, FeedEvent, ShiftChangedEvent, AlertEvent, PingEvent]
    _, top = models_json_schema([(model, "validation") for model in models], ref_template="#/$defs/{model}")
    defs = dict(top["$defs"])
    defs["StreamEvent"] = {
        "oneOf": [{"$ref": f"#/$defs/{name}"} for name in ("FeedEvent", "ShiftChangedEvent", "AlertEvent", "PingEvent")],
        "discriminator": {"propertyName": "type"},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Rota tray feed",
        "description": (__doc__ or "").strip().splitlines()[0],
        "$defs": dict(sorted(defs.items())),
    }


def schema_for(name: str) -> dict[str, Any]:
    """A schema that validates one message of the contract (e.g. "MyFeed", "StreamEvent")."""
    document = feed_schema()
    if name not in document["$defs"]:
        raise KeyError(name)
    return {**document, "$ref": f"#/$defs/{name}"}


def schema_text() -> str:
    return json.dumps(feed_schema(), indent=2, sort_keys=False) + "\n"


def _print_schema() -> None:
    """`python -m shared.feed > shared/schemas/feed.schema.json` regenerates the copy."""
    sys.stdout.write(schema_text())


if __name__ == "__main__":
    _print_schema()
