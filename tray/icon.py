"""The one module that imports pystray: the tray icon, its badge and its menu.

`import pystray` picks a backend at import time and fails without a display, so it is
imported only when an icon is actually created. The badge is drawn with Pillow: a round
disc, green on duty, amber when a shift starts soon, grey off duty; when Rota cannot be
reached the disc keeps my duty colour but gets a red ring and a red slash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from tray.state import IconState, MenuEntry, TrayView

log = logging.getLogger(__name__)

SIZE = 64
_SCALE = 4
COLOURS = {
    IconState.ON_DUTY: (34, 160, 82),
    IconState.STARTS_SOON: (240, 165, 0),
    IconState.OFF_DUTY: (138, 143, 152),
    IconState.OFFLINE: (138, 143, 152),
}
RED = (214, 40, 40)
WHITE = (255, 255, 255)


def badge(state: IconState, duty: IconState, size: int = SIZE) -> Image.Image:
    """The icon for a view: drawn large, then scaled down for smooth edges."""
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


def save_badge(path: Path, state: IconState = IconState.ON_DUTY) -> Path:
    """A PNG of the badge, for notifications that want an icon file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    badge(state, state if state is not IconState.OFFLINE else IconState.OFF_DUTY).save(path)
    return path


def load_pystray() -> Any | None:
    """pystray, or None where no backend can start (no display, no tray)."""
    try:
        import pystray
    except Exception as exc:  # each backend fails its own way: ImportError, Xlib's DisplayNameError, ...
        log.warning("no system tray available (%s); running without an icon", exc)
        return None
    return pystray


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
            self._icon.title = view.tooltip
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


def _constant(value: bool) -> Callable[[Any], bool]:
    """pystray asks a checkbox for its state with the item as the only argument."""

    def state(item: Any) -> bool:
        return value

    return state
