"""Calendar feeds (RFC 5545): a rotation's shifts, or one person's duties, as iCalendar bytes.

Pure: segments from the engine in, bytes out. Calendar apps re-fetch a subscribed feed
every few hours and match events by UID, so a UID names a rotation, a layer and the
instant the segment starts; a swap that changes who holds that stretch updates the
event in place instead of adding a second one. A segment that began before the feed's
window is left out rather than cut, because its cut start would move (and its UID
change) every time the window moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vDuration

from shared.oncall import Layer, Reason, Segment, shifts
from shared.rotation import Rotation

MEDIA_TYPE = "text/calendar"
PRODID = "-//Rota//On-call rotations//EN"
#: Shifts from this long ago ...
WINDOW_BEFORE = timedelta(weeks=4)
#: ... to this far ahead are in every feed.
WINDOW_AFTER = timedelta(weeks=26)
REFRESH = timedelta(hours=1)
UID_DOMAIN = "rota"

_REASONS = {
    Reason.REGULAR: "Regular shift.",
    Reason.OVERRIDE: "Override: taking the duty in place of the regular member.",
    Reason.COVERING: "Covering for a member on time off.",
    Reason.GAP: "Nobody is available: every member is away.",
}


@dataclass(frozen=True)
class Duty:
    """One segment of one rotation, as it appears in a feed."""

    rotation: str
    segment: Segment


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The window a feed covers, counted from the hour of `now`, so feeds fetched within
    the same hour list the same events."""
    hour = now.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    return hour - WINDOW_BEFORE, hour + WINDOW_AFTER


def rotation_duties(rotation: Rotation, segments: Iterable[Segment]) -> list[Duty]:
    """The primary layer: who holds the duty, and the gaps where nobody can (a gap before
    the first handoff is the rotation not having started, which is no news)."""
    started = rotation.first_handoff_utc
    return [
        Duty(rotation.name, s)
        for s in segments
        if s.layer is Layer.PRIMARY and (s.person is not None or s.start >= started)
    ]


def person_duties(person: str, rotations: Mapping[str, Rotation], start: datetime, end: datetime) -> list[Duty]:
    """Everything `person` holds in any rotation over [start, end): primary and secondary."""
    return [
        Duty(rotation.name, s)
        for rotation in rotations.values()
        for s in shifts(rotation, start, end, rotations)
        if s.person == person
    ]


def rotation_calendar(rotation: Rotation, duties: Iterable[Duty], window_start: datetime, stamp: datetime) -> bytes:
    return _calendar(f"On duty: {rotation.name}", duties, window_start, stamp)


def person_calendar(person: str, duties: Iterable[Duty], window_start: datetime, stamp: datetime) -> bytes:
    return _calendar(f"Duties of {person}", duties, window_start, stamp)


def summary(duty: Duty) -> str:
    """What a calendar shows: "On duty: data-platform (alice@example.com)"."""
    segment = duty.segment
    if segment.person is None:
        return f"Nobody on duty: {duty.rotation}"
    label = "On duty" if segment.layer is Layer.PRIMARY else "Secondary"
    return f"{label}: {duty.rotation} ({segment.person})"


def uid(duty: Duty) -> str:
    return f"{duty.rotation}-{duty.segment.layer.value}-{_utc_text(duty.segment.start)}@{UID_DOMAIN}"


def _calendar(name: str, duties: Iterable[Duty], window_start: datetime, stamp: datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for duty in duties:
        if duty.segment.start > window_start:
            calendar.add_component(_event(duty, stamp))
    return calendar.to_ical()


def _event(duty: Duty, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid(duty))
    event.add("dtstamp", stamp.astimezone(timezone.utc))
    event.add("dtstart", duty.segment.start.astimezone(timezone.utc))
    event.add("dtend", duty.segment.end.astimezone(timezone.utc))
    event.add("summary", summary(duty))
    event.add("description", _REASONS[duty.segment.reason])
    event.add("categories", ["on-call", duty.rotation])
    event.add("transp", "TRANSPARENT")
    return event


def _utc_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
