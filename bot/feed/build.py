"""A person's feed, computed from the rotations, the engine and the open alerts (pure).

Work is split so that a change seen by many open streams costs little: `schedule` runs
the engine once per rotation (who is on duty now and until when, everyone's shifts up to
the horizon), then `feed_for` only picks one person's part of it, and `events_between`
says what a stream that showed one feed must send to show the next.

Shift boundaries are the real ones: a shift under way is listed from when it began, not
from "now", and the horizon moves a day at a time, so two feeds computed minutes apart
are equal unless something changed, and reminders keyed on a shift's start stay put.

A feed carries the person's reminder times in each of their rotations, resolved from the
same preferences by the same rule (`reminders.effective_prefs`) as the reminders Rota
sends by DM (`bot.shifts.reminding`), so the tray reminds when the DMs do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime, time, timedelta, timezone
from typing import Literal

from bot.alerts import model
from bot.shifts.reminders import ReminderPrefs, effective_prefs
from bot.shifts.reminders import Event as ReminderEvent
from shared import feed
from shared.feed import (
    AlertEvent,
    FeedEvent,
    Links,
    MyFeed,
    ReminderLeads,
    RotationNow,
    Shift,
    ShiftChangedEvent,
    ShiftsChanged,
)
from shared.oncall import Layer, Reason, on_call, shifts
from shared.rotation import MIN_INSTANT, Rotation

Cause = Literal["swap", "override", "time-off", "handoff", "schedule"]
Event = FeedEvent | ShiftChangedEvent | AlertEvent

#: My shifts are listed at least this far ahead.
HORIZON = timedelta(weeks=4)
#: How far back (then forward) the engine is first asked for the edge of a stretch; each
#: further try looks eight times as far, up to a year.
FIRST_REACH = timedelta(days=1)
MAX_REACH = timedelta(days=366)
_TICK = timedelta(microseconds=1)

SEVERITIES = {
    model.Severity.CRITICAL: feed.Severity.CRITICAL,
    model.Severity.HIGH: feed.Severity.ERROR,
    model.Severity.WARNING: feed.Severity.WARNING,
    model.Severity.INFO: feed.Severity.INFO,
}
#: Alerts in these states have been handed to someone; a held alert waits for the
#: business-hours digest and has paged nobody yet.
HANDED = {
    model.AlertState.TRIGGERED: feed.AlertState.OPEN,
    model.AlertState.ACKNOWLEDGED: feed.AlertState.ACKNOWLEDGED,
    model.AlertState.SNOOZED: feed.AlertState.SNOOZED,
}
MINE = (Reason.REGULAR, Reason.OVERRIDE, Reason.COVERING)


@dataclass(frozen=True)
class Snapshot:
    """What every feed is computed from, read together at `at`."""

    at: datetime
    rotations: Mapping[str, Rotation]
    alerts: Sequence[model.Alert] = ()
    names: Mapping[str, str] = field(default_factory=dict)
    #: People's own reminder choices, by email (those who made none are left out).
    own_reminders: Mapping[str, ReminderPrefs] = field(default_factory=dict)
    #: Rotations' default reminders, by name (those that set none are left out).
    reminder_defaults: Mapping[str, ReminderPrefs] = field(default_factory=dict)


@dataclass(frozen=True)
class RotationView:
    """One rotation at the snapshot's instant: who holds it, and everyone's shifts ahead."""

    now: RotationNow
    shifts: tuple[Shift, ...]

    @cached_property
    def people(self) -> frozenset[str]:
        """Everyone holding duty in it now or in the shifts ahead."""
        on_duty = {person for person in (self.now.primary, self.now.secondary) if person}
        return frozenset({shift.person for shift in self.shifts} | on_duty)


@dataclass(frozen=True)
class Schedule:
    """Every rotation's view, the alerts that are someone's, and what links to show."""

    at: datetime
    until: datetime
    views: Mapping[str, RotationView]
    members: Mapping[str, frozenset[str]]
    alerts: Sequence[model.Alert]
    names: Mapping[str, str]
    links: Links
    own_reminders: Mapping[str, ReminderPrefs] = field(default_factory=dict)
    #: Each rotation's default reminders (absent: Rota's).
    rotation_reminders: Mapping[str, ReminderPrefs] = field(default_factory=dict)


def horizon_end(at: datetime, horizon: timedelta = HORIZON) -> datetime:
    """The end of the shifts listed: at least `horizon` ahead, moving once a day (UTC)."""
    day = datetime.combine(at.astimezone(timezone.utc).date(), time(), timezone.utc)
    return day + horizon + timedelta(days=1)


def schedule(snapshot: Snapshot, links: Links, horizon: timedelta = HORIZON) -> Schedule:
    """The engine's answers for every rotation, once, for all the feeds of one refresh."""
    until = horizon_end(snapshot.at, horizon)
    views = {name: rotation_view(rotation, snapshot.rotations, snapshot.at, until)
             for name, rotation in snapshot.rotations.items()}
    members = {name: frozenset(rotation.members) for name, rotation in snapshot.rotations.items()}
    return Schedule(snapshot.at, until, views, members, snapshot.alerts, snapshot.names, links,
                    snapshot.own_reminders, snapshot.reminder_defaults)


