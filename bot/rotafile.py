"""Rotations as code: the YAML file format, and the plan that makes the database match it.

Reading the file and planning are pure (`load_rotafile`, `plan_changes`); only
`apply_plan` and `export_rotations` touch the store. Times in the file are wall-clock
times in the rotation's own zone, because that is how a team writes its schedule.

Semantics of `rota apply`:
* rotations in the file are created or updated to match it; rotations that are not in
  the file are left alone;
* `overrides:` and `time_off:` are managed only when the key is present: a rotation
  without the key keeps the overrides people added through chat or the API, while
  `overrides: []` removes them all;
* `routine_duties:` (lines such as `weekdays 16:00 Rollout: item; item`) is managed the
  same way: present, it replaces the rotation's duties; absent, they are left alone;
* `owners:` (emails) likewise: the people who may change the rotation from Teams (bind a
  channel, members, the setup form) besides the team's owners; present, the rotation is
  owned by exactly them; absent, whoever owns it (e.g. its creator in chat) keeps it;
* applying the same file twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from bot.shifts.routine import RoutineDuty
from bot.storage import NotFound, Store
from bot.storage.shifts import ShiftStore
from bot.storage.teams import TeamsStore
from shared.rotation import (
    Override,
    Rotation,
    Secondary,
    SecondaryKind,
    ShiftLength,
    TimeOff,
    ValidationError,
    format_local,
    load_zone,
    local_to_utc,
    normalize_email,
    parse_local,
    validate_name,
)

ROTATION_KEYS = {"name", "timezone", "shift", "handoff", "members", "secondary", "overrides", "time_off",
                 "routine_duties", "owners"}
SPAN_KEYS = {"person", "start", "end"}
#: The UTC offset that may end a span's time: `+01:00`, `-05:30`, `Z`.
OFFSET_SUFFIX = re.compile(r"(Z|[+-]\d{2}:\d{2}(?::\d{2})?)\s*$")


class RotafileError(ValueError):
    """The file cannot be used; the message says where (rotation and field) and why."""


@dataclass(frozen=True)
class Desired:
    """One rotation as the file declares it; `None` spans mean "not managed by the file"."""

    rotation: Rotation
    overrides: tuple[Override, ...] | None
    time_off: tuple[TimeOff, ...] | None
    duties: tuple[RoutineDuty, ...] | None = None
    owners: tuple[str, ...] | None = None


@dataclass
class Plan:
    """What `apply` will do, in order, with a line of text per change for the operator."""

    creates: list[Rotation] = field(default_factory=list)
    updates: list[Rotation] = field(default_factory=list)
    secondaries_after: list[Rotation] = field(default_factory=list)
    add_overrides: list[tuple[str, Override]] = field(default_factory=list)
    remove_overrides: list[tuple[str, Override]] = field(default_factory=list)
    add_time_off: list[tuple[str, TimeOff]] = field(default_factory=list)
    remove_time_off: list[tuple[str, TimeOff]] = field(default_factory=list)
    set_duties: list[tuple[str, tuple[RoutineDuty, ...]]] = field(default_factory=list)
    add_owners: list[tuple[str, str]] = field(default_factory=list)
    remove_owners: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines


# --- reading ---------------------------------------------------------------------------


def load_rotafile(text: str) -> list[Desired]:
    """Parse and validate a whole file; raise RotafileError on the first problem."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RotafileError(f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("rotations"), list):
        raise RotafileError("the file must have a top-level 'rotations:' list")
    unknown = set(document) - {"rotations"}
    if unknown:
        raise RotafileError(f"unknown top-level keys: {', '.join(sorted(map(str, unknown)))}")
    desired = [_read_rotation(entry, i) for i, entry in enumerate(document["rotations"])]
    names = [d.rotation.name for d in desired]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RotafileError(f"rotations declared twice: {', '.join(duplicates)}")
    return desired


