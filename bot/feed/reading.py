"""Reading what the feeds are computed from: the rotations, the open alerts, the names,
and the reminder choices (the people's own and the rotations' defaults, as the shift
services keep them for the reminders they send).

A handful of queries whatever the number of streams: the hub reads once per refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from bot.alerts import model
from bot.feed.build import HANDED, Snapshot
from bot.storage import NotFound, Store
from bot.storage.alerts import MAX_LIST, AlertStore
from bot.storage.shifts import ShiftStore
from bot.storage.tray import TrayStore
from shared.rotation import Rotation

Clock = Callable[[], datetime]


class StoreReader:
    """The hub's `Reader`, over the store and the alerts', tray's and shifts' repositories."""

    def __init__(self, store: Store, alerts: AlertStore, tray: TrayStore, shifts: ShiftStore, clock: Clock) -> None:
        self._store = store
        self._alerts = alerts
        self._tray = tray
        self._shifts = shifts
        self._clock = clock

    async def snapshot(self) -> Snapshot:
        at = self._clock()
        rotations = {rotation.name: rotation for rotation in await self._store.list_rotations()}
        open_alerts = await self._alerts.list_alerts(states=list(HANDED), limit=MAX_LIST)
        alerts = [stored.alert for stored in open_alerts]
        people = {email for rotation in rotations.values() for email in _named_in(rotation)}
        own_reminders = await self._shifts.person_reminders(people)
        reminder_defaults = await self._shifts.reminder_defaults()
        people |= {alert.acknowledged_by for alert in alerts if alert.acknowledged_by}
        return Snapshot(at=at, rotations=rotations, alerts=alerts, names=await self._tray.display_names(people),
                        own_reminders=own_reminders, reminder_defaults=reminder_defaults)

    async def resolved(self, alert_ids: Iterable[int]) -> list[model.Alert]:
        found = []
        for alert_id in alert_ids:
            try:
                alert = (await self._alerts.get(alert_id)).alert
            except NotFound:
                continue
            if alert.state is model.AlertState.RESOLVED:
                found.append(alert)
        return found


def _named_in(rotation: Rotation) -> Iterable[str]:
    yield from rotation.members
    yield from (override.person for override in rotation.overrides)