def rotation_view(rotation: Rotation, others: Mapping[str, Rotation], at: datetime, until: datetime) -> RotationView:
    answer = on_call(rotation, at, others)
    stretches = shifts(rotation, at, until, others)
    firsts = {segment.layer: segment for segment in reversed(stretches)}
    listed = []
    for segment in stretches:
        if segment.person is None or segment.reason not in MINE:
            continue
        start = _stretch_start(rotation, others, segment.layer, at) if segment is firsts[segment.layer] else segment.start
        listed.append(Shift(rotation=rotation.name, person=segment.person, start=start, end=segment.end,
                            layer=segment.layer, reason=segment.reason))
    now = RotationNow(name=rotation.name, timezone=rotation.timezone, primary=answer.primary,
                      secondary=answer.secondary, until=_primary_until(rotation, others, at))
    return RotationView(now=now, shifts=tuple(sorted(listed, key=lambda s: (s.start, s.layer))))


def _stretch_start(rotation: Rotation, others: Mapping[str, Rotation], layer: Layer, at: datetime) -> datetime:
    """When the stretch of `layer` under way at `at` began (the engine clips it to its window)."""
    reach = FIRST_REACH
    while True:
        low = max(at - reach, MIN_INSTANT)
        piece = [s for s in shifts(rotation, low, at + _TICK, others) if s.layer is layer][-1]
        if piece.start > low or low == MIN_INSTANT or reach >= MAX_REACH:
            return piece.start
        reach *= 8


def _primary_until(rotation: Rotation, others: Mapping[str, Rotation], at: datetime) -> datetime | None:
    """When the primary of `at` hands over (None: not within a year)."""
    reach = FIRST_REACH
    while reach <= MAX_REACH:
        first = next(s for s in shifts(rotation, at, at + reach, others) if s.layer is Layer.PRIMARY)
        if first.end < at + reach:
            return first.end
        reach *= 8
    return None


def feed_for(user: str, plan: Schedule) -> MyFeed:
    """`user`'s feed: the rotations they are in or hold duty in, their shifts, their alerts."""
    mine = {name: view for name, view in plan.views.items() if user in plan.members[name] or user in view.people}
    my_shifts = sorted((s for view in mine.values() for s in view.shifts if s.person == user),
                       key=lambda s: (s.start, s.rotation, s.layer))
    alerts = [feed_alert(alert, plan.links) for alert in plan.alerts if handed_to(alert, user, plan.views)]
    named = {user} | {p for view in mine.values() for p in (view.now.primary, view.now.secondary) if p}
    own = plan.own_reminders.get(user)
    return MyFeed(
        user=user,
        generated_at=plan.at,
        until=plan.until,
        rotations=[view.now for view in mine.values()],
        shifts=my_shifts,
        alerts=alerts,
        people={email: plan.names[email] for email in sorted(named) if email in plan.names},
        links=plan.links,
        reminders={name: feed_leads(effective_prefs(own, plan.rotation_reminders.get(name))) for name in mine},
    )


