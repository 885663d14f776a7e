"""The handover timer: at each bound rotation's handoff, the handover card in its channels
and the incoming person's checklist by DM.

A timer source (`bot.timers.TimerSource`): due at the next handoff of any rotation bound
to a channel, or at once when the latest handoff was not posted (the service was down:
it is posted on return, saying it is late). Every message has an idempotency key made
of the rotation, the handoff instant and the conversation, and the handover is recorded
after its messages are queued: a run repeated after a crash queues nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from bot.cards.checklist import shift_checklist_card
from bot.cards.handover import handover_card
from bot.shifts.handover import (
    Handoff,
    Handover,
    closed_during,
    hands,
    is_due,
    latest_handoff,
    next_handoff,
    summarize_alerts,
)
from bot.shifts.routine import occurrences
from bot.shifts.services import Services, short
from bot.storage.shifts import HandoverRecord
from bot.storage.teams import BacklogState
from shared.rotation import Rotation

log = logging.getLogger(__name__)

SOURCE_NAME = "shift-handovers"


class HandoverSource:
    name = SOURCE_NAME

    def __init__(self, services: Services) -> None:
        self._services = services

    async def next_due(self, now: datetime) -> datetime | None:
        instants = []
        for rotation, bound_since in await self._bound():
            if await self._due(rotation, bound_since, now):
                return now
            instants.append(next_handoff(rotation, now))
        return self._services.next_look(min(instants, default=None), now)

    async def run_due(self, now: datetime) -> None:
        rotations = await self._services.rotations()
        for rotation, bound_since in await self._bound(rotations):
            handoff = latest_handoff(rotation, now)
            if handoff is not None and await self._due(rotation, bound_since, now):
                await self.post(rotation, handoff, rotations, now)

    async def post(self, rotation: Rotation, handoff: Handoff, rotations: Mapping[str, Rotation],
                   now: datetime) -> Handover:  # fmt: skip
        """Queue the handover of `handoff` and the incoming checklist, then record it."""
        services = self._services
        handover = await self.gather(rotation, handoff, rotations, now)
        names = await services.names([handover.outgoing, handover.incoming,
                                      *(r.author for r in (*handover.log, *handover.notes))])  # fmt: skip
        card = handover_card(handover=handover, viewer_zone=rotation.timezone, people=names)
        stem = f"handover:{rotation.name}:{handoff.at:%Y%m%dT%H%M%SZ}"
        for channel in await services.channels(rotation.name):
            await services.post(channel, f"{stem}:{short(channel.key)}", card=card)
        if handover.incoming is not None:
            await self._checklist(rotation, handover, stem, now)
        await services.shifts.record_handover(HandoverRecord(rotation.name, handoff.at, handoff.shift_start,
                                                             handover.outgoing, handover.incoming, now,
                                                             handover.late))  # fmt: skip
        await services.on_handoff(rotation.name)
        return handover

    async def gather(self, rotation: Rotation, handoff: Handoff, rotations: Mapping[str, Rotation],
                     now: datetime) -> Handover:  # fmt: skip
        """Everything that happened in the shift ending at `handoff`, as stored now."""
        services, name = self._services, rotation.name
        start, end = handoff.shift_start, handoff.at
        outgoing, incoming = hands(rotation, end, rotations)
        alerts = await services.shifts.alerts(name, start, end, still_open=True)
        backlog = await services.teams.backlog(name, include_done=True)
        return Handover(
            handoff=handoff,
            outgoing=outgoing,
            incoming=incoming,
            alerts=summarize_alerts(alerts, start, end, await services.business_hours(rotation)),
            log=await services.teams.log_entries(name, start),
            notes=await services.teams.handover_notes(name, start),
            runs=await services.shifts.runs(name, start, end),
            closed=closed_during(backlog, start, end),
            postmortems=await services.shifts.postmortems(name, start, end),
            posted_at=now,
        )

    async def _checklist(self, rotation: Rotation, handover: Handover, stem: str, now: datetime) -> None:
        services, incoming, handoff = self._services, handover.incoming, handover.handoff
        assert incoming is not None
        duties = await services.shifts.duties(rotation.name)
        backlog = [i for i in await services.teams.backlog(rotation.name) if i.state is not BacklogState.DONE]
        card = shift_checklist_card(
            rotation=rotation.name, start=handoff.at, end=handoff.next_at,
            duties=occurrences(duties, rotation.zone, handoff.at, handoff.next_at), carried=handover.missed,
            backlog=backlog, open_alerts=len(handover.alerts.still_open),
            viewer_zone=await services.zone_of(incoming, rotation.timezone), now=now,
        )  # fmt: skip
        if not await services.direct(incoming, f"{stem}:checklist", rotation=rotation.name, card=card):
            log.info("no chat with %s: their %s checklist was not sent", incoming, rotation.name)

    async def _bound(self, rotations: Mapping[str, Rotation] | None = None) -> list[tuple[Rotation, datetime]]:
        """Rotations bound to a channel, with when their first channel was bound."""
        rotations = rotations if rotations is not None else await self._services.rotations()
        since: dict[str, datetime] = {}
        for binding in await self._services.teams.bindings():
            since[binding.rotation] = min(binding.bound_at, since.get(binding.rotation, binding.bound_at))
        return [(rotations[name], at) for name, at in sorted(since.items()) if name in rotations]

    async def _due(self, rotation: Rotation, bound_since: datetime, now: datetime) -> bool:
        handoff = latest_handoff(rotation, now)
        if handoff is None:
            return False
        posted = await self._services.shifts.handover_posted(rotation.name, handoff.at)
        return is_due(handoff, bound_since, posted)