def _read_rotation(entry: Any, position: int) -> Desired:
    where = f"rotations[{position}]"
    if not isinstance(entry, dict):
        raise RotafileError(f"{where}: each rotation is a mapping of name, timezone, shift, ...")
    name = entry.get("name")
    where = f"rotation {name!r}" if isinstance(name, str) else where
    unknown = set(entry) - ROTATION_KEYS
    if unknown:
        raise RotafileError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}")
    missing = [k for k in ("name", "timezone", "shift", "handoff", "members") if k not in entry]
    if missing:
        raise RotafileError(f"{where}: missing {', '.join(missing)}")
    try:
        zone = load_zone(entry["timezone"])
        members = entry["members"]
        if not isinstance(members, list):
            raise ValidationError("members", "must be a list of email addresses")
        rotation = Rotation(
            name=validate_name(entry["name"]),
            timezone=entry["timezone"],
            shift=ShiftLength.parse(str(entry["shift"])),
            handoff=parse_local(_as_text(entry["handoff"])),
            members=tuple(members),
            secondary=Secondary.parse(entry.get("secondary")),
        )
        overrides = _read_spans(entry, "overrides", zone, Override)
        time_off = _read_spans(entry, "time_off", zone, TimeOff)
        duties = _read_duties(entry)
        owners = _read_owners(entry)
    except ValidationError as exc:
        raise RotafileError(f"{where}: {exc.field}: {exc.message}") from exc
    return Desired(rotation, overrides, time_off, duties, owners)


def _as_text(value: Any) -> Any:
    """YAML reads an unquoted `2026-03-02 12:00` as a datetime; both spellings are fine."""
    return format_local(value) if isinstance(value, datetime) else value


def _read_spans(entry: dict, key: str, zone: ZoneInfo, kind: type) -> tuple | None:
    if key not in entry:
        return None
    spans = entry[key] or []
    if not isinstance(spans, list):
        raise ValidationError(key, "must be a list of {person, start, end}")
    result = []
    for i, span in enumerate(spans):
        if not isinstance(span, dict) or set(span) != SPAN_KEYS:
            raise ValidationError(f"{key}[{i}]", "each entry needs exactly person, start and end")
        start = _read_instant(span["start"], zone, f"{key}[{i}].start")
        end = _read_instant(span["end"], zone, f"{key}[{i}].end")
        result.append(kind(person=span["person"], start=start, end=end))
    return tuple(result)


def _read_instant(value: Any, zone: ZoneInfo, field_name: str) -> datetime:
    """A span's start or end: with a UTC offset (`2026-10-25 02:30+01:00`, or `Z`), that
    instant; without one, a wall-clock time in the rotation's zone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    text = _as_text(value)
    offset = OFFSET_SUFFIX.search(text) if isinstance(text, str) else None
    if offset is None:
        return local_to_utc(parse_local(text, field_name), zone)
    local = parse_local(text[: offset.start()], field_name)
    try:
        return local.replace(tzinfo=datetime.strptime(offset.group(1), "%z").tzinfo)
    except ValueError as exc:
        raise ValidationError(field_name, f"{text!r} has no valid UTC offset (e.g. +01:00)") from exc


def _read_duties(entry: dict) -> tuple[RoutineDuty, ...] | None:
    """`routine_duties:` as lines in the chat's grammar (`thu 18:00 Pre-prod push: item; item`)."""
    if "routine_duties" not in entry:
        return None
    lines = entry["routine_duties"] or []
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise ValidationError("routine_duties", "must be a list of lines such as 'weekdays 16:00 Rollout: item; item'")
    return tuple(RoutineDuty.parse(line) for line in lines)


def _read_owners(entry: dict) -> tuple[str, ...] | None:
    if "owners" not in entry:
        return None
    owners = entry["owners"] or []
    if not isinstance(owners, list):
        raise ValidationError("owners", "must be a list of email addresses")
    return tuple(dict.fromkeys(normalize_email(owner, f"owners[{i}]") for i, owner in enumerate(owners)))


# --- planning (pure) ---------------------------------------------------------------------


def plan_changes(
    desired: list[Desired],
    current: dict[str, Rotation],
    duties: dict[str, list[RoutineDuty]] | None = None,
    owners: dict[str, list[str]] | None = None,
) -> Plan:
    """Compare the file with the stored rotations (and their routine `duties` and
    `owners`) and list what must change."""
    plan = Plan()
    known = set(current)
    for item in desired:
        want = item.rotation
        have = current.get(want.name)
        deferred = _needs_deferred_secondary(want, known)
        staged = _with_secondary(want, Secondary()) if deferred else want
        if have is None:
            plan.creates.append(staged)
            plan.lines.append(f"+ rotation {want.name} ({want.shift}, {want.timezone}, {len(want.members)} members)")
        else:
            differences = _setting_differences(have, want)
            if differences:
                plan.updates.append(staged)
                plan.lines.extend(f"~ rotation {want.name}: {d}" for d in differences)
        if deferred:
            plan.secondaries_after.append(want)
        known.add(want.name)
        _plan_spans(plan, item, have, "overrides", zone=want.zone)
        _plan_spans(plan, item, have, "time_off", zone=want.zone)
        _plan_duties(plan, item, (duties or {}).get(want.name, []))
        _plan_owners(plan, item, (owners or {}).get(want.name, []))
    _check_secondaries_exist(desired, set(current))
    return plan