def feed_leads(prefs: ReminderPrefs) -> ReminderLeads:
    """Resolved reminder choices as the feed writes them (`15m`, `evening 18:00`)."""
    return ReminderLeads(before_start=[lead.text() for lead in prefs.leads(ReminderEvent.START)],
                         before_end=[lead.text() for lead in prefs.leads(ReminderEvent.END)])


def handed_to(alert: model.Alert, user: str, views: Mapping[str, RotationView]) -> bool:
    """An open alert is mine while I hold duty in its rotation, and once I acknowledged it."""
    if alert.state not in HANDED:
        return False
    if alert.acknowledged_by == user:
        return True
    view = views.get(alert.rotation)
    return view is not None and user in (view.now.primary, view.now.secondary)


def feed_alert(alert: model.Alert, links: Links, state: feed.AlertState | None = None) -> feed.Alert:
    return feed.Alert(
        id=str(alert.id),
        rotation=alert.rotation,
        title=alert.title,
        severity=SEVERITIES[alert.severity],
        state=state or HANDED.get(alert.state, feed.AlertState.RESOLVED),
        url=links.teams,
    )


def events_between(sent: MyFeed | None, latest: MyFeed, closed: Mapping[str, feed.Alert],
                   causes: Mapping[str, Cause]) -> list[Event]:
    """What a stream that showed `sent` sends to show `latest`: a `shift-changed` per
    rotation that changed, an `alert` per alert that changed (`closed` holds those that
    were resolved meanwhile). When something left the feed otherwise (a rotation I left,
    an alert that is no longer mine), and when my reminder times changed, only a whole new
    `feed` can say so."""
    if sent is None or sent.reminders != latest.reminders:
        return [FeedEvent(type="feed", data=latest)]
    shift_events = _rotation_changes(sent, latest, causes)
    alert_events = _alert_changes(sent, latest, closed)
    if shift_events is None or alert_events is None:
        return [FeedEvent(type="feed", data=latest)]
    return [*shift_events, *alert_events]


def _rotation_changes(sent: MyFeed, latest: MyFeed, causes: Mapping[str, Cause]) -> list[Event] | None:
    before = {rotation.name: rotation for rotation in sent.rotations}
    if set(before) - {rotation.name for rotation in latest.rotations}:
        return None
    events: list[Event] = []
    for rotation in latest.rotations:
        mine = _shifts_in(latest.shifts, rotation.name)
        if before.get(rotation.name) != rotation or _shifts_in(sent.shifts, rotation.name) != mine:
            change = ShiftsChanged(rotation=rotation, shifts=mine, cause=causes.get(rotation.name, "schedule"))
            events.append(ShiftChangedEvent(type="shift-changed", data=change))
    return events


def _shifts_in(listed: Iterable[Shift], rotation: str) -> list[Shift]:
    return [shift for shift in listed if shift.rotation == rotation]


def _alert_changes(sent: MyFeed, latest: MyFeed, closed: Mapping[str, feed.Alert]) -> list[Event] | None:
    before = {alert.id: alert for alert in sent.alerts}
    events: list[Event] = [AlertEvent(type="alert", data=alert) for alert in latest.alerts
                           if before.get(alert.id) != alert]
    gone = before.keys() - {alert.id for alert in latest.alerts}
    if any(alert_id not in closed for alert_id in gone):
        return None
    events += [AlertEvent(type="alert", data=closed[alert_id]) for alert_id in sorted(gone)]
    return events
