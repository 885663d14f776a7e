"""The handover card, posted in the rotation's channels at every handoff: what the
outgoing person leaves to the incoming one."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.alerts.model import Alert
from bot.cards.elements import Element, adaptive_card, facts, heading, text
from bot.cards.wording import People, person, stamp, zone_note
from bot.shifts.handover import Handover
from bot.shifts.postmortem import Postmortem

#: Longest list shown per section; the rest is counted.
SHOWN = 8


def handover_card(*, handover: Handover, viewer_zone: str, people: People | None = None) -> Element:
    """Who handed over to whom, a summary in numbers, then what needs reading: notes, open
    alerts, unfinished duties, the log book, backlog closed and post-mortems."""
    zone = ZoneInfo(viewer_zone)
    handoff = handover.handoff
    body: list[Element] = [
        heading(f"{handover.rotation}: handover"),
        text(f"**{person(handover.outgoing, people)}** → **{person(handover.incoming, people)}**", spacing="None"),
        text(f"Shift {stamp(handoff.shift_start, zone)} → {stamp(handoff.at, zone)}", isSubtle=True,
             spacing="None"),  # fmt: skip
    ]
    if handover.late:
        body.append(text(f"Posted late, at {stamp(handover.posted_at, zone)}: Rota was not running at the handoff.",
                         color="Warning", weight="Bolder"))  # fmt: skip
    body.append(facts(_summary(handover), spacing="Medium"))
    body.extend(_section("Handed over", [f"{n.text} ({person(n.author, people)})" for n in handover.notes]))
    body.extend(_section("Alerts still open", [_alert_line(a) for a in handover.alerts.still_open], "Attention"))
    missed = [f"{r.title} ({stamp(r.due_at, zone)}): {'; '.join(r.unticked)}" for r in handover.missed]
    body.extend(_section("Routine duties missed", missed, "Warning"))
    body.extend(_section("Log book", [f"{stamp(r.at, zone)} {r.text} ({person(r.author, people)})"
                                      for r in handover.log]))  # fmt: skip
    body.extend(_section("Backlog closed", [f"{i.number}. {i.title}" for i in handover.closed]))
    body.extend(_section("Post-mortems", [_postmortem_line(p) for p in handover.postmortems]))
    body.append(text(f"{zone_note(zone)}.", size="Small", isSubtle=True))
    return adaptive_card(body)


def _summary(handover: Handover) -> list[tuple[str, str]]:
    alerts = handover.alerts
    return [
        ("Alerts", f"{len(alerts.during)} ({alerts.out_of_hours} out of hours), {len(alerts.still_open)} still open"),
        ("Routine duties", f"{len(handover.done)} done, {len(handover.missed)} missed"),
        ("Log book", _count(len(handover.log), "entry", "entries")),
        ("Backlog", f"{len(handover.closed)} closed"),
    ]


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _alert_line(alert: Alert) -> str:
    return f"#{alert.id} {alert.severity.value.upper()} {alert.title} ({alert.state.value})"


def _postmortem_line(postmortem: Postmortem) -> str:
    if not postmortem.submitted:
        return f"#{postmortem.alert_id} {postmortem.title}: asked of {postmortem.asked_of}, not written yet"
    link = f" [write-up]({postmortem.link})" if postmortem.link else ""
    return f"#{postmortem.alert_id} {postmortem.title}: {postmortem.summary}{link}"


def _section(title: str, lines: Sequence[str], colour: str | None = None) -> list[Element]:
    """A titled list; nothing at all when it is empty (the summary already says "0")."""
    if not lines:
        return []
    style = {"color": colour} if colour else {}
    shown = [text(f"• {line}", spacing="None") for line in lines[:SHOWN]]
    more = [text(f"and {len(lines) - SHOWN} more", isSubtle=True, spacing="None")] if len(lines) > SHOWN else []
    return [text(f"**{title}**", spacing="Medium", **style), *shown, *more]
