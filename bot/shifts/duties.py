"""Routine duties at their time: the checklist card to whoever is on duty, and its ticks.

A timer source: due at the next occurrence of any rotation's duties, or at once when an
occurrence of the shift under way (within the last `CATCH_UP`) has no run yet: the
service was down when it fell due, and the checklist is still worth doing. A run is
stored before its card is queued, under a key made of the rotation, the title and the
instant, so a repeated run sends one card.

The card goes to the person's 1:1 chat; to the rotation's channels, naming them, when
Rota cannot write to them directly.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.cards.checklist import checklist_card
from bot.conversations import CardAction, CardActionResult, ConversationKind
from bot.shifts.checklist import DutyRun
from bot.shifts.routine import Occurrence, RoutineDuty, next_occurrence, occurrences
from bot.shifts.services import UNKNOWN_PRESSER, Services, short
from bot.storage import NotFound
from shared.oncall import on_call, shift_index, shift_start
from shared.rotation import Rotation, ValidationError

log = logging.getLogger(__name__)

SOURCE_NAME = "routine-duties"
PREFIX = "duty."
#: An occurrence missed while the service was down is still sent this long after.
CATCH_UP = timedelta(hours=12)


class DutySource:
    name = SOURCE_NAME

    def __init__(self, services: Services) -> None:
        self._services = services

    async def next_due(self, now: datetime) -> datetime | None:
        rotations = await self._services.rotations()
        instants = []
        for name, duties in (await self._services.shifts.all_duties()).items():
            rotation = rotations.get(name)
            if rotation is None:
                continue
            if await self._missing(rotation, duties, now):
                return now
            instants.append(next_occurrence(duties, rotation.zone, now))
        return self._services.next_look(min((t for t in instants if t is not None), default=None), now)

    async def run_due(self, now: datetime) -> None:
        rotations = await self._services.rotations()
        for name, duties in (await self._services.shifts.all_duties()).items():
            if name in rotations:
                for occurrence in await self._missing(rotations[name], duties, now):
                    await self.start(rotations[name], occurrence, rotations)

    async def start(self, rotation: Rotation, occurrence: Occurrence, rotations: Mapping[str, Rotation]) -> DutyRun:
        """Store the run of `occurrence` and queue its card (both once)."""
        services, duty, at = self._services, occurrence.duty, occurrence.at
        person = on_call(rotation, at, rotations).primary
        closes_at = shift_start(rotation, shift_index(rotation, at) + 1)
        key = f"duty:{rotation.name}:{at:%Y%m%dT%H%M%SZ}:{hashlib.sha256(duty.title.encode()).hexdigest()[:16]}"
        run, _new = await services.shifts.add_run(DutyRun(rotation.name, duty.title, duty.items, at, closes_at, person,
                                                          key))  # fmt: skip
        await self._send(rotation, run)
        return run

    async def _send(self, rotation: Rotation, run: DutyRun) -> None:
        services = self._services
        now = services.clock()
        if run.person is not None:
            zone = await services.zone_of(run.person, rotation.timezone)
            names = await services.names([run.person])
            card = checklist_card(run=run, viewer_zone=zone, now=now, people=names)
            if await services.direct(run.person, run.message_key, rotation=rotation.name, card=card):
                return
        names = await services.names([run.person])
        card = checklist_card(run=run, viewer_zone=rotation.timezone, now=now, people=names)
        for channel in await services.channels(rotation.name):
            await services.post(channel, f"{run.message_key}:{short(channel.key)}", card=card)

    async def _missing(self, rotation: Rotation, duties: list[RoutineDuty], now: datetime) -> list[Occurrence]:
        """Occurrences of the shift under way, up to `now`, that have no run yet."""
        since = max(now - CATCH_UP, shift_start(rotation, shift_index(rotation, now)))
        tick = timedelta(microseconds=1)
        happened = occurrences(duties, rotation.zone, since, now + tick)
        if not happened:
            return []
        done = {(run.title, run.due_at) for run in await self._services.shifts.runs(rotation.name, since, now + tick)}
        return [o for o in happened if (o.duty.title, o.at) not in done]


class DutyActions:
    """The checklist card's buttons (`duty.tick`), as the action router hands them over."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def __call__(self, action: CardAction) -> CardActionResult:
        data = action.data
        run_id, item, done = data.get("run"), data.get("item"), data.get("done", True)
        if not _whole(run_id) or not _whole(item) or not isinstance(done, bool):
            return CardActionResult(refused="This button does not name a checklist item; the card may be out of date.")
        if not action.user.email:
            return CardActionResult(refused=UNKNOWN_PRESSER)
        services = self._services
        try:
            run = await services.shifts.run(run_id)
            rotation = await services.store.get_rotation(run.rotation)
            if action.user.email not in {*rotation.members, run.person}:
                return CardActionResult(refused=f"Only members of {run.rotation} can tick its checklists.")
            ticked = await services.shifts.tick(run_id, item, done, action.user.email)
        except NotFound:
            return CardActionResult(refused="This checklist no longer exists (its rotation may have been deleted).")
        except ValidationError as problem:
            return CardActionResult(refused=f"That item is not on this checklist: {problem.message}.")
        zone = _viewer_zone(action, rotation.timezone)
        names = await services.names([ticked.person, *(t.by for t in ticked.ticked.values())])
        return CardActionResult(card=checklist_card(run=ticked, viewer_zone=zone, now=services.clock(), people=names))


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _viewer_zone(action: CardAction, default: str) -> str:
    """The presser's zone in a 1:1 chat (when Teams says it), else the rotation's."""
    personal = action.conversation.kind is ConversationKind.PERSONAL
    return action.user.timezone if personal and action.user.timezone != "UTC" else default
