"""Duty per person over a period, and whether it is fair: a pure function of what happened.

Per person: shifts (stretches of primary duty, consecutive shifts joined), hours on duty,
pages (alerts that reached whoever was on duty at once; held ones waited for a digest),
pages out of hours, the mean time to acknowledge their pages, backlog items they closed,
routine duties they completed and missed. A page belongs to whoever was the primary when
the alert arrived.

Fairness compares hours on duty and out-of-hours pages with the team's mean (the team:
the members, and anyone else who held duty in the period). The duty share is the part of
the team's time that went to primary duty: one of five people on duty at a time is 20 %.

Only the past counts: a period that runs on beyond `now` is cut at `now`.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

from bot.alerts.model import Alert
from bot.alerts.urgency import BusinessHours
from bot.chat.duty import Stretch, primary_stretches
from bot.shifts.checklist import DutyRun
from bot.shifts.paging import out_of_hours, paged, received_at, time_to_acknowledge
from bot.shifts.postmortem import Postmortem
from bot.storage.teams import BacklogItem
from shared.rotation import Rotation

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PersonLine:
    person: str
    shifts: int
    hours: float
    pages: int
    out_of_hours_pages: int
    mean_ack: timedelta | None
    backlog_closed: int
    duties_done: int
    duties_missed: int
    #: Against the team's mean: +0.25 is a quarter above it; None when the mean is zero.
    hours_vs_mean: float | None
    out_of_hours_vs_mean: float | None


@dataclass(frozen=True)
class Report:
    rotation: str
    start: datetime
    end: datetime
    label: str
    people: tuple[PersonLine, ...]
    team_size: int
    duty_share: float
    mean_hours: float
    mean_out_of_hours: float
    pages: int
    out_of_hours_pages: int
    postmortems: tuple[Postmortem, ...]

    @property
    def on_duty_at_once(self) -> float:
        """How many people the duty takes at a time, on average (1 for a primary always there)."""
        return self.duty_share * self.team_size


@dataclass(frozen=True)
class Activity:
    """What happened in the rotation, as read from the database for the period."""

    alerts: Sequence[Alert] = ()
    backlog: Sequence[BacklogItem] = ()
    runs: Sequence[DutyRun] = ()
    postmortems: Sequence[Postmortem] = ()


@dataclass
class _Tally:
    shifts: int = 0
    duty: timedelta = timedelta(0)
    pages: int = 0
    out_of_hours: int = 0
    acks: list[timedelta] | None = None
    closed: int = 0
    done: int = 0
    missed: int = 0


def build_report(
    rotation: Rotation,
    others: Mapping[str, Rotation],
    period: tuple[datetime, datetime, str],
    now: datetime,
    activity: Activity,
    hours: BusinessHours,
) -> Report:
    """The report of `rotation` over `period` (start, end, label), as of `now`."""
    start, wanted_end, label = period
    end = max(start, min(wanted_end, now))
    stretches = primary_stretches(rotation, start, end, others) if end > start else []
    tallies: dict[str, _Tally] = {member: _Tally() for member in rotation.members}
    _count_duty(tallies, stretches)
    totals = _count_pages(tallies, stretches, activity.alerts, (start, end), hours)
    _count_work(tallies, activity, (start, end), now)
    lines = _lines(tallies)
    elapsed = end - start
    team_hours = len(tallies) * (elapsed / HOUR)
    on_duty = sum((t.duty for t in tallies.values()), timedelta(0)) / HOUR
    postmortems = tuple(p for p in activity.postmortems if p.submitted)
    return Report(rotation.name, start, end, label, lines, len(tallies), on_duty / team_hours if team_hours else 0.0,
                  _mean([line.hours for line in lines]), _mean([line.out_of_hours_pages for line in lines]),
                  totals[0], totals[1], postmortems)  # fmt: skip


def _count_duty(tallies: dict[str, _Tally], stretches: Iterable[Stretch]) -> None:
    for stretch in stretches:
        if stretch.person is None:
            continue
        tally = tallies.setdefault(stretch.person, _Tally())
        tally.shifts += 1
        tally.duty += stretch.end - stretch.start


def _count_pages(tallies: dict[str, _Tally], stretches: Sequence[Stretch], alerts: Iterable[Alert],
                 window: tuple[datetime, datetime], hours: BusinessHours) -> tuple[int, int]:  # fmt: skip
    """Pages per person on duty when they arrived; returns (pages, out-of-hours pages) in all."""
    starts = [s.start for s in stretches]
    pages = late = 0
    for alert in alerts:
        arrived = received_at(alert)
        if not window[0] <= arrived < window[1] or not paged(alert):
            continue
        night = out_of_hours(alert, hours)
        pages, late = pages + 1, late + night
        i = bisect_right(starts, arrived) - 1
        person = stretches[i].person if i >= 0 and arrived < stretches[i].end else None
        if person is None:
            continue
        tally = tallies.setdefault(person, _Tally())
        tally.pages += 1
        tally.out_of_hours += night
        ack = time_to_acknowledge(alert)
        if ack is not None:
            tally.acks = [*(tally.acks or []), ack]
    return pages, late


def _count_work(tallies: dict[str, _Tally], activity: Activity, window: tuple[datetime, datetime],
                now: datetime) -> None:  # fmt: skip
    start, end = window
    for item in activity.backlog:
        if item.done_by and item.done_at is not None and start <= item.done_at < end:
            tallies.setdefault(item.done_by, _Tally()).closed += 1
    for run in activity.runs:
        if run.person is None or not start <= run.due_at < end:
            continue
        tally = tallies.setdefault(run.person, _Tally())
        tally.done += run.done
        tally.missed += run.missed(now)


def _lines(tallies: Mapping[str, _Tally]) -> tuple[PersonLine, ...]:
    hours = {person: t.duty / HOUR for person, t in tallies.items()}
    mean_hours = _mean(list(hours.values()))
    mean_late = _mean([t.out_of_hours for t in tallies.values()])
    return tuple(
        PersonLine(person, t.shifts, hours[person], t.pages, t.out_of_hours,
                   sum(t.acks, timedelta(0)) / len(t.acks) if t.acks else None, t.closed, t.done, t.missed,
                   _versus(hours[person], mean_hours), _versus(t.out_of_hours, mean_late))  # fmt: skip
        for person, t in tallies.items()
    )


def _mean(values: Sequence[float]) -> float:
    return fmean(values) if values else 0.0


def _versus(value: float, mean: float) -> float | None:
    return None if mean == 0 else (value - mean) / mean


CSV_COLUMNS = (
    "person", "shifts", "hours_on_duty", "pages", "out_of_hours_pages", "mean_minutes_to_acknowledge",
    "backlog_closed", "routine_duties_done", "routine_duties_missed", "hours_vs_team_mean_percent",
    "out_of_hours_pages_vs_team_mean_percent",
)  # fmt: skip


def report_csv(report: Report) -> str:
    """One row per person, the columns of `CSV_COLUMNS`; empty cells where nothing applies."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for line in report.people:
        ack = "" if line.mean_ack is None else f"{line.mean_ack.total_seconds() / 60:.1f}"
        writer.writerow([line.person, line.shifts, f"{line.hours:.1f}", line.pages, line.out_of_hours_pages, ack,
                         line.backlog_closed, line.duties_done, line.duties_missed, _percent(line.hours_vs_mean),
                         _percent(line.out_of_hours_vs_mean)])  # fmt: skip
    return out.getvalue()


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.0f}"
