"""`remind`: a person's own reminders before their shifts start and end, in their personal chat.

    remind                              what applies, whose it is, and the next ones
    remind start evening 18:00, 15m     their own, before a shift starts
    remind end none                     no reminder before a shift ends
    remind reset                        back to their rotations' defaults

Only ever about the writer. What applies for each kind of event is theirs if they chose,
else their rotation's default, else Rota's (as `bot.shifts.reminding` plans them). The
change goes through `ReminderSettings`, which keeps it with an audit entry and has the
reminder timer plan again at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.cards.wording import stamp
from bot.chat.commands import REMIND_EXAMPLES, RemindReset, RemindSet, RemindShow
from bot.chat.context import Caller, Env, Refused, Rotations, load_rotations
from bot.chat.duty import Stretch, one_turn, primary_stretches
from bot.chat.ports import ReminderSettings
from bot.chat.replies import say
from bot.conversations import Reply
from bot.shifts.reminders import DEFAULT_PREFS, Event, Lead, ReminderPrefs, effective_prefs
from shared.rotation import Rotation

HOW = (f"To change them: “{REMIND_EXAMPLES[Event.START]}”, “remind end none”, or “remind reset” to go back to "
       "your rotation's.")  # fmt: skip


async def show_reminders(env: Env, caller: Caller, command: RemindShow) -> list[Reply]:
    settings, email = _settings(env), caller.require_email()
    return [say(await _view(env, settings, email, caller.zone))]


async def set_reminders(env: Env, caller: Caller, command: RemindSet) -> list[Reply]:
    settings, email = _settings(env), caller.require_email()
    own = await settings.own(email) or ReminderPrefs()
    await settings.set_own(email, own.choosing(command.event, command.leads), caller.actor)
    if command.leads:
        saved = f"Saved: I remind you {_listed(command.leads)} each shift {command.event}s."
    else:
        saved = f"Saved: no reminders before your shifts {command.event} any more."
    return [say(f"{saved}\n\n{await _view(env, settings, email, caller.zone)}")]


async def reset_reminders(env: Env, caller: Caller, command: RemindReset) -> list[Reply]:
    settings, email = _settings(env), caller.require_email()
    if await settings.own(email) is None:
        done = "You hadn't set reminders of your own, so nothing changed."
    else:
        await settings.set_own(email, None, caller.actor)
        done = "Your own reminders are gone: the defaults apply again."
    return [say(f"{done}\n\n{await _view(env, settings, email, caller.zone)}")]


REMIND_HANDLERS: dict[type, Callable[[Env, Caller, Any], Awaitable[list[Reply]]]] = {
    RemindShow: show_reminders,
    RemindSet: set_reminders,
    RemindReset: reset_reminders,
}


def _settings(env: Env) -> ReminderSettings:
    if env.more.reminders is None:
        raise Refused("Shift reminders aren't running in this Rota, so there are none to set.",
                      "Ask whoever runs Rota to start the shift lifecycle.")  # fmt: skip
    return env.more.reminders


async def _view(env: Env, settings: ReminderSettings, email: str, zone: str) -> str:
    rotations = await load_rotations(env)
    mine = rotations.of_member(email)
    own = await settings.own(email) or ReminderPrefs()
    defaults = await settings.defaults()
    lines = [f"Your reminders, in your time zone ({zone}):"]
    lines += [f"• Before a shift {event}s: {_applying(event, own, mine, defaults)}." for event in Event]
    if mine:
        stored = (await env.teams.zones([email])).get(email)
        lines.append(_next_shift(rotations, email, own, defaults, stored, ZoneInfo(zone), env.clock()))
    else:
        lines.append("You aren't in any rotation yet: these apply once you are.")
    lines.append(HOW)
    return "\n".join(lines)


def _applying(event: Event, own: ReminderPrefs, mine: Sequence[Rotation],
              defaults: Mapping[str, ReminderPrefs]) -> str:  # fmt: skip
    """The leads that apply and whose they are; per rotation when the rotations differ."""
    chosen = own.chosen(event)
    if chosen is not None:
        return f"{_listed(chosen)} (yours)"
    rotas = f"{_listed(DEFAULT_PREFS.chosen(event))} (Rota's default)"
    options = {}
    for rotation in mine:
        leads = (defaults.get(rotation.name) or ReminderPrefs()).chosen(event)
        options[rotation.name] = rotas if leads is None else f"{_listed(leads)} ({rotation.name}'s default)"
    if len(set(options.values())) > 1:
        return "; ".join(f"in {name}, {text}" for name, text in options.items())
    return next(iter(options.values()), rotas)


def _listed(leads: Sequence[Lead] | None) -> str:
    return _joined([lead.words() for lead in dict.fromkeys(leads or ())]) or "none"


def _joined(words: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(words) < 2:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _next_shift(rotations: Rotations, email: str, own: ReminderPrefs, defaults: Mapping[str, ReminderPrefs],
                stored_zone: str | None, viewer: ZoneInfo, now: datetime) -> str:  # fmt: skip
    """The next shift (or the one under way) and the reminders still to come for it, read
    as the reminder timer reads them: in the zone Teams last reported, else the rotation's."""
    found = _next_stretch(rotations, email, now)
    if found is None:
        return "You have no shift coming up."
    rotation, stretch, until = found
    prefs = effective_prefs(own, defaults.get(rotation.name))
    zone = ZoneInfo(stored_zone) if stored_zone else rotation.zone
    parts = []
    for event, at in ((Event.START, stretch.start), (Event.END, stretch.end)):
        ahead = sorted(i for i in (lead.instant(at, zone) for lead in prefs.leads(event)) if i > now)
        if now < at < until and ahead:
            parts.append(f"{_joined([stamp(i, viewer) for i in ahead])} before it {event}s")
    end = stamp(stretch.end, viewer) if stretch.end < until else None
    if stretch.start <= now:
        shift = f"Your {rotation.name} shift is under way" + (f" until {end}" if end else "")
    else:
        shift = f"Your next shift: {rotation.name}, {stamp(stretch.start, viewer)}" + (f" → {end}" if end else "")
    reminded = f"Reminders: {', '.join(parts)}." if parts else "No reminders to come for it."
    return f"{shift}. {reminded}"


def _next_stretch(rotations: Rotations, email: str, now: datetime) -> tuple[Rotation, Stretch, datetime] | None:
    """The person's first stretch of primary duty in any rotation, looking one turn of each
    ahead, with the end of what was looked at (a stretch that reaches it has no known end)."""
    found = []
    for rotation in rotations.by_name.values():
        until = now + one_turn(rotation)
        stretches = primary_stretches(rotation, now, until, rotations.by_name)
        stretch = next((s for s in stretches if s.person == email), None)
        if stretch is not None:
            found.append((rotation, stretch, until))
    return min(found, key=lambda f: (f[1].start, f[0].name), default=None)
