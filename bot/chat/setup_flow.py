"""Setting up a rotation with the form: `setup` (or the welcome card's button) opens it,
`rotation.setup` reads what was submitted.

A new rotation is created with the person who submitted the form as its first owner, in
one transaction. A form that carries `editing` changes an existing rotation, which needs
an owner of it or of the team; its overrides and time off are kept, and so is its handoff
anchor when the handoff day and time are unchanged (a fresh anchor would restart the order).
A refused submission comes back as the same form with the reason under the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bot.cards import rotation_from_form, setup_card
from bot.cards.setup import DEFAULT_SHIFT, WEEKDAYS
from bot.chat.commands import Setup
from bot.chat.context import Caller, Env, display_names, load_rotations, require_manager
from bot.chat.views import rotation_ready_card
from bot.conversations import CardAction, CardActionResult, Reply
from bot.storage import Conflict
from shared.oncall import on_call
from shared.rotation import Rotation, Secondary, ShiftLength, ValidationError

Form = Mapping[str, Any]


async def open_form(env: Env, caller: Caller, command: Setup | None = None) -> list[Reply]:
    return [Reply(card=await _blank_form(env, caller))]


async def open_form_action(env: Env, caller: Caller, action: CardAction) -> CardActionResult:
    return CardActionResult(card=await _blank_form(env, caller))


async def _blank_form(env: Env, caller: Caller) -> dict[str, Any]:
    rotations = await load_rotations(env)
    suggested = [caller.email] if caller.email else []
    return setup_card(viewer_zone=caller.zone, suggested=suggested, other_rotations=rotations.names)


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
            stored = await env.store.update_rotation(_edited(existing, rotation), caller.actor)
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
                               until=answer.end, viewer_zone=caller.zone, now=now, people=names)  # fmt: skip
    return CardActionResult(card=card)


def _edited(existing: Rotation, submitted: Rotation) -> Rotation:
    before, after = existing.handoff, submitted.handoff
    same = (before.weekday(), before.time(), existing.timezone) == (after.weekday(), after.time(), submitted.timezone)
    handoff = before if same else after
    return replace(existing, timezone=submitted.timezone, shift=submitted.shift, handoff=handoff,
                   members=submitted.members, secondary=submitted.secondary)  # fmt: skip


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
