"""rota-tray on a real desktop: Xvfb, trayer as the tray host, dunst as the notification
daemon, all on a private session bus, against the fake service on loopback.

One scenario, as a person would live it: I pair, the icon appears in the tray (amber: my
shift starts soon), an alert handed to me pops up with an "Open" action, the menu opens
with my rotations, my shifts and the actions, a reminder pops up within a second of its
due time, and the icon turns green when the shift starts. Clicking the alert opens its
card; the menu's items work from the keyboard (Open Teams, acknowledging the alert, Quit).
Screenshots of the alert, the open menu and the reminder are saved under test-artifacts/.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

import pytest
from PIL import Image, ImageGrab

from shared.feed import RotationNow
from tests.tray.factories import ME, PARIS, alert, feed, shift
from tests.tray.fake_service import PAIRING_CODE
from tray.icon import COLOURS
from tray.state import IconState
from tray.timeline import when

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TOOLS = ("Xvfb", "trayer", "dunst", "dbus-daemon", "dbus-monitor", "xdotool", "xwininfo")
LEAD_SECONDS = 4
START_IN = timedelta(seconds=14)
DUNSTRC = """
[global]
    origin = bottom-right
    offset = 12x12
    width = 420
    font = DejaVu Sans 10
    frame_width = 1
    frame_color = "#8a8f98"
[urgency_normal]
    background = "#ffffff"
    foreground = "#202124"
    timeout = 0
[urgency_critical]
    background = "#fff1f0"
    foreground = "#202124"
    frame_color = "#d62828"
    timeout = 0
"""

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], what: str, within: float = 10.0, explain: Callable[[], str] = str) -> T:
    """Wait for an outside process (X server, tray host, daemon) to reach a state."""
    deadline = time.monotonic() + within
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{explain()}")
        time.sleep(0.05)


@dataclass
class Desktop:
    display: str
    bus: str
    monitor_log: Path
    env: dict[str, str]

    def run(self, *args: str) -> str:
        return subprocess.run(args, env=self.env, capture_output=True, text=True, timeout=10).stdout

    def screenshot(self) -> Image.Image:
        return ImageGrab.grab(xdisplay=self.display)


def _missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def start_display(start: Callable[..., subprocess.Popen], log) -> str:
    """Xvfb on a display number of its own: a random high one, since other programs on
    the machine may take :0, :1 or :99 without asking; readiness is Xvfb's -displayfd.

    `-noreset`: by default an X server resets when its last client leaves, and refuses
    connections while it does; the readiness probe below is such a client, so without it
    the next program to connect (dunst, say) can find the display closed."""
    for number in random.sample(range(300, 3000), 20):
        xvfb = start("Xvfb", f":{number}", "-displayfd", "1", "-noreset", "-screen", "0", "800x600x24",
                     "-nolisten", "tcp", stdout=subprocess.PIPE, stderr=log, text=True)
        if xvfb.stdout.readline().strip() == str(number):
            display = f":{number}"
            eventually(lambda: subprocess.run(["xwininfo", "-root", "-display", display], capture_output=True).returncode == 0,
                       f"the X server on {display} to take clients")
            return display
        xvfb.wait(timeout=5)
    raise AssertionError("no free X display")


@pytest.fixture(scope="module")
def desktop(tmp_path_factory) -> Iterator[Desktop]:
    missing = _missing_tools()
    if missing:
        message = f"missing {', '.join(missing)}: run scripts/system-packages.sh as root"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("desktop")
    processes: list[subprocess.Popen] = []

    def start(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(args, env=env, **kwargs)
        processes.append(process)
        return process

    try:
        display = start_display(start, (home / "xvfb.log").open("w"))
        bus_path = home / "bus"
        daemon = start(
            "dbus-daemon", "--session", "--nofork", f"--address=unix:path={bus_path}", "--print-address=1",
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        bus = daemon.stdout.readline().strip()
        env = {
            **os.environ,
            "DISPLAY": display,
            "DBUS_SESSION_BUS_ADDRESS": bus,
            "NO_AT_BRIDGE": "1",
            "XDG_RUNTIME_DIR": str(home),
            "XDG_CONFIG_HOME": str(home / "config"),
        }
        (home / "dunstrc").write_text(DUNSTRC)
        trayer_log = (home / "trayer.log").open("w")
        start("trayer", "--edge", "top", "--align", "right", "--widthtype", "request", "--height", "32",
              "--SetDockType", "true", "--transparent", "false", env=env, stdout=trayer_log, stderr=subprocess.STDOUT)
        dunst_log = (home / "dunst.log").open("w")
        start("dunst", "-config", str(home / "dunstrc"), env=env, stdout=dunst_log, stderr=subprocess.STDOUT)
        monitor_log = home / "notifications.log"
        with monitor_log.open("w") as log:
            start("dbus-monitor", "--session", "interface='org.freedesktop.Notifications',member='Notify'",
                  env=env, stdout=log, stderr=subprocess.DEVNULL)
        probe = Desktop(display, bus, monitor_log, env)
        eventually(lambda: '"panel": ("panel" "trayer")' in probe.run("xwininfo", "-root", "-tree"),
                   "trayer", explain=lambda: (home / "trayer.log").read_text() + (home / "xvfb.log").read_text() + str([p.poll() for p in processes]))
        eventually(lambda: probe.run("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                                     "/", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications")
                   .strip().endswith("true"), "dunst on the bus", explain=lambda: (home / "dunst.log").read_text())
        yield probe
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()


@dataclass(frozen=True)
class Notification:
    at: float
    summary: str
    body: str
    actions: list[str]


def notifications(log: Path) -> list[Notification]:
    """The Notify calls dbus-monitor saw: (time, summary, body, actions)."""
    found = []
    for block in log.read_text().split("method call time=")[1:]:
        if "member=Notify" not in block.splitlines()[0]:
            continue
        strings = re.findall(r'^\s+string "(.*)"$', block, re.MULTILINE)
        actions_part = block.split("array [", 1)[1].split("]", 1)[0] if "array [" in block else ""
        found.append(
            Notification(
                at=float(block.split()[0]),
                summary=strings[2],
                body=strings[3],
                actions=re.findall(r'string "(.*)"', actions_part),
            )
        )
    return found


def tray_window(desktop: Desktop) -> tuple[str, str] | None:
    """The icon's window inside trayer: (id, name), once it is embedded."""
    tree = desktop.run("xwininfo", "-root", "-tree").splitlines()
    panel = next((i for i, line in enumerate(tree) if '("panel" "trayer")' in line), None)
    if panel is None:
        return None
    depth = len(tree[panel]) - len(tree[panel].lstrip())
    for line in tree[panel + 1 :]:
        if line.strip() and len(line) - len(line.lstrip()) <= depth:
            break
        match = re.match(r'\s+(0x[0-9a-f]+) "(Rota: [^"]*)"', line)
        if match:
            return match.group(1), match.group(2)
    return None


