"""The `schedule` and `my shifts` cards: periods of duty as a table, in the viewer's zone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, heading, table, table_row, text
from bot.cards.wording import People, person, reason_note, stamp, when, zone_note
from shared.oncall import Layer, Reason, Segment, shifts
from shared.rotation import Rotation


def upcoming_shifts(
    rotation: Rotation, now: datetime, weeks: int, others: Mapping[str, Rotation] | None = None
) -> list[Segment]:
    """Segments (every layer) that are under way at `now` or start within `weeks`, whole:
    a shift that began before `now` or ends after the window keeps its real start and end
    (as far as one shift length either side)."""
    margin = rotation.shift_duration_hint()
    horizon = now + timedelta(weeks=weeks)
    segments = shifts(rotation, now - margin, horizon + margin, others)
    return [s for s in segments if s.end > now and s.start < horizon]


def schedule_card(
    *,
    rotation: str,
    segments: Sequence[Segment],
    viewer_zone: str,
    now: datetime,
    weeks: int,
    people: People | None = None,
) -> Element:
    """The primary's shifts over the next `weeks`; overrides, covers and gaps are marked and the
    shift under way is highlighted."""
    zone = ZoneInfo(viewer_zone)
    primary = [s for s in segments if s.layer is Layer.PRIMARY]
    body: list[Element] = [heading(f"{rotation}: the next {_weeks(weeks)}")]
    if primary:
        rows = [_row(s, zone, now, people) for s in primary]
        body.append(table([2, 2, 3], ["From", "To", "On duty"], rows))
    else:
        body.append(text("Nothing is scheduled in that period."))
    body.append(text(f"{zone_note(zone)}.", size="Small", isSubtle=True))
    return adaptive_card(body)


def _row(segment: Segment, zone: ZoneInfo, now: datetime, people: People | None) -> Element:
    who = _person_cell(segment, people)
    style = {"style": "accent"} if segment.start <= now < segment.end else {}
    return table_row([[_cell(stamp(segment.start, zone))], [_cell(stamp(segment.end, zone))], who], **style)


def _cell(value: str) -> Element:
    return text(value, size="Small")


def _person_cell(segment: Segment, people: People | None) -> list[Element]:
    if segment.reason is Reason.GAP:
        return [text("nobody (gap)", weight="Bolder", color="Attention", size="Small")]
    items = [text(person(segment.person, people), weight="Bolder", size="Small")]
    note = reason_note(segment.reason)
    if note:
        items.append(text(note, size="Small", isSubtle=True, spacing="None"))
    return items


def my_shifts_card(
    *,
    shifts: Sequence[tuple[str, Segment]],
    viewer_zone: str,
    now: datetime,
    weeks: int,
) -> Element:
    """The viewer's own shifts (rotation name, segment), soonest first; a shift under way is
    called out above the table."""
    zone = ZoneInfo(viewer_zone)
    ordered = sorted(shifts, key=lambda pair: pair[1].start)
    body: list[Element] = [heading(f"Your shifts: the next {_weeks(weeks)}")]
    for rotation, segment in ordered:
        if segment.start <= now < segment.end:
            body.append(_under_way(rotation, segment, zone, now))
    if ordered:
        rows = [_my_row(rotation, segment, zone) for rotation, segment in ordered]
        body.append(table([2, 2, 2, 2], ["Rotation", "From", "To", "As"], rows))
    else:
        body.append(text(f"You have no shifts in the next {_weeks(weeks)}."))
    body.append(text(f"{zone_note(zone)}.", size="Small", isSubtle=True))
    return adaptive_card(body)


def _under_way(rotation: str, segment: Segment, zone: ZoneInfo, now: datetime) -> Element:
    """A backup stretch is not "on duty": say which one it is, so nobody thinks they hold the pager."""
    until = when(segment.end, zone, now)
    if segment.layer is Layer.PRIMARY:
        return text(f"You are on duty for **{rotation}** until {until}.", color="Good")
    return text(f"You are the secondary (backup) for **{rotation}** until {until}.", color="Accent")


def _my_row(rotation: str, segment: Segment, zone: ZoneInfo) -> Element:
    role = "primary" if segment.layer is Layer.PRIMARY else "secondary"
    note = reason_note(segment.reason)
    cells = [
        [_cell(rotation)],
        [_cell(stamp(segment.start, zone))],
        [_cell(stamp(segment.end, zone))],
        [_cell(f"{role} ({note})" if note else role)],
    ]
    return table_row(cells)


def _weeks(weeks: int) -> str:
    return "week" if weeks == 1 else f"{weeks} weeks"
