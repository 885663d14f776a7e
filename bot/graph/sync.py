"""Keeps each bound rotation's Teams tag holding exactly the people on duty.

A timer source (see `bot.timers`): it is due at the next instant any bound rotation's
answer to "who is on duty" changes (the engine's `on_call(...).end`), at once when the
data changed (a `poke` after an override or time off), at the retry time after a
failure, and hourly to repair edits made by hand. A failure never stops the bot: it is
recorded with its reason, which `who` shows, and retried with backoff.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from shared.oncall import on_call
from shared.rotation import Rotation

from bot.conversations import ConversationRecord
from bot.graph.client import GraphError, TagGraph, TeamRef
from bot.graph.reconcile import Desired, changes, checked_tag_name, default_tag_name, due, out_of_date_reason
from bot.outbox.backoff import Backoff
from bot.storage import NotFound, Person
from bot.storage.outbox import TagRecord, TagStateStore

logger = logging.getLogger(__name__)

#: The timer source's name, for `TimerService.poke`.
SOURCE_NAME = "graph-tags"
RESYNC_EVERY = timedelta(hours=1)
#: Graph failures are retried after 30 s, 1 min, 2 min ... at most every 30 min.
GRAPH_BACKOFF = Backoff(base=timedelta(seconds=30), cap=timedelta(minutes=30))


class Directory(Protocol):
    """What the sync reads from the main store (`bot.storage.Store`)."""

    async def list_rotations(self) -> list[Rotation]: ...

    async def get_person(self, email: str) -> Person: ...


class ChannelBindings(Protocol):
    """Which channels (hence teams) belong to a rotation (`bot.storage.teams.TeamsStore`)."""

    async def channel_conversations_for(self, rotation: str) -> list[ConversationRecord]: ...


@dataclass(frozen=True)
class TagStatus:
    """How a rotation's tag stands, for `who`. `reason` is None when it is in sync."""

    rotation: str
    tag_name: str
    reason: str | None
    last_success: datetime | None
    last_error: datetime | None

    @property
    def in_sync(self) -> bool:
        return self.reason is None

    @property
    def warning(self) -> str | None:
        """"the @data-oncall tag is out of date: <reason>", or None when it is not."""
        return None if self.reason is None else f"the @{self.tag_name} tag is out of date: {self.reason}"


@dataclass(frozen=True)
class _Target:
    rotation: Rotation
    team: TeamRef

    @property
    def key(self) -> tuple[str, str]:
        return (self.rotation.name, self.team.team_id)