def geometry(desktop: Desktop, window: str) -> tuple[int, int, int, int]:
    info = desktop.run("xwininfo", "-id", window)
    value = {key: int(re.search(rf"{key}:\s+(-?\d+)", info).group(1)) for key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")}
    return value["Absolute upper-left X"], value["Absolute upper-left Y"], value["Width"], value["Height"]


def icon_colour(desktop: Desktop, window: str) -> tuple[int, int, int]:
    x, y, width, height = geometry(desktop, window)
    return desktop.screenshot().getpixel((x + width // 2, y + height // 5))[:3]


def near(colour: tuple[int, int, int], expected: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 40 for a, b in zip(colour, expected))


def open_menu_window(desktop: Desktop) -> str | None:
    for window in desktop.run("xdotool", "search", "--onlyvisible", "--classname", "^rota-tray$").split():
        if geometry(desktop, window)[3] > 200:
            return window
    return None


@dataclass(frozen=True)
class Service:
    url: str
    start: datetime
    acknowledged: Path
    opened: Path
    browser: str


@pytest.fixture
def service(tmp_path) -> Iterator[Service]:
    start = (datetime.now(timezone.utc) + START_IN).replace(microsecond=0)
    mine = feed(
        shift(start, start + timedelta(hours=8)),
        shift(start + timedelta(days=2), start + timedelta(days=9), rotation="releases"),
        alerts=[alert()],
        generated_at=datetime.now(timezone.utc),
        rotations=[
            RotationNow(name="data-platform", timezone="Europe/Paris", primary="bob@example.com", secondary=ME, until=start),
            RotationNow(name="releases", timezone="America/New_York", primary="carol@example.com", until=start + timedelta(days=2)),
        ],
    )
    path, acknowledged, opened = tmp_path / "feed.json", tmp_path / "acknowledged", tmp_path / "opened"
    path.write_text(mine.model_dump_json())
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.tray.fake_service", str(path), "--record", str(acknowledged)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    try:
        url = json.loads(process.stdout.readline())["url"]
        yield Service(url, start, acknowledged, opened, f"{browser} %s")
    finally:
        process.terminate()
        process.wait(timeout=5)


def lines(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def choose_in_menu(desktop: Desktop, window: str, *keys: str, screenshot: Path | None = None) -> None:
    """Open the icon's menu (right button, as XEmbed trays do) and walk it with the keyboard:
    items that do nothing (the information lines) are skipped, as a person's arrow keys skip them."""
    x, y, width, height = geometry(desktop, window)
    desktop.run("xdotool", "mousemove", str(x + width // 2), str(y + height // 2), "click", "3")
    eventually(lambda: open_menu_window(desktop), "the menu to open")
    if screenshot is not None:
        desktop.screenshot().save(screenshot)
    desktop.run("xdotool", "key", "--delay", "60", *keys)


@pytest.mark.timeout(90)
def test_rota_tray_on_a_real_desktop(desktop, service, tmp_path):
    due = service.start - timedelta(seconds=LEAD_SECONDS)
    tray = subprocess.Popen(
        [str(Path(sys.executable).parent / "rota-tray"), "--url", service.url, "--pair", PAIRING_CODE,
         "--tz", "Europe/Paris", "--lead", f"{LEAD_SECONDS}s", "--lead", "end-15m",
         "--config-dir", str(tmp_path / "config"), "-v"],
        env={**desktop.env, "BROWSER": service.browser}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        eventually(lambda: tray_window(desktop), "the icon in trayer", explain=lambda: desktop.run("xwininfo", "-root", "-tree"))
        expected = f"Rota: starts soon, next shift {when(service.start, datetime.now(timezone.utc), PARIS)} (data-platform)"
        window, _ = eventually(lambda: (found := tray_window(desktop)) and found[1] == expected and found,
                               f"the tooltip {expected!r}", explain=lambda: str(tray_window(desktop)))
        assert near(icon_colour(desktop, window), COLOURS[IconState.STARTS_SOON])

        popup = eventually(lambda: [n for n in notifications(desktop.monitor_log) if n.summary.startswith("Alert for you")],
                           "the alert pop-up")
        assert (popup[0].summary, popup[0].body) == ("Alert for you: Nightly ETL failed", "data-platform · critical")
        assert "Open" in popup[0].actions
        eventually(lambda: desktop.run("xdotool", "search", "--onlyvisible", "--classname", "Dunst").split(), "dunst to show it")
        desktop.screenshot().save(ARTIFACTS / "tray-alert.png")
        desktop.run("dunstctl", "action", "0")
        assert eventually(lambda: lines(service.opened), "a click on the alert to open its card") == [
            "https://teams.microsoft.com/l/message/19:abc/1"
        ]

        choose_in_menu(desktop, window, "Down", "Return", screenshot=ARTIFACTS / "tray-menu.png")
        assert eventually(lambda: lines(service.opened)[1:], "Open Teams to open the browser") == [
            "https://teams.microsoft.com/l/team/19:abc"
        ]

        reminder = eventually(
            lambda: [n for n in notifications(desktop.monitor_log) if n.summary.startswith("Your shift starts")],
            "the reminder", within=START_IN.total_seconds() + 5,
        )[0]
        assert reminder.summary == f"Your shift starts in {LEAD_SECONDS} seconds"
        assert reminder.body.startswith("data-platform: today ")
        assert abs(reminder.at - due.timestamp()) < 1.0, f"shown {reminder.at - due.timestamp():+.3f} s from its due time"
        eventually(lambda: desktop.run("xdotool", "search", "--onlyvisible", "--classname", "Dunst").split(), "dunst to show it")
        desktop.screenshot().save(ARTIFACTS / "tray-notification.png")

        on_duty = eventually(lambda: (found := tray_window(desktop)) and found[1].startswith("Rota: on duty") and found,
                             "the icon to say on duty", within=START_IN.total_seconds() + 5)
        assert near(icon_colour(desktop, on_duty[0]), COLOURS[IconState.ON_DUTY])

        choose_in_menu(desktop, on_duty[0], "Down", "Down", "Down", "Right", "Return")
        assert eventually(lambda: lines(service.acknowledged), "the acknowledgement to reach Rota") == ["a-1"]

        choose_in_menu(desktop, on_duty[0], "Up", "Return")
        assert tray.wait(timeout=10) == 0, "Quit ends rota-tray"
    finally:
        if tray.poll() is None:
            tray.terminate()
        print(tray.communicate(timeout=10)[0])
