"""The rotation form (`setup`) and the reading of what it sends back.

Members are picked with Teams' people picker: an `Input.ChoiceSet` whose `choices.data`
asks Teams for the organisation's users. That property comes from Adaptive Cards 1.6;
Teams honours it in cards that declare 1.5 (the version Universal Actions need).

The form asks for a handoff weekday and time; the rotation's first handoff is the latest
such moment at or before now, so the first member is on duty as soon as it is created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from bot.cards.elements import Element, adaptive_card, column, columns, execute, heading, text
from bot.cards.wording import People, person
from shared.rotation import (
    EMAIL_PATTERN,
    NAME_PATTERN,
    Rotation,
    Secondary,
    ShiftLength,
    ShiftUnit,
    ValidationError,
    load_zone,
    validate_name,
)

SETUP_VERB = "rotation.setup"
PEOPLE_DATASET = "graph.microsoft.com/users"
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
UNITS = (("h", "hours"), ("d", "days"), ("w", "weeks"))
DEFAULT_SHIFT = ShiftLength(1, ShiftUnit.WEEKS)
NO_SECONDARY = Secondary()

#: Input ids, which are also the `ValidationError.field` names errors are shown under.
FIELDS = ("name", "members", "shift", "handoff", "timezone", "secondary")


def setup_card(
    *,
    viewer_zone: str,
    suggested: Sequence[str],
    name: str = "",
    members: Sequence[str] = (),
    shift: ShiftLength = DEFAULT_SHIFT,
    handoff_weekday: str = "monday",
    handoff_time: str = "12:00",
    timezone: str | None = None,
    secondary: Secondary = NO_SECONDARY,
    other_rotations: Sequence[str] = (),
    errors: Mapping[str, str] | None = None,
    people: People | None = None,
    note: str | None = None,
) -> Element:
    """The form, filled with the given values (a rotation being edited, or a refused submission
    with `errors` by field name). A `name` makes it the form of that existing rotation: the
    name is fixed and the submit carries it as `editing`. `suggested` people (at least the
    person filling the form) are offered in the member picker before anyone types; the zone
    defaults to the viewer's; `other_rotations` can be chosen as the secondary; a `note` is
    shown under the title."""
    errors = errors or {}
    body: list[Element] = [
        heading(f"Rotation {name}" if name else "New rotation"),
        *([text(note, isSubtle=True, size="Small", spacing="None")] if note else []),
        _input_text("name", "Name", name, "data-platform", regex=NAME_PATTERN.pattern,
                    error="Lowercase letters, digits, - or _ (e.g. data-platform)", readonly=bool(name)),  # fmt: skip
        *_error("name", errors),
        _members(members, suggested, people),
        *_error("members", errors),
        _shift(shift),
        *_error("shift", errors),
        _handoff(handoff_weekday, handoff_time),
        *_error("handoff", errors),
        _input_text("timezone", "Time zone (IANA name)", timezone or viewer_zone, "Europe/Paris"),
        *_error("timezone", errors),
        _secondary(secondary, [r for r in other_rotations if r != name]),
        *_error("secondary", errors),
    ]
    data = {"editing": name} if name else {}
    return adaptive_card(body, [execute("Save rotation" if name else "Create rotation", SETUP_VERB, data,
                                        style="positive", associatedInputs="auto")])  # fmt: skip


def setup_card_for(
    rotation: Rotation,
    *,
    viewer_zone: str,
    suggested: Sequence[str],
    other_rotations: Sequence[str] = (),
    people: People | None = None,
) -> Element:
    """The form filled in with `rotation` as it is, to change it: its members in their order,
    its shift length, the weekday and time of its handoffs, its zone and its secondary."""
    handoff = rotation.handoff
    return setup_card(viewer_zone=viewer_zone, suggested=suggested, name=rotation.name, members=rotation.members,
                      shift=rotation.shift, handoff_weekday=WEEKDAYS[handoff.weekday()],
                      handoff_time=f"{handoff:%H:%M}", timezone=rotation.timezone, secondary=rotation.secondary,
                      other_rotations=other_rotations, people=people)  # fmt: skip


def _input_text(
    field: str, label: str, value: str, placeholder: str, *, regex: str | None = None, error: str | None = None,
    readonly: bool = False,
) -> Element:  # fmt: skip
    element: Element = {"type": "Input.Text", "id": field, "label": label, "value": value,
                        "placeholder": placeholder, "isRequired": True}  # fmt: skip
    if regex:
        element["regex"] = regex
    element["errorMessage"] = error or f"{label} is needed"
    if readonly:
        element["isVisible"] = False
    return element


def _members(members: Sequence[str], suggested: Sequence[str], people: People | None) -> Element:
    offered = list(dict.fromkeys([*members, *suggested]))
    return {
        "type": "Input.ChoiceSet",
        "id": "members",
        "label": "Members, in rotation order",
        "placeholder": "Type a name to add someone",
        "isMultiSelect": True,
        "isRequired": True,
        "errorMessage": "Pick at least one person",
        "choices": [{"title": person(m, people), "value": m} for m in offered],
        "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET},
        "value": ",".join(members),
    }


def _shift(shift: ShiftLength) -> Element:
    count = {"type": "Input.Number", "id": "shift_count", "label": "Shift length", "value": shift.count,
             "min": 1, "isRequired": True, "errorMessage": "A whole number, 1 or more"}  # fmt: skip
    unit = {"type": "Input.ChoiceSet", "id": "shift_unit", "label": "Unit", "style": "compact",
            "value": shift.unit.value, "choices": [{"title": t, "value": v} for v, t in UNITS]}  # fmt: skip
    return columns(column([count]), column([unit]))


def _handoff(weekday: str, at: str) -> Element:
    day = {"type": "Input.ChoiceSet", "id": "handoff_day", "label": "Handoff day", "style": "compact",
           "value": weekday, "choices": [{"title": d.capitalize(), "value": d} for d in WEEKDAYS]}  # fmt: skip
    clock = {"type": "Input.Time", "id": "handoff_time", "label": "Handoff time", "value": at,
             "isRequired": True, "errorMessage": "A time such as 12:00"}  # fmt: skip
    return columns(column([day]), column([clock]))


def _secondary(secondary: Secondary, other_rotations: Sequence[str]) -> Element:
    choices = [{"title": "None", "value": "none"}, {"title": "The next person in line", "value": "next"}]
    choices += [{"title": f"Whoever is on duty in {r}", "value": r} for r in other_rotations]
    return {"type": "Input.ChoiceSet", "id": "secondary", "label": "Secondary (backs up the person on duty)",
            "style": "compact", "value": secondary.to_text() or "none", "choices": choices}  # fmt: skip


def _error(field: str, errors: Mapping[str, str]) -> list[Element]:
    message = errors.get(field)
    return [text(message, color="Attention", size="Small", spacing="None")] if message else []


def rotation_from_form(
    values: Mapping[str, Any], now: datetime, *, emails: Mapping[str, str] | None = None
) -> Rotation:
    """The rotation a submitted form describes; raises `ValidationError` naming the form field
    to show the message under (one of `FIELDS`). The people picker sends Entra object ids:
    `emails` maps them to user principal names (an email typed as is passes through).
    Existing overrides and time off are the caller's to carry over."""
    name = validate_name(str(values.get("editing") or values.get("name") or "").strip().lower())
    picked = [m.strip() for m in str(values.get("members") or "").split(",") if m.strip()]
    members = tuple(_email_of(m, emails or {}) for m in picked)
    zone_name = str(values.get("timezone") or "").strip()
    load_zone(zone_name)
    shift = _form_shift(values)
    handoff = _first_handoff(str(values.get("handoff_day") or ""), str(values.get("handoff_time") or ""),
                             now, zone_name)  # fmt: skip
    return Rotation(name=name, timezone=zone_name, shift=shift, handoff=handoff, members=members,
                    secondary=Secondary.parse(str(values.get("secondary") or "none")))  # fmt: skip


