"""A rotation that breaks a rule is refused on construction, naming the field to fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from shared.oncall import on_call, shift_index, shifts
from shared.rotation import (
    Override,
    Rotation,
    Secondary,
    ShiftLength,
    ShiftUnit,
    TimeOff,
    ValidationError,
    load_zone,
    parse_local,
)

UTC = timezone.utc
START = datetime(2026, 4, 1, 10, tzinfo=UTC)
LATER = START + timedelta(hours=4)
MEMBERS = ("alice@example.com", "bob@example.com")


def rotation(**changes: object) -> Rotation:
    values: dict[str, object] = {
        "name": "data-platform",
        "timezone": "Europe/Paris",
        "shift": ShiftLength.parse("1w"),
        "handoff": "2026-03-02 12:00",
        "members": MEMBERS,
    }
    values.update(changes)
    return Rotation(**values)  # type: ignore[arg-type]


CASES: dict[str, tuple[Callable[[], object], str]] = {
    # shift lengths
    "shift without a unit": (lambda: ShiftLength.parse("12"), "shift"),
    "shift in months": (lambda: ShiftLength.parse("1m"), "shift"),
    "fractional shift": (lambda: ShiftLength.parse("1.5d"), "shift"),
    "zero-length shift": (lambda: ShiftLength.parse("0h"), "shift"),
    "negative shift": (lambda: ShiftLength.parse("-1d"), "shift"),
    "a year of weeks": (lambda: ShiftLength.parse("53w"), "shift"),
    "shift that is not text": (lambda: ShiftLength.parse(None), "shift"),  # type: ignore[arg-type]
    "unknown unit": (lambda: ShiftLength(1, "x"), "shift"),  # type: ignore[arg-type]
    "boolean count": (lambda: ShiftLength(True, ShiftUnit.DAYS), "shift"),
    "shift given as text": (lambda: rotation(shift="1w"), "shift"),
    # zones
    "unknown zone": (lambda: rotation(timezone="Europe/Atlantis"), "timezone"),
    "zone in the wrong case": (lambda: rotation(timezone="europe/paris"), "timezone"),
    "empty zone": (lambda: load_zone(""), "timezone"),
    "offset instead of a zone": (lambda: rotation(timezone="+02:00"), "timezone"),
    # members
    "no members": (lambda: rotation(members=()), "members"),
    "member that is not an email": (lambda: rotation(members=("alice",)), "members"),
    "same member twice": (lambda: rotation(members=("alice@example.com", "alice@example.com")), "members"),
    "same member in another case": (lambda: rotation(members=("alice@example.com", "Alice@Example.COM")), "members"),
    "same member with spaces": (lambda: rotation(members=("bob@example.com", " bob@example.com ")), "members"),
    # names and secondaries
    "name with spaces": (lambda: rotation(name="Data Platform"), "name"),
    "secondary naming itself": (lambda: rotation(secondary=Secondary.parse("data-platform")), "secondary"),
    "secondary with a bad name": (lambda: Secondary.parse("Other Team"), "secondary"),
    # handoffs
    "handoff that is not a date": (lambda: rotation(handoff="next monday"), "handoff"),
    "handoff with an offset": (lambda: rotation(handoff=datetime(2026, 3, 2, 12, tzinfo=UTC)), "handoff"),
    "handoff before 1970": (lambda: rotation(handoff="1969-12-31 23:00"), "handoff"),
    "handoff after 2199": (lambda: rotation(handoff="2200-01-01 00:00"), "handoff"),
    "local time with an unknown field name": (lambda: parse_local("soon", "start"), "start"),
    # spans
    "override ending before it starts": (lambda: Override(MEMBERS[0], LATER, START), "end"),
    "override of no length": (lambda: Override(MEMBERS[0], START, START), "end"),
    "time off ending before it starts": (lambda: TimeOff(MEMBERS[0], LATER, START), "end"),
    "override with a naive start": (lambda: Override(MEMBERS[0], START.replace(tzinfo=None), LATER), "start"),
    "time off with a naive end": (lambda: TimeOff(MEMBERS[0], START, LATER.replace(tzinfo=None)), "end"),
    "override for someone who is not a person": (lambda: Override("carol", START, LATER), "person"),
    "time off before 1970": (
        lambda: TimeOff(MEMBERS[0], datetime(1969, 12, 31, tzinfo=UTC), START),
        "start",
    ),
    "override into 2200": (
        lambda: Override(MEMBERS[0], START, datetime(2200, 1, 1, tzinfo=UTC)),
        "end",
    ),
    # queries
    "on_call at a naive instant": (lambda: on_call(rotation(), datetime(2026, 4, 1, 12)), "at"),
    "on_call in 2200": (lambda: on_call(rotation(), datetime(2200, 1, 1, tzinfo=UTC)), "at"),
    "on_call before 1970": (lambda: on_call(rotation(), datetime(1969, 12, 31, 23, tzinfo=UTC)), "at"),
    "shifts from a naive instant": (lambda: shifts(rotation(), START.replace(tzinfo=None), LATER), "start"),
    "shifts ending before they start": (lambda: shifts(rotation(), LATER, START), "end"),
    "shifts over an empty window": (lambda: shifts(rotation(), START, START), "end"),
    "shift_index at a naive instant": (lambda: shift_index(rotation(), datetime(2026, 4, 1)), "at"),
}


@pytest.mark.parametrize("build, field", CASES.values(), ids=CASES.keys())
def test_a_broken_value_is_refused_naming_its_field(build: Callable[[], object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        build()

    assert caught.value.field == field
    assert caught.value.message


ACCEPTED: dict[str, Callable[[], object]] = {
    "first instant of 1970": lambda: Override(MEMBERS[0], datetime(1970, 1, 1, tzinfo=UTC), START),
    "handoff on the first minute of 1970": lambda: rotation(handoff="1970-01-01 00:00"),
    "handoff late on the last day of 2199": lambda: rotation(handoff="2199-12-31 18:00"),
    "shift of a whole year in days": lambda: ShiftLength.parse("366d"),
    "shift written loosely": lambda: ShiftLength.parse(" 2W "),
    "one member": lambda: rotation(members=("alice@example.com",)),
    "secondary naming another rotation": lambda: rotation(secondary=Secondary.parse("platform-leads")),
}


@pytest.mark.parametrize("build", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_values_at_the_edges_of_the_rules_are_accepted(build: Callable[[], object]) -> None:
    assert build() is not None


def test_members_are_compared_and_kept_in_lower_case() -> None:
    assert rotation(members=(" Alice@Example.com", "BOB@example.com")).members == MEMBERS


def test_instants_are_kept_in_utc_whatever_offset_they_arrive_with() -> None:
    paris_noon = datetime(2026, 4, 1, 12, tzinfo=timezone(timedelta(hours=2)))

    span = Override(MEMBERS[0], paris_noon, paris_noon + timedelta(hours=1))

    assert (span.start, span.start.tzinfo) == (datetime(2026, 4, 1, 10, tzinfo=UTC), UTC)


@pytest.mark.parametrize(
    "shift, unit",
    [
        (ShiftLength(12, "h"), ShiftUnit.HOURS),  # type: ignore[arg-type]
        (ShiftLength(2, "w"), ShiftUnit.WEEKS),  # type: ignore[arg-type]
        (ShiftLength.parse("3D"), ShiftUnit.DAYS),
    ],
)
def test_a_unit_given_as_text_means_the_same_as_the_enum(shift: ShiftLength, unit: ShiftUnit) -> None:
    assert shift == ShiftLength(shift.count, unit)
    assert shift.is_calendar is (unit is not ShiftUnit.HOURS)
    assert str(shift) == f"{shift.count}{unit.value}"


def test_a_twelve_hour_shift_given_as_text_lasts_twelve_hours() -> None:
    twelve = rotation(shift=ShiftLength(12, "h"), handoff="2026-01-05 08:00")  # type: ignore[arg-type]

    answer = on_call(twelve, datetime(2026, 1, 5, 9, tzinfo=UTC))

    assert (answer.start, answer.end) == (datetime(2026, 1, 5, 7, tzinfo=UTC), datetime(2026, 1, 5, 19, tzinfo=UTC))
