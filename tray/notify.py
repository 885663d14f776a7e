"""The one module that shows desktop notifications.

Reminders go through the tray icon's own notifications where its pystray backend has
them (`HAS_NOTIFICATION`: Windows, macOS, and AppIndicator/GTK on Linux), because they
then carry the icon and belong to the tray. An alert needs an "Open" action that opens
its card in Teams, which pystray cannot attach, so alerts (and reminders when the icon
has no notifications, e.g. pystray's plain X backend or no icon at all) go to the
platform's native service through desktop-notifier: on Linux the freedesktop
notification service over D-Bus, on Windows WinRT toasts, on macOS the Notification
Center. A notification that cannot be shown is logged, never fatal: the reminder loop
must go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

APP_NAME = "Rota"


@dataclass(frozen=True)
class Notice:
    title: str
    body: str
    url: str | None = None
    urgent: bool = False


class IconNotifications(Protocol):
    """What notify needs of the tray icon (see tray.icon.TrayIcon)."""

    @property
    def has_notification(self) -> bool: ...

    def notify(self, title: str, body: str) -> None: ...


class NativeNotifications(Protocol):
    async def show(self, notice: Notice) -> None: ...


class DesktopNotifications:
    """The platform's notification service through desktop-notifier, with an Open action."""

    def __init__(self, open_url: Callable[[str], None], icon_path: Path | None = None) -> None:
        from desktop_notifier import DesktopNotifier, Icon

        self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=Icon(path=icon_path) if icon_path else None)
        self._open_url = open_url

    async def show(self, notice: Notice) -> None:
        from desktop_notifier import Button, Urgency

        opener = (lambda: self._open_url(notice.url)) if notice.url else None
        await self._notifier.send(
            title=notice.title,
            message=notice.body,
            urgency=Urgency.Critical if notice.urgent else Urgency.Normal,
            buttons=[Button(title="Open", on_pressed=opener)] if opener else [],
            on_clicked=opener,
        )


class Notifier:
    """Chooses, per notice, where it is shown."""

    def __init__(self, icon: IconNotifications | None, native: NativeNotifications | None) -> None:
        self._icon = icon if icon is not None and icon.has_notification else None
        self._native = native

    async def show(self, notice: Notice) -> None:
        try:
            if self._icon is not None and (notice.url is None or self._native is None):
                self._icon.notify(notice.title, notice.body)
            elif self._native is not None:
                await self._native.show(notice)
            else:
                log.warning("no way to show a notification here: %s", notice.title)
        except Exception as exc:  # each platform's notification service raises its own errors
            log.warning("could not show the notification %r: %s", notice.title, exc)
