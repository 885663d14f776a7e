"""The rotations file: reading, planning and round trips, without a database."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.rotafile import RotafileError, export_rotations, load_rotafile, plan_changes
from shared.rotation import Override, SecondaryKind, TimeOff

EXAMPLE = (Path(__file__).parents[2] / "examples" / "rotations.yaml").read_text()


def test_example_file_reads_local_times_in_the_rotation_zone() -> None:
    [item] = load_rotafile(EXAMPLE)
    assert item.rotation.name == "data-platform"
    assert item.rotation.secondary.kind is SecondaryKind.NEXT
    assert str(item.rotation.shift) == "1w"
    # 2026-04-01 00:00 in Paris is summer time (UTC+2)
    [override] = item.overrides
    assert override.start == datetime(2026, 3, 31, 22, 0, tzinfo=timezone.utc)
    [away] = item.time_off
    assert away.person == "bob@example.com"
    assert away.end == datetime(2026, 4, 19, 22, 0, tzinfo=timezone.utc)


def test_plan_against_an_empty_database_creates_everything() -> None:
    plan = plan_changes(load_rotafile(EXAMPLE), {})
    assert [r.name for r in plan.creates] == ["data-platform"]
    assert len(plan.add_overrides) == 1 and len(plan.add_time_off) == 1
    assert plan.lines[0].startswith("+ rotation data-platform")


def test_plan_against_what_the_file_made_is_empty() -> None:
    [item] = load_rotafile(EXAMPLE)
    stored = _stored(item)
    assert plan_changes([item], {stored.name: stored}, owners={stored.name: list(item.owners)}).empty


def test_export_reads_back_to_the_same_plan() -> None:
    [item] = load_rotafile(EXAMPLE)
    stored = _stored(item)
    owners = {stored.name: list(item.owners)}
    again = load_rotafile(export_rotations([stored], owners=owners))
    assert plan_changes(again, {stored.name: stored}, owners=owners).empty


PARIS_AUTUMN = """
rotations:
  - {name: ops, timezone: Europe/Paris, shift: 1d, handoff: "2026-10-01 09:00", members: [a@x.io, b@x.io]}
"""


def test_an_override_in_the_repeated_hour_of_an_autumn_change_survives_export_and_apply() -> None:
    # On 25 October 2026 Paris goes from 03:00 summer time back to 02:00: 02:30 happens
    # twice, first at 00:30 UTC (+02:00), then at 01:30 UTC (+01:00).
    [item] = load_rotafile(PARIS_AUTUMN)
    second = Override("b@x.io", datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc),
                      datetime(2026, 10, 25, 9, 0, tzinfo=timezone.utc), created=1, id=1)
    first = TimeOff("a@x.io", datetime(2026, 10, 24, 22, 0, tzinfo=timezone.utc),
                    datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc), id=1)
    stored = replace(item.rotation, overrides=(second,), time_off=(first,), _cache={})

    text = export_rotations([stored])
    [again] = load_rotafile(text)

    assert "start: 2026-10-25 02:30+01:00" in text and "end: 2026-10-25 10:00\n" in text
    assert "start: 2026-10-25 00:00\n" in text and "end: 2026-10-25 02:30+02:00" in text
    assert [(o.start, o.end) for o in again.overrides] == [(second.start, second.end)]
    assert [(t.start, t.end) for t in again.time_off] == [(first.start, first.end)]
    assert plan_changes([again], {stored.name: stored}).empty


def test_a_move_between_the_two_0230s_of_an_autumn_night_reads_as_one_in_the_plan() -> None:
    [item] = load_rotafile(PARIS_AUTUMN)
    first_0230 = Override("b@x.io", datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc),
                          datetime(2026, 10, 25, 9, 0, tzinfo=timezone.utc), created=1, id=1)
    stored = replace(item.rotation, overrides=(first_0230,), _cache={})
    moved = PARIS_AUTUMN.replace("b@x.io]}", 'b@x.io], overrides: [{person: b@x.io, start: "2026-10-25 02:30+01:00", '
                                             'end: "2026-10-25 10:00"}]}')

    plan = plan_changes(load_rotafile(moved), {stored.name: stored})

    assert plan.lines == ["- override ops: b@x.io 2026-10-25 02:30+02:00 -> 2026-10-25 10:00",
                          "+ override ops: b@x.io 2026-10-25 02:30+01:00 -> 2026-10-25 10:00"]


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ('"2026-10-25 02:30"', datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)),
        ('"2026-10-25 02:30+01:00"', datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),
        ("2026-10-25 02:30+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),
        ('"2026-10-25T02:30:00+02:00"', datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)),
        ("2026-10-25 02:30:00+01:00", datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),
        ('"2026-10-25 02:30Z"', datetime(2026, 10, 25, 2, 30, tzinfo=timezone.utc)),
        ('"2026-10-24 20:30-05:00"', datetime(2026, 10, 25, 1, 30, tzinfo=timezone.utc)),
    ],
)
def test_a_time_with_an_offset_is_that_instant_and_one_without_is_local(written: str, instant: datetime) -> None:
    override = f"{{person: a@x.io, start: {written}, end: '2026-10-26 00:00'}}"
    [item] = load_rotafile(PARIS_AUTUMN.rstrip().removesuffix("}") + f", overrides: [{override}]}}")
    assert [o.start for o in item.overrides] == [instant]


def test_changed_members_and_removed_override_are_planned() -> None:
    [item] = load_rotafile(EXAMPLE)
    stored = _stored(item)
    edited = EXAMPLE.replace("carol@example.com]", "carol@example.com, dave@example.com]").replace(
        "    overrides:\n      - {person: carol@example.com, start: \"2026-04-01 00:00\", end: \"2026-04-02 00:00\"}\n",
        "    overrides: []\n",
    )
    plan = plan_changes(load_rotafile(edited), {stored.name: stored})
    assert any("members" in line and "dave@example.com" in line for line in plan.lines)
    assert [o.person for _, o in plan.remove_overrides] == ["carol@example.com"]
    assert not plan.add_overrides


def test_omitting_overrides_leaves_stored_ones_alone() -> None:
    [item] = load_rotafile(EXAMPLE)
    stored = _stored(item)
    without = "\n".join(line for line in EXAMPLE.splitlines() if "overrides" not in line and "carol@example.com, start" not in line)
    plan = plan_changes(load_rotafile(without), {stored.name: stored})
    assert not plan.remove_overrides


def test_owners_in_the_file_are_exactly_the_owners_and_absent_ones_are_left_alone() -> None:
    [item] = load_rotafile(EXAMPLE.replace("owners: [alice@example.com]", "owners: [Bob@Example.com, carol@example.com]"))
    stored = _stored(item)

    plan = plan_changes([item], {stored.name: stored}, owners={stored.name: ["alice@example.com", "bob@example.com"]})
    without = load_rotafile("\n".join(line for line in EXAMPLE.splitlines() if "owners:" not in line))

    assert item.owners == ("bob@example.com", "carol@example.com")
    assert plan.remove_owners == [("data-platform", "alice@example.com")]
    assert plan.add_owners == [("data-platform", "carol@example.com")]
    assert "- owner data-platform: alice@example.com" in plan.lines
    assert plan_changes(without, {stored.name: stored}, owners={stored.name: ["zoe@example.com"]}).empty


def test_secondary_declared_later_in_the_file_is_deferred() -> None:
    text = """
