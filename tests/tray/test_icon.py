"""The badge's colours and the pystray menu built from the menu model, without a display."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from tray.icon import COLOURS, RED, SIZE, TOOLTIP_LENGTH, TrayIcon, badge
from tray.state import SEPARATOR, Action, IconState, MenuEntry, TrayView

CENTRE = (SIZE // 2, SIZE // 2)
EDGE_OF_DISC = (SIZE // 2, SIZE // 8)


def close(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour))


@pytest.mark.parametrize("state", [IconState.ON_DUTY, IconState.STARTS_SOON, IconState.OFF_DUTY])
def test_the_badge_is_a_disc_in_the_colour_of_my_duty(state):
    image = badge(state, state)
    assert image.size == (SIZE, SIZE)
    assert close(image.getpixel((SIZE // 2, SIZE // 5)), COLOURS[state])
    assert image.getpixel((1, 1))[3] == 0, "the corners are transparent"


def test_the_three_duty_colours_are_told_apart():
    colours = {badge(s, s).getpixel((SIZE // 2, SIZE // 5))[:3] for s in (IconState.ON_DUTY, IconState.STARTS_SOON, IconState.OFF_DUTY)}
    assert len(colours) == 3


def test_on_duty_has_a_white_centre_so_it_reads_without_colour():
    assert close(badge(IconState.ON_DUTY, IconState.ON_DUTY).getpixel(CENTRE), (255, 255, 255))
    assert not close(badge(IconState.OFF_DUTY, IconState.OFF_DUTY).getpixel(CENTRE), (255, 255, 255))


def test_offline_keeps_my_duty_colour_inside_a_red_ring_with_a_slash():
    image = badge(IconState.OFFLINE, IconState.ON_DUTY)
    assert close(image.getpixel(EDGE_OF_DISC), RED)
    assert close(image.getpixel(CENTRE), RED)
    assert close(image.getpixel((SIZE // 4, 3 * SIZE // 5)), COLOURS[IconState.ON_DUTY])


class FakeIcon:
    HAS_NOTIFICATION = True

    def __init__(self, name, icon, title):
        self.name, self.icon, self.title, self.menu = name, icon, title, None
        self.notified = []

    def notify(self, message, title=None):
        self.notified.append((title, message))


class FakeItem:
    def __init__(self, text, action, checked=None, enabled=True):
        self.text, self.action, self.checked, self.enabled = text, action, checked, enabled


class FakeMenu:
    SEPARATOR = "----"

    def __init__(self, *items):
        self.items = items


FAKE_PYSTRAY = SimpleNamespace(Icon=FakeIcon, Menu=FakeMenu, MenuItem=FakeItem)
MENU = (
    MenuEntry("On duty in data-platform until today 18:00", heading=True),
    SEPARATOR,
    MenuEntry("Reminder times", children=(MenuEntry("1 hour before it starts", Action.TOGGLE_LEAD, "1h", checked=True),)),
    MenuEntry("Quit", Action.QUIT),
)


def test_the_pystray_menu_mirrors_the_menu_model_and_clicks_come_back_as_entries():
    clicked = []
    icon = TrayIcon(FAKE_PYSTRAY, on_action=clicked.append)
    icon.show(TrayView(IconState.ON_DUTY, IconState.ON_DUTY, "Rota: on duty", MENU))
    status, separator, reminders, quit_item = icon._icon.menu.items
    assert (status.text, status.enabled) == ("On duty in data-platform until today 18:00", False)
    assert separator == FakeMenu.SEPARATOR
    (lead,) = reminders.action.items
    assert (lead.text, lead.checked(lead), lead.enabled) == ("1 hour before it starts", True, True)
    quit_item.action(icon._icon, quit_item)
    assert clicked == [MENU[3]]
    assert icon._icon.title == "Rota: on duty"


def test_a_long_tooltip_is_cut_to_what_windows_keeps():
    icon = TrayIcon(FAKE_PYSTRAY, on_action=lambda entry: None)
    long = "Rota: on duty in data-platform until Tue 17 Mar 07:00 · to sign in, enter ABCD-EFGH at " + "x" * 100
    icon.show(TrayView(IconState.ON_DUTY, IconState.ON_DUTY, long, MENU))
    assert len(icon._icon.title) == TOOLTIP_LENGTH
    assert icon._icon.title.endswith("…") and "ABCD-EFGH" in icon._icon.title


def test_notifications_through_the_icon_put_the_title_first():
    icon = TrayIcon(FAKE_PYSTRAY, on_action=lambda entry: None)
    icon.notify("Your shift starts in 15 minutes", "data-platform: today 12:00 – 20:00")
    assert icon._icon.notified == [("Your shift starts in 15 minutes", "data-platform: today 12:00 – 20:00")]
    assert icon.has_notification


def test_without_a_display_there_is_no_icon_and_no_crash():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    result = subprocess.run(
        [sys.executable, "-c", "from tray.icon import load_pystray; print(load_pystray())"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.strip() == "None"
    assert "no system tray available" in result.stderr


def status_notifier_host(bus: str) -> str:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus}
    code = "from tray.icon import _status_notifier_host; print(_status_notifier_host())"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60).stdout.strip()


async def test_appindicator_is_chosen_only_where_a_status_notifier_host_runs(tmp_path):
    from dbus_fast.aio import MessageBus

    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", f"--address=unix:path={tmp_path / 'bus'}", "--print-address=1"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        bus = daemon.stdout.readline().strip()
        assert await asyncio.to_thread(status_notifier_host, bus) == "False"
        host = await MessageBus(bus_address=bus).connect()
        await host.request_name("org.kde.StatusNotifierWatcher")
        assert await asyncio.to_thread(status_notifier_host, bus) == "True"
        host.disconnect()
    finally:
        daemon.terminate()
        daemon.wait(timeout=5)


def test_without_a_session_bus_the_xembed_icon_is_chosen():
    assert status_notifier_host("unix:path=/nonexistent/bus") == "False"