class TagSync:
    """The tag sync for every rotation bound to a channel of a team."""

    name = SOURCE_NAME

    def __init__(
        self,
        directory: Directory,
        bindings: ChannelBindings,
        state: TagStateStore,
        graph: TagGraph,
        *,
        clock: Callable[[], datetime],
        default_tenant: str = "",
        backoff: Backoff = GRAPH_BACKOFF,
        rng: random.Random | None = None,
        resync_every: timedelta = RESYNC_EVERY,
    ) -> None:
        self._directory = directory
        self._bindings = bindings
        self._state = state
        self._graph = graph
        self._clock = clock
        self._default_tenant = default_tenant
        self._backoff = backoff
        self._rng = rng or random.Random()
        self._resync_every = resync_every

    async def next_due(self, now: datetime) -> datetime | None:
        instants = [instant for _target, instant in await self._plans(now) if instant is not None]
        return min(instants, default=None)

    async def run_due(self, now: datetime) -> None:
        for target, instant in await self._plans(now):
            if instant is not None and instant <= now:
                await self._sync(target, now)

    async def tag_status(self, rotation: str) -> TagStatus | None:
        """The state of the rotation's tag, or None when it has none (not bound to a
        team's channel). Across several teams, the first one out of date speaks."""
        rotations = await self._rotations()
        if rotation not in rotations:
            return None
        targets = [t for t in await self._targets(rotations) if t.rotation.name == rotation]
        if not targets:
            return None
        now = self._clock()
        tag_name = await self._tag_name(rotation)
        records = {(r.rotation, r.team_id): r for r in await self._state.records(rotation)}
        desired = await self._desired(rotations[rotation], now, rotations)
        statuses = [_status(rotation, tag_name, records.get(t.key), desired) for t in targets]
        return next((s for s in statuses if not s.in_sync), statuses[0])

    async def set_tag_name(self, rotation: str, name: str | None) -> str:
        """Name the rotation's tag (None: the default); returns the name now used.
        Raises ValidationError. The caller pokes the timer so the tag follows."""
        checked = None if name is None else checked_tag_name(name)
        await self._state.set_tag_name(rotation, checked)
        return checked or default_tag_name(rotation)

    async def _plans(self, now: datetime) -> list[tuple[_Target, datetime | None]]:
        rotations = await self._rotations()
        records = {(r.rotation, r.team_id): r for r in await self._state.records()}
        plans = []
        for target in await self._targets(rotations):
            desired = await self._desired(target.rotation, now, rotations)
            tag_name = await self._tag_name(target.rotation.name)
            plans.append((target, due(records.get(target.key), desired, tag_name, now, self._resync_every)))
        return plans

    async def _sync(self, target: _Target, now: datetime) -> None:
        rotations = await self._rotations()
        desired = await self._desired(target.rotation, now, rotations)
        tag_name = await self._tag_name(target.rotation.name)
        try:
            tag_id = await self._reconcile(target.team, tag_name, desired.ids)
        except GraphError as error:
            await self._failed(target, tag_name, error, now)
            return
        await self._state.record_success(
            target.key, tag_name=tag_name, tag_id=tag_id, members=desired.ids, unknown_people=desired.unknown, now=now
        )

    async def _reconcile(self, team: TeamRef, tag_name: str, ids: frozenset[str]) -> str | None:
        """Make the tag hold `ids` (adding before removing, so it is never empty).
        Returns its id, or None when there is no tag and nobody to create it with."""
        wanted = tag_name.casefold()
        tag = next((t for t in await self._graph.list_tags(team) if t.display_name.casefold() == wanted), None)
        if tag is None:
            return (await self._graph.create_tag(team, tag_name, sorted(ids))).id if ids else None
        plan = changes(ids, await self._graph.list_members(team, tag.id))
        for user_id in plan.add:
            await self._graph.add_member(team, tag.id, user_id)
        for member_id in plan.remove:
            await self._graph.remove_member(team, tag.id, member_id)
        return tag.id

    async def _failed(self, target: _Target, tag_name: str, error: GraphError, now: datetime) -> None:
        records = await self._state.records(target.rotation.name)
        previous = next((r.failures for r in records if r.team_id == target.team.team_id), 0)
        failures = previous + 1
        retry_at = now + self._backoff.delay(failures, self._rng, error.retry_after)
        logger.warning(
            "the @%s tag in team %s is out of date (attempt %d, next at %s): %s",
            tag_name,
            target.team.team_id,
            failures,
            retry_at.isoformat(),
            error.reason,
        )
        await self._state.record_failure(
            target.key, tag_name=tag_name, reason=error.reason, failures=failures, now=now, retry_at=retry_at
        )

    async def _rotations(self) -> dict[str, Rotation]:
        return {rotation.name: rotation for rotation in await self._directory.list_rotations()}

    async def _targets(self, rotations: Mapping[str, Rotation]) -> list[_Target]:
        """Each (rotation, team) once, however many of the team's channels are bound."""
        targets: dict[tuple[str, str], _Target] = {}
        for rotation in rotations.values():
            for conversation in await self._bindings.channel_conversations_for(rotation.name):
                tenant = conversation.tenant_id or self._default_tenant
                if conversation.team_aad_group_id and tenant:
                    target = _Target(rotation, TeamRef(conversation.team_aad_group_id, tenant))
                    targets.setdefault(target.key, target)
        return list(targets.values())

    async def _desired(self, rotation: Rotation, now: datetime, rotations: Mapping[str, Rotation]) -> Desired:
        answer = on_call(rotation, now, rotations)
        people = list(dict.fromkeys(p for p in (answer.primary, answer.secondary) if p))
        ids, unknown = set(), []
        for email in people:
            object_id = await self._object_id(email)
            if object_id:
                ids.add(object_id)
            else:
                unknown.append(email)
        return Desired(frozenset(ids), tuple(unknown), answer.end, nobody_on_duty=not people)

    async def _object_id(self, email: str) -> str | None:
        try:
            return (await self._directory.get_person(email)).aad_object_id
        except NotFound:
            return None

    async def _tag_name(self, rotation: str) -> str:
        return await self._state.tag_name(rotation) or default_tag_name(rotation)


def _status(rotation: str, tag_name: str, record: TagRecord | None, desired: Desired) -> TagStatus:
    return TagStatus(
        rotation=rotation,
        tag_name=tag_name,
        reason=out_of_date_reason(record, desired, tag_name),
        last_success=record.last_success_at if record else None,
        last_error=record.last_error_at if record else None,
    )
