"""Cards of the chat service beyond `bot.cards`: the maintenance backlog, the handover so far,
and a rotation just set up. Pure functions of stored values, in the viewer's zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, container, heading, text
from bot.cards.wording import People, person, stamp, when, zone_note
from bot.storage.teams import BacklogItem, BacklogState, ShiftRecord


def backlog_card(*, rotation: str, items: Sequence[BacklogItem], people: People | None = None) -> Element:
    """Open and taken items, most urgent first, each with the number to type."""
    body: list[Element] = [heading(f"{rotation}: maintenance backlog")]
    if not items:
        body.append(text("The backlog is empty. Add an item with “backlog add <title> [link] [p1..p3]”."))
    for item in items:
        body.append(container(_item(item, people), separator=True, spacing="Small"))
    body.append(text("“backlog take N” to work on one, “backlog done N” to close it.", size="Small",
                     isSubtle=True))  # fmt: skip
    return adaptive_card(body)


def _item(item: BacklogItem, people: People | None) -> list[Element]:
    title = f"[{item.title}]({item.link})" if item.link else item.title
    lines = [text(f"**{item.number}** · p{item.priority} · {title}")]
    if item.state is BacklogState.TAKEN and item.taken_by:
        lines.append(text(f"{person(item.taken_by, people)} is on it", size="Small", color="Good", spacing="None"))
    return lines


def handover_card(
    *,
    rotation: str,
    shift_start: datetime,
    shift_end: datetime,
    on_duty: str | None,
    log: Sequence[ShiftRecord],
    notes: Sequence[ShiftRecord],
    closed: Sequence[BacklogItem],
    viewer_zone: str,
    now: datetime,
    people: People | None = None,
) -> Element:
    """What the next person on duty will be handed, as it stands now; for a shift that has
    ended (`logbook <date>`), its records as they were left."""
    zone = ZoneInfo(viewer_zone)
    ended = shift_end <= now
    empty = "nothing" if ended else "nothing yet"
    body: list[Element] = [
        heading(f"{rotation}: log book" if ended else f"{rotation}: handover so far"),
        text(f"Shift {stamp(shift_start, zone)} → {stamp(shift_end, zone)}, "
             f"on duty: {person(on_duty, people)}", isSubtle=True, spacing="None"),  # fmt: skip
        *_section("Handed over", [f"{r.text} ({person(r.author, people)})" for r in notes], empty),
        *_section("Log book", [f"{when(r.at, zone, now)}: {r.text} ({person(r.author, people)})" for r in log],
                  empty),
        *_section("Backlog closed", [f"{i.number}. {i.title}" for i in closed], empty),
        text(zone_note(zone) + ("." if ended else ". Add a note with “handover <note>”."), size="Small",
             isSubtle=True),
    ]
    return adaptive_card(body)


def _section(title: str, lines: Sequence[str], empty: str) -> list[Element]:
    shown = [text(f"• {line}", spacing="None") for line in lines]
    return [text(f"**{title}**", spacing="Medium"), *(shown or [text(empty, isSubtle=True, spacing="None")])]


def rotation_ready_card(*, rotation: str, members: Sequence[str], on_duty: str | None, until: datetime | None,
                        viewer_zone: str, now: datetime, people: People | None = None,
                        changed: bool = False) -> Element:  # fmt: skip
    """Shown in place of the setup form once the rotation is saved: the order, who is on
    duty, and (for a new rotation) what to do next."""
    zone = ZoneInfo(viewer_zone)
    order = ", ".join(f"{i}. {person(m, people)}" for i, m in enumerate(members, start=1))
    duty = f"On duty now: **{person(on_duty, people)}**"
    duty += f" until {when(until, zone, now)}" if until else ""
    body = [
        heading(f"Rotation {rotation} is {'updated' if changed else 'set up'}"),
        text(f"Order: {order}", spacing="Small"),
        text(duty, spacing="Small"),
    ]
    if not changed:
        body.append(text(f"Next: in the team's channel, type “@Rota bind {rotation}” so that questions there reach "
                         "whoever is on duty.", spacing="Medium"))  # fmt: skip
    return adaptive_card(body)