rotations:
  - {name: dev, timezone: UTC, shift: 1d, handoff: "2026-01-01 09:00", members: [a@x.io], secondary: ops}
  - {name: ops, timezone: UTC, shift: 1d, handoff: "2026-01-01 09:00", members: [b@x.io]}
"""
    plan = plan_changes(load_rotafile(text), {})
    assert [r.secondary.kind for r in plan.creates] == [SecondaryKind.NONE, SecondaryKind.NONE]
    assert [r.name for r in plan.secondaries_after] == ["dev"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rotations: 3", "top-level 'rotations:' list"),
        ("nope: []\nrotations: []", "unknown top-level keys"),
        ("rotations: [{name: x}]", "missing timezone, shift, handoff, members"),
        ("rotations: [{name: x, timezone: Mars/Base, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io]}]", "IANA"),
        ("rotations: [{name: x, timezone: UTC, shift: 1y, handoff: '2026-01-01 09:00', members: [a@x.io]}]", "shift"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: []}]", "at least one member"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: soon, members: [a@x.io]}]", "handoff"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io], secondary: y}]",
         "secondary rotation 'y' does not exist"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io],"
         " time_off: [{person: a@x.io, start: '2026-01-02 00:00', end: '2026-01-01 00:00'}]}]", "after start"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io]},"
         " {name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io]}]", "declared twice"),
        ("rotations: [\n  - {", "not valid YAML"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io],"
         " owners: [the boss]}]", "owners[0]: 'the boss' is not an email address"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io],"
         " owners: a@x.io}]", "owners: must be a list"),
        ("rotations: [{name: x, timezone: UTC, shift: 1w, handoff: '2026-01-01 09:00', members: [a@x.io],"
         " overrides: [{person: a@x.io, start: '2026-01-02 00:00+25:00', end: '2026-01-03 00:00'}]}]",
         "overrides[0].start"),
    ],
)
def test_bad_files_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(RotafileError, match=message.replace("(", r"\(").replace("[", r"\[")):
        plan_changes(load_rotafile(text), {})


def _stored(item):
    """The rotation as the store would hand it back: spans with ids and creation order."""
    from dataclasses import replace

    overrides = tuple(
        Override(o.person, o.start, o.end, created=i + 1, id=i + 1) for i, o in enumerate(item.overrides or ())
    )
    time_off = tuple(replace(t, id=i + 1) for i, t in enumerate(item.time_off or ()))
    return replace(item.rotation, overrides=overrides, time_off=time_off, _cache={})
