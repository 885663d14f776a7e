"""Changes to who is on duty: `swap`, `cover`, `away` (one's own duty, anyone may), and
`join`, `leave`, `bind` (how a rotation is made up; leaving and binding need an owner).

Each change is decided first, from the rotations as they are, then written in one
transaction; the people whose duty moved because of someone else are told in a direct
message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.cards.wording import local_day, stamp
from bot.chat.commands import Away, Bind, Cover, Join, Leave, Swap
from bot.chat.context import (
    Caller,
    Env,
    Refused,
    Rotations,
    channel_or,
    display_names,
    email_of,
    load_rotations,
    require_manager,
)
from bot.chat.duty import (
    Stretch,
    SwapPlan,
    cover_stretches,
    my_stretch,
    one_turn,
    primary_stretches,
    reassigned,
    their_stretch,
)
from bot.chat.messages import direct_message
from bot.chat.replies import named, period, say
from bot.conversations import Reply
from shared.rotation import Override, Rotation, TimeOff

#: A named instant is "the shift containing it": the window of one tick after it.
_INSTANT = timedelta(microseconds=1)

#: A message worded in the reader's time zone.
TextIn = Callable[[str], str]


# --- swap ----------------------------------------------------------------------------------


async def swap(env: Env, caller: Caller, command: Swap) -> list[Reply]:
    me = caller.require_email()
    them = await email_of(env, command.person)
    if them == me:
        raise Refused("You can't swap a shift with yourself.", "Name someone else in the rotation: swap fri with @Bob")
    rotations = await load_rotations(env)
    now = env.clock()
    rotation, mine = await _my_shift(env, caller, rotations, command, now)
    names = await display_names(env, [me, them, *rotation.members])
    theirs = _their_shift(rotation, them, mine, now, rotations, names, caller.zone)
    stored = await env.teams.add_spans([(rotation.name, o) for o in SwapPlan(mine, theirs).overrides()], caller.actor)

    def told(zone: str) -> str:
        return (f"{named(me, names)} swapped shifts with you in {rotation.name}: you take "
                f"{period(mine.start, mine.end, zone)}, and they take "
                f"{period(theirs.start, theirs.end, zone)}.")  # fmt: skip

    await _tell(env, them, f"swap:{stored[0].id}", caller, told)
    return [say(f"Swapped in {rotation.name}: {named(them, names)} takes your shift "
                f"{period(mine.start, mine.end, caller.zone)}, and you take theirs "
                f"{period(theirs.start, theirs.end, caller.zone)}.")]  # fmt: skip


def _their_shift(
    rotation: Rotation, them: str, mine: Stretch, now: datetime, rotations: Rotations, names: dict[str, str],
    zone: str,
) -> Stretch:  # fmt: skip
    """The shift to trade for mine, or a refusal: they must be a member and have one."""
    if them not in rotation.members:
        members = ", ".join(named(m, names) for m in rotation.members)
        raise Refused(f"{named(them, names)} isn't in {rotation.name}, so they have no shift to trade.",
                      f"Members of {rotation.name}: {members}. Someone outside it can take your shift with "
                      "“cover @you <from> <to>”.")  # fmt: skip
    theirs = their_stretch(rotation, them, mine, now, rotations.by_name)
    if theirs is None:
        raise Refused(f"{named(them, names)} has no shift in {rotation.name} to trade for yours.",
                      f"They can take yours instead: “cover @you {period(mine.start, mine.end, zone)}”.")  # fmt: skip
    return theirs


async def _my_shift(
    env: Env, caller: Caller, rotations: Rotations, command: Swap, now: datetime
) -> tuple[Rotation, Stretch]:
    """The rotation and stretch the swap is about: in a channel its rotation; in a personal
    chat the one rotation where the caller is on duty at that time."""
    me = caller.require_email()
    start, end = command.at, command.day_end or command.at + _INSTANT
    candidates = await channel_or(env, caller, rotations, rotations.of_member(me))
    found = [(r, s) for r in candidates if (s := my_stretch(r, me, start, end, now, rotations.by_name))]
    if len(found) == 1:
        return found[0]
    when = _named_time(start, end, caller.zone)
    if found:
        names = " and ".join(r.name for r, _ in found)
        raise Refused(f"You are on duty {when} in {names}, so I can't tell which shift you mean.",
                      "Type the swap in the rotation's channel, after @Rota.")  # fmt: skip
    where = " or ".join(r.name for r in candidates) or "any rotation"
    raise Refused(f"You have no shift {when} in {where}.", "Type “my shifts” to see yours.")


def _named_time(start: datetime, end: datetime, zone: str) -> str:
    local = ZoneInfo(zone)
    if end - start == _INSTANT:
        return f"at {stamp(start, local)}"
    return f"on {local_day(start, local)}"


# --- cover ---------------------------------------------------------------------------------


async def cover(env: Env, caller: Caller, command: Cover) -> list[Reply]:
    me = caller.require_email()
    them = await email_of(env, command.person)
    if them == me:
        raise Refused("You can't cover yourself.", "To be away, type “away <from> <to>” in a personal chat with me.")
    now = env.clock()
    if command.end <= now:
        raise Refused("That period is already over.", "Name a period that ends in the future.")
    rotations = await load_rotations(env)
    candidates = await channel_or(env, caller, rotations, list(rotations.by_name.values()))
    taken = [(r.name, s) for r in candidates for s in cover_stretches(r, them, command.start, command.end, now,
                                                                       rotations.by_name)]  # fmt: skip
    names = await display_names(env, [me, them])
    if not taken:
        where = f" in {candidates[0].name}" if len(candidates) == 1 else ""
        raise Refused(f"{named(them, names)} isn't on duty{where} between "
                      f"{period(max(command.start, now), command.end, caller.zone)}.",
                      "Type “schedule” to see who is on duty when.")  # fmt: skip
    stored = await env.teams.add_spans([(r, Override(me, s.start, s.end)) for r, s in taken], caller.actor)

    def told(zone: str) -> str:
        return f"{named(me, names)} covers you: {_stretches(taken, zone)}."

    await _tell(env, them, f"cover:{stored[0].id}", caller, told)
    return [say(f"You cover {named(them, names)}: {_stretches(taken, caller.zone)}.")]


def _stretches(taken: list[tuple[str, Stretch]], zone: str) -> str:
    return "; ".join(f"{rotation} {period(s.start, s.end, zone)}" for rotation, s in taken)


# --- away ----------------------------------------------------------------------------------


async def away(env: Env, caller: Caller, command: Away) -> list[Reply]:
    """Time off in every rotation the caller is a member of; says who covers, and any gap."""
    me = caller.require_email()
    now = env.clock()
    if command.end <= now:
        raise Refused("That period is already over.", "Name a period that ends in the future.")
    rotations = await load_rotations(env)
    mine = rotations.of_member(me)
    if not mine:
        raise Refused("You aren't in any rotation, so there is no duty to be away from.")
    start = max(command.start, now)
    await env.teams.add_spans([(r.name, TimeOff(me, start, command.end)) for r in mine], caller.actor)
    after = {r.name: replace(r, time_off=(*r.time_off, TimeOff(me, start, command.end))) for r in mine}
    others = {**rotations.by_name, **after}
    lines = []
    for rotation in mine:
        moved = reassigned(rotation, after[rotation.name], me, start, command.end, others)
        names = await display_names(env, [s.person for s in moved])
        lines.append(f"{rotation.name}: {_who_covers(moved, me, names, caller.zone)}")
    text = f"Time off noted, {period(start, command.end, caller.zone)}. " + " ".join(lines)
    return [say(text)]


def _who_covers(moved: list[Stretch], me: str, names: dict[str, str], zone: str) -> str:
    if not moved:
        return "you had no shift then."
    parts = []
    for stretch in moved:
        when = period(stretch.start, stretch.end, zone)
        if stretch.person is None:
            parts.append(f"nobody is available {when} (a gap: ask someone to cover)")
        elif stretch.person == me:
            parts.append(f"you are still on duty {when}, because of an override (a swap or a cover)")
        else:
            parts.append(f"{named(stretch.person, names)} covers {when}")
    return "; ".join(parts) + "."


# --- members and channels ------------------------------------------------------------------


async def join(env: Env, caller: Caller, command: Join) -> list[Reply]:
    """Anyone may add themselves, at the end of the order."""
    me = caller.require_email()
    rotations = await load_rotations(env)
    rotation = rotations.get(command.rotation)
    if me in rotation.members:
        position = rotation.members.index(me) + 1
        raise Refused(f"You are already in {rotation.name} (number {position} of {len(rotation.members)}).",
                      "Type “my shifts” to see your shifts.")  # fmt: skip
    stored = await env.store.update_rotation(replace(rotation, members=(*rotation.members, me)), caller.actor)
    now = env.clock()
    ahead = primary_stretches(stored, now, now + 2 * one_turn(stored), rotations.by_name)
    first = next((s for s in ahead if s.person == me), None)
    when = f" Your first shift: {period(first.start, first.end, caller.zone)}." if first else ""
    return [say(f"You joined {rotation.name}, number {len(stored.members)} in the order.{when}")]


async def leave(env: Env, caller: Caller, command: Leave) -> list[Reply]:
    """Leaving moves everyone's shifts, so it needs an owner of the rotation or the team."""
    me = caller.require_email()
    rotations = await load_rotations(env)
    rotation = rotations.get(command.rotation)
    if me not in rotation.members:
        raise Refused(f"You aren't in {rotation.name}.", "Type “my shifts” to see the rotations you are in.")
    await require_manager(env, caller, rotation.name, f"Leaving {rotation.name}")
    if len(rotation.members) == 1:
        raise Refused(f"You are the only member of {rotation.name}, and a rotation needs at least one.",
                      "Someone else can “join” it first.")  # fmt: skip
    members = tuple(m for m in rotation.members if m != me)
    await env.store.update_rotation(replace(rotation, members=members), caller.actor)
    return [say(f"You left {rotation.name}. {len(members)} people take turns now.")]


