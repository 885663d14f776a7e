"""How cards say times, people and reasons: in the viewer's zone, the way a colleague would.

`Mon 12:00` for the coming week, `Mon 9 Mar 12:00` further out, `today` / `tomorrow` for
the nearest days, and a relative part (`in 3 days`) so nobody has to count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from shared.oncall import Reason

People = Mapping[str, str]

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_REASON_NOTES = {
    Reason.REGULAR: "",
    Reason.OVERRIDE: "override",
    Reason.COVERING: "covering time off",
    Reason.GAP: "nobody on duty",
}


def local_time(at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`today 18:00`, `tomorrow 09:00`, `Mon 12:00` (within a week), `Mon 9 Mar 12:00`, with the
    year when it is not the current one."""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    days = (local.date() - today).days
    if days == 0:
        return f"today {clock}"
    if days == 1:
        return f"tomorrow {clock}"
    if 1 < days < 7:
        return f"{local:%a} {clock}"
    year = f" {local.year}" if local.year != today.year else ""
    return f"{local:%a} {local.day} {local:%b}{year} {clock}"


def local_day(at: datetime, zone: ZoneInfo) -> str:
    local = at.astimezone(zone)
    return f"{local:%a} {local.day} {local:%b}"


def relative(at: datetime, now: datetime) -> str:
    """`in 3 days`, `in 2 hours`, `5 minutes ago`, `now`; rounded to the nearest unit."""
    seconds = (at - now).total_seconds()
    size = abs(seconds)
    if size < _MINUTE:
        return "now"
    for unit, length, limit in (("minute", _MINUTE, _HOUR), ("hour", _HOUR, 2 * _DAY), ("day", _DAY, 14 * _DAY)):
        if size < limit:
            return _direction(round(size / length), unit, seconds)
    return _direction(round(size / (7 * _DAY)), "week", seconds)


def _direction(count: int, unit: str, seconds: float) -> str:
    amount = f"{count} {unit}{'' if count == 1 else 's'}"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def when(at: datetime, zone: ZoneInfo, now: datetime) -> str:
    """`Mon 12:00 (in 3 days)`."""
    return f"{local_time(at, zone, now)} ({relative(at, now)})"


def stamp(at: datetime, zone: ZoneInfo) -> str:
    """`Mon 2 Mar 12:00`: one end of a period in a table, where relative words would mislead."""
    return f"{local_day(at, zone)} {at.astimezone(zone):%H:%M}"


def person(email: str | None, people: People | None = None) -> str:
    """A display name where one is known, else the address; `nobody` for a gap."""
    if email is None:
        return "nobody"
    return (people or {}).get(email, email)


def reason_note(reason: Reason | None) -> str:
    return _REASON_NOTES.get(reason, "") if reason is not None else ""


def zone_note(zone: ZoneInfo) -> str:
    return f"Times in {zone.key}"
