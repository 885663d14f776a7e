"""Checklist cards: a routine duty as it falls due (its items ticked in place), the
incoming person's checklist for the shift ahead, and a rotation's list of duties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.cards.elements import Element, adaptive_card, column, columns, container, execute, heading, table, table_row, text
from bot.cards.wording import People, local_time, person, relative, stamp, when, zone_note
from bot.shifts.checklist import DutyRun
from bot.shifts.routine import Occurrence, RoutineDuty
from bot.storage.teams import BacklogItem

TICK_VERB = "duty.tick"
#: Ballot boxes, which every font Teams uses draws (unlike the emoji squares).
TICKED, UNTICKED = "☑", "☐"
#: Open backlog items shown to the incoming person: the most urgent few.
BACKLOG_SHOWN = 3


def checklist_card(*, run: DutyRun, viewer_zone: str, now: datetime, people: People | None = None) -> Element:
    """The duty's steps, each with a button that ticks or unticks it; the card that comes
    back from a press is this one, drawn again."""
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [
        heading(f"{TICKED} {run.title}"),
        text(f"{run.rotation} · due {local_time(run.due_at, zone, now)} · for {person(run.person, people)}",
             isSubtle=True, spacing="None"),  # fmt: skip
    ]
    body.extend(_step(run, index, step, zone, now, people) for index, step in enumerate(run.steps))
    body.append(_status(run, zone, now))
    body.append(text(f"{zone_note(zone)}. Unticked items are handed over at {stamp(run.closes_at, zone)}.",
                     size="Small", isSubtle=True))  # fmt: skip
    return adaptive_card(body)


def _step(run: DutyRun, index: int, step: str, zone: ZoneInfo, now: datetime, people: People | None) -> Element:
    tick = run.ticked.get(index)
    words = [text(f"{TICKED if tick else UNTICKED} {step}")]
    if tick is not None:
        words.append(text(f"ticked by {person(tick.by, people)}, {local_time(tick.at, zone, now)}", size="Small",
                          isSubtle=True, spacing="None"))  # fmt: skip
    data = {"run": run.id, "item": index, "done": tick is None}
    button = execute("Undo" if tick else "Done", TICK_VERB, data, **({} if tick else {"style": "positive"}))
    centred = {"verticalContentAlignment": "Center"}
    return columns(column(words, **centred), column([{"type": "ActionSet", "actions": [button]}], "auto", **centred),
                   separator=True, spacing="Small")  # fmt: skip


def _status(run: DutyRun, zone: ZoneInfo, now: datetime) -> Element:
    if run.done and run.done_at is not None:
        return text(f"All done, {local_time(run.done_at, zone, now)}.", color="Good", weight="Bolder")
    left = len(run.unticked)
    if run.missed(now):
        return text(f"Handed over with {left} left to do.", color="Warning", weight="Bolder")
    return text(f"{left} of {len(run.steps)} left.", isSubtle=True)


def shift_checklist_card(
    *,
    rotation: str,
    start: datetime,
    end: datetime,
    duties: Sequence[Occurrence],
    carried: Sequence[DutyRun],
    backlog: Sequence[BacklogItem],
    open_alerts: int,
    viewer_zone: str,
    now: datetime,
) -> Element:
    """What the incoming person's shift holds: routine duties by time, items left unticked
    by the last shift, the most urgent backlog, and alerts still open."""
    zone = ZoneInfo(viewer_zone)
    body: list[Element] = [
        heading(f"Your {rotation} duty: checklist"),
        text(f"{stamp(start, zone)} → {stamp(end, zone)} (ends {relative(end, now)})", isSubtle=True,
             spacing="None"),  # fmt: skip
        text("**Routine duties**", spacing="Medium"),
    ]
    if duties:
        rows = [table_row([[text(stamp(o.at, zone), size="Small")], [text(_duty_line(o), size="Small")]])
                for o in duties]  # fmt: skip
        body.append(table([2, 5], ["When", "What"], rows, spacing="Small"))
    else:
        body.append(text("none this shift", isSubtle=True, spacing="None"))
    body.extend(_carried(carried))
    body.extend(_backlog(backlog))
    if open_alerts:
        body.append(text(f"**Alerts still open:** {open_alerts}", color="Attention", spacing="Medium"))
    body.append(text(f"{zone_note(zone)}. Each duty comes as a card to tick at its time.", size="Small",
                     isSubtle=True))  # fmt: skip
    return adaptive_card(body)


def _duty_line(occurrence: Occurrence) -> str:
    duty = occurrence.duty
    return f"{duty.title} ({len(duty.items)} items)" if duty.items else duty.title


def _carried(runs: Sequence[DutyRun]) -> list[Element]:
    left = [run for run in runs if run.unticked]
    if not left:
        return []
    lines = [text(f"• {run.title}: {'; '.join(run.unticked)}", spacing="None") for run in left]
    return [text("**Left from the last shift**", spacing="Medium", color="Warning"), *lines]


def _backlog(items: Sequence[BacklogItem]) -> list[Element]:
    if not items:
        return []
    shown = [text(f"• {i.number}. p{i.priority} {i.title}", spacing="None") for i in items[:BACKLOG_SHOWN]]
    more = len(items) - BACKLOG_SHOWN
    tail = [text(f"and {more} more: type “backlog”", isSubtle=True, spacing="None")] if more > 0 else []
    return [container([text("**Backlog, when nothing burns**"), *shown, *tail], spacing="Medium")]


def duties_card(*, rotation: str, duties: Sequence[RoutineDuty], rotation_zone: str, viewer_zone: str,
                now: datetime) -> Element:  # fmt: skip
    """A rotation's routine duties, numbered as `duty remove N` takes them, each with its
    items and when it next falls due."""
    zone, home = ZoneInfo(viewer_zone), ZoneInfo(rotation_zone)
    body: list[Element] = [heading(f"{rotation}: routine duties")]
    if not duties:
        body.append(text("No routine duties yet.", spacing="Small"))
    for number, duty in enumerate(duties, start=1):
        lines = [text(f"**{number}** · {duty.schedule.describe()} · {duty.title}")]
        if duty.items:
            lines.append(text(f"{UNTICKED} " + f"  {UNTICKED} ".join(duty.items), size="Small", spacing="None"))
        lines.append(text(f"next {when(duty.schedule.next_after(home, now), zone, now)}", size="Small",
                          isSubtle=True, spacing="None"))  # fmt: skip
        body.append(container(lines, separator=True, spacing="Small"))
    body.append(text(f"Days and times are in {rotation_zone}. “duty add weekdays 16:00 Rollout: item; item” adds one, "
                     "“duty remove N” removes one.", size="Small", isSubtle=True))  # fmt: skip
    return adaptive_card(body)
