"""Which reminders are due: a pure function of (my shifts, lead times, my zone, now, what already fired).

A reminder is one lead time applied to one edge of one shift: "1 hour before my
data-platform shift starts". Its identity is the rotation, the layer, the edge and the
instant of that edge, plus the lead. So:

* it fires once, also across restarts, when the caller keeps the fired keys on disk;
* a shift that moves has a new edge instant, hence new reminders at the new times, and
  the old ones simply never come due;
* after a sleep or an outage, reminders whose time passed more than `grace` ago are not
  fired late, and of several reminders of the same edge that came due together only the
  nearest one fires (no burst of "in 1 hour", "in 15 minutes" when the lid opens).

The leads are one set for every shift (chosen on this computer), or a set per rotation
(the person's reminder times in Rota, as the feed carries them: `leads_from_feed`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from shared.feed import ReminderLeads, Shift
from shared.oncall import Layer
from shared.rotation import local_to_utc
from tray.timeline import duration, merged, span, when

DEFAULT_GRACE = timedelta(minutes=10)
#: Fired keys are kept this long after their edge, then forgotten.
KEEP_FIRED = timedelta(days=3)

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_EVENING = re.compile(r"^evening-([01]?\d|2[0-3]):([0-5]\d)$")
#: The evening lead as Rota's reminder settings (and so the feed) write it.
_FEED_EVENING = re.compile(r"^evening ([01]?\d|2[0-3]):([0-5]\d)$")


class Edge(StrEnum):
    START = "start"
    END = "end"


class LeadError(ValueError):
    """A lead time that cannot be read; the message says how to write one."""


@dataclass(frozen=True)
class Lead:
    """When to remind: `before` an edge, or on the evening before it at `evening`."""

    edge: Edge = Edge.START
    before: timedelta = timedelta(0)
    evening: time | None = None

    @classmethod
    def parse(cls, text: str) -> Lead:
        """`1h`, `15m`, `1h30m`, `30s` before the start; `end-15m` before the end;
        `evening-18:00` on the evening before the start (`end-evening-18:00`: before the end)."""
        text = text.strip().lower()
        edge = Edge.START
        if text.startswith("end-"):
            edge, text = Edge.END, text[4:]
        if match := _EVENING.match(text):
            return cls(edge=edge, evening=time(int(match.group(1)), int(match.group(2))))
        try:
            return cls(edge=edge, before=parse_duration(text))
        except LeadError:
            raise LeadError(f"{text!r} is not a lead time: write 1h, 15m, 1h30m, end-15m or evening-18:00") from None

    @property
    def key(self) -> str:
        """The canonical text form (what `parse` reads), also the lead's part of a reminder's identity."""
        prefix = "end-" if self.edge is Edge.END else ""
        if self.evening is not None:
            return f"{prefix}evening-{self.evening:%H:%M}"
        return prefix + _compact(self.before)

    @property
    def label(self) -> str:
        if self.evening is not None:
            ends = " it ends" if self.edge is Edge.END else ""
            return f"The evening before{ends}, at {self.evening:%H:%M}"
        if not self.before:
            return f"When it {'starts' if self.edge is Edge.START else 'ends'}"
        return f"{duration(self.before).capitalize()} before it {'starts' if self.edge is Edge.START else 'ends'}"

    def due(self, edge_at: datetime, zone: ZoneInfo) -> datetime:
        """When this lead's reminder for an edge at `edge_at` is due (the evening is local, DST-aware)."""
        if self.evening is None:
            return edge_at - self.before
        day_before = edge_at.astimezone(zone).date() - timedelta(days=1)
        return local_to_utc(datetime.combine(day_before, self.evening), zone).astimezone(edge_at.tzinfo)

    def sort_key(self) -> tuple[int, float]:
        if self.evening is not None:
            return (0, 0.0) if self.edge is Edge.START else (2, -float("inf"))
        return (1 if self.edge is Edge.START else 2, -self.before.total_seconds())

    @classmethod
    def from_feed(cls, text: str, edge: Edge) -> Lead:
        """A lead as the feed writes it (`15m`, `2h`, `1d`, `evening 18:00`), before `edge`."""
        if match := _FEED_EVENING.match(text.strip().lower()):
            return cls(edge=edge, evening=time(int(match.group(1)), int(match.group(2))))
        return cls(edge=edge, before=parse_duration(text))


