"""Questions anyone may ask: `help`, `who`, `schedule`, `my shifts`. They read and never write."""

from __future__ import annotations

from bot.cards import help_card, my_shifts_card, schedule_card, upcoming_shifts, who_card, who_view
from bot.chat.commands import DEFAULT_WEEKS, Help, MyShifts, Schedule, Who
from bot.chat.context import Caller, Env, Refused, Rotations, display_names, load_rotations, rotations_in_view
from bot.chat.table import Scope
from bot.conversations import Reply
from shared.rotation import Rotation


async def answer_help(env: Env, caller: Caller, command: Help) -> list[Reply]:
    return [Reply(card=help_card(scope=caller.scope, topic=command.topic))]


async def answer_who(env: Env, caller: Caller, command: Who) -> list[Reply]:
    """The rotation named; in a channel every rotation of the team (this channel's first);
    in a personal chat the caller's own."""
    rotations = await load_rotations(env)
    if command.rotation is None and caller.scope is Scope.CHANNEL:
        chosen = await _team_rotations(env, caller, rotations)
    else:
        chosen = await rotations_in_view(env, caller, rotations, command.rotation)
    now = env.clock()
    views = [who_view(r, now, others=rotations.by_name, warning=await _tag_warning(env, r.name)) for r in chosen]
    names = await display_names(env, [p for v in views for p in (v.primary, v.secondary, v.next_primary)])
    return [Reply(card=who_card(views=views, viewer_zone=caller.zone, now=now, people=names))]


async def _team_rotations(env: Env, caller: Caller, rotations: Rotations) -> list[Rotation]:
    here = await env.teams.bound_rotation(caller.conversation.key)
    team_id = caller.conversation.team_id
    bound = [b.rotation for b in await env.teams.bindings(team_id=team_id)] if team_id else []
    names = list(dict.fromkeys([n for n in (here, *bound) if n]))
    return [rotations.by_name[n] for n in names if n in rotations.by_name]


async def _tag_warning(env: Env, rotation: str) -> str | None:
    tags = env.more.tags
    return await tags.warning_for(rotation) if tags is not None else None


async def answer_schedule(env: Env, caller: Caller, command: Schedule) -> list[Reply]:
    """One card per rotation in view."""
    rotations = await load_rotations(env)
    now = env.clock()
    replies = []
    for rotation in await rotations_in_view(env, caller, rotations, command.rotation):
        segments = upcoming_shifts(rotation, now, command.weeks, rotations.by_name)
        names = await display_names(env, [s.person for s in segments])
        card = schedule_card(rotation=rotation.name, segments=segments, viewer_zone=caller.zone, now=now,
                             weeks=command.weeks, people=names)  # fmt: skip
        replies.append(Reply(card=card))
    return replies


async def answer_my_shifts(env: Env, caller: Caller, command: MyShifts) -> list[Reply]:
    """Primary and secondary duty in every rotation, members' or not (an override counts)."""
    email = caller.require_email()
    rotations = await load_rotations(env)
    now = env.clock()
    mine = []
    for rotation in rotations.by_name.values():
        for segment in upcoming_shifts(rotation, now, DEFAULT_WEEKS, rotations.by_name):
            if segment.person == email:
                mine.append((rotation.name, segment))
    if not mine and not rotations.of_member(email):
        raise Refused("You aren't in any rotation yet, so you have no shifts.", "Type “join <rotation>”.")
    return [Reply(card=my_shifts_card(shifts=mine, viewer_zone=caller.zone, now=now, weeks=DEFAULT_WEEKS))]