def _needs_deferred_secondary(rotation: Rotation, known: set[str]) -> bool:
    """A secondary declared later in the same file is set once every rotation exists."""
    return rotation.secondary.kind is SecondaryKind.ROTATION and rotation.secondary.rotation not in known


def _check_secondaries_exist(desired: list[Desired], stored: set[str]) -> None:
    names = stored | {d.rotation.name for d in desired}
    for item in desired:
        target = item.rotation.secondary.rotation
        if target is not None and target not in names:
            raise RotafileError(f"rotation {item.rotation.name!r}: secondary rotation {target!r} does not exist")


def _with_secondary(rotation: Rotation, secondary: Secondary) -> Rotation:
    return Rotation(
        name=rotation.name,
        timezone=rotation.timezone,
        shift=rotation.shift,
        handoff=rotation.handoff,
        members=rotation.members,
        secondary=secondary,
    )


def _setting_differences(have: Rotation, want: Rotation) -> list[str]:
    pairs = [
        ("timezone", have.timezone, want.timezone),
        ("shift", str(have.shift), str(want.shift)),
        ("handoff", format_local(have.handoff), format_local(want.handoff)),
        ("members", ", ".join(have.members), ", ".join(want.members)),
        ("secondary", have.secondary.to_text() or "none", want.secondary.to_text() or "none"),
    ]
    return [f"{label} {old} -> {new}" for label, old, new in pairs if old != new]


def _span_key(span: Override | TimeOff) -> tuple[str, datetime, datetime]:
    return (span.person, span.start, span.end)


def _plan_spans(plan: Plan, item: Desired, have: Rotation | None, kind: str, zone: ZoneInfo) -> None:
    wanted = item.overrides if kind == "overrides" else item.time_off
    if wanted is None:
        return
    existing = () if have is None else (have.overrides if kind == "overrides" else have.time_off)
    existing_keys = {_span_key(s) for s in existing}
    wanted_keys = {_span_key(s) for s in wanted}
    label = "override" if kind == "overrides" else "time off"
    adds = plan.add_overrides if kind == "overrides" else plan.add_time_off
    removes = plan.remove_overrides if kind == "overrides" else plan.remove_time_off
    name = item.rotation.name
    for span in existing:
        if _span_key(span) not in wanted_keys:
            removes.append((name, span))
            plan.lines.append(f"- {label} {name}: {_describe(span, zone)}")
    for span in wanted:
        if _span_key(span) not in existing_keys:
            adds.append((name, span))
            plan.lines.append(f"+ {label} {name}: {_describe(span, zone)}")


def _plan_duties(plan: Plan, item: Desired, stored: list[RoutineDuty]) -> None:
    if item.duties is None or [d.line() for d in item.duties] == [d.line() for d in stored]:
        return
    plan.set_duties.append((item.rotation.name, item.duties))
    plan.lines.append(f"~ routine duties {item.rotation.name}: {len(stored)} -> {len(item.duties)} "
                      f"({'; '.join(d.schedule.describe() + ' ' + d.title for d in item.duties) or 'none'})")


def _plan_owners(plan: Plan, item: Desired, stored: list[str]) -> None:
    if item.owners is None:
        return
    name = item.rotation.name
    for owner in stored:
        if owner not in item.owners:
            plan.remove_owners.append((name, owner))
            plan.lines.append(f"- owner {name}: {owner}")
    for owner in item.owners:
        if owner not in stored:
            plan.add_owners.append((name, owner))
            plan.lines.append(f"+ owner {name}: {owner}")


def _describe(span: Override | TimeOff, zone: ZoneInfo) -> str:
    """As the file writes it, so a move between the two 02:30s of an autumn night shows."""
    return f"{span.person} {_export_instant(span.start, zone)} -> {_export_instant(span.end, zone)}"


