"""Setting up a rotation with the form: `setup` (or the welcome card's button) opens it empty,
`setup <rotation>` filled in with that rotation as it is, and `rotation.setup` reads what
was submitted.

A new rotation is created with the person who submitted the form as its first owner, in
one transaction. The filled-in form carries `editing` and changes that rotation, which
needs an owner of it or of the team (checked when the form is opened and again when it is
submitted); its overrides and time off are kept. A change keeps the order running: whoever
is on regular duty now stays on duty, and the others follow in the form's order, on the
form's shift length and handoff day and time. A form sent back with the members, shift
length, zone and handoff day and time as they were leaves the rotation's handoffs untouched.
A refused submission comes back as the same form with the reason under the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from bot.cards import rotation_from_form, setup_card
from bot.cards.elements import Element
from bot.cards.setup import DEFAULT_SHIFT, WEEKDAYS, setup_card_for
from bot.chat.commands import Setup
from bot.chat.context import Caller, Env, bound_here, display_names, load_rotations, require_manager
from bot.chat.views import rotation_ready_card
from bot.conversations import CardAction, CardActionResult, Reply
from bot.storage import Conflict
from shared.oncall import on_call, shift_index, shift_start
from shared.rotation import Rotation, Secondary, ShiftLength, ValidationError

Form = Mapping[str, Any]


async def open_form(env: Env, caller: Caller, command: Setup | None = None) -> list[Reply]:
    """The empty form, or with a rotation named the form filled in with it (for its owners)."""
    if command is not None and command.rotation is not None:
        return [Reply(card=await _filled_form(env, caller, command.rotation))]
    return [Reply(card=await _blank_form(env, caller))]


async def open_form_action(env: Env, caller: Caller, action: CardAction) -> CardActionResult:
    return CardActionResult(card=await _blank_form(env, caller))


async def _blank_form(env: Env, caller: Caller) -> Element:
    """The form for a new rotation; in a channel that belongs to one, it says how to change that one."""
    rotations = await load_rotations(env)
    bound = await bound_here(env, caller, rotations)
    note = f"This channel belongs to {bound.name}: to change it, type “@Rota setup {bound.name}”." if bound else None
    return setup_card(viewer_zone=caller.zone, suggested=_suggested(caller), other_rotations=rotations.names,
                      note=note)  # fmt: skip


async def _filled_form(env: Env, caller: Caller, name: str) -> Element:
    """The form filled in with the rotation as it is, or a refusal for someone who may not change it."""
    rotations = await load_rotations(env)
    rotation = rotations.get(name)
    await require_manager(env, caller, rotation.name, f"Changing {rotation.name}")
    people = await display_names(env, rotation.members)
    return setup_card_for(rotation, viewer_zone=caller.zone, suggested=_suggested(caller),
                          other_rotations=rotations.names, people=people)  # fmt: skip


def _suggested(caller: Caller) -> list[str]:
    return [caller.email] if caller.email else []


async def submit(env: Env, caller: Caller, action: CardAction) -> CardActionResult:
    """Create or change the rotation the form describes; the form again, with errors, if it can't."""
    me = caller.require_email()
    values = action.data
    picked = [m.strip() for m in str(values.get("members") or "").split(",") if m.strip()]
    emails = await env.teams.emails_by_object_id(picked)
    now = env.clock()
    try:
        rotation = rotation_from_form(values, now, emails=emails)
    except ValidationError as error:
        return await _form_again(env, caller, values, emails, {error.field: error.message})
    rotations = await load_rotations(env)
    editing = rotation.name if values.get("editing") else None
    try:
        if editing:
            existing = rotations.get(editing)
            await require_manager(env, caller, editing, f"Changing {editing}")
            stored = await env.store.update_rotation(edited(existing, rotation, now), caller.actor)
        else:
            stored = await env.teams.create_owned_rotation(rotation, me, caller.actor)
    except Conflict:
        field = "name" if not editing and rotation.name in rotations.by_name else "secondary"
        message = (f"A rotation called {rotation.name} already exists: pick another name." if field == "name"
                   else "That secondary rotation no longer exists: pick another.")  # fmt: skip
        return await _form_again(env, caller, values, emails, {field: message})
    answer = on_call(stored, now, {**rotations.by_name, stored.name: stored})
    names = await display_names(env, stored.members)
    card = rotation_ready_card(rotation=stored.name, members=stored.members, on_duty=answer.primary,
                               until=answer.end, viewer_zone=caller.zone, now=now, people=names,
                               changed=bool(editing))  # fmt: skip
    return CardActionResult(card=card)


