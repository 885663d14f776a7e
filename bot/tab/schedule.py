"""What the Schedule tab shows, computed from rotations and alerts: pure, no I/O.

For each rotation in view: who is on duty now, every layer's segments over the window
(the engine's `shifts`, so the page agrees with `rota who` and the chat), and the overrides
and time off that touch the window, so the page can mark them. Besides, the recent alerts
of the same rotations, with their state.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.alerts.model import Alert, AlertState, Severity
from bot.tab.viewer import Viewer
from shared.api_models import Email, Id, OnCallOut, RotationName, SegmentOut, SpanOut, Timestamp, WindowQuery
from shared.oncall import on_call, shifts
from shared.rotation import Override, Rotation, TimeOff

V1 = "/api/v1"
TEAM_ID_LENGTH = 256
#: How many recent alerts the tab's route answers unless asked for another number, and at most.
RECENT_ALERTS = 10
MOST_RECENT_ALERTS = 50


class Scope(StrEnum):
    """Which rotations are in view: those bound to the team's channels, the viewer's own, or all."""

    TEAM = "team"
    MINE = "mine"
    ALL = "all"


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


class TeamQuery(BaseModel):
    """The Teams team the tab is in (its thread id, `19:...`), which chooses the rotations in view."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    team: Annotated[str, Field(min_length=1, max_length=TEAM_ID_LENGTH)] | None = Field(
        default=None, description="the team's id as Teams gives it to a tab (`context.team.internalId`)"
    )


class ScheduleQuery(TeamQuery, WindowQuery):
    """The window to show, and the Teams team the tab is in."""


class RecentAlertsQuery(TeamQuery):
    """The Teams team the tab is in, and how many alerts to list."""

    limit: int = Field(RECENT_ALERTS, ge=1, le=MOST_RECENT_ALERTS, description="at most this many, newest first")


class ViewerOut(_Reply):
    name: str
    email: Email | None = Field(description="whose shifts to highlight; null for an API token")
    via: Literal["token", "teams"]
    admin: bool


class RotationScheduleOut(_Reply):
    name: RotationName
    timezone: str
    shift: str
    members: list[Email]
    secondary: str | None
    owners: list[Email]
    can_change: bool = Field(description="the viewer may add overrides and time off here")
    on_call: OnCallOut
    segments: list[SegmentOut] = Field(description="primary and secondary over the window")
    overrides: list[SpanOut] = Field(description="overrides that touch the window")
    time_off: list[SpanOut] = Field(description="time off that touches the window")
    calendar: str = Field(description="path of the rotation's calendar feed (it needs ?token=)")


class ScheduleOut(_Reply):
    viewer: ViewerOut
    now: Timestamp
    start: Timestamp
    end: Timestamp
    scope: Scope
    rotations: list[RotationScheduleOut]
    my_calendar: str | None = Field(description="path of the viewer's own calendar feed, when known")


class RecentAlertOut(_Reply):
    """An alert as the tab lists it: what fired, in which rotation, and what became of it."""

    id: Id
    rotation: RotationName
    title: str
    severity: Severity
    state: AlertState
    count: int = Field(description="notices received while it was open")
    starts_at: Timestamp
    last_seen: Timestamp
    acknowledged_by: Email | None
    resolved_by: Email | None = Field(description="null while it is open, and when its source resolved it")
    resolved_at: Timestamp | None


def in_view(rotations: Sequence[Rotation], bound: Iterable[str] | None, viewer: Viewer) -> tuple[Scope, list[Rotation]]:
    """The team's bound rotations when the tab is in a team that has some; else the
    signed-in person's own rotations when they are in any; else every rotation."""
    if bound is not None:
        names = set(bound)
        chosen = [r for r in rotations if r.name in names]
        if chosen:
            return Scope.TEAM, chosen
    if viewer.email is not None:
        mine = [r for r in rotations if viewer.email in r.members]
        if mine:
            return Scope.MINE, mine
    return Scope.ALL, list(rotations)


def rotation_schedule(
    rotation: Rotation,
    rotations: Mapping[str, Rotation],
    owners: Sequence[str],
    viewer: Viewer,
    now: datetime,
    window: WindowQuery,
) -> RotationScheduleOut:
    return RotationScheduleOut(
        name=rotation.name,
        timezone=rotation.timezone,
        shift=str(rotation.shift),
        members=list(rotation.members),
        secondary=rotation.secondary.to_text(),
        owners=list(owners),
        can_change=viewer.may_change(owners),
        on_call=OnCallOut.model_validate(on_call(rotation, now, rotations)),
        segments=[SegmentOut.model_validate(s) for s in shifts(rotation, window.start, window.end, rotations)],
        overrides=_touching(rotation.overrides, window),
        time_off=_touching(rotation.time_off, window),
        calendar=f"{V1}/rotations/{rotation.name}/calendar.ics",
    )


def _touching(spans: Iterable[Override | TimeOff], window: WindowQuery) -> list[SpanOut]:
    return [SpanOut.model_validate(s) for s in spans if s.start < window.end and s.end > window.start]


def viewer_out(viewer: Viewer) -> ViewerOut:
    return ViewerOut(name=viewer.name, email=viewer.email, via=viewer.via.value, admin=viewer.admin)


def person_calendar(viewer: Viewer) -> str | None:
    if viewer.email is None:
        return None
    return f"{V1}/people/{viewer.email}/calendar.ics"


def recent_alerts(alerts: Iterable[Alert], limit: int) -> list[RecentAlertOut]:
    """The `limit` newest of `alerts` (the last received first), as the tab lists them."""
    newest = sorted(alerts, key=lambda alert: alert.id or 0, reverse=True)[:limit]
    return [RecentAlertOut.model_validate(alert) for alert in newest]