# --- applying and exporting (I/O) --------------------------------------------------------


async def current_rotations(store: Store) -> dict[str, Rotation]:
    return {r.name: r for r in await store.list_rotations()}


async def current_duties(store: Store) -> dict[str, list[RoutineDuty]]:
    """Every rotation's routine duties, for `plan_changes` and `export_rotations`."""
    return await ShiftStore(store.engine).all_duties()


async def current_owners(store: Store, names: list[str]) -> dict[str, list[str]]:
    """The owners of each of the rotations `names` that exists."""
    teams = TeamsStore(store.engine)
    existing = {rotation.name for rotation in await store.list_rotations()}
    return {name: await teams.owners(name) for name in names if name in existing}


async def apply_plan(store: Store, plan: Plan, actor: str) -> None:
    """Carry out a plan. Each step is its own transaction, in an order that keeps every
    intermediate state valid (rotations before the secondaries that name them)."""
    for rotation in plan.creates:
        await store.create_rotation(rotation, actor)
    for rotation in plan.updates:
        await store.update_rotation(rotation, actor)
    for rotation in plan.secondaries_after:
        await store.update_rotation(rotation, actor)
    for name, override in plan.remove_overrides:
        await _delete_quietly(store.delete_override(name, _span_id(override), actor))
    for name, time_off in plan.remove_time_off:
        await _delete_quietly(store.delete_time_off(name, _span_id(time_off), actor))
    for name, override in plan.add_overrides:
        await store.add_override(name, override, actor)
    for name, time_off in plan.add_time_off:
        await store.add_time_off(name, time_off, actor)
    for name, duties in plan.set_duties:
        await ShiftStore(store.engine).replace_duties(name, duties, actor)
    teams = TeamsStore(store.engine)
    for name, owner in plan.remove_owners:
        await teams.remove_owner(name, owner, actor)
    for name, owner in plan.add_owners:
        await teams.add_owner(name, owner, actor)


def _span_id(span: Override | TimeOff) -> int:
    if span.id is None:
        raise RotafileError("a stored override or time off came back without an id")
    return span.id


async def _delete_quietly(deletion: Any) -> None:
    """Someone else removing the same entry meanwhile leaves the same end state."""
    try:
        await deletion
    except NotFound:
        return


def export_rotations(
    rotations: list[Rotation],
    duties: dict[str, list[RoutineDuty]] | None = None,
    owners: dict[str, list[str]] | None = None,
) -> str:
    """The rotations (with their routine `duties` and `owners`, when given) in the file
    format `load_rotafile` reads back unchanged."""
    entries = []
    for rotation in sorted(rotations, key=lambda r: r.name):
        zone = rotation.zone
        entry: dict[str, Any] = {
            "name": rotation.name,
            "timezone": rotation.timezone,
            "shift": str(rotation.shift),
            "handoff": format_local(rotation.handoff),
            "members": list(rotation.members),
        }
        if rotation.secondary.kind is not SecondaryKind.NONE:
            entry["secondary"] = rotation.secondary.to_text()
        entry["overrides"] = [_export_span(o, zone) for o in sorted(rotation.overrides, key=lambda o: o.created)]
        entry["time_off"] = [_export_span(t, zone) for t in rotation.time_off]
        if duties is not None:
            entry["routine_duties"] = [duty.line() for duty in duties.get(rotation.name, [])]
        if owners is not None:
            entry["owners"] = list(owners.get(rotation.name, []))
        entries.append(entry)
    return yaml.safe_dump({"rotations": entries}, sort_keys=False, allow_unicode=True, width=100)


def _export_span(span: Override | TimeOff, zone: ZoneInfo) -> dict[str, str]:
    return {
        "person": span.person,
        "start": _export_instant(span.start, zone),
        "end": _export_instant(span.end, zone),
    }


def _export_instant(instant: datetime, zone: ZoneInfo) -> str:
    """Wall-clock time in the zone; with its UTC offset when that time happens twice (the
    repeated hour of an autumn change), which a plain time could not tell apart."""
    local = instant.astimezone(zone)
    if local.replace(fold=1 - local.fold).utcoffset() == local.utcoffset():
        return format_local(local.replace(tzinfo=None))
    return local.isoformat(sep=" ", timespec="minutes" if local.second == 0 else "seconds")
