"""Two timers that write to people about their own shifts.

`ReminderSource`: DMs before a shift starts and before it ends, at the leads the person
chose, else their rotation's, else Rota's (`reminders.effective_prefs`). Each reminder is
settled under its key once sent (or skipped for a nearer one), so it goes once.

`ChangeSource`: when a rotation changed (its audit log has a newer entry than the copy of
its schedule Rota keeps), the new schedule is compared with the copy and everyone whose
future shifts moved is told which, except whoever made the change. Nothing calls it when
a change is made, so it looks at the audit log every `Services.replan`; reading one
number per rotation costs little.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards.wording import People, person, stamp, when
from bot.chat.duty import Stretch, primary_stretches
from bot.shifts import changes, reminders
from bot.shifts.changes import ShiftChanges, changed_shifts
from bot.shifts.reminders import Event, Reminder, ReminderPrefs, effective_prefs
from bot.shifts.services import Services, short
from bot.storage.shifts import Notice, Snapshot
from shared.rotation import Rotation

log = logging.getLogger(__name__)

REMINDERS = "shift-reminders"
CHANGES = "shift-changes"
#: The copy of a schedule is taken afresh this often, so that it always reaches the
#: same number of weeks ahead.
REFRESH = timedelta(days=1)
ACTOR_PREFIX = "teams:"


class ReminderSource:
    name = REMINDERS

    def __init__(self, services: Services) -> None:
        self._services = services

    async def next_due(self, now: datetime) -> datetime | None:
        planned = await self._planned(now)
        found = reminders.next_at(planned, await self._services.shifts.settled(r.key for r in planned), now)
        return self._services.next_look(found, now)

    async def run_due(self, now: datetime) -> None:
        services = self._services
        planned = await self._planned(now)
        due = reminders.due(planned, await services.shifts.settled(r.key for r in planned), now)
        rotations = await services.rotations() if due.send else {}
        delivered = set()
        for reminder in due.send:
            zone = ZoneInfo(await services.zone_of(reminder.person, rotations[reminder.rotation].timezone))
            if await services.direct(reminder.person, reminder.key, rotation=reminder.rotation,
                                     text=reminder_text(reminder, zone, now)):  # fmt: skip
                delivered.add(reminder.key)
        await services.shifts.settle([Notice(r.key, r.rotation, r.person, f"remind-{r.event}", r.at,
                                             r.key in delivered) for r in due.settled])  # fmt: skip

    async def _planned(self, now: datetime) -> list[Reminder]:
        """Every reminder of the events in the coming `reminders.HORIZON`."""
        services = self._services
        rotations = await services.rotations()
        window = (now, now + reminders.HORIZON)
        known = {name: now + reminders.HORIZON + 2 * rotation.shift_duration_hint() for name, rotation in rotations.items()}
        stretches = {name: primary_stretches(rotation, now, known[name], rotations) for name, rotation in rotations.items()}
        people = {s.person for found in stretches.values() for s in found if s.person}
        own = await services.shifts.person_reminders(people)
        defaults = await services.shifts.reminder_defaults()
        zones = await services.teams.zones(people)
        planned: list[Reminder] = []
        for name, found in stretches.items():
            default_zone = rotations[name].zone

            def prefs_of(email: str, default: ReminderPrefs | None = defaults.get(name)) -> ReminderPrefs:
                return effective_prefs(own.get(email), default)

            def zone_of(email: str, default_zone: ZoneInfo = default_zone) -> ZoneInfo:
                return ZoneInfo(zones[email]) if email in zones else default_zone

            planned.extend(reminders.plan(name, found, prefs_of, zone_of, window, known[name]))
        return planned


def reminder_text(reminder: Reminder, zone: ZoneInfo, now: datetime) -> str:
    if reminder.event is Event.START:
        until = f" and runs until {stamp(reminder.shift_end, zone)}" if reminder.shift_end else ""
        return (f"⏰ Your {reminder.rotation} duty starts {when(reminder.event_at, zone, now)}{until}. "
                "Your checklist comes at the handoff.")  # fmt: skip
    return (f"⏰ Your {reminder.rotation} duty ends {when(reminder.event_at, zone, now)}. Anything the next person "
            "should know? Type “handover <note>”.")  # fmt: skip


class ChangeSource:
    name = CHANGES

    def __init__(self, services: Services) -> None:
        self._services = services

    async def next_due(self, now: datetime) -> datetime | None:
        rotations = await self._services.rotations()
        marks = await self._services.shifts.last_changes()
        snapshots = await self._services.shifts.snapshots()
        behind = any(_behind(snapshots.get(name), marks.get(name, 0), now) for name in rotations)
        return now if behind else self._services.next_look(None, now)

    async def run_due(self, now: datetime) -> None:
        services = self._services
        rotations = await services.rotations()
        marks = await services.shifts.last_changes()
        snapshots = await services.shifts.snapshots()
        for name, rotation in rotations.items():
            before, mark = snapshots.get(name), marks.get(name, 0)
            if not _behind(before, mark, now):
                continue
            after = _snapshot(rotation, rotations, mark, now)
            if before is not None and mark > before.audit_id:
                await self._tell(rotation, before, after, now)
            await services.shifts.save_snapshot(name, after)

    async def _tell(self, rotation: Rotation, before: Snapshot, after: Snapshot, now: datetime) -> None:
        """Write to each person whose shifts moved (not to whoever moved them)."""
        services = self._services
        end = min(before.until, after.until)
        if end <= now:
            return
        moved = changed_shifts(before.stretches, after.stretches, now, end)
        actors = await services.shifts.actors_since(rotation.name, before.audit_id)
        makers = {actor.removeprefix(ACTOR_PREFIX) for actor in actors}
        told = [change for change in moved if change.person not in makers]
        names = await services.names([*(c.person for c in moved), *_holders(moved), *makers])
        for change in told:
            zone = ZoneInfo(await services.zone_of(change.person, rotation.timezone))
            key = f"changes:{rotation.name}:{after.audit_id}:{short(change.person)}"
            text = change_text(rotation.name, change, actors, zone, names)
            if not await services.direct(change.person, key, rotation=rotation.name, text=text):
                log.info("no chat with %s: not told that their %s shifts changed", change.person, rotation.name)


def _behind(snapshot: Snapshot | None, mark: int, now: datetime) -> bool:
    return snapshot is None or mark > snapshot.audit_id or now - snapshot.taken_at >= REFRESH


def _snapshot(rotation: Rotation, rotations: Mapping[str, Rotation], mark: int, now: datetime) -> Snapshot:
    until = now + changes.HORIZON
    return Snapshot(mark, now, until, tuple(primary_stretches(rotation, now, until, rotations)))


def _holders(moved: Sequence[ShiftChanges]) -> list[str]:
    return [h for change in moved for m in (*change.lost, *change.gained) for h in m.holders if h]


def change_text(rotation: str, change: ShiftChanges, actors: Sequence[str], zone: ZoneInfo, names: People) -> str:
    """`Your data-platform shifts changed (by Alice Martin):` and a line per shift."""
    by = ", ".join(_actor(actor, names) for actor in actors) or "someone"
    lines = [f"Your {rotation} shifts changed (by {by}):"]
    lines.extend(f"- no longer yours: {_span(m.stretch, zone)}{_who(m.holders, 'now', names)}" for m in change.lost)
    lines.extend(f"- now yours: {_span(m.stretch, zone)}{_who(m.holders, 'was', names)}" for m in change.gained)
    lines.append("Type “my shifts” to see them all.")
    return "\n".join(lines)


def _span(stretch: Stretch, zone: ZoneInfo) -> str:
    return f"{stamp(stretch.start, zone)} → {stamp(stretch.end, zone)}"


def _who(holders: Sequence[str | None], word: str, names: People) -> str:
    return f" ({word} {', '.join(person(h, names) for h in holders)})" if holders else ""


def _actor(actor: str, names: People) -> str:
    if actor.startswith(ACTOR_PREFIX):
        return person(actor.removeprefix(ACTOR_PREFIX), names)
    kind, _, name = actor.partition(":")
    return f"{kind} {name}".strip() if name else actor
