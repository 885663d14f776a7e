"""The shift's own records from chat: `log`, `handover`, and the maintenance `backlog`.

Anyone in the team may write in them. Entries belong to the *regular* shift under way
(the engine's shift index), so everything written during one week of duty is found
under that week whatever overrides moved inside it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.chat.commands import (
    BacklogAdd,
    BacklogDone,
    BacklogList,
    BacklogTake,
    Handover,
    Log,
    LogBook,
)
from bot.chat.context import (
    Caller,
    Env,
    Refused,
    Rotations,
    display_names,
    load_rotations,
    working_rotation,
)
from bot.cards.wording import stamp
from bot.chat.replies import period, say
from bot.cards.elements import Element
from bot.chat.views import backlog_card, handover_card
from bot.conversations import Reply
from bot.storage import Conflict, NotFound
from bot.storage.teams import BacklogItem, BacklogState
from bot.storage.teams_tables import TITLE_LENGTH
from shared.oncall import shift_index, shift_start
from shared.rotation import Rotation

#: Takes or closes a backlog item: (rotation, number, person) → the item after the change.
ItemChange = Callable[[str, int, str], Awaitable[BacklogItem]]
#: Longest log entry or handover note, so a pasted stack trace stays readable in a card.
MAX_TEXT = 2000


def current_shift(rotation: Rotation, now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the regular shift under way at `now`."""
    index = shift_index(rotation, now)
    return shift_start(rotation, index), shift_start(rotation, index + 1)


def _checked_text(text: str) -> str:
    if len(text) > MAX_TEXT:
        raise Refused(f"That is {len(text)} characters; I keep up to {MAX_TEXT}.",
                      "Put the details somewhere else and log the link.")  # fmt: skip
    return text


async def log(env: Env, caller: Caller, command: Log) -> list[Reply]:
    me = caller.require_email()
    rotation = await working_rotation(env, caller, await load_rotations(env))
    start, end = current_shift(rotation, env.clock())
    await env.teams.add_log_entry(rotation.name, start, me, _checked_text(command.text))
    return [say(f"Logged in the {rotation.name} log book for the shift {period(start, end, caller.zone)}.")]


async def handover(env: Env, caller: Caller, command: Handover) -> list[Reply]:
    """With a note: keep it for the next person on duty. Without: show the handover so far."""
    me = caller.require_email()
    rotations = await load_rotations(env)
    rotation = await working_rotation(env, caller, rotations)
    now = env.clock()
    start, end = current_shift(rotation, now)
    if command.note:
        await env.teams.add_handover_note(rotation.name, start, me, _checked_text(command.note))
        return [say(f"Noted for whoever takes over {rotation.name} at the end of this shift "
                    f"({period(start, end, caller.zone)}).")]  # fmt: skip
    on_duty = rotations.primary_at(rotation, now)
    return [Reply(card=await _records_card(env, caller, rotations, rotation, start, end, on_duty))]


async def logbook(env: Env, caller: Caller, command: LogBook) -> list[Reply]:
    """The log book, handover notes and backlog closed of the regular shift under way at
    the date asked (now by default), past or present."""
    rotations = await load_rotations(env)
    rotation = await working_rotation(env, caller, rotations)
    at = command.at or env.clock()
    if shift_index(rotation, at) < 0:
        began = stamp(rotation.first_handoff_utc, ZoneInfo(caller.zone))
        raise Refused(f"{rotation.name} had not started by then: its first shift began {began}.",
                      "Ask for a date since then, e.g. logbook yesterday.")
    start, end = current_shift(rotation, at)
    on_duty = rotations.primary_at(rotation, at)
    return [Reply(card=await _records_card(env, caller, rotations, rotation, start, end, on_duty))]


async def _records_card(env: Env, caller: Caller, rotations: Rotations, rotation: Rotation, start: datetime,
                        end: datetime, on_duty: str | None) -> Element:  # fmt: skip
    """The shift's records as a handover card: its log book, notes and backlog closed."""
    log_entries = await env.teams.log_entries(rotation.name, start)
    notes = await env.teams.handover_notes(rotation.name, start)
    closed = [i for i in await env.teams.backlog(rotation.name, include_done=True) if _closed_in(i, start, end)]
    names = await display_names(env, [on_duty, *(r.author for r in (*log_entries, *notes))])
    return handover_card(rotation=rotation.name, shift_start=start, shift_end=end, on_duty=on_duty, log=log_entries,
                         notes=notes, closed=closed, viewer_zone=caller.zone, now=env.clock(), people=names)  # fmt: skip


def _closed_in(item: BacklogItem, start: datetime, end: datetime) -> bool:
    return item.state is BacklogState.DONE and item.done_at is not None and start <= item.done_at < end


async def backlog(env: Env, caller: Caller, command: BacklogList) -> list[Reply]:
    rotation = await working_rotation(env, caller, await load_rotations(env))
    items = await env.teams.backlog(rotation.name)
    names = await display_names(env, [i.taken_by for i in items])
    return [Reply(card=backlog_card(rotation=rotation.name, items=items, people=names))]


async def backlog_add(env: Env, caller: Caller, command: BacklogAdd) -> list[Reply]:
    me = caller.require_email()
    rotation = await working_rotation(env, caller, await load_rotations(env))
    if len(command.title) > TITLE_LENGTH:
        raise Refused(f"That title is too long for the backlog ({TITLE_LENGTH} characters at most).",
                      "Put the details in a link.")  # fmt: skip
    item = await env.teams.add_backlog_item(rotation.name, command.title, command.link, command.priority, me)
    return [say(f"Added to the {rotation.name} backlog as item {item.number} (p{item.priority}): {item.title}.")]


async def backlog_take(env: Env, caller: Caller, command: BacklogTake) -> list[Reply]:
    item = await _change_item(env, caller, command.number, env.teams.take_backlog_item)
    return [say(f"You are on item {item.number} of the {item.rotation} backlog: {item.title}.")]


async def backlog_done(env: Env, caller: Caller, command: BacklogDone) -> list[Reply]:
    item = await _change_item(env, caller, command.number, env.teams.finish_backlog_item)
    return [say(f"Closed item {item.number} of the {item.rotation} backlog: {item.title}.")]


async def _change_item(env: Env, caller: Caller, number: int, change: ItemChange) -> BacklogItem:
    """The item after `change` by the caller, or a refusal naming what was wrong with the number."""
    me = caller.require_email()
    rotation = (await working_rotation(env, caller, await load_rotations(env))).name
    try:
        return await change(rotation, number, me)
    except NotFound as missing:
        if missing.kind != "backlog item":
            raise
        raise Refused(f"There is no item {number} in the {rotation} backlog.",
                      "Type “backlog” to see the items and their numbers.") from missing  # fmt: skip
    except Conflict as done:
        raise Refused(f"Item {number} of the {rotation} backlog is already done.") from done
