"""My shifts as one timeline, and instants written the way a person reads them in their zone.

The service sends segments as the engine cuts them: my regular week followed directly by
an override of myself is two segments, but to me it is one shift, and a reminder that it
"ends in 15 minutes" at the seam would be wrong. So shifts of the same rotation and layer
that touch are merged here, once, before anything decides on them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from shared.feed import Shift
from shared.oncall import Layer


def merged(shifts: list[Shift] | tuple[Shift, ...]) -> list[Shift]:
    """Shifts sorted by start, with touching or overlapping ones of the same rotation and layer joined."""
    result: list[Shift] = []
    for shift in sorted(shifts, key=lambda s: (s.start, s.rotation, s.layer)):
        joined = next(
            (
                i
                for i in range(len(result) - 1, -1, -1)
                if result[i].rotation == shift.rotation
                and result[i].layer == shift.layer
                and result[i].end >= shift.start
            ),
            None,
        )
        if joined is None:
            result.append(shift)
        else:
            previous = result[joined]
            result[joined] = previous.model_copy(update={"end": max(previous.end, shift.end)})
    return result


def primary(shifts: list[Shift]) -> list[Shift]:
    return [shift for shift in shifts if shift.layer is Layer.PRIMARY]


def when(at: datetime, now: datetime, zone: ZoneInfo) -> str:
    """`today 18:00`, `tomorrow 09:00`, or `Mon 2 Mar 12:00`, in the reader's zone."""
    local = at.astimezone(zone)
    days = (local.date() - now.astimezone(zone).date()).days
    clock = f"{local:%H:%M}"
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    return f"{local:%a} {local.day} {local:%b} {clock}"


def span(start: datetime, end: datetime, now: datetime, zone: ZoneInfo) -> str:
    """A shift's period; the end shows only its time when it is on the same local day."""
    same_day = start.astimezone(zone).date() == end.astimezone(zone).date()
    tail = f"{end.astimezone(zone):%H:%M}" if same_day else when(end, now, zone)
    return f"{when(start, now, zone)} – {tail}"


def duration(delta: timedelta) -> str:
    """`2 seconds`, `15 minutes`, `1 hour`, `1 hour 30 minutes`, `2 days`: rounded the way people say it."""
    seconds = max(0, round(delta.total_seconds()))
    if seconds < 60:
        return _plural(seconds, "second")
    minutes = round(seconds / 60)
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")
    return _plural(round(hours / 24), "day")


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """When `today`/`tomorrow` labels change: the next local midnight, as an aware instant."""
    local = now.astimezone(zone)
    tomorrow = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    return tomorrow.astimezone(now.tzinfo)
