"""The chat service as a resource of the application.

Started after the outbox, the tag sync, the alerts service and the shift lifecycle, whose
parts it uses: it becomes the Teams boundary's `CHAT_HANDLER` and takes the `mention.` and
`rotation.` buttons. Parts that are not there (no roster without Teams credentials, no tag
sync without Graph) are simply left out, and the commands that need them say so. Team
owners are known only through Graph (credentials with a client secret); without it only a
rotation's owners manage it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from aiohttp import web

from bot.appkeys import (
    ACTION_ROUTER,
    ALERTS,
    CHAT_HANDLER,
    CLOCK,
    GRAPH_TAGS,
    OUTBOX,
    PAIRING,
    SETTINGS,
    SHIFTS,
    STORE,
    TEAMS_ROSTER,
)
from bot.chat.alerts_bridge import AlertsInChat
from bot.chat.context import Collaborators
from bot.chat.service import ChatService
from bot.graph.roster import graph_roster
from bot.shifts.reminders import ReminderPrefs
from bot.shifts.reminding import REMINDERS as REMINDERS_SOURCE
from bot.shifts.reporting import Reports
from bot.shifts.services import Services
from bot.storage.teams import TeamsStore


class _Status(Protocol):
    @property
    def warning(self) -> str | None: ...


class _TagSync(Protocol):
    async def tag_status(self, rotation: str) -> _Status | None: ...


class TagWarnings:
    """The tag sync's status of a rotation, as the one line `who` shows."""

    def __init__(self, sync: _TagSync) -> None:
        self._sync = sync

    async def warning_for(self, rotation: str) -> str | None:
        status = await self._sync.tag_status(rotation)
        return status.warning if status is not None else None


class PersonReminders:
    """People's own reminders through the shift services, as `PUT /api/v1/people/{email}/reminders`
    sets them: kept with an audit entry, and the reminder timer told at once."""

    def __init__(self, services: Services) -> None:
        self._services = services

    async def own(self, person: str) -> ReminderPrefs | None:
        return (await self._services.shifts.person_reminders([person])).get(person)

    async def defaults(self) -> dict[str, ReminderPrefs]:
        return await self._services.shifts.reminder_defaults()

    async def set_own(self, person: str, prefs: ReminderPrefs | None, actor: str) -> None:
        await self._services.shifts.set_person_reminders(person, prefs, actor)
        await self._services.poke(REMINDERS_SOURCE)


async def chat_context(app: web.Application) -> AsyncIterator[None]:
    store = app[STORE]
    clock = app[CLOCK]
    sync = app.get(GRAPH_TAGS)
    alerts = app.get(ALERTS)
    async with graph_roster(app[SETTINGS], clock) as roster:
        collaborators = Collaborators(
            alerts=AlertsInChat(alerts, app[SETTINGS].base_url) if alerts is not None else None,
            roster=roster,
            chats=app.get(TEAMS_ROSTER),
            tags=TagWarnings(sync) if sync is not None else None,
            reports=Reports(app[SHIFTS]) if SHIFTS in app else None,
            reminders=PersonReminders(app[SHIFTS]) if SHIFTS in app else None,
            pairing=app.get(PAIRING),
        )
        service = ChatService(store, TeamsStore(store.engine, clock=clock), app[OUTBOX], clock, collaborators)
        app[CHAT_HANDLER] = service
        service.register_actions(app[ACTION_ROUTER])
        yield
