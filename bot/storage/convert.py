"""Rows to domain values and back, and the JSON views the audit log keeps.

Pure functions: they read loaded rows or domain values and never touch a session.
"""

from __future__ import annotations

from typing import Any

from shared.rotation import (
    Override,
    Rotation,
    Secondary,
    SecondaryKind,
    ShiftLength,
    ShiftUnit,
    TimeOff,
    format_local,
    parse_local,
)

from bot.storage.tables import OverrideRow, RotationRow, TimeOffRow


def rotation_from_row(row: RotationRow) -> Rotation:
    """A rotation row loaded with members, spans and secondary (see `store._rotation_query`)."""
    return Rotation(
        name=row.name,
        timezone=row.timezone,
        shift=ShiftLength(row.shift_count, ShiftUnit(row.shift_unit)),
        handoff=parse_local(row.handoff_local),
        members=tuple(member.person.email for member in row.members),
        secondary=_secondary_from_row(row),
        overrides=tuple(override_from_row(o) for o in row.overrides),
        time_off=tuple(time_off_from_row(t) for t in row.time_off),
    )


def _secondary_from_row(row: RotationRow) -> Secondary:
    kind = SecondaryKind(row.secondary_kind)
    if kind is SecondaryKind.ROTATION and row.secondary is not None:
        return Secondary(kind, row.secondary.name)
    return Secondary(kind)


def override_from_row(row: OverrideRow) -> Override:
    """An override's id is its creation order, so `created` is the id."""
    return Override(person=row.person.email, start=row.start_utc, end=row.end_utc, created=row.id, id=row.id)


def time_off_from_row(row: TimeOffRow) -> TimeOff:
    return TimeOff(person=row.person.email, start=row.start_utc, end=row.end_utc, id=row.id)


def settings_columns(rotation: Rotation) -> dict[str, Any]:
    """The `rotations` columns that hold a rotation's own settings (not its secondary's id)."""
    return {
        "timezone": rotation.timezone,
        "shift_count": rotation.shift.count,
        "shift_unit": rotation.shift.unit.value,
        "handoff_local": format_local(rotation.handoff),
        "secondary_kind": rotation.secondary.kind.value,
    }


def people_of(rotation: Rotation) -> list[str]:
    """Everyone a rotation names, members first, each once."""
    spans = [s.person for s in (*rotation.overrides, *rotation.time_off)]
    return list(dict.fromkeys([*rotation.members, *spans]))


def in_creation_order(overrides: tuple[Override, ...]) -> list[Override]:
    """Stored in this order, so ids (and thus `created`) keep the order the caller gave."""
    return sorted(overrides, key=lambda o: o.created)


# --- audit views ------------------------------------------------------------------------


def settings_view(rotation: Rotation) -> dict[str, Any]:
    return {
        "timezone": rotation.timezone,
        "shift": str(rotation.shift),
        "handoff": format_local(rotation.handoff),
        "members": list(rotation.members),
        "secondary": rotation.secondary.to_text(),
    }


def rotation_view(rotation: Rotation) -> dict[str, Any]:
    return {
        **settings_view(rotation),
        "overrides": [span_view(o) for o in rotation.overrides],
        "time_off": [span_view(t) for t in rotation.time_off],
    }


def span_view(span: Override | TimeOff) -> dict[str, Any]:
    return {"id": span.id, "person": span.person, "start": span.start.isoformat(), "end": span.end.isoformat()}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Only what differs: `{"before": {field: old}, "after": {field: new}}`."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {"before": {k: before.get(k) for k in changed}, "after": {k: after[k] for k in changed}}
