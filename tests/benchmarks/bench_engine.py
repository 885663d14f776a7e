"""The rotation engine against the usual alternative, a recurring event in an ICS file."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import icalendar
import recurring_ical_events

from shared.oncall import on_call, shifts
from shared.rotation import Override, Rotation, Secondary, ShiftLength
from tests.benchmarks.table import Row, best_time

MEMBERS = tuple(f"person{i}@example.com" for i in range(6))
YEAR_START = datetime(2027, 1, 1, tzinfo=timezone.utc)
YEAR_END = datetime(2028, 1, 1, tzinfo=timezone.utc)


def weekly_with_overrides(count: int) -> Rotation:
    rng = random.Random(7)
    base = datetime(2026, 1, 5, 11, tzinfo=timezone.utc)
    overrides = []
    for i in range(count):
        start = base + timedelta(hours=rng.randrange(0, 24 * 365 * 3))
        overrides.append(Override(rng.choice(MEMBERS), start, start + timedelta(hours=rng.randrange(1, 72)), created=i))
    return Rotation("weekly", "Europe/Paris", ShiftLength.parse("1w"), "2026-01-05 12:00", MEMBERS,
                    Secondary.parse("next"), overrides=tuple(overrides))


def daily() -> Rotation:
    return Rotation("daily", "Europe/Paris", ShiftLength.parse("1d"), "2026-01-05 09:00", MEMBERS)


def daily_as_ics() -> bytes:
    """What teams do without a rotation engine: one recurring event per member."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    first = datetime(2026, 1, 5, 9, 0)
    zone = daily().zone
    for i, member in enumerate(MEMBERS):
        event = icalendar.Event()
        event.add("uid", f"{member}@bench")
        event.add("summary", f"On duty: {member}")
        event.add("dtstart", (first + timedelta(days=i)).replace(tzinfo=zone))
        event.add("dtend", (first + timedelta(days=i + 1)).replace(tzinfo=zone))
        event.add("rrule", {"freq": "daily", "interval": len(MEMBERS)})
        calendar.add_component(event)
    return calendar.to_ical()


def run() -> list[Row]:
    rotation = weekly_with_overrides(1000)
    on_call(rotation, YEAR_START)  # build the index once, as a long-running service does
    rng = random.Random(11)
    instants = [YEAR_START - timedelta(days=365) + timedelta(minutes=rng.randrange(0, 3 * 525600)) for _ in range(2000)]

    def queries() -> None:
        for at in instants:
            on_call(rotation, at)

    per_query = best_time(queries, repeat=3) / len(instants)

    rot = daily()
    shifts_year = best_time(lambda: shifts(rot, YEAR_START, YEAR_END), repeat=5)
    ics = daily_as_ics()

    def expand() -> int:
        calendar = icalendar.Calendar.from_ical(ics)
        return len(recurring_ical_events.of(calendar).between(YEAR_START, YEAR_END))

    events = expand()
    segments = len(shifts(rot, YEAR_START, YEAR_END))
    ics_year = best_time(expand, repeat=5)
    return [
        Row("engine", "on_call, weekly rotation with 1,000 overrides", f"{1 / per_query:,.0f} queries/s"),
        Row("engine", f"shifts over one year, daily rotation ({segments} segments)", f"{shifts_year * 1000:.1f} ms"),
        Row("engine", f"same year via recurring-ical-events ({events} events)", f"{ics_year * 1000:.1f} ms"),
        Row("engine", "recurring-ical-events time / shifts time", f"{ics_year / shifts_year:.1f}x"),
    ]