# --- a change that keeps the order running ---------------------------------------------------


def edited(existing: Rotation, submitted: Rotation, now: datetime) -> Rotation:
    """`existing` with the settings of the submitted form (whose handoff is the latest one at
    or before `now` on the form's day and time), and a first handoff that keeps the order
    running: whoever is on regular duty at `now` stays on duty (if they left, the next one in
    the old order who stays), the others follow in the new order. Before the rotation's
    first handoff, it moves to the first handoff on the new day and time from then.
    Overrides and time off are kept as they are."""
    changed = replace(existing, timezone=submitted.timezone, shift=submitted.shift, handoff=submitted.handoff,
                      members=submitted.members, secondary=submitted.secondary)  # fmt: skip
    if _same_turns(existing, changed):
        return replace(changed, handoff=existing.handoff)
    k = shift_index(existing, now)
    if k < 0:
        return replace(changed, handoff=_first_handoff_from(changed, existing.first_handoff_utc))
    turn = _staying_turn(existing.members, k, changed.members)
    behind = (turn - shift_index(changed, now)) % len(changed.members)
    return replace(changed, handoff=_shifts_earlier(changed, behind))


def _same_turns(before: Rotation, after: Rotation) -> bool:
    """Nothing that decides whose turn it is has changed: members, shift length, zone, and
    the weekday and time (to the minute) of the handoffs."""

    def turns(rotation: Rotation) -> tuple[object, ...]:
        clock = rotation.handoff.time().replace(second=0, microsecond=0)
        return rotation.members, rotation.shift, rotation.timezone, rotation.handoff.weekday(), clock

    return turns(before) == turns(after)


def _staying_turn(members: Sequence[str], k: int, staying: Sequence[str]) -> int:
    """Where, in `staying`, the member of shift `k` of `members` is, or the first one after
    them who stays; 0 when nobody stays."""
    for step in range(len(members)):
        person = members[(k + step) % len(members)]
        if person in staying:
            return staying.index(person)
    return 0


def _shifts_earlier(rotation: Rotation, count: int) -> datetime:
    """The rotation's first handoff moved `count` shifts back, as a wall-clock time in its zone."""
    if rotation.shift.is_calendar:
        return rotation.handoff - count * timedelta(days=rotation.shift.days)
    return shift_start(rotation, -count).astimezone(rotation.zone).replace(tzinfo=None)


def _first_handoff_from(rotation: Rotation, start: datetime) -> datetime:
    """The first moment on the rotation's handoff weekday and time at or after `start` (UTC),
    as a wall-clock time in its zone."""
    local = start.astimezone(rotation.zone).replace(tzinfo=None)
    days = (rotation.handoff.weekday() - local.weekday()) % 7
    candidate = datetime.combine(local.date() + timedelta(days=days), rotation.handoff.time())
    return candidate if candidate >= local else candidate + timedelta(days=7)


async def _form_again(
    env: Env, caller: Caller, values: Form, emails: Mapping[str, str], errors: dict[str, str]
) -> CardActionResult:
    """The submitted form, filled with what can be read back, and the errors under their fields."""
    picked = [m.strip() for m in str(values.get("members") or "").split(",") if m.strip()]
    members = [emails.get(m, m) for m in picked]
    rotations = await load_rotations(env)
    card = setup_card(
        viewer_zone=caller.zone,
        suggested=[caller.email] if caller.email else [],
        name=str(values.get("editing") or ""),
        members=members,
        shift=_shift_or_default(values),
        handoff_weekday=_choice(values.get("handoff_day"), WEEKDAYS, "monday"),
        handoff_time=str(values.get("handoff_time") or "12:00"),
        timezone=str(values.get("timezone") or caller.zone),
        secondary=_secondary_or_none(values),
        other_rotations=rotations.names,
        errors=errors,
        people=await display_names(env, members),
    )
    return CardActionResult(card=card)


def _shift_or_default(values: Form) -> ShiftLength:
    try:
        return ShiftLength.parse(f"{int(float(str(values.get('shift_count'))))}{values.get('shift_unit') or 'w'}")
    except (ValueError, ValidationError):
        return DEFAULT_SHIFT


def _secondary_or_none(values: Form) -> Secondary:
    try:
        return Secondary.parse(str(values.get("secondary") or "none"))
    except ValidationError:
        return Secondary()


def _choice(value: object, allowed: tuple[str, ...], default: str) -> str:
    return value if isinstance(value, str) and value in allowed else default