def _email_of(picked: str, emails: Mapping[str, str]) -> str:
    if picked in emails:
        return emails[picked]
    if EMAIL_PATTERN.match(picked):
        return picked
    raise ValidationError("members", f"I can't find the email of one of the people picked ({picked})")


def _form_shift(values: Mapping[str, Any]) -> ShiftLength:
    count = str(values.get("shift_count") or "").strip()
    unit = str(values.get("shift_unit") or "w").strip()
    try:
        number = float(count)
    except ValueError as error:
        raise ValidationError("shift", "the shift length must be a number") from error
    if not number.is_integer():
        raise ValidationError("shift", "the shift length must be a whole number")
    return ShiftLength.parse(f"{int(number)}{unit}")


def _first_handoff(weekday: str, clock: str, now: datetime, zone_name: str) -> datetime:
    """The latest `weekday clock` at or before `now`, as a local time in the rotation's zone."""
    if weekday not in WEEKDAYS:
        raise ValidationError("handoff", "pick a weekday for the handoff")
    try:
        at = time.fromisoformat(clock)
    except ValueError as error:
        raise ValidationError("handoff", "the handoff time must look like 12:00") from error
    local_now = now.astimezone(load_zone(zone_name)).replace(tzinfo=None)
    days_back = (local_now.weekday() - WEEKDAYS.index(weekday)) % 7
    candidate = datetime.combine(local_now.date() - timedelta(days=days_back), at.replace(second=0, microsecond=0))
    if candidate > local_now:
        candidate -= timedelta(days=7)
    return candidate
