"""Handoffs and what is handed over at them: pure arithmetic and a view to render.

A handoff is the start of a regular shift (the engine's `shift_start`): overrides move
who is on duty, not when the shift changes hands, and the duty log book is kept per
regular shift as well. The handover of shift *k* is posted at the start of shift *k+1*:
from whoever was on duty just before that instant to whoever is on duty at it.

Whether a handoff is due is a question for the database: the latest handoff that has
happened, if it came after the rotation's channel was bound and is not recorded as
posted. Only the latest one counts, so a service that was down for a week posts one
handover on its return (marked late), not seven.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.model import Alert
from bot.alerts.urgency import BusinessHours
from bot.shifts.checklist import DutyRun
from bot.shifts.paging import out_of_hours, received_at
from bot.shifts.postmortem import Postmortem
from bot.storage.teams import BacklogItem, ShiftRecord
from shared.oncall import on_call, shift_index, shift_start
from shared.rotation import Rotation

#: A handover posted this long after its handoff says that it is late.
LATE_AFTER = timedelta(minutes=5)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Handoff:
    """The handoff at `at`, ending the regular shift [shift_start, at); `next_at` ends the next."""

    rotation: str
    at: datetime
    shift_start: datetime
    next_at: datetime


def latest_handoff(rotation: Rotation, now: datetime) -> Handoff | None:
    """The last handoff at or before `now` that ended a shift (None before the second one)."""
    k = shift_index(rotation, now)
    if k < 1:
        return None
    return Handoff(rotation.name, shift_start(rotation, k), shift_start(rotation, k - 1), shift_start(rotation, k + 1))


def next_handoff(rotation: Rotation, now: datetime) -> datetime:
    """The first handoff strictly after `now`."""
    return shift_start(rotation, max(shift_index(rotation, now), 0) + 1)


def is_due(handoff: Handoff | None, bound_since: datetime | None, posted: bool) -> bool:
    """The handoff happened after the rotation had a channel, and was not posted yet."""
    return handoff is not None and bound_since is not None and handoff.at > bound_since and not posted


def hands(rotation: Rotation, at: datetime, others: Mapping[str, Rotation]) -> tuple[str | None, str | None]:
    """(outgoing, incoming): the primary just before `at`, and at `at`."""
    return on_call(rotation, at - _TICK, others).primary, on_call(rotation, at, others).primary


@dataclass(frozen=True)
class AlertSummary:
    """The shift's alerts (arrived during it), how many out of hours, and what is still open."""

    during: tuple[Alert, ...]
    out_of_hours: int
    still_open: tuple[Alert, ...]


def summarize_alerts(alerts: Iterable[Alert], start: datetime, end: datetime, hours: BusinessHours) -> AlertSummary:
    """`alerts` are the rotation's alerts that arrived during the shift or are still open."""
    alerts = list(alerts)
    during = tuple(a for a in alerts if start <= received_at(a) < end)
    still_open = tuple(a for a in alerts if a.is_open)
    return AlertSummary(during, sum(1 for a in during if out_of_hours(a, hours)), still_open)


@dataclass(frozen=True)
class Handover:
    """Everything the handover card shows, gathered from the database."""

    handoff: Handoff
    outgoing: str | None
    incoming: str | None
    alerts: AlertSummary
    log: Sequence[ShiftRecord]
    notes: Sequence[ShiftRecord]
    runs: Sequence[DutyRun]
    closed: Sequence[BacklogItem]
    postmortems: Sequence[Postmortem]
    posted_at: datetime

    @property
    def rotation(self) -> str:
        return self.handoff.rotation

    @property
    def late(self) -> bool:
        return self.posted_at - self.handoff.at > LATE_AFTER

    @property
    def done(self) -> list[DutyRun]:
        return [run for run in self.runs if run.done]

    @property
    def missed(self) -> list[DutyRun]:
        return [run for run in self.runs if not run.done]


def closed_during(items: Iterable[BacklogItem], start: datetime, end: datetime) -> list[BacklogItem]:
    """Backlog items closed in [start, end)."""
    return [i for i in items if i.done_at is not None and start <= i.done_at < end]
