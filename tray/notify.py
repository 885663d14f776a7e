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

desktop-notifier (on Linux with its D-Bus client) and the icon files it shows are set up
by the first notification, not at start: most of the time the tray shows nothing, and
they would otherwise sit in its resident memory all day.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier, Icon

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


class Notifications(Protocol):
    """Anything that shows a notice."""

    async def show(self, notice: Notice) -> None: ...


class NativeNotifications(Notifications, Protocol):
    def _open_in_background(self, url: str) -> None:
        """Clicks arrive on the event loop; opening a browser may block, so it goes to a thread."""
        asyncio.get_running_loop().run_in_executor(None, self._open_url, url)

    async def available(self) -> bool: ...


class DesktopNotifications:
    """The platform's notification service through desktop-notifier, with an Open action.

    `icons` writes the PNGs of Rota's badge and of an alert and returns their paths; it is
    called, and desktop-notifier imported, when the first notification is on its way.
    """

    def __init__(self, open_url: Callable[[str], None], icons: Callable[[], tuple[Path, Path]]) -> None:
        self._open_url = open_url
        self._icons = icons
        self._notifier: DesktopNotifier | None = None
        self._alert_icon: Icon | None = None

    def _started(self) -> DesktopNotifier:
        if self._notifier is None:
            from desktop_notifier import DesktopNotifier, Icon

            app_icon, alert_icon = self._icons()
            self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=Icon(path=app_icon))
            self._alert_icon = Icon(path=alert_icon)
        return self._notifier

    def _open_in_background(self, url: str) -> None:
        """Clicks arrive on the event loop; opening a browser may block, so it goes to a thread."""
        asyncio.get_running_loop().run_in_executor(None, self._open_url, url)

    async def available(self) -> bool:
        """False where desktop-notifier has only its do-nothing backend (e.g. macOS outside
        an app bundle) or the platform service does not answer."""
        try:
            notifier = self._started()
        except (ImportError, RuntimeError, OSError) as exc:
            log.warning("no native notifications here (%s)", exc)
            return False
        try:
            return bool(await notifier.get_capabilities())
        except Exception as exc:  # each platform's service fails its own way
            log.info("the platform's notification service is not available: %s", exc)
            return False

    async def show(self, notice: Notice) -> None:
        from desktop_notifier import Button, Urgency

        notifier = self._started()
        opener = partial(self._open_in_background, notice.url) if notice.url else None
        await notifier.send(
            title=notice.title,
            message=notice.body,
            icon=self._alert_icon if notice.url else None,
            urgency=Urgency.Critical if notice.urgent else Urgency.Normal,
            buttons=[Button(title="Open", on_pressed=opener)] if opener else [],
            on_clicked=opener,
        )


class Notifier:
    """Chooses, per notice, where it is shown."""

    def __init__(self, icon: IconNotifications | None, native: NativeNotifications | None) -> None:
        self._icon = icon if icon is not None and icon.has_notification else None
        self._native = native
        self._native_checked = native is None

    async def _usable_native(self) -> NativeNotifications | None:
        if not self._native_checked:
            self._native_checked = True
            if self._native is not None and not await self._native.available():
                self._native = None
        return self._native

    async def show(self, notice: Notice) -> None:
        try:
            native = await self._usable_native()
            if self._icon is not None and (notice.url is None or native is None):
                self._icon.notify(notice.title, notice.body)
            elif native is not None:
                await native.show(notice)
            else:
                log.warning("no way to show a notification here: %s", notice.title)
        except Exception as exc:  # each platform's notification service raises its own errors
            log.warning("could not show the notification %r: %s", notice.title, exc)
