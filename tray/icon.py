"""The one module that imports pystray: the tray icon, its badge and its menu.

`import pystray` picks a backend at import time and fails without a display, so it is
imported only when an icon is actually created. The badge is drawn with Pillow: a round
disc, green on duty, amber when a shift starts soon, grey off duty; when Rota cannot be
reached the disc keeps my duty colour but gets a red ring and a red slash.

Pillow, too, is imported only by the functions that draw: a tray running without an
icon draws nothing until its first native notification wants an icon file, and Pillow
with its image libraries is a good part of an idle tray's resident memory.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from tray.state import IconState, MenuEntry, TrayView

if TYPE_CHECKING:
    import PIL.Image

log = logging.getLogger(__name__)

SIZE = 64
#: The longest tooltip Windows keeps (NOTIFYICONDATA's szTip holds 128 characters with its
#: terminating NUL; pystray's win32 backend raises on a longer one).
TOOLTIP_LENGTH = 127
_SCALE = 4
COLOURS = {
    IconState.ON_DUTY: (34, 160, 82),
    IconState.STARTS_SOON: (240, 165, 0),
    IconState.OFF_DUTY: (138, 143, 152),
    IconState.OFFLINE: (138, 143, 152),
}
RED = (214, 40, 40)
WHITE = (255, 255, 255)


def badge(state: IconState, duty: IconState, size: int = SIZE) -> PIL.Image.Image:
    """The icon for a view: drawn large, then scaled down for smooth edges."""
    from PIL import Image, ImageDraw

    big = size * _SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = big // 16
    box = (margin, margin, big - margin, big - margin)
    offline = state is IconState.OFFLINE
    draw.ellipse(box, fill=COLOURS[duty] + (255,), outline=WHITE + (255,), width=big // 20)
    if offline:
        ring = big // 10
        draw.ellipse(box, outline=RED + (255,), width=ring)
        inset = margin + big // 6
        draw.line((inset, inset, big - inset, big - inset), fill=RED + (255,), width=ring)
    elif duty is IconState.ON_DUTY:
        dot = big // 5
        centre = big // 2
        draw.ellipse((centre - dot, centre - dot, centre + dot, centre + dot), fill=WHITE + (255,))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def alert_badge(size: int = SIZE) -> PIL.Image.Image:
    """The icon of an alert's pop-up: a red disc with a white exclamation mark."""
    from PIL import Image, ImageDraw

    big = size * _SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    margin = big // 16
    draw.ellipse((margin, margin, big - margin, big - margin), fill=RED + (255,), outline=WHITE + (255,), width=big // 20)
    bar = big // 14
    centre = big // 2
    draw.rounded_rectangle((centre - bar, big // 4, centre + bar, big * 3 // 5), radius=bar, fill=WHITE + (255,))
    draw.ellipse((centre - bar, big * 2 // 3, centre + bar, big * 2 // 3 + 2 * bar), fill=WHITE + (255,))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def save_icons(directory: Path) -> tuple[Path, Path]:
    """PNGs for notifications that want an icon file: Rota's own badge, and the alert's."""
    directory.mkdir(parents=True, exist_ok=True)
    app, alert = directory / "rota.png", directory / "rota-alert.png"
    badge(IconState.OFF_DUTY, IconState.OFF_DUTY).save(app)
    alert_badge().save(alert)
    return app, alert


def load_pystray() -> Any | None:
    """pystray's Icon, Menu and MenuItem for this desktop, or None where no backend can
    start (no display, no tray).

    On Linux pystray tries AppIndicator first, whose own fallback to an XEmbed icon (when
    no StatusNotifierItem host is running, as with trayer, stalonetray or older panels)
    races with the first updates and sometimes leaves no icon at all. So the choice is
    made here, once, from what the session offers: AppIndicator when a
    StatusNotifierWatcher is on the session bus (KDE, GNOME with its extension, waybar),
    GTK's XEmbed status icon otherwise. PYSTRAY_BACKEND, when set, still decides.
    """
    try:
        import pystray

        icon = _linux_icon_class() if sys.platform.startswith("linux") and not os.environ.get("PYSTRAY_BACKEND") else None
    except Exception as exc:  # each backend fails its own way: ImportError, Xlib's DisplayNameError, ...
        log.warning("no system tray available (%s); running without an icon", exc)
        return None
    return SimpleNamespace(Icon=icon or pystray.Icon, Menu=pystray.Menu, MenuItem=pystray.MenuItem)


def _linux_icon_class() -> Any:
    if _status_notifier_host():
        from pystray import _appindicator as backend
    else:
        from pystray import _gtk as backend
    return backend.Icon


def _status_notifier_host() -> bool:
    """Whether a StatusNotifierItem host (its watcher) is on the session bus."""
    from gi.repository import Gio, GLib

    try:
        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
            GLib.Variant("(s)", ("org.kde.StatusNotifierWatcher",)), GLib.VariantType("(b)"),
            Gio.DBusCallFlags.NONE, 2000, None,
        )
    except GLib.Error as exc:
        log.info("no session bus to look for a StatusNotifierItem host on (%s)", exc.message)
        return False
    return bool(reply.unpack()[0])


class TrayIcon:
    """The pystray icon; `show` may be called from any thread (the backends hand over
    to their own GUI thread)."""

    def __init__(self, pystray: Any, on_action: Callable[[MenuEntry], None], name: str = "rota") -> None:
        self._pystray = pystray
        self._on_action = on_action
        self._shown: TrayView | None = None
        self._icon = pystray.Icon(name, badge(IconState.OFF_DUTY, IconState.OFF_DUTY), "Rota")

    @property
    def has_notification(self) -> bool:
        return bool(getattr(self._icon, "HAS_NOTIFICATION", False))

    @property
    def backend(self) -> str:
        return type(self._icon).__module__.rsplit(".", 1)[-1].lstrip("_")

    def show(self, view: TrayView) -> None:
        previous, self._shown = self._shown, view
        if previous is None or (previous.state, previous.duty) != (view.state, view.duty):
            self._icon.icon = badge(view.state, view.duty)
        if previous is None or previous.tooltip != view.tooltip:
            self._icon.title = tooltip(view.tooltip)
        if previous is None or previous.menu != view.menu:
            self._icon.menu = self._menu(view.menu)

    def notify(self, title: str, body: str) -> None:
        self._icon.notify(body, title)

    def run(self, setup: Callable[[], None]) -> None:
        """Block in the GUI loop (the main thread on macOS) until `stop`."""

        def started(icon: Any) -> None:
            icon.visible = True
            setup()

        self._icon.run(setup=started)

    def stop(self) -> None:
        self._icon.stop()

    def _menu(self, entries: tuple[MenuEntry, ...]) -> Any:
        return self._pystray.Menu(*(self._item(entry) for entry in entries))

    def _item(self, entry: MenuEntry) -> Any:
        pystray = self._pystray
        if entry.separator:
            return pystray.Menu.SEPARATOR
        if entry.children:
            return pystray.MenuItem(entry.text, self._menu(entry.children), enabled=entry.enabled)
        checked = None if entry.checked is None else _constant(entry.checked)
        action = partial(self._clicked, entry) if entry.action else None
        return pystray.MenuItem(entry.text, action, checked=checked, enabled=entry.enabled and entry.action is not None)

    def _clicked(self, entry: MenuEntry, icon: Any, item: Any) -> None:
        self._on_action(entry)


def tooltip(text: str) -> str:
    """`text` within the length every platform keeps, cut with an ellipsis."""
    return text if len(text) <= TOOLTIP_LENGTH else text[: TOOLTIP_LENGTH - 1] + "…"


def _constant(value: bool) -> Callable[[Any], bool]:
    """pystray asks a checkbox for its state with the item as the only argument."""

    def state(item: Any) -> bool:
        return value

    return state
