"""The `who` card: per rotation, who is on duty, until when, the secondary, and who is next.

`who_view` computes what the card shows from the rotation and an instant (pure, through
the engine); `who_card` only lays it out, so the two can be tested apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, container, facts, heading, text
from bot.cards.wording import People, local_time, person, reason_note, when, zone_note
from shared.oncall import Layer, Reason, Segment, on_call, shifts
from shared.rotation import Rotation

#: How far ahead to look for the next handoff, in shifts beyond one per member.
_LOOKAHEAD_SHIFTS = 2


@dataclass(frozen=True)
class WhoView:
    """One rotation as the `who` card shows it. `until` is when the primary's duty ends
    (None: no change in sight); `next_primary` who takes over then. `secondary_reason` is
    None when the rotation has no secondary layer, GAP when it has one but nobody is free."""

    rotation: str
    primary: str | None
    primary_reason: Reason
    secondary: str | None
    secondary_reason: Reason | None
    until: datetime | None
    next_primary: str | None
    next_reason: Reason | None
    warning: str | None = None


def who_view(
    rotation: Rotation,
    now: datetime,
    *,
    others: Mapping[str, Rotation] | None = None,
    warning: str | None = None,
) -> WhoView:
    """What `who` says for `rotation` at `now`; `warning` is shown under it as is."""
    answer = on_call(rotation, now, others)
    horizon = now + rotation.shift_duration_hint() * (len(rotation.members) + _LOOKAHEAD_SHIFTS)
    runs = _runs_of_primary(shifts(rotation, now, horizon, others))
    following = runs[1] if len(runs) > 1 else None
    return WhoView(
        rotation=rotation.name,
        primary=answer.primary,
        primary_reason=answer.primary_reason,
        secondary=answer.secondary,
        secondary_reason=answer.secondary_reason,
        until=following.start if following else None,
        next_primary=following.person if following else None,
        next_reason=following.reason if following else None,
        warning=warning,
    )


def _runs_of_primary(segments: Sequence[Segment]) -> list[Segment]:
    """Primary segments with consecutive stretches of the same person joined."""
    runs: list[Segment] = []
    for segment in segments:
        if segment.layer is not Layer.PRIMARY:
            continue
        if runs and runs[-1].person == segment.person:
            last = runs[-1]
            runs[-1] = Segment(last.person, last.start, segment.end, last.layer, last.reason)
        else:
            runs.append(segment)
    return runs


def who_card(*, views: Sequence[WhoView], viewer_zone: str, now: datetime, people: People | None = None) -> Element:
    """One section per rotation, in the viewer's zone."""
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [heading("Who is on duty")]
    if not views:
        body.append(text("No rotation is bound to this conversation yet. Type “bind <rotation>” or “setup”."))
    for index, view in enumerate(views):
        body.append(container(_section(view, zone, now, people), separator=index > 0, spacing="Medium"))
    body.append(text(f"As of {local_time(now, zone, now)}. {zone_note(zone)}.", size="Small", isSubtle=True))
    return adaptive_card(body)


def _section(view: WhoView, zone: ZoneInfo, now: datetime, people: People | None) -> list[Element]:
    items: list[Element] = [text(view.rotation, weight="Bolder", color="Accent")]
    if view.primary is None:
        items.append(text("Nobody is on duty", size="Large", weight="Bolder", color="Attention", spacing="None"))
    else:
        items.append(text(person(view.primary, people), size="Large", weight="Bolder", spacing="None"))
        note = reason_note(view.primary_reason)
        if note:
            items.append(text(note, size="Small", isSubtle=True, spacing="None"))
    items.append(facts(_facts(view, zone, now, people)))
    if view.warning:
        items.append(text(f"⚠ {view.warning}", color="Warning", size="Small"))
    return items


def _facts(view: WhoView, zone: ZoneInfo, now: datetime, people: People | None) -> list[tuple[str, str]]:
    rows = [("Until", when(view.until, zone, now) if view.until else "no handoff in sight")]
    if view.secondary_reason is not None:
        rows.append(("Secondary", person(view.secondary, people)))
    if view.until is not None:
        following = person(view.next_primary, people)
        note = reason_note(view.next_reason)
        rows.append(("Next", f"{following} ({note})" if note and view.next_primary else following))
    return rows
