"""`duty` in chat: a rotation's routine duties, listed and changed.

    duty                                           the duties, numbered, and when each is next due
    duty add <days> <HH:MM> <title>[: item; item]  e.g. duty add thu 18:00 Pre-prod push: build; smoke tests
    duty remove <N>

`parse_duty` reads what follows the word `duty` (pure; a `ValidationError` names the
part to fix); `DUTY_HANDLERS` answers each command with the chat service's `Env` and
`Caller`, like its other commands. Anyone may list; changes need an owner of the
rotation or of the team, as other changes to how a rotation runs do. The duty timer sees
a change at its next look (`Services.replan`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from zoneinfo import ZoneInfo

from bot.cards.checklist import duties_card
from bot.cards.wording import when
from bot.chat.context import Caller, Env, Refused, load_rotations, require_manager, working_rotation
from bot.chat.replies import say
from bot.conversations import Reply
from bot.shifts.duty_commands import DutyAdd, DutyCommand, DutyList, DutyRemove
from bot.shifts.routine import MAX_DUTIES, RoutineDuty
from bot.storage.shifts import ShiftStore
from shared.rotation import Rotation

CHANGE = "Changing the routine duties"


async def duty_list(env: Env, caller: Caller, command: DutyList) -> list[Reply]:
    rotation = await working_rotation(env, caller, await load_rotations(env))
    duties = await _store(env).duties(rotation.name)
    card = duties_card(rotation=rotation.name, duties=duties, rotation_zone=rotation.timezone, viewer_zone=caller.zone,
                       now=env.clock())  # fmt: skip
    return [Reply(card=card)]


async def duty_add(env: Env, caller: Caller, command: DutyAdd) -> list[Reply]:
    rotation = await working_rotation(env, caller, await load_rotations(env))
    await require_manager(env, caller, rotation.name, CHANGE)
    duties = await _store(env).duties(rotation.name)
    if len(duties) >= MAX_DUTIES:
        raise Refused(f"{rotation.name} has {len(duties)} routine duties already, the most I keep.",
                      "Remove one first: “duty remove N”.")  # fmt: skip
    await _store(env).replace_duties(rotation.name, [*duties, command.duty], caller.actor)
    return [say(f"Added to the routine duties of {rotation.name}: {command.duty.line()}. "
                f"{_next(rotation, command.duty, env, caller)}")]  # fmt: skip


async def duty_remove(env: Env, caller: Caller, command: DutyRemove) -> list[Reply]:
    rotation = await working_rotation(env, caller, await load_rotations(env))
    await require_manager(env, caller, rotation.name, CHANGE)
    duties = await _store(env).duties(rotation.name)
    if not 1 <= command.number <= len(duties):
        raise Refused(f"{rotation.name} has no routine duty {command.number}.",
                      "Type “duty” to see them and their numbers.")  # fmt: skip
    removed = duties[command.number - 1]
    await _store(env).replace_duties(rotation.name, [d for d in duties if d is not removed], caller.actor)
    return [say(f"Removed from the routine duties of {rotation.name}: {removed.line()}.")]


def _next(rotation: Rotation, duty: RoutineDuty, env: Env, caller: Caller) -> str:
    now = env.clock()
    due = duty.schedule.next_after(rotation.zone, now)
    return f"It is next due {when(due, ZoneInfo(caller.zone), now)}; whoever is on duty then gets its checklist."


def _store(env: Env) -> ShiftStore:
    return ShiftStore(env.store.engine, clock=env.clock)


DUTY_HANDLERS: dict[type, Callable[[Env, Caller, DutyCommand], Awaitable[list[Reply]]]] = {
    DutyList: duty_list,
    DutyAdd: duty_add,
    DutyRemove: duty_remove,
}
