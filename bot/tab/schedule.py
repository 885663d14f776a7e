"""What the Schedule tab shows, computed from rotations: pure, no I/O.

For each rotation in view: who is on duty now, every layer's segments over the window
(the engine's `shifts`, so the page agrees with `rota who` and the chat), and the overrides
and time off that touch the window, so the page can mark them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.tab.viewer import Viewer
from shared.api_models import Email, OnCallOut, RotationName, SegmentOut, SpanOut, Timestamp, WindowQuery
from shared.oncall import on_call, shifts
from shared.rotation import Override, Rotation, TimeOff

V1 = "/api/v1"
TEAM_ID_LENGTH = 256


class Scope(StrEnum):
    """Which rotations are in view: those bound to the team's channels, the viewer's own, or all."""

    TEAM = "team"
    MINE = "mine"
    ALL = "all"


class _Reply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, from_attributes=True)


class ScheduleQuery(WindowQuery):
    """The window to show, and the Teams team the tab is in (its thread id, `19:...`)."""

    team: Annotated[str, Field(min_length=1, max_length=TEAM_ID_LENGTH)] | None = Field(
        default=None, description="the team's id as Teams gives it to a tab (`context.team.internalId`)"
    )


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
