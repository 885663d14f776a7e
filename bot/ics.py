"""Calendar feeds (RFC 5545): a rotation's shifts, or one person's duties, as iCalendar bytes.

Pure: rotations and engine segments in, bytes out. Calendar apps re-fetch a subscribed
feed every few hours and match events by UID, so an event must come out the same on every
fetch. Each event is one stretch of one shift: segments are split at the regular handoffs
(a one-member rotation still has a handoff every shift), and the shifts at either end of
the feed's window are listed whole, with their real start and end, never cut where the
window happens to open or close. A UID names a rotation, a layer and the instant the
event starts; a swap that changes who holds a shift updates its event in place instead
of adding a second one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from icalendar import Calendar, Event, vDuration

from shared.oncall import Layer, Reason, Segment, shift_index, shift_start, shifts
from shared.rotation import MIN_INSTANT, Rotation, SecondaryKind

MEDIA_TYPE = "text/calendar"
PRODID = "-//Rota//On-call rotations//EN"
#: Shifts from this long ago ...
WINDOW_BEFORE = timedelta(weeks=4)
#: ... to this far ahead are in every feed.
WINDOW_AFTER = timedelta(weeks=26)
REFRESH = timedelta(hours=1)
UID_DOMAIN = "rota"
_TICK = timedelta(microseconds=1)

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
    """The primary layer of `segments` (the engine's `shifts` over a feed's window), one
    event per shift, and the gaps where nobody can hold it (a gap before the first
    handoff is the rotation not having started, which is no news)."""
    started = rotation.first_handoff_utc
    primary = [s for s in segments if s.layer is Layer.PRIMARY]
    return [
        Duty(rotation.name, s)
        for s in _events(rotation, Layer.PRIMARY, primary, {})
        if s.person is not None or s.start >= started
    ]


def person_duties(person: str, rotations: Mapping[str, Rotation], start: datetime, end: datetime) -> list[Duty]:
    """Everything `person` holds in any rotation over [start, end), primary and secondary,
    one event per shift."""
    duties = []
    for rotation in rotations.values():
        segments = shifts(rotation, start, end, rotations)
        for layer in Layer:
            layer_segments = [s for s in segments if s.layer is layer]
            duties += [
                Duty(rotation.name, s)
                for s in _events(rotation, layer, layer_segments, rotations)
                if s.person == person
            ]
    return duties


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
        # Whole shifts may start before the window; only what ended before it is left out.
        if duty.segment.end > window_start:
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


def _events(
    rotation: Rotation, layer: Layer, segments: list[Segment], others: Mapping[str, Rotation]
) -> list[Segment]:
    """One layer's segments (tiling a window, in order) as events: the stretches at either
    end completed to their real bounds, then split at every regular handoff of the
    rotation whose members take turns in that layer. An event lies within one shift, so
    completing it never needs more than the shifts around the window's two ends."""
    source = _source(rotation, layer, others)
    if not segments or source is None:
        return segments
    clock, clock_layer = source
    window_start, window_end = segments[0].start, segments[-1].end
    before = _shift_around(clock, window_start)[0]
    after = _shift_around(clock, window_end - _TICK)[1]
    around = (
        _tiling(clock, clock_layer, before, window_start, layer)
        + segments
        + _tiling(clock, clock_layer, window_end, after, layer)
    )
    return [
        piece
        for segment in _merged(around)
        for piece in _split_at_handoffs(segment, clock)
        if piece.end > window_start and piece.start < window_end
    ]


def _source(rotation: Rotation, layer: Layer, others: Mapping[str, Rotation]) -> tuple[Rotation, Layer] | None:
    """Where a layer's answers come from: the rotation's own layer, or the primary of the
    rotation that is its secondary (None when that one is unknown: a gap throughout)."""
    if layer is Layer.SECONDARY and rotation.secondary.kind is SecondaryKind.ROTATION:
        other = others.get(rotation.secondary.rotation or "")
        return None if other is None else (other, Layer.PRIMARY)
    return rotation, layer


def _tiling(source: Rotation, source_layer: Layer, start: datetime, end: datetime, layer: Layer) -> list[Segment]:
    """`source_layer` of `source` over [start, end), labelled as `layer`."""
    if end <= start:
        return []
    return [replace(s, layer=layer) for s in shifts(source, start, end) if s.layer is source_layer]


def _shift_around(clock: Rotation, at: datetime) -> tuple[datetime, datetime]:
    """The regular shift holding `at`; before the first handoff, all the time before it."""
    k = shift_index(clock, at)
    if k < 0:
        return MIN_INSTANT, shift_start(clock, 0)
    return shift_start(clock, k), shift_start(clock, k + 1)


def _merged(segments: list[Segment]) -> list[Segment]:
    """Join neighbours of a tiling with the same person and reason, as the engine does."""
    result: list[Segment] = []
    for segment in segments:
        last = result[-1] if result else None
        if last is not None and (last.person, last.reason) == (segment.person, segment.reason):
            result[-1] = Segment(last.person, last.start, segment.end, last.layer, last.reason)
        else:
            result.append(segment)
    return result


def _split_at_handoffs(segment: Segment, clock: Rotation) -> list[Segment]:
    pieces = []
    start = segment.start
    k = max(shift_index(clock, start), -1) + 1
    cut = shift_start(clock, k)
    while cut < segment.end:
        pieces.append(Segment(segment.person, start, cut, segment.layer, segment.reason))
        start = cut
        k += 1
        cut = shift_start(clock, k)
    pieces.append(Segment(segment.person, start, segment.end, segment.layer, segment.reason))
    return pieces


def _utc_text(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