async def bind(env: Env, caller: Caller, command: Bind) -> list[Reply]:
    """The channel belongs to the rotation: mentions of Rota here go to its person on duty."""
    rotations = await load_rotations(env)
    rotation = rotations.get(command.rotation)
    before = await env.teams.bound_rotation(caller.conversation.key)
    if before == rotation.name:
        return [say(f"This channel already belongs to {rotation.name}.")]
    await require_manager(env, caller, rotation.name, f"Binding this channel to {rotation.name}")
    await env.teams.save_conversation(caller.conversation)
    await env.teams.bind(rotation.name, caller.conversation.key, caller.actor)
    primary = rotations.primary_at(rotation, env.clock())
    names = await display_names(env, [primary])
    moved = f" (it belonged to {before})" if before else ""
    return [say(f"This channel now belongs to {rotation.name}{moved}. “@Rota <question>” here reaches whoever "
                f"is on duty: now {named(primary, names)}.")]  # fmt: skip


# --- telling the other person ----------------------------------------------------------------


async def _tell(env: Env, email: str, key: str, caller: Caller, text_in: TextIn) -> None:
    """A direct message, in the reader's own zone, to someone whose duty the caller changed."""
    zone = (await env.teams.zones([email])).get(email, caller.zone)
    await direct_message(env, email, key, text=text_in(zone), via=caller.conversation)