def parse_duration(text: str) -> timedelta:
    """`1d`, `2h`, `15m`, `30s`, or combinations in that order such as `1h30m`."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match:
        raise LeadError(f"{text!r} is not a duration: write 1h, 15m or 1h30m")
    parts = [int(g) if g else 0 for g in match.groups()]
    return timedelta(seconds=sum(n * size for n, (_, size) in zip(parts, _UNITS)))


def _compact(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0m"
    text = ""
    for unit, size in _UNITS:
        count, seconds = divmod(seconds, size)
        text += f"{count}{unit}" if count else ""
    return text


DEFAULT_LEADS: tuple[Lead, ...] = (
    Lead(evening=time(18, 0)),
    Lead(before=timedelta(hours=1)),
    Lead(before=timedelta(minutes=15)),
    Lead(edge=Edge.END, before=timedelta(minutes=15)),
)

#: What the tray's "Reminder times" menu offers to switch on and off.
PRESETS: tuple[Lead, ...] = tuple(
    sorted(
        {
            *DEFAULT_LEADS,
            Lead(before=timedelta(days=1)),
            Lead(before=timedelta(minutes=30)),
            Lead(before=timedelta(minutes=5)),
            Lead(),
            Lead(edge=Edge.END, before=timedelta(hours=1)),
        },
        key=Lead.sort_key,
    )
)


#: The leads of every shift, or of each rotation's shifts by its name.
Leads = Iterable[Lead] | Mapping[str, Sequence[Lead]]


def leads_from_feed(reminders: Mapping[str, ReminderLeads]) -> dict[str, tuple[Lead, ...]]:
    """The feed's reminder times by rotation, as the tray's leads."""
    return {
        rotation: tuple(sorted(dict.fromkeys(
            [Lead.from_feed(text, Edge.START) for text in leads.before_start]
            + [Lead.from_feed(text, Edge.END) for text in leads.before_end]
        ), key=Lead.sort_key))
        for rotation, leads in reminders.items()
    }


def leads_of(leads: Leads, rotation: str) -> tuple[Lead, ...]:
    """The leads of a shift in `rotation` (a rotation the mapping does not name: the defaults)."""
    if isinstance(leads, Mapping):
        return tuple(leads.get(rotation, DEFAULT_LEADS))
    return tuple(leads)


@dataclass(frozen=True)
class Reminder:
    shift: Shift
    lead: Lead
    edge_at: datetime
    due: datetime

    @property
    def edge(self) -> Edge:
        return self.lead.edge

    @property
    def key(self) -> str:
        """Identity across restarts: rotation, layer, edge, the edge's instant (UTC), lead."""
        instant = self.edge_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")
        return f"{self.shift.rotation}|{self.shift.layer}|{self.edge}|{instant}|{self.lead.key}"

    def expires(self, grace: timedelta) -> datetime:
        """Past this it is no longer worth saying: `grace` after due, and a reminder that
        something happens *in* some time never after it happened."""
        late = self.due + grace
        return min(late, self.edge_at) if self.edge_at > self.due else late

    def message(self, now: datetime, zone: ZoneInfo) -> tuple[str, str]:
        """Title and body of the notification, phrased for the moment it is shown."""
        verb = "starts" if self.edge is Edge.START else "ends"
        if self.lead.evening is not None:
            headline = f"Your shift {verb} {when(self.edge_at, now, zone)}"
        elif self.edge_at > now:
            headline = f"Your shift {verb} in {duration(self.edge_at - now)}"
        else:
            headline = f"Your shift {verb} now" if verb == "starts" else "Your shift has ended"
        layer = "" if self.shift.layer is Layer.PRIMARY else " (secondary)"
        body = f"{self.shift.rotation}{layer}: {span(self.shift.start, self.shift.end, now, zone)}"
        return headline, body


@dataclass(frozen=True)
class Decision:
    """What to do at `now`: notifications to show, keys to record as done (with their edge,
    so they can be forgotten once it is long past), and when to look again."""

    fire: tuple[Reminder, ...] = ()
    settle: Mapping[str, datetime] = field(default_factory=dict)
    next_due: datetime | None = None


def planned(shifts: Iterable[Shift], leads: Leads, zone: ZoneInfo) -> list[Reminder]:
    """Every reminder of every shift, by due time."""
    if not isinstance(leads, Mapping):
        leads = tuple(leads)
    result = []
    for shift in merged(list(shifts)):
        for lead in leads_of(leads, shift.rotation):
            edge_at = shift.start if lead.edge is Edge.START else shift.end
            result.append(Reminder(shift, lead, edge_at, lead.due(edge_at, zone)))
    result.sort(key=lambda r: (r.due, r.key))
    return result


def decide(
    shifts: Iterable[Shift],
    leads: Leads,
    zone: ZoneInfo,
    now: datetime,
    fired: Mapping[str, datetime],
    grace: timedelta = DEFAULT_GRACE,
) -> Decision:
    """The reminders to fire at `now`, and the next instant at which one comes due."""
    reminders = [r for r in planned(shifts, leads, zone) if r.key not in fired]
    ready = [r for r in reminders if r.due <= now < r.expires(grace)]
    by_edge: dict[tuple[str, str, str, datetime], list[Reminder]] = {}
    for reminder in ready:
        by_edge.setdefault(_edge_id(reminder), []).append(reminder)
    fire = tuple(max(group, key=lambda r: r.due) for group in by_edge.values())
    upcoming = [r.due for r in reminders if r.due > now]
    return Decision(
        fire=tuple(sorted(fire, key=lambda r: r.due)),
        settle={r.key: r.edge_at for r in ready},
        next_due=min(upcoming, default=None),
    )


def _edge_id(reminder: Reminder) -> tuple[str, str, str, datetime]:
    return (reminder.shift.rotation, reminder.shift.layer, reminder.edge, reminder.edge_at)


def prune(fired: Mapping[str, datetime], now: datetime, keep: timedelta = KEEP_FIRED) -> dict[str, datetime]:
    """Forget fired keys whose edge is long past, so the file on disk stays small."""
    return {key: edge for key, edge in fired.items() if edge > now - keep}
