"""The duty report as a pure function: hours, pages, out of hours, time to acknowledge,
work done, fairness against the mean, the duty share, and the CSV."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

from bot.alerts.model import Alert, IncomingAlert, IntegrationKind, Severity
from bot.alerts.urgency import BusinessHours
from bot.shifts.checklist import DutyRun
from bot.shifts.report import CSV_COLUMNS, Activity, build_report, report_csv
from bot.storage.teams import BacklogItem, BacklogState
from shared.rotation import Override, Rotation, ShiftLength

TEAM = tuple(f"{name}@example.com" for name in ("alice", "bob", "carol", "dan", "erin"))
ALICE, BOB, CAROL, DAN, ERIN = TEAM
OFFICE = BusinessHours("Europe/Paris")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


#: Five weekly shifts from Monday 2 March 2026, 12:00 in Paris: Alice, Bob, Carol, Dan, Erin.
START, END = utc(2026, 3, 2, 11), utc(2026, 4, 6, 10)


def rotation(*overrides: Override) -> Rotation:
    return Rotation(name="data-platform", timezone="Europe/Paris", shift=ShiftLength.parse("1w"),
                    handoff=datetime(2026, 3, 2, 12), members=TEAM, overrides=overrides)  # fmt: skip


def page(at: datetime, acknowledged_after: timedelta | None = None, *, held: bool = False) -> Alert:
    alert = Alert.open(IncomingAlert(dedup_key=f"k{at:%d%H}", title="ETL failed", severity=Severity.CRITICAL),
                       rotation="data-platform", integration=IntegrationKind.GENERIC, at=at)  # fmt: skip
    if held:
        return alert.hold(at, at + timedelta(hours=8))
    alert = alert.escalate(at, "paged the primary")
    return alert if acknowledged_after is None else alert.acknowledge(at + acknowledged_after, ALICE)


def run(person: str, due: datetime, *, done: bool) -> DutyRun:
    closes = due + timedelta(days=2)
    base = DutyRun("data-platform", "Pre-prod push", ("smoke tests",), due, closes, person, "key")
    return base.tick(0, True, person, due + timedelta(minutes=5)) if done else base


ACTIVITY = Activity(
    alerts=(
        page(utc(2026, 3, 3, 1), timedelta(minutes=10)),  # Alice, 02:00 in Paris
        page(utc(2026, 3, 4, 10), timedelta(minutes=20)),  # Alice, 11:00
        page(utc(2026, 3, 4, 23), held=True),  # Alice, held for the morning: not a page
        page(utc(2026, 3, 10, 2)),  # Bob, 03:00, never acknowledged
    ),
    backlog=(BacklogItem("data-platform", 1, "Rotate certs", None, 1, BacklogState.DONE, ALICE, START,
                         done_by=CAROL, done_at=utc(2026, 3, 17)),),  # fmt: skip
    runs=(run(DAN, utc(2026, 3, 26, 17), done=False), run(DAN, utc(2026, 3, 27, 17), done=True)),
)


def test_five_people_taking_weekly_turns_spend_a_fifth_of_their_time_on_duty() -> None:
    report = build_report(rotation(), {}, (START, END, "March"), END, ACTIVITY, OFFICE)

    assert report.team_size == 5
    assert round(report.duty_share, 3) == 0.2
    assert [(line.person, line.shifts) for line in report.people] == [(p, 1) for p in TEAM]
    assert {round(line.hours) for line in report.people} == {167, 168}  # one week is an hour short: summer time


def test_pages_belong_to_whoever_was_on_duty_and_held_alerts_are_not_pages() -> None:
    report = build_report(rotation(), {}, (START, END, "March"), END, ACTIVITY, OFFICE)
    lines = {line.person: line for line in report.people}

    assert (report.pages, report.out_of_hours_pages) == (3, 2)
    assert (lines[ALICE].pages, lines[ALICE].out_of_hours_pages, lines[ALICE].mean_ack) == (2, 1,
                                                                                           timedelta(minutes=15))
    assert (lines[BOB].pages, lines[BOB].out_of_hours_pages, lines[BOB].mean_ack) == (1, 1, None)
    assert lines[CAROL].backlog_closed == 1
    assert (lines[DAN].duties_done, lines[DAN].duties_missed) == (1, 1)


def test_fairness_is_measured_against_the_team_s_mean() -> None:
    bob_s_last_day = Override(ALICE, utc(2026, 3, 15, 11), utc(2026, 3, 16, 11))
    report = build_report(rotation(bob_s_last_day), {}, (START, END, "March"), END, ACTIVITY, OFFICE)
    lines = {line.person: line for line in report.people}

    assert round(lines[ALICE].hours_vs_mean, 2) == 0.14
    assert round(lines[BOB].hours_vs_mean, 2) == -0.14
    assert lines[ALICE].shifts == 2
    # Two night pages over five people: Alice and Bob each have 2.5 times the mean.
    assert round(lines[ALICE].out_of_hours_vs_mean, 6) == round(lines[BOB].out_of_hours_vs_mean, 6) == 1.5
    assert round(lines[CAROL].out_of_hours_vs_mean, 6) == -1


def test_a_period_that_runs_on_is_counted_up_to_now() -> None:
    now = utc(2026, 3, 9, 11)
    report = build_report(rotation(), {}, (START, END, "this month"), now, ACTIVITY, OFFICE)

    assert report.end == now
    assert [line.person for line in report.people if line.hours] == [ALICE]
    assert (report.pages, report.out_of_hours_pages) == (2, 1)


def test_the_csv_has_a_row_per_person_with_every_column() -> None:
    report = build_report(rotation(), {}, (START, END, "March"), END, ACTIVITY, OFFICE)
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))

    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["person"] for row in rows] == list(TEAM)
    assert rows[0]["mean_minutes_to_acknowledge"] == "15.0" and rows[1]["mean_minutes_to_acknowledge"] == ""
    assert rows[0]["out_of_hours_pages_vs_team_mean_percent"] == "+150"
